#!/usr/bin/python3
"""Reference sentence embeddings for tests/sentence (and the model maker of
bench/sentence.sh), written from the semantics of Hugging Face transformers'
BertModel / RobertaModel and sentence-transformers' SentenceTransformer
(models/Transformer.py, Pooling.py, Normalize.py, util.cos_sim), with plain
torch operations:

  texts      str(text).strip(); .lower() when do_lower_case
  tokens     tokenizer(texts, truncation='longest_first', max_length=
             max_seq_length): ids come from the official Hugging Face
             tokenizers (npm, tests/reference/sentence_tokenizers.js encode),
             never from icma's tokenizer
  batches    encode(): texts sorted by -len(text), 32 at a time, each padded
             to its longest with the tokenizer's pad id
  encoder    embeddings = LayerNorm(word + token_type[0] + position), BERT
             positions 0..T-1, RoBERTa positions cumsum(ids != pad) * (ids !=
             pad) + pad; per layer: softmax(q k^T / sqrt(d) + (1 - mask) *
             finfo.min) v, dense, LayerNorm(x + .), dense, erf GELU, dense,
             LayerNorm(x + .)
  pooling    cls = token 0; max over tokens with padding set to -1e9; mean =
             sum(emb * mask) / clamp(sum(mask), 1e-9); mean_sqrt_len,
             weightedmean, lasttoken as Pooling.py; several modes concatenate
  normalize  F.normalize(p=2, dim=1) when the Normalize module is present
  neighbours util.cos_sim(queries, corpus), candidates sorted by score,
             descending, with Python's stable sort (ties: corpus order)

It writes tests/fixtures/sentence/:

  bert-mean-normalize/  a tiny random BERT (hidden 32, 2 layers, 4 heads) as
                        model.safetensors (keys without prefix, plus the
                        pooler), a WordPiece tokenizer.json over SciBERT's
                        vocabulary (its first 5,000 entries and every single
                        character), mean pooling and a Normalize module,
                        max_seq_length 64 (the position table's size)
  roberta-mean/         a tiny random RoBERTa as pytorch_model.bin (torch.save,
                        "roberta." prefix, pooler, the old position_ids
                        buffer and an lm_head, as a RobertaForMaskedLM
                        checkpoint has), a byte-level BPE tokenizer.json from
                        GPT-2's first 4,000 merges with RoBERTa's specials and
                        RobertaProcessing, mean pooling (the pooling config of
                        paraphrase-distilroberta-base-v1, no include_prompt),
                        max_seq_length 40 (the position table's limit),
                        do_lower_case true
  expected.json         for each model: the texts (200 ChEBI-20 test
                        captions, an empty and a blank one, and a few
                        hand-written ones), the npm token ids, the embeddings
                        (float32, 8 significant digits), those of other
                        pooling modes for some rows, and the top-15
                        neighbours of 50 test captions among the 3,301
                        validation captions

The vocabularies are cut so that the committed fixture stays small (about
2 MB); the tokenizers are otherwise those of real BERT and RoBERTa models.

Run from the repository root (needs node and the npm package tokenizers:
npm ci beside package.json):

    /usr/bin/python3 tests/reference/sentence_reference.py [--shared DIR]

bench/sentence_python.py imports this file for make_model_dir() and SentenceReference.
"""

import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys
from collections import OrderedDict

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOKENIZERS_JS = os.path.join(HERE, "sentence_tokenizers.js")

SEED = 20250415
TEXT_ROWS = 200      # ChEBI-20 test captions, evenly spaced
QUERY_ROWS = 50      # the first test captions, as neighbour queries
NEIGHBOURS = 15      # stored per query (the tests compare 10, with ties)
VARIANT_ROWS = 40    # rows (plus the hand-written ones) with other pooling modes
HAND_WRITTEN = [
    "",
    "   \t ",
    "  The Molecule Is An ÅNGSTRÖM-Sized Σ-ACID (İ).  ",
    "Ethanol",
    "\u3000caffeine; C8H10N4O2\u00a0",
]

# Pooling configs of the other modes the tests check (sentence-transformers'
# booleans; several on at once concatenate).
VARIANTS = {
    "cls": ["pooling_mode_cls_token"],
    "max": ["pooling_mode_max_tokens"],
    "mean_sqrt_len_tokens": ["pooling_mode_mean_sqrt_len_tokens"],
    "weightedmean": ["pooling_mode_weightedmean_tokens"],
    "lasttoken": ["pooling_mode_lasttoken"],
    "cls+mean": ["pooling_mode_cls_token", "pooling_mode_mean_tokens"],
}
POOLING_KEYS = ["pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]


# ---- model directories -------------------------------------------------------

def write_json(path, value):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=2, ensure_ascii=False)
        out.write("\n")


