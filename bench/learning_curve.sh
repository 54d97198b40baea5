#!/usr/bin/env bash
# The learning-curve experiment behind the quick profile's defaults (issue
# 17): ICMA against direct fine-tuning with the embedded tiny model, at
# several step counts, without and with the pre-training stage (documents of
# neighbouring training records, scripts/lib/pretraining_docs.py). Both
# systems always get the same model, pre-training and budget.
#
# For each setting it runs scripts/reproduce.sh once for --steps MAX (its
# checkpoints every STEP steps and its validation loss on target tokens every
# STEP steps), then generates and scores TEST_ROWS test rows from each
# checkpoint. Prints one table per setting (step, validation loss and BLEU-4
# of both systems, the paired bootstrap p of ICMA against direct fine-tuning)
# and writes learning_curve.tsv (learning_curve.SETTING.tsv for one setting) and
# learning_curve.png and learning_curve.txt (gnuplot; the same plot as text) in OUT.
#
#   bench/learning_curve.sh                      # Mol2Cap, 900 steps, checkpoints every 150
#   TASK=cap2mol MAX=600 STEP=200 TEST_ROWS=500 PROFILE=quick OUT=results/lc bench/learning_curve.sh
#
# A profile without "pretraining" flags gets PRETRAIN_STEPS (default 300) steps at
# the training group's learning rate and batch.
#
# SETTINGS (default "none pretrained") picks the settings to run: two invocations
# with one setting each and the same OUT may run side by side (one core each);
# a last one with both then only assembles the table and plot.
#
# Needs build/bin (scripts/setup.sh) and the data (ICMA_DATA_DIR, default data/).
# Hours of CPU on two cores at the defaults; the runs resume where they stopped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ICMA_BIN:-$root/build/bin}"
py=/usr/bin/python3
task="${TASK:-mol2cap}" max="${MAX:-900}" step="${STEP:-150}" rows="${TEST_ROWS:-500}"
profile="${PROFILE:-quick}" out="${OUT:-$root/results/learning-curve-$task}"
read -r -a settings <<<"${SETTINGS:-none pretrained}"
for setting in "${settings[@]}"; do
  [[ $setting == none || $setting == pretrained ]] || { echo "learning_curve: SETTINGS are none and/or pretrained" >&2; exit 2; }
done
case "$task" in mol2cap) metric=bleu4 ;; cap2mol) metric=bleu ;;
  *) echo "learning_curve: TASK must be mol2cap or cap2mol" >&2; exit 2 ;; esac
mkdir -p "$out"
log() { echo "[learning_curve $(date +%H:%M:%S)] $*" >&2; }

# The profile with the pre-training stage removed (none) or as the profile has it (pretrained);
# checkpoints and validation every STEP steps.
profile_file="$profile"; [[ -f "$profile_file" ]] || profile_file="$root/configs/profiles/$profile.json"
[[ -f "$profile_file" ]] || { echo "learning_curve: no profile $profile" >&2; exit 2; }
for setting in "${settings[@]}"; do
  "$py" - "$profile_file" "$out/$setting.json" "$setting" "$step" "${PRETRAIN_STEPS:-300}" <<'EOF'
import json, sys
source, target, setting, step, pretrain_steps = sys.argv[1:6]
with open(source) as f:
    profile = json.load(f)
profile.pop("alias", None)
if setting == "none":
    profile.pop("pretraining", None)
elif not profile.get("pretraining"):
    training = profile["training"]
    def value(flag, default):
        v = training.get(flag, default)
        return v["value"] if isinstance(v, dict) else v
    profile["pretraining"] = {"--max-steps": int(pretrain_steps), "--lr": value("--lr", 3e-3),
                              "--global-batch": value("--global-batch", 8), "--micro-batch": value("--micro-batch", 8),
                              "--warmup-steps": value("--warmup-steps", 30)}
profile["training"]["--save-steps"] = int(step)
profile["training"]["--eval-steps"] = int(step)
profile["training"]["--save-total-limit"] = 1000  # every checkpoint kept
with open(target, "w") as f:
    json.dump(profile, f, indent=1)
EOF
done

table="$out/learning_curve.${SETTINGS:+${SETTINGS// /-}.}tsv"
printf 'setting\tstep\tdirect_ft_valid_loss\ticma_valid_loss\tdirect_ft_%s\ticma_%s\tp_value\n' "$metric" "$metric" \
  >"$table"
