#!/usr/bin/python3
"""Writes tests/fixtures/fingerprint_rdkit.json: the fingerprints and Tanimoto
similarities that molecule retrieval (tests/retrieval/fingerprint_index_test.cpp)
must reproduce to the last bit, made by python3-rdkit.

Run from the repository root with Debian's interpreter, which has the package
python3-rdkit (2022.09):

    /usr/bin/python3 tests/reference/make_fingerprint_fixtures.py

Optional arguments: --shared DIR (default ../shared, or $ICMA_SHARED_DIR),
--out FILE (default tests/fixtures/fingerprint_rdkit.json).

The kinds, and how each is computed:
  morgan  AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
  rdk     FingerprintMols.FingerprintMol(m), what the official ICMA code
          (utils.py, get_examples, method "morgan") fingerprints with; its
          length varies per molecule (folded to a target density)
  maccs   MACCSkeys.GenMACCSKeys(m)
Similarities are DataStructs.FingerprintSimilarity(corpus_fp, query_fp), as
the ICMA code calls it (Tanimoto; the longer fingerprint is folded to the
shorter's length first). Rankings are the ICMA code's:
sorted(range(n), key=lambda i: scores[i], reverse=True), a stable sort.

Contents:
  smiles    the first 500 SMILES of ChEBI-20's test split that RDKit parses
            (only these strings are written)
  queries   5 of them, of different rdk lengths (2048 and 64 bits among them)
  pairs     2,000 index pairs (i, j), seeded
  edge_smiles  hand-written molecules with few or no bonds
  kinds.<kind>:
    num_bits, num_on, fnv1a   per molecule: length, bits on, and FNV-1a 64 of
                              the on-bit indices as 4-byte little-endian words
    on_bits                   full on-bit lists of a few molecules
    pairs                     FingerprintSimilarity of each pair
    query_scores              each query against all 500
    top10, top10_excluding_self  ranked corpus rows per query
    edge_similarities         every edge molecule against every one
"""

import argparse
import json
import os
import random
import struct

from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import AllChem, MACCSkeys
from rdkit.Chem.Fingerprints import FingerprintMols

RDLogger.DisableLog("rdApp.*")

CORPUS_SIZE = 500
PAIR_COUNT = 2000
SEED = 20240503
ON_BIT_EXAMPLES = [0, 1, 2, 3, 4, 5, 6, 7]

# Molecules with no bonds (rdk: 64 bits, none on), one bond, charges and
# the empty molecule: the corners of the Tanimoto edge cases and of folding.
EDGE_SMILES = ["", "C", "[He]", "[Na+].[Cl-]", "CC", "O=O", "c1ccccc1"]

KINDS = {
    "morgan": lambda m: AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048),
    "rdk": lambda m: FingerprintMols.FingerprintMol(m),
    "maccs": lambda m: MACCSkeys.GenMACCSKeys(m),
}


def fnv1a(on_bits):
    value = 14695981039346656037
    for byte in b"".join(struct.pack("<I", bit) for bit in on_bits):
        value ^= byte
        value = (value * 1099511628211) % (1 << 64)
    return f"{value:016x}"


def chebi_smiles(shared_dir):
    path = os.path.join(shared_dir, "data", "chebi20", "test.txt")
    smiles = []
    with open(path, encoding="utf-8") as lines:
        next(lines)  # header
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2 and Chem.MolFromSmiles(fields[1]) is not None:
                smiles.append(fields[1])
            if len(smiles) == CORPUS_SIZE:
                break
    return smiles


def ranked(scores, exclude=None):
    candidates = [i for i in range(len(scores)) if i != exclude]
    return sorted(candidates, key=lambda i: scores[i], reverse=True)[:10]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.environ.get("ICMA_SHARED_DIR") or "../shared")
    parser.add_argument("--out", default="tests/fixtures/fingerprint_rdkit.json")
    args = parser.parse_args()

    smiles = chebi_smiles(args.shared)
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    fingerprints = {kind: [make(m) for m in mols] for kind, make in KINDS.items()}

    # Queries of different rdk lengths, the longest and the shortest among
    # them, so that folding runs both ways (query folded, rows folded).
    lengths = sorted({fp.GetNumBits() for fp in fingerprints["rdk"]}, reverse=True)
    if len(lengths) > 5:
        lengths = lengths[:2] + lengths[-3:]
    queries = [next(i for i, fp in enumerate(fingerprints["rdk"]) if fp.GetNumBits() == length)
               for length in lengths]

    rng = random.Random(SEED)
    pairs = [[rng.randrange(CORPUS_SIZE), rng.randrange(CORPUS_SIZE)] for _ in range(PAIR_COUNT)]

    edge_mols = [Chem.MolFromSmiles(s) for s in EDGE_SMILES]
    assert all(m is not None for m in edge_mols)

    kinds = {}
    for kind, fps in fingerprints.items():
        similarity = DataStructs.FingerprintSimilarity
        query_scores = [[similarity(fps[i], fps[q]) for i in range(CORPUS_SIZE)] for q in queries]
        edge_fps = [KINDS[kind](m) for m in edge_mols]
        kinds[kind] = {
            "num_bits": [fp.GetNumBits() for fp in fps],
            "num_on": [fp.GetNumOnBits() for fp in fps],
            "fnv1a": [fnv1a(list(fp.GetOnBits())) for fp in fps],
            "on_bits": {str(i): list(fps[i].GetOnBits()) for i in ON_BIT_EXAMPLES},
            "pairs": [similarity(fps[i], fps[j]) for i, j in pairs],
            "query_scores": query_scores,
            "top10": [ranked(scores) for scores in query_scores],
            "top10_excluding_self": [ranked(scores, q) for scores, q in zip(query_scores, queries)],
            "edge_num_bits": [fp.GetNumBits() for fp in edge_fps],
            "edge_similarities": [[similarity(a, b) for b in edge_fps] for a in edge_fps],
        }

    fixture = {
        "generator": "tests/reference/make_fingerprint_fixtures.py",
        "rdkit_version": rdBase.rdkitVersion,
        "smiles": smiles,
        "queries": queries,
        "pairs": pairs,
        "edge_smiles": EDGE_SMILES,
        "kinds": kinds,
    }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(fixture, out, separators=(",", ":"))
        out.write("\n")
    print(f"wrote {args.out}: {CORPUS_SIZE} molecules, {PAIR_COUNT} pairs, queries {queries}")


if __name__ == "__main__":
    main()
