#!/usr/bin/env bash
# End-to-end benchmarks of the real programs (issue #6): `ledgfn train`, and
# ledgfn_replay + ledgfn_learner + ledgfn_actor processes on loopback.
#
# Prints every figure as a line
#   SUMMARY<TAB>metric<TAB>value<TAB>unit<TAB>target<TAB>verdict
# (verdict met, MISSED, or - without a target; the format of bench/bench_summary.h,
# which scripts/bench.sh collects) and, per section, a Markdown table on stdout.
# Progress goes to stderr. Run `bench/e2e.sh --help` for the options.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
bench/e2e.sh: end-to-end benchmarks of ledgfn on this machine (bag task, loopback).

Usage: bench/e2e.sh [options]

Sections (all by default; about 6 minutes in total on 2 cores):
  embedded      `ledgfn train` at the paper's reference settings (batch 32 + 32,
                2x16 MLPs, N_phi 8, SubTB lambda 0.99, led-subtb): rounds/s (target
                >= 50), trajectories/s, speed-up over the PyTorch reference's
                0.5 rounds/s, rounds and time to 100 and 500 modes; rounds/s at 2x256.
  distributed   replay + learner + --actors actors, no oracle latency: trajectories/s,
                learner rounds/s, where the learner's time goes, time to k modes.
  sweep         1, 2, 4, 8 actor processes, 20 ms oracle per object, 2x16 network:
                trajectories/s, scaling efficiency (target: 8 actors >= 0.8 x 8 x one
                actor), the replay's fresh samples per insert at each setting.
  objectives    2 actors, 5 ms oracle: LED-SubTB, SubTB and FL-SubTB trajectories/s
                (target: LED-SubTB >= 0.95 x SubTB).
  molecule      the sEH molecule task (`ledgfn train --task=molecule`, --molecule_rounds
                rounds of 32): energies the proxy computed and wall time per trajectory
                for SubTB, FL-SubTB and LED-SubTB (FL needs every state's energy, LED
                only the terminal one). Skipped, with a note, without the sEH data.
  soak          only with --soak=S: one distributed run of S seconds; RSS slope of
                its second half per role (MB/min).
Every distributed run also reports each role's RSS (first / last / peak, sampled
every second from /proc/PID/status).

Options:
  --sections=a,b,...   run only these sections (embedded, distributed, sweep,
                       objectives, molecule, soak)
  --seconds=N          measurement window of each distributed run (default 12),
                       after a warm-up of --warmup seconds (default 3)
  --warmup=N           seconds between the learner's first step and the window
  --rounds=N           rounds of each of the 3 embedded rate runs (default 400;
                       2x256: N/10)
  --mode_rounds=N      rounds of the embedded modes run (default 2600: 500 modes
                       are first reached near round 2000-2200 with seed 0)
  --actors=N           actors of the `distributed` section (default 2)
  --molecule_rounds=N  rounds of each molecule run (default 40)
  --seh_data=DIR       the sEH data directory (default ../shared/data/seh)
  --soak=S             add a soak run of S seconds (e.g. --soak=600)
  --keep               keep the work directory (logs, metrics.csv, scrapes)
  --help               this text

Needs build/launcher/{ledgfn,ledgfn_replay,ledgfn_learner,ledgfn_actor}; runs
scripts/setup.sh first when they are missing. Uses free loopback ports only, and
stops every process it started on exit (also on Ctrl-C).
EOF
}

SECTIONS="embedded,distributed,sweep,objectives,molecule"
MOLECULE_ROUNDS=40
SEH_DATA=../shared/data/seh
WINDOW=12
WARMUP=3
ROUNDS=400
MODE_ROUNDS=2600
ACTORS=2
SOAK=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --sections=*) SECTIONS=${arg#*=} ;;
    --seconds=*) WINDOW=${arg#*=} ;;
    --warmup=*) WARMUP=${arg#*=} ;;
    --rounds=*) ROUNDS=${arg#*=} ;;
    --mode_rounds=*) MODE_ROUNDS=${arg#*=} ;;
    --actors=*) ACTORS=${arg#*=} ;;
    --molecule_rounds=*) MOLECULE_ROUNDS=${arg#*=} ;;
    --seh_data=*) SEH_DATA=${arg#*=} ;;
    --soak=*) SOAK=${arg#*=} ;;
    --keep) KEEP=1 ;;
    *) echo "e2e.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
