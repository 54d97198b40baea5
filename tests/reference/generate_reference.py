#!/usr/bin/python3
"""Hugging Face `generate` (greedy search, sampling, beam search) transcribed
into python3-torch over tests/reference/causal_lm.py, to check
src/model/generation.cpp and beam_search.cpp against.

Written from transformers' generation code (utils.py _greedy_search /
_sample / _beam_search, beam_search.py BeamSearchScorer and BeamHypotheses,
the 4.36-4.47 versions, where a hypothesis's length is its number of
generated tokens, EOS included). Like HF it keeps every row in the batch to
the end (finished rows are fed padding; finished prompts of beam search are
fed padding beams), so it also checks that icma's dropping of finished rows
changes nothing. It shares icma's two documented differences from HF (see
include/icma/model/generation.hpp): the repetition penalty sees a row's real
tokens only, and each row samples from its own torch.Generator (row_seeds).
And one rule of icma's own: a row stops when its real tokens fill the
model's context (max_position_embeddings); its padding then gets mask 0.

Writes tests/fixtures/generation_reference.json from the tiny models in
tests/fixtures/models/.

Usage: /usr/bin/python3 tests/reference/generate_reference.py
"""
import importlib.util
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


causal_lm = _load("causal_lm", os.path.join(HERE, "causal_lm.py"))
processors = _load("logits_processors_reference", os.path.join(HERE, "logits_processors_reference.py"))

DEFAULTS = {"max_new_tokens": 16, "do_sample": False, "temperature": 1.0, "top_k": 50, "top_p": 1.0,
            "repetition_penalty": 1.0, "num_beams": 1, "length_penalty": 1.0, "early_stopping": "heuristic",
            "eos_token_ids": [], "pad_token_id": 0, "row_seeds": [], "use_cache": True}


def left_pad(prompts, pad):
    longest = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), longest), pad, dtype=torch.int64)
    mask = torch.zeros((len(prompts), longest), dtype=torch.int64)
    for b, p in enumerate(prompts):
        ids[b, longest - len(p):] = torch.tensor(p, dtype=torch.int64)
        mask[b, longest - len(p):] = 1
    return ids, mask


def process(scores, ids, mask, o):
    """HF's processor chain; the repetition penalty over each row's real tokens."""
    if o["repetition_penalty"] != 1.0:
        rows = []
        for b in range(scores.shape[0]):
            seen = ids[b][mask[b] == 1]
            rows.append(processors.repetition_penalty(seen[None], scores[b:b + 1], o["repetition_penalty"]))
        scores = torch.cat(rows)
    return processors.chain(None, scores, penalty=1.0, sample=o["do_sample"], t=o["temperature"], k=o["top_k"],
                            p=o["top_p"])


class Runner:
    """Feeds the model the whole sequence (no cache) or only what is new."""

    def __init__(self, model, use_cache):
        self.model, self.use_cache, self.cache, self.fed = model, use_cache, [], 0

    def logits(self, ids, mask):
        if self.use_cache:
            logits, _ = self.model.forward(ids[:, self.fed:], mask, self.cache)
        else:
            logits, _ = self.model.forward(ids, mask)
        self.fed = ids.shape[1]
        return logits[:, -1, :]

    def reorder(self, index):
        self.cache[:] = [(k[index], v[index]) for k, v in self.cache]


def greedy_or_sample(model, prompts, o):
    context = model.c.get("max_position_embeddings", 0)
    pad = o["pad_token_id"]
    ids, mask = left_pad(prompts, pad)
    runner = Runner(model, o["use_cache"])
    generators = [torch.Generator().manual_seed(s) for s in o["row_seeds"]] if o["do_sample"] else None
    unfinished = [True] * len(prompts)
    out = [{"tokens": [], "finish": "max new tokens", "score": 0.0} for _ in prompts]
    for step in range(o["max_new_tokens"]):
        scores = process(runner.logits(ids, mask), ids, mask, o)
        if o["do_sample"]:
            probs = torch.softmax(scores, dim=-1)
            tokens = [torch.multinomial(probs[b], 1, generator=generators[b]).item() for b in range(len(prompts))]
        else:
            tokens = torch.argmax(scores, dim=-1).tolist()
        column = []
        for b, token in enumerate(tokens):
            if not unfinished[b]:
                column.append((pad, 0))
                continue
            out[b]["tokens"].append(token)
            column.append((token, 1))
            if token in o["eos_token_ids"]:
                unfinished[b], out[b]["finish"] = False, "eos"
            elif context and int(mask[b].sum()) + 1 >= context:
                unfinished[b], out[b]["finish"] = False, "context full"
        ids = torch.cat([ids, torch.tensor([[t] for t, _ in column])], dim=1)
        mask = torch.cat([mask, torch.tensor([[m] for _, m in column])], dim=1)
        if not any(unfinished):
            break
    return out


