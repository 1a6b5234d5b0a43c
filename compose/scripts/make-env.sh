#!/usr/bin/env bash
# Writes compose/.env from compose/env.example: every empty *_PASSWORD, *_SECRET and *_TOKEN gets a
# fresh random value (the services refuse the development defaults when NODE_ENV=production), every
# other line is copied as is. Keys already present in compose/.env keep their values, so running it
# again only adds what env.example gained. compose/.env is git-ignored and readable by its owner only.
#
#   compose/scripts/make-env.sh            # create or complete compose/.env
#   compose/scripts/make-env.sh --print    # print what it would write, change nothing
set -euo pipefail
source "$(dirname "$0")/lib.sh"

print=0
for arg in "$@"; do
  case $arg in
    --print) print=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown argument $arg" ;;
  esac
done

example=$COMPOSE_DIR/env.example
[[ -f $example ]] || die "$example is missing"

random_secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
added=0
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]]; then
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    if [[ -f $ENV_FILE ]] && grep -q "^$key=" "$ENV_FILE"; then
      printf '%s=%s\n' "$key" "$(env_get "$key")" >>"$out"
      continue
    fi
    if [[ -z $value && $key =~ (_PASSWORD|_SECRET|_TOKEN)$ ]]; then value=$(random_secret); fi
    printf '%s=%s\n' "$key" "$value" >>"$out"
    added=$((added + 1))
  else
    printf '%s\n' "$line" >>"$out"
  fi
done <"$example"
# Keys the user (or build-offline.sh) added that env.example does not have.
if [[ -f $ENV_FILE ]]; then
  while IFS= read -r line; do
    [[ $line =~ ^([A-Z][A-Z0-9_]*)= ]] || continue
    grep -q "^${BASH_REMATCH[1]}=" "$out" || printf '%s\n' "$line" >>"$out"
  done <"$ENV_FILE"
fi

if ((print)); then cat "$out"; exit 0; fi
chmod 600 "$out"
mv "$out" "$ENV_FILE"
trap - EXIT
log "wrote $ENV_FILE ($added new setting(s))"
