#!/usr/bin/env bash
# Checks scripts/report.py on fake run directories (not part of ctest):
#   1. a complete run (both tasks, three systems, training logs, timings): report.md is written, has the
#      tables and links both plots of each task, and every PNG starts with the PNG signature;
#   2. a partial run (one metrics file, one training log with a line cut short, a malformed metrics file, no
#      timings) and an empty run directory: report.py still exits 0 and writes report.md.
# The metrics are icma-eval --json outputs for the MolT5-small predictions (../shared/reference/molt5), the
# baselines are those scaled down; the loss curves are synthetic.
#
#   scripts/check_report.sh [--keep DIR]     # --keep: build the runs under DIR and leave them there
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3
if [[ "${1:-}" == "--keep" ]]; then
  work="${2:?--keep needs a directory}"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
command -v gnuplot >/dev/null || { echo "check_report: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }

fail() { echo "check_report: FAIL: $*" >&2; exit 1; }

# ---- 1. a complete run
"$python" - "$work/full" <<'PY'
import json, math, os, random, sys
run = sys.argv[1]
os.makedirs(run, exist_ok=True)
json.dump({"dataset": "chebi20", "profile": "quick", "model": "models/tiny", "tasks": ["mol2cap", "cap2mol"],
           "settings": {"n_shot": {"mol2cap": 2, "cap2mol": 4}, "cutoff": 2048, "lora": {"r": 32, "alpha": 64},
                        "learning_rate": 2e-4, "epochs": 1},
           "started": "2025-01-01T00:00:00Z", "note": "fake run for scripts/check_report.sh"},
          open(os.path.join(run, "run.json"), "w"), indent=1)
molt5 = {
    "mol2cap": {"bleu2": 0.5315019214207913, "bleu4": 0.4448880198058868, "meteor": 0.5574693376778131,
                "rouge1": 0.6210149311565917, "rouge2": 0.46987826820705997, "rougeL": 0.5638844686391424},
    "cap2mol": {"bleu": 0.7490187345093594, "exact": 0.08151515151515151, "levenshtein": 28.816060606060606,
                "maccs_fts": 0.7801160258977211, "morgan_fts": 0.6011938900213433, "rdk_fts": 0.6538131831724768,
                "validity": 0.7245454545454545},
}
scale = {"retrieval_only": 0.7, "direct_ft": 0.85, "icma": 1.0}
for task, metrics in molt5.items():
    for system, f in scale.items():
        d = os.path.join(run, task, system)
        os.makedirs(d, exist_ok=True)
        m = {k: (v / f if k == "levenshtein" else v * f) for k, v in metrics.items()}
        json.dump({"metrics": m, "predictions": "%s/predictions.txt" % d, "rows": 3300, "settings": {},
                   "skipped_rows": 0, "task": task}, open(os.path.join(d, "metrics.json"), "w"), indent=2)
        if system == "retrieval_only":
            continue
        os.makedirs(os.path.join(d, "train"), exist_ok=True)
        rng = random.Random(hash((task, system)) & 0xffff)
        floor = 0.9 if system == "icma" else 1.3
        with open(os.path.join(d, "train", "train_log.jsonl"), "w") as log:
            log.write(json.dumps({"step": 0, "eval_loss": 9.5}) + "\n")
            for step in range(10, 401, 10):
                loss = floor + 8.0 * math.exp(-step / 60.0) + rng.uniform(-0.15, 0.15)
                log.write(json.dumps({"step": step, "epoch": step / 400, "loss": loss, "learning_rate": 2e-4,
                                      "grad_norm": 1.0, "elapsed_seconds": step * 0.5,
                                      "tokens_per_second": 1234.5}) + "\n")
                if step % 100 == 0:
                    log.write(json.dumps({"step": step, "eval_loss": floor + 0.2 + 8.0 * math.exp(-step / 60.0)})
                              + "\n")
with open(os.path.join(run, "timings.tsv"), "w") as t:
    for stage, seconds, status in [("index", 12.3, "ran"), ("retrieve", 45.0, "ran"), ("prompt", 3.2, "ran"),
                                   ("train.mol2cap.direct_ft", 200.0, "ran"), ("train.mol2cap.icma", 310.5, "ran"),
                                   ("generate.mol2cap.icma", 95.1, "skipped"), ("eval.mol2cap", 8.0, "ran")]:
        t.write("%s\t%s\t%s\n" % (stage, seconds, status))
PY

out="$("$python" "$root/scripts/report.py" --run "$work/full")" || fail "report.py failed on the complete run"
report="$work/full/report.md"
[[ -s "$report" ]] || fail "no report.md"
for needle in "## Configuration" "## Results" "## Timings" "retrieval-only" "direct fine-tuning" "ICMA (ours)" \
              "0.5315" "28.82" "plots/mol2cap_loss.png" "plots/mol2cap_metrics.png" "plots/cap2mol_loss.png" \
              "plots/cap2mol_metrics.png" "train.mol2cap.icma"; do
  grep -qF -- "$needle" "$report" || fail "report.md lacks '$needle'"
done
grep -q "Problems met" "$report" && fail "unexpected problems in the complete run's report"
[[ "$(grep -c '^| ICMA (ours)' <<<"$out")" == 2 ]] || fail "stdout should have an ICMA row per task: $out"
for png in mol2cap_loss mol2cap_metrics cap2mol_loss cap2mol_metrics; do
  f="$work/full/plots/$png.png"
  [[ -s "$f" ]] || fail "no $png.png"
  [[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] || fail "$png.png is not a PNG"
done
"$python" "$root/scripts/report.py" --run "$work/full" --include-unverified >/dev/null || fail "--include-unverified"
grep -qF "UNVERIFIED" "$report" || fail "--include-unverified showed no reference rows"

# ---- 2. a partial run and an empty one
mkdir -p "$work/partial/mol2cap/icma/train" "$work/partial/cap2mol/direct_ft" "$work/empty"
printf '{"dataset": "pubchem324k", "tasks": ["mol2cap", "cap2mol"]}\n' > "$work/partial/run.json"
cp "$work/full/mol2cap/icma/metrics.json" "$work/partial/mol2cap/icma/"
head -c 300 "$work/full/mol2cap/icma/train/train_log.jsonl" > "$work/partial/mol2cap/icma/train/train_log.jsonl"
printf '{"metrics": ' > "$work/partial/cap2mol/direct_ft/metrics.json"
"$python" "$root/scripts/report.py" --run "$work/partial" >/dev/null 2>&1 || fail "report.py failed on a partial run"
grep -qF "could not be read" "$work/partial/report.md" || fail "partial run: malformed metrics.json not reported"
[[ -s "$work/partial/plots/mol2cap_metrics.png" ]] || fail "partial run: no mol2cap metrics plot"
"$python" "$root/scripts/report.py" --run "$work/empty" >/dev/null 2>&1 || fail "report.py failed on an empty run"
[[ -s "$work/empty/report.md" ]] || fail "empty run: no report.md"

echo "check_report: OK ($work)"