def write_safetensors(path, tensors):
    """The safetensors format (8-byte header length, JSON header, raw data), by hand:
    Debian has no safetensors package."""
    header, blobs, offset = OrderedDict(), [], 0
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().tobytes()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[tensors[name].dtype]
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def hf_config(kind, vocab_size, hidden, layers, heads, intermediate, max_positions):
    """config.json as transformers' save_pretrained writes it for BertModel / RobertaModel."""
    config = {
        "_name_or_path": "icma-random-" + kind,
        "architectures": ["BertModel" if kind == "bert" else "RobertaModel"],
        "attention_probs_dropout_prob": 0.1,
    }
    if kind == "roberta":
        config["bos_token_id"] = 0
    config.update({"classifier_dropout": None})
    if kind == "roberta":
        config["eos_token_id"] = 2
    config.update({
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": intermediate,
        "layer_norm_eps": 1e-12 if kind == "bert" else 1e-05,
        "max_position_embeddings": max_positions,
        "model_type": kind,
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 0 if kind == "bert" else 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": "4.36.2",
        "type_vocab_size": 2 if kind == "bert" else 1,
        "use_cache": True,
        "vocab_size": vocab_size,
    })
    return config


def random_weights(config, generator, std):
    """Every weight of the base model, random (layer norms around 1, biases
    small), named as BertModel.state_dict() names them, plus the pooler."""
    h, i = config["hidden_size"], config["intermediate_size"]

    def normal(*shape, mean=0.0, scale=std):
        return (torch.randn(*shape, generator=generator) * scale + mean).float()

    weights = OrderedDict()
    weights["embeddings.word_embeddings.weight"] = normal(config["vocab_size"], h)
    weights["embeddings.position_embeddings.weight"] = normal(config["max_position_embeddings"], h)
    weights["embeddings.token_type_embeddings.weight"] = normal(config["type_vocab_size"], h)
    weights["embeddings.LayerNorm.weight"] = normal(h, mean=1.0, scale=0.1)
    weights["embeddings.LayerNorm.bias"] = normal(h, scale=0.1)
    for layer in range(config["num_hidden_layers"]):
        p = "encoder.layer.%d." % layer
        for name in ("query", "key", "value"):
            weights[p + "attention.self.%s.weight" % name] = normal(h, h)
            weights[p + "attention.self.%s.bias" % name] = normal(h, scale=0.1)
        weights[p + "attention.output.dense.weight"] = normal(h, h)
        weights[p + "attention.output.dense.bias"] = normal(h, scale=0.1)
        weights[p + "attention.output.LayerNorm.weight"] = normal(h, mean=1.0, scale=0.1)
        weights[p + "attention.output.LayerNorm.bias"] = normal(h, scale=0.1)
        weights[p + "intermediate.dense.weight"] = normal(i, h)
        weights[p + "intermediate.dense.bias"] = normal(i, scale=0.1)
        weights[p + "output.dense.weight"] = normal(h, i)
        weights[p + "output.dense.bias"] = normal(h, scale=0.1)
        weights[p + "output.LayerNorm.weight"] = normal(h, mean=1.0, scale=0.1)
        weights[p + "output.LayerNorm.bias"] = normal(h, scale=0.1)
    weights["pooler.dense.weight"] = normal(h, h)
    weights["pooler.dense.bias"] = normal(h, scale=0.1)
    return weights


def pooling_config(hidden, modes, include_prompt=True):
    config = {"word_embedding_dimension": hidden}
    for key in POOLING_KEYS:
        config[key] = key in modes
    if include_prompt is not None:
        config["include_prompt"] = include_prompt
    return config


def tokenizer_files(kind):
    """tokenizer_config.json and special_tokens_map.json as transformers writes them."""
    if kind == "bert":
        specials = {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
                    "unk_token": "[UNK]"}
        config = dict(specials, clean_up_tokenization_spaces=True, do_basic_tokenize=True, do_lower_case=True,
                      model_max_length=512, never_split=None, strip_accents=None, tokenize_chinese_chars=True,
                      tokenizer_class="BertTokenizer")
    else:
        specials = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": "<mask>",
                    "pad_token": "<pad>", "sep_token": "</s>", "unk_token": "<unk>"}
        config = dict(specials, add_prefix_space=False, clean_up_tokenization_spaces=True, errors="replace",
                      model_max_length=512, tokenizer_class="RobertaTokenizer", trim_offsets=True)
    return config, specials


