#include "chem/seh_chemistry.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <utility>

#include <DataStructs/BitOps.h>
#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "chem/atom_features.h"
#include "chem/proxy_batch.h"

namespace ledgfn {
namespace {

absl::Status RequireFile(const std::string& path) {
  if (!std::ifstream(path)) {
    return absl::NotFoundError(
        absl::StrCat("the sEH data file ", path, " is missing"));
  }
  return absl::OkStatus();
}

// A sanitisation failure is a molecule like any other to the task (it gets
// the minimum score); anything else is the caller's error.
bool Unbuildable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SehChemistry>> SehChemistry::Create(
    const std::string& data_dir) {
  const std::string blocks = data_dir + "/blocks_PDB_105.json";
  const std::string bin = data_dir + "/seh_proxy_params.bin";
  const std::string index = data_dir + "/seh_proxy_params.json";
  for (const std::string& path : {blocks, bin, index}) {
    if (absl::Status present = RequireFile(path); !present.ok()) return present;
  }
  absl::StatusOr<FragmentVocabulary> vocabulary = LoadFragmentVocabulary(blocks);
  if (!vocabulary.ok()) return vocabulary.status();
  absl::StatusOr<std::unique_ptr<BlockAssembler>> assembler =
      BlockAssembler::Create(*std::move(vocabulary));
  if (!assembler.ok()) return assembler.status();
  absl::StatusOr<SehProxy> proxy = LoadSehProxy(bin, index);
  if (!proxy.ok()) return proxy.status();
  return std::unique_ptr<SehChemistry>(
      new SehChemistry(*std::move(assembler), *std::move(proxy)));
}

SehChemistry::SehChemistry(std::unique_ptr<BlockAssembler> assembler,
                           SehProxy proxy)
    : assembler_(std::move(assembler)), proxy_(std::move(proxy)) {}

absl::StatusOr<std::vector<double>> SehChemistry::Scores(
    absl::Span<const BlockGraph> molecules) const {
  std::vector<double> scores;
  scores.reserve(molecules.size());
  for (size_t start = 0; start < molecules.size(); start += kScoreBatch) {
    absl::StatusOr<std::vector<double>> batch = ScoreBatch(molecules.subspan(
        start, std::min<size_t>(kScoreBatch, molecules.size() - start)));
    if (!batch.ok()) return batch.status();
    scores.insert(scores.end(), batch->begin(), batch->end());
  }
  return scores;
}

absl::StatusOr<std::vector<double>> SehChemistry::ScoreBatch(
    absl::Span<const BlockGraph> molecules) const {
  std::vector<double> scores(molecules.size(), kMinScore);
  std::vector<MoleculeGraph> graphs;
  std::vector<size_t> scored;  // molecule index of each graph
  for (size_t i = 0; i < molecules.size(); ++i) {
    if (molecules[i].blockidxs.empty()) continue;
    absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol =
        assembler_->Assemble(molecules[i]);
    if (!mol.ok() && Unbuildable(mol.status())) continue;
    if (!mol.ok()) return mol.status();
    absl::StatusOr<std::vector<int>> stems =
        assembler_->FreeStemAtoms(molecules[i]);
    if (!stems.ok()) return stems.status();
    absl::StatusOr<MoleculeGraph> graph = FeaturizeMolecule(**mol, *stems);
    if (!graph.ok()) return graph.status();
    graphs.push_back(*std::move(graph));
    scored.push_back(i);
  }
  absl::StatusOr<std::vector<double>> values = Forward(graphs);
  if (!values.ok()) return values.status();
  for (size_t k = 0; k < scored.size(); ++k) scores[scored[k]] = (*values)[k];
  return scores;
}

absl::StatusOr<std::vector<double>> SehChemistry::Forward(
    absl::Span<const MoleculeGraph> graphs) const {
  if (graphs.empty()) return std::vector<double>();
  try {
    torch::NoGradGuard no_grad;
    const torch::Tensor out = proxy_->forward(MakeProxyBatch(graphs)).contiguous();
    const double* values = out.data_ptr<double>();
    return std::vector<double>(values, values + graphs.size());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the sEH proxy failed: ", e.what()));
  }
}

std::vector<absl::StatusOr<ScoredSmiles>> SehChemistry::ScoreSmiles(
    absl::Span<const std::string> smiles) const {
  std::vector<absl::StatusOr<ScoredSmiles>> out;
  out.reserve(smiles.size());
  for (size_t start = 0; start < smiles.size(); start += kScoreBatch) {
    const size_t end = std::min(smiles.size(), start + kScoreBatch);
    std::vector<MoleculeGraph> graphs;
    std::vector<size_t> scored;  // index in `out` of each graph
    for (size_t i = start; i < end; ++i) {
      std::unique_ptr<RDKit::RWMol> mol;
      try {
        mol.reset(RDKit::SmilesToMol(smiles[i]));
      } catch (const std::exception&) {
        mol.reset();  // reported below as unparsable
      }
      if (mol == nullptr) {
        out.push_back(absl::InvalidArgumentError(
            absl::StrCat("RDKit cannot parse the SMILES '", smiles[i], "'")));
        continue;
      }
      // No block structure: no free stems (the original's featurisation of
      // a molecule without stems).
      absl::StatusOr<MoleculeGraph> graph = FeaturizeMolecule(*mol, {});
      if (!graph.ok()) {
        out.push_back(graph.status());
        continue;
      }
      out.push_back(ScoredSmiles{RDKit::MolToSmiles(*mol), 0.0});
      graphs.push_back(*std::move(graph));
      scored.push_back(out.size() - 1);
    }
    absl::StatusOr<std::vector<double>> values = Forward(graphs);
    for (size_t k = 0; k < scored.size(); ++k) {
      if (values.ok()) {
        out[scored[k]]->score = (*values)[k];
      } else {
        out[scored[k]] = values.status();
      }
    }
  }
  return out;
}

absl::StatusOr<std::string> SehChemistry::CanonicalSmiles(
    const BlockGraph& molecule) const {
  if (molecule.blockidxs.empty()) return std::string();
  absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol =
      assembler_->Assemble(molecule);
  if (!mol.ok() && Unbuildable(mol.status())) return std::string();
  if (!mol.ok()) return mol.status();
  try {
    return RDKit::MolToSmiles(**mol);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("RDKit MolToSmiles: ", e.what()));
  }
}

absl::StatusOr<double> SehChemistry::MeanPairwiseTanimoto(
    absl::Span<const BlockGraph> molecules) const {
  if (molecules.size() < 2) return 0.0;
  std::vector<std::unique_ptr<ExplicitBitVect>> fingerprints;
  try {
    for (const BlockGraph& molecule : molecules) {
      absl::StatusOr<std::unique_ptr<RDKit::RWMol>> mol =
          assembler_->Assemble(molecule);
      if (!mol.ok()) return mol.status();
      fingerprints.emplace_back(RDKit::RDKFingerprintMol(**mol));
    }
    double sum = 0;
    int64_t pairs = 0;
    for (size_t i = 0; i < fingerprints.size(); ++i) {
      for (size_t j = i + 1; j < fingerprints.size(); ++j) {
        sum += TanimotoSimilarity(*fingerprints[i], *fingerprints[j]);
        ++pairs;
      }
    }
    return sum / static_cast<double>(pairs);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("RDKit fingerprints: ", e.what()));
  }
}

}  // namespace ledgfn
