# Shared helpers of the compose scripts (sourced, not run).
# shellcheck shell=bash
SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPOSE_DIR=$(dirname "$SCRIPTS_DIR")
REPO_ROOT=$(dirname "$COMPOSE_DIR")
ENV_FILE=${SCALEOUT_ENV_FILE:-$COMPOSE_DIR/.env}
export PATH="$PATH:/usr/sbin:/sbin"

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

require_engine() {
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
    die "no Docker engine answers (docker version failed). Start one, e.g. with compose/scripts/dockerd-up.sh"
}

# Value of KEY in the env file (empty when absent).
env_get() {
  [[ -f $ENV_FILE ]] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1
}

# Sets KEY=VALUE in the env file, replacing an existing line.
env_set() {
  local key=$1 value=$2 tmp
  tmp=$(mktemp "$ENV_FILE.XXXXXX")
  if [[ -f $ENV_FILE ]]; then grep -v "^$key=" "$ENV_FILE" >"$tmp" || true; fi
  printf '%s=%s\n' "$key" "$value" >>"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
}

# Image variables: the environment wins over the env file, which wins over the official defaults.
image_var() {
  local key=$1 default=$2 v
  v=${!key:-}
  [[ -n $v ]] || v=$(env_get "$key")
  printf '%s' "${v:-$default}"
}

timed() {
  local label=$1 start=$SECONDS
  shift
  "$@"
  log "$label: $((SECONDS - start))s"
}
