#!/usr/bin/env bash
# Plots a run's metrics.csv (written by `ledgfn train`) to a PNG with gnuplot,
# against trajectories sampled: modes, top-100 mean reward and exact L1; for
# multi-instance tasks (mis), the held-out test graphs' mean and best -E (MIS:
# |I|) against the baseline, the policy loss and log F(s_0); for tasks with a
# score (molecule), modes, the top-100 mean score and their Tanimoto
# similarity (with docking energies, the third argument `docking`: modes are
# molecules at -10 kcal/mol or better and the score is -affinity).
# Usage: scripts/plot_metrics.sh RUN_DIR/metrics.csv OUT.png [docking]
set -euo pipefail
if [ $# -ne 2 ] && ! { [ $# -eq 3 ] && [ "$3" = docking ]; }; then
  echo "usage: $0 metrics.csv out.png [docking]" >&2
  exit 2
fi
csv=$1 png=$2
modes_title="modes found (score >= 7.5, distinct SMILES)"
score_title="top-100 mean score"
if [ "${3:-}" = docking ]; then
  modes_title="modes found (affinity <= -10 kcal/mol, distinct SMILES)"
  score_title="top-100 mean -affinity (kcal/mol)"
fi
command -v gnuplot >/dev/null || { echo "gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -r "$csv" ] || { echo "cannot read $csv" >&2; exit 1; }
# The last row's value of a column; empty when the file has no such column
# or the run could not compute it (metrics.csv writes such values empty).
last_value() {
  local column
  column=$(head -n 1 "$csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1 || true)
  if [ -n "$column" ]; then tail -n 1 "$csv" | cut -d, -f"$column"; fi
}
# Multi-instance runs have test-set columns with values.
if [ -n "$(last_value test_mean_energy)" ]; then
  panels="set title 'held-out test graphs: -E (MIS: |I|)'
set key center right
plot '$csv' using 'trajectories':(-column('test_mean_energy')) with linespoints pt 7 ps 0.5 title 'mean', \\
     '' using 'trajectories':(-column('test_best_energy')) with linespoints pt 7 ps 0.5 title 'best per graph', \\
     '' using 'trajectories':(-column('baseline_energy')) with lines dt 2 title 'baseline'
set key off
set title 'policy loss'
plot '$csv' using 'trajectories':'policy_loss' with linespoints pt 7 ps 0.5
set title 'log F(s_0) (conditional log Z, batch mean)'
plot '$csv' using 'trajectories':'log_z' with linespoints pt 7 ps 0.5"
elif [ -n "$(last_value top100_score)" ]; then
  panels="set title '$modes_title'
plot '$csv' using 'trajectories':'modes' with linespoints pt 7 ps 0.5
set title '$score_title'
plot '$csv' using 'trajectories':'top100_score' with linespoints pt 7 ps 0.5
set title 'top-100 mean Tanimoto similarity'
plot '$csv' using 'trajectories':'top100_similarity' with linespoints pt 7 ps 0.5"
else
  panels="set title 'modes found'
plot '$csv' using 'trajectories':'modes' with linespoints pt 7 ps 0.5
set title 'top-100 mean reward'
plot '$csv' using 'trajectories':'top100' with linespoints pt 7 ps 0.5
set title 'exact L1 (policy vs target)'
plot '$csv' using 'trajectories':'l1' with linespoints pt 7 ps 0.5"
fi
gnuplot <<GP
set datafile separator ','
set terminal pngcairo size 1500,450 font ',10'
set output '$png'
set multiplot layout 1,3 title 'ledgfn: $(basename "$(dirname "$csv")")'
set xlabel 'trajectories sampled'
set grid
set key off
$panels
unset multiplot
GP
