#!/bin/sh
# Starts Grafana from a release tarball the way grafana/grafana's run.sh does: home, config and
# paths from the GF_PATHS_* variables. Releases before 9.x ship bin/grafana-server only.
set -e
if [ -x /usr/share/grafana/bin/grafana ]; then
  exec /usr/share/grafana/bin/grafana server --homepath="$GF_PATHS_HOME" --config="$GF_PATHS_CONFIG" \
    --packaging=docker "$@" cfg:default.log.mode=console cfg:default.paths.data="$GF_PATHS_DATA" \
    cfg:default.paths.logs="$GF_PATHS_LOGS" cfg:default.paths.plugins="$GF_PATHS_PLUGINS" \
    cfg:default.paths.provisioning="$GF_PATHS_PROVISIONING"
fi
exec /usr/share/grafana/bin/grafana-server --homepath="$GF_PATHS_HOME" --config="$GF_PATHS_CONFIG" \
  --packaging=docker "$@" cfg:default.log.mode=console cfg:default.paths.data="$GF_PATHS_DATA" \
  cfg:default.paths.logs="$GF_PATHS_LOGS" cfg:default.paths.plugins="$GF_PATHS_PLUGINS" \
  cfg:default.paths.provisioning="$GF_PATHS_PROVISIONING"
