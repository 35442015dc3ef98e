// The security flags: token files and the flag combinations a program
// accepts (launcher/security_flags.h).
#include "launcher/security_flags.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_ca);
ABSL_DECLARE_FLAG(std::string, tls_server_name);
ABSL_DECLARE_FLAG(std::string, auth_token_file);

namespace ledgfn {
namespace {

constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

class SecurityFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledgfn_security_flags_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  absl::FlagSaver saver_;  // every test starts from the defaults
  std::string dir_;
};

TEST_F(SecurityFlagsTest, TokenFileLosesItsTrailingNewline) {
  EXPECT_EQ(*ReadTokenFile(Write("a", "abc123\n")), "abc123");
  EXPECT_EQ(*ReadTokenFile(Write("b", "abc123\r\n\n")), "abc123");
  EXPECT_EQ(*ReadTokenFile(Write("c", "abc123")), "abc123");
}

TEST_F(SecurityFlagsTest, BadTokenFilesAreErrorsThatNeverShowTheToken) {
  for (const char* content : {"", "\n", "  \n"}) {
    absl::StatusOr<std::string> token = ReadTokenFile(Write("empty", content));
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(token.status().message().find("is empty"), std::string::npos);
  }
  absl::StatusOr<std::string> spaced = ReadTokenFile(Write("spaced", "zq9 x7\n"));
  EXPECT_EQ(spaced.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(spaced.status().message().find("zq9"), std::string::npos);
  absl::StatusOr<std::string> missing = ReadTokenFile(dir_ + "/missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "--auth_token_file: cannot read " + dir_ +
                "/missing: No such file or directory");
}

TEST_F(SecurityFlagsTest, DefaultsArePlaintextWithoutToken) {
  absl::StatusOr<SecurityOptions> o = SecurityFromFlags(/*serves=*/true);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->tls);
  EXPECT_TRUE(o->token.empty());
}

TEST_F(SecurityFlagsTest, ReadsEveryFile) {
  absl::SetFlag(&FLAGS_tls_cert, Write("cert", kPem));
  absl::SetFlag(&FLAGS_tls_key, Write("key", std::string(kPem) + "key"));
  absl::SetFlag(&FLAGS_tls_ca, Write("ca", std::string(kPem) + "ca"));
  absl::SetFlag(&FLAGS_tls_server_name, "replay.internal");
  absl::SetFlag(&FLAGS_auth_token_file, Write("token", "t0k\n"));
  absl::StatusOr<SecurityOptions> o = SecurityFromFlags(/*serves=*/true);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->cert_pem, kPem);
  EXPECT_EQ(o->key_pem, std::string(kPem) + "key");
  EXPECT_EQ(o->ca_pem, std::string(kPem) + "ca");
  EXPECT_EQ(o->server_name, "replay.internal");
  EXPECT_EQ(o->token, "t0k");
}

TEST_F(SecurityFlagsTest, ACaAloneSuitsAClientButNotAServer) {
  absl::SetFlag(&FLAGS_tls_ca, Write("ca", kPem));
  absl::StatusOr<SecurityOptions> client = SecurityFromFlags(/*serves=*/false);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(client->tls);
  EXPECT_EQ(SecurityFromFlags(/*serves=*/true).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SecurityFlagsTest, InconsistentFlagsAreRejected) {
  absl::SetFlag(&FLAGS_tls_cert, Write("cert", kPem));
  EXPECT_EQ(SecurityFromFlags(false).status().message(),
            "--tls_cert and --tls_key must be given together");
  absl::SetFlag(&FLAGS_tls_cert, "");
  absl::SetFlag(&FLAGS_tls_server_name, "replay.internal");
  EXPECT_EQ(SecurityFromFlags(false).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::SetFlag(&FLAGS_tls_server_name, "");
  absl::SetFlag(&FLAGS_tls_ca, Write("not_pem", "hello"));
  EXPECT_EQ(SecurityFromFlags(false).status().message(),
            "--tls_ca: " + dir_ + "/not_pem holds no PEM block");
}

}  // namespace
}  // namespace ledgfn
