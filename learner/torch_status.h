// Turns an exception thrown by LibTorch into an absl::Status at the boundary
// of our APIs (which never throw). torch's messages carry a C++ stack trace
// after the first line; only the first line is kept.
#ifndef LEDGFN_LEARNER_TORCH_STATUS_H_
#define LEDGFN_LEARNER_TORCH_STATUS_H_

#include <exception>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ledgfn {

inline absl::Status StatusFromException(absl::StatusCode code,
                                        absl::string_view context,
                                        const std::exception& e) {
  const absl::string_view what = e.what();
  return absl::Status(code, absl::StrCat(context, ": ", what.substr(0, what.find('\n'))));
}

}  // namespace ledgfn

#endif  // LEDGFN_LEARNER_TORCH_STATUS_H_
