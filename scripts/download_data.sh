#!/usr/bin/env bash
# Downloads the public data icma works with into data/ (or $ICMA_DATA_DIR):
# the ChEBI-20 splits from the MolT5 repository and the SciBERT vocabulary
# used by the MolT5 text metrics. Files already present are kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${ICMA_DATA_DIR:-$root/data}"

fetch() {  # fetch URL DEST
  local url="$1" dest="$2"
  if [[ -s "$dest" ]]; then
    echo "have $dest"
    return
  fi
  mkdir -p "$(dirname "$dest")"
  echo "fetching $url"
  curl --fail --location --retry 3 --silent --show-error -o "$dest.part" "$url"
  mv "$dest.part" "$dest"
}

molt5="https://raw.githubusercontent.com/blender-nlp/MolT5/main/ChEBI-20_data"
for split in train validation test; do
  fetch "$molt5/$split.txt" "$data_dir/chebi20/$split.txt"
done
fetch "https://huggingface.co/allenai/scibert_scivocab_uncased/resolve/main/vocab.txt" \
  "$data_dir/vocab/scibert_scivocab_uncased/vocab.txt"
echo "data in $data_dir"
