#!/bin/bash
# Container health check of the Node services: GET http://127.0.0.1:<port><path> (default /readyz)
# with bash's /dev/tcp, healthy on 200. Much lighter than starting a Node process every few seconds.
#   scaleout-health 3000 [/readyz]
port=${1:?usage: scaleout-health <port> [path]}
path=${2:-/readyz}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 5 status <&3 || exit 1
[[ $status =~ ^HTTP/1\.[01]\ 200 ]]
