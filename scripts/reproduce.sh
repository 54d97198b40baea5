#!/usr/bin/env bash
# The whole ICMA pipeline, from a dataset to a results table and a report:
#
#   icma-index -> icma-retrieve (train: exclude self + random walk; test: top n)
#   -> icma-prompt -> icma-train -> icma-generate -> icma-eval -> report
#
# for both tasks (--task both, the default; or one of mol2cap, cap2mol) and
# three systems: retrieval-only (the answer is the top-1 neighbour's caption or
# SMILES), direct fine-tuning (zero-shot prompts, same model and budget) and
# ICMA (n-shot prompts). Every stage is skipped when its
# output exists and was made by the same command from the same inputs, so a
# re-run is cheap and an interrupted run continues (training resumes from its
# checkpoint, generation from its partial output; scripts/lib/stage.sh).
#
#   scripts/reproduce.sh [--dataset chebi20|pubchem324k] [--task both|mol2cap|cap2mol]
#                        [--model HF_DIR] [--profile quick|paper|FILE.json] [--data-dir DIR]
#                        [--out results/RUN] [--gnn WEIGHTS] [--sentence ST_DIR] [--wrap-smiles]
#                        [--mol2cap-method M] [--cap2mol-method M] [--device cpu|cuda] [--threads N]
#                        [--steps N] [--test-rows N] [--gradient-checkpointing]
#
# --profile: the hyper-parameters, configs/profiles/NAME.json (quick: minutes
# with the tiny model, the default; paper: the paper's ChEBI-20 Galactica-125M
# run; paper-<dataset>-<model>: the paper's other runs) or any profile file;
# configs/profiles/README.md describes them. --steps and --test-rows override
# the profile's training length (not its pre-training's) and test subset (e.g. a
# few steps of a large model to check that everything runs). --dataset defaults to the profile's
# dataset, else chebi20.
# Retrieval: the profile's retrieval_method per task (default morgan and bm25);
# --gnn WEIGHTS makes Mol2Cap's GIN embeddings (icma-index --gnn), and a profile
# that asks for GIN without them gets rdk, the official code's fingerprint option.
# The paper's ablation: --mol2cap-method morgan|rdk|maccs|gnn|random and
# --cap2mol-method bm25|sentence|random override the profile (sentence, the ICMA
# code's SentenceBERT, needs --sentence with a sentence-transformers directory,
# e.g. paraphrase-distilroberta-base-v1, whose caption embeddings the index
# stores); a run whose retrieval differs from the profile's gets its own default
# directory (results/chebi20-quick-cap2mol-cap2mol_sentence).
# Training with --full (a profile's training flags) makes a whole model instead
# of an adapter; generation then loads it.
# Mol2Cap is scored with the SciBERT vocabulary (MolT5's metrics) and, when
# DIR/vocab/molt5-base-smiles2caption/spiece.model is there, with T5 tokens too
# (the official ICMA code's scoring): <system>/metrics.t5.json.
# Prompts meet cutoff_len as the profile's prompt_fit says: drop_examples (the
# least similar examples are left out) or truncate (the official code: every
# example kept, icma-train cuts at the right end, test prompts cut by the
# decoding flags). The profile's checkpoint (train/checkpoint-N; 0 = final)
# generates; a run too short to have it uses its final weights, with a warning.
# --device cuda trains and generates on the GPU, generating in the profile's
# generation_dtype; --device cpu (the default) runs everything in fp32.
# ICMA's predictions are compared with the other two systems' by a paired
# bootstrap (icma-eval --paired): 95% intervals and p-values in the report.
# A profile's "pretraining" flags add a pre-training stage before both systems
# (documents of neighbouring training records, scripts/lib/pretraining_docs.py).
# --threads: 0 = all cores (default), 1 with the embedded tiny model.
# --gradient-checkpointing: every training recomputes activations in backward
# instead of keeping them (same results, about 1/3 more time, far less memory):
# a paper profile's Cap2Mol (micro-batches of 4 prompts of up to 2048 tokens,
# every weight of Galactica-125M trained) needs over 24 GB on a CPU without it.
#
# Without --model, an embedded default is made: the tiny Llama of
# configs/models/tiny-llama.json with random weights and a byte-level BPE
# tokenizer learnt from the training split (`icma-train init`).
# Data: DIR/<dataset>/{train,validation,test}.txt (CID, SMILES, description).
# Without train.txt, validation.txt is the training pool and its last 200
# rows are held out for validation loss (and excluded from the pool).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lib="$root/scripts/lib"
py=/usr/bin/python3  # Debian's, which setup.sh installs; another python3 may come first in PATH
bin="${ICMA_BIN:-$root/build/bin}"
dataset="" task=both profile=quick model="" out="" gnn="" sentence="" wrap="" threads="" steps="" rows="" device=cpu
checkpointing=0
mol2cap_method="" cap2mol_method=""  # empty: the profile's
data_dir="${ICMA_DATA_DIR:-$root/data}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --dataset|--task|--model|--profile|--data-dir|--out|--gnn|--sentence|--threads|--steps|--device|--mol2cap-method|--cap2mol-method)
      # --data-dir DIR sets $data_dir, --mol2cap-method M sets $mol2cap_method
      name="${1#--}"; printf -v "${name//-/_}" '%s' "$2"; shift 2 ;;
    --test-rows) rows="$2"; shift 2 ;;  # not $test_rows: the profile's value, which it overrides
    --wrap-smiles) wrap="--wrap-smiles"; shift ;;
    --gradient-checkpointing) checkpointing=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "reproduce: unknown argument $1" >&2; usage 2 ;;
  esac
