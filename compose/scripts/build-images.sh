#!/usr/bin/env bash
# Builds the stack's own images from this checkout: scaleout/{dns,lb,session,db-proxy,web} from
# docker/node/Dockerfile and scaleout/mariadb from docker/mariadb/Dockerfile, on top of the base
# images named by NODE_BASE_IMAGE and MARIADB_IMAGE (environment, then compose/.env, then the
# official defaults node:20-bookworm-slim and mariadb:10.11). Used by both the official and the
# offline path (build-offline.sh calls it after it made the offline bases).
#
#   compose/scripts/build-images.sh [app …]       # default: every image
#
# The build context is streamed as a tar of the files git knows about (tracked and untracked, not
# ignored), so node_modules, dist/ and local state never reach the engine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_engine

tag=$(image_var SCALEOUT_TAG latest)
node_base=$(image_var NODE_BASE_IMAGE node:20-bookworm-slim)
mariadb_base=$(image_var MARIADB_IMAGE mariadb:10.11)
apps=("$@")
((${#apps[@]})) || apps=(dns lb session db-proxy web mariadb)

# Locally trusted CAs (a TLS-inspecting proxy) for npm ci in the build stage; git-ignored.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$REPO_ROOT/docker/node/build-ca/"
fi

context_tar() {
  cd "$REPO_ROOT"
  if git rev-parse --git-dir >/dev/null 2>&1; then
    { git ls-files -z --cached --others --exclude-standard; find docker/node/build-ca -name '*.crt' -print0; } |
      while IFS= read -r -d '' f; do [[ -f $f ]] && printf '%s\0' "$f"; done |
      tar --null -T - -c
  else
    tar -c --exclude=node_modules --exclude=dist --exclude=.git --exclude=.nx --exclude=.scaleout \
      --exclude=bench/results --exclude=compose/.env .
  fi
}

build_log=$(mktemp -t scaleout-build.XXXXXX)
context=$(mktemp -t scaleout-context.XXXXXX)
trap 'rm -f "$build_log" "$context"' EXIT
# One snapshot of the sources for every image, so the five Node images share one build stage even
# while files change during the build.
if [[ " ${apps[*]} " != " mariadb " ]]; then context_tar >"$context"; fi
# The build stage, tagged: it holds the npm ci and bundle layers every Node image reuses, and being
# tagged keeps it (and so the cache) out of the prune below.
if [[ " ${apps[*]} " != " mariadb " ]]; then
  start=$SECONDS
  log "building the Node build stage (npm ci, nx build) on $node_base"
  docker build --force-rm -f docker/node/Dockerfile --target build --build-arg "NODE_BASE_IMAGE=$node_base" \
    -t "scaleout/node-build:$tag" - <"$context" >"$build_log" 2>&1 ||
    { tail -n 60 "$build_log" >&2; die "the Node build stage failed"; }
  log "build stage ready in $((SECONDS - start))s"
fi

for app in "${apps[@]}"; do
  start=$SECONDS
  if [[ $app == mariadb ]]; then
    log "building scaleout/mariadb:$tag on $mariadb_base"
    docker build --force-rm --build-arg "MARIADB_IMAGE=$mariadb_base" -t "scaleout/mariadb:$tag" \
      "$REPO_ROOT/docker/mariadb" >"$build_log" 2>&1 || { tail -n 40 "$build_log" >&2; die "scaleout/mariadb failed to build"; }
  else
    [[ -f $REPO_ROOT/apps/$app/src/server.ts ]] || die "apps/$app/src/server.ts does not exist"
    log "building scaleout/$app:$tag on $node_base"
    docker build --force-rm -f docker/node/Dockerfile --target runtime \
      --build-arg "NODE_BASE_IMAGE=$node_base" --build-arg "APP=$app" -t "scaleout/$app:$tag" - <"$context" \
      >"$build_log" 2>&1 || { tail -n 60 "$build_log" >&2; die "scaleout/$app failed to build"; }
  fi
  log "scaleout/$app:$tag built in $((SECONDS - start))s"
done

# Superseded images of earlier builds (untagged, labelled by our Dockerfiles) only.
docker image prune -f --filter label=io.scaleout.image >/dev/null
