#include "oracle/ligand_pdbqt.h"

#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
#include <GraphMol/ForceFieldHelpers/UFF/UFF.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>

#include <exception>
#include <memory>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ledgfn {
namespace {

ABSL_CONST_INIT absl::Mutex openbabel_mu(absl::kConstInit);

// A conformer of `smiles` with explicit hydrogens, as a MDL mol block.
absl::StatusOr<std::string> ConformerMolBlock(const std::string& smiles,
                                              int seed) {
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    if (!smiles.empty()) mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("RDKit cannot read '", smiles, "': ", e.what()));
  }
  if (mol == nullptr || mol->getNumAtoms() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("RDKit cannot read '", smiles, "' as a molecule"));
  }
  try {
    RDKit::MolOps::addHs(*mol);
    RDKit::DGeomHelpers::EmbedParameters params = RDKit::DGeomHelpers::ETKDGv3;
    params.randomSeed = seed;
    if (RDKit::DGeomHelpers::EmbedMolecule(*mol, params) < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("RDKit cannot embed a 3D conformer of '", smiles, "'"));
    }
    // MMFF answers -1 when it lacks parameters for an atom.
    if (RDKit::MMFF::MMFFOptimizeMolecule(*mol).first == -1) {
      RDKit::UFF::UFFOptimizeMolecule(*mol);
    }
    return RDKit::MolToMolBlock(*mol);
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "RDKit cannot build a 3D conformer of '", smiles, "': ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::string> LigandPdbqtFromSmiles(const std::string& smiles,
                                                  int seed) {
  absl::StatusOr<std::string> block = ConformerMolBlock(smiles, seed);
  if (!block.ok()) return block.status();
  absl::MutexLock lock(&openbabel_mu);
  OpenBabel::OBConversion conversion;
  if (!conversion.SetInAndOutFormats("mol", "pdbqt")) {
    return absl::InternalError(
        "OpenBabel has no mol or pdbqt format: are its plugins installed "
        "(package openbabel / libopenbabel7; BABEL_LIBDIR)?");
  }
  OpenBabel::OBMol mol;
  if (!conversion.ReadString(&mol, *block) || mol.NumAtoms() == 0) {
    return absl::InternalError(
        absl::StrCat("OpenBabel cannot read RDKit's conformer of '", smiles, "'"));
  }
  std::string pdbqt = conversion.WriteString(&mol);
  if (pdbqt.find("ROOT") == std::string::npos) {
    return absl::InternalError(
        absl::StrCat("OpenBabel wrote no PDBQT torsion tree for '", smiles, "'"));
  }
  return pdbqt;
}

}  // namespace ledgfn
