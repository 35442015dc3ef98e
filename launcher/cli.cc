#include "launcher/cli.h"


#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>

#include <algorithm>
#include <iterator>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ledgfn {
namespace {

const char* g_program = "ledgfn";

[[noreturn]] void FailLine(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", g_program, message.c_str());
  std::exit(2);
}

// absl::ParseCommandLine exits with status 1 (and several lines) on an
// unknown flag or a malformed value; check those first so that every bad
// flag is one line and exit status 2.
void CheckCommandLine(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-") || arg == "-") {
      FailLine(absl::StrCat("unexpected argument '", arg, "'"));
    }
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    // absl's own flags (--help, --flagfile, ...) are left to absl.
    static constexpr absl::string_view kBuiltins[] = {
        "help",      "helpfull",   "helpshort", "helppackage",
        "helpon",    "helpmatch",  "version",   "only_check_args",
        "flagfile",  "fromenv",    "tryfromenv", "undefok"};
    if (std::find(std::begin(kBuiltins), std::end(kBuiltins), name) !=
        std::end(kBuiltins)) {
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") &&
        eq == absl::string_view::npos) {
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) FailLine(absl::StrCat("unknown flag --", name));
    std::string value;
    if (eq != absl::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      FailLine(absl::StrCat("flag --", name, " is missing its value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      FailLine(absl::StrCat("bad value for --", name, ": ", error));
    }
  }
}

}  // namespace


std::vector<char*> ParseCommandLine(const char* program, int argc, char** argv,
                                    const std::string& usage) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "launcher/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  g_program = program;
  CheckCommandLine(argc, argv);
  return absl::ParseCommandLine(argc, argv);
}

void Fail(const std::string& program, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", program.c_str(),
               std::string(status.message()).c_str());
  std::exit(2);
}

std::string HostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace ledgfn