done
case "$task" in mol2cap|cap2mol) tasks=("$task") ;; both) tasks=(mol2cap cap2mol) ;;
  *) echo "reproduce: --task must be mol2cap, cap2mol or both" >&2; exit 2 ;; esac
case "$device" in cpu|cuda|cuda:[0-9]*) ;; *) echo "reproduce: --device must be cpu, cuda or cuda:N" >&2; exit 2 ;; esac
case "$mol2cap_method" in ""|morgan|rdk|maccs|gnn|random) ;;
  *) echo "reproduce: --mol2cap-method must be morgan, rdk, maccs, gnn or random" >&2; exit 2 ;; esac
case "$cap2mol_method" in ""|bm25|sentence|random) ;;
  *) echo "reproduce: --cap2mol-method must be bm25, sentence or random" >&2; exit 2 ;; esac
source "$lib/stage.sh"; source "$lib/data.sh"

# ---- settings: per task, from the profile (sets profile_name profile_dataset n_shot cutoff_len
# retrieve_k random_walk test_rows retrieval_method and the arrays lora training decoding pending).
overrides=(${steps:+--steps "$steps"} ${rows:+--test-rows "$rows"})
load_profile() { local vars; vars="$("$py" "$lib/profile.py" "$profile" --task "$1" "${overrides[@]}")" || exit 2; eval "$vars"; }
# The example retrieval of each task: the profile's; --gnn WEIGHTS makes Mol2Cap's GIN, and a
# profile's GIN without weights falls back to rdk (the official code's m2c_method "morgan").
# --mol2cap-method / --cap2mol-method override it (an ablation: its own default run directory).
declare -A method_of asked=([mol2cap]="$mol2cap_method" [cap2mol]="$cap2mol_method")
retrieval_note="" methods=""
for t in mol2cap cap2mol; do
  load_profile "$t"
  method_of[$t]="$retrieval_method"
  if [[ $t == mol2cap && -n "$gnn" ]]; then
    method_of[$t]=gnn
  elif [[ $retrieval_method == gnn ]]; then
    method_of[$t]=rdk
    [[ -n "${asked[$t]}" ]] ||
      retrieval_note="profile $profile_name retrieves Mol2Cap examples by GIN embeddings (Mole-BERT in the official code); without --gnn WEIGHTS they are retrieved by rdk fingerprints, the official code's other option"
  fi
  if [[ -n "${asked[$t]}" && "${asked[$t]}" != "${method_of[$t]}" ]]; then
    method_of[$t]="${asked[$t]}"
    methods+="-${t}_${asked[$t]}"
  fi
done
[[ "${method_of[mol2cap]}" != gnn || -n "$gnn" ]] || { echo "reproduce: --mol2cap-method gnn needs --gnn WEIGHTS" >&2; exit 2; }
[[ "${method_of[cap2mol]}" != sentence || -n "$sentence" ]] ||
  { echo "reproduce: Cap2Mol retrieval by sentence embeddings needs --sentence ST_DIR (a sentence-transformers directory)" >&2; exit 2; }
