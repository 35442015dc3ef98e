#!/usr/bin/env bash
# Compares TB, SubTB, FL-SubTB and LED-SubTB at equal numbers of trajectories
# on bag and hypergrid (D=4, H=8) over several seeds, and prints a Markdown
# table of the final exact L1, |log Z error|, modes and top-100 (mean ± std).
#
#   scripts/compare_objectives.sh [SEEDS] [BAG_ROUNDS] [GRID_ROUNDS] [JOBS]
#
# Defaults: 3 seeds, 2000 rounds each (bag: 32 fresh trajectories a round,
# hypergrid: 16), 2 runs at a time (one torch thread each). Runs go to
# runs/compare/; the table goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-3}
BAG_ROUNDS=${2:-2000}
GRID_ROUNDS=${3:-2000}
JOBS=${4:-2}
BIN=build/launcher/ledgfn
[ -x "$BIN" ] || scripts/setup.sh >&2
OUT=runs/compare
mkdir -p "$OUT"

jobs_file=$(mktemp)
for task in bag hypergrid; do
  rounds=$BAG_ROUNDS
  extra=""
  if [ "$task" = hypergrid ]; then rounds=$GRID_ROUNDS; extra="--hypergrid_dim=4 --hypergrid_side=8"; fi
  for objective in tb subtb fl-subtb led-subtb; do
    for seed in $(seq 0 $((SEEDS - 1))); do
      dir="$OUT/$task-$objective-$seed"
      echo "$BIN train --task=$task $extra --objective=$objective --seed=$seed --rounds=$rounds --eval_every=$rounds --threads=1 --plot_script= --output_dir=$dir >$dir.log 2>&1 && echo done $dir >&2" >>"$jobs_file"
    done
  done
done
xargs -P "$JOBS" -I{} bash -c {} <"$jobs_file"
rm -f "$jobs_file"

echo "| task | objective | trajectories | exact L1 | abs(log Z error) | modes | top-100 reward |"
echo "|---|---|---|---|---|---|---|"
for task in bag hypergrid; do
  for objective in tb subtb fl-subtb led-subtb; do
    for seed in $(seq 0 $((SEEDS - 1))); do
      tail -n 1 "$OUT/$task-$objective-$seed/metrics.csv"
    done | awk -F, -v task="$task" -v obj="$objective" '
      { n++; traj=$2; for (k = 0; k < 4; k++) { c = (k==0?9:(k==1?8:(k==2?10:12))); v[k,n] = $c; s[k] += $c } }
      END {
        printf "| %s | %s | %d |", task, obj, traj
        for (k = 0; k < 4; k++) {
          m = s[k] / n; d = 0
          for (i = 1; i <= n; i++) d += (v[k,i] - m) ^ 2
          d = (n > 1) ? sqrt(d / (n - 1)) : 0
          if (k == 2) printf " %.0f ± %.0f |", m, d; else printf " %.4f ± %.4f |", m, d
        }
        printf "\n"
      }'
  done
done
