#!/usr/bin/env bash
# Molecule-graph retrieval benchmark (issue 4): how useful are the examples
# each molecule search retrieves? ChEBI-20 validation is the corpus, test the
# queries; the top-1 neighbour's caption is scored against the query's own
# caption with icma-eval mol2cap (BLEU-4, ROUGE-L), for
#   gnn-random      the GIN with its seeded random initialisation
#   gnn-masking     the GIN pre-trained here on the corpus by attribute masking
#   gnn-masking+cl  the same plus the GraphCL-style contrastive term (--contrastive 1)
#   morgan, rdk     fingerprint Tanimoto (rdk is what the official ICMA code uses)
# then the GIN's embedding throughput (parsing and featurisation included)
# and the peak memory of each step. Timings on a shared machine vary with its
# load (printed first); the throughput is the best of three runs.
#
#   bench/gnn.sh                    # needs build/bin (scripts/setup.sh)
#   EPOCHS=5 BATCH=64 THREADS=2 BUILD_DIR=build-gnn bench/gnn.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
epochs="${EPOCHS:-3}"
batch="${BATCH:-64}"
threads="${THREADS:-2}"
vocab="$shared/vocab/scibert_scivocab_uncased/vocab.txt"
corpus="$shared/data/chebi20/validation.txt"
queries="$shared/data/chebi20/test.txt"
work="${WORK_DIR:-$(mktemp -d)}"
[[ -n "${WORK_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT
for tool in icma-index icma-retrieve icma-eval; do
  [[ -x "$bin/$tool" ]] || { echo "no $bin/$tool: build it first (scripts/setup.sh)" >&2; exit 1; }
done

# timed NAME COMMAND...: runs COMMAND, keeps its log, records "wall_s peak_KiB".
timed() {
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
}
wall() { awk '{printf "%.1f s", $1}' "$work/$1.time"; }
peak() { awk '{printf "%.0f MiB", $2 / 1024}' "$work/$1.time"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: ChEBI-20 validation (3,301), queries: ChEBI-20 test (3,300), top-1 neighbour caption vs true caption"
echo

# ---- weights ------------------------------------------------------------------------
timed init "$bin/icma-index" gnn-pretrain --corpus "$corpus" --out "$work/gin-random.safetensors" --epochs 0
for variant in masking masking+cl; do
  extra=()
  [[ "$variant" == masking+cl ]] && extra=(--contrastive 1)
  timed "pretrain-$variant" "$bin/icma-index" gnn-pretrain --corpus "$corpus" --out "$work/gin-$variant.safetensors" \
    --epochs "$epochs" --batch-size "$batch" --threads "$threads" "${extra[@]}"
  echo "pre-training $variant: $epochs epochs, batch $batch: $(wall "pretrain-$variant"), peak $(peak "pretrain-$variant")"
  grep -o 'epoch [0-9]*/[0-9]*: loss [0-9.]*, masked-atom accuracy [0-9.]*' "$work/pretrain-$variant.log" | sed 's/^/  /'
done
echo

# ---- indexes and retrieval --------------------------------------------------------------
timed index-random "$bin/icma-index" build --corpus "$corpus" --out "$work/index-random" \
  --gnn "$work/gin-random.safetensors" --fingerprints morgan,rdk --threads "$threads"
for variant in masking masking+cl; do
  timed "index-$variant" "$bin/icma-index" build --corpus "$corpus" --out "$work/index-$variant" \
    --gnn "$work/gin-$variant.safetensors" --fingerprints maccs --threads "$threads"
done

# predictions METHOD INDEX: top-1 neighbours as a MolT5 mol2cap prediction file.
predictions() {
  local method="$1" index="$2" name="$3"
  timed "retrieve-$name" "$bin/icma-retrieve" --index "$index" --queries "$queries" --task mol2cap \
    --method "$method" --k 1 --out "$work/$name.neighbours.tsv" --threads "$threads"
  awk -F'\t' -v OFS='\t' '
    FILENAME == ARGV[1] { if (FNR > 1) caption[$1] = $3; next }
    FILENAME == ARGV[2] { neighbour[$1] = $2; next }
    FNR == 1 { print "SMILES", "ground truth", "output"; next }
    { print $2, $3, ($1 in neighbour) ? caption[neighbour[$1]] : "" }
  ' "$corpus" "$work/$name.neighbours.tsv" "$queries" >"$work/$name.predictions.tsv"
  "$bin/icma-eval" mol2cap "$work/$name.predictions.tsv" --vocab "$vocab" --json "$work/$name.json" \
    --threads "$threads" --log-level warn >/dev/null
}
predictions gnn "$work/index-random" gnn-random
predictions gnn "$work/index-masking" gnn-masking
predictions gnn "$work/index-masking+cl" gnn-masking+cl
predictions morgan "$work/index-random" morgan
predictions rdk "$work/index-random" rdk

printf '%-16s  %7s  %7s  %s\n' method BLEU-4 ROUGE-L "retrieval (3,300 queries: wall, peak)"
for name in gnn-random gnn-masking gnn-masking+cl morgan rdk; do
  /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
def find(keys):
    for k in keys:
        if k in m: return m[k]
        for v in m.values():
            if isinstance(v, dict) and k in v: return v[k]
    raise SystemExit("no " + keys[0] + " in " + sys.argv[1] + ": " + ", ".join(m))
print("%.4f  %.4f" % (find(["bleu4", "BLEU-4", "bleu_4"]), find(["rouge_l", "ROUGE-L", "rougeL"])))
' "$work/$name.json" | { read -r bleu rouge; printf '%-16s  %7s  %7s  %s, %s\n' "$name" "$bleu" "$rouge" \
    "$(wall "retrieve-$name")" "$(peak "retrieve-$name")"; }
done
echo

# ---- throughput -----------------------------------------------------------------------
# The GIN's own timer (icma-index build --log-level debug), best of three, on
# the 3,300 test molecules and on all 9,603 distinct molecules of ChEBI-20
# validation + test and PubChem324k validation + test. (Not on replicated
# rows: repeated molecules would share all their work and flatter the rate.)
{
  head -n 1 "$corpus"
  for file in chebi20/validation.txt chebi20/test.txt pubchem324k/validation.txt pubchem324k/test.txt; do
    tail -n +2 "$shared/data/$file" | awk -F'\t' -v OFS='\t' -v f="$file" '{$1 = f "_" $1; print}'
  done
} >"$work/mixed.tsv"
echo "GIN embedding throughput ($threads threads, 5 layers x 300, parsing and featurisation included):"
for set in test mixed; do
  input="$queries"
  [[ "$set" == mixed ]] && input="$work/mixed.tsv"
  best=""
  for run in 1 2 3; do
    timed "embed-$set-$run" "$bin/icma-index" build --corpus "$input" --out "$work/index-$set" \
      --gnn "$work/gin-masking+cl.safetensors" --fingerprints maccs --threads "$threads" --log-level debug \
      --bad-rows skip
    line=$(grep -o 'embedded [0-9]* molecules: [0-9.]* s parsing and featurising, [0-9.]* s in the GIN' \
      "$work/embed-$set-$run.log")
    rate=$(awk '{printf "%.0f", $2 / ($4 + $9)}' <<<"$line")
    [[ -z "$best" || "$rate" -gt "$best" ]] && { best="$rate"; best_line="$line"; best_run="$run"; }
  done
  echo "  $set: $best mol/s ($best_line); whole build: $(wall "embed-$set-$best_run"), peak RSS $(peak "embed-$set-$best_run")"
done
