# Offline stand-in for memcached:1.6: Debian bookworm's memcached, run as user memcache like the
# official image, with `memcached` as the command (compose passes `memcached -m … ` on both paths).
ARG BASE_IMAGE=scaleout-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends memcached \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && memcached --version
USER memcache
EXPOSE 11211
CMD ["memcached"]
