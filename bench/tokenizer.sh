#!/usr/bin/env bash
# Tokenizer speed: encoding all 3,300 ChEBI-20 test captions with Galactica's
# tokenizer.json, one thread, icma (icma-tokenize --count) against the official
# Hugging Face binding (npm `tokenizers`, Rust). Prints the best of RUNS runs of
# the whole process (load + encode + count) and, for the binding, its
# encode-only time as well.
#
#   bench/tokenizer.sh            # needs a build and `npm ci` in tests/reference
#   MODEL=mistral-7b-v0.1 RUNS=5 bench/tokenizer.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
model="$shared/models/${MODEL:-galactica-125m}"
runs="${RUNS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -d "$root/tests/reference/node_modules/tokenizers" ]] || (cd "$root/tests/reference" && npm ci --silent)

tail -n +2 "$shared/data/chebi20/test.txt" | cut -f3 >"$work/captions.txt"

cat >"$work/hf.js" <<'JS'
const fs = require('fs');
const { Tokenizer } = require(process.argv[2]);
const texts = fs.readFileSync(process.argv[4], 'utf8').split('\n').filter((t) => t.length > 0);
(async () => {
  const tokenizer = Tokenizer.fromFile(process.argv[3]);
  const start = process.hrtime.bigint();
  let tokens = 0;
  for (const text of texts) tokens += (await tokenizer.encode(text)).getIds().length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // encodeBatch pays the async call overhead once; RAYON_NUM_THREADS=1 keeps it on one thread.
  const batchStart = process.hrtime.bigint();
  const batch = await tokenizer.encodeBatch(texts);
  const batchSeconds = Number(process.hrtime.bigint() - batchStart) / 1e9;
  let batchTokens = 0;
  for (const encoding of batch) batchTokens += encoding.getIds().length;
  if (batchTokens !== tokens) throw new Error('encodeBatch disagrees with encode');
  console.log(`${texts.length} texts, ${tokens} tokens, encode loop ${seconds.toFixed(3)} s, ` +
              `encodeBatch ${batchSeconds.toFixed(3)} s`);
})();
JS

best_of() {  # best_of COMMAND...: fastest wall time of $runs runs
  local best="" start end elapsed
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s.%N)
    "$@" >"$work/last.out" 2>&1
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [[ -z "$best" ]] || (($(echo "$elapsed < $best" | bc -l))); then best=$elapsed; fi
  done
  printf '%.3f' "$best"
}

ours=$(best_of "$bin/icma-tokenize" --tokenizer "$model" --count --threads 1 "$work/captions.txt")
ours_tokens=$(awk '/^texts:/ {print $4}' "$work/last.out")
export RAYON_NUM_THREADS=1  # the binding's batch encoding on one thread too
hf=$(best_of node "$work/hf.js" "$root/tests/reference/node_modules/tokenizers" "$model/tokenizer.json" "$work/captions.txt")
hf_detail=$(cat "$work/last.out")
echo "model: $model; 3,300 ChEBI-20 test captions; one thread; best of $runs"
echo "  icma-tokenize --count      $ours s   ($ours_tokens tokens, whole process)"
echo "  HF tokenizers (node)       $hf s   ($hf_detail; whole process)"
# Conservative: HF's fastest encode-only time against our whole process.
hf_encode=$(echo "$hf_detail" | grep -o 'encodeBatch [0-9.]*' | awk '{print $2}')
printf '  ratio HF encodeBatch only / icma whole process   %.2f (above 1: icma is faster)\n' \
  "$(echo "$hf_encode / $ours" | bc -l)"
