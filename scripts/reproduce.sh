#!/usr/bin/env bash
# The whole ICMA pipeline, from a dataset to a results table and a report:
#
#   icma-index -> icma-retrieve (train: exclude self + random walk; test: top n)
#   -> icma-prompt -> icma-train -> icma-generate -> icma-eval -> report
#
# for three systems in one table: retrieval-only (the answer is the top-1
# neighbour's caption or SMILES), direct fine-tuning (zero-shot prompts, same
# model and budget) and ICMA (n-shot prompts). Every stage is skipped when its
# output exists and was made by the same command from the same inputs, so a
# re-run is cheap and an interrupted run continues (training resumes from its
# checkpoint, generation from its partial output; scripts/lib/stage.sh).
#
#   scripts/reproduce.sh [--dataset chebi20|pubchem324k] [--task mol2cap|cap2mol|both]
#                        [--model HF_DIR] [--profile quick|paper] [--data-dir DIR]
#                        [--out results/RUN] [--gnn WEIGHTS] [--wrap-smiles] [--threads N]
#                        [--steps N] [--test-rows N]
#
# --steps and --test-rows override the profile's training length and test
# subset (e.g. a few steps of a large model to check that everything runs).
# --threads: 0 = all cores (default), 1 with the embedded tiny model.
#
# Without --model, an embedded default is made: the tiny Llama of
# configs/models/tiny-llama.json with random weights and a byte-level BPE
# tokenizer learnt from the training split (`icma-train init`).
# Data: DIR/<dataset>/{train,validation,test}.txt (CID, SMILES, description).
# Without train.txt, validation.txt is the training pool and its last 200
# rows are held out for validation loss (and excluded from the pool).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ICMA_BIN:-$root/build/bin}"
dataset=chebi20 task=mol2cap profile=quick model="" out="" gnn="" wrap="" threads="" steps="" rows=""
data_dir="${ICMA_DATA_DIR:-$root/data}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --dataset) dataset="$2"; shift 2 ;;
    --task) task="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --gnn) gnn="$2"; shift 2 ;;
    --wrap-smiles) wrap="--wrap-smiles"; shift ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --test-rows) rows="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "reproduce: unknown argument $1" >&2; usage 2 ;;
  esac
done
case "$task" in mol2cap|cap2mol) tasks=("$task") ;; both) tasks=(mol2cap cap2mol) ;;
  *) echo "reproduce: --task must be mol2cap, cap2mol or both" >&2; exit 2 ;; esac
case "$dataset" in chebi20|pubchem324k) ;; *) echo "reproduce: --dataset must be chebi20 or pubchem324k" >&2; exit 2 ;; esac
for command in icma-index icma-retrieve icma-prompt icma-train icma-generate icma-eval; do
  [[ -x "$bin/$command" ]] || { echo "reproduce: $bin/$command is missing: run scripts/setup.sh first" >&2; exit 2; }
done
source_dir="$data_dir/$dataset"
if [[ ! -s "$source_dir/test.txt" || ! -s "$source_dir/validation.txt" ]]; then
  echo "reproduce: no $dataset data in $source_dir (need test.txt and validation.txt)." >&2
  echo "  Download it with scripts/download_data.sh (needs internet), or point --data-dir / ICMA_DATA_DIR" >&2
  echo "  at a directory holding $dataset/{train,validation,test}.txt (e.g. ../shared/data here)." >&2
  exit 2
fi

# ---- settings -------------------------------------------------------------------
if [[ "$profile" == paper ]]; then
  # The paper's: n-shot 2 (Mol2Cap) / 4 (Cap2Mol), cutoff 2048, LoRA r 32 / alpha 64 /
  # dropout 0.1, lr 2e-4, global batch 32, 10 epochs, sampling T 0.7 / top-p 0.85 / top-k 40.
  shots_mol2cap=2 shots_cap2mol=4 cutoff=2048 lora=(--lora-r 32 --lora-alpha 64 --lora-dropout 0.1)
  train_budget=(--epochs 10 --lr 2e-4 --global-batch 32 --micro-batch 2 --warmup-steps 100 --save-steps 200 --eval-steps 500)
  decode=(--do-sample --temperature 0.7 --top-p 0.85 --top-k 40 --max-new-tokens 256 --batch-size 8)
  test_rows=0 walk=0.5 retrieve_k=10
elif [[ "$profile" == quick ]]; then
  # Minutes on a laptop: 2-shot prompts, 150 steps, 100 test rows, greedy with a
  # repetition penalty (a model trained this briefly loops without one).
  shots_mol2cap=2 shots_cap2mol=2 cutoff=1024 lora=(--lora-r 16 --lora-alpha 32 --lora-dropout 0.05)
  train_budget=(--max-steps 150 --lr 2e-3 --global-batch 8 --micro-batch 4 --warmup-steps 10 --save-steps 25 --eval-steps 50)
  decode=(--max-new-tokens 96 --batch-size 16 --repetition-penalty 1.3)
  test_rows=100 walk=0.5 retrieve_k=10
else
  echo "reproduce: --profile must be quick or paper" >&2; exit 2
fi

