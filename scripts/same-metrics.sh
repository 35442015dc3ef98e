#!/usr/bin/env bash
# Checks that a change left training unchanged: runs two `ledgfn` binaries
# (e.g. one built from the commit before a refactor and one from after it)
# on the same fixed-seed runs and compares their metrics.csv, every column
# but the wall-clock ones (seconds, trajectories/s, rounds/s, oracle
# seconds). Prints one DIFFERS line per run that differs; exits 1 then.
#
#   scripts/same-metrics.sh OLD/ledgfn NEW/ledgfn [OUT_DIR]
#
# The runs: `ledgfn train` with its defaults, and each objective on hypergrid
# and bag for 60 rounds with evaluations every 20 (all with --actors=0, which
# is deterministic for a seed). Progress goes to stderr.
set -uo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
OLD=$1; NEW=$2; OUT=${3:-$(mktemp -d)}
for bin in "$OLD" "$NEW"; do
  [ -x "$bin" ] || { echo "same-metrics: $bin is not an executable" >&2; exit 2; }
done
RUNS=("default")
for task in hypergrid bag; do
  for obj in tb db subtb fl-db fl-subtb led-db led-subtb; do RUNS+=("$task $obj"); done
done
run() {  # run BIN DIR TASK OBJ
  local args=(train --plot_script= --output_dir="$2")
  [ -n "${3:-}" ] && args+=(--task="$3" --objective="$4" --rounds=60 --eval_every=20)
  "$1" "${args[@]}" > "$2.log" 2>&1
}
mkdir -p "$OUT/old" "$OUT/new"
status=0
for r in "${RUNS[@]}"; do
  read -r task obj <<< "$r"
  name=${obj:+$task-$obj}; name=${name:-default}
  echo "same-metrics: $name" >&2
  for side in old new; do
    bin=$OLD; [ $side = new ] && bin=$NEW
    run "$bin" "$OUT/$side/$name" "${obj:+$task}" "${obj:-}" || {
      echo "FAILED: $side $name (see $OUT/$side/$name.log)"; status=1; continue 2; }
  done
  # Values a run cannot compute were "nan" before 5c77cfc and are empty
  # cells since: compared as equal.
  diff <(cut -d, -f1,2,4-12,15-21 "$OUT/old/$name/metrics.csv" | sed 's/nan//g') \
       <(cut -d, -f1,2,4-12,15-21 "$OUT/new/$name/metrics.csv" | sed 's/nan//g') > /dev/null ||
    { echo "DIFFERS: $name"; status=1; }
done
echo "same-metrics: ${#RUNS[@]} runs in $OUT" >&2
exit $status