def make_model_dir(out_dir, kind, vocab_cut, hidden, layers, heads, intermediate, max_positions, max_seq_length,
                   do_lower_case, normalize, weights_format, seed, std=0.2, vocab_size=None, legacy_pooling=False,
                   masked_lm_checkpoint=True):
    """A sentence-transformers directory with a random encoder; returns its config.json.
    weights_format "bin" with masked_lm_checkpoint saves a RobertaForMaskedLM-style
    checkpoint (prefix, buffer, head), without it the base model's state dict."""
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(os.path.join(out_dir, "1_Pooling"))
    tokenizer_json = os.path.join(out_dir, "tokenizer.json")
    subprocess.run(["node", TOKENIZERS_JS, kind, tokenizer_json] + ([str(vocab_cut)] if vocab_cut else []), check=True)
    with open(tokenizer_json, encoding="utf-8") as f:
        tokenizer = json.load(f)
    ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in tokenizer["added_tokens"]]
    config = hf_config(kind, vocab_size or max(ids) + 1, hidden, layers, heads, intermediate, max_positions)
    write_json(os.path.join(out_dir, "config.json"), config)
    tokenizer_config, specials = tokenizer_files(kind)
    write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config)
    write_json(os.path.join(out_dir, "special_tokens_map.json"), specials)

    generator = torch.Generator().manual_seed(seed)
    weights = random_weights(config, generator, std)
    if weights_format == "safetensors":
        write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    elif not masked_lm_checkpoint:
        torch.save(weights, os.path.join(out_dir, "pytorch_model.bin"))
    else:
        # As a RobertaForMaskedLM checkpoint of transformers < 4.31: the
        # encoder under "roberta.", the position_ids buffer, an MLM head.
        saved = OrderedDict(("roberta." + name, tensor) for name, tensor in weights.items())
        saved["roberta.embeddings.position_ids"] = torch.arange(max_positions).unsqueeze(0)
        saved["lm_head.dense.weight"] = torch.randn(hidden, hidden, generator=generator)
        saved["lm_head.bias"] = torch.zeros(config["vocab_size"])
        torch.save(saved, os.path.join(out_dir, "pytorch_model.bin"))

    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(out_dir, "modules.json"), modules)
    write_json(os.path.join(out_dir, "1_Pooling", "config.json"),
               pooling_config(hidden, ["pooling_mode_mean_tokens"], None if legacy_pooling else True))
    write_json(os.path.join(out_dir, "sentence_bert_config.json"),
               {"max_seq_length": max_seq_length, "do_lower_case": do_lower_case})
    return config


# ---- the reference computation -----------------------------------------------