for setting in "${settings[@]}"; do
  run="$out/run-$setting"
  log "$setting: training both systems for $max steps (reproduce.sh, $rows test rows)"
  "$root/scripts/reproduce.sh" --task "$task" --profile "$out/$setting.json" --steps "$max" --test-rows "$rows" \
    --out "$run" >"$out/$setting.log" 2>&1 || { tail -n 20 "$out/$setting.log" >&2; exit 1; }
  model="$run/model"; [[ -d "$run/pretrain/model" ]] && model="$run/pretrain/model"
  eval "$("$py" "$root/scripts/lib/profile.py" "$out/$setting.json" --task "$task")"  # sets decoding
  eval_flags=()  # Mol2Cap: the SciBERT vocabulary the run found (run.json)
  [[ $task == mol2cap ]] && eval_flags=(--vocab "$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["data"]["vocab"])' "$run/run.json")")
  for ((s = step; s <= max; s += step)); do
    for system in direct_ft icma; do
      d="$run/$task/$system" at="$run/$task/$system/curve/$s"
      mkdir -p "$at"
      weights="$d/train/checkpoint-$s"; ((s == max)) && [[ ! -d $weights ]] && weights="$d/train"
      [[ -s "$at/predictions.tsv" ]] ||
        "$bin/icma-generate" --model "$weights" --tokenizer "$model" --prompts "$d/test.jsonl" --out "$at/predictions.tsv" \
          "${decoding[@]}" --threads 1 --seed 1 --log-level warn
    done
    "$bin/icma-eval" "$task" "$run/$task/icma/curve/$s/predictions.tsv" "${eval_flags[@]}" --seed 1 \
      --paired "$run/$task/direct_ft/curve/$s/predictions.tsv" --json "$run/$task/icma/curve/$s/metrics.json" \
      --log-level warn >/dev/null
    "$bin/icma-eval" "$task" "$run/$task/direct_ft/curve/$s/predictions.tsv" "${eval_flags[@]}" --bootstrap 0 \
      --json "$run/$task/direct_ft/curve/$s/metrics.json" --log-level warn >/dev/null
    "$py" - "$run/$task" "$s" "$setting" "$metric" >>"$table" <<'EOF'
import json, sys
task_dir, step, setting, metric = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def valid_loss(system):
    loss = None
    with open("%s/%s/train/train_log.jsonl" % (task_dir, system)) as f:
        for line in f:
            row = json.loads(line)
            if row.get("step") == step and "eval_loss" in row:
                loss = row["eval_loss"]
    return loss
def scores(system):
    with open("%s/%s/curve/%d/metrics.json" % (task_dir, system, step)) as f:
        return json.load(f)
icma, direct = scores("icma"), scores("direct_ft")
p = icma["comparisons"][0]["metrics"][metric]["p_value"]
print("%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f" % (setting, step, valid_loss("direct_ft"), valid_loss("icma"),
                                              direct["metrics"][metric], icma["metrics"][metric], p))
EOF
    log "$setting, step $s: $(tail -n 1 "$table" | cut -f3-)"
  done
done

echo "Validation loss on target tokens and test $metric ($rows rows), ICMA against direct fine-tuning:"
column -t -s $'\t' "$table"
# Both panels, for a PNG (side by side) and a text rendering (one above the other,
# learning_curve.txt: fits a terminal or a note).
curves() {  # the table's columns of direct fine-tuning ($1) and ICMA ($2), both settings
  cat <<EOF
plot "< awk '\$1==\"none\"' $table" u 2:$1 w lp lc rgb "#1f77b4" t "direct", \\
     "" u 2:$2 w lp lc rgb "#d62728" t "ICMA", \\
     "< awk '\$1==\"pretrained\"' $table" u 2:$1 w lp dt 2 lc rgb "#1f77b4" t "direct, pre-trained", \\
     "" u 2:$2 w lp dt 2 lc rgb "#d62728" t "ICMA, pre-trained"
EOF
}
panels() {  # where the keys go: $1 loss panel, $2 metric panel
  cat <<EOF
set xlabel "optimizer step"; set key $1
set ylabel "validation loss (target tokens)"
$(curves 3 4)
set ylabel "test $metric"; set key $2
$(curves 5 6)
EOF
}
if command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 900,420
set output "$out/learning_curve.png"
set multiplot layout 1,2 title "$task: ICMA (red) vs direct fine-tuning (blue); dashed: with pre-training"
$(panels "top right" "bottom right")
unset multiplot
EOF
  gnuplot <<EOF
set terminal dumb size 100,60
set output "$out/learning_curve.txt"
set multiplot layout 2,1 title "$task: ICMA vs direct fine-tuning, without and with pre-training"
$(panels "below horizontal" "below horizontal")
unset multiplot
EOF
  echo "plot: $out/learning_curve.png (as text: $out/learning_curve.txt)"
fi
