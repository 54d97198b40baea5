#!/usr/bin/env bash
# Generation speed: greedy decoding with a Galactica-125M-shaped model
# (configs/models/galactica-125m.json, random weights, Galactica's tokenizer)
# at batch 1 and 8, with and without the KV cache: icma-generate against the
# same model in python3-torch eager (tests/reference/causal_lm.py driven by
# HF's generate loop, tests/reference/generate_reference.py), same machine,
# same thread count, same prompt token ids.
#
# Tokens/s = new tokens / seconds spent generating (both sides time the
# generation alone: prefill + decode steps, not loading the model); peak RSS
# of the whole process from /usr/bin/time -v. Prompts are ~PROMPT tokens;
# cached runs generate NEW tokens per row, uncached runs NEW_NO_CACHE (every
# step recomputes the whole sequence, so they are kept short).
#
#   bench/generate.sh                    # needs a build (BUILD_DIR, default build/)
#   THREADS=2 NEW=64 NEW_NO_CACHE=16 bench/generate.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
python=/usr/bin/python3  # the interpreter with torch (Debian's python3-torch)
threads="${THREADS:-1}"
prompt_len="${PROMPT:-64}"
new="${NEW:-64}"
new_no_cache="${NEW_NO_CACHE:-16}"
# Debian's OpenBLAS is the pthreads build, which ignores torch.set_num_threads:
# pin its threads (and OpenMP's) for both sides.
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

model="$work/galactica-125m-random"
"$python" "$root/bench/generate.py" init "$root/configs/models/galactica-125m.json" "$model" >/dev/null
cp "$shared/models/galactica-125m/tokenizer.json" "$shared/models/galactica-125m/tokenizer_config.json" \
   "$shared/models/galactica-125m/special_tokens_map.json" "$model/"

# Eight different prompts of PROMPT tokens: a caption-like text cut to length
# in token space, decoded, and tokenised again for the ids both sides use.
base="The molecule is a steroid ester that is methyl (17E)-pregna-4,17-dien-3-one-21-oate obtained by formal condensation of the carboxy group with methanol. It has a role as a metabolite and an antineoplastic agent. It derives from a hydride of a pregnane and is a conjugate acid of an anion."
: >"$work/texts.txt"
for row in 0 1 2 3 4 5 6 7; do
  words=($base)
  text="Row $row: ${words[*]:$row} ${words[*]:0:$row}"
  ids="$(echo "$text" | "$bin/icma-tokenize" --tokenizer "$model" --no-special | cut -d' ' -f1-"$prompt_len")"
  echo "$ids" | "$bin/icma-tokenize" --tokenizer "$model" --decode >>"$work/texts.txt"
done
"$bin/icma-tokenize" --tokenizer "$model" "$work/texts.txt" >"$work/ids.txt"
"$python" - "$work/texts.txt" "$work" <<'PY'
import json, sys
texts = [t.rstrip("\n") for t in open(sys.argv[1])]
for batch in (1, 8):
    with open(f"{sys.argv[2]}/prompts{batch}.jsonl", "w") as f:
        for i, text in enumerate(texts[:batch]):
            f.write(json.dumps({"id": str(i), "task": "mol2cap", "prompt": text, "input": "x"}) + "\n")
PY

rate() { sed -n 's/.*generated \([0-9]*\) tokens in \([0-9.]*\) s: \([0-9.]*\) tokens\/s.*/\3/p' "$1" | tail -1; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

printf "prompt tokens: %s (min..max over rows: %s)\n" "$prompt_len" \
  "$(awk '{print NF}' "$work/ids.txt" | sort -n | sed -n '1p;$p' | paste -sd' ' | sed 's/ /../')"
printf "threads: %s   machine: %s\n\n" "$threads" "$(getconf _NPROCESSORS_ONLN) cores, $(uname -m)"
printf "| batch | cache | new/row | icma tokens/s | python tokens/s | speed-up | icma peak RSS MiB | python peak RSS MiB |\n"
printf "|---|---|---|---|---|---|---|---|\n"
for batch in 1 8; do
  head -n "$batch" "$work/ids.txt" >"$work/ids$batch.txt"
  for cache in on off; do
    n="$new"; icma_flag=""; py_flag=""
    if [[ $cache == off ]]; then n="$new_no_cache"; icma_flag="--no-cache"; py_flag="--no-cache"; fi
    /usr/bin/time -v "$bin/icma-generate" --model "$model" --prompts "$work/prompts$batch.jsonl" \
      --out "$work/out.tsv" --batch-size "$batch" --max-new-tokens "$n" --threads "$threads" $icma_flag \
      >"$work/icma.log" 2>&1
    /usr/bin/time -v "$python" "$root/bench/generate.py" run "$model" "$work/ids$batch.txt" "$n" \
      --threads "$threads" $py_flag >"$work/py.log" 2>&1
    ours="$(rate "$work/icma.log")"; theirs="$(rate "$work/py.log")"
    printf "| %s | %s | %s | %s | %s | %.2fx | %s | %s |\n" "$batch" "$cache" "$n" "$ours" "$theirs" \
      "$(echo "$ours / $theirs" | bc -l)" "$(rss "$work/icma.log")" "$(rss "$work/py.log")"
  done
done
