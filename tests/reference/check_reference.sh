#!/usr/bin/env bash
# Compares icma-eval with the Python reference logic (tests/reference/
# molt5_eval.py) to full precision on synthetic prediction files full of edge
# cases (tests/reference/make_stress_predictions.py), for several seeds.
# Exits non-zero on any difference. Needs what bench_eval.sh needs.
#
#   tests/reference/check_reference.sh [SEED ...]     # default seeds: 1 2 3
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="${ICMA_SHARED_DIR:-$root/../shared}"
bin="${BUILD_DIR:-$root/build}/bin"
vocab="$shared/vocab/scibert_scivocab_uncased/vocab.txt"
python=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -d "$root/tests/reference/node_modules/tokenizers" ]] || (cd "$root/tests/reference" && npm ci --silent)

# "LABEL value" lines from icma-eval's JSON, in the Python script's labels.
ours() {
  "$python" - "$1" <<'PY'
import json, sys
labels = {"bleu2": "BLEU-2", "bleu4": "BLEU-4", "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
          "meteor": "METEOR", "bleu": "BLEU", "exact": "Exact", "levenshtein": "Levenshtein",
          "validity": "Validity", "maccs_fts": "MACCS FTS", "rdk_fts": "RDK FTS", "morgan_fts": "Morgan FTS"}
for key, value in json.load(open(sys.argv[1]))["metrics"].items():
    print(labels[key], repr(value))
PY
}

status=0
for seed in "${@:-1 2 3}"; do
  for seed_value in $seed; do
    dir="$work/$seed_value"
    "$python" "$root/tests/reference/make_stress_predictions.py" "$dir" "$seed_value"
    node "$root/tests/reference/wordpiece_tokenize.js" "$vocab" "$dir/mol2cap.tsv" "$dir/tokens.json"
    "$python" "$root/tests/reference/molt5_eval.py" mol2cap "$dir/mol2cap.tsv" --tokens "$dir/tokens.json" | sort >"$dir/python.txt"
    "$python" "$root/tests/reference/molt5_eval.py" cap2mol "$dir/cap2mol.tsv" | sort >>"$dir/python.txt"
    "$bin/icma-eval" mol2cap "$dir/mol2cap.tsv" --vocab "$vocab" --json "$dir/m.json" --log-level error >/dev/null
    "$bin/icma-eval" cap2mol "$dir/cap2mol.tsv" --json "$dir/c.json" --log-level error >/dev/null
    { ours "$dir/m.json"; ours "$dir/c.json"; } | sort >"$dir/ours.txt"
    if diff <(sort "$dir/python.txt") "$dir/ours.txt" >"$dir/diff.txt"; then
      echo "seed $seed_value: all 13 metrics identical"
    else
      echo "seed $seed_value: DIFFERENT (< python, > icma-eval)"
      cat "$dir/diff.txt"
      status=1
    fi
  done
done
exit $status
