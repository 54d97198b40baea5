#!/usr/bin/python3
"""Writes tests/fixtures/chem_rdkit.json: expected values for the chem module
(tests/chem) and for Levenshtein (tests/eval), made by the reference
implementations that MolT5's Cap2Mol scripts use.

Run from the repository root with Debian's interpreter, which has the
packages python3-rdkit (2022.09), python3-openbabel (3.1.1) and
python3-levenshtein:

    /usr/bin/python3 tests/reference/make_chem_fixtures.py

Optional arguments: --shared DIR (default ../shared, or $ICMA_SHARED_DIR),
--out FILE (default tests/fixtures/chem_rdkit.json).

What is computed, and how (see shared/reference/molt5/NUMBERS.md):
  parses        Chem.MolFromSmiles(s) is not None
  num_atoms     m.GetNumAtoms()
  smiles        Chem.MolToSmiles(m) (defaults)
  inchi         Chem.MolToMolBlock(m) read by pybel as "mol", written as
                "inchi", surrounding whitespace stripped ("" when Open Babel
                makes no InChI)
  maccs         DataStructs.FingerprintSimilarity(MACCSkeys.GenMACCSKeys(a),
                MACCSkeys.GenMACCSKeys(b), metric=TanimotoSimilarity)
  rdk           the same with Chem.RDKFingerprint
  morgan_count  DataStructs.TanimotoSimilarity of AllChem.GetMorganFingerprint(m, 2)
  lev           Levenshtein.distance(a, b) on the Python strings
The molecules are SMILES strings sampled from ChEBI-20's test split (only the
strings used are written) plus hand-written edge cases.
"""

import argparse
import json
import os
import sys

import Levenshtein
from openbabel import openbabel as ob
from openbabel import pybel
from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import AllChem, MACCSkeys

RDLogger.DisableLog("rdApp.*")
ob.obErrorLog.StopLogging()

# Hand-written molecules that exercise the parser's corners. Each is paired
# with a partner below so that every fingerprint path sees it.
EDGE_CASES = [
    # empty string: RDKit parses it to a molecule with no atoms
    ("", "C"),
    ("", ""),
    ("", "[He]"),
    # syntax errors
    ("C1CC", "C1CC1"),
    ("C(C", "CCC"),
    ("CC)C", "CCC"),
    ("xyz", "C"),
    ("[C", "C"),
    ("C%", "C"),
    ("C==C", "C=C"),
    ("Q", "C"),
    # kekulisation and valence failures (parse, then sanitisation fails)
    ("c1cccc1", "c1ccccc1"),
    ("C(C)(C)(C)(C)C", "CC(C)(C)C"),
    ("F(F)F", "FF"),
    ("[NH4]", "[NH4+]"),
    ("O=O=O", "O=[O+][O-]"),
    ("c1ccnc1", "c1cc[nH]c1"),
    # charges, zwitterions, aromatic rings
    ("C(=O)[O-]", "C(=O)O"),
    ("[O-][N+](=O)c1ccccc1", "O=[N+]([O-])c1ccc(cc1)O"),
    ("C[N+](C)(C)C", "CN(C)C"),
    ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "Cn1cnc2c1c(=O)[nH]c(=O)n2C"),
    ("c1ccc2ccccc2c1", "c1ccc2cc3ccccc3cc2c1"),
    ("[C-]#[O+]", "O=C=O"),
    # stereo: tetrahedral, double bond, ring
    ("C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O"),
    ("F/C=C/F", "F/C=C\\F"),
    ("F/C=C/F", "FC=CF"),
    ("C[C@H]1CC[C@@H](C)CC1", "C[C@H]1CC[C@H](C)CC1"),
    ("C[C@](F)(Cl)Br", "C[C@@](F)(Cl)Br"),
    ("OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O", "OC[C@H]1O[C@@H](O)[C@H](O)[C@@H](O)[C@@H]1O"),
    # isotopes
    ("[2H]C", "C"),
    ("[13CH4]", "C"),
    ("[2H]O[2H]", "O"),
    ("C[14C](=O)O", "CC(=O)O"),
    # salts and mixtures
    ("[Na+].[Cl-]", "[K+].[Cl-]"),
    ("CC(=O)[O-].[Na+]", "CC(=O)O"),
    ("O.O.[Cu+2].[O-]S(=O)(=O)[O-]", "[Cu+2].[O-]S(=O)(=O)[O-]"),
    ("CC(=O)[O-].[NH4+]", "CC(=O)O.N"),
    # explicit hydrogens
    ("[H]C([H])([H])[H]", "C"),
    ("[H][H]", "[H]"),
    ("[H]OC", "CO"),
    ("C[H]", "C"),
    ("[H]/C(F)=C(/[H])F", "F/C=C/F"),
    # unusual atoms: dummies (no InChI), metals, radicals, noble gases
    ("*C", "CC"),
    ("C1CC1*", "C1CC1C"),
    ("[Fe]", "[Fe+2]"),
    ("CC[Hg]Cl", "CCCl"),
    ("[CH3]", "C"),
    ("[CH2]C", "CC"),
    ("[Xe]", "[Ne]"),
    ("N#N", "O=O"),
    ("[Si](C)(C)(C)C", "C[Si](C)(C)O"),
    ("B(O)(O)O", "OB(O)c1ccccc1"),
    ("P(=O)(O)(O)O", "OP(O)(O)=S"),
    ("[Mo]", "O=[Mo](=O)(O)O"),
    # whitespace: RDKit takes the text after a space as the molecule's name
    ("CCO ethanol", "CCO"),
    (" CCO", "CCO"),
    ("CCO\tname", "CCO"),
    # ChEBI-20 writes some backslashes doubled
    ("C/C=C\\\\C", "C/C=C\\C"),
    ("CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
     "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"),
]

