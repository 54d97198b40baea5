#!/usr/bin/env bash
# Fuzzes icma::llm::Tokenizer with libFuzzer under AddressSanitizer and
# UndefinedBehaviorSanitizer (tests/fuzz/tokenizer_fuzz.cpp): random bytes to
# encode/decode of every real tokenizer under $ICMA_SHARED_DIR/models, and
# random (raw and structured) tokenizer.json files to the loader.
# Not part of the CMake build or CI.
#
# Usage (from anywhere):
#   scripts/fuzz.sh [MINUTES] [-- EXTRA LIBFUZZER FLAGS]
# MINUTES defaults to 10. Also: ICMA_SHARED_DIR (default ../shared), JOBS
# (parallel compile jobs, default nproc), FUZZ_DIR (build and corpus, default
# build-fuzz/). Prints the number of executions at the end; a crash leaves
# FUZZ_DIR/crash-* (rerun it with: FUZZ_DIR/tokenizer_fuzz FUZZ_DIR/crash-...).
#
# Needs clang++ and libFuzzer (Debian: clang, libclang-rt-14-dev) plus the
# library's -dev packages (scripts/setup.sh); missing compiler packages are
# installed here with apt-get when run as root.
set -euo pipefail

MINUTES=10
if [[ $# -gt 0 && "$1" != "--" ]]; then MINUTES="$1"; shift; fi
[[ $# -gt 0 && "$1" == "--" ]] && shift
EXTRA=("$@")

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ICMA_SHARED_DIR="${ICMA_SHARED_DIR:-$ROOT/../shared}"
FUZZ_DIR="${FUZZ_DIR:-$ROOT/build-fuzz}"
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$FUZZ_DIR/obj" "$FUZZ_DIR/corpus" "$FUZZ_DIR/seeds"

# --- compiler and libFuzzer -----------------------------------------------------------
CXX="${CXX_FUZZ:-}"
if [[ -z "$CXX" ]]; then
  for candidate in clang++ clang++-14 clang++-15 clang++-16; do
    if command -v "$candidate" >/dev/null; then CXX="$candidate"; break; fi
  done
fi
has_libfuzzer() {
  [[ -n "$CXX" ]] || return 1
  echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' \
    | "$CXX" -x c++ -fsanitize=fuzzer -o /dev/null - 2>/dev/null
}
if ! has_libfuzzer; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "fuzz.sh: installing clang and libFuzzer (clang, libclang-rt-14-dev)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    CXX=clang++
  fi
  has_libfuzzer || { echo "fuzz.sh: need clang++ with libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
fi

# --- build ------------------------------------------------------------------------------
FLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I"$ROOT/include" -I"$ROOT/src" $(pkg-config --cflags sentencepiece oniguruma icu-uc 2>/dev/null))
# The llm module and what it uses from core and text (app.cpp needs the generated version header: left out).
SOURCES=("$ROOT"/src/tokenizer/*.cpp "$ROOT"/src/core/{atomic_file,output_ownership,parallel,utf8,log,progress}.cpp "$ROOT"/src/text/*.cpp)
objects=()
pids=()
for src in "${SOURCES[@]}"; do
  [[ -f "$src" ]] || continue
  obj="$FUZZ_DIR/obj/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o"
  objects+=("$obj")
  if [[ ! -f "$obj" || "$src" -nt "$obj" || "$0" -nt "$obj" || -n "$(find "$ROOT/include" "$ROOT/src" -name '*.hpp' -newer "$obj" -print -quit)" ]]; then
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    pids+=($!)
    if (( ${#pids[@]} >= JOBS )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
echo "fuzz.sh: linking $FUZZ_DIR/tokenizer_fuzz"
"$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/tokenizer_fuzz.cpp" "${objects[@]}" \
  -o "$FUZZ_DIR/tokenizer_fuzz" \
  $(pkg-config --libs sentencepiece oniguruma icu-uc) -lspdlog -lfmt -lpthread

# --- seeds: texts (mode byte 0x80), small tokenizer.json files (0x00), structured (0x40) ---
seed() { printf '%b' "$2" > "$FUZZ_DIR/seeds/$1"; }
seed text-caption '\x80The molecule is a steroid ester that is methyl (17E)-pregna-4,17-dien-21-oate.'
seed text-smiles '\x80C[C@]12CCC(=O)C=C1CC[C@@H]3[C@@H]2C(=O)C[C@]\\4([C@H]3CC/C4=C/C(=O)OC)C'
seed text-markers '\x80[START_I_SMILES]CCO[END_I_SMILES] <s> </s> <|endoftext|> <unk> caf\xc3\xa9 \xe4\xb8\xad\xf0\x9f\x98\x80 12345678'
seed text-space '\x80  \t\n\r\n   x  '
seed json-bpe '\x00{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}'
seed json-full '\x00{"added_tokens": [{"id": 0, "content": "<s>", "special": true}], "normalizer": {"type": "NFKC"}, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "model": {"type": "BPE", "vocab": {"<s>": 0, "a": 1}, "merges": []}, "decoder": {"type": "ByteLevel"}}'
seed json-wordpiece '\x00{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1, "##b": 2}, "unk_token": "[UNK]"}}'
for i in 0 1 2 3 4 5 6 7; do seed "structured-$i" "\\x40\\x0$i\\x01\\x02\\x03\\x04\\x05\\x06\\x07The molecule CCO 123"; done
DICT="$FUZZ_DIR/json.dict"
cat > "$DICT" <<'EOF'
"{"
"}"
"["
"]"
"\"type\""
"\"model\""
"\"vocab\""
"\"merges\""
"\"BPE\""
"\"WordPiece\""
"\"WordLevel\""
"\"normalizer\""
"\"pre_tokenizer\""
"\"decoder\""
"\"post_processor\""
"\"added_tokens\""
"\"Sequence\""
"\"ByteLevel\""
"\"Metaspace\""
"\"Split\""
"\"Regex\""
"\"pattern\""
"\"behavior\""
"\"NFKC\""
"\"Replace\""
"\"TemplateProcessing\""
"\"special_tokens\""
"\"content\""
"\"id\""
"null"
"true"
"false"
"<s>"
"</s>"
"[START_I_SMILES]"
"<|endoftext|>"
EOF

# --- run ----------------------------------------------------------------------------------
SECONDS_TOTAL=$(( MINUTES * 60 ))
echo "fuzz.sh: fuzzing for $MINUTES min (ICMA_SHARED_DIR=$ICMA_SHARED_DIR)"
LOG="$FUZZ_DIR/fuzz.log"
set +e
(cd "$FUZZ_DIR" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ./tokenizer_fuzz -max_total_time="$SECONDS_TOTAL" -max_len=4096 -timeout=30 -rss_limit_mb=4096 \
  -dict="$DICT" -print_final_stats=1 "${EXTRA[@]}" corpus seeds) >"$LOG" 2>&1
status=$?
set -e
tail -n 25 "$LOG"
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' | tail -1)
echo "fuzz.sh: exit status $status, executions: ${execs:-unknown} in $MINUTES min; log: $LOG"
exit "$status"
