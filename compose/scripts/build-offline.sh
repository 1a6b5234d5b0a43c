#!/usr/bin/env bash
# Builds every image the compose stack needs without any container registry, from Debian packages:
#
#   1. scaleout-offline/debian:bookworm   debootstrap --variant=minbase bookworm, imported with docker import
#   2. scaleout-offline/node:20-bookworm-slim     that base + the host's Node.js (>= 20.19) and npm
#      scaleout-offline/mariadb:10.11             that base + Debian's mariadb-server
#      scaleout-offline/memcached:1.6             that base + Debian's memcached
#      scaleout-offline/prometheus:debian         that base + Debian's prometheus
#      scaleout-offline/grafana:local             only with GRAFANA_TARBALL=<grafana-*.linux-amd64.tar.gz>
#   3. records those names in compose/.env (NODE_BASE_IMAGE, MARIADB_IMAGE, …; make-env.sh creates the
#      file with fresh secrets when missing) and turns the grafana profile off unless a Grafana was built
#   4. builds the stack's own images on them (build-images.sh)
#
# Then `docker compose up` (or docker-compose up) in compose/ runs the same compose file as the
# official path. Images that exist already are kept; --rebuild rebuilds the offline bases, and
# --bases-only stops after step 3.
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), NODE_BIN (default: node on PATH),
# GRAFANA_TARBALL (optional), SCALEOUT_DEBOOTSTRAP_CACHE (.deb cache, default /var/cache/scaleout-debootstrap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

rebuild=0
build_apps=1
for arg in "$@"; do
  case $arg in
    --rebuild) rebuild=1 ;;
    --bases-only) build_apps=0 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown argument $arg (use --rebuild, --bases-only)" ;;
  esac
done

require_engine
prefix=scaleout-offline
base=$prefix/debian:bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
deb_cache=${SCALEOUT_DEBOOTSTRAP_CACHE:-/var/cache/scaleout-debootstrap}
have_image() { ((rebuild == 0)) && docker image inspect "$1" >/dev/null 2>&1; }
work=$(mktemp -d -t scaleout-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT

build_base() {
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  [[ $(id -u) -eq 0 ]] || die "debootstrap needs root"
  local root=$work/rootfs
  mkdir -p "$deb_cache"
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase --cache-dir="$deb_cache" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  local security=${mirror%/debian}/debian-security
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
  # Keep images small: no recommends, no docs, man pages or translations from later installs.
  cat >"$root/etc/apt/apt.conf.d/90scaleout" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
  cat >"$root/etc/dpkg/dpkg.cfg.d/90scaleout-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
DPKG
  # Package scripts must not start services inside image builds.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log
  log "docker import -> $base"
  tar --numeric-owner -C "$root" -c . |
    docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
  rm -rf "$root"
}

build_from() { # name dockerfile context [args…]
  local name=$1 file=$2 ctx=$3
  shift 3
  docker build --force-rm --build-arg "BASE_IMAGE=$base" -f "$file" -t "$name" "$@" "$ctx" >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; die "$name failed to build"; }
}

offline_image() { # name builder…
  local name=$1 start=$SECONDS
  shift
  if have_image "$name"; then log "$name exists (use --rebuild to rebuild it)"; return; fi
  log "building $name"
  "$@"
  log "$name built in $((SECONDS - start))s"
}

node_image() {
  local node_bin=${NODE_BIN:-$(command -v node || true)}
  [[ -x $node_bin ]] || die "no node binary (set NODE_BIN): the offline Node image copies the host's Node.js"
  local version
  version=$("$node_bin" -p 'process.versions.node')
  local major=${version%%.*} minor=${version#*.}
  minor=${minor%%.*}
  ((major > 20 || (major == 20 && minor >= 19))) || die "$node_bin is Node $version; the stack needs >= 20.19"
  local npm_dir
  npm_dir=$(cd "$(dirname "$(readlink -f "$node_bin")")/../lib/node_modules/npm" 2>/dev/null && pwd) ||
    die "npm not found beside $node_bin (expected ../lib/node_modules/npm)"
  local ctx=$work/node
  mkdir -p "$ctx"
  cp "$(readlink -f "$node_bin")" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  cp "$REPO_ROOT/docker/offline/node.Dockerfile" "$ctx/Dockerfile"
  build_from "$prefix/node:20-bookworm-slim" "$ctx/Dockerfile" "$ctx"
  rm -rf "$ctx"
}

grafana_image() {
  local ctx=$work/grafana
  mkdir -p "$ctx/grafana"
  tar -xzf "$GRAFANA_TARBALL" -C "$ctx/grafana" --strip-components=1
  [[ -d $ctx/grafana/bin && -f $ctx/grafana/conf/defaults.ini ]] || die "$GRAFANA_TARBALL does not look like a Grafana release"
  cp "$REPO_ROOT/docker/offline/grafana.Dockerfile" "$ctx/Dockerfile"
  cp "$REPO_ROOT/docker/offline/grafana-run.sh" "$ctx/"
  build_from "$prefix/grafana:local" "$ctx/Dockerfile" "$ctx"
  rm -rf "$ctx"
}

total=$SECONDS
offline_image "$base" build_base
offline_image "$prefix/node:20-bookworm-slim" node_image
offline_image "$prefix/mariadb:10.11" build_from "$prefix/mariadb:10.11" "$REPO_ROOT/docker/offline/mariadb.Dockerfile" "$REPO_ROOT/docker/offline"
offline_image "$prefix/memcached:1.6" build_from "$prefix/memcached:1.6" "$REPO_ROOT/docker/offline/memcached.Dockerfile" "$REPO_ROOT/docker/offline"
offline_image "$prefix/prometheus:debian" build_from "$prefix/prometheus:debian" "$REPO_ROOT/docker/offline/prometheus.Dockerfile" "$REPO_ROOT/docker/offline"
grafana=""
if [[ -n ${GRAFANA_TARBALL:-} ]]; then
  [[ -f $GRAFANA_TARBALL ]] || die "GRAFANA_TARBALL=$GRAFANA_TARBALL does not exist"
  offline_image "$prefix/grafana:local" grafana_image
  grafana=$prefix/grafana:local
elif docker image inspect "$prefix/grafana:local" >/dev/null 2>&1; then
  grafana=$prefix/grafana:local
fi

[[ -f $ENV_FILE ]] || "$SCRIPTS_DIR/make-env.sh"
env_set NODE_BASE_IMAGE "$prefix/node:20-bookworm-slim"
env_set MARIADB_IMAGE "$prefix/mariadb:10.11"
env_set MEMCACHED_IMAGE "$prefix/memcached:1.6"
env_set PROMETHEUS_IMAGE "$prefix/prometheus:debian"
if [[ -n $grafana ]]; then
  env_set GRAFANA_IMAGE "$grafana"
  env_set COMPOSE_PROFILES grafana
else
  env_set COMPOSE_PROFILES ""
  log "no Grafana image offline (Grafana is not packaged by Debian): the grafana profile is off; see compose/README.md"
fi
log "offline image names written to $ENV_FILE"

if ((build_apps)); then "$SCRIPTS_DIR/build-images.sh"; fi
log "offline build done in $((SECONDS - total))s"
