# Offline stand-in for prom/prometheus: Debian bookworm's Prometheus laid out like the official image
# (entrypoint = the prometheus binary, config in /etc/prometheus, data in /prometheus, user nobody),
# plus wget for the health check (the official image has busybox wget).
ARG BASE_IMAGE=scaleout-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /prometheus /etc/prometheus \
 && chown nobody:nogroup /prometheus \
 && prometheus --version
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
