#include "icma/chem/molecule.hpp"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>

#include "rdkit_molecule.hpp"

namespace icma::chem {
namespace {

// A stream buffer that turns each line written to it into one spdlog debug
// message. It keeps no state of its own (no put area; the pending line is per
// thread), so RDKit may log from several threads at once.
class LinesToSpdlog : public std::streambuf {
 protected:
  int_type overflow(int_type ch) override {
    if (!traits_type::eq_int_type(ch, traits_type::eof())) append(traits_type::to_char_type(ch));
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* text, std::streamsize count) override {
    for (std::streamsize i = 0; i < count; ++i) append(text[i]);
    return count;
  }

 private:
  static void append(char c) {
    thread_local std::string line;
    if (c != '\n') {
      line.push_back(c);
      return;
    }
    // RDKit starts each message with a "[HH:MM:SS] " time stamp; spdlog adds its own.
    std::string_view message = line;
    if (message.size() >= 11 && message[0] == '[' && message[9] == ']' && message[10] == ' ') {
      message.remove_prefix(11);
    }
    if (!message.empty()) spdlog::debug("RDKit: {}", message);
    line.clear();
  }
};

// RDKit logs through global loggers that print to stderr (and info to
// stdout, which carries our results) once anyone calls RDLog::InitLogs().
// Point all of them at spdlog instead, before the first parse. The stream is
// never freed: RDKit's loggers flush it from their own static destructors.
void route_rdkit_logs_to_spdlog() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto* stream = new std::ostream(new LinesToSpdlog);
    for (RDLogger* logger : {&rdAppLog, &rdErrorLog, &rdWarningLog, &rdStatusLog, &rdInfoLog}) {
      *logger = std::make_shared<boost::logging::rdLogger>(stream);
    }
    // Debug output is verbose and only useful when debugging RDKit itself.
    rdDebugLog = std::make_shared<boost::logging::rdLogger>(stream);
    rdDebugLog->df_enabled = false;
  });
}

}  // namespace

std::optional<Molecule> Molecule::from_smiles(std::string_view smiles) {
  route_rdkit_logs_to_spdlog();
  try {
    // The same call python's Chem.MolFromSmiles makes (parser defaults,
    // sanitize on); it returns null for syntax errors and throws for
    // sanitisation failures, which python also turns into None.
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(std::string(smiles), 0, true));
    if (!mol) {
      spdlog::debug("RDKit could not parse SMILES '{}'", smiles);
      return std::nullopt;
    }
    return Molecule(std::make_unique<Impl>(std::move(mol)));
  } catch (const std::exception& error) {
    spdlog::debug("RDKit rejected SMILES '{}': {}", smiles, error.what());
  } catch (...) {
    spdlog::debug("RDKit rejected SMILES '{}'", smiles);
  }
  return std::nullopt;
}

std::optional<Molecule> Molecule::from_smiles(std::string_view smiles, std::size_t stereo_atom_limit) {
  route_rdkit_logs_to_spdlog();
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    // What SmilesToMol does with Chem.MolFromSmiles's defaults, less the
    // stereo perception it ends with: parse, then remove Hs and sanitise.
    RDKit::SmilesParserParams params;
    params.sanitize = false;
    params.removeHs = false;
    mol.reset(RDKit::SmilesToMol(std::string(smiles), params));
    if (mol) RDKit::MolOps::removeHs(*mol, false, true, true);
  } catch (...) {
    mol.reset();
  }
  // Small molecules (all real ones) and failures take the usual path, so
  // that they parse exactly as from_smiles parses them.
  if (!mol || mol->getNumAtoms() <= stereo_atom_limit) return from_smiles(smiles);
  return Molecule(std::make_unique<Impl>(std::move(mol)));
}

Molecule::Molecule(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Molecule::Molecule(const Molecule& other)
    : impl_(std::make_unique<Impl>(std::make_unique<RDKit::ROMol>(*other.impl_->mol))) {}

Molecule& Molecule::operator=(const Molecule& other) {
  if (this != &other) *this = Molecule(other);
  return *this;
}

Molecule::Molecule(Molecule&& other) noexcept = default;
Molecule& Molecule::operator=(Molecule&& other) noexcept = default;
Molecule::~Molecule() = default;

std::size_t Molecule::num_atoms() const { return impl_->mol->getNumAtoms(); }

std::string Molecule::to_smiles() const { return RDKit::MolToSmiles(*impl_->mol); }

std::vector<int> Molecule::sorted_atomic_numbers() const {
  std::vector<int> numbers;
  numbers.reserve(impl_->mol->getNumAtoms());
  for (const RDKit::Atom* atom : impl_->mol->atoms()) numbers.push_back(atom->getAtomicNum());
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::string Molecule::to_molblock() const { return RDKit::MolToMolBlock(*impl_->mol); }

}  // namespace icma::chem