if [[ -n "$steps" ]]; then
  budget=()
  skip=0
  for flag in "${train_budget[@]}"; do
    if ((skip)); then skip=0; continue; fi
    case "$flag" in --epochs|--max-steps) skip=1 ;; *) budget+=("$flag") ;; esac
  done
  train_budget=("${budget[@]}" --max-steps "$steps")
fi
[[ -n "$rows" ]] && test_rows="$rows"

run="${out:-$root/results/$dataset-$profile-$task}"
mkdir -p "$run/data"
source "$root/scripts/lib/stage.sh"
stage_init "$run"

# Threads: all cores, except for the embedded tiny model, whose small matrix
# products run faster on one thread than split across two.
[[ -n "$threads" ]] || { if [[ -z "$model" ]]; then threads=1; else threads=0; fi; }
common=(--threads "$threads" --seed 1)

# ---- data -----------------------------------------------------------------------
test_file="$run/data/test.tsv"
# Validation loss on up to 200 rows (no more than the test rows, when capped).
valid_rows=200
((test_rows > 0 && test_rows < 200)) && valid_rows=$test_rows
if [[ -s "$source_dir/train.txt" ]]; then
  train_file="$source_dir/train.txt"
  valid_file="$run/data/valid.tsv"
  stage data.valid "$valid_file" "$source_dir/validation.txt" -- \
    bash -c 'head -n $(($3 + 1)) "$1" > "$2.tmp" && mv "$2.tmp" "$2"' _ "$source_dir/validation.txt" "$valid_file" "$valid_rows"
  note="train.txt is the training pool"
else
  train_file="$run/data/train.tsv"
  valid_file="$run/data/valid.tsv"
  stage data.split "$valid_file" "$source_dir/validation.txt" -- bash -c '
    rows=$(($(wc -l < "$1") - 1))
    head -n $((rows - 199)) "$1" > "$2.tmp" && { head -n 1 "$1"; tail -n 200 "$1" | head -n "$4"; } > "$3.tmp" &&
    mv "$2.tmp" "$2" && mv "$3.tmp" "$3"' _ "$source_dir/validation.txt" "$train_file" "$valid_file" "$valid_rows"
  note="no train.txt: validation.txt minus its last 200 rows is the training pool, those 200 rows the validation set"
fi
if ((test_rows > 0)); then
  stage data.test "$test_file" "$source_dir/test.txt" -- \
    bash -c 'head -n $(($3 + 1)) "$1" > "$2.tmp" && mv "$2.tmp" "$2"' _ "$source_dir/test.txt" "$test_file" "$test_rows"
else
  test_file="$source_dir/test.txt"
fi
vocab=""
for candidate in "$data_dir/vocab/scibert_scivocab_uncased/vocab.txt" "$data_dir/../vocab/scibert_scivocab_uncased/vocab.txt"; do
  [[ -s "$candidate" ]] && { vocab="$candidate"; break; }
done
[[ -n "$vocab" ]] || { echo "reproduce: no SciBERT vocab.txt under $data_dir/vocab (scripts/download_data.sh fetches it)" >&2; exit 2; }

# ---- model ----------------------------------------------------------------------
if [[ -z "$model" ]]; then
  model="$run/model"
  stage model.init "$model/model.safetensors" "$root/configs/models/tiny-llama.json" "$train_file" -- \
    "$bin/icma-train" init --config "$root/configs/models/tiny-llama.json" --corpus "$train_file" --out "$model" "${common[@]}"
fi
[[ -s "$model/config.json" ]] || { echo "reproduce: $model is not a model directory (no config.json)" >&2; exit 2; }

# ---- run.json: what this run is, for the report (write_json.py escapes every value).
mol2cap_method="${gnn:+gnn}"; mol2cap_method="${mol2cap_method:-morgan}"
/usr/bin/python3 "$root/scripts/lib/write_json.py" "$run/run.json" dataset="$dataset" profile="$profile" model="$model" \
  "${tasks[@]/#/tasks[]=}" data.train="$train_file" data.valid="$valid_file" data.test="$test_file" data.vocab="$vocab" \
  settings.n_shot.mol2cap:="$shots_mol2cap" settings.n_shot.cap2mol:="$shots_cap2mol" settings.cutoff_len:="$cutoff" \
  settings.lora="${lora[*]}" settings.training="${train_budget[*]}" settings.decoding="${decode[*]}" \
  settings.retrieval.k:="$retrieve_k" settings.retrieval.random_walk:="$walk" \
  settings.retrieval.mol2cap="$mol2cap_method" settings.retrieval.cap2mol=bm25 \
  settings.wrap_smiles:="$([[ -n "$wrap" ]] && echo true || echo false)" settings.test_rows:="$test_rows" \
  note="$note" started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# ---- index ----------------------------------------------------------------------
index_flags=()
[[ -n "$gnn" ]] && index_flags=(--gnn "$gnn")
stage index "$run/index/manifest.json" "$train_file" ${gnn:+"$gnn"} -- \
  "$bin/icma-index" build --corpus "$train_file" --out "$run/index" "${index_flags[@]}" "${common[@]}"

