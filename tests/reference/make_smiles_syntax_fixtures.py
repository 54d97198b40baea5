#!/usr/bin/python3
"""Writes tests/fixtures/smiles_syntax_rdkit.json: RDKit's verdict on strings
near the edge of SMILES syntax, for the SMILES decoding constraint
(src/translate/smiles_constraint.cpp, tests/translate).

Run from the repository root with Debian's interpreter (python3-rdkit 2022.09):

    /usr/bin/python3 tests/reference/make_smiles_syntax_fixtures.py

Optional arguments: --shared DIR (default ../shared, or $ICMA_SHARED_DIR),
--out FILE (default tests/fixtures/smiles_syntax_rdkit.json), --seed N.

The strings: prefixes of SMILES sampled from ChEBI-20's test split, the same
SMILES with one character inserted, deleted or doubled (a ')' or '(' most
often: the tiny model's commonest mistakes), and random sequences of SMILES
pieces. For each, "parses" is Chem.MolFromSmiles(s, sanitize=False) is not
None: syntax only, no valence or aromaticity checks, which the constraint
leaves to the model. The constraint must never refuse a string RDKit parses
(it would ban a way to a real molecule); the test also counts how many of the
strings RDKit refuses it catches.
"""

import argparse
import csv
import json
import os
import random

from rdkit import Chem, RDLogger

PIECES = ["C", "c", "O", "N", "n", "S", "Cl", "Br", "(", ")", "(", ")", "[C@H]", "[C@@H]", "[NH3+]", "[O-]",
          "[13CH3]", "[Na+]", "1", "2", "1", "3", "%10", "%11", "=", "#", "/", "\\", ".", "-", ":"]


def verdict(smiles):
    return Chem.MolFromSmiles(smiles, sanitize=False) is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--shared", default=os.environ.get("ICMA_SHARED_DIR", os.path.join(here, "../../../shared")))
    parser.add_argument("--out", default=os.path.join(here, "../fixtures/smiles_syntax_rdkit.json"))
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    RDLogger.DisableLog("rdApp.*")
    rng = random.Random(args.seed)

    with open(os.path.join(args.shared, "data/chebi20/test.txt"), encoding="utf-8") as f:
        molecules = [row["SMILES"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    sample = rng.sample(molecules, 150)

    strings = set()
    for smiles in sample:
        strings.add(smiles)
        for _ in range(4):
            strings.add(smiles[:rng.randint(1, len(smiles))])
        for _ in range(4):
            at = rng.randint(0, len(smiles))
            kind = rng.choice(["insert", "insert", "delete", "double"])
            if kind == "insert":
                strings.add(smiles[:at] + rng.choice(")()1%]=") + smiles[at:])
            elif kind == "delete" and at < len(smiles):
                strings.add(smiles[:at] + smiles[at + 1:])
            elif at < len(smiles):
                strings.add(smiles[:at] + smiles[at] + smiles[at:])
    for _ in range(1500):
        strings.add("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))))
    strings.discard("")

    cases = [{"smiles": s, "parses": verdict(s)} for s in sorted(strings)]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/reference/make_smiles_syntax_fixtures.py (RDKit %s, "
                                "Chem.MolFromSmiles(s, sanitize=False) is not None)" % Chem.rdBase.rdkitVersion,
                   "cases": cases}, f, indent=0)
        f.write("\n")
    print("%s: %d strings, %d parse" % (args.out, len(cases), sum(c["parses"] for c in cases)))


if __name__ == "__main__":
    main()
