#!/usr/bin/env bash
# Runs a benchmark command on a throwaway PostgreSQL with its durable defaults (fsync and
# synchronous commit on), a fresh database per run, e.g.
#   scripts/bench-postgres.sh target/release/bench chat --visitors 400 --messages 50 --nodes 2
# Build first: cargo build --release --features bench --bin bench --bin switchboard
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }
PG_DURABLE=1 source scripts/test-postgres.sh
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE bench" postgres
export SWITCHBOARD_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/bench"
ulimit -n "$(ulimit -Hn)"
"$@"
