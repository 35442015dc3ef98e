#include "proto/token_checker.h"

namespace ledgfn {
namespace {

// Time depends on the presented length only, never on the first differing
// byte, so the token cannot be guessed byte by byte from response times.
bool ConstantTimeEquals(grpc::string_ref presented, const std::string& expected) {
  unsigned char diff = presented.size() != expected.size() ? 1 : 0;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented.data()[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return diff == 0;
}

}  // namespace

TokenChecker::TokenChecker(const std::string& token)
    : expected_(token.empty() ? "" : "Bearer " + token) {}

grpc::Status TokenChecker::Check(const grpc::ServerContextBase& context) {
  if (expected_.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    ++rejected_;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing bearer token");
  }
  if (!ConstantTimeEquals(it->second, expected_)) {
    ++rejected_;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong bearer token");
  }
  return grpc::Status::OK;
}

grpc::Status CheckToken(TokenChecker* checker,
                        const grpc::ServerContextBase& context) {
  return checker == nullptr ? grpc::Status::OK : checker->Check(context);
}

}  // namespace ledgfn