for task in "${tasks[@]}"; do
  dir="$run/$task"
  mkdir -p "$dir/retrieval_only" "$dir/direct_ft" "$dir/icma"
  if [[ "$task" == mol2cap ]]; then method="${gnn:+gnn}"; method="${method:-morgan}"; shots=$shots_mol2cap
  else method=bm25; shots=$shots_cap2mol; fi

  # ---- retrieval: training prompts walk down the ranking (random walk),
  # validation and test take the top n; icma-prompt puts the most similar last.
  stage "$task.retrieve.train" "$dir/neighbours.train.tsv" "$run/index/manifest.json" "$train_file" -- \
    "$bin/icma-retrieve" --index "$run/index" --queries "$train_file" --task "$task" --method "$method" \
    --k "$retrieve_k" --exclude-self on --select "$shots" --walk "$walk" --out "$dir/neighbours.train.tsv" "${common[@]}"
  for split in valid test; do
    queries="$valid_file"; [[ $split == test ]] && queries="$test_file"
    stage "$task.retrieve.$split" "$dir/neighbours.$split.tsv" "$run/index/manifest.json" "$queries" -- \
      "$bin/icma-retrieve" --index "$run/index" --queries "$queries" --task "$task" --method "$method" \
      --k "$shots" --exclude-self off --out "$dir/neighbours.$split.tsv" "${common[@]}"
  done

  # ---- retrieval-only baseline: the top-1 neighbour's caption (or SMILES).
  stage "$task.retrieval_only" "$dir/retrieval_only/predictions.tsv" "$dir/neighbours.test.tsv" "$test_file" -- \
    bash -c '
      awk -F "\t" -v task="$4" "
        FILENAME == ARGV[1] { if (FNR > 1) { smiles[\$1] = \$2; caption[\$1] = \$3 }; next }
        FILENAME == ARGV[2] { if (!(\$1 in top)) top[\$1] = \$2; next }
        FNR == 1 { print (task == \"mol2cap\" ? \"SMILES\" : \"description\") \"\tground truth\toutput\"; next }
        {
          n = top[\$1]
          if (task == \"mol2cap\") print \$2 \"\t\" \$3 \"\t\" caption[n]
          else print \$3 \"\t\" \$2 \"\t\" smiles[n]
        }" "$1" "$2" "$3" > "$5.tmp" && mv "$5.tmp" "$5"' _ \
      "$train_file" "$dir/neighbours.test.tsv" "$test_file" "$task" "$dir/retrieval_only/predictions.tsv"

  # ---- prompts: ICMA (n-shot) and direct fine-tuning (zero-shot), same budget.
  for split in train valid test; do
    dataset_file="$train_file"; [[ $split == valid ]] && dataset_file="$valid_file"; [[ $split == test ]] && dataset_file="$test_file"
    stage "$task.prompts.icma.$split" "$dir/icma/$split.jsonl" "$dataset_file" "$dir/neighbours.$split.tsv" "$model/config.json" -- \
      "$bin/icma-prompt" --task "$task" --dataset "$dataset_file" --corpus "$train_file" --neighbours "$dir/neighbours.$split.tsv" \
      --n-shot "$shots" --cutoff-len "$cutoff" --tokenizer "$model" $wrap --out "$dir/icma/$split.jsonl" "${common[@]}"
    stage "$task.prompts.direct_ft.$split" "$dir/direct_ft/$split.jsonl" "$dataset_file" "$model/config.json" -- \
      "$bin/icma-prompt" --task "$task" --dataset "$dataset_file" --zero-shot --cutoff-len "$cutoff" --tokenizer "$model" \
      $wrap --out "$dir/direct_ft/$split.jsonl" "${common[@]}"
  done

  # ---- fine-tuning, generation and scoring of both trained systems.
  for system in direct_ft icma; do
    s="$dir/$system"
    stage "$task.$system.train" "$s/train/adapter_model.safetensors" --clean "$s/train" "$s/train.jsonl" "$s/valid.jsonl" "$model/config.json" -- \
      "$bin/icma-train" --model "$model" --train "$s/train.jsonl" --valid "$s/valid.jsonl" --out "$s/train" \
      --cutoff-len "$cutoff" "${lora[@]}" "${train_budget[@]}" --resume "${common[@]}"
    stage "$task.$system.generate" "$s/predictions.tsv" "$s/test.jsonl" "$s/train/adapter_model.safetensors" -- \
      "$bin/icma-generate" --model "$model" --adapter "$s/train" --prompts "$s/test.jsonl" --out "$s/predictions.tsv" \
      "${decode[@]}" --resume "${common[@]}"
  done
  for system in retrieval_only direct_ft icma; do
    s="$dir/$system"
    eval_flags=(); [[ "$task" == mol2cap ]] && eval_flags=(--vocab "$vocab")
    stage "$task.$system.eval" "$s/metrics.json" "$s/predictions.tsv" -- \
      "$bin/icma-eval" "$task" "$s/predictions.tsv" "${eval_flags[@]}" --json "$s/metrics.json" --threads "$threads"
  done
done

stage_done
/usr/bin/python3 "$root/scripts/report.py" --run "$run"
log "report: $run/report.md"
