#include "chem/molecule_scoring.h"

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tasks/molecule/molecule_task.h"

namespace ledgfn {
namespace {

struct Result {
  absl::StatusOr<std::string> smiles = std::string();
  double score = 0;
};

// Scores of block molecules: the whole list in batches, or, when that fails
// (one malformed molecule fails its batch), one by one.
std::vector<Result> ScoreBlocks(const SehChemistry& chemistry,
                                const std::vector<BlockGraph>& graphs) {
  std::vector<Result> results(graphs.size());
  absl::StatusOr<std::vector<double>> all = chemistry.Scores(graphs);
  for (size_t i = 0; i < graphs.size(); ++i) {
    absl::StatusOr<double> score;
    if (all.ok()) {
      score = (*all)[i];
    } else {
      absl::StatusOr<std::vector<double>> one =
          chemistry.Scores(absl::MakeConstSpan(&graphs[i], 1));
      score = one.ok() ? absl::StatusOr<double>((*one)[0])
                       : absl::StatusOr<double>(one.status());
    }
    if (!score.ok()) {
      results[i].smiles = score.status();
      continue;
    }
    results[i].score = *score;
    results[i].smiles = chemistry.CanonicalSmiles(graphs[i]);
    if (results[i].smiles.ok() && results[i].smiles->empty()) {
      results[i].smiles = absl::InvalidArgumentError(
          "RDKit cannot sanitise the assembled molecule");
    }
  }
  return results;
}

}  // namespace

int64_t ScoreMoleculesAsJsonLines(const SehChemistry& chemistry,
                                  absl::Span<const MoleculeInput> molecules,
                                  std::ostream& out) {
  std::vector<BlockGraph> graphs;
  std::vector<std::string> smiles;
  for (const MoleculeInput& m : molecules) {
    if (m.blocks) graphs.push_back(*m.blocks);
    if (m.smiles) smiles.push_back(*m.smiles);
  }
  const std::vector<Result> block_results = ScoreBlocks(chemistry, graphs);
  const std::vector<absl::StatusOr<ScoredSmiles>> smiles_results =
      chemistry.ScoreSmiles(smiles);

  int64_t errors = 0;
  size_t next_block = 0, next_smiles = 0;
  for (size_t i = 0; i < molecules.size(); ++i) {
    Result r;
    if (molecules[i].blocks) {
      r = block_results[next_block++];
    } else {
      const absl::StatusOr<ScoredSmiles>& s = smiles_results[next_smiles++];
      if (s.ok()) {
        r.smiles = s->canonical_smiles;
        r.score = s->score;
      } else {
        r.smiles = s.status();
      }
    }
    nlohmann::ordered_json line;
    line["index"] = i;
    if (!r.smiles.ok()) {
      line["error"] = std::string(r.smiles.status().message());
      ++errors;
    } else {
      line["smiles"] = *r.smiles;
      line["score"] = r.score;
      line["energy"] = MoleculeTask::EnergyOfScore(r.score);
      if (molecules[i].reference_score) {
        line["reference_score"] = *molecules[i].reference_score;
      }
    }
    out << line.dump() << "\n";
  }
  return errors;
}

}  // namespace ledgfn
