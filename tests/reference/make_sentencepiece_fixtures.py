#!/usr/bin/python3
"""Writes tests/fixtures/sentencepiece_mistral.json: the pieces SentencePiece
itself gives, sp.encode(text, out_type=str), for Mistral-7B-v0.1's
tokenizer.model (a real SentencePiece BPE model with byte fallback and no
whitespace folding) on a few dozen texts.

How to run (from the repository root; Debian's python3-sentencepiece):
    /usr/bin/python3 tests/reference/make_sentencepiece_fixtures.py [SHARED_DIR]
SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared; it must hold
models/mistral-7b-v0.1/tokenizer.model.

T5Tokenizer(legacy=True).tokenize is this encoding applied between its
special tokens; tests/tokenizer/sentencepiece_test.cpp builds those expectations
from the pieces of the texts below (e.g. "Hello " and " world").
"""

import json
import os
import sys

import sentencepiece

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DIR = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "ICMA_SHARED_DIR", os.path.join(REPO_ROOT, "..", "shared"))
MODEL = "models/mistral-7b-v0.1/tokenizer.model"
OUT = os.path.join(REPO_ROOT, "tests", "fixtures", "sentencepiece_mistral.json")

TEXTS = [
    # ordinary text
    "Hello world", "The molecule is a 3beta-hydroxy steroid.", "hello", "HELLO WORLD",
    "The molecule is a monocarboxylic acid anion that is the conjugate base of alanine.",
    "(2S,3R)-2-amino-3-hydroxybutanoic acid", "It has a role as a plant metabolite.",
    "C[C@H](N)C(=O)O", "pH 7.3 (according to Marvin v 6.2.0.)",
    # whitespace: leading, trailing, repeated, tabs and newlines
    "", " ", "   ", " Hello  world ", "a\tb\nc\r\nd", "\n", "two  spaces", "trailing ",
    # non-ASCII: accents, Greek, CJK, emoji (byte fallback), controls, NBSP, compatibility characters
    "café Ångström", "α-helix β-sheet Δ9", "中文字符", "😀 🙂", "a\u0000b", "a\u00a0b", "ＡＢＣ ﬁ", "İstanbul ß",
    "e\u0301", "\ufffd", "a\u200bb",
    # what T5Tokenizer would treat as special tokens, left to SentencePiece here
    "<unk><pad><s>", "Hello </s> world", "<extra_id_0>", "a <extra_id_1> b",
    # pieces of the texts above, for composing T5Tokenizer expectations
    "Hello ", " world", "Hello", "world", "a", "b", " b", "a ", "x", "</s>", "<s>",
]


def main():
    processor = sentencepiece.SentencePieceProcessor()
    processor.Load(os.path.join(SHARED_DIR, MODEL))
    cases = [{"text": text, "pieces": processor.encode(text, out_type=str)} for text in TEXTS]
    fixture = {
        "generator": "tests/reference/make_sentencepiece_fixtures.py",
        "reference": "sentencepiece %s (Python), encode(text, out_type=str)" % sentencepiece.__version__,
        "model": MODEL,
        "piece_size": processor.get_piece_size(),
        "cases": cases,
    }
    with open(OUT, "w", encoding="utf-8") as out:
        out.write("{\n")
        for key in ("generator", "reference", "model", "piece_size"):
            out.write("%s: %s,\n" % (json.dumps(key), json.dumps(fixture[key], ensure_ascii=False)))
        out.write('"cases": [\n')
        out.write(",\n".join(json.dumps(case, ensure_ascii=False) for case in cases))
        out.write("\n]\n}\n")
    print("wrote %s: %d cases" % (OUT, len(cases)))


if __name__ == "__main__":
    main()
