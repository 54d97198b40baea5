#!/usr/bin/env bash
# Downloads a Hugging Face model directory, the files icma reads, checking each:
#
#   scripts/download_model.sh ORG/NAME [DEST]        (DEST: models/NAME)
#   scripts/download_model.sh facebook/galactica-125m && scripts/reproduce.sh --profile paper --model models/galactica-125m
#
# Fetched: config.json, generation_config.json, the tokenizer files
# (tokenizer.json, tokenizer.model, tokenizer_config.json, special_tokens_map.json,
# added_tokens.json, vocab.json, merges.txt, vocab.txt, spiece.model), a
# sentence-transformers model's modules.json, sentence_bert_config.json,
# config_sentence_transformers.json and 1_Pooling/config.json, and the weights:
# model.safetensors or its shards with model.safetensors.index.json, else
# pytorch_model.bin or its shards with pytorch_model.bin.index.json. Other
# files (README, other frameworks' weights, Mistral's consolidated.safetensors)
# are left out.
#
# The hub's file list (API .../api/models/ORG/NAME/tree/REVISION) gives each
# file's size and digest: the SHA-256 of a large (LFS) file, the git blob SHA-1
# of a small one. Every file is checked against both; a wrong one is deleted
# and the script stops (exit status 2) naming it. Downloads go to FILE.part and
# resume where they stopped (an interrupted run continues when run again; a
# dropped connection is resumed at once, up to $ICMA_DOWNLOAD_ATTEMPTS times,
# default 5). A file already in DEST is checked, not fetched again, and never
# replaced: one that differs from the hub's stops the script (exit status 2).
# No connection to the hub: exit status 1, saying so.
#
# Environment: ICMA_HF_ENDPOINT (or HF_ENDPOINT; default https://huggingface.co),
# a mirror; ICMA_HF_REVISION (default main), a branch, tag or commit; HF_TOKEN,
# for gated models (accept their terms on the hub first, e.g. Mistral-7B-Instruct).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py=/usr/bin/python3  # Debian's, standard library only
endpoint="${ICMA_HF_ENDPOINT:-${HF_ENDPOINT:-https://huggingface.co}}"
endpoint="${endpoint%/}"
revision="${ICMA_HF_REVISION:-main}"
attempts="${ICMA_DOWNLOAD_ATTEMPTS:-5}"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
case "${1:-}" in -h|--help) usage 0 ;; "") usage 2 >&2 ;; esac
repo="$1" dest="${2:-}"
(($# <= 2)) || { echo "download_model: too many arguments (ORG/NAME [DEST])" >&2; exit 2; }
[[ "$repo" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
  { echo "download_model: '$repo' is not a model name ORG/NAME (e.g. facebook/galactica-125m)" >&2; exit 2; }
dest="${dest:-$root/models/${repo#*/}}"
auth=()
[[ -z "${HF_TOKEN:-}" ]] || auth=(-H "Authorization: Bearer $HF_TOKEN")
curl_common=(--silent --show-error --location --connect-timeout 20 "${auth[@]}")

fail() { echo "download_model: $*" >&2; exit 2; }
offline() {  # offline CURL_STATUS
  echo "download_model: cannot reach $endpoint (curl exit status $1): no internet, or the hub is down." >&2
  echo "  Copy the model directory into $dest from elsewhere, or set ICMA_HF_ENDPOINT to a reachable mirror." >&2
  exit 1
}

# ---- the hub's list of files, and the ones to fetch: PATH<TAB>SIZE<TAB>sha256|sha1<TAB>DIGEST
listing="$(mktemp)"
trap 'rm -f "$listing"' EXIT
url="$endpoint/api/models/$repo/tree/$revision?recursive=true"
status=0
code="$(curl "${curl_common[@]}" --max-time 120 -o "$listing" -w '%{http_code}' "$url")" || status=$?
case "$status" in 0) ;; 6|7|28|35|52|56) offline "$status" ;; *) fail "listing $url failed (curl exit status $status)" ;; esac
case "$code" in
  200) ;;
  401|403) fail "$repo: access denied (HTTP $code): a gated or private model; accept its terms on the hub and set HF_TOKEN" ;;
  404) fail "$repo: no such model, or no revision '$revision' (HTTP 404 from $url)" ;;
  *) fail "$repo: listing its files failed (HTTP $code from $url)" ;;
