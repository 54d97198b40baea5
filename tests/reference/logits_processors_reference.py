#!/usr/bin/python3
"""Reference values for src/model/logits_processors.cpp.

A python3-torch transcription of Hugging Face transformers' generation
logits processors (transformers/generation/logits_process.py):
RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper,
TopPLogitsWarper, and the order in which `generate` chains them (the
repetition penalty first, then temperature, top-k, top-p; a processor whose
value is the neutral one is not built). Written from HF's code, which is not
imported (no transformers here).

Writes tests/fixtures/logits_processors_reference.json. Scores are float32;
every float is printed with repr() of its exact value, -inf as null.

Usage: /usr/bin/python3 tests/reference/logits_processors_reference.py
"""

import json
import os

import torch

FILTER = -float("inf")


def repetition_penalty(input_ids, scores, penalty):
    score = torch.gather(scores, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, input_ids, score)


def temperature(scores, t):
    return scores / t


def top_k(scores, k, min_tokens_to_keep=1):
    k = min(max(k, min_tokens_to_keep), scores.size(-1))
    indices_to_remove = scores < torch.topk(scores, k)[0][..., -1, None]
    return scores.masked_fill(indices_to_remove, FILTER)


def top_p(scores, p, min_tokens_to_keep=1):
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - p)
    sorted_indices_to_remove[..., -min_tokens_to_keep:] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, FILTER)


def chain(input_ids, scores, penalty=1.0, sample=False, t=1.0, k=0, p=1.0):
    if penalty != 1.0:
        scores = repetition_penalty(input_ids, scores, penalty)
    if sample:
        if t != 1.0:
            scores = temperature(scores, t)
        if k != 0:
            scores = top_k(scores, k)
        if p < 1.0:
            scores = top_p(scores, p)
    return scores


def floats(tensor):
    return [[None if v == FILTER else float(v) for v in row] for row in tensor.tolist()]


def main():
    generator = torch.Generator().manual_seed(20240611)
    cases = []

    def add(name, scores, input_ids, **settings):
        out = chain(input_ids, scores.clone(), **settings)
        cases.append({
            "name": name,
            "settings": settings,
            "scores": floats(scores),
            "seen": input_ids.tolist(),
            "expected": floats(out),
        })

    logits = torch.randn(4, 40, generator=generator) * 3.0
    ids = torch.randint(0, 40, (4, 7), generator=generator)
    ids[0, 3] = ids[0, 1]  # a repeated id is penalised once
    # Ties: scores on a grid of 0.5, so top-k's boundary and top-p's sort meet equal values.
    ties = torch.round(torch.randn(4, 40, generator=generator) * 2.0) / 2.0
    log_probs = torch.log_softmax(torch.randn(3, 60, generator=generator) * 2.0, dim=-1)
    ids3 = torch.randint(0, 60, (3, 5), generator=generator)
    wide = torch.randn(2, 300, generator=generator) * 4.0
    ids_wide = torch.randint(0, 300, (2, 30), generator=generator)

    for penalty in (1.2, 0.8, 2.0):
        add(f"penalty {penalty}", logits, ids, penalty=penalty)
    add("penalty on log-probs (beam search)", log_probs, ids3, penalty=1.3)
    for t in (0.7, 1.3):
        add(f"temperature {t}", logits, ids, sample=True, t=t)
    for k in (1, 5, 39, 40, 100):
        add(f"top-k {k}", logits, ids, sample=True, k=k)
    for k in (1, 3, 7):
        add(f"top-k {k} with ties", ties, ids, sample=True, k=k)
    for p in (0.0, 0.3, 0.85, 0.95, 0.999):
        add(f"top-p {p}", logits, ids, sample=True, p=p)
    for p in (0.2, 0.5, 0.9):
        add(f"top-p {p} with ties", ties, ids, sample=True, p=p)
    add("warpers off when not sampling", logits, ids, penalty=1.1, sample=False, t=0.5, k=3, p=0.5)
    add("ICMA settings (t 0.7, top-k 40, top-p 0.85)", wide, ids_wide, sample=True, t=0.7, k=40, p=0.85)
    add("everything", wide, ids_wide, penalty=1.3, sample=True, t=0.7, k=40, p=0.85)
    add("top-k and top-p on log-probs", log_probs, ids3, sample=True, k=10, p=0.6)

    out = {
        "generator": "tests/reference/logits_processors_reference.py (HF logits processors in python3-torch "
                     + torch.__version__ + ")",
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "logits_processors_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
