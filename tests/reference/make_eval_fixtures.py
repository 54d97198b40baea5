#!/usr/bin/python3
"""Writes reference values for the metric unit tests (tests/eval/*_test.cpp).

Run from the repository root with Debian's Python (python3-nltk 3.8,
python3-numpy, wordnet-base):

    /usr/bin/python3 tests/reference/make_eval_fixtures.py

It writes tests/fixtures/eval_reference.json with:
  - "bleu":   small corpora scored by nltk.translate.bleu_score.corpus_bleu
              (BLEU-2 and BLEU-4, no smoothing), incl. the edge cases that
              decide the last digits (no higher-order match, empty rows,
              hypotheses longer and shorter than the reference);
  - "meteor": token lists scored by nltk.translate.meteor_score.meteor_score,
              chosen to exercise the exact, stem and WordNet stages;
  - "numpy_mean": np.mean of arrays of many lengths (pairwise summation);
  - "fsum":   math.fsum of lists that a naive sum gets wrong;
  - "rouge":  rows sampled from the per-row ROUGE values that the real
              rouge_score package produced for the MolT5 reference files
              (../shared/reference/molt5/vectors; rouge_score is not packaged
              in Debian, so those stored values are our reference).
The inputs are fixed (seeded), so rerunning gives the same file.
"""

import json
import math
import os
import random
import sys
import tempfile

import numpy as np
from nltk.translate.bleu_score import corpus_bleu
from nltk.translate.meteor_score import meteor_score
from nltk.stem.porter import PorterStemmer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nltk_fixtures import open_wordnet  # noqa: E402

SHARED = os.environ.get("ICMA_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "eval_reference.json")


def words(text):
    return text.split()


BLEU_CORPORA = [
    # (name, [(reference, hypothesis), ...]) as whitespace-separated tokens
    ("identical", [("the cat sat on the mat", "the cat sat on the mat")]),
    ("shorter hypothesis", [("the cat sat on the mat today", "the cat sat on the mat")]),
    ("longer hypothesis", [("the cat sat", "the cat sat on the mat")]),
    ("clipping", [("the cat", "the the the the the the the")]),
    ("no 4-gram match", [("a b c d e", "a b c x d e"), ("f g h", "f g x h")]),
    ("no 2-gram match", [("a b c d", "d c b a")]),
    ("no unigram match", [("a b c", "x y z")]),
    ("empty hypothesis row", [("a b c d e f", ""), ("a b c d e f", "a b c d e f")]),
    ("all empty hypotheses", [("a b c", "")]),
    ("empty reference", [("", "a b c"), ("a b c d", "a b c d")]),
    ("one-token rows", [("a", "a"), ("b", "c")]),
    ("repeats", [("it is a guide to action that ensures that the military will forever heed party commands",
                  "it is a guide to action which ensures that the military always obeys the commands of the party"),
                 ("he was interested in world history because he read the book",
                  "he read the book because he was interested in world history")]),
]

METEOR_CASES = [
    # (reference, hypothesis): exercise each alignment stage
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("the cats are sitting", "the cat is sitting"),                 # stem stage
    ("the molecule is an acid", "the molecule is an acids"),
    ("it is a guide to action that ensures that the military will forever heed party commands",
     "it is a guide to action which ensures that the military always obeys the commands of the party"),
    ("he is quick", "he is fast"),                                  # synonym stage
    ("the big dog ran home", "a large dog runs house"),
    ("the geese flew", "the goose flies"),                          # exceptions in morphy
    ("The Molecule Is A Base", "the molecule is a base"),           # lower-casing
    ("a b c", "x y z"),                                             # no match -> 0
    ("", "a b"),                                                    # empty reference
    ("a b", ""),                                                    # empty hypothesis
    ("a a a b", "a b a a"),                                         # greedy right-to-left pairing
    ("it has a role as a plant metabolite", "it has a role as an animal metabolite and a plant metabolite"),
    ("the molecule is a hydroxy monocarboxylic acid anion", "the molecule is a monocarboxylic acid anion with hydroxy"),
    ("conjugate base of xanthurenic acid", "conjugate acid of a base"),
    ("It is functionally related to a propionic acid .", "it derives from a propanoic acid ."),
    ("obtained by deprotonation of the carboxy group", "obtained by protonation of the carboxylic groups"),
    ("quin ##oline ##mon ##ocar ##box ##ylate", "quin ##oline ##car ##box ##ylic acid"),
]


def bleu_fixture():
    out = []
    for name, rows in BLEU_CORPORA:
        references = [[words(r)] for r, _ in rows]
        hypotheses = [words(h) for _, h in rows]
        out.append({
            "name": name,
            "rows": [{"reference": words(r), "hypothesis": words(h)} for r, h in rows],
            "bleu2": float(corpus_bleu(references, hypotheses, weights=(0.5, 0.5))),
            "bleu4": float(corpus_bleu(references, hypotheses, weights=(0.25, 0.25, 0.25, 0.25))),
        })
    return out


def meteor_fixture(wordnet):
    stemmer = PorterStemmer()
    out = []
    for reference, hypothesis in METEOR_CASES:
        score = meteor_score([words(reference)], words(hypothesis), stemmer=stemmer, wordnet=wordnet)
        out.append({"reference": words(reference), "hypothesis": words(hypothesis), "meteor": score})
    return out


def numpy_mean_fixture():
    rng = random.Random(7)
    out = []
    for n in [1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 3300, 5001]:
        values = [rng.random() * 10 ** rng.randint(-3, 3) for _ in range(n)]
        out.append({"values": values, "mean": float(np.mean(values))})
    return out


def fsum_fixture():
    rng = random.Random(11)
    cases = [[1e100, 1.0, -1e100, 1e-100], [0.1] * 10, [1.0, 1e-16, 1e-16], [-0.5 * math.log(0.3), -0.25 * 708.39]]
    for _ in range(20):
        cases.append([rng.uniform(-1, 1) * 10 ** rng.randint(-20, 20) for _ in range(rng.randint(1, 8))])
    return [{"values": c, "fsum": math.fsum(c)} for c in cases]


def rouge_fixture():
    path = os.path.join(SHARED, "reference", "molt5", "vectors", "molt5-small.smiles2caption.rows.json")
    rows = json.load(open(path))["rows"]
    table = os.path.join(SHARED, "reference", "molt5", "molt5-small-smiles2caption.txt")
    with open(table, encoding="utf-8") as f:
        lines = f.read().split("\n")[1:]
    rng = random.Random(3)
    picked = sorted(rng.sample(range(len(rows)), 40))
    # Add the rows where the scores are degenerate (0, or 1) if any.
    picked += [i for i, r in enumerate(rows) if r["rouge2_f"] == 0.0][:5]
    out = []
    for i in sorted(set(picked)):
        _, ground_truth, output = lines[i].split("\t")
        if output.startswith("[CLS] "):
            output = output[6:]
        out.append({"ground_truth": ground_truth, "output": output, "rouge1_f": rows[i]["rouge1_f"],
                    "rouge2_f": rows[i]["rouge2_f"], "rougeL_f": rows[i]["rougeL_f"]})
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        wordnet = open_wordnet(os.environ.get("ICMA_WORDNET_DIR", "/usr/share/wordnet"), tmp)
        fixture = {
            "generator": "tests/reference/make_eval_fixtures.py (NLTK 3.8, numpy %s)" % np.__version__,
            "bleu": bleu_fixture(),
            "meteor": meteor_fixture(wordnet),
            "numpy_mean": numpy_mean_fixture(),
            "fsum": fsum_fixture(),
            "rouge": rouge_fixture(),
        }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
