#pragma once
// Molecule-caption datasets in the ChEBI-20 / PubChem324k layout:
// a header "CID<TAB>SMILES<TAB>description" (the id column may be spelled
// "cid"), then one molecule per line. Fields are trimmed of trailing blanks
// (PubChem324k captions end in a space); an empty field is a bad row, and so
// is a CID seen on an earlier line (records are looked up by id, so two rows
// with one id would make retrieval and prompts disagree on which is meant).

#include <cstddef>
#include <string>
#include <vector>

#include "icma/data/tsv.hpp"

namespace icma::data {

struct MoleculeRecord {
  std::string cid;
  std::string smiles;
  std::string description;
  std::size_t line = 0;  // line in the source file, 0 for records made in memory
};

struct Dataset {
  std::string path;
  std::vector<MoleculeRecord> records;
  std::size_t skipped_rows = 0;
};

Dataset read_dataset(const std::string& path, BadRowPolicy policy = BadRowPolicy::fail);

// Writes records with the "CID<TAB>SMILES<TAB>description" header, atomically.
// Throws InputError for a field holding a tab or newline, which the format
// cannot carry.
void write_dataset(const std::string& path, const std::vector<MoleculeRecord>& records);

// A plain file of queries, one SMILES (`smiles`) or one caption (not
// `smiles`) per line, as a dataset: each record's id is its line number and
// only the given field is set. Surrounding blanks are trimmed and a trailing
// CR dropped, and a UTF-8 byte-order mark at the start of the file; blank
// lines are skipped (counted in skipped_rows). Throws InputError(path, line)
// for a line holding a tab, another control character or invalid UTF-8.
Dataset read_plain_queries(const std::string& path, bool smiles);

}  // namespace icma::data
