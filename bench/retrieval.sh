#!/usr/bin/env bash
# Retrieval benchmark: for corpora of 3.3k, 33k and 330k rows (ChEBI-20
# validation; then ChEBI-20 + PubChem324k rows replicated with new ids), the
# index build time, 3,300 BM25 and Morgan top-10 queries (ChEBI-20 test
# captions and molecules), and peak memory of each step.
#
#   bench/retrieval.sh              # needs a build (scripts/setup.sh)
#   SIZES="3300 33000" bench/retrieval.sh
#
# The index stores Morgan fingerprints only (--fingerprints morgan), which is
# what the Morgan queries need; RDK and MACCS fingerprinting costs ~1 ms a
# molecule each on top (RDKit's own cost).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
sizes="${SIZES:-3300 33000 330000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -x "$bin/icma-index" ]] || { echo "no $bin/icma-index: run scripts/setup.sh first" >&2; exit 1; }

queries="$shared/data/chebi20/test.txt"

# make_corpus N OUT: the first N rows of the pool, replicated with new ids.
make_corpus() {
  local n="$1" out="$2"
  if [[ "$n" -le 3301 ]]; then
    head -n $((n + 1)) "$shared/data/chebi20/validation.txt" >"$out"
    return
  fi
  {
    echo -e "CID\tSMILES\tdescription"
    for copy in $(seq 0 $(((n + 9600) / 9601))); do
      for file in chebi20/validation.txt chebi20/test.txt pubchem324k/test.txt pubchem324k/validation.txt; do
        tail -n +2 "$shared/data/$file" | awk -F'\t' -v c="$copy" 'BEGIN{OFS="\t"} {$1 = "r" c "_" $1; print}'
      done
    done
  } | awk -v last=$((n + 1)) 'NR <= last' >"$out"  # reads to the end: no SIGPIPE under pipefail
}

# timed NAME COMMAND...: runs COMMAND, prints "wall_s peak_MiB".
timed() {
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; exit 1; }
  awk '{printf "%.2f s  %.0f MiB", $1, $2 / 1024}' "$work/$name.time"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "queries: 3,300 ChEBI-20 test captions (BM25) and molecules (Morgan), top 10"
echo
printf '%-9s  %-24s  %-24s  %-24s\n' corpus "index build" "3,300 BM25 queries" "3,300 Morgan queries"
for n in $sizes; do
  corpus="$work/corpus-$n.tsv"
  make_corpus "$n" "$corpus"
  index="$work/index-$n"
  build=$(timed "build-$n" "$bin/icma-index" build --corpus "$corpus" --out "$index" --fingerprints morgan)
  bm25=$(timed "bm25-$n" "$bin/icma-retrieve" --index "$index" --queries "$queries" --task cap2mol --method bm25 \
    --k 10 --out "$work/bm25-$n.tsv")
  morgan=$(timed "morgan-$n" "$bin/icma-retrieve" --index "$index" --queries "$queries" --task mol2cap \
    --method morgan --k 10 --out "$work/morgan-$n.tsv")
  printf '%-9s  %-24s  %-24s  %-24s\n' "$n" "$build" "$bm25" "$morgan"
  rm -rf "$index" "$corpus"
done
echo
echo "times are whole commands (process start to file written): the query columns include loading the index"
