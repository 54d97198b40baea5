#!/usr/bin/env bash
# Batch translation with a trained ICMA model: a file of SMILES (one per line)
# becomes captions, a file of captions becomes SMILES. Prompts get in-context
# examples retrieved from the run's index (n-shot as in training).
#
#   scripts/translate.sh FILE [--run results/RUN] [--task mol2cap|cap2mol] [--out OUT.tsv]
#   scripts/translate.sh FILE --model HF_DIR --adapter ADAPTER_DIR --index INDEX_DIR [--n-shot N]
#
# With --run (default: the newest directory in results/), the model, the ICMA
# adapter of the task (or the whole model a --full run trained), the index and
# its retrieval method come from a scripts/reproduce.sh run. The task is guessed
# from FILE when not given: lines with spaces are captions.
# Extra icma-generate flags go after "--", e.g. -- --num-beams 4.
# Output: a TSV of input<TAB>output (MolT5 layout, ground truth left empty);
# an interrupted run continues where it stopped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ICMA_BIN:-$root/build/bin}"
input="" run="" task="" out="" model="" adapter="" index="" n_shot="" method="" extra=()
while (($#)); do
  case "$1" in
    --run) run="$2"; shift 2 ;;
    --task) task="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --adapter) adapter="$2"; shift 2 ;;
    --index) index="$2"; shift 2 ;;
    --n-shot) n_shot="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "translate: unknown option $1" >&2; exit 2 ;;
    *) input="$1"; shift ;;
  esac
done
[[ -n "$input" && -s "$input" ]] || { echo "translate: give a non-empty FILE of SMILES or captions (see --help)" >&2; exit 2; }
if [[ -z "$task" ]]; then
  first="$(grep -m1 -v '^[[:space:]]*$' "$input" || true)"
  if [[ "$first" == *" "* ]]; then task=cap2mol; else task=mol2cap; fi
  echo "translate: $input looks like $([[ $task == mol2cap ]] && echo SMILES || echo captions): $task" >&2
fi
if [[ -z "$model" ]]; then
  if [[ -z "$run" ]]; then
    run="$(ls -td "$root"/results/*/ 2>/dev/null | head -n 1)"
    [[ -n "$run" ]] || { echo "translate: no run in results/: give --run or --model/--adapter/--index" >&2; exit 2; }
  fi
  run="${run%/}"
  model="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$run/run.json")"
  adapter="$run/$task/icma/train"
  index="$run/index"
  [[ -n "$n_shot" ]] || n_shot="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"]["n_shot"][sys.argv[2]])' "$run/run.json" "$task")"
  method="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"].get("retrieval", {}).get(sys.argv[2], ""))' "$run/run.json" "$task")"
fi
weights=(--model "$model" --adapter "$adapter")
if [[ -n "$run" && ! -s "$adapter/adapter_model.safetensors" && -s "$adapter/model.safetensors" ]]; then
  weights=(--model "$adapter" --tokenizer "$model")  # a --full run: every weight was trained
elif [[ ! -s "$adapter/adapter_model.safetensors" ]]; then
  echo "translate: no trained adapter in $adapter" >&2; exit 2
fi
out="${out:-${input%.*}.$task.tsv}"
flag=--smiles; [[ $task == cap2mol ]] && flag=--captions
shot_flags=(); [[ -n "$n_shot" ]] && shot_flags=(--n-shot "$n_shot")
[[ -z "$method" ]] || shot_flags+=(--method "$method")
"$bin/icma-generate" "${weights[@]}" "$flag" "$input" --index "$index" "${shot_flags[@]}" \
  --out "$out" --resume "${extra[@]}"
echo "translate: wrote $out" >&2
