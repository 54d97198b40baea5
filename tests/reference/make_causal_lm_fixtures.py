#!/usr/bin/python3
"""Writes tests/fixtures/models/<name>/ (tiny random-weight Hugging Face model
directories, one per supported architecture and config variant) and
tests/fixtures/models/logits_reference.json (their logits on fixed token ids),
for tests/model/logits_parity_test.cpp.

Run from the repository root with Debian's interpreter:

    /usr/bin/python3 tests/reference/make_causal_lm_fixtures.py

The reference is tests/reference/causal_lm.py, an independent python3-torch
implementation written from Hugging Face Transformers' modeling code
(transformers itself is not packaged in Debian and no GPU machine with it was
lent to this task). Models, each exercising what its family's config can
change in the math, and each saved the way such checkpoints come:
  opt-galactica  GELU, pre-norm, biases, tied lm_head: pytorch_model.bin from
                 torch.save, with a redundant lm_head.weight
  opt-postnorm   ReLU, post-norm (no final norm), no biases, no LayerNorm
                 affine, word_embed_proj_dim != hidden_size (project_in/out):
                 model.safetensors with keys lacking the "model." prefix
  llama          grouped-query attention, attention_bias, Llama 3.1
                 rope_scaling, bfloat16 weights on disk
  mistral        sliding window 4 (< the 9-token sequence), explicit head_dim
                 (heads * head_dim != hidden_size), GQA
  qwen2          q/k/v biases, tied embeddings, rope_theta 1e6, two shards and
                 a model.safetensors.index.json
Inputs: two rows of 9 ids; the second is left-padded with 3 pad positions.

Also llama-lora/: a LoRA adapter for the llama model in PEFT's layout
(adapter_config.json, adapter_model.safetensors with
base_model.model.<module>.lora_A.weight / lora_B.weight, r 4, lora_alpha 8,
on q_proj, v_proj and down_proj), and the logits of the model with the
adapter applied as PEFT's forward does it: W x + (alpha / r) B A x.
"""
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from causal_lm import CausalLM, write_safetensors  # noqa: E402

OUT = "tests/fixtures/models"
VOCAB = 96

CONFIGS = {
    "opt-galactica": {
        "model_type": "opt", "vocab_size": VOCAB, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "ffn_dim": 48, "max_position_embeddings": 64, "activation_function": "gelu",
        "do_layer_norm_before": True, "enable_bias": True, "word_embed_proj_dim": 32,
        "bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2},
    "opt-postnorm": {
        "model_type": "opt", "vocab_size": VOCAB, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 2, "ffn_dim": 40, "max_position_embeddings": 64, "activation_function": "relu",
        "do_layer_norm_before": False, "enable_bias": False, "layer_norm_elementwise_affine": False,
        "word_embed_proj_dim": 16, "bos_token_id": 2, "pad_token_id": 1, "eos_token_id": 2},
    "llama": {
        "model_type": "llama", "vocab_size": VOCAB, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 44, "rms_norm_eps": 1e-5,
        "rope_theta": 500000.0, "attention_bias": True, "tie_word_embeddings": False,
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 4},
        "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": [2, 3]},
    "mistral": {
        "model_type": "mistral", "vocab_size": VOCAB, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 12, "intermediate_size": 40,
        "rms_norm_eps": 1e-5, "sliding_window": 4, "max_position_embeddings": 128, "bos_token_id": 1,
        "eos_token_id": 2, "tie_word_embeddings": False},
    "qwen2": {
        "model_type": "qwen2", "vocab_size": VOCAB, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 36, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "tie_word_embeddings": True, "use_sliding_window": False,
        "sliding_window": 32768, "max_position_embeddings": 128, "bos_token_id": 5, "eos_token_id": 6},
}


