#!/usr/bin/python3
"""The MolT5 evaluation scripts' logic in Python, for benchmarks (bench_eval.sh).

This follows MolT5's text_translation_metrics.py, mol_translation_metrics.py
and fingerprint_metrics.py with the reference libraries Debian packages:
NLTK 3.8 (BLEU, METEOR over WordNet 3.0), RDKit 2022.09, Open Babel 3.1.1
(InChI, as Debian's RDKit has none) and python-Levenshtein. Two pieces are
not packaged and stand in here:
  - WordPiece tokens come from a JSON file made by Hugging Face `tokenizers`
    (tests/reference/wordpiece_tokenize.js), timed separately;
  - rouge_score is written out below following its documented logic
    (tokenize: lower-case, runs of [a-z0-9]; n-gram overlap; LCS).

    /usr/bin/python3 tests/reference/molt5_eval.py mol2cap PRED.tsv --tokens TOKENS.json
    /usr/bin/python3 tests/reference/molt5_eval.py cap2mol PRED.tsv
"""

import argparse
import collections
import csv
import os
import re
import tempfile
import warnings

import numpy as np

warnings.simplefilter("ignore")


def read_rows(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


# ---- rouge_score's logic ----------------------------------------------------
def rouge_tokens(text):
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return [t for t in re.split(r"\s+", text) if re.match(r"^[a-z0-9]+$", t)]


def fmeasure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_n(target, prediction, n):
    t = collections.Counter(tuple(target[i:i + n]) for i in range(len(target) - n + 1))
    p = collections.Counter(tuple(prediction[i:i + n]) for i in range(len(prediction) - n + 1))
    overlap = sum(min(c, p[g]) for g, c in t.items())
    return fmeasure(overlap / max(sum(p.values()), 1), overlap / max(sum(t.values()), 1))


def rouge_l(target, prediction):
    if not target or not prediction:
        return 0.0
    table = [[0] * (len(prediction) + 1) for _ in range(len(target) + 1)]
    for i in range(1, len(target) + 1):
        for j in range(1, len(prediction) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if target[i - 1] == prediction[j - 1] else max(table[i - 1][j], table[i][j - 1])
    lcs = table[-1][-1]
    return fmeasure(lcs / len(prediction), lcs / len(target))


# ---- Mol2Cap -----------------------------------------------------------------
def mol2cap(path, tokens_path):
    import json
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.translate.bleu_score import corpus_bleu
    from nltk.translate.meteor_score import meteor_score

    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_nltk_fixtures import open_wordnet

    rows = read_rows(path)
    outputs = [(r["SMILES"], r["ground truth"], r["output"][6:] if r["output"].startswith("[CLS] ") else r["output"])
               for r in rows]
    tokens = json.load(open(tokens_path))  # [[gt_tokens, out_tokens], ...]
    drop = {"[PAD]", "[CLS]", "[SEP]"}
    with tempfile.TemporaryDirectory() as tmp:
        wordnet = open_wordnet(os.environ.get("ICMA_WORDNET_DIR", "/usr/share/wordnet"), tmp)
        references, hypotheses, meteor_scores = [], [], []
        for gt_tokens, out_tokens in tokens:
            gt_tokens = [t for t in gt_tokens if t not in drop]
            out_tokens = [t for t in out_tokens if t not in drop]
            references.append([gt_tokens])
            hypotheses.append(out_tokens)
            meteor_scores.append(meteor_score([gt_tokens], out_tokens, wordnet=wordnet))
    bleu2 = corpus_bleu(references, hypotheses, weights=(.5, .5))
    bleu4 = corpus_bleu(references, hypotheses, weights=(.25, .25, .25, .25))
    r1, r2, rl = [], [], []
    for _, gt, out in outputs:
        target, prediction = rouge_tokens(out), rouge_tokens(gt)  # scorer.score(out, gt)
        r1.append(rouge_n(target, prediction, 1))
        r2.append(rouge_n(target, prediction, 2))
        rl.append(rouge_l(target, prediction))
    print("BLEU-2", bleu2)
    print("BLEU-4", bleu4)
    print("ROUGE-1", np.mean(r1))
    print("ROUGE-2", np.mean(r2))
    print("ROUGE-L", np.mean(rl))
    print("METEOR", np.mean(meteor_scores))


# ---- Cap2Mol -----------------------------------------------------------------
def cap2mol(path):
    from Levenshtein import distance as lev
    from nltk.translate.bleu_score import corpus_bleu
    from openbabel import pybel
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import AllChem, MACCSkeys

    RDLogger.DisableLog("rdApp.*")
    pybel.ob.obErrorLog.StopLogging()

    def inchi(mol):
        return pybel.readstring("mol", Chem.MolToMolBlock(mol)).write("inchi").strip()

    rows = read_rows(path)
    outputs = [(r["description"], r["ground truth"], r["output"]) for r in rows]
    # mol_translation_metrics.py
    references, hypotheses, levs = [], [], []
    num_exact, bad_mols = 0, 0
    for _, gt, out in outputs:
        references.append([list(gt)])
        hypotheses.append(list(out))
        try:
            m_out, m_gt = Chem.MolFromSmiles(out), Chem.MolFromSmiles(gt)
            if m_out is None or m_gt is None:
                raise ValueError("bad SMILES")
            if inchi(m_out) == inchi(m_gt):
                num_exact += 1
        except Exception:
            bad_mols += 1
        levs.append(lev(out, gt))
    bleu = corpus_bleu(references, hypotheses)
    # fingerprint_metrics.py
    pairs, bad = [], 0
    for _, gt, out in outputs:
        gt_m, ot_m = Chem.MolFromSmiles(gt), Chem.MolFromSmiles(out)
        if ot_m is None:
            bad += 1
            continue
        pairs.append((gt_m, ot_m))
    maccs, rdk, morgan = [], [], []
    for gt_m, ot_m in pairs:
        maccs.append(DataStructs.FingerprintSimilarity(MACCSkeys.GenMACCSKeys(gt_m), MACCSkeys.GenMACCSKeys(ot_m),
                                                       metric=DataStructs.TanimotoSimilarity))
        rdk.append(DataStructs.FingerprintSimilarity(Chem.RDKFingerprint(gt_m), Chem.RDKFingerprint(ot_m),
                                                     metric=DataStructs.TanimotoSimilarity))
        morgan.append(DataStructs.TanimotoSimilarity(AllChem.GetMorganFingerprint(gt_m, 2),
                                                     AllChem.GetMorganFingerprint(ot_m, 2)))
    print("BLEU", bleu)
    print("Exact", num_exact / len(outputs))
    print("Levenshtein", np.mean(levs))
    print("Validity", len(pairs) / (len(pairs) + bad))
    print("MACCS FTS", np.mean(maccs))
    print("RDK FTS", np.mean(rdk))
    print("Morgan FTS", np.mean(morgan))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["mol2cap", "cap2mol"])
    parser.add_argument("predictions")
    parser.add_argument("--tokens", help="mol2cap: WordPiece tokens JSON from wordpiece_tokenize.js")
    args = parser.parse_args()
    if args.task == "mol2cap":
        mol2cap(args.predictions, args.tokens)
    else:
        cap2mol(args.predictions)


if __name__ == "__main__":
    main()
