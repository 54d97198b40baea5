# The data files of a reproduce.sh run (sourced after stage.sh, whose stages make them).
#
#   check_data DATA_DIR DATASET    exits 2, saying where to get it, unless DATA_DIR/DATASET
#                                  has test.txt and validation.txt; sets vocab (the SciBERT
#                                  vocab.txt of the Mol2Cap metrics, beside the data) and
#                                  spiece (MolT5's T5 spiece.model, the official ICMA code's
#                                  Mol2Cap tokens, beside it; empty when absent: optional)
#   prepare_data DATA_DIR DATASET RUN_DIR TEST_ROWS
#                                  sets train_file (the retrieval and training pool),
#                                  valid_file (validation loss), test_file (the queries:
#                                  the first TEST_ROWS rows, 0 = all) and note (where the
#                                  pool came from, for run.json)
#
# Without DATASET/train.txt, validation.txt is the pool and its last 200 rows are
# held out for validation loss. Validation uses up to 200 rows, and no more than
# TEST_ROWS when that is smaller, so a quick check stays quick.

check_data() {
  local data_dir="$1" dataset="$2" candidate
  if [[ ! -s "$data_dir/$dataset/test.txt" || ! -s "$data_dir/$dataset/validation.txt" ]]; then
    echo "reproduce: no $dataset data in $data_dir/$dataset (need test.txt and validation.txt)." >&2
    echo "  Download it with scripts/download_data.sh (needs internet), or point --data-dir / ICMA_DATA_DIR" >&2
    echo "  at a directory holding $dataset/{train,validation,test}.txt (e.g. ../shared/data here)." >&2
    exit 2
  fi
  vocab=""
  for candidate in "$data_dir/vocab/scibert_scivocab_uncased/vocab.txt" "$data_dir/../vocab/scibert_scivocab_uncased/vocab.txt"; do
    [[ -s "$candidate" ]] && { vocab="$candidate"; break; }
  done
  [[ -n "$vocab" ]] || { echo "reproduce: no SciBERT vocab.txt under $data_dir/vocab (scripts/download_data.sh fetches it)" >&2; exit 2; }
  spiece=""
  for candidate in "$data_dir/vocab/molt5-base-smiles2caption/spiece.model" "$data_dir/../vocab/molt5-base-smiles2caption/spiece.model"; do
    [[ -s "$candidate" ]] && { spiece="$candidate"; break; }
  done
  return 0
}

prepare_data() {
  local run="$3" test_rows="$4" source_dir="$1/$2" valid_rows=200
  ((test_rows > 0 && test_rows < 200)) && valid_rows=$test_rows
  mkdir -p "$run/data"
  valid_file="$run/data/valid.tsv"
  if [[ -s "$source_dir/train.txt" ]]; then
    train_file="$source_dir/train.txt"
    stage data.valid "$valid_file" "$source_dir/validation.txt" -- \
      bash -c 'head -n $(($3 + 1)) "$1" > "$2.tmp" && mv "$2.tmp" "$2"' _ "$source_dir/validation.txt" "$valid_file" "$valid_rows"
    note="train.txt is the training pool"
  else
    train_file="$run/data/train.tsv"
    # (the quoted script keeps the indentation it always had: it is part of the stage's stamp)
    stage data.split "$valid_file" "$source_dir/validation.txt" -- bash -c '
    rows=$(($(wc -l < "$1") - 1))
    head -n $((rows - 199)) "$1" > "$2.tmp" && { head -n 1 "$1"; tail -n 200 "$1" | head -n "$4"; } > "$3.tmp" &&
    mv "$2.tmp" "$2" && mv "$3.tmp" "$3"' _ "$source_dir/validation.txt" "$train_file" "$valid_file" "$valid_rows"
    note="no train.txt: validation.txt minus its last 200 rows is the training pool, those 200 rows the validation set"
  fi
  test_file="$source_dir/test.txt"
  if ((test_rows > 0)); then
    test_file="$run/data/test.tsv"
    stage data.test "$test_file" "$source_dir/test.txt" -- \
      bash -c 'head -n $(($3 + 1)) "$1" > "$2.tmp" && mv "$2.tmp" "$2"' _ "$source_dir/test.txt" "$test_file" "$test_rows"
  fi
}