def weight_shapes(config):
    """Names and shapes of every weight, as the HF modules register them."""
    t = config["model_type"]
    h, v, n = config["hidden_size"], config["vocab_size"], config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    shapes = {}
    if t == "opt":
        p = "model.decoder."
        e = config["word_embed_proj_dim"]
        bias = config["enable_bias"]
        affine = config.get("layer_norm_elementwise_affine", True)
        shapes[p + "embed_tokens.weight"] = [v, e]
        shapes[p + "embed_positions.weight"] = [config["max_position_embeddings"] + 2, h]
        if e != h:
            shapes[p + "project_in.weight"] = [h, e]
            shapes[p + "project_out.weight"] = [e, h]

        def norm(name):
            if affine:
                shapes[name + ".weight"] = [h]
                shapes[name + ".bias"] = [h]
        if config["do_layer_norm_before"]:
            norm(p + "final_layer_norm")
        for i in range(n):
            lp = f"{p}layers.{i}."
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                shapes[f"{lp}self_attn.{proj}.weight"] = [h, h]
                if bias:
                    shapes[f"{lp}self_attn.{proj}.bias"] = [h]
            shapes[lp + "fc1.weight"] = [config["ffn_dim"], h]
            shapes[lp + "fc2.weight"] = [h, config["ffn_dim"]]
            if bias:
                shapes[lp + "fc1.bias"] = [config["ffn_dim"]]
                shapes[lp + "fc2.bias"] = [h]
            norm(lp + "self_attn_layer_norm")
            norm(lp + "final_layer_norm")
        return shapes
    p = "model."
    kv = config.get("num_key_value_heads", heads)
    d = config.get("head_dim", h // heads)
    inter = config["intermediate_size"]
    qkv_bias = t == "qwen2" or config.get("attention_bias", False)
    o_bias = t != "qwen2" and config.get("attention_bias", False)
    shapes[p + "embed_tokens.weight"] = [v, h]
    for i in range(n):
        lp = f"{p}layers.{i}."
        for proj, out in (("q_proj", heads * d), ("k_proj", kv * d), ("v_proj", kv * d)):
            shapes[f"{lp}self_attn.{proj}.weight"] = [out, h]
            if qkv_bias:
                shapes[f"{lp}self_attn.{proj}.bias"] = [out]
        shapes[f"{lp}self_attn.o_proj.weight"] = [h, heads * d]
        if o_bias:
            shapes[f"{lp}self_attn.o_proj.bias"] = [h]
        shapes[lp + "mlp.gate_proj.weight"] = [inter, h]
        shapes[lp + "mlp.up_proj.weight"] = [inter, h]
        shapes[lp + "mlp.down_proj.weight"] = [h, inter]
        shapes[lp + "input_layernorm.weight"] = [h]
        shapes[lp + "post_attention_layernorm.weight"] = [h]
    shapes[p + "norm.weight"] = [h]
    if not config.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = [v, h]
    return shapes


def random_weights(config, generator):
    weights = {}
    for name, shape in weight_shapes(config).items():
        if name.endswith("norm.weight") or "layer_norm.weight" in name:
            weights[name] = 1.0 + 0.1 * torch.randn(shape, generator=generator)
        elif name.endswith(".bias"):
            weights[name] = 0.1 * torch.randn(shape, generator=generator)
        else:
            weights[name] = 0.3 * torch.randn(shape, generator=generator)
    return weights


def save(name, config, weights):
    directory = os.path.join(OUT, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    if name == "opt-galactica":
        saved = dict(weights)
        saved["lm_head.weight"] = weights["model.decoder.embed_tokens.weight"]
        torch.save(saved, os.path.join(directory, "pytorch_model.bin"))
    elif name == "opt-postnorm":
        write_safetensors(os.path.join(directory, "model.safetensors"),
                          {k[len("model."):]: v for k, v in weights.items()})
    elif name == "llama":
        write_safetensors(os.path.join(directory, "model.safetensors"),
                          {k: v.to(torch.bfloat16) for k, v in weights.items()})
    elif name == "qwen2":
        names = sorted(weights)
        halves = [names[: len(names) // 2], names[len(names) // 2:]]
        weight_map = {}
        for i, half in enumerate(halves):
            shard = f"model-0000{i + 1}-of-00002.safetensors"
            write_safetensors(os.path.join(directory, shard), {k: weights[k] for k in half})
            weight_map.update({k: shard for k in half})
        with open(os.path.join(directory, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": sum(w.numel() * 4 for w in weights.values())},
                       "weight_map": weight_map}, f, indent=1)
    else:
        write_safetensors(os.path.join(directory, "model.safetensors"), weights)
    return directory


# The character-level tokenizer tests/apps/icma_generate_test.cpp writes:
# <unk> <s> </s> <eot> "\n", then printable ASCII but "`~^|", one id each;
# encode() prepends <s>.
CHAR_IDS = {"\n": 4}
for code in range(32, 127):
    if chr(code) not in "`~^|":
        CHAR_IDS[chr(code)] = len(CHAR_IDS) + 4

SCORE_ROWS = [  # short enough for the OPT fixtures' 64 positions
    ("Caption the molecule: CCO\n", "Caption: ethanol, an alcohol.</s>"),
    ("A molecule that is an acid:\n", "Molecule: CC(=O)O</s>"),
    ("Q: C1=CC=CC=C1\n", "A: benzene</s>"),
]


def encode(text):
    ids, at = [1], 0
    while at < len(text):
        if text.startswith("</s>", at):
            ids.append(2)
            at += 4
        else:
            ids.append(CHAR_IDS[text[at]])
            at += 1
    return ids


def score_reference():
    """What `icma-generate score` must print for SCORE_ROWS on every fixture
    model: ids = encode(prompt + target); the target's tokens are those after
    the first len(encode(prompt.strip())), the official ICMA training code's
    label mask (icma_train.py: tokenize(prompt.strip())), so that a score
    measures the span training learns; logprob = the float64 sum of their
    float32 log-softmax."""
    scores = {}
    for name in CONFIGS:
        model = CausalLM.load(os.path.join(OUT, name))
        rows = []
        for prompt, target in SCORE_ROWS:
            ids = encode(prompt + target)
            start = len(encode(prompt.strip()))
            with torch.no_grad():
                logits, _ = model.forward(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))
            log_probs = torch.log_softmax(logits[0], dim=-1)
            total = sum(float(log_probs[t - 1, ids[t]]) for t in range(start, len(ids)))
            rows.append({"prompt": prompt, "target": target, "logprob": total, "n_tokens": len(ids) - start})
        scores[name] = rows
    return scores


def main():
    generator = torch.Generator().manual_seed(20261125)
    ids = torch.randint(3, VOCAB, (2, 9), generator=generator)
    mask = torch.ones(2, 9, dtype=torch.long)
    mask[1, :3] = 0
    ids[1, :3] = 1
    reference = {"generator": "tests/reference/make_causal_lm_fixtures.py",
                 "reference": "tests/reference/causal_lm.py (python3-torch " + torch.__version__ + ")",
                 "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "models": {}}
    for name, config in CONFIGS.items():
        weights = random_weights(config, generator)
        directory = save(name, config, weights)
        model = CausalLM.load(directory)  # reads back what was saved (bf16 rounding included)
        with torch.no_grad():
            logits, _ = model.forward(ids, mask)
        reference["models"][name] = {"logits": [[[round(x, 7) for x in position] for position in row]
                                                for row in logits.tolist()]}
    reference["score"] = score_reference()
    llama = CausalLM.load(os.path.join(OUT, "llama"))
    adapter_dir = os.path.join(OUT, "llama-lora")
    shutil.rmtree(adapter_dir, ignore_errors=True)
    os.makedirs(adapter_dir)
    r, alpha = 4, 8
    lora = {}
    for i in range(CONFIGS["llama"]["num_hidden_layers"]):
        for module in ("self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"):
            weight = llama.w[f"model.layers.{i}.{module}.weight"]
            a = 0.2 * torch.randn(r, weight.shape[1], generator=generator)
            b = 0.2 * torch.randn(weight.shape[0], r, generator=generator)
            lora[f"base_model.model.model.layers.{i}.{module}.lora_A.weight"] = a
            lora[f"base_model.model.model.layers.{i}.{module}.lora_B.weight"] = b
            # PEFT's LoRA Linear: base(x) + lora_B(lora_A(dropout(x))) * scaling,
            # which at inference is the base weight plus scaling * B @ A.
            llama.w[f"model.layers.{i}.{module}.weight"] = weight + (alpha / r) * (b @ a)
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), lora)
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "lora_dropout": 0.0,
                   "target_modules": ["q_proj", "v_proj", "down_proj"], "bias": "none", "fan_in_fan_out": False,
                   "base_model_name_or_path": "llama", "use_rslora": False}, f, indent=1)
    with torch.no_grad():
        logits, _ = llama.forward(ids, mask)
    reference["models"]["llama+lora"] = {"logits": [[[round(x, 7) for x in position] for position in row]
                                                    for row in logits.tolist()]}
    with open(os.path.join(OUT, "logits_reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
