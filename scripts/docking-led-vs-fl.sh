#!/usr/bin/env bash
# LED-SubTB against FL-SubTB when every energy is a docking (docs/performance.md,
# "Docking oracle"): the same embedded run (molecule task, --molecule_energy=docking,
# same seed, rounds and batch) with each objective, one after the other on this machine;
# prints each one's wall time, trajectories/s, oracle energies and dockings, and the
# ratio of trajectories/s. FL asks the oracle for every state of every trajectory
# (molecules repeat across states and trajectories: the in-run cache answers those);
# LED for the terminal molecule only.
#
#   scripts/docking-led-vs-fl.sh [ROUNDS=3] [BATCH=8] [SEED=0]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BATCH=${2:-8}
SEED=${3:-0}
DATA=${LEDGFN_SEH_DATA_DIR:-../shared/data/seh}
BIN=${BUILD_DIR:-build}/launcher/ledgfn
OUT=${OUT:-runs/docking-led-vs-fl}
echo "molecule task, docking energies (exhaustiveness 1, $(nproc) workers), $ROUNDS rounds of $BATCH, seed $SEED"
printf '%-10s %9s %14s %16s %9s\n' objective seconds trajectories/s oracle-energies dockings
for objective in led-subtb fl-subtb; do
  "$BIN" train --task=molecule --molecule_data_dir="$DATA" --molecule_energy=docking \
    --objective="$objective" --rounds="$ROUNDS" --batch_size="$BATCH" --eval_every="$ROUNDS" \
    --seed="$SEED" --plot_script= --output_dir="$OUT/$objective" >"$OUT-$objective.log" 2>&1
  python3 - "$OUT/$objective" "$objective" <<'PY'
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/metrics.csv")))
last = rows[-1]
summary = open(sys.argv[1] + "/summary.txt").read()
docked = re.search(r"docking\s+(\d+) docked", summary).group(1)
seconds = float(last["seconds"])
print(f"{sys.argv[2]:<10} {seconds:9.1f} {float(last['trajectories']) / seconds:14.3f} "
      f"{last['oracle_objects']:>16} {docked:>9}")
PY
done
