#!/usr/bin/env bash
# The molecule (sEH) comparison of docs/results.md: LED-SubTB, SubTB and
# FL-SubTB with equal trajectories, embedded (`ledgfn train`) and then
# distributed (ledgfn_replay + ledgfn_learner + ACTORS ledgfn_actor
# processes on loopback).
#
#   scripts/molecule_runs.sh embedded|distributed [ROUNDS] [ACTORS]
#
# ROUNDS rounds of 32 trajectories per run (default 600 embedded, 300
# distributed); ACTORS actor processes (default 3). SEH_DATA (default
# ../shared/data/seh) is the sEH data directory. Runs go to
# runs/molecule/<mode>-<objective>/; each prints its summary (embedded) or
# the learner's last metrics.csv row and the actors' proxy energies
# (distributed). One compute thread per process.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?usage: scripts/molecule_runs.sh embedded|distributed [ROUNDS] [ACTORS]}
ACTORS=${3:-3}
SEH_DATA=${SEH_DATA:-../shared/data/seh}
B=build/launcher
[ -x "$B/ledgfn" ] || scripts/setup.sh >&2
[ -r "$SEH_DATA/seh_proxy_params.bin" ] || { echo "no sEH data in $SEH_DATA (set SEH_DATA)" >&2; exit 1; }
TASK=(--task=molecule "--molecule_data_dir=$SEH_DATA")
mkdir -p runs/molecule

case "$MODE" in
  embedded)
    ROUNDS=${2:-600}
    for obj in led-subtb subtb fl-subtb; do
      "$B/ledgfn" train "${TASK[@]}" --objective=$obj --rounds="$ROUNDS" --eval_every=100 \
        --threads=1 --seed=0 --output_dir="runs/molecule/embedded-$obj"
    done
    ;;
  distributed)
    ROUNDS=${2:-300}
    PIDS=()
    cleanup() { for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
    trap cleanup EXIT
    for obj in led-subtb subtb fl-subtb; do
      dir="runs/molecule/${RUN_PREFIX:-distributed}-$obj"
      rm -rf "$dir"; mkdir -p "$dir"
      PIDS=()
      "$B/ledgfn_replay" "${TASK[@]}" --address=127.0.0.1:0 --port_file="$dir/replay.port" \
        --metrics_port=0 --min_size_to_sample=64 >"$dir/replay.log" 2>&1 &
      PIDS+=($!)
      until [ -s "$dir/replay.port" ]; do sleep 0.2; done
      replay="127.0.0.1:$(cat "$dir/replay.port")"
      start=$(date +%s.%N)
      "$B/ledgfn_learner" "${TASK[@]}" --objective=$obj --replay_address="$replay" \
        --address=127.0.0.1:0 --port_file="$dir/learner.port" --metrics_port=0 \
        --rounds="$ROUNDS" --eval_every=50 --threads=1 --seed=0 --output_dir="$dir/learner" \
        >"$dir/learner.log" 2>&1 &
      learner_pid=$!
      PIDS+=($learner_pid)
      until [ -s "$dir/learner.port" ]; do sleep 0.2; done
      learner="127.0.0.1:$(cat "$dir/learner.port")"
      for i in $(seq 1 "$ACTORS"); do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        echo "$port" >"$dir/actor$i.metrics_port"
        "$B/ledgfn_actor" "${TASK[@]}" --objective=$obj --actor_id="$i" --replay_address="$replay" \
          --learner_address="$learner" --metrics_address=127.0.0.1 --metrics_port="$port" \
          --threads=1 >"$dir/actor$i.log" 2>&1 &
        PIDS+=($!)
      done
      wait "$learner_pid"
      wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
      # The actors' counters (sampled includes trajectories the learner did
      # not consume before it stopped). Their trajectory counters refresh once
      # a second, and without a learner the replay's rate limiter soon
      # blocks the actors: wait for both.
      sleep 3
      energies=0 sampled=0
      for i in $(seq 1 "$ACTORS"); do
        metrics=$(curl -s "http://127.0.0.1:$(cat "$dir/actor$i.metrics_port")/metrics" || true)
        energies=$((energies + $(awk '/^ledgfn_actor_oracle_objects_total/ { s += $2 } END { printf "%d", s }' <<<"$metrics")))
        sampled=$((sampled + $(awk '/^ledgfn_actor_trajectories_total/ { s += $2 } END { printf "%d", s }' <<<"$metrics")))
      done
      cleanup
      per=$(awk -v e="$energies" -v n="$sampled" 'BEGIN { printf "%.2f", n ? e / n : 0 }')
      echo "$obj: wall ${wall} s; actors sampled $sampled trajectories with $energies proxy energies ($per per trajectory)"
      head -1 "$dir/learner/metrics.csv" >"$dir/last_row.csv"
      tail -1 "$dir/learner/metrics.csv" >>"$dir/last_row.csv"
      cat "$dir/last_row.csv"
      echo "wall_seconds=$wall actor_trajectories=$sampled actor_energies=$energies" >"$dir/summary.txt"
    done
    ;;
  *) echo "unknown mode '$MODE' (embedded or distributed)" >&2; exit 2 ;;
esac