load_profile "${tasks[0]}"  # test_rows is the same for every task
if [[ -z "$dataset" ]]; then
  dataset="${profile_dataset:-chebi20}"
elif [[ -n "$profile_dataset" && "$profile_dataset" != "$dataset" ]]; then
  log "warning: profile $profile_name is for $profile_dataset, not $dataset"
fi
case "$dataset" in chebi20|pubchem324k) ;; *) echo "reproduce: --dataset must be chebi20 or pubchem324k" >&2; exit 2 ;; esac
for command in icma-{index,retrieve,prompt,train,generate,eval}; do
  [[ -x "$bin/$command" ]] || { echo "reproduce: $bin/$command is missing: run scripts/setup.sh first" >&2; exit 2; }; done
check_data "$data_dir" "$dataset"  # sets vocab and spiece
[[ -z "$retrieval_note" || ! " ${tasks[*]} " =~ " mol2cap " ]] || log "note: $retrieval_note"
run="${out:-$root/results/$dataset-$profile_name-$task$methods}"
stage_init "$run"

# Threads: all cores, but one for the embedded tiny model (its small products run faster unsplit).
[[ -n "$threads" ]] || { if [[ -z "$model" ]]; then threads=1; else threads=0; fi; }
common=(--threads "$threads" --seed 1)
on_device=(); [[ $device == cpu ]] || on_device=(--device "$device")
# --gradient-checkpointing rides with the device flags of every icma-train call
# (unless the profile's training flags already ask for it).
with_checkpointing() { ((checkpointing)) && [[ " $* " != *" --gradient-checkpointing "* ]] && echo --gradient-checkpointing; true; }
optional() { "$@" || log "warning: failed (exit status $?), scores left out: $*"; }

# ---- data: sets train_file valid_file test_file note --------------------------
prepare_data "$data_dir" "$dataset" "$run" "$test_rows"
declare -A split_file=([train]="$train_file" [valid]="$valid_file" [test]="$test_file")

# ---- model ----------------------------------------------------------------------
model_origin=given
if [[ -z "$model" ]]; then
  model="$run/model" model_origin=embedded
  stage model.init "$model/model.safetensors" "$root/configs/models/tiny-llama.json" "$train_file" -- \
    "$bin/icma-train" init --config "$root/configs/models/tiny-llama.json" --corpus "$train_file" --out "$model" "${common[@]}"
fi
[[ -s "$model/config.json" ]] || { echo "reproduce: $model is not a model directory (no config.json)" >&2; exit 2; }

# ---- run.json: what this run is, for the report (write_json.py escapes every value).
settings="$("$py" "$lib/profile.py" "$profile" --settings "${overrides[@]}")"
"$py" "$lib/write_json.py" "$run/run.json" dataset="$dataset" profile="$profile" model="$model" model_origin="$model_origin" "${tasks[@]/#/tasks[]=}" \
  data.train="$train_file" data.valid="$valid_file" data.test="$test_file" data.vocab="$vocab" data.spiece="$spiece" \
  settings:="$settings" settings.retrieval.mol2cap="${method_of[mol2cap]}" settings.retrieval.cap2mol="${method_of[cap2mol]}" \
  ${retrieval_note:+settings.retrieval.note="$retrieval_note"} \
  settings.wrap_smiles:="$([[ -n "$wrap" ]] && echo true || echo false)" settings.test_rows:="$test_rows" \
  note="$note" started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# ---- index ----------------------------------------------------------------------
# The sentence model's weights are the stamp's input: icma-index's manifest records all its files by SHA-256.
sentence_weights=""; [[ -z "$sentence" ]] || sentence_weights="$(ls "$sentence"/model.safetensors "$sentence"/pytorch_model.bin 2>/dev/null | head -n 1 || true)"
stage index "$run/index/manifest.json" "$train_file" ${gnn:+"$gnn"} ${sentence_weights:+"$sentence_weights"} -- \
  "$bin/icma-index" build --corpus "$train_file" --out "$run/index" ${gnn:+--gnn "$gnn"} ${sentence:+--sentence "$sentence"} "${common[@]}"

