#!/usr/bin/env bash
# The three bounds of issue 16 on pathological input, measured with the built
# commands (the tests check the behaviour, this script the time and memory):
#
#   1. a corrupted index: peak memory of icma-retrieve on an index whose largest
#      Lucene file has bytes overwritten (bound: 500 MB; it used to grow to 23 GB);
#   2. a 1 MB caption cut to a 1,024-token budget by icma-prompt (bound: 1 s);
#   3. a 500-ring SMILES scored by icma-eval cap2mol (bound: 2 s).
#
#   bench/hostile_inputs.sh          # prints one line per case and exits 1 if a bound is missed
#
# Needs build/bin (scripts/setup.sh), GNU time (/usr/bin/time) and the shared
# data and Galactica tokenizer (ICMA_SHARED_DIR, default ../shared).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ICMA_BIN:-$root/build/bin}"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
corpus="$shared/data/chebi20/validation.txt"
tokenizer="$shared/models/galactica-125m"
for need in "$bin/icma-retrieve" "$corpus" "$tokenizer" /usr/bin/time; do
  [[ -e $need ]] || { echo "hostile_inputs: $need is missing" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# Runs a command under GNU time; sets $seconds and $peak_mb, keeps its exit status in $status.
measure() {
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1
  status=$?
  set -e
  read -r seconds peak_kb < <(tail -n 1 "$work/time")
  peak_mb=$((peak_kb / 1024))
}
verdict() {  # name, measured, bound, unit, what happened
  local ok=yes
  awk -v m="$2" -v b="$3" 'BEGIN { exit !(m <= b) }' || { ok=NO; failed=1; }
  printf '%-36s %8s %s (bound %s %s; within: %s) %s\n' "$1" "$2" "$4" "$3" "$4" "$ok" "$5"
}

# 1. A corrupted index.
"$bin/icma-index" build --corpus "$corpus" --out "$work/index" --log-level warn
largest="$(find "$work/index/bm25" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2-)"
size=$(stat -c %s "$largest")
/usr/bin/python3 - "$largest" "$size" <<'EOF'
import random, sys
path, size = sys.argv[1], int(sys.argv[2])
random.seed(7)
with open(path, "r+b") as f:  # 64 runs of 16 random bytes, spread over the file
    for _ in range(64):
        f.seek(random.randrange(max(1, size - 16)))
        f.write(bytes(random.randrange(256) for _ in range(16)))
EOF
head -n 101 "$corpus" >"$work/queries.tsv"
measure "$bin/icma-retrieve" --index "$work/index" --queries "$work/queries.tsv" --task cap2mol --method bm25 --out "$work/nb.tsv"
verdict "corrupted index: peak memory" "$peak_mb" 500 MB "(exit $status: $(grep -m1 -o 'error.*' "$work/out" | cut -c1-90))"

# 2. A 1 MB caption cut to a 1,024-token budget.
/usr/bin/python3 - "$work/long.tsv" <<'EOF'
import sys
words = ("The molecule is a steroid ester obtained by formal condensation of the carboxy group "
         "of (17E)-pregna-4,17-dien-21-oic acid with methanol. ").split()
caption, length = [], 0
while length < 1 << 20:
    caption.append(words[len(caption) % len(words)])
    length += len(caption[-1]) + 1
with open(sys.argv[1], "w") as f:
    f.write("CID\tSMILES\tdescription\n1\tCCO\t%s\n" % " ".join(caption))
EOF
measure "$bin/icma-prompt" --task cap2mol --dataset "$work/long.tsv" --zero-shot --cutoff-len 1024 \
  --tokenizer "$tokenizer" --out "$work/long.jsonl" --log-level warn
verdict "1 MB caption cut to 1,024 tokens" "$seconds" 1 s "(exit $status)"

# 3. A 500-ring SMILES scored: a model's output of 500 linked cyclohexanes (3,000 atoms)
#    against an ordinary ground truth.
/usr/bin/python3 - "$work/rings.tsv" <<'EOF'
import sys
rings = "C1CCC(CC1)" * 499 + "C1CCCCC1"
with open(sys.argv[1], "w") as f:
    f.write("description\tground truth\toutput\n")
    f.write("500 rings.\tOC1CCCCC1\t%s\n" % rings)
EOF
measure "$bin/icma-eval" cap2mol "$work/rings.tsv" --bootstrap 0 --log-level warn
verdict "500-ring SMILES scored" "$seconds" 2 s "(exit $status)"

exit "$failed"
