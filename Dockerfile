# syntax=docker/dockerfile:1
# Switchboard in a container: the release build of scripts/run.sh, then a small runtime image
# holding only the binary (with the bundle names cargo-leptos writes beside it) and the site.
#
#   docker build -t switchboard .      # long (cargo-leptos alone compiles for ~17 min on
#                                      # 2 cores) and several GB of disk for the build stage
#   docker run -p 3000:3000 -v switchboard-data:/var/lib/switchboard switchboard
#
# With no agent yet and no SWITCHBOARD_SETUP_TOKEN, the server (listening on 0.0.0.0) makes up
# a setup token and logs "open /setup?token=…": see `docker logs`.
# Several nodes on PostgreSQL behind nginx: compose.yaml and deploy/nginx.conf.

# Cargo.toml's rust-version.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS builder
# Node and npm from Debian: scripts/install.sh runs `npm ci` in end2end/ for binaryen's
# wasm-opt (never Debian's binaryen package: its wasm-opt breaks the bundle), and the widget's
# build precompresses its bundle with node (end2end/precompress.mjs).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# The tools, in a layer of their own (it only changes with these three files):
# scripts/install.sh adds the wasm32-unknown-unknown target, cargo-leptos 0.3.10 (--locked),
# wasm-bindgen-cli at the version Cargo.toml pins, and the npm packages of end2end/.
# SWITCHBOARD_SKIP_BROWSER=1 skips chromium, which only the end-to-end tests use.
COPY Cargo.toml ./
COPY scripts/install.sh scripts/
COPY end2end/package.json end2end/package-lock.json end2end/
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    SWITCHBOARD_SKIP_BROWSER=1 bash scripts/install.sh

# cargo-leptos runs the wasm-opt it finds on PATH (the npm one).
ENV PATH=/src/end2end/node_modules/.bin:$PATH
COPY . .
# The build of scripts/run.sh. cargo-leptos writes target/release/switchboard, the hashed
# bundle names in target/release/hash.txt (read from beside the binary at start) and the site
# in target/site (the workspace's bundles, the widget's, widget.js, tracker.js).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo leptos build --release --precompress --split \
 && mkdir -p /out \
 && cp target/release/switchboard target/release/hash.txt /out/ \
 && cp -r target/site /out/site

FROM debian:bookworm-slim
# The binary needs only glibc and libgcc: SQLite is built in, TLS (SMTP, webhooks) is rustls
# with its own root certificates (webpki-roots). ca-certificates is there for anything else
# run in the container.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system switchboard \
 && useradd --system --gid switchboard --home-dir /var/lib/switchboard --no-create-home \
      --shell /usr/sbin/nologin switchboard \
 && mkdir -p /var/lib/switchboard \
 && chown switchboard:switchboard /var/lib/switchboard
# hash.txt must stay beside the binary: without it the pages ask for unhashed bundle names.
COPY --from=builder /out/switchboard /out/hash.txt /opt/switchboard/
COPY --from=builder /out/site /opt/switchboard/site

# The data directory holds switchboard.db (SQLite, when SWITCHBOARD_DATABASE_URL is not set)
# and files/ (uploads and agents' pictures, on either database).
ENV SWITCHBOARD_LISTEN=0.0.0.0:3000 \
    SWITCHBOARD_DATA_DIR=/var/lib/switchboard \
    LEPTOS_SITE_ROOT=/opt/switchboard/site
USER switchboard
WORKDIR /var/lib/switchboard
VOLUME /var/lib/switchboard
EXPOSE 3000
# SIGTERM (docker stop) stops it gracefully: sockets told to reconnect, last writes committed.
ENTRYPOINT ["/opt/switchboard/switchboard"]
