#!/usr/bin/env bash
# Times icma-eval end to end (process start to printed result) on the MolT5
# reference files (3,300 rows each) against the MolT5 scripts' logic in Python
# on the same machine (tests/reference/molt5_eval.py: NLTK, RDKit, Open
# Babel, python-Levenshtein; WordPiece tokens from Hugging Face tokenizers via
# node). Prints the best of RUNS runs of each, and the speed-ups.
#
#   bench/eval.sh            # needs a build (scripts/setup.sh)
#   RUNS=5 bench/eval.sh
#
# Needs Debian's python3-nltk python3-rdkit python3-openbabel
# python3-levenshtein python3-numpy wordnet-base, node, and `npm ci` in
# tests/reference (for the tokenizers package).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
runs="${RUNS:-3}"
python=/usr/bin/python3  # Debian's, which has the reference libraries
mol2cap="$shared/reference/molt5/molt5-small-smiles2caption.txt"
cap2mol="$shared/reference/molt5/molt5-small-caption2smiles.txt"
vocab="$shared/vocab/scibert_scivocab_uncased/vocab.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

[[ -x "$bin/icma-eval" ]] || { echo "no $bin/icma-eval: run scripts/setup.sh first" >&2; exit 1; }
[[ -d "$root/tests/reference/node_modules/tokenizers" ]] || (cd "$root/tests/reference" && npm ci --silent)

# best_of NAME COMMAND...: runs COMMAND $runs times (output to $work/NAME.out)
# and prints the fastest wall time in seconds.
best_of() {
  local name="$1" best="" start end elapsed
  shift
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s.%N)
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [[ -z "$best" ]] || (($(echo "$elapsed < $best" | bc -l))); then best=$elapsed; fi
  done
  printf '%.3f' "$best"
}

ratio() { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "best of $runs runs, wall seconds, process start to printed result"
echo

# ---- Mol2Cap -----------------------------------------------------------------
ours=$(best_of icma_mol2cap "$bin/icma-eval" mol2cap "$mol2cap" --vocab "$vocab")
tokenize=$(best_of tokenize node "$root/tests/reference/wordpiece_tokenize.js" "$vocab" "$mol2cap" "$work/tokens.json")
python_metrics=$(best_of python_mol2cap "$python" "$root/tests/reference/molt5_eval.py" mol2cap "$mol2cap" --tokens "$work/tokens.json")
python_total=$(echo "$tokenize + $python_metrics" | bc -l)
echo "mol2cap (3,300 rows)"
echo "  icma-eval                         $ours s"
echo "  python metrics (NLTK, ROUGE)      $python_metrics s   -> $(ratio "$python_metrics" "$ours")x"
echo "  + WordPiece (HF tokenizers)       $(printf '%.3f' "$python_total") s   -> $(ratio "$python_total" "$ours")x"
paste <(grep -E '^\| (BLEU|ROUGE|METEOR)' "$work/icma_mol2cap.out") "$work/python_mol2cap.out" | sed 's/^/    /'
echo

# ---- Cap2Mol -----------------------------------------------------------------
ours=$(best_of icma_cap2mol "$bin/icma-eval" cap2mol "$cap2mol")
python_metrics=$(best_of python_cap2mol "$python" "$root/tests/reference/molt5_eval.py" cap2mol "$cap2mol")
echo "cap2mol (3,300 rows)"
echo "  icma-eval                         $ours s"
echo "  python (RDKit, Open Babel, NLTK)  $python_metrics s   -> $(ratio "$python_metrics" "$ours")x"
paste <(grep -E '^\| (BLEU|Exact|Leven|Valid|MACCS|RDK|Morgan)' "$work/icma_cap2mol.out") "$work/python_cap2mol.out" |
  sed 's/^/    /'
