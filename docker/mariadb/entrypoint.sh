#!/bin/bash
# Starts one server of the master-master pair. On the first start (empty data volume) it initialises
# the data folder, creates the database and the accounts without writing them to the binlog (both
# servers are bootstrapped the same way, as libs/replication's bootstrapServer does, including the
# scaleout_meta schema of promotion records) and points the server at its peer with GTID replication;
# the replica threads then connect, retrying every second, whenever the peer is up. Later starts start
# the server read-only (see the end of this file).
#
# Environment (set by compose/docker-compose.yml from compose/.env):
#   SCALEOUT_DB_SERVER_ID      1 or 2: server_id, gtid_domain_id and auto_increment_offset
#   SCALEOUT_DB_PEER_HOST      the other server (db2 for db1, db1 for db2)
#   SCALEOUT_DB_NAME           application database                          (default shop)
#   SCALEOUT_DB_APP_USER/_PASSWORD     application account, all privileges on the database
#   SCALEOUT_DB_REPL_USER/_PASSWORD    replication account
#   SCALEOUT_DB_ADMIN_USER/_PASSWORD   the proxies' monitoring and fencing account
#   SCALEOUT_DB_BUFFER_POOL_MB         InnoDB buffer pool                     (default 128)
#   SCALEOUT_DB_SEMI_SYNC_TIMEOUT_MS   semi-sync wait before falling back     (default 1000)
#   SCALEOUT_DB_QUERY_CACHE_TYPE       query_cache_type OFF, ON or DEMAND     (default OFF)
#   SCALEOUT_DB_QUERY_CACHE_SIZE       query_cache_size, bytes or 16M style   (default 16M when the type is ON/DEMAND)
# Extra arguments are passed to mariadbd.
set -euo pipefail

die() { echo "scaleout-mariadb: $*" >&2; exit 1; }
need() { [[ -n ${!1:-} ]] || die "$1 is not set (see compose/env.example)"; }

need SCALEOUT_DB_SERVER_ID
need SCALEOUT_DB_PEER_HOST
need SCALEOUT_DB_APP_PASSWORD
need SCALEOUT_DB_REPL_PASSWORD
need SCALEOUT_DB_ADMIN_PASSWORD
id=$SCALEOUT_DB_SERVER_ID
[[ $id =~ ^[1-9][0-9]*$ ]] || die "SCALEOUT_DB_SERVER_ID must be a positive integer, got '$id'"
db=${SCALEOUT_DB_NAME:-shop}
app_user=${SCALEOUT_DB_APP_USER:-app}
repl_user=${SCALEOUT_DB_REPL_USER:-repl}
admin_user=${SCALEOUT_DB_ADMIN_USER:-scaleout}
datadir=/var/lib/mysql/data
mkdir -p /var/lib/mysql/tmp

server_args=(
  --defaults-file=/etc/mysql/scaleout.cnf
  "--server-id=$id"
  "--gtid-domain-id=$id"
  "--auto-increment-offset=$id"
  "--innodb-buffer-pool-size=${SCALEOUT_DB_BUFFER_POOL_MB:-128}M"
  "--rpl-semi-sync-master-timeout=${SCALEOUT_DB_SEMI_SYNC_TIMEOUT_MS:-1000}"
)
# MariaDB's query cache (libs/infra parseQueryCache has the same rules)
qc_type=${SCALEOUT_DB_QUERY_CACHE_TYPE:-}
qc_size=${SCALEOUT_DB_QUERY_CACHE_SIZE:-}
if [[ -n $qc_type || -n $qc_size ]]; then
  case ${qc_type^^} in
    ''|ON|1) qc_type=ON ;;
    OFF|0) qc_type=OFF ;;
    DEMAND|2) qc_type=DEMAND ;;
    *) die "SCALEOUT_DB_QUERY_CACHE_TYPE '$qc_type' is invalid: expected OFF, ON or DEMAND (or 0, 1, 2)" ;;
  esac
  [[ -z $qc_size || $qc_size =~ ^[0-9]{1,10}[KkMmGg]?$ ]] || die "SCALEOUT_DB_QUERY_CACHE_SIZE '$qc_size' is invalid: expected bytes with an optional K, M or G suffix (e.g. 16M)"
  if [[ -z $qc_size ]]; then [[ $qc_type == OFF ]] && qc_size=0 || qc_size=16M; fi
  server_args+=("--query-cache-type=$qc_type" "--query-cache-size=$qc_size")
