#!/usr/bin/env python3
"""icma against the real Hugging Face libraries on a CUDA GPU (run by
scripts/gpu_check.sh, where Transformers and PEFT are installed):

1. `icma-generate score --device cuda` on each fixture model of
   tests/fixtures/models equals the log-probabilities Transformers computes
   with AutoModelForCausalLM on the same GPU (float32; the target span is
   training's: the ids after len(encode(prompt.strip())));
2. an adapter written by `icma-train --device cuda --dtype bf16` loads with
   peft.PeftModel.from_pretrained and gives the scores `icma-generate
   --adapter` gives (bf16 tolerance);
3. an adapter written by PEFT (get_peft_model + save_pretrained, random
   non-zero B) loads in `icma-generate --adapter` with PEFT's scores.

Token ids come from the fixtures' character vocabulary (one id per printable
character, <s> first, </s> as EOS), written here as a tokenizer.json.
Writes parity.json into --out and prints one line per check.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "models")
ARCHITECTURES = ["opt-galactica", "opt-postnorm", "llama", "mistral", "qwen2"]
# The fixtures' rows, character vocabulary and encoder, from their generator.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_causal_lm_fixtures import CHAR_IDS, SCORE_ROWS as ROWS, encode  # noqa: E402


def write_tokenizer(directory):
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "<eot>": 3}
    vocab.update(CHAR_IDS)
    special = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for t in ("<unk>", "<s>", "</s>", "<eot>")]
    bos = {"SpecialToken": {"id": "<s>", "type_id": 0}}
    tokenizer = {
        "version": "1.0", "added_tokens": special, "normalizer": None, "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Fuse"},
        "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": []}}
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f)
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}, f)


def reference_scores(model, device):
    """Transformers' float64 sums of float32 log-softmax over training's target span."""
    scores = []
    for prompt, target in ROWS:
        ids = encode(prompt + target)
        start = len(encode(prompt.strip()))
        with torch.no_grad():
            logits = model(torch.tensor([ids], device=device)).logits[0].float()
        log_probs = torch.log_softmax(logits, dim=-1)
        scores.append(sum(float(log_probs[t - 1, ids[t]]) for t in range(start, len(ids))))
    return scores


def icma_scores(binary, model_dir, tokenizer_dir, work, extra=()):
    prompts = os.path.join(work, "rows.jsonl")
    with open(prompts, "w") as f:
        for i, (prompt, target) in enumerate(ROWS):
            f.write(json.dumps({"id": f"r{i}", "task": "mol2cap", "prompt": prompt, "target": target}) + "\n")
    out = os.path.join(work, "scores.tsv")
    subprocess.run([os.path.join(binary, "icma-generate"), "score", "--model", model_dir, "--prompts", prompts,
                    "--tokenizer", tokenizer_dir, "--out", out, "--device", "cuda", *extra], check=True)
    with open(out) as f:
        next(f)
        return [float(line.split("\t")[1]) for line in f]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory of the built icma commands")
    parser.add_argument("--out", required=True, help="where parity.json goes")
    args = parser.parse_args()
    from transformers import AutoModelForCausalLM
    from peft import LoraConfig, PeftModel, get_peft_model

    device = "cuda"
    results = {"score_vs_transformers": {}, "icma_adapter_in_peft": None, "peft_adapter_in_icma": None}
    work = tempfile.mkdtemp(prefix="icma-gpu-")
    tokenizer_dir = os.path.join(work, "tokenizer")
    write_tokenizer(tokenizer_dir)
    failed = False

    # 1. score against Transformers, every architecture.
    for name in ARCHITECTURES:
        model_dir = os.path.abspath(os.path.join(FIXTURES, name))
        model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).to(device).eval()
        want = reference_scores(model, device)
        got = icma_scores(args.bin, model_dir, tokenizer_dir, work)
        worst = max(abs(a - b) for a, b in zip(got, want))
        results["score_vs_transformers"][name] = {"max_abs_difference": worst, "icma": got, "transformers": want}
        ok = worst < 1e-3
        failed |= not ok
        print(f"score vs Transformers, {name}: max |difference| {worst:.3g} {'ok' if ok else 'FAIL'}")

    # 2. icma-train's adapter in PEFT.
    llama = os.path.abspath(os.path.join(FIXTURES, "llama"))
    train = os.path.join(work, "train.jsonl")
    with open(train, "w") as f:
        for i in range(16):
            prompt, target = ROWS[i % len(ROWS)]
            f.write(json.dumps({"id": str(i), "task": "mol2cap", "prompt": prompt, "target": target}) + "\n")
    adapter = os.path.join(work, "icma-adapter")
    subprocess.run([os.path.join(args.bin, "icma-train"), "--model", llama, "--train", train, "--out", adapter,
                    "--max-steps", "5", "--global-batch", "4", "--micro-batch", "2", "--lr", "5e-2", "--lora-r", "4",
                    "--tokenizer", tokenizer_dir, "--device", "cuda", "--dtype", "bf16"], check=True)
    base = AutoModelForCausalLM.from_pretrained(llama, torch_dtype=torch.float32).to(device)
    peft_model = PeftModel.from_pretrained(base, adapter).eval()
    want = reference_scores(peft_model, device)
    got = icma_scores(args.bin, llama, tokenizer_dir, work, ("--adapter", adapter))
    worst = max(abs(a - b) for a, b in zip(got, want))
    results["icma_adapter_in_peft"] = {"max_abs_difference": worst, "icma": got, "peft": want}
    ok = worst < 1e-2 * max(1.0, max(abs(x) for x in want))
    failed |= not ok
    print(f"icma-train adapter loaded by PEFT: max |difference| {worst:.3g} {'ok' if ok else 'FAIL'}")

    # 3. PEFT's adapter in icma.
    base = AutoModelForCausalLM.from_pretrained(llama, torch_dtype=torch.float32).to(device)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"], lora_dropout=0.0)
    peft_model = get_peft_model(base, config)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.2)
    peft_dir = os.path.join(work, "peft-adapter")
    peft_model.save_pretrained(peft_dir)
    want = reference_scores(peft_model.eval(), device)
    got = icma_scores(args.bin, llama, tokenizer_dir, work, ("--adapter", peft_dir))
    worst = max(abs(a - b) for a, b in zip(got, want))
    results["peft_adapter_in_icma"] = {"max_abs_difference": worst, "icma": got, "peft": want}
    ok = worst < 1e-3
    failed |= not ok
    print(f"PEFT adapter loaded by icma: max |difference| {worst:.3g} {'ok' if ok else 'FAIL'}")

    with open(os.path.join(args.out, "parity.json"), "w") as f:
        json.dump(results, f, indent=2)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
