#!/usr/bin/env bash
# Downloads the public data icma works with into data/ (or $ICMA_DATA_DIR, or
# --data-dir DIR), checking each file's SHA-256:
#   chebi20/{train,validation,test}.txt      MolT5 repository, ChEBI-20_data/ (commit 754f9bf)
#   pubchem324k/{train,validation,test}.txt  ICMA repository, data/PubChem324k/molcap/raw/ (commit 974adf3)
#   vocab/scibert_scivocab_uncased/vocab.txt the SciBERT vocabulary the MolT5 text metrics use
#   vocab/molt5-base-smiles2caption/spiece.model
#                                            MolT5's T5 SentencePiece model: the Mol2Cap
#                                            tokens of the official ICMA code (naive_test.py),
#                                            icma-eval mol2cap --text-tokenizer sentencepiece
# Files already present are checked, not fetched again. Checksums known in
# advance are below; for a file without one (the train splits and spiece.model,
# which were not available where this script was written), the checksum of the
# first download is recorded in DIR/SHA256SUMS and later runs are checked
# against it. Hugging Face files come from $ICMA_HF_ENDPOINT (or $HF_ENDPOINT,
# else https://huggingface.co), for a mirror.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${ICMA_DATA_DIR:-$root/data}"
while (($#)); do
  case "$1" in
    --data-dir) data_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "download_data: unknown argument $1" >&2; exit 2 ;;
  esac
done

declare -A known=(
  [chebi20/test.txt]=91776254b54ef13ad701ede0ecdbd7bcd30c19a66e52aa34a6dac8d0e7306d72
  [chebi20/validation.txt]=f410b58e6825986577d01b4f0c14b59ed61c1343a15118ba584de4bbcea1508c
  [pubchem324k/test.txt]=0bdf2de078a24c2fd772eb08c97fecf014ba9fcb1edb5fa4a0483f2da7de17db
  [pubchem324k/validation.txt]=03d3e8248c98954c50934fcebc07e266ac8885238a3322fc457dc210bc91f75f
  [vocab/scibert_scivocab_uncased/vocab.txt]=f0a650346e51ede8996710f79ba65d83fdb8da05b159f17037b74ba4e3a36c6f
)
# google-t5's spiece.model (t5-small, t5-base: 791,656 bytes), which MolT5's is expected to be, unchecked
# (its own checksum could not be read from here): a recorded spiece.model is compared with it, for information.
t5_spiece=d60acb128cf7b7f2536e8f38a5b18a05535c9e14c7a355904270e15b0945ea86
hf="${ICMA_HF_ENDPOINT:-${HF_ENDPOINT:-https://huggingface.co}}"
hf="${hf%/}"
sums="$data_dir/SHA256SUMS"
mkdir -p "$data_dir"
touch "$sums"

expected() {  # the checksum a file must have, or nothing
  local name="$1"
  if [[ -n "${known[$name]:-}" ]]; then echo "${known[$name]}"; return; fi
  awk -v n="$name" '$2 == n { print $1 }' "$sums"
}

fetch() {  # fetch URL NAME
  local url="$1" name="$2" dest="$data_dir/$2" want got
  want="$(expected "$name")"
  if [[ ! -s "$dest" ]]; then
    mkdir -p "$(dirname "$dest")"
    echo "fetching $url"
    if ! curl --fail --location --retry 3 --silent --show-error -o "$dest.part" "$url"; then
      rm -f "$dest.part"
      echo "download_data: cannot fetch $url (no internet?)." >&2
      echo "  Put the files in $data_dir by hand, or point ICMA_DATA_DIR / --data-dir at a copy" >&2
      echo "  (scripts/reproduce.sh --data-dir DIR reads DIR/<dataset>/{train,validation,test}.txt)." >&2
      exit 1
    fi
    mv "$dest.part" "$dest"
  fi
  got="$(sha256sum "$dest" | cut -d' ' -f1)"
  if [[ -z "$want" ]]; then
    echo "$got  $name" >> "$sums"
    echo "recorded $name ($got)"
    if [[ "$name" == */spiece.model ]]; then
      if [[ "$got" == "$t5_spiece" ]]; then echo "  (the same file as google-t5's spiece.model)"
      else echo "  (not google-t5's spiece.model, $t5_spiece: check that it is MolT5's)"; fi
    fi
  elif [[ "$got" != "$want" ]]; then
    echo "download_data: $dest has SHA-256 $got, expected $want: delete it and run again" >&2
    exit 1
  else
    echo "ok $name"
  fi
}

molt5="https://raw.githubusercontent.com/blender-nlp/MolT5/754f9bf/ChEBI-20_data"
icma="https://raw.githubusercontent.com/phenixace/ICMA/974adf3/data/PubChem324k/molcap/raw"
for split in train validation test; do
  fetch "$molt5/$split.txt" "chebi20/$split.txt"
  fetch "$icma/$split.txt" "pubchem324k/$split.txt"
done
fetch "$hf/allenai/scibert_scivocab_uncased/resolve/main/vocab.txt" \
  "vocab/scibert_scivocab_uncased/vocab.txt"
fetch "$hf/laituan245/molt5-base-smiles2caption/resolve/main/spiece.model" \
  "vocab/molt5-base-smiles2caption/spiece.model"
echo "data in $data_dir"
