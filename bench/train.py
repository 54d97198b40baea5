#!/usr/bin/python3
"""The python3-torch side of bench/train.sh: LoRA training steps of a
causal LM in eager PyTorch, with a hand-written LoRA (PEFT's: A from
kaiming_uniform(a=sqrt(5)), B zero, y = W x + b + (alpha/r) B A dropout(x)) on
every linear layer but lm_head, the model's own dropout in training mode,
cross-entropy on the target tokens, clip_grad_norm 1.0 and AdamW.

    /usr/bin/python3 bench/train.py --model DIR --steps 6 --warmup 2 \\
        --length 512 --micro-batch 2 --prompt-tokens 301 --threads 2

Prints one JSON line: tokens/s over the timed steps (all positions of the
batch, as icma-train's train_log.jsonl counts them).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from causal_lm import CausalLM  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--micro-batch", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=301)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lora-r", type=int, default=8)
    parser.add_argument("--lora-alpha", type=float, default=16)
    parser.add_argument("--lora-dropout", type=float, default=0.05)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = CausalLM.load(args.model)
    model.training = True
    parameters = []
    for name, weight in list(model.w.items()):
        if not name.endswith(".weight") or weight.dim() != 2 or "embed" in name or name == "lm_head.weight":
            continue
        module = name[: -len(".weight")]
        a = torch.empty(args.lora_r, weight.shape[1])
        torch.nn.init.kaiming_uniform_(a, a=math.sqrt(5))
        b = torch.zeros(weight.shape[0], args.lora_r)
        a.requires_grad_(True)
        b.requires_grad_(True)
        model.lora[module] = (a, b, args.lora_alpha / args.lora_r, args.lora_dropout)
        parameters += [a, b]
    optimizer = torch.optim.AdamW(parameters, lr=2e-4, weight_decay=0.0)
    vocab = model.c["vocab_size"]
    ids = torch.randint(4, min(vocab, 260), (args.micro_batch, args.length))
    mask = torch.ones_like(ids)
    labels = ids.clone()
    labels[:, : args.prompt_tokens] = -100

    def step():
        optimizer.zero_grad()
        logits, _ = model.forward(ids, mask)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), labels[:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    tokens = args.steps * args.micro_batch * args.length
    print(json.dumps({"tokens_per_second": tokens / seconds, "seconds": seconds, "steps": args.steps,
                      "lora_modules": len(model.lora), "trainable": sum(p.numel() for p in parameters)}))


if __name__ == "__main__":
    main()
