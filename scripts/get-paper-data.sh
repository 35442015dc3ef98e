#!/usr/bin/env bash
# Puts the LED-GFN reference code's bag mode list where the issue-17 experiments
# (experiments/bag-*.json) read it: ../shared/data/bag/bagmodes-7-13-ABCDEFG.txt.
#
# The list is data, not something a rule reproduces: the reference code drew it
# once with an unseeded random.shuffle (exps/bag/bag.py, generate_modes), so the
# paper's numbers are only comparable on this exact file. We do not copy it into
# our tree; this script fetches it at a pinned commit and checks its SHA-256.
#
#   scripts/get-paper-data.sh                   # download (needs github.com)
#   scripts/get-paper-data.sh --from=DIR        # copy from a local clone of hsjang0/LED-GFN
#   DATA_DIR=elsewhere scripts/get-paper-data.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COMMIT=7eceeed8f5f814c144180d5253f008382be88949
SOURCE=led_gfn-Shen/datasets/bag/bagmodes-7-13-ABCDEFG.txt
SHA256=325fb83e352895748e4f80013ee6ef83f16ee2f9f9df4917b59b086af7e9c34a
DATA_DIR=${DATA_DIR:-../shared/data}
TARGET="$DATA_DIR/bag/bagmodes-7-13-ABCDEFG.txt"

from=""
for arg in "$@"; do
  case "$arg" in
    --from=*) from="${arg#--from=}" ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "get-paper-data: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

verify() { echo "$SHA256  $1" | sha256sum --check --status; }

if [ -f "$TARGET" ] && verify "$TARGET"; then
  echo "get-paper-data: $TARGET is present and verified"
  exit 0
fi
mkdir -p "$(dirname "$TARGET")"
tmp=$(mktemp "$TARGET.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if [ -n "$from" ]; then
  if [ -d "$from/.git" ] || git -C "$from" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$from" show "$COMMIT:$SOURCE" > "$tmp"
  elif [ -f "$from/$SOURCE" ]; then
    cp "$from/$SOURCE" "$tmp"
  else
    echo "get-paper-data: $from is neither a git clone of hsjang0/LED-GFN nor holds $SOURCE" >&2
    exit 1
  fi
else
  url="https://raw.githubusercontent.com/hsjang0/LED-GFN/$COMMIT/$SOURCE"
  if ! curl -fsSL --retry 3 -o "$tmp" "$url"; then
    echo "get-paper-data: could not download $url; without network, clone the repository" \
         "elsewhere and pass --from=CLONE" >&2
    exit 1
  fi
fi
if ! verify "$tmp"; then
  echo "get-paper-data: the file does not match SHA-256 $SHA256 (the commit $COMMIT version)" >&2
  exit 1
fi
mv "$tmp" "$TARGET"
trap - EXIT
echo "get-paper-data: wrote $TARGET ($(wc -l < "$TARGET") lines)"
