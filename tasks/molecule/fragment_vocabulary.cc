#include "tasks/molecule/fragment_vocabulary.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ledgfn {
namespace {

using Json = nlohmann::json;

// The entry `key` of the object `table` (one of block_name, block_smi,
// block_r), or INVALID_ARGUMENT naming the file and the entry.
absl::StatusOr<const Json*> Entry(const Json& root, const std::string& table,
                                  const std::string& key,
                                  const std::string& path) {
  const Json& object = root.at(table);
  const auto it = object.find(key);
  if (it == object.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": block ", key, " has no entry in \"", table, "\""));
  }
  return &*it;
}

absl::StatusOr<Fragment> ParseFragment(const Json& root, int index,
                                       const std::string& path) {
  const std::string key = std::to_string(index);
  Fragment fragment;
  absl::StatusOr<const Json*> name = Entry(root, "block_name", key, path);
  if (!name.ok()) return name.status();
  absl::StatusOr<const Json*> smiles = Entry(root, "block_smi", key, path);
  if (!smiles.ok()) return smiles.status();
  absl::StatusOr<const Json*> stems = Entry(root, "block_r", key, path);
  if (!stems.ok()) return stems.status();
  if (!(*name)->is_string() || !(*smiles)->is_string() ||
      (*smiles)->get<std::string>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": block ", key,
        ": block_name and block_smi must be (non-empty) strings"));
  }
  if (!(*stems)->is_array() || (*stems)->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": block ", key, ": block_r must be a non-empty array"));
  }
  fragment.name = (*name)->get<std::string>();
  fragment.smiles = (*smiles)->get<std::string>();
  for (const Json& stem : **stems) {
    if (!stem.is_number_integer() || stem.get<int>() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": block ", key, ": block_r holds ", stem.dump(),
          ", not a non-negative atom index"));
    }
    fragment.stem_atoms.push_back(stem.get<int>());
  }
  return fragment;
}

}  // namespace

int FragmentVocabulary::max_stems() const {
  int most = 0;
  for (const Fragment& fragment : fragments) {
    most = std::max(most, static_cast<int>(fragment.stem_atoms.size()));
  }
  return most;
}

absl::StatusOr<FragmentVocabulary> LoadFragmentVocabulary(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open the fragment vocabulary ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  const Json root = Json::parse(text.str(), /*cb=*/nullptr,
                                /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  }
  for (const char* table : {"block_name", "block_smi", "block_r"}) {
    if (!root.is_object() || !root.contains(table) ||
        !root.at(table).is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": missing the object \"", table, "\""));
    }
  }
  const size_t size = root.at("block_smi").size();
  if (size == 0 || root.at("block_name").size() != size ||
      root.at("block_r").size() != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": block_name, block_smi and block_r must have the same, "
              "non-zero number of entries (",
        root.at("block_name").size(), ", ", size, ", ",
        root.at("block_r").size(), ")"));
  }
  FragmentVocabulary vocabulary;
  vocabulary.fragments.reserve(size);
  for (int index = 0; index < static_cast<int>(size); ++index) {
    absl::StatusOr<Fragment> fragment = ParseFragment(root, index, path);
    if (!fragment.ok()) return fragment.status();
    vocabulary.fragments.push_back(*std::move(fragment));
  }
  return vocabulary;
}

}  // namespace ledgfn
