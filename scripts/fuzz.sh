#!/usr/bin/env bash
# Fuzzes icma's readers of untrusted files with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer (tests/fuzz/*_fuzz.cpp).
# Not part of the CMake build or CI. Targets:
#   tokenizer       random bytes to encode/decode of every real tokenizer under
#                   $ICMA_SHARED_DIR/models, random and structured tokenizer.json files
#   dataset_tsv     dataset, predictions, plain query and OUT.partial files; generated text
#   neighbour_file  ICMA neighbour files
#   prompt_jsonl    prompt files (icma-prompt's JSONL)
#   config_json     JSON configs and model config.json
#   safetensors     safetensors files (headers above all)
#   unpickler       torch.save checkpoints: the zip container and the restricted unpickler
#   index_manifest  an index directory's manifest.json, opened and searched
# Every target asserts that bad input is refused only with icma::InputError,
# and checks what its reader promises (round trips, ranges).
#
# Usage (from anywhere):
#   scripts/fuzz.sh [MINUTES] [TARGET ...] [-- EXTRA LIBFUZZER FLAGS]
# MINUTES (default 10) is per target; no TARGET means all of them. Also:
# RUNS (stop a target after this many executions, whichever comes first),
# ICMA_SHARED_DIR (default ../shared), JOBS (parallel compile jobs, default
# nproc), FUZZ_DIR (build and corpora, default build-fuzz/). Prints each
# target's executions and exit status at the end; a finding leaves
# FUZZ_DIR/TARGET/crash-* (rerun it with: FUZZ_DIR/TARGET_fuzz FUZZ_DIR/TARGET/crash-...).
#
# Needs clang++ and libFuzzer (Debian: clang, libclang-rt-14-dev) plus the
# library's -dev packages (scripts/setup.sh); missing compiler packages are
# installed here with apt-get when run as root.
set -euo pipefail

