# Offline stand-in for node:20-bookworm-slim: the debootstrap'd Debian base plus the host's Node.js
# binary and npm, laid out like the official image (/usr/local/bin/node, user `node` uid 1000).
# Built by compose/scripts/build-offline.sh, which prepares the context (node, npm/).
ARG BASE_IMAGE=scaleout-offline/debian:bookworm
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
