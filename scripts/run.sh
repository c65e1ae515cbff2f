#!/usr/bin/env bash
# Runs Switchboard: installs what is missing, builds the release site, serves on
# http://127.0.0.1:3000 with its data in ./data. Extra arguments go to the server
# (e.g. `scripts/run.sh --demo`; `scripts/run.sh --help` lists them all).
set -euo pipefail
cd "$(dirname "$0")/.."
export SWITCHBOARD_SKIP_BROWSER=1
source scripts/install.sh
step "building Switchboard (release)"
cargo leptos build --release --precompress --split
step "starting Switchboard"
exec target/release/switchboard "$@"
