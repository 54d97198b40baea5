#include "icma/chem/inchi.hpp"

#include <openbabel/mol.h>
#include <openbabel/obconversion.h>
#include <openbabel/oberror.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

#include "icma/core/error.hpp"

namespace icma::chem {
namespace {

// Open Babel cannot run two conversions at once, so every use of it below
// holds this mutex:
//   - formats are process-wide singletons, and InChIFormat::WriteMolecule
//     writes to its members (firstID; allInchi and firstInchi with options);
//   - the IUPAC library it calls, Debian's libinchi 1.03, keeps global state:
//     thread safety came with InChI 1.05, and until then RDKit, too, wrapped
//     every InChI call in a mutex;
//   - obErrorLog (message list and output stream), the plugin registry that
//     loads formats on first use, and obLocale are global and unguarded.
// RDKit's half (the molblock with its 2D layout, about three times as costly
// as Open Babel's) runs outside the lock.
std::mutex open_babel_mutex;

std::string_view trim_whitespace(std::string_view text) {
  constexpr std::string_view whitespace = " \t\n\r\f\v";
  const auto first = text.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(whitespace);
  return text.substr(first, last - first + 1);
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' || out.empty() || out.back() != ' ') out.push_back(c);
  }
  return out;
}

// Open Babel prints warnings to std::clog and keeps every message in a list
// that is never trimmed. Capture them instead, and hand them to spdlog.
// Only touched with open_babel_mutex held.
class OpenBabelMessages {
 public:
  OpenBabelMessages() {
    OpenBabel::obErrorLog.SetOutputStream(&captured_);
    OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obWarning);
  }

  // Sends what Open Babel printed since the last call to spdlog (debug), and
  // forgets Open Babel's own copy of the messages.
  void flush_to_spdlog() {
    OpenBabel::obErrorLog.ClearLog();
    const std::string text = captured_.str();
    if (text.empty()) return;
    captured_.str("");
    if (!spdlog::default_logger_raw()->should_log(spdlog::level::debug)) return;
    // Open Babel prints each message as a rule of '=', a heading
    // "*** Open Babel Warning  in <where>" and indented text lines; log each
    // as one line "Open Babel Warning in <where>: <text>".
    std::string heading;
    std::string body;
    auto emit = [&] {
      if (!heading.empty() || !body.empty()) spdlog::debug("Open Babel {}: {}", heading, body);
      heading.clear();
      body.clear();
    };
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      constexpr std::string_view kHeading = "*** Open Babel ";
      const std::string_view trimmed = trim_whitespace(line);
      if (trimmed.empty() || trimmed.find_first_not_of('=') == std::string_view::npos) continue;
      if (trimmed.substr(0, kHeading.size()) == kHeading) {
        emit();
        heading = collapse_spaces(trimmed.substr(kHeading.size()));
      } else {
        if (!body.empty()) body += ' ';
        body += trimmed;
      }
    }
    emit();
  }

 private:
  std::ostringstream captured_;
};

}  // namespace

std::string standard_inchi_from_molblock(const std::string& molblock) {
  const std::lock_guard<std::mutex> lock(open_babel_mutex);
  // Never freed: obErrorLog would otherwise point at a destroyed stream
  // while Open Babel's own statics are torn down.
  static OpenBabelMessages& messages = *new OpenBabelMessages;

  // Separate reader and writer, fresh for each molecule, with no options:
  // what pybel.readstring(...).write(...) does.
  OpenBabel::OBConversion reader;
  OpenBabel::OBConversion writer;
  if (!reader.SetInFormat("mol") || !writer.SetOutFormat("inchi")) {
    messages.flush_to_spdlog();
    throw Error(
        "Open Babel has no 'mol' or 'inchi' format: its format plugins were not found "
        "(set BABEL_LIBDIR to the folder holding mdlformat.so and inchiformat.so)");
  }

  OpenBabel::OBMol molecule;
  std::string inchi;
  if (reader.ReadString(&molecule, molblock)) {
    // WriteString gives "" when InChI generation fails (Open Babel logs why).
    inchi = std::string(trim_whitespace(writer.WriteString(&molecule)));
  } else {
    spdlog::debug("Open Babel could not read a molblock");
  }
  messages.flush_to_spdlog();
  return inchi;
}

std::string standard_inchi(const Molecule& molecule) {
  return standard_inchi_from_molblock(molecule.to_molblock());
}

InchiMatch match_standard_inchi(const Molecule& a, const Molecule& b) {
  const std::vector<int> a_atoms = a.sorted_atomic_numbers();
  const std::vector<int> b_atoms = b.sorted_atomic_numbers();
  // "" without asking Open Babel: no atoms, dummies (sorted first, as 0), or
  // more atoms than InChI takes.
  const auto no_inchi = [](const std::vector<int>& atoms) {
    return atoms.empty() || atoms.front() == 0 || atoms.size() > kInchiMaxAtoms;
  };
  const auto inchi_of = [&](const Molecule& molecule, const std::vector<int>& atoms) {
    return no_inchi(atoms) ? std::string() : standard_inchi(molecule);
  };
  const auto over_cap = [](const std::vector<int>& atoms) { return atoms.size() > kLayoutCapAtoms; };
  if (no_inchi(a_atoms) || no_inchi(b_atoms)) {
    // The other one's InChI is needed only to see whether it fails too.
    if ((!no_inchi(a_atoms) && over_cap(a_atoms)) || (!no_inchi(b_atoms) && over_cap(b_atoms))) return {false, true};
    return {inchi_of(a, a_atoms) == inchi_of(b, b_atoms), false};
  }
  const auto without_hydrogens = [](std::vector<int> atoms) {
    atoms.erase(std::remove(atoms.begin(), atoms.end(), 1), atoms.end());
    return atoms;
  };
  if (without_hydrogens(a_atoms) != without_hydrogens(b_atoms)) return {false, false};
  // Canonical SMILES of a large symmetric molecule are slow too (1.5 s for a
  // 1,000-atom ring ladder): the cap comes first.
  if (over_cap(a_atoms) || over_cap(b_atoms)) return {false, true};
  if (a.to_smiles() == b.to_smiles()) return {true, false};
  return {standard_inchi(a) == standard_inchi(b), false};
}

}  // namespace icma::chem
