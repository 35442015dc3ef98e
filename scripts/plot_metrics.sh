#!/usr/bin/env bash
# Plots a run's metrics.csv (written by `ledgfn train`) to a PNG with gnuplot:
# modes, top-100 mean reward and exact L1 against trajectories sampled.
# Usage: scripts/plot_metrics.sh RUN_DIR/metrics.csv OUT.png
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 metrics.csv out.png" >&2
  exit 2
fi
csv=$1 png=$2
command -v gnuplot >/dev/null || { echo "gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -r "$csv" ] || { echo "cannot read $csv" >&2; exit 1; }
gnuplot <<GP
set datafile separator ','
set datafile missing 'nan'
set terminal pngcairo size 1500,450 font ',10'
set output '$png'
set multiplot layout 1,3 title 'ledgfn: $(basename "$(dirname "$csv")")'
set xlabel 'trajectories sampled'
set grid
set key off
set title 'modes found'
plot '$csv' using 'trajectories':'modes' with linespoints pt 7 ps 0.5
set title 'top-100 mean reward'
plot '$csv' using 'trajectories':'top100' with linespoints pt 7 ps 0.5
set title 'exact L1 (policy vs target)'
plot '$csv' using 'trajectories':'l1' with linespoints pt 7 ps 0.5
unset multiplot
GP
