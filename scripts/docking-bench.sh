#!/usr/bin/env bash
# Docking throughput against the number of oracle workers, measured in one run
# on this machine (docs/performance.md, "Docking oracle"): the same molecules
# (reference molecules FIRST..FIRST+N-1 of the sEH set) docked by `ledgfn dock`
# with no cache, at each worker count; prints molecules/s and the speed-up
# over one worker.
#
#   scripts/docking-bench.sh [N=8] [FIRST=20] [WORKERS="1 2"]
#
# Needs a build (scripts/setup.sh), autodock-vina and ../shared/data/seh.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8}
FIRST=${2:-20}
WORKERS=${3:-"1 $(nproc)"}
DATA=${LEDGFN_SEH_DATA_DIR:-../shared/data/seh}
BIN=${BUILD_DIR:-build}/launcher/ledgfn
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$DATA/reference_molecules.json" "$WORK/molecules.json" "$FIRST" "$N" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
first, n = int(sys.argv[3]), int(sys.argv[4])
data["molecules"] = data["molecules"][first:first + n]
json.dump(data, open(sys.argv[2], "w"))
PY
echo "docking $N reference molecules ($FIRST..$((FIRST + N - 1))), exhaustiveness 1, $(nproc) cores"
printf '%-8s %10s %14s %9s\n' workers seconds molecules/s speed-up
base=""
for w in $WORKERS; do
  start=$(date +%s.%N)
  "$BIN" dock --task=molecule --molecule_data_dir="$DATA" --input="$WORK/molecules.json" \
    --docking_workers="$w" --output="$WORK/out-$w.jsonl" 2>"$WORK/log-$w" || true
  end=$(date +%s.%N)
  python3 - "$start" "$end" "$N" "$w" "${base:-}" "$WORK/out-$w.jsonl" <<'PY'
import json, sys
start, end, n, w = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = float(sys.argv[5]) if sys.argv[5] else None
rate = n / (end - start)
lines = [json.loads(l) for l in open(sys.argv[6])]
docked = sum("affinity" in l for l in lines)
print(f"{w:<8} {end - start:10.1f} {rate:14.3f} {rate / base if base else 1.0:9.2f}"
      f"   ({docked}/{n} docked)")
PY
  [ -n "$base" ] || base=$(python3 -c "print($N / ($end - $start))")
done
