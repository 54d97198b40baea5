#!/usr/bin/python3
"""Writes synthetic MolT5 prediction files full of edge cases, for comparing
icma-eval with the Python reference logic on files neither has seen
(tests/reference/check_reference.sh).

    /usr/bin/python3 tests/reference/make_stress_predictions.py OUT_DIR [SEED]

Ground truths come from the datasets under $ICMA_SHARED_DIR (ChEBI-20
validation, PubChem324k test); outputs are perturbed copies: empty outputs,
"[CLS] " prefixes, upper case, repeats beyond 512 word pieces, accents and
Unicode punctuation, special tokens, dropped, inflected and shuffled words
(mol2cap); empty, salted, stereo-flipped, dummy-atom and randomly edited
SMILES (cap2mol).
"""

import os
import random
import sys

shared = os.environ.get("ICMA_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
out_dir = sys.argv[1]
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 5)


def read(path):
    with open(os.path.join(shared, path), encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f.read().split("\n")[1:] if line]


pool = read("data/chebi20/validation.txt") + read("data/pubchem324k/test.txt")


def perturb_text(text):
    r = rng.random()
    if r < 0.1:
        return ""
    if r < 0.15:
        return "[CLS] " + text
    if r < 0.2:
        return text.upper()
    if r < 0.25:
        return " ".join([text] * 3)
    if r < 0.3:
        return "Ça été créé — “naïve” α-β İstanbul \u212a ß [MASK] [SEP] " + text
    words = []
    for word in text.split(" "):
        q = rng.random()
        if q < 0.1:
            continue
        if q < 0.2:
            words.append(word + "s")
        elif q < 0.25:
            words.append(rng.choice(["quick", "fast", "large", "big", "acids", "derived", "bases", "compounds"]))
        else:
            words.append(word)
    if rng.random() < 0.2:
        rng.shuffle(words)
    return " ".join(words)


def perturb_smiles(smiles):
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.1:
        return smiles + ".[Na+]"
    if r < 0.15:
        return smiles.replace("@@", "@")
    if r < 0.2:
        return "*" + smiles
    chars = list(smiles)
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.4 and chars:
            chars[min(i, len(chars) - 1)] = rng.choice("CNOc()=1[]+-#")
        elif op < 0.7:
            chars.insert(i, rng.choice("CNOc=1"))
        elif chars:
            del chars[min(i, len(chars) - 1)]
    return "".join(chars)


os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "mol2cap.tsv"), "w", encoding="utf-8") as f:
    f.write("SMILES\tground truth\toutput\n")
    for _, smiles, description in rng.sample(pool, 2500):
        source = description if rng.random() < 0.6 else rng.choice(pool)[2]
        f.write(f"{smiles}\t{description}\t{perturb_text(source)}\n")
with open(os.path.join(out_dir, "cap2mol.tsv"), "w", encoding="utf-8") as f:
    f.write("description\tground truth\toutput\n")
    for _, smiles, description in rng.sample(pool, 1500):
        f.write(f"{description}\t{smiles}\t{perturb_smiles(smiles)}\n")
