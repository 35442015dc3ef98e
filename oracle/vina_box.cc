#include "oracle/vina_box.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "common/file_util.h"

namespace ledgfn {

absl::StatusOr<VinaBox> ReadVinaBox(const std::string& config_path) {
  std::ifstream in(config_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", config_path));
  constexpr const char* kKeys[6] = {"center_x", "center_y", "center_z",
                                    "size_x",   "size_y",   "size_z"};
  double values[6];
  bool seen[6] = {false, false, false, false, false, false};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(text, absl::MaxSplits('=', 1));
    const absl::string_view key = absl::StripAsciiWhitespace(kv.first);
    for (int k = 0; k < 6; ++k) {
      if (key != kKeys[k]) continue;
      if (!absl::SimpleAtod(absl::StripAsciiWhitespace(kv.second), &values[k])) {
        return absl::InvalidArgumentError(
            absl::StrCat(config_path, ":", number, ": ", key,
                         " is not a number: '", kv.second, "'"));
      }
      seen[k] = true;
    }
  }
  VinaBox box;
  for (int k = 0; k < 6; ++k) {
    if (!seen[k]) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, " has no ", kKeys[k]));
    }
    if (k < 3) {
      box.center[k] = values[k];
    } else if (values[k] > 0) {
      box.size[k - 3] = values[k];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(config_path, ": ", kKeys[k], " must be > 0, not ", values[k]));
    }
  }
  return box;
}

absl::StatusOr<std::string> PrepareReceptor(const std::string& receptor_path,
                                            const std::string& work_dir) {
  std::string text;
  if (absl::EndsWith(receptor_path, ".gz")) {
    gzFile file = gzopen(receptor_path.c_str(), "rb");
    if (file == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot read ", receptor_path));
    }
    char buffer[1 << 16];
    int n;
    while ((n = gzread(file, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
    const bool failed = n < 0;
    gzclose(file);
    if (failed) {
      return absl::InvalidArgumentError(
          absl::StrCat(receptor_path, " is not a readable gzip file"));
    }
  } else {
    std::ifstream in(receptor_path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", receptor_path));
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
  }
  if (!absl::StrContains(text, "ATOM") && !absl::StrContains(text, "HETATM")) {
    return absl::InvalidArgumentError(absl::StrCat(
        receptor_path, " holds no ATOM or HETATM record: not a PDBQT receptor"));
  }
  if (!absl::EndsWith(receptor_path, ".gz")) return receptor_path;
  const std::string path = absl::StrCat(work_dir, "/receptor.pdbqt");
  if (absl::Status s = WriteFileSynced(path, text); !s.ok()) return s;
  return path;
}

}  // namespace ledgfn
