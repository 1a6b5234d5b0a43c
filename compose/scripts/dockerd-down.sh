#!/usr/bin/env bash
# Stops the Docker engine that dockerd-up.sh started (and nothing else). dockerd stops its containers
# and its containerd on the way out.
set -euo pipefail
run=${SCALEOUT_DOCKER_RUN:-/run/scaleout-docker}
marker="$run/started-by-scaleout"
wait_s=${SCALEOUT_DOCKER_STOP_WAIT:-60}

if [[ ! -f $marker ]]; then
  echo "dockerd-down: no engine started by dockerd-up.sh; nothing to stop"
  exit 0
fi
pid=$(cat "$marker")
# Only signal the process if it is still the dockerd we started.
if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "dockerd .*--exec-root $run/exec"; then
  kill -TERM "$pid"
  for ((i = 0; i < wait_s * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "dockerd-down: dockerd (pid $pid) still running after ${wait_s}s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "dockerd-down: stopped dockerd (pid $pid)"
else
  echo "dockerd-down: pid $pid is no longer our dockerd; nothing to stop"
fi
rm -f "$marker"