class BeamHypotheses:
    def __init__(self, num_beams, length_penalty, early_stopping, max_new_tokens):
        self.num_beams, self.length_penalty = num_beams, length_penalty
        self.early_stopping, self.max_new_tokens = early_stopping, max_new_tokens
        self.beams, self.worst_score = [], 1e9

    def add(self, hyp, sum_logprobs, generated_len, finish):
        score = sum_logprobs / (generated_len ** self.length_penalty)
        if len(self.beams) < self.num_beams or score > self.worst_score:
            self.beams.append((score, hyp, finish))
            if len(self.beams) > self.num_beams:
                ranked = sorted([(s, i) for i, (s, _, _) in enumerate(self.beams)])
                del self.beams[ranked[0][1]]
                self.worst_score = ranked[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs, generated_len):
        if len(self.beams) < self.num_beams:
            return False
        if self.early_stopping == "first":
            return True
        if self.early_stopping == "never" and self.length_penalty > 0.0:
            generated_len = self.max_new_tokens
        return self.worst_score >= best_sum_logprobs / generated_len ** self.length_penalty


def beam_search(model, prompts, o):
    nb, pad, eos = o["num_beams"], o["pad_token_id"], o["eos_token_ids"]
    batch = len(prompts)
    ids, mask = left_pad([p for p in prompts for _ in range(nb)], pad)
    prompt_len = ids.shape[1]
    runner = Runner(model, o["use_cache"])
    beam_scores = torch.zeros((batch, nb), dtype=torch.float32)
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view(-1)
    hyps = [BeamHypotheses(nb, o["length_penalty"], o["early_stopping"], o["max_new_tokens"]) for _ in prompts]
    done = [False] * batch
    for step in range(o["max_new_tokens"]):
        generated_len = ids.shape[1] + 1 - prompt_len
        logits = runner.logits(ids, mask)
        scores = process(torch.log_softmax(logits, dim=-1), ids, mask, o)
        scores = scores + beam_scores[:, None].expand_as(scores)
        vocab = scores.shape[-1]
        scores = scores.view(batch, nb * vocab)
        top_scores, top_ids = torch.topk(scores, max(2, 1 + len(eos)) * nb, dim=1, largest=True, sorted=True)
        next_indices = torch.div(top_ids, vocab, rounding_mode="floor")
        next_tokens = top_ids % vocab
        new_scores = torch.zeros((batch, nb), dtype=top_scores.dtype)
        new_tokens = torch.zeros((batch, nb), dtype=torch.int64)
        new_index = torch.zeros((batch, nb), dtype=torch.int64)
        for b in range(batch):
            if done[b]:
                new_scores[b, :], new_tokens[b, :] = 0, pad
                new_index[b, :] = torch.arange(nb) + b * nb
                continue
            beam = 0
            for rank, (token, score, index) in enumerate(zip(next_tokens[b], top_scores[b], next_indices[b])):
                source = b * nb + index
                if token.item() in eos:
                    if rank >= nb:
                        continue
                    hyp = ids[source, prompt_len:].tolist() + [token.item()]
                    hyps[b].add(hyp, score.item(), generated_len, "eos")
                else:
                    new_scores[b, beam], new_tokens[b, beam], new_index[b, beam] = score, token, source
                    beam += 1
                if beam == nb:
                    break
            done[b] = done[b] or hyps[b].is_done(top_scores[b].max().item(), generated_len)
        beam_scores = new_scores.view(-1)
        index = new_index.view(-1)
        ids = torch.cat([ids[index, :], new_tokens.view(-1, 1)], dim=-1)
        mask = torch.cat([mask[index, :], torch.ones((batch * nb, 1), dtype=torch.int64)], dim=-1)
        if runner.use_cache:
            runner.reorder(index)
        if all(done):
            break
    for b in range(batch):
        if done[b]:
            continue
        for k in range(nb):
            row = b * nb + k
            hyps[b].add(ids[row, prompt_len:].tolist(), beam_scores[row].item(), ids.shape[1] - prompt_len,
                        "max new tokens")
    out = []
    for h in hyps:
        score, hyp, finish = sorted(h.beams, key=lambda x: x[0]).pop()
        out.append({"tokens": hyp, "finish": finish, "score": score})
    return out