MINUTES=10
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then MINUTES="$1"; shift; fi
ALL_TARGETS=(tokenizer dataset_tsv neighbour_file prompt_jsonl config_json safetensors unpickler index_manifest)
TARGETS=()
while [[ $# -gt 0 && "$1" != "--" ]]; do TARGETS+=("$1"); shift; done
[[ $# -gt 0 && "$1" == "--" ]] && shift
EXTRA=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL_TARGETS[@]}")
for target in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target' (${ALL_TARGETS[*]})" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ICMA_SHARED_DIR="${ICMA_SHARED_DIR:-$ROOT/../shared}"
FUZZ_DIR="${FUZZ_DIR:-$ROOT/build-fuzz}"
JOBS="${JOBS:-$(nproc)}"
mkdir -p "$FUZZ_DIR/obj" "$FUZZ_DIR/generated/icma/core"

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

# --- sources and libraries of each target -----------------------------------------------
# The version header CMake would generate (corpus_index.cpp records it).
printf '#pragma once\nnamespace icma {\ninline constexpr const char* kVersion = "fuzz";\n}\n' \
  > "$FUZZ_DIR/generated/icma/core/version.hpp"
FLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -D_GLIBCXX_USE_CXX11_ABI=1 -DSPDLOG_FMT_EXTERNAL -DFMT_SHARED
       -DICMA_SENTENCEPIECE_LINKED  # the plugin is linked in: ASan refuses RTLD_DEEPBIND
       -I"$ROOT/include" -I"$ROOT/src" -I"$FUZZ_DIR/generated"
       -isystem /usr/include/torch/csrc/api/include -isystem /usr/include/rdkit -isystem /usr/include/openbabel3
       -isystem /usr/include/lucene++
       $(pkg-config --cflags sentencepiece oniguruma icu-uc 2>/dev/null))
CORE=("$ROOT"/src/core/{atomic_file,atomic_directory,output_ownership,write_failure,parallel,utf8,log,progress,sha256,file_checksums,resume_check,config,cli_checks,random}.cpp)
BASE_LIBS=(-lspdlog -lfmt -lcrypto -lpthread)
TORCH_LIBS=(-L/usr/lib/x86_64-linux-gnu -ltorch -ltorch_cpu -lc10 -Wl,-rpath,/usr/lib/x86_64-linux-gnu)
RDKIT_LIBS=(-L/usr/lib -lRDKitFingerprints -lRDKitSubstructMatch -lRDKitSmilesParse -lRDKitFileParsers
            -lRDKitDepictor -lRDKitDataStructs -lRDKitGenericGroups -lRDKitGraphMol -lRDKitRDGeometryLib
            -lRDKitRDGeneral -lopenbabel -llucene++ -llucene++-contrib)
sources_of() {
  case "$1" in
    tokenizer) echo "$ROOT"/src/tokenizer/*.cpp "$ROOT"/plugins/sentencepiece/plugin.cpp "${CORE[@]}" "$ROOT"/src/text/*.cpp ;;
    dataset_tsv|neighbour_file) echo "$ROOT"/src/data/*.cpp "${CORE[@]}" ;;
    prompt_jsonl) echo "$ROOT"/src/prompt/prompt_file.cpp "$ROOT"/src/prompt/template.cpp "$ROOT"/src/data/*.cpp "${CORE[@]}" ;;
    config_json) echo "$ROOT"/src/model/config.cpp "${CORE[@]}" ;;
    safetensors|unpickler) echo "$ROOT"/src/weights/{safetensors,torch_checkpoint,dtype_names}.cpp "${CORE[@]}" ;;
    index_manifest) echo "$ROOT"/src/retrieval/*.cpp "$ROOT"/src/chem/*.cpp \
                      "$ROOT"/src/tokenizer/icma_bm25_words.cpp "$ROOT"/src/data/*.cpp "${CORE[@]}" ;;
  esac
}
libs_of() {
  case "$1" in
    tokenizer) echo $(pkg-config --libs sentencepiece oniguruma icu-uc) "${BASE_LIBS[@]}" ;;
    safetensors|unpickler) echo "${TORCH_LIBS[@]}" "${BASE_LIBS[@]}" ;;
    index_manifest) echo "${RDKIT_LIBS[@]}" $(pkg-config --libs icu-uc) "${BASE_LIBS[@]}" ;;
    *) echo "${BASE_LIBS[@]}" ;;
  esac
}

# --- build: each source once, instrumented; then one binary per target ---------------------
declare -A WANTED=()
for target in "${TARGETS[@]}"; do for src in $(sources_of "$target"); do WANTED["$src"]=1; done; done
pids=()
newest_header="$(find "$ROOT/include" "$ROOT/src" -name '*.hpp' -printf '%T@\n' | sort -n | tail -1)"
for src in "${!WANTED[@]}"; do
  [[ -f "$src" ]] || continue
  obj="$FUZZ_DIR/obj/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o"
  if [[ ! -f "$obj" || "$src" -nt "$obj" || "$0" -nt "$obj" ]] || (( $(stat -c %Y "$obj") < ${newest_header%.*} )); then
    "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    pids+=($!)
    if (( ${#pids[@]} >= JOBS )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
for target in "${TARGETS[@]}"; do
  objects=()
  for src in $(sources_of "$target"); do objects+=("$FUZZ_DIR/obj/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o"); done
  echo "fuzz.sh: linking $FUZZ_DIR/${target}_fuzz"
  # shellcheck disable=SC2046
  "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/${target}_fuzz.cpp" "${objects[@]}" \
    -o "$FUZZ_DIR/${target}_fuzz" $(libs_of "$target")
done

# --- seeds and dictionaries -----------------------------------------------------------------
seed() { mkdir -p "$FUZZ_DIR/$1/seeds"; printf '%b' "$3" > "$FUZZ_DIR/$1/seeds/$2"; }
seed_file() { mkdir -p "$FUZZ_DIR/$1/seeds"; { printf '%b' "$3"; cat "$4"; } > "$FUZZ_DIR/$1/seeds/$2"; }
FIXTURES="$ROOT/tests/fixtures"
# tokenizer: texts (mode byte 0x80), small tokenizer.json files (0x00), structured (0x40)
seed tokenizer text-caption '\x80The molecule is a steroid ester that is methyl (17E)-pregna-4,17-dien-21-oate.'
seed tokenizer text-smiles '\x80C[C@]12CCC(=O)C=C1CC[C@@H]3[C@@H]2C(=O)C[C@]\\4([C@H]3CC/C4=C/C(=O)OC)C'
seed tokenizer text-markers '\x80[START_I_SMILES]CCO[END_I_SMILES] <s> </s> <|endoftext|> <unk> caf\xc3\xa9 \xe4\xb8\xad\xf0\x9f\x98\x80 12345678'
seed tokenizer text-space '\x80  \t\n\r\n   x  '
seed tokenizer json-bpe '\x00{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}'
seed tokenizer json-full '\x00{"added_tokens": [{"id": 0, "content": "<s>", "special": true}], "normalizer": {"type": "NFKC"}, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "model": {"type": "BPE", "vocab": {"<s>": 0, "a": 1}, "merges": []}, "decoder": {"type": "ByteLevel"}}'
seed tokenizer json-wordpiece '\x00{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": 1, "##b": 2}, "unk_token": "[UNK]"}}'
for i in 0 1 2 3 4 5 6 7; do seed tokenizer "structured-$i" "\\x40\\x0$i\\x01\\x02\\x03\\x04\\x05\\x06\\x07The molecule CCO 123"; done
# dataset_tsv: one seed per reader (mode byte 0-6)
CHEBI="$ICMA_SHARED_DIR/data/chebi20/test.txt"
if [[ -f "$CHEBI" ]]; then head -n 4 "$CHEBI" > "$FUZZ_DIR/chebi-head.tsv"; else
  printf 'CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n' > "$FUZZ_DIR/chebi-head.tsv"; fi
seed_file dataset_tsv dataset '\x00' "$FUZZ_DIR/chebi-head.tsv"
seed_file dataset_tsv dataset-skip '\x01' "$FUZZ_DIR/chebi-head.tsv"
seed dataset_tsv predictions '\x02\xef\xbb\xbfSMILES\tground truth\toutput\r\nCCO\tThe molecule is ethanol.\tAn alcohol.\r\n\nC\tMethane.\t\n'
seed dataset_tsv predictions-c2m '\x03description\tground truth\toutput\textra\nA gas.\tC\tCC\tx\nA\tB\n'
seed dataset_tsv plain '\x04\xef\xbb\xbfCCO\r\n\n  C=O  \nc1ccccc1\n'
seed dataset_tsv partial '\x05# icma-generate partial output: row\tid\tinput\tground truth\toutput\n# settings: {"a": 1}\n1\t1\tCCO\tx\ty\r\n0\t0\tC\ta\tb\n2\t2\tC\tc\td'
seed dataset_tsv generated '\x06 \xef\xbb\xbfCaption:\r The\x00 molecule\xff\xc2\x85 is\t\xe2\x80\xa8ethanol. '
# neighbour_file
mkdir -p "$FUZZ_DIR/neighbour_file/seeds"
head -n 12 "$FIXTURES/prompt_chebi20_neighbours.tsv" > "$FUZZ_DIR/neighbour_file/seeds/official"
seed neighbour_file small 'q1\tc2\t0.9\nq1\tc3\t0.5\r\nq2\tc1\t1e-05\nq2\tc9\t146.7263390927887\n\n'
# prompt_jsonl: the flag byte picks the required fields
mkdir -p "$FUZZ_DIR/prompt_jsonl/seeds"
for file in "$FIXTURES"/prompt_chebi20_{mol2cap,cap2mol_zero_shot}.jsonl; do
  [[ -f "$file" ]] && seed_file prompt_jsonl "$(basename "$file")" '\x07' <(head -n 2 "$file")
done
seed prompt_jsonl minimal '\x00{"prompt": "a"}\n\n{"prompt": "b", "id": 7}\n'
# config_json
mkdir -p "$FUZZ_DIR/config_json/seeds"
for file in "$ROOT"/configs/models/*.json "$FIXTURES"/models/*/config.json "$FIXTURES"/models/llama-lora/adapter_config.json; do
  [[ -f "$file" ]] && cp "$file" "$FUZZ_DIR/config_json/seeds/$(basename "$(dirname "$file")")-$(basename "$file")"
done
# safetensors: whole files (0x00) and header + data (0x01, split byte)
mkdir -p "$FUZZ_DIR/safetensors/seeds"
for file in "$FIXTURES"/models/*/model.safetensors; do
  [[ -f "$file" ]] && seed_file safetensors "$(basename "$(dirname "$file")")" '\x00' "$file"
done
seed safetensors structured '\x01\x30{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}\x00\x00\x80\x3f\x00\x00\x00\x40'
# unpickler: whole checkpoints (0x00) and pickle programs (0x01)
mkdir -p "$FUZZ_DIR/unpickler/seeds"
for file in "$FIXTURES"/weights/*.pth "$FIXTURES"/gin_reference.pth; do
  [[ -f "$file" ]] || continue
  seed_file unpickler "$(basename "$file")" '\x00' "$file"
  /usr/bin/python3 - "$file" "$FUZZ_DIR/unpickler/seeds/pkl-$(basename "$file")" <<'PY' || true
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    name = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
    open(sys.argv[2], "wb").write(b"\x01" + archive.read(name))
PY
done
# index_manifest: raw manifests (even first byte) and edits of the real one (odd)
seed index_manifest raw '\x00{"format_version": 2, "corpus": {"path": "", "sha256": "", "rows": 5}, "files": {}}'
seed index_manifest edits '\x01\x05\x07\x11\x02\x23\x0e'
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
"\"normalizer\""
"\"pre_tokenizer\""
"\"decoder\""
"\"added_tokens\""
"\"content\""
"\"id\""
"\"prompt\""
"\"target\""
"\"task\""
"\"mol2cap\""
"\"cap2mol\""
"\"dtype\""
"\"shape\""
"\"data_offsets\""
"\"F32\""
"\"model_type\""
"\"llama\""
"\"vocab_size\""
"\"hidden_size\""
"\"files\""
"\"sha256\""
"\"size\""
"\"format_version\""
"null"
"true"
"false"
"<s>"
"</s>"
"\x09"
"\x0d\x0a"
"\xef\xbb\xbf"
EOF

# --- run ----------------------------------------------------------------------------------
SECONDS_PER_TARGET=$(( MINUTES * 60 ))
echo "fuzz.sh: fuzzing ${TARGETS[*]} for $MINUTES min each (ICMA_SHARED_DIR=$ICMA_SHARED_DIR)"
# LibTorch's zip reader leaks its state when an archive does not parse:
# not ours to fix, so not a finding.
printf 'leak:libtorch_cpu.so\nleak:libc10.so\n' > "$FUZZ_DIR/lsan.supp"
SUMMARY="$FUZZ_DIR/summary.tsv"
printf 'target\tstatus\texecutions\tseconds\n' > "$SUMMARY"
overall=0
for target in "${TARGETS[@]}"; do
  mkdir -p "$FUZZ_DIR/$target/corpus" "$FUZZ_DIR/$target/seeds"
  max_len=4096
  [[ "$target" == safetensors || "$target" == unpickler ]] && max_len=131072
  runs=()
  [[ -n "${RUNS:-}" ]] && runs=(-runs="$RUNS")
  LOG="$FUZZ_DIR/$target.log"
  start=$SECONDS
  set +e
  (cd "$FUZZ_DIR/$target" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:detect_container_overflow=0 \
    LSAN_OPTIONS=suppressions="$FUZZ_DIR/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1 "../${target}_fuzz" -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" \
    -timeout=30 -rss_limit_mb=4096 -dict="$DICT" -print_final_stats=1 "${runs[@]}" "${EXTRA[@]}" corpus seeds) \
    >"$LOG" 2>&1
  status=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOG" | grep -o '[0-9]*$' | tail -1)
  printf '%s\t%s\t%s\t%s\n' "$target" "$status" "${execs:-unknown}" "$((SECONDS - start))" >> "$SUMMARY"
  echo "fuzz.sh: $target: exit status $status, executions: ${execs:-unknown} in $((SECONDS - start)) s; log: $LOG"
  if [[ $status -ne 0 ]]; then tail -n 25 "$LOG"; overall=$status; fi
done
column -t "$SUMMARY" 2>/dev/null || cat "$SUMMARY"
exit "$overall"