fi

# SQL string literal: single quotes doubled, backslashes doubled.
lit() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\'\'}"; }
ident() { printf '`%s`' "${1//\`/\`\`}"; }

initialise() {
  echo "scaleout-mariadb: initialising a new data folder (server $id, peer $SCALEOUT_DB_PEER_HOST)"
  mariadb-install-db --defaults-file=/etc/mysql/scaleout.cnf --datadir="$datadir" \
    --auth-root-authentication-method=socket --auth-root-socket-user=mysql --skip-test-db --skip-name-resolve >/dev/null
  local sock=/var/lib/mysql/init.sock
  mariadbd "${server_args[@]}" --skip-networking --socket="$sock" --skip-slave-start &
  local pid=$!
  for _ in $(seq 1 120); do
    mariadb --socket="$sock" -e 'SELECT 1' >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || die "mariadbd exited during initialisation"
    sleep 0.5
  done
  mariadb --socket="$sock" <<SQL
SET SESSION sql_log_bin = 0;
CREATE DATABASE IF NOT EXISTS $(ident "$db") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
-- Promotion records of the proxies' replication control (libs/replication writer-epoch.ts).
CREATE DATABASE IF NOT EXISTS scaleout_meta;
CREATE TABLE IF NOT EXISTS scaleout_meta.writer_epoch (
  epoch BIGINT UNSIGNED NOT NULL, server_id INT UNSIGNED NOT NULL, kind VARCHAR(16) NOT NULL,
  promoted_at DATETIME(6) NOT NULL, PRIMARY KEY (epoch, server_id)) ENGINE=InnoDB;
CREATE USER IF NOT EXISTS $(lit "$app_user")@'%' IDENTIFIED BY $(lit "$SCALEOUT_DB_APP_PASSWORD");
GRANT ALL PRIVILEGES ON $(ident "$db").* TO $(lit "$app_user")@'%';
CREATE USER IF NOT EXISTS $(lit "$repl_user")@'%' IDENTIFIED BY $(lit "$SCALEOUT_DB_REPL_PASSWORD");
GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO $(lit "$repl_user")@'%';
CREATE USER IF NOT EXISTS $(lit "$admin_user")@'%' IDENTIFIED BY $(lit "$SCALEOUT_DB_ADMIN_PASSWORD");
GRANT RELOAD, PROCESS, REPLICATION CLIENT, REPLICATION SLAVE ADMIN, SLAVE MONITOR, BINLOG MONITOR,
  READ_ONLY ADMIN, CONNECTION ADMIN, SUPER ON *.* TO $(lit "$admin_user")@'%';
GRANT ALL PRIVILEGES ON $(ident "$db").* TO $(lit "$admin_user")@'%';
GRANT ALL PRIVILEGES ON scaleout_meta.* TO $(lit "$admin_user")@'%';
CHANGE MASTER TO
  master_host = $(lit "$SCALEOUT_DB_PEER_HOST"), master_port = 3306,
  master_user = $(lit "$repl_user"), master_password = $(lit "$SCALEOUT_DB_REPL_PASSWORD"),
  master_use_gtid = slave_pos, master_connect_retry = 1, master_heartbeat_period = 5;
SET SESSION sql_log_bin = 1;
SQL
  kill -TERM "$pid"
  wait "$pid" || true
  echo "scaleout-mariadb: initialised"
}

if [[ ! -d $datadir/mysql ]]; then
  initialise
else
  # A restarted server (after a crash, a kill or `docker compose restart`) comes back read-only: it may
  # have been the writer before a failover, and the proxies decide who writes (they fence, rejoin or
  # elect; see libs/replication decide-writer.ts). A brand-new pair starts writable and the proxies
  # pick db1 and fence db2.
  echo "scaleout-mariadb: existing data folder: starting read-only; the proxies decide the writer"
  server_args+=(--read-only=ON)
  # Crash recovery as a replica: transactions in the binlog that never committed (so no client saw
  # them acknowledged) are rolled back instead of committed, so a killed writer does not come back
  # with transactions its peer lacks (MDEV-21117/MDEV-33465, MariaDB 10.11.9 and later).
  if mariadbd --no-defaults --verbose --help 2>/dev/null | grep -q -- '--init-rpl-role'; then
    server_args+=(--init-rpl-role=SLAVE)
  fi
fi
exec mariadbd "${server_args[@]}" "$@"
