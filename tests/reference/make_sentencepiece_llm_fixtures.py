#!/usr/bin/python3
"""Writes tests/fixtures/llm_sentencepiece.json: the ids SentencePiece itself
(Debian's python3-sentencepiece) gives for Mistral-7B-v0.1's tokenizer.model,
for tests/tokenizer/tokenizer_reference_test.cpp (Tokenizer::load on the .model).

How to run (from the repository root), after make_tokenizer_fixtures.js, whose
torture list this reuses (read from tests/fixtures/llm_tokenizers_hf.json):
    /usr/bin/python3 tests/reference/make_sentencepiece_llm_fixtures.py [SHARED_DIR]
SHARED_DIR defaults to $ICMA_SHARED_DIR, then ../shared; it must hold
models/mistral-7b-v0.1/tokenizer.model and data/chebi20/test.txt.

What is recorded, per text:
    ids    = sp.encode(text)                  (encode without special tokens)
    with special tokens, HF's LlamaTokenizer(legacy) prepends BOS: [bos] + ids
             (the fixture stores "bos"; the test builds that list)
    decode = sp.decode(ids)                   (null when it equals the text)
Texts: the torture list (stored in full) and the first CAPTIONS captions of
ChEBI-20 test.txt (not stored: the test reads test.txt again; row i is the
i-th line after the header, the caption its third TAB field). Then, for every
caption and every SMILES of test.txt, one record in make_tokenizer_fixtures.js's
compact form "n:hPlain:hSpecial:hDecode:hDecodeSkip" (FNV-1a 64 digests of the
ids as 4-byte little-endian words, and of decoded text as UTF-8; an empty
field means "same as the plain ids" or "same as the input text"), where
special = [bos] + ids and the decodes are sp.decode(special) and
sp.decode(ids without control symbols).
"""

import json
import os
import sys

import sentencepiece

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_DIR = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "ICMA_SHARED_DIR", os.path.join(REPO_ROOT, "..", "shared"))
MODEL = "models/mistral-7b-v0.1/tokenizer.model"
DATASET = "data/chebi20/test.txt"
HF_FIXTURE = os.path.join(REPO_ROOT, "tests", "fixtures", "llm_tokenizers_hf.json")
OUT = os.path.join(REPO_ROOT, "tests", "fixtures", "llm_sentencepiece.json")
CAPTIONS = 500


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines.pop(0).split("\t")
    assert header[1:] == ["SMILES", "description"], header
    return [line.split("\t") for line in lines]


def fnv1a(data):
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def digest_ids(ids):
    return fnv1a(b"".join(i.to_bytes(4, "little") for i in ids))


def record(sp, text):
    ids = sp.encode(text)
    special = [sp.bos_id()] + ids
    decoded = sp.decode(special)
    decoded_skip = sp.decode([i for i in special if not sp.is_control(i)])
    return "%d:%s:%s:%s:%s" % (
        len(ids), digest_ids(ids), "" if special == ids else digest_ids(special),
        "" if decoded == text else fnv1a(decoded.encode("utf-8")),
        "" if decoded_skip == text else fnv1a(decoded_skip.encode("utf-8")))


def main():
    sp = sentencepiece.SentencePieceProcessor()
    sp.Load(os.path.join(SHARED_DIR, MODEL))
    with open(HF_FIXTURE, encoding="utf-8") as f:
        torture = json.load(f)["torture"]
    rows = read_rows(os.path.join(SHARED_DIR, DATASET))
    captions = [row[2] for row in rows][:CAPTIONS]

    def case(text, keep_text):
        ids = sp.encode(text)
        decoded = sp.decode(ids)
        entry = {"ids": ids, "decode": decoded if keep_text or decoded != text else None}
        if keep_text:
            entry = {"text": text, **entry}
        return entry

    head = {
        "generator": "tests/reference/make_sentencepiece_llm_fixtures.py",
        "reference": "sentencepiece %s (Python): encode(text), decode(ids); with special tokens: [bos] + ids"
                     % sentencepiece.__version__,
        "model": MODEL,
        "dataset": DATASET,
        "piece_size": sp.get_piece_size(),
        "bos": sp.bos_id(),
        "eos": sp.eos_id(),
        "unk": sp.unk_id(),
        "pad": sp.pad_id(),
    }
    with open(OUT, "w", encoding="utf-8") as out:
        out.write("{\n")
        for key, value in head.items():
            out.write("%s: %s,\n" % (json.dumps(key), json.dumps(value, ensure_ascii=False)))
        out.write('"torture": [\n')
        out.write(",\n".join(json.dumps(case(t, True), ensure_ascii=False) for t in torture))
        out.write('\n],\n"captions": [\n')
        out.write(",\n".join(json.dumps(case(t, False), ensure_ascii=False) for t in captions))
        out.write('\n],\n"caption_records": ')
        out.write(json.dumps([record(sp, row[2]) for row in rows]))
        out.write(',\n"smiles_records": ')
        out.write(json.dumps([record(sp, row[1]) for row in rows]))
        out.write("\n}\n")
    print("wrote %s: %d torture texts, %d captions, %d bytes" % (OUT, len(torture), len(captions), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