for v in WINDOW WARMUP ROUNDS MODE_ROUNDS ACTORS SOAK MOLECULE_ROUNDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "e2e.sh: --${v,,} must be a whole number, got '${!v}'" >&2; exit 2; }
done
[ "$WINDOW" -ge 2 ] || { echo "e2e.sh: --seconds must be >= 2" >&2; exit 2; }
[ "$ACTORS" -ge 1 ] || { echo "e2e.sh: --actors must be >= 1" >&2; exit 2; }
[ "$ROUNDS" -ge 10 ] || { echo "e2e.sh: --rounds must be >= 10" >&2; exit 2; }
[ "$MODE_ROUNDS" -ge 100 ] || { echo "e2e.sh: --mode_rounds must be >= 100" >&2; exit 2; }
[ "$MOLECULE_ROUNDS" -ge 1 ] || { echo "e2e.sh: --molecule_rounds must be >= 1" >&2; exit 2; }
[ "$SOAK" -eq 0 ] || SECTIONS="$SECTIONS,soak"
for s in ${SECTIONS//,/ }; do
  case "$s" in embedded|distributed|sweep|objectives|molecule|soak) ;;
    *) echo "e2e.sh: unknown section '$s' (see --help)" >&2; exit 2 ;; esac
done
want() { [[ ",$SECTIONS," == *",$1,"* ]]; }

B=build/launcher
for p in ledgfn ledgfn_replay ledgfn_learner ledgfn_actor; do
  if [ ! -x "$B/$p" ]; then
    echo "e2e.sh: $B/$p missing; building with scripts/setup.sh" >&2
    scripts/setup.sh >&2
    break
  fi
done
for p in ledgfn ledgfn_replay ledgfn_learner ledgfn_actor; do
  [ -x "$B/$p" ] || { echo "e2e.sh: $B/$p still missing after scripts/setup.sh" >&2; exit 1; }
done
for tool in python3 awk lscpu getconf; do
  command -v $tool >/dev/null || { echo "e2e.sh: needs $tool" >&2; exit 1; }
done
# Scrapes with curl where installed (cheaper), else with python3 (which
# scripts/setup.sh installs).
if command -v curl >/dev/null && [ -z "${E2E_NO_CURL:-}" ]; then
  fetch() { curl -s --max-time 2 "$1"; }
else
  fetch() {
    python3 -c 'import sys, urllib.request
try: sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception: pass' "$1"
  }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ledgfn-e2e.XXXXXX")
