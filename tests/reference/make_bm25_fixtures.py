#!/usr/bin/python3
"""Writes tests/fixtures/bm25_reference.json: BM25 scores as the official ICMA
code gets them from rank_bm25.BM25Okapi (version 0.2.2, defaults k1 = 1.5,
b = 0.75, epsilon = 0.25), for tests/retrieval/bm25_test.cpp.

Run from the repository root with Debian's interpreter (needs python3-numpy):

    /usr/bin/python3 tests/reference/make_bm25_fixtures.py

Optional arguments: --shared DIR (default ../shared, or $ICMA_SHARED_DIR),
--out FILE (default tests/fixtures/bm25_reference.json).

rank_bm25 is not packaged in Debian, so this script computes BM25Okapi itself,
in plain Python and numpy, with the same operations in the same order as
rank_bm25 0.2.2, which is what decides the last bits:
  - vocabulary in first-appearance order (a dict filled document by document);
  - idf(t) = math.log(N - n(t) + 0.5) - math.log(n(t) + 0.5), summed in that
    order; the mean is the sum / vocabulary size; every idf below zero then
    becomes epsilon * mean;
  - avgdl = (total tokens) / N, a Python int / int;
  - get_scores: score = np.zeros(N); for each query token, repeats included,
    score += idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
    with tf and doc_len integer numpy arrays over all documents (idf 0 for a
    token not in the corpus, so it adds nothing).
Tokens are the ICMA code's: '-' ',' '(' ')' become spaces, '.' is deleted,
runs of spaces collapse, then str.split(" ").

Corpus: the captions of ChEBI-20 validation (3,301 rows; only its row count
and first and last CIDs are written). Queries: the first 300 ChEBI-20 test
captions (by row) and a few hand-written edge cases (by text). For each query
the top-10 (row, score), highest score first and ties in row order; plus
spot checks: whole score vectors for two queries and 100 seeded random rows
for 20 more. Rerunning gives the same file.
"""

import argparse
import json
import math
import os
import random
import re

import numpy as np

K1, B, EPSILON = 1.5, 0.75, 0.25
TOP_K = 10
TEST_QUERIES = 300
EXTRA_QUERIES = [
    "",                                   # one empty token
    "The molecule is a molecule molecule.",  # repeats count each time
    "xyzzy plugh",                        # unknown tokens only
    "a (2R)-2-hydroxy acid (CHEBI:15378).",  # empty tokens at both ends
    "It is a conjugate base of a",        # common words: floored (epsilon) idf
]


def icma_tokenize(text):
    for separator in "-,()":
        text = text.replace(separator, " ")
    text = text.replace(".", "")
    text = re.sub(" +", " ", text)
    return text.split(" ")


class OkapiReference:
    """BM25Okapi's arithmetic, as rank_bm25 0.2.2 does it (see the module doc)."""

    def __init__(self, corpus_tokens):
        self.corpus_size = len(corpus_tokens)
        self.doc_len = np.array([len(tokens) for tokens in corpus_tokens])
        self.avgdl = sum(len(tokens) for tokens in corpus_tokens) / self.corpus_size
        self.term_counts = []           # per document: token -> tf
        documents_with = {}             # token -> n(t), in first-appearance order
        for tokens in corpus_tokens:
            counts = {}
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
            self.term_counts.append(counts)
            for token in counts:
                documents_with[token] = documents_with.get(token, 0) + 1

        self.idf = {}
        idf_sum = 0
        below_zero = []
        for token, n in documents_with.items():
            value = math.log(self.corpus_size - n + 0.5) - math.log(n + 0.5)
            self.idf[token] = value
            idf_sum += value
            if value < 0:
                below_zero.append(token)
        self.average_idf = idf_sum / len(self.idf)
        for token in below_zero:
            self.idf[token] = EPSILON * self.average_idf
        self._tf_cache = {}

    def _tf(self, token):
        # The same integer array rank_bm25 builds per query token, cached.
        if token not in self._tf_cache:
            self._tf_cache[token] = np.array([counts.get(token, 0) for counts in self.term_counts])
        return self._tf_cache[token]

    def scores(self, query_tokens):
        score = np.zeros(self.corpus_size)
        for token in query_tokens:
            tf = self._tf(token)
            idf = self.idf.get(token) or 0
            score += idf * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.doc_len / self.avgdl)))
        return score


def read_rows(path):
    """(cid, caption) per row of a CID<TAB>SMILES<TAB>description file."""
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            cid, _smiles, description = line.split("\t")
            rows.append((cid, description.rstrip(" \t")))
    return rows


def top(scores, k):
    # Highest first, equal scores in row order: a stable sort on -score
    # (negation is exact).
    order = np.argsort(-scores, kind="stable")[:k]
    return [[int(row), float(scores[row])] for row in order]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=os.environ.get("ICMA_SHARED_DIR") or "../shared")
    parser.add_argument("--out", default="tests/fixtures/bm25_reference.json")
    args = parser.parse_args()

    corpus = read_rows(os.path.join(args.shared, "data/chebi20/validation.txt"))
    test_rows = read_rows(os.path.join(args.shared, "data/chebi20/test.txt"))
    bm25 = OkapiReference([icma_tokenize(caption) for _cid, caption in corpus])

    queries = [{"test_row": i, "text": test_rows[i][1]} for i in range(TEST_QUERIES)]
    queries += [{"text": text} for text in EXTRA_QUERIES]
    all_scores = [bm25.scores(icma_tokenize(query["text"])) for query in queries]
    for query, scores in zip(queries, all_scores):
        query["top"] = top(scores, TOP_K)
        if "test_row" in query:
            del query["text"]  # the test reads test captions from the shared data

    rng = random.Random(20240521)
    spot_checks = []
    for q in (0, 1):
        spot_checks.append({"query": q, "rows": list(range(len(corpus))),
                            "scores": [float(s) for s in all_scores[q]]})
    for q in rng.sample(range(2, len(queries)), 20):
        rows = sorted(rng.sample(range(len(corpus)), 100))
        spot_checks.append({"query": q, "rows": rows, "scores": [float(all_scores[q][r]) for r in rows]})

    fixture = {
        "generator": "tests/reference/make_bm25_fixtures.py",
        "reference": "rank_bm25 0.2.2 BM25Okapi arithmetic, k1=1.5 b=0.75 epsilon=0.25, ICMA tokenizer",
        "corpus": "data/chebi20/validation.txt (captions)",
        "corpus_rows": len(corpus),
        "corpus_first_cid": corpus[0][0],
        "corpus_last_cid": corpus[-1][0],
        "queries_file": "data/chebi20/test.txt (captions)",
        "vocabulary_size": len(bm25.idf),
        "avgdl": bm25.avgdl,
        "average_idf": bm25.average_idf,
        "queries": queries,
        "spot_checks": spot_checks,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}: {len(queries)} queries, {len(spot_checks)} spot checks, "
          f"vocabulary {len(bm25.idf)}, avgdl {bm25.avgdl:.4f}")


if __name__ == "__main__":
    main()