# ---- pre-training (the profile's "pretraining" flags, optional): a causal LM
# pass over documents of neighbouring training records (molecule neighbours by
# Morgan fingerprints, caption neighbours by BM25; scripts/lib/pretraining_docs.py),
# every weight trained; both systems then start from the result.
if ((${#pretraining[@]})); then
  pre="$run/pretrain"
  mkdir -p "$pre"
  for kind in molecule:mol2cap:morgan caption:cap2mol:bm25; do
    IFS=: read -r name pretask premethod <<<"$kind"
    stage "pretrain.neighbours.$name" "$pre/$name.neighbours.tsv" "$run/index/manifest.json" "$train_file" -- \
      "$bin/icma-retrieve" --index "$run/index" --queries "$train_file" --task "$pretask" --method "$premethod" \
      --k "$((pretrain_records > 1 ? pretrain_records - 1 : 1))" --exclude-self on --out "$pre/$name.neighbours.tsv" "${common[@]}"
  done
  stage pretrain.documents "$pre/documents.jsonl" "$train_file" "$pre/molecule.neighbours.tsv" "$pre/caption.neighbours.tsv" -- \
    "$py" "$lib/pretraining_docs.py" --corpus "$train_file" --molecule-neighbours "$pre/molecule.neighbours.tsv" \
    --caption-neighbours "$pre/caption.neighbours.tsv" --records "$pretrain_records" --out "$pre/documents.jsonl"
  stage pretrain.train "$pre/model/model.safetensors" --clean "$pre/model" "$pre/documents.jsonl" "$model/config.json" -- \
    "$bin/icma-train" --model "$model" --train "$pre/documents.jsonl" --out "$pre/model" --full --train-on-inputs \
    "${pretraining[@]}" $(with_checkpointing "${pretraining[@]}") "${on_device[@]}" --resume "${common[@]}"
  model="$pre/model"
fi

# ---- each task: retrieval, prompts, both systems trained, generation, scoring.
run_task() {
  local task="$1"
  load_profile "$task"
  dir="$run/$task"
  mkdir -p "$dir/retrieval_only" "$dir/direct_ft" "$dir/icma"
  method="${method_of[$task]}"
  ((${#pending[@]} == 0)) || log "$task: official settings not applied yet (see the profile's \"pending\"): ${pending[*]}"
  # --full trains every weight: icma-train writes a whole model (model.safetensors), not an adapter.
  weights=adapter_model.safetensors
  [[ " ${training[*]} " == *" --full "* ]] && weights=model.safetensors
  budget=(--cutoff-len "$cutoff_len")  # prompt_fit drop_examples: icma-prompt fits each prompt
  [[ $prompt_fit == truncate ]] && budget=()  # every example kept; icma-train cuts at the right end
  generate_on=("${on_device[@]}"); [[ $device == cpu ]] || generate_on+=(--dtype "$generation_dtype")

  # ---- retrieval: training prompts walk down the ranking (random walk),
  # validation and test take the top n; icma-prompt puts the most similar last.
  for split in train valid test; do
    select=(--k "$n_shot" --exclude-self off)
    [[ $split == train ]] && select=(--k "$retrieve_k" --exclude-self on --select "$n_shot" --walk "$random_walk")
    stage "$task.retrieve.$split" "$dir/neighbours.$split.tsv" "$run/index/manifest.json" "${split_file[$split]}" -- \
      "$bin/icma-retrieve" --index "$run/index" --queries "${split_file[$split]}" --task "$task" --method "$method" \
      "${select[@]}" --out "$dir/neighbours.$split.tsv" "${common[@]}"
  done

  # ---- retrieval-only baseline: the top-1 neighbour's caption (or SMILES); a
  # query without neighbours (e.g. a SMILES RDKit cannot parse) gets an empty answer.
  stage "$task.retrieval_only" "$dir/retrieval_only/predictions.tsv" "$dir/neighbours.test.tsv" "$test_file" "$train_file" -- \
    "$bin/icma-prompt" --task "$task" --dataset "$test_file" --corpus "$train_file" --neighbours "$dir/neighbours.test.tsv" \
    --retrieval-only --missing zero-shot --out "$dir/retrieval_only/predictions.tsv" "${common[@]}"

  # ---- prompts: ICMA (n-shot) and direct fine-tuning (zero-shot), same budget.
  for split in train valid test; do
    dataset_file="${split_file[$split]}"
    stage "$task.prompts.icma.$split" "$dir/icma/$split.jsonl" "$dataset_file" "$dir/neighbours.$split.tsv" "$model/config.json" -- \
      "$bin/icma-prompt" --task "$task" --dataset "$dataset_file" --corpus "$train_file" --neighbours "$dir/neighbours.$split.tsv" \
      --n-shot "$n_shot" "${budget[@]}" --tokenizer "$model" $wrap --out "$dir/icma/$split.jsonl" "${common[@]}"
    stage "$task.prompts.direct_ft.$split" "$dir/direct_ft/$split.jsonl" "$dataset_file" "$model/config.json" -- \
      "$bin/icma-prompt" --task "$task" --dataset "$dataset_file" --zero-shot "${budget[@]}" --tokenizer "$model" \
      $wrap --out "$dir/direct_ft/$split.jsonl" "${common[@]}"
  done

  # ---- fine-tuning, generation and scoring of both trained systems.
  for system in direct_ft icma; do
    s="$dir/$system"
    stage "$task.$system.train" "$s/train/$weights" --clean "$s/train" "$s/train.jsonl" "$s/valid.jsonl" "$model/config.json" -- \
      "$bin/icma-train" --model "$model" --train "$s/train.jsonl" --valid "$s/valid.jsonl" --out "$s/train" \
      --cutoff-len "$cutoff_len" "${lora[@]}" "${training[@]}" $(with_checkpointing "${training[@]}") "${on_device[@]}" \
      --resume "${common[@]}"
    # The weights that generate: the final ones, or the profile's checkpoint.
    from="$s/train"
    if ((checkpoint > 0)); then
      if [[ -e "$s/train/checkpoint-$checkpoint/$weights" ]]; then
        from="$s/train/checkpoint-$checkpoint"
      else
        log "warning: $task $system: no train/checkpoint-$checkpoint (training ran fewer steps); generating with the final weights"
      fi
    fi
    trained=(--model "$model" --adapter "$from")
    [[ $weights == model.safetensors ]] && trained=(--model "$from" --tokenizer "$model")
    stage "$task.$system.generate" "$s/predictions.tsv" "$s/test.jsonl" "$from/$weights" -- \
      "$bin/icma-generate" "${trained[@]}" --prompts "$s/test.jsonl" --out "$s/predictions.tsv" \
      "${decoding[@]}" "${generate_on[@]}" --resume "${common[@]}"
  done
  eval_flags=(); [[ "$task" == mol2cap ]] && eval_flags=(--vocab "$vocab")
  # 95% bootstrap intervals for every system; ICMA also paired with the other two.
  for system in retrieval_only direct_ft icma; do
    s="$dir/$system" others=() paired=()
    [[ $system == icma ]] && others=("$dir/direct_ft/predictions.tsv" "$dir/retrieval_only/predictions.tsv")
    for other in "${others[@]}"; do paired+=(--paired "$other"); done
    stage "$task.$system.eval" "$s/metrics.json" "$s/predictions.tsv" "${others[@]}" -- \
      "$bin/icma-eval" "$task" "$s/predictions.tsv" "${eval_flags[@]}" "${paired[@]}" --json "$s/metrics.json" \
      --threads "$threads" --seed 1
  done
  # Mol2Cap with T5 tokens, as the official ICMA code scores (naive_test.py: MolT5's tokenizer), when
  # spiece.model is there; a failure is reported and leaves the SciBERT scores standing.
  if [[ "$task" == mol2cap && -n "$spiece" ]]; then
    for system in retrieval_only direct_ft icma; do
      s="$dir/$system"
      stage "$task.$system.eval_t5" "$s/metrics.t5.json" "$s/predictions.tsv" "$spiece" -- \
        optional "$bin/icma-eval" "$task" "$s/predictions.tsv" --text-tokenizer sentencepiece --vocab "$spiece" \
        --json "$s/metrics.t5.json" --threads "$threads"
    done
  fi
}

# Tasks run side by side when each command uses one thread (the embedded tiny
# model) and there are cores for both; otherwise one after the other.
if ((${#tasks[@]} > 1 && threads == 1 && $(nproc) > 1)); then
  pids=()
  for task in "${tasks[@]}"; do run_task "$task" & pids+=($!); done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || { log "a task failed (see above)"; exit 1; }
else
  for task in "${tasks[@]}"; do run_task "$task"; done
fi

stage_done
"$py" "$root/scripts/report.py" --run "$run"
log "report: $run/report.md"
