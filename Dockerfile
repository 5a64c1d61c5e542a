# larch container image: build on Debian bookworm, run on a slim Debian base.
# (Docker is not available on the development machines; this file follows
# the same install script as `make`, scripts/deps.sh.)
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/deps.sh
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j"$(nproc)" --target larch

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libjansson4 libssl3 libhiredis0.14 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/proxy/larch /usr/local/bin/larch
COPY rules/ /etc/larch/rules/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/larch"]
CMD ["check", "/etc/larch/rules"]
