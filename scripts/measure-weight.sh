#!/usr/bin/env bash
# The measuring program: builds the release site (precompressed, as scripts/run.sh serves it),
# then loads /demo in Debian's chromium, opens the chat, and prints what crossed the wire per
# response and in total (Chromium's own accounting), and the same for the agent workspace's
# first load. Figures go into BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
step "building Switchboard (release, precompressed)"
cargo leptos build --release --precompress --split
step "measuring (Playwright, Debian chromium)"
cd end2end
SWITCHBOARD_BINARY=target/release/switchboard npx playwright test -c weight.config.ts
