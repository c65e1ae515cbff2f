#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: sourced by scripts/test.sh. Installs Debian's
# PostgreSQL server when its binaries are missing, starts a cluster in a temporary directory
# on a free loopback port (as the `postgres` user: initdb refuses root), exports its URL as
# SWITCHBOARD_TEST_POSTGRES for the tests, and stops and removes it when the script exits.

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$PG_BIN" ]; then
  step "installing Debian's PostgreSQL server for the tests"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi

PG_DIR="$(mktemp -d -t switchboard-pg.XXXXXX)"
PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# As root, the cluster belongs to `postgres`; as anyone else, to them.
PG_AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PG_DIR"
  PG_AS=(runuser -u postgres --)
fi
step "a throwaway PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
"${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --locale=C.UTF-8 \
  -E UTF8 > "$PG_DIR/initdb.log"
# Durability is not what the tests are about: no fsync, so they run at memory speed. The
# benchmark (PG_DURABLE=1, scripts/bench-postgres.sh) keeps PostgreSQL's durable defaults.
PG_FAST="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# TLS on (a certificate of its own, made here), so a test can ask for an encrypted connection.
if ! command -v openssl > /dev/null; then
  step "installing Debian's openssl for the tests' PostgreSQL certificate"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q openssl
fi
openssl req -new -x509 -days 2 -nodes -subj "/CN=127.0.0.1" -keyout "$PG_DIR/server.key" \
  -out "$PG_DIR/server.crt" > /dev/null 2>&1
chmod 600 "$PG_DIR/server.key"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/server.key" "$PG_DIR/server.crt"
PG_TLS="-c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key"
[ "${PG_DURABLE:-}" = 1 ] && PG_FAST=""
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
  "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 $PG_FAST $PG_TLS -c max_connections=400" \
  start > /dev/null
stop_test_postgres() {
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_test_postgres EXIT
export SWITCHBOARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
