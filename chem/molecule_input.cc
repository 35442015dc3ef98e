#include "chem/molecule_input.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace ledgfn {
namespace {

using Json = nlohmann::json;

absl::Status Malformed(const std::string& path, size_t index,
                       const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": molecule ", index, ": ", what));
}

absl::StatusOr<std::vector<int>> IntList(const Json& value) {
  if (!value.is_array()) return absl::InvalidArgumentError("not a list");
  std::vector<int> out;
  for (const Json& v : value) {
    if (!v.is_number_integer()) {
      return absl::InvalidArgumentError("not a list of integers");
    }
    out.push_back(v.get<int>());
  }
  return out;
}

absl::StatusOr<std::vector<MoleculeInput>> ParseJson(const std::string& path,
                                                     const std::string& text) {
  Json doc = Json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not valid JSON (expected the reference format, ",
                     "{\"molecules\": [...]}, or SMILES one per line)"));
  }
  if (!doc.is_object() || !doc.contains("molecules") ||
      !doc["molecules"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no \"molecules\" array"));
  }
  std::vector<MoleculeInput> out;
  size_t index = 0;
  for (const Json& m : doc["molecules"]) {
    if (!m.is_object() || !m.contains("blockidxs") || !m.contains("jbonds")) {
      return Malformed(path, index, "needs \"blockidxs\" and \"jbonds\"");
    }
    BlockGraph graph;
    absl::StatusOr<std::vector<int>> blocks = IntList(m["blockidxs"]);
    if (!blocks.ok()) {
      return Malformed(path, index, absl::StrCat("blockidxs: ", blocks.status().message()));
    }
    graph.blockidxs = *std::move(blocks);
    if (!m["jbonds"].is_array()) return Malformed(path, index, "jbonds: not a list");
    for (const Json& bond : m["jbonds"]) {
      absl::StatusOr<std::vector<int>> b = IntList(bond);
      if (!b.ok() || b->size() != 4) {
        return Malformed(path, index,
                         "jbonds: each entry must be [block_a, block_b, "
                         "atom_in_a, atom_in_b]");
      }
      graph.jbonds.push_back({(*b)[0], (*b)[1], (*b)[2], (*b)[3]});
    }
    MoleculeInput input;
    input.blocks = std::move(graph);
    if (m.contains("score")) {
      if (!m["score"].is_number()) return Malformed(path, index, "score: not a number");
      input.reference_score = m["score"].get<double>();
    }
    if (m.contains("clipped")) {
      if (!m["clipped"].is_boolean()) return Malformed(path, index, "clipped: not true/false");
      input.reference_clipped = m["clipped"].get<bool>();
    }
    out.push_back(std::move(input));
    ++index;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<MoleculeInput>> ReadMoleculeInput(
    const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const absl::string_view content = absl::StripLeadingAsciiWhitespace(text);
  if (!content.empty() && content.front() == '{') return ParseJson(path, text);
  std::vector<MoleculeInput> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    // A .smi line may name the molecule after the SMILES.
    line = line.substr(0, line.find_first_of(" \t"));
    MoleculeInput input;
    input.smiles = std::string(line);
    out.push_back(std::move(input));
  }
  return out;
}

}  // namespace ledgfn
