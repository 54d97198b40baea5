// The bad-input table: one row per hostile input to one of the seven
// commands (a flag value out of range, a malformed or pathological file, an
// output over an input, a selection that keeps nothing), each expected to
// stop with exit code 2 and one line "<command>: error: ..." holding a
// fragment that says what is wrong. No row may print a stack trace.
//
// Arguments use placeholders for the files made here: {D} the scratch
// directory, {corpus} a valid corpus, {tiny} a tiny model with its
// tokenizer (icma-train init), {index} an index of {corpus}, {prompts} valid
// mol2cap prompts, {vocab} the SciBERT vocabulary, {config} the tiny-llama
// config. Files and the model are made once per test process, on demand.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {
namespace fs = std::filesystem;

struct Case {
  const char* command;
  const char* arguments;
  int exit_code;
  const char* fragment;  // in the error line
};

// clang-format off
const Case kTable[] = {
  // ---- icma-eval --------------------------------------------------------------------------------------------
  {"icma-eval", "cap2mol {D}/c2m.tsv --digits 18", 2, "--digits: must be in [0, 17], got 18"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --digits -1", 2, "--digits: must be in [0, 17]"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --digits nan", 2, "--digits: must be a finite number"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --bootstrap 100001", 2, "--bootstrap: must be in [0, 100000]"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --bootstrap -5", 2, "--bootstrap: must be in [0, 100000]"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --bootstrap 1.5", 2, "--bootstrap: must be a whole number"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --bootstrap 1e400", 2, "--bootstrap: must be a finite number"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --threads -1", 2, "--threads: must be in [0, 65536]"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --threads inf", 2, "--threads: must be a finite number"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --seed -1", 2, "--seed: must be in [0,"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --seed 99999999999999999999999", 2, "got 1e+23"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --bad-rows maybe", 2, "--bad-rows"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --log-level loud", 2, "unknown log level 'loud'"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --json {D}/c2m.tsv", 2, "is also an input"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --per-example {D}/c2m.tsv", 2, "is also an input"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --json {D}/m.json --per-example {D}/m.json", 2, "two different outputs"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --json {D}/user/notes.txt/m.json", 2, "Not a directory"},
  {"icma-eval", "cap2mol {D}/absent.tsv", 2, "absent.tsv"},
  {"icma-eval", "cap2mol {D}/c2m-nul.tsv", 2, "c2m-nul.tsv:2: control character U+0000"},
  {"icma-eval", "cap2mol {D}/c2m-cr.tsv", 2, "c2m-cr.tsv:2: control character U+000D"},
  {"icma-eval", "cap2mol {D}/c2m-joined.tsv", 2, "c2m-joined.tsv:3: repeats the header line"},
  {"icma-eval", "cap2mol {D}/c2m-utf8.tsv", 2, "c2m-utf8.tsv:2: invalid UTF-8"},
  {"icma-eval", "cap2mol {D}/empty.tsv", 2, "empty.tsv:1: file is empty"},
  {"icma-eval", "cap2mol {D}/header-only.tsv", 2, "no rows to score"},
  {"icma-eval", "mol2cap {D}/c2m.tsv --vocab {vocab}", 2, "header has no \"SMILES\" column"},
  {"icma-eval", "mol2cap {D}/m2c.tsv", 2, "--vocab is required"},
  {"icma-eval", "mol2cap {D}/m2c.tsv --vocab {vocab} --max-tokens -1", 2, "--max-tokens: must be in [0,"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --paired {D}/c2m.tsv --bootstrap 0", 2, "--paired needs --bootstrap"},
  {"icma-eval", "cap2mol {D}/c2m.tsv --paired {D}/c2m-short.tsv --bootstrap 10", 2, "c2m-short.tsv"},
  {"icma-eval", "", 2, "subcommand"},
  // ---- icma-index -------------------------------------------------------------------------------------------
  {"icma-index", "build --corpus {corpus} --out {corpus}", 2, "is also an input"},
  {"icma-index", "build --corpus {D}/held/corpus.tsv --out {D}/held", 2, "contains the input"},
  {"icma-index", "build --corpus {corpus} --out {D}/user", 2, "does not hold an icma index (it has 'notes.txt')"},
  {"icma-index", "build --corpus {corpus} --out {D}/a-file", 2, "exists and is not a directory"},
  {"icma-index", "build --corpus {D}/dup-id.tsv --out {D}/i-dup", 2, "dup-id.tsv:4: CID 1 repeats line 2"},
  {"icma-index", "build --corpus {D}/nul.tsv --out {D}/i-nul", 2, "nul.tsv:2: control character U+0000"},
  {"icma-index", "build --corpus {D}/joined.tsv --out {D}/i-joined", 2, "repeats the header line"},
  {"icma-index", "build --corpus {D}/bad-utf8.tsv --out {D}/i-utf8", 2, "invalid UTF-8"},
  {"icma-index", "build --corpus {D}/corpus-header-only.tsv --out {D}/i-empty", 2, "no records to index"},
  {"icma-index", "build --corpus {D}/wrong-header.tsv --out {D}/i-header", 2, "expected the header CID<TAB>SMILES"},
  {"icma-index", "build --corpus {corpus} --out {D}/i1 --fingerprints ecfp", 2, "ecfp"},
  {"icma-index", "build --corpus {corpus} --out {D}/i1 --analyzer whitespace", 2, "whitespace"},
  {"icma-index", "build --corpus {corpus} --out {D}/i1 --gnn-batch-size 0", 2, "--gnn-batch-size: must be in [1,"},
  {"icma-index", "build --corpus {corpus} --out {D}/i1 --sentence-batch-size 1e9", 2, "must be a whole number"},
  {"icma-index", "build --corpus {corpus} --out {D}/i1 --gnn {corpus}", 2, "corpus.tsv"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --lr nan", 2, "--lr: must be a finite number"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --lr 0", 2, "--lr: must be in (0, 10]"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --mask-rate 1.5", 2, "--mask-rate: must be in [0, 1]"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --dropout 1", 2, "--dropout: must be in [0, 1)"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --epochs -1", 2, "--epochs: must be in [0,"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --layers 0", 2, "--layers: must be in [1, 100]"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --weight-decay -0.1", 2, "--weight-decay: must be in [0, 10]"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {D}/g.safetensors --contrastive inf", 2, "--contrastive: must be a finite number"},
  {"icma-index", "gnn-pretrain --corpus {corpus} --out {corpus}", 2, "is also an input"},
  {"icma-index", "info {D}/nothing", 2, "no index here"},
  {"icma-index", "info {D}/bad-manifest", 2, "unreadable manifest"},
  {"icma-index", "info {D}/string-version", 2, "index format \"2\" is not the one this build reads"},
  {"icma-index", "info {D}/array-manifest", 2, "unreadable manifest: not a JSON object"},
  // ---- icma-retrieve ----------------------------------------------------------------------------------------
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --k 0", 2, "--k: must be in [1,"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --k nan", 2, "--k: must be a finite number"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --k 10000000", 2, "--k: must be in [1, 1000000], got 10000000"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --select 0", 2, "--select: must be in [1,"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --select 2 --walk 1.5", 2, "--walk: must be in [0, 1]"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --select 2 --walk nan", 2, "--walk: must be a finite number"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --select 2 --walk -0.1", 2, "--walk: must be in [0, 1]"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --walk 0.3", 2, "--select"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --k 10 --select 2 --bucket-start 20", 2, "--bucket-start 20 is not below --k 10"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task both --method bm25 --out {D}/n.tsv", 2, "--task"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method tfidf --out {D}/n.tsv", 2, "--method"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task mol2cap --method bm25 --out {D}/n.tsv", 2, "bm25"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task mol2cap --method gnn --out {D}/n.tsv", 2, "no GNN embeddings"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method sentence --out {D}/n.tsv", 2, "no sentence embeddings"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv --exclude-self maybe", 2, "--exclude-self"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {corpus}", 2, "is also an input"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {index}/manifest.json", 2, "is a file of the input directory"},
  {"icma-retrieve", "--index {index} --queries {corpus} --task cap2mol --method bm25 --out {index}", 2, "is also an input"},
  {"icma-retrieve", "--index {index} --queries {D}/dup-id.tsv --task cap2mol --method bm25 --out {D}/n.tsv", 2, "CID 1 repeats line 2"},
  {"icma-retrieve", "--index {index} --queries {D}/nul.tsv --task cap2mol --method bm25 --out {D}/n.tsv", 2, "control character U+0000"},
  {"icma-retrieve", "--index {D}/nothing --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv", 2, "no index here"},
  {"icma-retrieve", "--index {D}/stale-index --queries {corpus} --task cap2mol --method bm25 --out {D}/n.tsv", 2, "changed since it was indexed"},
  // ---- icma-prompt ------------------------------------------------------------------------------------------
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --n-shot 1001", 2, "--n-shot: must be in [0, 1000]"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --n-shot -1", 2, "--n-shot: must be in [0, 1000]"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --skip nan", 2, "--skip: must be a finite number"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --cutoff-len 0 --tokenizer {tiny}", 2, "--cutoff-len: must be in [1,"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --cutoff-len 10", 2, "--tokenizer"},
  {"icma-prompt", "--task both --dataset {corpus} --zero-shot --out {D}/p.jsonl", 2, "--task"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --out {D}/p.jsonl", 2, "need --corpus and --neighbours"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --out {corpus}", 2, "is also an input"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --out {D}/p.jsonl --stats {D}/p.jsonl", 2, "two different outputs"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/nb.tsv", 2, "is also an input"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb-repeat.tsv --out {D}/p.jsonl", 2, "nb-repeat.tsv:2: neighbour '2' of query '1' repeats line 1"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb-nul.tsv --out {D}/p.jsonl", 2, "control character U+0000"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb-header.tsv --out {D}/p.jsonl", 2, "neighbour files have no header line"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --skip 10", 2, "no query kept any example"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --skip 10 --retrieval-only", 2, "no query kept any example"},
  {"icma-prompt", "--task mol2cap --dataset {D}/dup-id.tsv --zero-shot --out {D}/p.jsonl", 2, "CID 1 repeats line 2"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {D}/dup-id.tsv --neighbours {D}/nb.tsv --out {D}/p.jsonl", 2, "CID 1 repeats line 2"},
  {"icma-prompt", "--task mol2cap --dataset {D}/joined.tsv --zero-shot --out {D}/p.jsonl", 2, "repeats the header line"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --corpus {corpus} --neighbours {D}/nb.tsv --out {D}/p.jsonl --missing maybe", 2, "--missing"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --out {D}/p.jsonl --template {D}/absent.json", 2, "absent.json"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --out {D}/p.jsonl --template {D}/not-json.json", 2, "not-json.json"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --n-shot 2 --out {D}/p.jsonl", 2, "excludes"},
  {"icma-prompt", "--task mol2cap --dataset {corpus} --zero-shot --retrieval-only --out {D}/p.jsonl", 2, "excludes"},
  // ---- icma-train -------------------------------------------------------------------------------------------
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lr nan", 2, "--lr: must be a finite number, got 'nan'"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lr inf", 2, "--lr: must be a finite number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lr 0", 2, "--lr: must be in (0, 10], got 0"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lr 1e300", 2, "--lr: must be in (0, 10], got 1e300"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lr 1e-400", 2, "--lr: must be in (0, 10]"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --epochs 0", 2, "--epochs: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --epochs -3", 2, "--epochs: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --epochs 2.5", 2, "--epochs: must be a whole number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-alpha 0", 2, "--lora-alpha: must be in (0,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-alpha nan", 2, "--lora-alpha: must be a finite number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-dropout 1", 2, "--lora-dropout: must be in [0, 1), got 1"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-dropout -0.1", 2, "--lora-dropout: must be in [0, 1)"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-r 0", 2, "--lora-r: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --global-batch 0", 2, "--global-batch: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --micro-batch 0", 2, "--micro-batch: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --micro-batch 99999999999999999999999", 2, "got 1e+23"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --weight-decay -1", 2, "--weight-decay: must be in [0, 10]"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --weight-decay nan", 2, "--weight-decay: must be a finite number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --max-grad-norm inf", 2, "--max-grad-norm: must be a finite number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --warmup-steps -1", 2, "--warmup-steps: must be in [0,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --cutoff-len 0", 2, "--cutoff-len: must be in [1,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --save-total-limit -1", 2, "--save-total-limit: must be in [0,"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --max-steps 1.5", 2, "--max-steps: must be a whole number"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --schedule exponential", 2, "--schedule must be linear, cosine or constant"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --dtype fp8", 2, "unknown --dtype 'fp8'"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --full --dtype int8", 2,
   "--dtype int8 keeps the frozen base in 8 bits, which cannot be trained"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --device tpu", 2, "unknown --device 'tpu'"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --lora-target nope", 2, "\"nope\" matches no linear layer"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --resume --restart", 2, "excludes"},
  {"icma-train", "--model {tiny} --train {prompts} --out {prompts}", 2, "is also an input"},
  {"icma-train", "--model {tiny} --train {prompts} --out {tiny}", 2, "is also an input"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/user", 2, "does not hold a training run"},
  {"icma-train", "--model {tiny} --train {D}/bad.jsonl --out {D}/run", 2, "bad.jsonl:2:"},
  {"icma-train", "--model {D}/nothing --train {prompts} --out {D}/run", 2, "nothing"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --tokenizer {D}/bad-added-id", 2, "added_tokens[0]: id must be an unsigned 32-bit integer"},
  {"icma-train", "--model {tiny} --train {prompts} --out {D}/run --tokenizer {D}/big-vocab-tokenizer", 2, "is outside the model's vocabulary of 512"},
  {"icma-train", "merge --model {tiny} --adapter {D}/user --out {tiny}", 2, "is also an input"},
  {"icma-train", "init --config {D}/dropout-config.json --out {D}/m1", 2, "\"attention_dropout\" must be in [0, 1), got 1.5"},
  {"icma-train", "init --config {D}/huge-vocab-config.json --out {D}/m2", 2, "\"vocab_size\" must be a positive integer of at most"},
  {"icma-train", "init --config {D}/inf-eps-config.json --out {D}/m3", 2, "\"rms_norm_eps\""},
  {"icma-train", "init --config {config} --out {D}/user", 2, "does not hold a model directory"},
  {"icma-train", "init --config {config} --out {config}", 2, "is also an input"},
  // ---- icma-generate ----------------------------------------------------------------------------------------
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --temperature 0", 2, "--temperature: must be in (0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --temperature nan", 2, "--temperature: must be a finite number"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --temperature -1", 2, "--temperature: must be in (0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --top-p 0", 2, "--top-p: must be in (0, 1]"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --top-p 1.5", 2, "--top-p: must be in (0, 1]"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --do-sample --top-k -1", 2, "--top-k: must be in [0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --repetition-penalty 0", 2, "--repetition-penalty: must be in (0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --repetition-penalty inf", 2, "--repetition-penalty: must be a finite number"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --num-beams 0", 2, "--num-beams: must be in [1, 1000]"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --constrain smiles", 2, "--constrain smiles is for cap2mol, whose answers are SMILES (these prompts are mol2cap)"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --constrain json", 2, "--constrain: json not in {none,smiles}"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --num-beams 2 --do-sample", 2, "beam search with sampling"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --num-beams 2 --length-penalty nan", 2, "--length-penalty: must be a finite number"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --max-new-tokens -1", 2, "--max-new-tokens: must be in [0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --batch-size 0", 2, "--batch-size: must be in [1,"},
  {"icma-generate", "--model {tiny} --smiles {D}/plain.txt --out {D}/g.tsv --n-shot 0", 2, "--n-shot: must be in [1, 1000]"},
  {"icma-generate", "--model {tiny} --smiles {D}/plain.txt --out {D}/g.tsv --cutoff-len -1", 2, "--cutoff-len: must be in [0,"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --early-stopping sometimes", 2, "--early-stopping"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --dtype fp8", 2, "unknown --dtype 'fp8'"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --resume --restart", 2, "excludes"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {prompts}", 2, "is also an input"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --save-prompts {D}/g.tsv", 2, "two different outputs"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {tiny}/config.json", 2, "is a file of the input directory"},
  {"icma-generate", "--model {tiny} --smiles {D}/plain-utf8.txt --out {D}/g.tsv", 2, "plain-utf8.txt:2: invalid UTF-8"},
  {"icma-generate", "--model {tiny} --smiles {D}/plain-nul.txt --out {D}/g.tsv", 2, "plain-nul.txt:2: control character U+0000"},
  {"icma-generate", "--model {tiny} --smiles {D}/plain-tab.txt --out {D}/g.tsv", 2, "plain-tab.txt:1: contains a tab"},
  {"icma-generate", "--model {tiny} --prompts {D}/bad.jsonl --out {D}/g.tsv", 2, "bad.jsonl:2:"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --smiles {D}/plain.txt --out {D}/g.tsv", 2, "exactly one of"},
  {"icma-generate", "--model {tiny} --prompts {prompts} --out {D}/g.tsv --tokenizer {D}/bad-added-id", 2, "added_tokens[0]: id must be an unsigned 32-bit integer"},
  {"icma-generate", "score --model {tiny} --prompts {prompts} --out {D}/s.tsv --batch-size 0", 2, "--batch-size: must be in [1,"},
  {"icma-generate", "score --model {tiny} --prompts {prompts} --out {prompts}", 2, "is also an input"},
  // ---- icma-tokenize ----------------------------------------------------------------------------------------
  {"icma-tokenize", "--tokenizer {tiny} --count --max-length -1 {D}/plain.txt", 2, "--max-length: must be in [0,"},
  {"icma-tokenize", "--tokenizer {tiny} --count --max-length 5 --show-longest nan {D}/plain.txt", 2, "--show-longest: must be a finite number"},
  {"icma-tokenize", "--tokenizer {tiny} --max-length 5 {D}/plain.txt", 2, "--count"},
  {"icma-tokenize", "--tokenizer {D}/nothing {D}/plain.txt", 2, "nothing"},
  {"icma-tokenize", "--tokenizer {D}/bad-added-id {D}/plain.txt", 2, "added_tokens[0]: id must be an unsigned 32-bit integer"},
  {"icma-tokenize", "--tokenizer {D}/not-json.json {D}/plain.txt", 2, "not-json.json"},
  {"icma-tokenize", "--tokenizer {tiny} --jsonl {D}/bad.jsonl", 2, "bad.jsonl:2:"},
  {"icma-tokenize", "--tokenizer {tiny} {D}/absent.txt", 2, "absent.txt"},
  {"icma-tokenize", "--tokenizer {tiny} --decode {D}/not-ids.txt", 2, "not-ids.txt:1:"},
  {"icma-tokenize", "--tokenizer {tiny} --decode {D}/huge-id.txt", 2, "huge-id.txt:1:"},
  {"icma-tokenize", "--tokenizer {tiny} --threads nan {D}/plain.txt", 2, "--threads: must be a finite number"},
  {"icma-tokenize", "--tokenizer {tiny} --ids --tokens {D}/plain.txt", 2, "excludes"},
};
// clang-format on

const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "1\tCCO\tThe molecule is ethanol, a primary alcohol.\n"
    "2\tCCCO\tThe molecule is propan-1-ol, a primary alcohol.\n"
    "3\tc1ccccc1\tThe molecule is benzene, an aromatic hydrocarbon.\n"
    "4\tCC(=O)O\tThe molecule is acetic acid, a monocarboxylic acid.\n";

std::string config_path() { return std::string(ICMA_SOURCE_DIR) + "/configs/models/tiny-llama.json"; }
nlohmann::json load_config() { return testing::load_json(config_path()); }

// The scratch directory with every small file the table names.
const std::string& scratch() {
  static const std::string dir = [] {
    const std::string d = testing::temp_dir() + "/bad-input";
    fs::create_directories(d + "/user");
    fs::create_directories(d + "/held");
    const auto put = [&](const std::string& name, const std::string& content) { testing::write_text(d + "/" + name, content); };
    put("corpus.tsv", kCorpus);
    put("held/corpus.tsv", kCorpus);
    put("user/notes.txt", "precious");
    put("a-file", "x");
    put("empty.tsv", "");
    put("header-only.tsv", "description\tground truth\toutput\n");
    put("corpus-header-only.tsv", "CID\tSMILES\tdescription\n");
    put("wrong-header.tsv", "id\tsmiles\tcaption\n1\tC\tx\n");
    put("dup-id.tsv", "CID\tSMILES\tdescription\n1\tCCO\tx\n2\tC\ty\n1\tCC\tz\n");
    put("nul.tsv", std::string("CID\tSMILES\tdescription\n1\tCC\0O\tx\n", 32));
    put("joined.tsv", "CID\tSMILES\tdescription\n1\tCCO\tx\nCID\tSMILES\tdescription\n2\tC\ty\n");
    put("bad-utf8.tsv", "CID\tSMILES\tdescription\n1\tCCO\tcaf\xe9\n");
    put("c2m.tsv", "description\tground truth\toutput\nThe molecule is ethanol.\tCCO\tCCO\nA gas.\tC\tCC\n");
    put("c2m-short.tsv", "description\tground truth\toutput\nThe molecule is ethanol.\tCCO\tCCO\n");
    put("m2c.tsv", "SMILES\tground truth\toutput\nCCO\tThe molecule is ethanol.\tAn alcohol.\n");
    put("c2m-nul.tsv", std::string("description\tground truth\toutput\nA\0B\tCCO\tCCO\n", 43));
    put("c2m-cr.tsv", "description\tground truth\toutput\nA\rB\tCCO\tCCO\n");
    put("c2m-joined.tsv", "description\tground truth\toutput\nA\tC\tC\ndescription\tground truth\toutput\n");
    put("c2m-utf8.tsv", "description\tground truth\toutput\nA\xff\tC\tC\n");
    put("nb.tsv", "1\t2\t0.9\n1\t3\t0.5\n2\t1\t0.9\n2\t4\t0.4\n3\t4\t0.2\n3\t1\t0.1\n4\t3\t0.3\n4\t2\t0.2\n");
    put("nb-repeat.tsv", "1\t2\t0.9\n1\t2\t0.9\n");
    put("nb-nul.tsv", std::string("1\t2\0\t0.9\n", 9));
    put("nb-header.tsv", "query\tneighbour\tscore\n1\t2\t0.9\n");
    put("not-json.json", "{\"model\": ");
    put("bad.jsonl", "{\"id\": \"1\", \"task\": \"mol2cap\", \"prompt\": \"a\", \"target\": \"b\"}\n{\"prompt\": 3}\n");
    put("plain.txt", "CCO\nC=O\n");
    put("plain-utf8.txt", "CCO\nC\xffO\n");
    put("plain-nul.txt", std::string("CCO\nC\0O\n", 8));
    put("plain-tab.txt", "C\tO\n");
    put("not-ids.txt", "one two\n");
    put("huge-id.txt", "99999999999999999999\n");
    put("prompts.jsonl",
        R"({"id":"m0","task":"mol2cap","prompt":"Generate a caption for the molecule: CCO\n","target":"Caption: An alcohol.</s>"})"
        "\n");
    fs::create_directories(d + "/bad-manifest");
    put("bad-manifest/manifest.json", "{ not json");
    fs::create_directories(d + "/string-version");
    put("string-version/manifest.json", R"({"format_version": "2"})");
    fs::create_directories(d + "/array-manifest");
    put("array-manifest/manifest.json", "[2]");
    // A tokenizer whose added token has the id -1.
    fs::create_directories(d + "/bad-added-id");
    const nlohmann::json bad_tokenizer = {
        {"added_tokens", {{{"id", -1}, {"content", "<s>"}, {"special", true}}}},
        {"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", nlohmann::json::array()}}}};
    put("bad-added-id/tokenizer.json", bad_tokenizer.dump());
    // A tokenizer of another model: its ids reach past the tiny model's 512.
    fs::create_directories(d + "/big-vocab-tokenizer");
    nlohmann::json vocab = nlohmann::json::object();
    for (int c = 0; c < 256; ++c) vocab[std::string(1, static_cast<char>(c < 128 ? c : 'a'))] = 600 + c;
    const nlohmann::json big_tokenizer = {
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}, {"unk_token", nullptr}}}};
    put("big-vocab-tokenizer/tokenizer.json", big_tokenizer.dump());
    // Model configs with one value out of range each.
    nlohmann::json config = load_config();
    config["attention_dropout"] = 1.5;
    put("dropout-config.json", config.dump());
    config = load_config();
    config["vocab_size"] = 1000000000000LL;
    put("huge-vocab-config.json", config.dump());
    config = load_config();
    config["rms_norm_eps"] = -1e-5;
    put("inf-eps-config.json", config.dump());
    return d;
  }();
  return dir;
}

// A tiny model with a byte-level tokenizer, made once.
const std::string& tiny_model() {
  static const std::string path = [] {
    const std::string out = scratch() + "/tiny";
    const auto made = testing::run_command("icma-train", "init --config " + config_path() + " --out " + out);
    if (made.exit_code != 0) throw std::runtime_error("icma-train init failed: " + made.output);
    return out;
  }();
  return path;
}

// An index of the corpus, and one whose corpus changed after indexing.
const std::string& corpus_index() {
  static const std::string path = [] {
    const std::string out = scratch() + "/index";
    auto built = testing::run_command("icma-index", "build --corpus " + scratch() + "/corpus.tsv --out " + out);
    if (built.exit_code != 0) throw std::runtime_error("icma-index build failed: " + built.output);
    testing::write_text(scratch() + "/stale.tsv", kCorpus);
    built = testing::run_command("icma-index", "build --corpus " + scratch() + "/stale.tsv --out " + scratch() + "/stale-index");
    if (built.exit_code != 0) throw std::runtime_error("icma-index build failed: " + built.output);
    testing::write_text(scratch() + "/stale.tsv", std::string(kCorpus) + "5\tC\tMethane.\n");
    return out;
  }();
  return path;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string expand(const std::string& arguments) {
  std::string out = arguments;
  if (out.find("{tiny}") != std::string::npos) out = replace_all(out, "{tiny}", tiny_model());
  if (out.find("{index}") != std::string::npos) out = replace_all(out, "{index}", corpus_index());
  out = replace_all(out, "{corpus}", scratch() + "/corpus.tsv");
  out = replace_all(out, "{prompts}", scratch() + "/prompts.jsonl");
  out = replace_all(out, "{vocab}", testing::shared_dir() + "/vocab/scibert_scivocab_uncased/vocab.txt");
  out = replace_all(out, "{config}", config_path());
  out = replace_all(out, "{D}", scratch());
  return out;
}

// Runs every row of `command` and checks its exit code and its one error line.
void run_rows(const std::string& command) {
  std::size_t rows = 0;
  for (const Case& row : kTable) {
    if (command != row.command) continue;
    ++rows;
    const std::string arguments = expand(row.arguments);
    SCOPED_TRACE(command + " " + row.arguments);
    const testing::CommandResult result = testing::run_command(command, arguments);
    EXPECT_EQ(result.exit_code, row.exit_code) << result.output;
    // The last line is the error; no other line says "error:"; no stack trace.
    std::vector<std::string> lines;
    std::istringstream in(result.output);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    ASSERT_FALSE(lines.empty());
    const std::string& last = lines.back();
    if (std::getenv("ICMA_SHOW_TABLE") != nullptr) std::printf("%s\n    %s\n", row.arguments, last.c_str());
    EXPECT_EQ(last.rfind(command + ": error: ", 0), 0u) << result.output;
    EXPECT_NE(last.find(row.fragment), std::string::npos) << "expected \"" << row.fragment << "\" in: " << last;
    std::size_t error_lines = 0;
    for (const std::string& line : lines) error_lines += line.find(": error: ") != std::string::npos ? 1 : 0;
    EXPECT_EQ(error_lines, 1u) << result.output;
    EXPECT_EQ(result.output.find("Exception raised from"), std::string::npos) << result.output;
  }
  EXPECT_GE(rows, 10u) << "too few rows for " << command;
}

TEST(BadInputTable, HasAtLeastAHundredRowsOverTheSevenCommands) {
  std::set<std::string> commands;
  for (const Case& row : kTable) commands.insert(row.command);
  EXPECT_GE(std::size(kTable), 100u);
  EXPECT_EQ(commands, (std::set<std::string>{"icma-eval", "icma-index", "icma-retrieve", "icma-prompt", "icma-train",
                                             "icma-generate", "icma-tokenize"}));
}

TEST(BadInputTable, IcmaEval) { run_rows("icma-eval"); }
TEST(BadInputTable, IcmaIndex) { run_rows("icma-index"); }
TEST(BadInputTable, IcmaRetrieve) { run_rows("icma-retrieve"); }
TEST(BadInputTable, IcmaPrompt) { run_rows("icma-prompt"); }
TEST(BadInputTable, IcmaTrain) { run_rows("icma-train"); }
TEST(BadInputTable, IcmaGenerate) { run_rows("icma-generate"); }
TEST(BadInputTable, IcmaTokenize) { run_rows("icma-tokenize"); }

}  // namespace
}  // namespace icma