class SentenceReference:
    """SentenceTransformer(dir) for Transformer (BERT/RoBERTa) + Pooling [+ Normalize]."""

    def __init__(self, model_dir):
        self.dir = model_dir
        with open(os.path.join(model_dir, "config.json")) as f:
            self.config = json.load(f)
        with open(os.path.join(model_dir, "sentence_bert_config.json")) as f:
            sbert = json.load(f)
        self.max_seq_length = sbert["max_seq_length"]
        self.do_lower_case = sbert.get("do_lower_case", False)
        with open(os.path.join(model_dir, "modules.json")) as f:
            self.normalize = any(m["type"].endswith(".Normalize") for m in json.load(f))
        with open(os.path.join(model_dir, "1_Pooling", "config.json")) as f:
            pooling = json.load(f)
        self.modes = [key for key in POOLING_KEYS if pooling.get(key, key == "pooling_mode_mean_tokens")]
        self.weights = self._read_weights()
        with open(os.path.join(model_dir, "special_tokens_map.json")) as f:
            pad_token = json.load(f)["pad_token"]
        with open(os.path.join(model_dir, "tokenizer.json")) as f:
            self.pad_id = next(t["id"] for t in json.load(f)["added_tokens"] if t["content"] == pad_token)

    def _read_weights(self):
        st = os.path.join(self.dir, "model.safetensors")
        if os.path.exists(st):
            with open(st, "rb") as f:
                size = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(size))
                data = f.read()
            weights = {}
            for name, entry in header.items():
                if name == "__metadata__":
                    continue
                begin, end = entry["data_offsets"]
                dtype = {"F32": torch.float32, "I64": torch.int64}[entry["dtype"]]
                weights[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(entry["shape"])
        else:
            weights = torch.load(os.path.join(self.dir, "pytorch_model.bin"))
        prefix = "bert." if self.config["model_type"] == "bert" else "roberta."
        if any(name.startswith(prefix) for name in weights):
            weights = {name[len(prefix):]: t for name, t in weights.items() if name.startswith(prefix)}
        return {name: t.float() for name, t in weights.items()}

    def prepare(self, text):
        text = str(text).strip()
        return text.lower() if self.do_lower_case else text

    def token_ids(self, texts):
        """npm tokenizers' ids of the prepared texts, truncated to max_seq_length."""
        prepared = [self.prepare(t) for t in texts]
        result = subprocess.run(["node", TOKENIZERS_JS, "encode", os.path.join(self.dir, "tokenizer.json"),
                                 str(self.max_seq_length)], input=json.dumps(prepared).encode(),
                                stdout=subprocess.PIPE, check=True)
        return json.loads(result.stdout)

    def token_embeddings(self, input_ids, attention_mask):
        """BertModel / RobertaModel(input_ids, attention_mask).last_hidden_state, eval mode."""
        c, w = self.config, self.weights
        batch, length = input_ids.shape
        hidden, heads = c["hidden_size"], c["num_attention_heads"]
        head_dim = hidden // heads
        eps = c["layer_norm_eps"]
        if c["model_type"] == "bert":
            positions = torch.arange(length).unsqueeze(0).expand(batch, length)
        else:
            pad = c["pad_token_id"]
            mask = input_ids.ne(pad).int()
            positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + pad
        token_types = torch.zeros_like(input_ids)
        x = w["embeddings.word_embeddings.weight"][input_ids] + w["embeddings.token_type_embeddings.weight"][token_types]
        x = x + w["embeddings.position_embeddings.weight"][positions]
        x = F.layer_norm(x, (hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        extended = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in range(c["num_hidden_layers"]):
            p = "encoder.layer.%d." % layer

            def linear(name, value):
                return F.linear(value, w[p + name + ".weight"], w[p + name + ".bias"])

            def heads_of(value):
                return value.view(batch, length, heads, head_dim).permute(0, 2, 1, 3)

            q = heads_of(linear("attention.self.query", x))
            k = heads_of(linear("attention.self.key", x))
            v = heads_of(linear("attention.self.value", x))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(head_dim) + extended
            context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(batch, length, hidden)
            a = F.layer_norm(linear("attention.output.dense", context) + x, (hidden,),
                             w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            inner = F.gelu(linear("intermediate.dense", a))
            x = F.layer_norm(linear("output.dense", inner) + a, (hidden,), w[p + "output.LayerNorm.weight"],
                             w[p + "output.LayerNorm.bias"], eps)
        return x

    def pool(self, token_embeddings, attention_mask, modes):
        token_embeddings = token_embeddings.clone()
        out = []
        mask = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).float()
        if "pooling_mode_cls_token" in modes:
            out.append(token_embeddings[:, 0])
        if "pooling_mode_max_tokens" in modes:
            maxed = token_embeddings.clone()
            maxed[mask == 0] = -1e9
            out.append(torch.max(maxed, 1)[0])
        if "pooling_mode_mean_tokens" in modes or "pooling_mode_mean_sqrt_len_tokens" in modes:
            summed = torch.sum(token_embeddings * mask, 1)
            count = torch.clamp(mask.sum(1), min=1e-9)
            if "pooling_mode_mean_tokens" in modes:
                out.append(summed / count)
            if "pooling_mode_mean_sqrt_len_tokens" in modes:
                out.append(summed / torch.sqrt(count))
        if "pooling_mode_weightedmean_tokens" in modes:
            weights = torch.arange(1, token_embeddings.shape[1] + 1).unsqueeze(0).unsqueeze(-1)
            weighted = mask * weights.expand(token_embeddings.size()).float()
            out.append(torch.sum(token_embeddings * weighted, 1) / torch.clamp(weighted.sum(1), min=1e-9))
        if "pooling_mode_lasttoken" in modes:
            values, indices = torch.min(attention_mask, 1, keepdim=False)
            last = torch.clamp(torch.where(values == 0, indices, token_embeddings.shape[1]) - 1, min=0)
            index = last.unsqueeze(-1).repeat(1, token_embeddings.shape[2]).unsqueeze(1)
            out.append(torch.gather(token_embeddings * mask, 1, index).squeeze(1))
        return torch.cat(out, 1)

    def encode_ids(self, texts, ids, modes=None, batch_size=32):
        """SentenceTransformer.encode: longest texts (by characters) first, batch by batch."""
        modes = modes or self.modes
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = [None] * len(texts)
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                length = max(len(ids[i]) for i in rows)
                input_ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), length), dtype=torch.long)
                for r, i in enumerate(rows):
                    input_ids[r, :len(ids[i])] = torch.tensor(ids[i])
                    mask[r, :len(ids[i])] = 1
                pooled = self.pool(self.token_embeddings(input_ids, mask), mask, modes)
                if self.normalize:
                    pooled = F.normalize(pooled, p=2, dim=1)
                for r, i in enumerate(rows):
                    out[i] = pooled[r]
        return torch.stack(out)


