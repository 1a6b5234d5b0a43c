#!/bin/bash
# Healthy = the server answers a query on its unix socket (the container user `mysql` authenticates
# by unix_socket). Used by compose's healthcheck.
exec mariadb --socket=/var/lib/mysql/mysqld.sock -N -B -e 'SELECT 1' >/dev/null
