#!/usr/bin/env bash
# Starts a Docker engine for the scaleout compose stack when none answers, and records that we started
# it so that dockerd-down.sh stops it again (and only it). An engine that already runs is left alone.
#
# Environment:
#   SCALEOUT_DOCKER_ROOT   data root of the engine we start   (default /var/lib/scaleout-docker)
#   SCALEOUT_DOCKER_RUN    pid file, exec root and log folder  (default /run/scaleout-docker)
#   SCALEOUT_DOCKER_POOL   address pool for bridge networks    (default 198.18.0.0/16, RFC 2544 benchmark range:
#                          neither private nor public, so container traffic never looks like LAN traffic)
#   SCALEOUT_DOCKER_WAIT   seconds to wait for the engine      (default 60)
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

root=${SCALEOUT_DOCKER_ROOT:-/var/lib/scaleout-docker}
run=${SCALEOUT_DOCKER_RUN:-/run/scaleout-docker}
pool=${SCALEOUT_DOCKER_POOL:-198.18.0.0/16}
wait_s=${SCALEOUT_DOCKER_WAIT:-60}
pidfile="$run/dockerd.pid"
marker="$run/started-by-scaleout"
log="$run/dockerd.log"

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_up; then
  echo "dockerd-up: a Docker engine already answers ($(docker version --format '{{.Server.Version}}')); leaving it alone"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd-up: dockerd not found; install it with: apt-get install docker.io docker-compose debootstrap" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "dockerd-up: starting dockerd needs root (or start your own engine and re-run)" >&2
  exit 1
fi

mkdir -p "$root" "$run"
# A pid file left by an engine that died: dockerd refuses to start while it names a live process.
if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi

# bridge: the default bridge gets the first /24 of the pool, compose networks take the following ones.
first_net=${pool%/*}
bip="${first_net%.*}.1/24"
setsid dockerd \
  --data-root "$root" \
  --exec-root "$run/exec" \
  --pidfile "$pidfile" \
  --host unix:///var/run/docker.sock \
  --bip "$bip" \
  --default-address-pool "base=$pool,size=24" \
  --log-level warn \
  >"$log" 2>&1 </dev/null &
dockerd_pid=$!
echo "$dockerd_pid" >"$marker"

for ((i = 0; i < wait_s * 4; i++)); do
  if engine_up; then
    echo "dockerd-up: started dockerd (pid $dockerd_pid, data root $root, log $log)"
    exit 0
  fi
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    rm -f "$marker"
    echo "dockerd-up: dockerd exited during start; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  sleep 0.25
done
echo "dockerd-up: dockerd (pid $dockerd_pid) did not answer within ${wait_s}s; see $log" >&2
exit 1
