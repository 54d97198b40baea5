#!/usr/bin/python3
"""The python3-torch side of bench/generate.sh.

  bench/generate.py init CONFIG DIR
      a random-weight model of CONFIG's shape (normal(0, init_std), layer
      norms 1/0, as HF's _init_weights) written as a HF directory:
      DIR/config.json + DIR/model.safetensors. OPT configs only (Galactica).
  bench/generate.py run DIR IDS_FILE NEW_TOKENS [--no-cache] [--threads N]
      greedy generation, HF's loop (tests/reference/generate_reference.py)
      over tests/reference/causal_lm.py, eager, for the prompts of IDS_FILE
      (one line of space-separated token ids each, all in one left-padded
      batch); prints "generated T tokens in S s: R tokens/s", timing the
      generation only (not loading), as icma-generate's log line does.
"""
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))  # causal_lm, generate_reference
import causal_lm  # noqa: E402
import generate_reference  # noqa: E402


def init(config_path, out_dir):
    with open(config_path) as f:
        config = json.load(f)
    if config["model_type"] != "opt":
        raise SystemExit("init: OPT configs only")
    g = torch.Generator().manual_seed(0)
    std = config.get("init_std", 0.02)
    h, ffn, vocab = config["hidden_size"], config["ffn_dim"], config["vocab_size"]

    def normal(*shape):
        return torch.randn(*shape, generator=g) * std

    p = "model.decoder."
    w = {p + "embed_tokens.weight": normal(vocab, h),
         p + "embed_positions.weight": normal(config["max_position_embeddings"] + 2, h),
         p + "final_layer_norm.weight": torch.ones(h), p + "final_layer_norm.bias": torch.zeros(h)}
    for i in range(config["num_hidden_layers"]):
        lp = f"{p}layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            w[f"{lp}self_attn.{name}.weight"] = normal(h, h)
            w[f"{lp}self_attn.{name}.bias"] = torch.zeros(h)
        w[lp + "fc1.weight"], w[lp + "fc1.bias"] = normal(ffn, h), torch.zeros(ffn)
        w[lp + "fc2.weight"], w[lp + "fc2.bias"] = normal(h, ffn), torch.zeros(h)
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            w[f"{lp}{norm}.weight"], w[f"{lp}{norm}.bias"] = torch.ones(h), torch.zeros(h)
    os.makedirs(out_dir, exist_ok=True)
    causal_lm.write_safetensors(os.path.join(out_dir, "model.safetensors"), w)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({k: v for k, v in config.items() if not k.startswith("_icma")}, f, indent=1)
    print(f"{sum(t.numel() for t in w.values())} parameters written to {out_dir}")


def run(model_dir, ids_file, new_tokens, use_cache, threads):
    torch.set_num_threads(threads)
    model = causal_lm.CausalLM.load(model_dir)
    with open(ids_file) as f:
        prompts = [[int(t) for t in line.split()] for line in f if line.strip()]
    options = {"max_new_tokens": new_tokens, "use_cache": use_cache,
               "pad_token_id": model.c.get("pad_token_id", 1), "eos_token_ids": [model.c["eos_token_id"]]}
    with torch.no_grad():
        start = time.perf_counter()
        out = generate_reference.generate(model, prompts, options)
        seconds = time.perf_counter() - start
    tokens = sum(len(o["tokens"]) for o in out)
    print(f"generated {tokens} tokens in {seconds:.3f} s: {tokens / seconds:.2f} tokens/s")


def main():
    args = sys.argv[1:]
    if args[:1] == ["init"] and len(args) == 3:
        init(args[1], args[2])
    elif args[:1] == ["run"] and len(args) >= 4:
        threads = int(args[args.index("--threads") + 1]) if "--threads" in args else 1
        run(args[1], args[2], int(args[3]), "--no-cache" not in args, threads)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
