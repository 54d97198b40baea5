#!/usr/bin/env bash
# Sentence-embedding throughput (issue 15): ChEBI-20's 3,301 validation
# captions encoded by a model shaped like paraphrase-distilroberta-base-v1
# (the ICMA code's SentenceBERT: RoBERTa, 6 layers, hidden 768, 12 heads,
# vocab 50,265, mean pooling, max_seq_length 128; random weights made by
# bench/sentence_python.py), by icma (icma-index build --sentence; its log
# times tokenising, encoding and normalising) and by python3-torch eager with
# the same weights, the same token ids (Hugging Face tokenizers) and the same
# batches (longest first by token count, as icma orders them). Both use
# THREADS threads. Prints captions/s, the speed-up, the peak memory of each
# process (/usr/bin/time), and how far apart the two sides' unit vectors are.
# ST_ORDER=1 also times python3-torch with SentenceTransformer.encode's own
# batches (longest first by characters, which pads more). ROWS=N uses the
# first N captions. Timings on a shared machine vary with its load (printed
# first).
#
#   bench/sentence.sh                 # needs build/bin (scripts/setup.sh) and
#                                     # npm's tokenizers (npm ci beside package.json)
#   THREADS=2 BATCH=32 ROWS=500 ST_ORDER=1 BUILD_DIR=build bench/sentence.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
export ICMA_SHARED_DIR="$shared"
bin="${BUILD_DIR:-$root/build}/bin"
threads="${THREADS:-2}"
batch="${BATCH:-32}"
python=/usr/bin/python3
work="${WORK_DIR:-$(mktemp -d)}"
[[ -n "${WORK_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT
corpus="$shared/data/chebi20/validation.txt"
if [[ -n "${ROWS:-}" ]]; then
  head -n "$((ROWS + 1))" "$corpus" >"$work/corpus.tsv"
  corpus="$work/corpus.tsv"
fi
[[ -x "$bin/icma-index" ]] || { echo "no $bin/icma-index: build it first (scripts/setup.sh)" >&2; exit 1; }

# timed NAME COMMAND...: runs COMMAND, keeps its log, records "wall_s peak_KiB".
timed() {
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
}
peak() { awk '{printf "%.0f MiB", $2 / 1024}' "$work/$1.time"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: ChEBI-20 validation ($(($(wc -l <"$corpus") - 1)) captions); $threads threads, batches of $batch"

model="$work/model"
[[ -d "$model" ]] || "$python" "$root/bench/sentence_python.py" make-model "$model"

timed icma "$bin/icma-index" build --corpus "$corpus" --out "$work/index" --fingerprints maccs --sentence "$model" \
  --sentence-batch-size "$batch" --threads "$threads"
ours_s=$(grep -o 'sentence embeddings ([0-9]* dimensions) built in [0-9.]* s' "$work/icma.log" | awk '{print $(NF-1)}')
rows=$(($(wc -l <"$corpus") - 1))
ours=$(awk -v n="$rows" -v s="$ours_s" 'BEGIN {printf "%.1f", n / s}')
echo "icma: $rows captions in $ours_s s: $ours captions/s; peak $(peak icma) (icma-index build, BM25 and MACCS included)"

timed python "$python" "$root/bench/sentence_python.py" encode "$model" "$corpus" "$threads" "$batch" tokens \
  "$work/index/sentence.emb"
grep 'python3-torch eager' "$work/python.log"
theirs=$(grep -o '[0-9.]* captions/s' "$work/python.log" | awk '{print $1}')
echo "python3-torch: peak $(peak python) (interpreter, weights and token ids included)"
grep 'max |icma - python|' "$work/python.log"
awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "icma / python3-torch, the same batches: %.2fx\n", a / b}'
if [[ -n "${ST_ORDER:-}" ]]; then
  timed python-st "$python" "$root/bench/sentence_python.py" encode "$model" "$corpus" "$threads" "$batch" characters
  grep 'python3-torch eager' "$work/python-st.log"
  theirs=$(grep -o '[0-9.]* captions/s' "$work/python-st.log" | awk '{print $1}')
  awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "icma / python3-torch, sentence-transformers batches: %.2fx\n", a / b}'
fi