# Extra Levenshtein cases on arbitrary text: python-Levenshtein counts code
# points, so non-ASCII characters (2, 3 and 4 bytes in UTF-8) count as one.
LEVENSHTEIN_TEXTS = [
    ("", ""),
    ("", "abc"),
    ("abc", ""),
    ("kitten", "sitting"),
    ("flaw", "lawn"),
    ("α-D-glucose", "β-D-glucose"),
    ("naïve café", "naive cafe"),
    ("→←↑↓", "↓↑←→"),
    ("😀😃😄", "😀😄"),
    ("日本語のテキスト", "日本語テキスト"),
    ("a😀b", "a😀😀b"),
    ("Ω" * 70, "Ω" * 65 + "Z"),
    ("The molecule is a steroid ester.", "The molecule is a steroid acid."),
]


def standard_inchi(mol):
    """Molblock from RDKit, InChI from Open Babel, as the reference did it."""
    molblock = Chem.MolToMolBlock(mol)
    return pybel.readstring("mol", molblock).write("inchi").strip()


def describe(smiles):
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None, {"smiles": smiles, "parses": False}
    return mol, {
        "smiles": smiles,
        "parses": True,
        "num_atoms": mol.GetNumAtoms(),
        "canonical": Chem.MolToSmiles(mol),
        "inchi": standard_inchi(mol),
    }


def similarities(mol_a, mol_b):
    maccs = DataStructs.FingerprintSimilarity(
        MACCSkeys.GenMACCSKeys(mol_a), MACCSkeys.GenMACCSKeys(mol_b),
        metric=DataStructs.TanimotoSimilarity)
    rdk = DataStructs.FingerprintSimilarity(
        Chem.RDKFingerprint(mol_a), Chem.RDKFingerprint(mol_b),
        metric=DataStructs.TanimotoSimilarity)
    morgan = DataStructs.TanimotoSimilarity(
        AllChem.GetMorganFingerprint(mol_a, 2), AllChem.GetMorganFingerprint(mol_b, 2))
    return {"maccs": maccs, "rdk": rdk, "morgan_count": morgan}


def make_pair(a, b):
    mol_a, desc_a = describe(a)
    mol_b, desc_b = describe(b)
    pair = {"a": desc_a, "b": desc_b, "lev": Levenshtein.distance(a, b)}
    if mol_a is not None and mol_b is not None:
        pair.update(similarities(mol_a, mol_b))
    return pair


def mutate(smiles, k):
    """A deterministic near-copy: drop, duplicate or swap one character, or
    turn one carbon into a nitrogen. Some results no longer parse."""
    if not smiles:
        return smiles
    i = (k * 7919) % len(smiles)
    kind = k % 4
    if kind == 0:
        return smiles[:i] + smiles[i + 1:]
    if kind == 1:
        return smiles[:i] + smiles[i] + smiles[i:]
    if kind == 2 and i + 1 < len(smiles):
        return smiles[:i] + smiles[i + 1] + smiles[i] + smiles[i + 2:]
    j = smiles.find("C", i)
    if j < 0:
        j = smiles.find("C")
    return smiles if j < 0 else smiles[:j] + "N" + smiles[j + 1:]


def chebi_smiles(shared_dir, count, stride):
    path = os.path.join(shared_dir, "data", "chebi20", "test.txt")
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return [rows[(i * stride) % len(rows)][1] for i in range(count)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=os.environ.get(
        "ICMA_SHARED_DIR", os.path.join(root, "..", "shared")))
    parser.add_argument("--out", default=os.path.join(root, "tests", "fixtures", "chem_rdkit.json"))
    args = parser.parse_args()

    real = chebi_smiles(args.shared, 200, 17)
    pairs = []
    # unrelated molecules: low and middling similarities
    for i in range(0, 120, 2):
        pairs.append(make_pair(real[i], real[i + 1]))
    # near-copies: high similarities, and some that no longer parse
    for k, smiles in enumerate(real[120:200]):
        pairs.append(make_pair(smiles, mutate(smiles, k)))
    for a, b in EDGE_CASES:
        pairs.append(make_pair(a, b))

    fixture = {
        "generator": "tests/reference/make_chem_fixtures.py",
        "versions": {
            "python": sys.version.split()[0],
            "rdkit": rdBase.rdkitVersion,
            "openbabel": ob.OBReleaseVersion(),
        },
        "pairs": pairs,
        "levenshtein": [{"a": a, "b": b, "lev": Levenshtein.distance(a, b)}
                        for a, b in LEVENSHTEIN_TEXTS],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(pairs)} molecule pairs and {len(LEVENSHTEIN_TEXTS)} texts to {args.out}")


if __name__ == "__main__":
    main()