def cos_sim(a, b):
    """sentence_transformers.util.cos_sim."""
    return torch.mm(F.normalize(a, p=2, dim=1), F.normalize(b, p=2, dim=1).transpose(0, 1))


def top_neighbours(scores, ids, k):
    ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)  # stable: ties in corpus order
    return [[ids[i], float("%.9g" % scores[i])] for i in ranked[:k]]


# ---- the fixture ---------------------------------------------------------------

def read_dataset(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            cid, smiles, caption = line.rstrip("\n").split("\t")
            rows.append((cid, caption))
    return rows


def rounded(matrix):
    return [[float("%.8g" % value) for value in row] for row in matrix.tolist()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=os.environ.get("ICMA_SHARED_DIR", os.path.join(REPO, "..", "shared")))
    parser.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "sentence"))
    args = parser.parse_args()
    os.environ["ICMA_SHARED_DIR"] = os.path.abspath(args.shared)
    torch.set_num_threads(1)

    test = read_dataset(os.path.join(args.shared, "data", "chebi20", "test.txt"))
    validation = read_dataset(os.path.join(args.shared, "data", "chebi20", "validation.txt"))
    step = len(test) // TEXT_ROWS
    texts = [test[i * step][1] for i in range(TEXT_ROWS)] + HAND_WRITTEN
    variant_rows = list(range(VARIANT_ROWS)) + list(range(TEXT_ROWS, len(texts)))
    queries = test[:QUERY_ROWS]

    models = {
        "bert-mean-normalize": dict(kind="bert", vocab_cut=5000, max_positions=64, max_seq_length=64,
                                    do_lower_case=False, normalize=True, weights_format="safetensors"),
        "roberta-mean": dict(kind="roberta", vocab_cut=4000, max_positions=42, max_seq_length=40,
                             do_lower_case=True, normalize=False, weights_format="bin", legacy_pooling=True),
    }
    os.makedirs(args.out, exist_ok=True)
    expected = {"generator": "tests/reference/sentence_reference.py", "texts": texts, "variant_rows": variant_rows,
                "queries": [cid for cid, _ in queries], "query_source": "chebi20/test.txt (first rows)",
                "corpus_source": "chebi20/validation.txt", "models": {}}
    for seed_offset, (name, spec) in enumerate(models.items()):
        model_dir = os.path.join(args.out, name)
        make_model_dir(model_dir, hidden=32, layers=2, heads=4, intermediate=64, seed=SEED + seed_offset, **spec)
        reference = SentenceReference(model_dir)
        ids = reference.token_ids(texts)
        embeddings = reference.encode_ids(texts, ids)
        variants = {}
        variant_texts = [texts[i] for i in variant_rows]
        variant_ids = [ids[i] for i in variant_rows]
        for variant, modes in VARIANTS.items():
            variants[variant] = rounded(reference.encode_ids(variant_texts, variant_ids, modes))

        corpus_texts = [caption for _, caption in validation]
        corpus = reference.encode_ids(corpus_texts, reference.token_ids(corpus_texts))
        query_texts = [caption for _, caption in queries]
        query_embeddings = reference.encode_ids(query_texts, reference.token_ids(query_texts))
        scores = cos_sim(query_embeddings, corpus)
        corpus_ids = [cid for cid, _ in validation]
        neighbours = [top_neighbours(scores[q].tolist(), corpus_ids, NEIGHBOURS) for q in range(len(queries))]

        truncated = sum(1 for row in ids if len(row) == reference.max_seq_length)
        print("%s: %d texts, %d cut at max_seq_length %d; embeddings %s" %
              (name, len(texts), truncated, reference.max_seq_length, tuple(embeddings.shape)), file=sys.stderr)
        expected["models"][name] = {
            "max_seq_length": reference.max_seq_length,
            "prepared": [reference.prepare(t) for t in texts],
            "ids": ids,
            "embeddings": rounded(embeddings),
            "variants": variants,
            "neighbours": neighbours,
        }
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as out:
        json.dump(expected, out, ensure_ascii=False, separators=(",", ":"))
        out.write("\n")


if __name__ == "__main__":
    main()