def generate(model, prompts, options):
    o = dict(DEFAULTS)
    o.update(options)
    if o["num_beams"] > 1:
        return beam_search(model, prompts, o)
    return greedy_or_sample(model, prompts, o)


def main():
    models = {name: causal_lm.CausalLM.load(os.path.join(ROOT, "tests", "fixtures", "models", name))
              for name in ("llama", "opt-galactica", "mistral")}
    g = torch.Generator().manual_seed(8)

    def prompts(vocab, lengths):
        return [torch.randint(4, vocab, (n,), generator=g).tolist() for n in lengths]

    cases = []

    def add(name, model, ps, **options):
        with torch.no_grad():
            expected = generate(models[model], ps, options)
            # The reference itself: with and without its cache, the same tokens.
            other = generate(models[model], ps, dict(options, use_cache=not options.get("use_cache", True)))
        assert [e["tokens"] for e in expected] == [e["tokens"] for e in other], name
        cases.append({"name": name, "model": model, "prompts": ps, "options": options, "expected": expected})
        print(f"{name}: " + "; ".join(f"{len(e['tokens'])} tokens ({e['finish']})" for e in expected))

    llama = prompts(96, [5, 9, 3])
    # An EOS the model does produce: the 5th token of the first row's greedy answer.
    plain = generate(models["llama"], llama, {"max_new_tokens": 12})
    likely = plain[0]["tokens"][4]
    add("llama greedy", "llama", llama, max_new_tokens=20, eos_token_ids=[2, 3])
    add("llama greedy, a likely EOS", "llama", llama, max_new_tokens=20, eos_token_ids=[likely])
    add("llama greedy, repetition penalty 1.5", "llama", llama, max_new_tokens=20, repetition_penalty=1.5)
    add("llama sampling, ICMA settings", "llama", llama, max_new_tokens=20, do_sample=True, temperature=0.7,
        top_k=40, top_p=0.85, repetition_penalty=1.3, row_seeds=[11, 12, 13], eos_token_ids=[likely])
    add("mistral sampling, plain", "mistral", prompts(96, [7, 2]), max_new_tokens=24, do_sample=True, top_k=0,
        row_seeds=[5, 6])
    add("mistral greedy (sliding window)", "mistral", prompts(96, [12, 4]), max_new_tokens=24)
    opt = prompts(96, [40, 6, 17])
    add("opt greedy, a row fills the context", "opt-galactica", opt, max_new_tokens=30, eos_token_ids=[2],
        pad_token_id=1)
    add("llama beam 3", "llama", llama, max_new_tokens=12, num_beams=3, eos_token_ids=[2, 3])
    add("llama beam 3, a likely EOS", "llama", llama, max_new_tokens=12, num_beams=3, eos_token_ids=[likely, 3])
    add("llama beam 4, early stopping first, length penalty 0.5", "llama", llama, max_new_tokens=12, num_beams=4,
        eos_token_ids=[likely], early_stopping="first", length_penalty=0.5)
    add("llama beam 2, early stopping never, length penalty 2", "llama", llama, max_new_tokens=10, num_beams=2,
        eos_token_ids=[likely], early_stopping="never", length_penalty=2.0)
    add("llama beam 3, repetition penalty 1.3", "llama", llama, max_new_tokens=10, num_beams=3,
        eos_token_ids=[likely], repetition_penalty=1.3)
    add("opt beam 2", "opt-galactica", opt[1:], max_new_tokens=10, num_beams=2, eos_token_ids=[2], pad_token_id=1)

    out = {"generator": "tests/reference/generate_reference.py (HF generate transcribed, over "
                        "tests/reference/causal_lm.py; torch " + torch.__version__ + ")",
           "cases": cases}
    path = os.path.join(ROOT, "tests", "fixtures", "generation_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
