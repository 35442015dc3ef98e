#!/usr/bin/env bash
# End-to-end smoke test of the docker-compose deployment (deploy/docker-compose.yml):
#
#   1. builds the ledgfn image from deploy/Dockerfile (and, when the Prometheus image
#      named in deploy/.env is not present, an equivalent one from Debian's `prometheus`
#      package, tagged under that name: nothing is pulled from Docker Hub);
#   2. starts replay, learner, 3 actors and Prometheus (Grafana is left out by a
#      compose override: its image is not available offline);
#   3. waits until the learner has published >= 3 policy versions and Prometheus
#      reports every target up;
#   4. runs every PromQL query of every panel of deploy/grafana/dashboards/ledgfn.json
#      against Prometheus's HTTP API and fails if one returns no data;
#   5. scales to 5 actors and waits for 5 actor targets with 5 distinct actor ids;
#   6. tears everything down (always, from an EXIT trap), volumes included.
#
# Engine: a real Docker engine when `docker info` works; otherwise podman + runc +
# debootstrap + docker-compose as in CONTAINERS.md (needs root; installs the Debian
# packages when missing). All traffic stays on this machine: published ports bind to
# 127.0.0.1 and are picked free.
#
#   deploy/smoke-test.sh                    # from anywhere
#   SMOKE_SKIP_BUILD=1 deploy/smoke-test.sh # reuse an existing ledgfn image
#
# Environment: SMOKE_WORK (scratch folder; default a new /tmp/ledgfn-smoke.*),
# SMOKE_KEEP_WORK=1 (keep it), SMOKE_PROJECT (compose project; default ledgfn-smoke),
# SMOKE_TRAIN_TIMEOUT_S (default 900), SMOKE_TARGETS_TIMEOUT_S (default 180),
# SMOKE_QUERY_TIMEOUT_S (default 180), SMOKE_ENGINE=docker|podman (default: detect),
# BUILD_JOBS (compile jobs in the image build; 0 = every core).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPLOY="$REPO/deploy"
PROJECT="${SMOKE_PROJECT:-ledgfn-smoke}"
TRAIN_TIMEOUT_S="${SMOKE_TRAIN_TIMEOUT_S:-900}"
TARGETS_TIMEOUT_S="${SMOKE_TARGETS_TIMEOUT_S:-180}"
QUERY_TIMEOUT_S="${SMOKE_QUERY_TIMEOUT_S:-180}"
ACTORS=3
SCALED_ACTORS=5
MIN_VERSIONS=3