PIDS=()        # every process this script started and has not reaped
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$SLEEP_PID" ] || kill "$SLEEP_PID" 2>/dev/null || true
  if [ ${#PIDS[@]} -gt 0 ]; then
    kill -TERM "${PIDS[@]}" 2>/dev/null || true
    sleep 1
    kill -KILL "${PIDS[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  if [ "$KEEP" -eq 1 ]; then echo "e2e.sh: work directory kept: $work" >&2
  else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "e2e.sh: interrupted" >&2; exit 130' INT TERM

log() { echo "e2e.sh: $*" >&2; }
die() { echo "e2e.sh: error: $*" >&2; exit 1; }
# run_fg CMD...: runs CMD in the background and waits for it, so that a
# signal to this script reaches the trap (which stops CMD) at once.
run_fg() {
  local pid rc=0
  "$@" &
  pid=$!; PIDS+=("$pid")
  wait "$pid" || rc=$?
  forget_pid "$pid"
  return $rc
}
now() { date +%s.%N; }
# pause SECONDS: a sleep that a signal interrupts at once (bash runs a trap
# only after the foreground command ends; `wait` returns on the signal).
pause() {
  sleep "$1" &
  SLEEP_PID=$!
  wait "$SLEEP_PID" || true
  SLEEP_PID=""
}
SLEEP_PID=""
forget_pid() {  # drop $1 from PIDS
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# SUMMARY line; target empty = no target. $5 = "1" met, "0" missed.
summary() {
  local metric=$1 value=$2 unit=$3 target=${4:-} met=${5:-1} verdict="-"
  if [ -n "$target" ]; then [ "$met" = 1 ] && verdict=met || verdict=MISSED; fi
  printf 'SUMMARY\t%s\t%s\t%s\t%s\t%s\n' "$metric" "$value" "$unit" "${target:--}" "$verdict"
}
calc() { awk "BEGIN { v = $1; printf \"%.${2:-2}f\", v }"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }

MACHINE="$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1))"
log "work directory $work; $MACHINE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# ledgfn end-to-end benchmarks"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $MACHINE, load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Command: \`bench/e2e.sh $*\`"

# ---------------------------------------------------------------------------
# Embedded: ledgfn train.

REF_NET="--task=bag --objective=led-subtb --hidden=16 --layers=2 --potential_steps=8 --lambda=0.99 --batch_size=32 --replay_batch_size=32"

# First `seconds` at which column modes reaches k in metrics.csv, or nan.
seconds_to_modes() {
  awk -F, -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col["modes"] >= k { printf "%.1f", $col["seconds"]; found = 1; exit }
    END { if (!found) printf "nan" }' "$1"
}
last_col() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) n = i; next } { v = $n } END { print v }' "$1"; }

if want embedded; then
  # CPU seconds (user + system) of this shell's reaped children so far.
  # Sets CHILDREN_CPU; `times` must run in this shell, not in a $(...) subshell.
  children_cpu() {
    times >"$work/times"
    CHILDREN_CPU=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.3f", s }' "$work/times")
  }
  # rate_runs NAME ROUNDS FLAGS...: three runs of ROUNDS rounds each (the
  # machine is shared: one busy interval must not decide the figure); sets
  # RATE_MED, RATE_MIN, RATE_MAX (rounds/s), TRAJ_MED (trajectories/s) and
  # RATE_CPU: rounds per CPU second of the process (single-threaded with
  # --threads=1), the rate one idle core would give. A 1-round run first
  # measures the CPU cost of start-up and the two evaluations, subtracted.
  rate_runs() {
    local name=$1 rounds=$2 i rates=() trajs=() c0 c1 fixed cpu=0
    shift 2
    children_cpu; c0=$CHILDREN_CPU
    run_fg $B/ledgfn train "$@" --rounds=1 --eval_every=1 --plot_script= \
        --output_dir="$work/$name.0" >/dev/null 2>"$work/$name.0.log" ||
      die "ledgfn train failed: $(tail -3 "$work/$name.0.log")"
    children_cpu; c1=$CHILDREN_CPU; fixed=$(calc "$c1 - $c0" 3)
    for i in 1 2 3; do
      children_cpu; c0=$CHILDREN_CPU
      run_fg $B/ledgfn train "$@" --rounds="$rounds" --eval_every="$rounds" --plot_script= \
          --output_dir="$work/$name.$i" >/dev/null 2>"$work/$name.$i.log" ||
        die "ledgfn train failed: $(tail -3 "$work/$name.$i.log")"
      children_cpu; c1=$CHILDREN_CPU; cpu=$(calc "$cpu + $c1 - $c0 - $fixed" 3)
      rates+=("$(last_col "$work/$name.$i/metrics.csv" rounds_per_second)")
      trajs+=("$(last_col "$work/$name.$i/metrics.csv" trajectories_per_second)")
    done
    read -r RATE_MIN RATE_MED RATE_MAX < <(printf '%s\n' "${rates[@]}" | sort -g | paste -sd' ')
    TRAJ_MED=$(printf '%s\n' "${trajs[@]}" | sort -g | sed -n 2p)
    RATE_CPU=$(calc "3 * ($rounds - 1) / $cpu" 2)
  }
  log "embedded: ledgfn train, led-subtb 2x16, 3 x $ROUNDS rounds (rate)"
  rate_runs emb16 "$ROUNDS" $REF_NET
  r16=$RATE_MED; t16=$TRAJ_MED; r16_range="$RATE_MIN-$RATE_MAX"; r16_cpu=$RATE_CPU
  log "embedded: ledgfn train, led-subtb 2x16, $MODE_ROUNDS rounds evaluated every 100 (modes)"
  run_fg $B/ledgfn train $REF_NET --rounds="$MODE_ROUNDS" --eval_every=100 --plot_script= \
      --output_dir="$work/embmodes" >/dev/null 2>"$work/embmodes.log" || die "ledgfn train failed: $(tail -3 "$work/embmodes.log")"
  R256=$((ROUNDS / 10))
  log "embedded: ledgfn train, led-subtb 2x256, 3 x $R256 rounds (rate)"
  rate_runs emb256 "$R256" ${REF_NET/--hidden=16/--hidden=256}
  r256=$RATE_MED; t256=$TRAJ_MED; r256_range="$RATE_MIN-$RATE_MAX"; r256_cpu=$RATE_CPU
  echo
  echo "## Embedded (\`ledgfn train\`, bag, led-subtb, batch 32 + 32, N_phi 8, lambda 0.99, seed 0)"
  echo
  echo "Three runs per network; rounds/s and trajectories/s are their medians (wall clock). Rounds"
  echo "per CPU second: rounds over the processes' user + system time less start-up, about the rate on"
  echo "an idle core (the run is single-threaded); less sensitive than wall time to other users' load."
  echo
  echo "| network | rounds per run | rounds/s | range of the 3 runs | rounds per CPU second | trajectories/s | speed-up vs 0.5 rounds/s |"
  echo "|---|---|---|---|---|---|---|"
  echo "| 2x16 | $ROUNDS | $r16 | $r16_range | $r16_cpu | $t16 | $(calc "$r16 / 0.5" 0)x |"
  echo "| 2x256 | $R256 | $r256 | $r256_range | $r256_cpu | $t256 | $(calc "$r256 / 0.5" 0)x |"
  echo
  echo "Time to k modes (2x16; with --actors=0 the run is deterministic for its seed and build, so the round is exact to the"
  echo "evaluation interval of 100; wall time measured includes one exact evaluation per 100 rounds,"
  echo "training time is that round / the rounds/s above):"
  echo
  echo "| modes | first reached at round | wall time measured (s) | training time (s) |"
  echo "|---|---|---|---|"
  summary embedded_led_subtb_2x16_rounds_per_s "$r16" rounds/s ">= 50" "$(ge "$r16" 50)"
  summary embedded_led_subtb_2x16_trajectories_per_s "$t16" trajectories/s
  summary embedded_led_subtb_2x16_rounds_per_cpu_s "$r16_cpu" rounds/s
  summary embedded_speedup_vs_pytorch_reference "$(calc "$r16 / 0.5" 1)" x
  for k in 100 500; do
    read -r kr ks < <(awk -F, -v k="$k" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["modes"] >= k { print $col["round"], $col["seconds"]; found = 1; exit }
      END { if (!found) print "nan nan" }' "$work/embmodes/metrics.csv")
    kt=nan; [ "$kr" = nan ] || kt=$(calc "$kr / $r16" 1)
    echo "| $k | $kr | $ks | $kt |"
    summary "embedded_rounds_to_${k}_modes" "$kr" rounds
    summary "embedded_training_seconds_to_${k}_modes" "$kt" s
  done
  echo
  echo "$(last_col "$work/embmodes/metrics.csv" modes) modes after $MODE_ROUNDS rounds."
  summary embedded_led_subtb_2x256_rounds_per_s "$r256" rounds/s
  summary embedded_led_subtb_2x256_trajectories_per_s "$t256" trajectories/s
  summary embedded_led_subtb_2x256_rounds_per_cpu_s "$r256_cpu" rounds/s
fi

# ---------------------------------------------------------------------------
# Distributed runs.
#
# run_distributed NAME SECONDS NACTORS "ACTOR FLAGS" "NETWORK/OBJECTIVE FLAGS"
# starts replay, learner and NACTORS actors, waits for the learner's first
# step plus WARMUP seconds, then measures for SECONDS seconds: a monitor
# scrapes the replay's and the learner's /metrics and reads every role's RSS
# once a second into $work/NAME/{scrape,rss}.tsv; actors are scraped at the
# start and the end of the window. Results land in $work/NAME/result.

scrape() {  # scrape PORT -> "key value" lines, task/objective/actor labels dropped
  fetch "http://127.0.0.1:$1/metrics" | awk '
    /^#/ || NF < 2 { next }
    { key = $1; for (i = 2; i < NF; i++) key = key " " $i
      gsub(/(task|objective|actor)="[^"]*",?/, "", key); sub(/,}/, "}", key); sub(/\{\}/, "", key)
      gsub(/ /, "", key); print key, $NF }'
}

monitor() {  # monitor DIR ROLE_FILE REPLAY_PORT LEARNER_PORT (runs until killed)
  local dir=$1 roles=$2 rport=$3 lport=$4 t role pid k v rss hwm stat u n sy id io irq sirq st
  while :; do
    t=$(now)
    { scrape "$rport" | sed "s/^/$t replay /"; scrape "$lport" | sed "s/^/$t learner /"; } >>"$dir/scrape.tsv" || true
    while read -r role pid; do
      rss=""; hwm=""; stat=()
      while read -r k v _; do
        case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac
      done 2>/dev/null <"/proc/$pid/status" || true
      read -r -a stat 2>/dev/null <"/proc/$pid/stat" || true
      # CPU ticks used so far: utime + stime (fields 14 and 15).
      [ -n "$rss" ] && [ ${#stat[@]} -gt 15 ] &&
        echo "$t $role $rss $hwm $((stat[13] + stat[14]))" >>"$dir/rss.tsv"
    done <"$roles"
    # The whole machine's busy ticks (every process, other users' too).
    read -r _ u n sy id io irq sirq st _ </proc/stat
    echo "$t machine ledgfn_machine_busy_ticks $((u + n + sy + irq + sirq + st))" >>"$dir/scrape.tsv"
    sleep 1
  done
}

wait_file() {  # wait_file FILE PID WHAT: until FILE is non-empty; fail if PID died
  local i
  for ((i = 0; i < 300; i++)); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited at start: $(tail -3 "${1%.port}.log")"
    sleep 0.1
  done
  die "$3 wrote no port file in 30 s"
}

# slope FILE ROLE KEY T0 T1: least-squares slope of KEY over [T0, T1] (per s).
slope() {
  awk -v r="$2" -v k="$3" -v a="$4" -v b="$5" '$2 == r && $3 == k && $1 >= a && $1 <= b {
      x = $1 - a; n++; sx += x; sy += $4; sxx += x * x; sxy += x * $4 }
    END { d = n * sxx - sx * sx; if (n < 2 || d == 0) print "nan"; else printf "%.6g", (n * sxy - sx * sy) / d }' "$1"
}
# delta FILE ROLE KEY T0 T1: last minus first value in [T0, T1].
delta() {
  awk -v r="$2" -v k="$3" -v a="$4" -v b="$5" '$2 == r && $3 == k && $1 >= a && $1 <= b {
      if (!n++) first = $4; last = $4 }
    END { if (n < 2) print "nan"; else printf "%.6g", last - first }' "$1"
}
sum_key() {  # sum_key FILE KEY: sum of KEY over "key value" lines
  awk -v k="$2" '$1 == k { s += $2 } END { printf "%.6g", s + 0 }' "$1"
}

run_distributed() {
  local name=$1 seconds=$2 nactors=$3 actor_flags=$4 net=$5
  local dir=$work/$name i
  mkdir -p "$dir"
  local objective
  objective=$(sed -n 's/.*--objective=\([a-z-]*\).*/\1/p' <<<"$net")
  local rmetrics lmetrics replay_extra=""
  rmetrics=$(free_port); lmetrics=$(free_port)
  [[ $objective == fl-* ]] && replay_extra="--require_partial_energies"
  $B/ledgfn_replay --task=bag --address=127.0.0.1:0 --port_file="$dir/replay.port" \
      --metrics_address=127.0.0.1 --metrics_port="$rmetrics" $replay_extra 2>"$dir/replay.log" &
  local replay=$!; PIDS+=("$replay")
  echo "replay $replay" >"$dir/roles"
  wait_file "$dir/replay.port" "$replay" ledgfn_replay
  $B/ledgfn_learner $net --replay_address=127.0.0.1:"$(cat "$dir/replay.port")" \
      --address=127.0.0.1:0 --port_file="$dir/learner.port" --metrics_address=127.0.0.1 \
      --metrics_port="$lmetrics" --output_dir="$dir/learner" --eval_every=50 2>"$dir/learner.log" &
  local learner=$!; PIDS+=("$learner")
  echo "learner $learner" >>"$dir/roles"
  wait_file "$dir/learner.port" "$learner" ledgfn_learner
  local actor_ports=() actors=()
  for ((i = 1; i <= nactors; i++)); do
    local p; p=$(free_port); actor_ports+=("$p")
    $B/ledgfn_actor $net $actor_flags --actor_id="$i" \
        --replay_address=127.0.0.1:"$(cat "$dir/replay.port")" \
        --learner_address=127.0.0.1:"$(cat "$dir/learner.port")" \
        --metrics_address=127.0.0.1 --metrics_port="$p" 2>"$dir/actor$i.log" &
    actors+=($!); PIDS+=($!)
    echo "actor$i $!" >>"$dir/roles"
  done
  monitor "$dir" "$dir/roles" "$rmetrics" "$lmetrics" &
  local mon=$!; PIDS+=("$mon")
  # Wait for the first policy step.
  local t_start; t_start=$(now)
  until [ "$(scrape "$lmetrics" | sum_key /dev/stdin ledgfn_learner_steps_total)" != 0 ]; do
    for p in "$replay" "$learner" "${actors[@]}"; do
      kill -0 "$p" 2>/dev/null || die "$name: a process exited early; see $dir/*.log$( [ $KEEP = 1 ] || echo ' (use --keep)')"
    done
    awk -v a="$t_start" -v b="$(now)" 'BEGIN { exit !(b - a > 120) }' && die "$name: no learner step in 120 s"
    sleep 0.3
  done
  pause "$WARMUP"
  local t0 t1
  t0=$(now)
  for ((i = 0; i < nactors; i++)); do scrape "${actor_ports[$i]}" >"$dir/actor$((i + 1)).t0"; done
  pause "$seconds"
  for ((i = 0; i < nactors; i++)); do scrape "${actor_ports[$i]}" >"$dir/actor$((i + 1)).t1"; done
  t1=$(now)
  pause 1.2  # one more monitor sample at or after t1
  kill -TERM "$mon" 2>/dev/null || true; wait "$mon" 2>/dev/null || true; forget_pid "$mon"
  kill -TERM "${actors[@]}" "$learner" "$replay" 2>/dev/null || true
  for p in "${actors[@]}" "$learner" "$replay"; do
    local j
    for ((j = 0; j < 100; j++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    forget_pid "$p"
  done

  # Figures over the window [t0, t1].
  local f=$dir/scrape.tsv dt acked=0 sampled=0
  dt=$(calc "$t1 - $t0" 3)
  for ((i = 1; i <= nactors; i++)); do
    acked=$(calc "$acked + $(sum_key "$dir/actor$i.t1" ledgfn_actor_acked_total) - $(sum_key "$dir/actor$i.t0" ledgfn_actor_acked_total)" 1)
    sampled=$(calc "$sampled + $(sum_key "$dir/actor$i.t1" ledgfn_actor_trajectories_total) - $(sum_key "$dir/actor$i.t0" ledgfn_actor_trajectories_total)" 1)
  done
  local inserts fresh steps spi
  inserts=$(slope "$f" replay ledgfn_replay_inserts_total "$t0" "$t1")
  fresh=$(slope "$f" replay 'ledgfn_replay_samples_total{selector="fresh"}' "$t0" "$t1")
  steps=$(slope "$f" learner ledgfn_learner_steps_total "$t0" "$t1")
  spi=$(calc "$(delta "$f" replay 'ledgfn_replay_samples_total{selector="fresh"}' "$t0" "$t1") / $(delta "$f" replay ledgfn_replay_inserts_total "$t0" "$t1")" 3)
  {
    echo "consumed_per_s $(calc "$(slope "$f" learner ledgfn_learner_trajectories_total "$t0" "$t1")" 1)"
    echo "inserts_per_s $(calc "$inserts" 1)"
    echo "acked_per_s $(calc "$acked / $dt" 1)"
    echo "sampled_per_s $(calc "$sampled / $dt" 1)"
    echo "fresh_per_s $(calc "$fresh" 1)"
    echo "samples_per_insert $spi"
    echo "rounds_per_s $(calc "$steps" 2)"
    local ph
    for ph in sample_wait potential policy publish; do
      echo "learner_${ph}_share $(calc "$(slope "$f" learner "ledgfn_learner_step_seconds_total{phase=\"$ph\"}" "$t0" "$t1")" 3)"
    done
    echo "insert_blocked_share $(calc "$(slope "$f" replay 'ledgfn_replay_limiter_blocked_seconds_total{side="insert"}' "$t0" "$t1")" 3)"
    echo "sample_blocked_share $(calc "$(slope "$f" replay 'ledgfn_replay_limiter_blocked_seconds_total{side="sample"}' "$t0" "$t1")" 3)"
    # CPU cores used over the window: each role kind (actors summed), and
    # the whole machine (other users included).
    local hz kind
    hz=$(getconf CLK_TCK)
    for kind in replay learner actor; do
      echo "cpu_$kind $(awk -v a="$t0" -v b="$t1" -v kind="$kind" -v hz="$hz" '
        { k = $2; sub(/[0-9]+$/, "", k) }
        k == kind && $1 >= a - 1.2 && $1 <= b + 1.2 {
          if (!($2 in t0)) { t0[$2] = $1; c0[$2] = $5 } t1[$2] = $1; c1[$2] = $5 }
        END { for (p in t0) if (t1[p] > t0[p]) s += (c1[p] - c0[p]) / hz / (t1[p] - t0[p]); printf "%.2f", s }' "$dir/rss.tsv")"
    done
    echo "cpu_machine $(calc "$(slope "$f" machine ledgfn_machine_busy_ticks "$t0" "$t1") / $hz" 2)"
    echo "seconds_to_100_modes $(seconds_to_modes "$dir/learner/metrics.csv" 100)"
    echo "modes_at_end $(last_col "$dir/learner/metrics.csv" modes)"
    echo "learner_seconds_at_end $(last_col "$dir/learner/metrics.csv" seconds)"
  } >"$dir/result"
  # Memory per role kind (actors pooled: the largest): first, last, peak RSS
  # (MB) and the slope of RSS over the second half of the run (MB/min).
  awk '{ kind = $2; sub(/[0-9]+$/, "", kind); print $1, kind, $2, $3, $4 }' "$dir/rss.tsv" |
    awk -v out="$dir/memory" '
      { t = $1; k = $2; p = $3; n[p]++; if (n[p] == 1) first[p] = $4; last[p] = $4
        if ($5 > peak[p]) peak[p] = $5; kind[p] = k; if (!t0) t0 = t; T[p, n[p]] = t - t0; R[p, n[p]] = $4 }
      END {
        for (p in n) {
          h = int(n[p] / 2) + 1; m = 0; sx = sy = sxx = sxy = 0
          for (i = h; i <= n[p]; i++) { m++; sx += T[p, i]; sy += R[p, i]; sxx += T[p, i] ^ 2; sxy += T[p, i] * R[p, i] }
          d = m * sxx - sx * sx; s = (m >= 2 && d != 0) ? (m * sxy - sx * sy) / d * 60 / 1024 : 0
          k = kind[p]
          if (!(k in kf) || first[p] > kf[k]) kf[k] = first[p]
          if (!(k in kl) || last[p] > kl[k]) kl[k] = last[p]
          if (!(k in kp) || peak[p] > kp[k]) kp[k] = peak[p]
          if (!(k in ks) || s > ks[k]) ks[k] = s
        }
        # A slope over less than 30 s mostly sees start-up growth: "-".
        span = T[p, n[p]] - T[p, int(n[p] / 2) + 1]
        for (k in kf) {
          if (span >= 30) printf "%s %.1f %.1f %.1f %.2f\n", k, kf[k] / 1024, kl[k] / 1024, kp[k] / 1024, ks[k] > out
          else printf "%s %.1f %.1f %.1f -\n", k, kf[k] / 1024, kl[k] / 1024, kp[k] / 1024 > out
        }
      }'
}
res() { awk -v k="$2" '$1 == k { print $2 }' "$work/$1/result"; }
cpu_cell() { echo "$(res "$1" cpu_learner) / $(res "$1" cpu_actor) / $(res "$1" cpu_replay) / $(res "$1" cpu_machine)"; }
CPU_NOTE="CPU cores busy over the window (/proc/PID/stat): learner / all actors / replay / whole machine, other users' processes included ($(nproc) cores)."
mem_rows() {  # mem_rows NAME LABEL: Markdown rows of the memory table
  sort "$work/$1/memory" | while read -r kind first last peak slope; do
    echo "| $2 | $kind | $first | $last | $peak | $slope |"
  done
}
mem_summary() {  # mem_summary NAME
  sort "$work/$1/memory" | while read -r kind first last peak slope; do
    summary "${1}_${kind}_peak_rss" "$peak" MB
  done
}
MEM_ROWS=""

NET16="--task=bag --objective=led-subtb --hidden=16 --layers=2 --potential_steps=8 --lambda=0.99 --batch_size=32 --replay_batch_size=32"

if want distributed; then
  log "distributed: replay + learner + $ACTORS actors, led-subtb 2x16, no oracle latency, ${WINDOW} s window"
  run_distributed dist "$WINDOW" "$ACTORS" "" "$NET16"
  echo
  echo "## Distributed (replay + learner + $ACTORS actors on loopback, bag, led-subtb 2x16, no oracle latency)"
  echo
  echo "| trajectories/s (learner, fresh) | replay inserts/s | actors' acked/s | learner rounds/s | fresh samples per insert | learner time: sample wait / r_phi / policy / publish | replay limiter blocked: insert / sample | 100 modes after (learner s) | modes at end | CPU cores: learner / actors / replay / machine |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  echo "| $(res dist consumed_per_s) | $(res dist inserts_per_s) | $(res dist acked_per_s) | $(res dist rounds_per_s) | $(res dist samples_per_insert) | $(res dist learner_sample_wait_share) / $(res dist learner_potential_share) / $(res dist learner_policy_share) / $(res dist learner_publish_share) | $(res dist insert_blocked_share) / $(res dist sample_blocked_share) | $(res dist seconds_to_100_modes) | $(res dist modes_at_end) after $(res dist learner_seconds_at_end) s | $(cpu_cell dist) |"
  echo
  echo "$CPU_NOTE Actors' acked/s and replay inserts/s come from counters the processes refresh once a second (a few % of error over the window); the learner's count is exact."
  summary distributed_trajectories_per_s "$(res dist consumed_per_s)" trajectories/s
  summary distributed_replay_inserts_per_s "$(res dist inserts_per_s)" trajectories/s
  summary distributed_learner_rounds_per_s "$(res dist rounds_per_s)" rounds/s
  summary distributed_samples_per_insert "$(res dist samples_per_insert)" ratio
  summary distributed_seconds_to_100_modes "$(res dist seconds_to_100_modes)" s
  mem_summary dist
  MEM_ROWS+="$(mem_rows dist "distributed, $ACTORS actors")"$'\n'
fi

if want sweep; then
  echo
  echo "## Actor scale-out (20 ms oracle per object, 1 oracle thread per actor, bag, led-subtb 2x16)"
  echo
  echo "| actors | trajectories/s (learner, fresh) | replay inserts/s | per actor | efficiency vs 1 actor | fresh samples per insert | learner rounds/s | learner sample-wait share | replay insert blocked (s/s) | CPU cores: learner / actors / replay / machine |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  base=""
  for n in 1 2 4 8; do
    log "sweep: $n actor(s), 20 ms oracle, ${WINDOW} s window"
    run_distributed "sweep$n" "$WINDOW" "$n" "--oracle_latency_ms=20 --oracle_threads=1" "$NET16"
    rate=$(res "sweep$n" consumed_per_s)
    [ -n "$base" ] || base=$rate
    eff=$(calc "$rate / ($n * $base)" 3)
    echo "| $n | $rate | $(res "sweep$n" inserts_per_s) | $(calc "$rate / $n" 1) | $eff | $(res "sweep$n" samples_per_insert) | $(res "sweep$n" rounds_per_s) | $(res "sweep$n" learner_sample_wait_share) | $(res "sweep$n" insert_blocked_share) | $(cpu_cell "sweep$n") |"
    summary "sweep_${n}_actors_trajectories_per_s" "$rate" trajectories/s
    summary "sweep_${n}_actors_samples_per_insert" "$(res "sweep$n" samples_per_insert)" ratio
    MEM_ROWS+="$(mem_rows "sweep$n" "sweep, $n actors")"$'\n'
  done
  echo
  echo "$CPU_NOTE"
  summary sweep_8_actor_scaling_efficiency "$eff" ratio ">= 0.8" "$(ge "$eff" 0.8)"
fi

if want objectives; then
  echo
  echo "## Objectives at a fixed oracle cost (2 actors, 5 ms oracle per object, 1 oracle thread each, 2x16)"
  echo
  echo "| objective | trajectories/s (learner, fresh) | replay inserts/s | vs SubTB | learner rounds/s | fresh samples per insert | learner sample-wait share | learner r_phi share | replay insert blocked (s/s) | CPU cores: learner / actors / replay / machine |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for obj in subtb led-subtb fl-subtb; do
    log "objectives: $obj, 2 actors, 5 ms oracle, ${WINDOW} s window"
    run_distributed "obj_$obj" "$WINDOW" 2 "--oracle_latency_ms=5 --oracle_threads=1" "${NET16/--objective=led-subtb/--objective=$obj}"
  done
  sub=$(res obj_subtb consumed_per_s)
  for obj in subtb led-subtb fl-subtb; do
    r=$(res "obj_$obj" consumed_per_s)
    echo "| $obj | $r | $(res "obj_$obj" inserts_per_s) | $(calc "$r / $sub" 3) | $(res "obj_$obj" rounds_per_s) | $(res "obj_$obj" samples_per_insert) | $(res "obj_$obj" learner_sample_wait_share) | $(res "obj_$obj" learner_potential_share) | $(res "obj_$obj" insert_blocked_share) | $(cpu_cell "obj_$obj") |"
    summary "objective_${obj}_trajectories_per_s" "$r" trajectories/s
    MEM_ROWS+="$(mem_rows "obj_$obj" "objectives, $obj")"$'\n'
  done
  echo
  echo "$CPU_NOTE"
  led=$(calc "$(res obj_led-subtb consumed_per_s) / $sub" 3)
  summary objective_led_subtb_vs_subtb "$led" ratio ">= 0.95" "$(ge "$led" 0.95)"
  summary objective_fl_subtb_vs_subtb "$(calc "$(res obj_fl-subtb consumed_per_s) / $sub" 3)" ratio
fi

if want molecule; then
  echo
  echo "## Molecule (sEH proxy oracle): oracle calls and wall time per trajectory"
  echo
  if [ ! -r "$SEH_DATA/seh_proxy_params.bin" ]; then
    echo "Skipped: no sEH data in $SEH_DATA (--seh_data=DIR)."
    log "molecule: skipped, no sEH data in $SEH_DATA"
  else
    echo "\`ledgfn train --task=molecule --rounds=$MOLECULE_ROUNDS --threads=1\` (batch 32, one thread; the proxy runs inside the run)."
    echo
    echo "| objective | trajectories | proxy energies | energies per trajectory | proxy time per trajectory (ms) | wall time per trajectory (ms) | top-100 mean score |"
    echo "|---|---|---|---|---|---|---|"
    for obj in subtb fl-subtb led-subtb; do
      log "molecule: $obj, $MOLECULE_ROUNDS rounds"
      dir="$work/molecule_$obj"
      run_fg $B/ledgfn train --task=molecule --molecule_data_dir="$SEH_DATA" --objective=$obj \
        --rounds="$MOLECULE_ROUNDS" --eval_every="$MOLECULE_ROUNDS" --threads=1 --plot_script= \
        --output_dir="$dir" >"$dir.log" 2>&1
      csv="$dir/metrics.csv"
      n=$(last_col "$csv" trajectories)
      calls=$(last_col "$csv" oracle_objects)
      per=$(calc "$calls / $n" 2)
      oracle_ms=$(calc "1000 * $(last_col "$csv" oracle_seconds) / $n" 3)
      wall_ms=$(calc "1000 * $(last_col "$csv" seconds) / $n" 3)
      echo "| $obj | $n | $calls | $per | $oracle_ms | $wall_ms | $(calc "$(last_col "$csv" top100_score)" 3) |"
      key=${obj//-/_}
      summary "molecule_${key}_energies_per_trajectory" "$per" calls
      summary "molecule_${key}_oracle_ms_per_trajectory" "$oracle_ms" ms
      summary "molecule_${key}_wall_ms_per_trajectory" "$wall_ms" ms
    done
  fi
fi

if want soak; then
  log "soak: replay + learner + $ACTORS actors, led-subtb 2x16, 20 ms oracle x 4 threads, ${SOAK} s"
  run_distributed soak "$SOAK" "$ACTORS" "--oracle_latency_ms=20 --oracle_threads=4" "$NET16"
  MEM_ROWS+="$(mem_rows soak "soak ${SOAK} s, $ACTORS actors")"$'\n'
  echo
  echo "## Soak (${SOAK} s, $ACTORS actors, 20 ms oracle x 4 threads, led-subtb 2x16)"
  echo
  echo "trajectories/s $(res soak consumed_per_s) (replay inserts/s $(res soak inserts_per_s)), learner rounds/s $(res soak rounds_per_s), fresh samples per insert $(res soak samples_per_insert); RSS in the memory table."
  sort "$work/soak/memory" | while read -r kind first last peak slope; do
    summary "soak_${kind}_rss_slope_second_half" "$slope" MB/min
    summary "soak_${kind}_peak_rss" "$peak" MB
  done
fi

if [ -n "$MEM_ROWS" ]; then
  echo
  echo "## Memory (RSS sampled every second; actors: the largest of them)"
  echo
  echo "| run | role | first RSS (MB) | last RSS (MB) | peak RSS, VmHWM (MB) | RSS slope, second half (MB/min) |"
  echo "|---|---|---|---|---|---|"
  printf '%s' "$MEM_ROWS"
fi
log "done"
