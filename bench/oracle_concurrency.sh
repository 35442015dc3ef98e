#!/usr/bin/env bash
# One actor with an expensive oracle (--oracle_latency_ms, default 20 ms per
# object): its trajectories/s for --oracle_threads 1, 2, 4, 8, each measured
# over SECONDS seconds in a real replay + learner + actor deployment on
# loopback. Prints a Markdown table with the speed-up over one thread.
#   bench/oracle_concurrency.sh [SECONDS] [LATENCY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
LATENCY=${2:-20}
B=build/launcher
[ -x $B/ledgfn_actor ] || scripts/setup.sh >&2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
NET="--task=bag --objective=subtb --hidden=64"

echo "| oracle threads | trajectories/s | speed-up |"
echo "|---|---|---|"
base=""
for threads in 1 2 4 8; do
  $B/ledgfn_replay --task=bag --address=127.0.0.1:0 --port_file=$work/r.port \
      --min_size_to_sample=32 --error_buffer=128 2>$work/replay.log &
  replay=$!
  while [ ! -s $work/r.port ]; do sleep 0.1; done
  $B/ledgfn_learner $NET --replay_address=127.0.0.1:$(cat $work/r.port) \
      --address=127.0.0.1:0 --port_file=$work/l.port --output_dir=$work/learner 2>$work/learner.log &
  learner=$!
  while [ ! -s $work/l.port ]; do sleep 0.1; done
  $B/ledgfn_actor $NET --replay_address=127.0.0.1:$(cat $work/r.port) \
      --learner_address=127.0.0.1:$(cat $work/l.port) --oracle_latency_ms=$LATENCY \
      --oracle_threads=$threads 2>$work/actor.log &
  actor=$!
  sleep "$SECONDS_PER_RUN"
  kill -TERM $actor; wait $actor || true
  kill -TERM $learner $replay; wait $learner $replay || true
  rate=$(sed -n 's/.*: \([0-9.]*\) trajectories\/s over.*/\1/p' $work/actor.log)
  [ -n "$base" ] || base=$rate
  awk -v t="$threads" -v r="$rate" -v b="$base" 'BEGIN { printf "| %d | %s | %.2fx |\n", t, r, r / b }'
  rm -f $work/r.port $work/l.port
done
