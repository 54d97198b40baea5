#!/usr/bin/python3
"""The python3-torch side of bench/sentence.sh.

    sentence_python.py make-model DIR
        a sentence-transformers directory shaped like
        paraphrase-distilroberta-base-v1 (RoBERTa, 6 layers, hidden 768, 12
        heads, intermediate 3072, vocab 50,265, 514 positions, mean pooling,
        max_seq_length 128) with random weights (seeded, std 0.02) saved by
        torch.save as pytorch_model.bin, and GPT-2's full byte-level BPE with
        RoBERTa's specials as tokenizer.json
    sentence_python.py encode DIR CORPUS THREADS BATCH ORDER [EMB]
        encodes the CORPUS captions with the reference computation of
        tests/reference/sentence_reference.py (eager python3-torch, the same
        weights), on the token ids Hugging Face tokenizers gives (npm, not
        timed), batch by batch, longest first: by token count (ORDER tokens,
        as icma orders them, so that both sides pad the same batches) or by
        characters (ORDER characters, as SentenceTransformer.encode does);
        prints the encoding seconds and captions/s; with EMB (an icma
        sentence.emb file), also the largest difference between its unit
        vectors and these
"""

import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import sentence_reference as reference  # noqa: E402


def make_model(out_dir):
    reference.make_model_dir(out_dir, kind="roberta", vocab_cut=None, hidden=768, layers=6, heads=12,
                             intermediate=3072, max_positions=514, max_seq_length=128, do_lower_case=False,
                             normalize=False, weights_format="bin", seed=7, std=0.02, vocab_size=50265,
                             legacy_pooling=True, masked_lm_checkpoint=False)


def read_embedding_file(path):
    """icma's sentence.emb (src/retrieval/embedding_index_file.cpp): unit vectors by corpus row."""
    with open(path, "rb") as f:
        data = f.read()
    dim, = struct.unpack_from("<I", data, 12)
    count, = struct.unpack_from("<Q", data, 24)
    return torch.frombuffer(bytearray(data[32 + 4 * count:32 + 4 * count + 4 * count * dim]),
                            dtype=torch.float32).reshape(count, dim)


def encode(model_dir, corpus, threads, batch, order_by, emb=None):
    torch.set_num_threads(threads)
    model = reference.SentenceReference(model_dir)
    captions = [caption for _, caption in reference.read_dataset(corpus)]
    ids = model.token_ids(captions)
    lengths = ids if order_by == "tokens" else captions
    order = sorted(range(len(ids)), key=lambda i: -len(lengths[i]))  # stable
    padded = sum(max(len(ids[i]) for i in order[f:f + batch]) * len(order[f:f + batch])
                 for f in range(0, len(order), batch))
    pooled = [None] * len(ids)
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, len(order), batch):
            rows = order[first:first + batch]
            length = max(len(ids[i]) for i in rows)
            input_ids = torch.full((len(rows), length), model.pad_id, dtype=torch.long)
            mask = torch.zeros((len(rows), length), dtype=torch.long)
            for r, i in enumerate(rows):
                input_ids[r, :len(ids[i])] = torch.tensor(ids[i])
                mask[r, :len(ids[i])] = 1
            out = model.pool(model.token_embeddings(input_ids, mask), mask, model.modes)
            for r, i in enumerate(rows):
                pooled[i] = out[r]
    seconds = time.perf_counter() - start
    tokens = sum(len(row) for row in ids)
    print("python3-torch eager, batches by %s: %d captions (%d tokens, %d with padding) in %.2f s: %.1f captions/s" %
          (order_by, len(ids), tokens, padded, seconds, len(ids) / seconds))
    if emb:
        ours = read_embedding_file(emb)
        theirs = F.normalize(torch.stack(pooled), p=2, dim=1)
        print("max |icma - python| over the unit vectors: %.2e" % (ours - theirs).abs().max().item())


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make-model":
        make_model(sys.argv[2])
    elif len(sys.argv) >= 7 and sys.argv[1] == "encode" and sys.argv[6] in ("tokens", "characters"):
        encode(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6],
               sys.argv[7] if len(sys.argv) > 7 else None)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
