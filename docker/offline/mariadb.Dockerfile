# Offline stand-in for mariadb:10.11: Debian bookworm's MariaDB 10.11 server and client. Only the
# binaries matter: docker/mariadb/Dockerfile layers our entrypoint and configuration on top of either.
ARG BASE_IMAGE=scaleout-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends mariadb-server mariadb-client \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/lib/mysql/* \
 && mariadbd --version
EXPOSE 3306
CMD ["mariadbd"]
