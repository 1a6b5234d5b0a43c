# Offline Grafana, built only when the user provides a Grafana release tarball (Grafana is not in
# Debian): GRAFANA_TARBALL=/path/grafana-<version>.linux-amd64.tar.gz compose/scripts/build-offline.sh.
# Laid out like grafana/grafana (home /usr/share/grafana, data /var/lib/grafana, provisioning
# /etc/grafana/provisioning, user 472, port 3000) so the same compose service definition works.
ARG BASE_IMAGE=scaleout-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates wget tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# build-offline.sh unpacks the tarball into grafana/ of the build context.
COPY grafana /usr/share/grafana
COPY grafana-run.sh /usr/local/bin/grafana-run.sh
ENV GF_PATHS_CONFIG=/etc/grafana/grafana.ini \
    GF_PATHS_DATA=/var/lib/grafana \
    GF_PATHS_HOME=/usr/share/grafana \
    GF_PATHS_LOGS=/var/log/grafana \
    GF_PATHS_PLUGINS=/var/lib/grafana/plugins \
    GF_PATHS_PROVISIONING=/etc/grafana/provisioning
RUN useradd --uid 472 --gid 0 --no-create-home --home-dir /usr/share/grafana grafana \
 && mkdir -p /etc/grafana/provisioning /var/lib/grafana/plugins /var/log/grafana \
 && cp /usr/share/grafana/conf/sample.ini /etc/grafana/grafana.ini \
 && chown -R 472:0 /var/lib/grafana /var/log/grafana \
 && chmod 755 /usr/local/bin/grafana-run.sh
USER 472
WORKDIR /usr/share/grafana
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/grafana-run.sh"]
