#!/usr/bin/env bash
# Training throughput: LoRA steps of a Galactica-125M-shaped random model
# (configs/models/galactica-125m.json; r 8, alpha 16, every linear layer but
# lm_head; cutoff 512; micro-batch 2; fp32 on CPU), icma-train against the
# same steps in python3-torch eager with a hand-written LoRA
# (bench/train.py), same thread count, same machine.
# Reports tokens/s (all positions of the batch) over the timed steps and the
# peak resident memory of each process.
#
#   bench/train.sh [--steps 6] [--warmup 2] [--threads 2]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ICMA_BIN:-$root/build/bin}"
steps=6 warmup=2 threads=2
while (($#)); do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "usage: $0 [--steps N] [--warmup N] [--threads N]" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "bench/train.sh: making a random Galactica-125M-shaped model in $work" >&2
"$bin/icma-train" init --config "$root/configs/models/galactica-125m.json" --out "$work/galactica" --log-level warn

# Prompts of 300 bytes and targets of 300 bytes: with the byte-level
# tokenizer, 1 + 600 tokens, cut to 512, loss on the last 211 positions.
/usr/bin/python3 - "$work/prompts.jsonl" <<'PY'
import json, random, sys
random.seed(0)
letters = "CNOc1()=[]@H+-"
with open(sys.argv[1], "w") as out:
    for i in range(64):
        prompt = "".join(random.choice(letters) for _ in range(300))
        target = "".join(random.choice("abcdefghij ") for _ in range(300))
        out.write(json.dumps({"id": str(i), "task": "mol2cap", "prompt": prompt, "target": target}) + "\n")
PY

total=$((steps + warmup))
/usr/bin/time -v -o "$work/icma.time" "$bin/icma-train" --model "$work/galactica" --train "$work/prompts.jsonl" \
  --out "$work/run" --max-steps "$total" --global-batch 2 --micro-batch 2 --cutoff-len 512 \
  --lora-r 8 --lora-alpha 16 --lora-dropout 0.05 --threads "$threads" --log-level warn >/dev/null
/usr/bin/time -v -o "$work/python.time" /usr/bin/python3 "$root/bench/train.py" --model "$work/galactica" \
  --steps "$steps" --warmup "$warmup" --length 512 --micro-batch 2 --prompt-tokens 301 --threads "$threads" >"$work/python.json"

/usr/bin/python3 - "$work" "$warmup" "$total" <<'PY'
import json, re, sys
work, warmup, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = [json.loads(l) for l in open(f"{work}/run/train_log.jsonl") if '"loss"' in l]
by_step = {e["step"]: e for e in log}
tokens_per_step = 2 * 512
ours = (total - warmup) * tokens_per_step / (by_step[total]["elapsed_seconds"] - by_step[warmup]["elapsed_seconds"])
python = json.load(open(f"{work}/python.json"))["tokens_per_second"]
def peak(name):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{work}/{name}.time").read()).group(1)) / 1024
print("| implementation | tokens/s | peak RSS (MiB) |")
print("| --- | --- | --- |")
print(f"| icma-train (LibTorch) | {ours:.0f} | {peak('icma'):.0f} |")
print(f"| python3-torch eager + hand-written LoRA | {python:.0f} | {peak('python'):.0f} |")
print(f"\nspeed-up: {ours / python:.2f}x")
PY
