#!/usr/bin/env bash
# Prints the web servers of an LB's pool (name, state, health, requests) from its admin API, asked
# from inside the LB container (the admin port is not published).
#   compose/scripts/lb-pool.sh [lb1|lb2] [pool]
set -euo pipefail
cd "$(dirname "$0")/.."
lb=${1:-lb1}
pool=${2:-web}
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
"${compose[@]}" exec -T "$lb" node -e '
  const pool = process.argv[1];
  fetch(`http://127.0.0.1:8404/api/pools/${pool}/servers`, { headers: { authorization: `Bearer ${process.env.SCALEOUT_ADMIN_TOKEN}` } })
    .then((r) => r.json())
    .then((servers) => {
      console.log(`${servers.length} server(s) in pool ${pool}:`);
      for (const s of servers) console.log(`  ${s.name.padEnd(24)} ${s.state.padEnd(6)} ${s.healthy ? "healthy" : "unhealthy"}  requests ${s.requests}`);
    });
' "$pool"
