# Make-like stages for pipeline scripts (sourced, not run): a stage's command
# runs only when its output is missing or was made by another command or from
# other inputs, so a re-run is cheap and an interrupted run continues.
#
#   source scripts/lib/stage.sh
#   stage_init RUN_DIR            # stamps in RUN_DIR/.stamps, times in RUN_DIR/timings.tsv
#   stage NAME OUTPUT [--clean PATH] INPUT... -- COMMAND...
#   stage_done                    # publishes timings.tsv (written aside until then)
#
# The stamp RUN_DIR/.stamps/NAME holds the stage's signature: its command line
# and the size and modification time of each INPUT. COMMAND runs unless OUTPUT
# exists and the stamp matches; each stage adds "NAME<TAB>seconds<TAB>ran" (or
# "NAME<TAB>0<TAB>skipped") to timings.tsv. Why sizes and times, not hashes:
# inputs are datasets and model files of up to gigabytes, re-hashed on every run.
#
# A stage interrupted earlier with the same signature continues: its partial
# work (training checkpoints, OUTPUT.partial) is kept for the command's own
# --resume. One last started with another signature (other settings) first
# removes OUTPUT, OUTPUT.partial and the --clean path, so nothing stale is
# resumed. A failing COMMAND stops the script (set -e) without a stamp.

log() { echo "[$(basename "$0" .sh) $(date +%H:%M:%S)] $*" >&2; }

stage_init() {
  stage_stamps="$1/.stamps" stage_timings="$1/timings.tsv"
  mkdir -p "$stage_stamps"
  : > "$stage_timings.new"
}

stage_done() { mv "$stage_timings.new" "$stage_timings"; }

stage() {
  local name="$1" output="$2" clean="" inputs=() signature
  shift 2
  if [[ "$1" == --clean ]]; then clean="$2"; shift 2; fi
  while [[ "$1" != -- ]]; do inputs+=("$1"); shift; done
  shift
  local stamp="$stage_stamps/$name"
  signature="$(printf '%q ' "$@"; echo; for f in "${inputs[@]}"; do if [[ -e "$f" ]]; then stat -c '%n %s %Y' "$f"; fi; done)"
  if [[ -e "$output" && -f "$stamp" && "$(cat "$stamp")" == "$signature" ]]; then
    printf '%s\t0\tskipped\n' "$name" >> "$stage_timings.new"
    log "$name: up to date"
    return
  fi
  if [[ ! -f "$stamp.started" || "$(cat "$stamp.started")" != "$signature" ]]; then
    rm -rf "$output" "$output.partial" ${clean:+"$clean"}
  fi
  printf '%s\n' "$signature" > "$stamp.started"
  log "$name ..."
  local start=$SECONDS
  "$@"
  printf '%s\n' "$signature" > "$stamp.tmp" && mv "$stamp.tmp" "$stamp"
  printf '%s\t%s\tran\n' "$name" "$((SECONDS - start))" >> "$stage_timings.new"
}
