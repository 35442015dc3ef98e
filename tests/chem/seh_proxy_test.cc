// Loading the sEH proxy's weights: every array is checked by name.
#include "chem/seh_proxy.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/chem/seh_test_data.h"

namespace ledgfn {
namespace {

using ::testing::HasSubstr;

class SehProxyLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveSehData()) GTEST_SKIP() << MissingSehDataMessage();
    std::ifstream in(SehDataDir() + "/seh_proxy_params.json");
    std::stringstream text;
    text << in.rdbuf();
    index_ = nlohmann::json::parse(text.str());
  }
  // LoadSehProxy's error message with `index` in place of the real index.
  std::string LoadError(const nlohmann::json& index) {
    // A file per process: ctest runs these tests in parallel, each in its
    // own process, and with one shared name one test could load another's
    // index.
    const std::string path = absl::StrCat(
        ::testing::TempDir(), "/seh_proxy_params.", getpid(), ".json");
    std::ofstream(path) << index.dump();
    absl::StatusOr<SehProxy> proxy =
        LoadSehProxy(SehDataDir() + "/seh_proxy_params.bin", path);
    std::remove(path.c_str());
    EXPECT_FALSE(proxy.ok());
    EXPECT_EQ(proxy.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(proxy.status().message());
  }
  nlohmann::json index_;
};

TEST_F(SehProxyLoadTest, LoadsTheRealWeights) {
  absl::StatusOr<SehProxy> proxy =
      LoadSehProxy(SehDataDir() + "/seh_proxy_params.bin",
                   SehDataDir() + "/seh_proxy_params.json");
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  for (const auto& parameter : (*proxy)->parameters()) {
    EXPECT_EQ(parameter.scalar_type(), torch::kFloat64);
  }
}

TEST_F(SehProxyLoadTest, RejectsAWrongShape) {
  nlohmann::json index = index_;
  index["arrays"][20]["shape"] = {128, 1};
  EXPECT_THAT(LoadError(index), HasSubstr("array mpnn.lin3.weight: shape [128,1]"));
}

TEST_F(SehProxyLoadTest, RejectsAMissingArray) {
  nlohmann::json index = index_;
  index["arrays"].erase(3);
  EXPECT_THAT(LoadError(index), HasSubstr("array mpnn.conv.bias is missing"));
}

TEST_F(SehProxyLoadTest, RejectsBytesOutsideTheFile) {
  nlohmann::json index = index_;
  index["arrays"][21]["offset"] = 1u << 30;
  EXPECT_THAT(LoadError(index), HasSubstr("array mpnn.lin3.bias: bytes"));
}

TEST_F(SehProxyLoadTest, RejectsAnUnknownName) {
  nlohmann::json index = index_;
  index["arrays"][0]["name"] = "mpnn.lin9.weight";
  EXPECT_THAT(LoadError(index), HasSubstr("mpnn.lin9.weight: no such parameter"));
}

}  // namespace
}  // namespace ledgfn