T0=$(date +%s)
PHASE=""
PHASE_T0=$T0
PHASES=()
log() { printf '[smoke %5ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
end_phase() {
  if [ -n "$PHASE" ]; then
    local dt=$(( $(date +%s) - PHASE_T0 ))
    PHASES+=("$(printf '%6ds  %s' "$dt" "$PHASE")")
    log "done: $PHASE (${dt}s)"
  fi
  PHASE=""
}
phase() {
  end_phase
  PHASE="$*"
  PHASE_T0=$(date +%s)
  log "==== $PHASE"
}
die() { log "FAILED: $*"; exit 1; }

# Values from deploy/.env (the compose file reads the same file).
env_value() { sed -n "s/^$1=//p" "$DEPLOY/.env" | tail -n 1; }
LEDGFN_IMAGE="$(env_value LEDGFN_IMAGE)"
PROMETHEUS_IMAGE="$(env_value LEDGFN_PROMETHEUS_IMAGE)"
{ [ -n "$LEDGFN_IMAGE" ] && [ -n "$PROMETHEUS_IMAGE" ]; } || die "deploy/.env lacks LEDGFN_IMAGE or LEDGFN_PROMETHEUS_IMAGE"

WORK="${SMOKE_WORK:-$(mktemp -d /tmp/ledgfn-smoke.XXXXXX)}"
mkdir -p "$WORK"
PODMAN_SERVICE_PID=""
COMPOSE=()
STACK_UP=0
RESULT=1

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

compose() { "${COMPOSE[@]}" -p "$PROJECT" -f "$DEPLOY/docker-compose.yml" -f "$WORK/compose.smoke.yml" "$@"; }

cleanup() {
  local rc=$?
  set +e
  end_phase
  if [ "$STACK_UP" = 1 ]; then
    if [ "$RESULT" != 0 ]; then
      log "---- state at failure: compose ps"
      compose ps >&2
      for s in replay learner actor prometheus; do
        log "---- last log lines of $s"
        compose logs --no-color --tail=25 "$s" >&2
      done
    fi
    log "==== teardown: compose down -v"
    timeout 180 "${COMPOSE[@]}" -p "$PROJECT" -f "$DEPLOY/docker-compose.yml" \
      -f "$WORK/compose.smoke.yml" down -v --remove-orphans --timeout 20 >&2 \
      || log "compose down failed (rc $?)"
  fi
  if [ -n "$PODMAN_SERVICE_PID" ]; then
    log "stopping the podman API service (pid $PODMAN_SERVICE_PID)"
    kill "$PODMAN_SERVICE_PID" 2>/dev/null
    wait "$PODMAN_SERVICE_PID" 2>/dev/null
  fi
  if [ "${SMOKE_KEEP_WORK:-0}" != 1 ] && [ -z "${SMOKE_WORK:-}" ]; then
    rm -rf "$WORK"
  fi
  log "phase timings:"
  for p in "${PHASES[@]}"; do printf '    %s\n' "$p" >&2; done
  if [ "$RESULT" = 0 ] && [ "$rc" = 0 ]; then
    log "SMOKE TEST PASSED in $(( $(date +%s) - T0 ))s"
  else
    log "SMOKE TEST FAILED (rc $rc) after $(( $(date +%s) - T0 ))s"
    [ "$rc" != 0 ] || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

########################################################################################
phase "engine"
ENGINE="${SMOKE_ENGINE:-}"
if [ -z "$ENGINE" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then ENGINE=docker; else ENGINE=podman; fi
fi
log "engine: $ENGINE; scratch: $WORK; compose project: $PROJECT"
if [ "$ENGINE" = docker ]; then
  BUILD=(docker build)
  if command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose)
  elif docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
  else die "neither docker-compose nor 'docker compose' is installed"; fi
  export DOCKER_BUILDKIT=1   # reads deploy/Dockerfile.dockerignore
  image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
  image_size() { docker image inspect --format '{{.Size}}' "$1"; }
else
  [ "$(id -u)" = 0 ] || die "without a Docker engine this needs root (podman, debootstrap)"
  missing=()
  for p in podman runc debootstrap docker-compose; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
  # CONTAINERS.md step 2: runc, and limits this sandbox can grant.
  cat > "$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF="$WORK/containers.conf"
  BUILD=(podman build --network host --format docker --ignorefile "$DEPLOY/Dockerfile.dockerignore")
  COMPOSE=(docker-compose)
  image_exists() { podman image exists "$1"; }
  image_size() { podman image inspect --format '{{.Size}}' "$1"; }
  # CONTAINERS.md step 3: a local debian:bookworm, no registry.
  if ! image_exists docker.io/library/debian:bookworm; then
    phase "base image: debootstrap bookworm"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -f "$WORK"/rootfs/var/cache/apt/archives/*.deb
    tar -C "$WORK/rootfs" -c . | podman import - docker.io/library/debian:bookworm >&2
    rm -rf "$WORK/rootfs"
  else
    log "docker.io/library/debian:bookworm present"
  fi
fi

########################################################################################
cd "$REPO"
if [ "${SMOKE_SKIP_BUILD:-0}" = 1 ]; then
  image_exists "$LEDGFN_IMAGE" || die "SMOKE_SKIP_BUILD=1 but there is no image $LEDGFN_IMAGE"
  log "SMOKE_SKIP_BUILD=1: using the existing $LEDGFN_IMAGE"
else
  phase "build $LEDGFN_IMAGE (deploy/Dockerfile)"
  "${BUILD[@]}" --build-arg BUILD_JOBS="${BUILD_JOBS:-0}" -t "$LEDGFN_IMAGE" \
    -f deploy/Dockerfile . >"$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; die "image build failed (log above)"; }
  grep -E '^(\[[0-9]+/[0-9]+\] )?STEP|^Step ' "$WORK/build.log" | tail -n 3 >&2 || true
fi
log "image $LEDGFN_IMAGE: $(( $(image_size "$LEDGFN_IMAGE") / 1000000 )) MB"

if image_exists "$PROMETHEUS_IMAGE"; then
  log "$PROMETHEUS_IMAGE present"
else
  phase "build a local $PROMETHEUS_IMAGE from Debian's prometheus package"
  mkdir -p "$WORK/prometheus-image"
  cat > "$WORK/prometheus-image/Dockerfile" <<'EOF'
# Stand-in for the official prom/prometheus image (same entrypoint /bin/prometheus,
# user nobody, data in /prometheus; bookworm has /bin = /usr/bin).
FROM debian:bookworm
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOF
  if [ "$ENGINE" = docker ]; then
    docker build -t "$PROMETHEUS_IMAGE" "$WORK/prometheus-image" >"$WORK/prometheus-build.log" 2>&1
  else
    podman build --network host --format docker -t "docker.io/$PROMETHEUS_IMAGE" \
      "$WORK/prometheus-image" >"$WORK/prometheus-build.log" 2>&1
  fi || { tail -n 30 "$WORK/prometheus-build.log" >&2; die "Prometheus image build failed"; }
fi

########################################################################################
if [ "$ENGINE" = podman ]; then
  phase "podman API service"
  SOCK="$WORK/podman.sock"
  podman system service --time=0 "unix://$SOCK" >"$WORK/podman-service.log" 2>&1 &
  PODMAN_SERVICE_PID=$!
  export DOCKER_HOST="unix://$SOCK"
  for _ in $(seq 1 60); do
    curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null || die "podman API service did not start"
  log "DOCKER_HOST=$DOCKER_HOST (pid $PODMAN_SERVICE_PID)"
fi

phase "start the stack: replay, learner, $ACTORS actors, prometheus (no grafana)"
# Grafana's image cannot be pulled here: a profile nobody enables keeps it out.
cat > "$WORK/compose.smoke.yml" <<'EOF'
version: "3.8"
services:
  grafana:
    profiles: ["grafana-not-in-smoke-test"]
EOF
# Host ports are only read by compose's interpolation: free ones, on loopback.
export LEDGFN_PUBLISH_ADDRESS=127.0.0.1
LEDGFN_PROMETHEUS_HOST_PORT="$(free_port)"; export LEDGFN_PROMETHEUS_HOST_PORT
LEDGFN_REPLAY_HOST_PORT="$(free_port)"; export LEDGFN_REPLAY_HOST_PORT
LEDGFN_LEARNER_HOST_PORT="$(free_port)"; export LEDGFN_LEARNER_HOST_PORT
LEDGFN_GRAFANA_HOST_PORT="$(free_port)"; export LEDGFN_GRAFANA_HOST_PORT
PROM="http://127.0.0.1:$LEDGFN_PROMETHEUS_HOST_PORT"
compose config -q || die "compose config is invalid"
STACK_UP=1
compose up -d --scale actor=$ACTORS >&2 || die "compose up failed"
compose ps >&2

phase "wait for Prometheus at $PROM"
for _ in $(seq 1 120); do
  curl -sf "$PROM/-/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "$PROM/-/ready" >/dev/null || die "Prometheus not ready at $PROM"

# query EXPR -> prints the API's JSON (exit 1 on HTTP/API error).
query() { curl -sfG --max-time 10 "$PROM/api/v1/query" --data-urlencode "query=$1"; }
# scalar EXPR -> the first sample's value, or "none".
scalar() {
  query "$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "none")
except Exception:
    print("none")' || echo none
}
# targets -> "job health" lines, one per active target.
targets() {
  curl -sf --max-time 10 "$PROM/api/v1/targets?state=active" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print(t["labels"]["job"], t["health"], t["labels"].get("instance", ""), t.get("lastError", "").replace(" ", "_")[:120])'
}

phase "wait for >= $MIN_VERSIONS policy versions (timeout ${TRAIN_TIMEOUT_S}s)"
deadline=$(( $(date +%s) + TRAIN_TIMEOUT_S ))
last=0
while :; do
  v="$(scalar 'max(ledgfn_learner_policy_version)')"
  if [ "$v" != none ] && python3 -c "import sys; sys.exit(0 if float('$v') >= $MIN_VERSIONS else 1)"; then
    log "learner published version $v"
    break
  fi
  if [ $(( $(date +%s) - last )) -ge 15 ]; then
    last=$(date +%s)
    log "policy version $v; trajectories sampled $(scalar 'sum(ledgfn_actor_trajectories_total)');" \
        "replay size $(scalar 'sum(ledgfn_replay_table_size)'); learner steps $(scalar 'sum(ledgfn_learner_steps_total)');" \
        "targets up $(targets 2>/dev/null | awk '$2 == "up"' | wc -l)"
  fi
  [ "$(date +%s)" -lt "$deadline" ] || die "no $MIN_VERSIONS policy versions after ${TRAIN_TIMEOUT_S}s"
  sleep 3
done

# wait_targets N_ACTORS: every target up, N_ACTORS of them actors.
wait_targets() {
  local want=$1 deadline=$(( $(date +%s) + TARGETS_TIMEOUT_S )) t
  while :; do
    t="$(targets 2>/dev/null || true)"
    local actors_up total down
    actors_up=$(awk '$1 == "ledgfn-actor" && $2 == "up"' <<<"$t" | wc -l)
    total=$(grep -c . <<<"$t" || true)
    down=$(awk '$2 != "up"' <<<"$t" | wc -l)
    if [ "$actors_up" -eq "$want" ] && [ "$down" -eq 0 ] \
       && grep -q '^ledgfn-replay up' <<<"$t" && grep -q '^ledgfn-learner up' <<<"$t"; then
      log "all $total targets up ($actors_up actors):"
      awk '{printf "    %-16s %-5s %s\n", $1, $2, $3}' <<<"$t" >&2
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "targets now:"; awk '{printf "    %-16s %-5s %s %s\n", $1, $2, $3, $4}' <<<"$t" >&2
      die "wanted every target up with $want actors after ${TARGETS_TIMEOUT_S}s"
    fi
    sleep 3
  done
}

phase "wait until Prometheus reports every target up ($ACTORS actors)"
wait_targets $ACTORS

phase "container health checks (ledgfn-healthcheck: gRPC health for replay/learner, /metrics for actors)"
# Docker runs the compose healthchecks itself; podman needs systemd timers for that
# (absent here), so run each container's check once by hand.
for s in replay learner actor; do
  for id in $(compose ps -q "$s"); do
    if [ "$ENGINE" = podman ]; then
      podman healthcheck run "$id" >/dev/null 2>&1 || die "health check of $s container $id failed"
      log "$s ${id:0:12}: healthy (podman healthcheck run)"
    else
      deadline=$(( $(date +%s) + 120 ))
      until [ "$(docker inspect --format '{{.State.Health.Status}}' "$id")" = healthy ]; do
        [ "$(date +%s)" -lt "$deadline" ] || die "$s container $id is not healthy after 120s"
        sleep 3
      done
      log "$s ${id:0:12}: healthy"
    fi
  done
done

########################################################################################
phase "run every dashboard panel's PromQL (deploy/grafana/dashboards/ledgfn.json)"
# Grafana's macros get fixed values: $__rate_interval 1m, $__interval 15s, $__range 5m.
python3 - "$DEPLOY/grafana/dashboards/ledgfn.json" >"$WORK/queries.tsv" <<'EOF'
import json, sys
dash = json.load(open(sys.argv[1]))
panels, stack = [], list(dash["panels"])
while stack:
    p = stack.pop(0)
    if p.get("type") == "row":
        stack[:0] = p.get("panels", [])
    else:
        panels.append(p)
for p in panels:
    for t in p.get("targets", []):
        e = " ".join(t["expr"].split())
        for k, v in (("$__rate_interval", "1m"), ("$__interval", "15s"), ("$__range", "5m")):
            e = e.replace(k, v)
        print("%s [%s]\t%s" % (p["title"], t.get("refId", "?"), e))
EOF
nq=$(wc -l <"$WORK/queries.tsv")
[ "$nq" -gt 0 ] || die "no queries found in the dashboard"
log "$nq queries"
deadline=$(( $(date +%s) + QUERY_TIMEOUT_S ))
pending="$WORK/queries.tsv"
round=0
while :; do
  round=$((round + 1))
  : >"$WORK/empty.tsv"
  while IFS=$'\t' read -r title expr; do
    if ! out="$(query "$expr" 2>&1)"; then
      err="$(curl -sG --max-time 10 "$PROM/api/v1/query" --data-urlencode "query=$expr" || true)"
      log "ERROR  $title: $expr"
      log "       $err"
      die "query rejected by Prometheus (invalid PromQL?)"
    fi
    summary="$(python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
vals = []
for s in r[:6]:
    labels = ",".join("%s=%s" % kv for kv in sorted(s["metric"].items()) if kv[0] not in ("instance", "job", "role", "task", "objective", "__name__"))
    vals.append("%s%s" % ("{%s}=" % labels if labels else "", s["value"][1]))
print(len(r), " ".join(vals) + (" ..." if len(r) > 6 else ""))' <<<"$out")"
    n="${summary%% *}"
    if [ "$n" = 0 ]; then
      printf '%s\t%s\n' "$title" "$expr" >>"$WORK/empty.tsv"
      log "empty  $title: $expr"
    else
      log "ok     $title: $expr"
      log "       -> $n series: ${summary#* }"
    fi
  done <"$pending"
  nempty=$(wc -l <"$WORK/empty.tsv")
  if [ "$nempty" -eq 0 ]; then
    log "every dashboard query returned data"
    break
  fi
  [ "$(date +%s)" -lt "$deadline" ] || die "$nempty dashboard queries still return no data after ${QUERY_TIMEOUT_S}s (listed above as 'empty')"
  log "round $round: $nempty queries without data yet; retrying them in 10s"
  cp "$WORK/empty.tsv" "$WORK/pending.tsv"
  pending="$WORK/pending.tsv"
  sleep 10
done

########################################################################################
phase "scale to $SCALED_ACTORS actors"
compose up -d --no-recreate --scale actor=$SCALED_ACTORS >&2 || die "compose up --scale failed"
wait_targets $SCALED_ACTORS
deadline=$(( $(date +%s) + TARGETS_TIMEOUT_S ))
while :; do
  ids="$(scalar 'count(count by (actor) (ledgfn_actor_trajectories_total))')"
  [ "$ids" = "$SCALED_ACTORS" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || die "expected $SCALED_ACTORS distinct actor ids in ledgfn_actor_trajectories_total, got $ids"
  sleep 3
done
log "$ids distinct actor ids: $(query 'count by (actor) (ledgfn_actor_trajectories_total)' | python3 -c '
import json, sys
print(" ".join(sorted(s["metric"]["actor"] for s in json.load(sys.stdin)["data"]["result"])))')"
log "after scaling: policy version $(scalar 'max(ledgfn_learner_policy_version)'), trajectories/s $(scalar 'sum(rate(ledgfn_actor_trajectories_total[1m]))')"

end_phase
RESULT=0