esac
plan="$("$py" - "$listing" "$repo" <<'EOF'
import json, re, sys
path, repo = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    files = {e["path"]: e for e in entries if e.get("type") == "file"}
except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
    sys.exit("download_model: %s: the hub's file list is not what was expected (%s)" % (repo, e))
WANTED = {"config.json", "generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
          "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "vocab.txt", "spiece.model",
          "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json"}
chosen = [p for p in files if p in WANTED]
for stem, ext in (("model", "safetensors"), ("pytorch_model", "bin")):
    shards = [p for p in files if re.fullmatch(r"%s(-\d+-of-\d+)?\.%s" % (stem, ext), p)]
    if shards:
        chosen += shards + [p for p in files if p == "%s.%s.index.json" % (stem, ext)]
        break
else:
    sys.exit("download_model: %s has no model.safetensors or pytorch_model.bin (files: %s)"
             % (repo, ", ".join(sorted(files)) or "none"))
if "config.json" not in files:
    sys.exit("download_model: %s has no config.json: not a transformers model" % repo)
for p in sorted(chosen):
    e = files[p]
    lfs = e.get("lfs") or {}
    if lfs.get("oid"):
        kind, digest, size = "sha256", lfs["oid"], lfs.get("size", e.get("size"))
    else:
        kind, digest, size = "sha1", e.get("oid", ""), e.get("size")
    if not isinstance(size, int) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", str(digest)) or "\t" in p or "\n" in p:
        sys.exit("download_model: %s: no size or digest for %s in the hub's file list" % (repo, p))
    print("%s\t%d\t%s\t%s" % (p, size, kind, digest))
EOF
)" || exit 2

digest_of() {  # digest_of FILE sha256|sha1: the file's SHA-256, or its git blob SHA-1 (what the hub lists for small files)
  if [[ "$2" == sha256 ]]; then
    sha256sum "$1" | cut -d' ' -f1
  else
    { printf 'blob %d\0' "$(stat -c %s "$1")"; cat "$1"; } | sha1sum | cut -d' ' -f1
  fi
}

fetch() {  # fetch PATH SIZE KIND DIGEST
  local name="$1" size="$2" kind="$3" want="$4" target="$dest/$1" part="$dest/$1.part" got have status attempt
  if [[ -e "$target" ]]; then
    got="$(digest_of "$target" "$kind")"
    [[ "$(stat -c %s "$target")" == "$size" && "$got" == "$want" ]] ||
      fail "$target exists and is not $repo's $name ($kind $got, the hub's $want): move it away, or give another DEST"
    echo "ok $name"
    return
  fi
  mkdir -p "$(dirname "$target")"
  [[ ! -e "$part" || "$(stat -c %s "$part")" -le "$size" ]] || rm -f "$part"
  [[ "$size" -gt 0 ]] || : > "$part"
  for ((attempt = 1; ; attempt++)); do
    have=0
    [[ -e "$part" ]] && have="$(stat -c %s "$part")"
    ((have < size)) || break
    ((attempt <= attempts)) || { echo "download_model: $name: $have of $size bytes after $attempts attempts; run again to resume" >&2; exit 1; }
    if ((have > 0)); then echo "resuming $name at byte $have of $size"; else echo "fetching $name ($size bytes)"; fi
    status=0
    curl "${curl_common[@]}" --fail -C - -o "$part" "$endpoint/$repo/resolve/$revision/$name" || status=$?
    case "$status" in
      0) ;;
      6|7) offline "$status" ;;
      33) rm -f "$part" ;;  # the server does not resume: start again
      22) fail "$name: the hub refused it (HTTP error; gated or moved?): $endpoint/$repo/resolve/$revision/$name" ;;
      *) echo "download_model: $name: interrupted (curl exit status $status)" >&2 ;;
    esac
  done
  have="$(stat -c %s "$part")"
  got="$(digest_of "$part" "$kind")"
  if [[ "$have" != "$size" || "$got" != "$want" ]]; then
    rm -f "$part"
    fail "$name: wrong download ($have bytes, $kind $got; the hub lists $size bytes, $want): deleted, run again"
  fi
  mv "$part" "$target"
  echo "ok $name"
}

mkdir -p "$dest"
echo "$repo ($revision) -> $dest"
while IFS=$'\t' read -r name size kind digest; do
  fetch "$name" "$size" "$kind" "$digest"
done <<< "$plan"
echo "model in $dest"
