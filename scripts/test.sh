#!/usr/bin/env bash
# Runs every check and test: formatting, clippy for both builds, unit + store + integration
# tests, then the end-to-end tests in Debian's chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh

step "cargo fmt --check"
cargo fmt --check

step "clippy, server build (ssr, with the benchmark) and the shared crate"
cargo clippy --workspace --all-targets --features switchboard/bench -- -D warnings

step "clippy, browser builds (the workspace's hydrate and the visitor widget, wasm32)"
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy --package switchboard-widget --target wasm32-unknown-unknown -- -D warnings

step "unit, store and integration tests on SQLite (the store's on PostgreSQL too)"
source scripts/test-postgres.sh
# The flag cargo-leptos sets for debug builds: components type-erased, so the test binaries
# are a quarter of the size and `cargo leptos build` below reuses much of this build (on a
# clean clone it then compiles 332 crates instead of 722).
RUSTFLAGS="--cfg erase_components" cargo test --workspace --features switchboard/ssr

step "the integration and fault tests again, every server on PostgreSQL"
SWITCHBOARD_TEST_DATABASE=postgres RUSTFLAGS="--cfg erase_components" \
  cargo test --workspace --features switchboard/ssr --test integration

step "building the site for the end-to-end tests (the widget's bundle optimised, as shipped)"
SWITCHBOARD_WIDGET_RELEASE=1 cargo leptos build --split

step "end-to-end tests (Playwright, Debian chromium; each test on a fresh server)"
(cd end2end && npx playwright test)

step "the end-to-end tests again, every server on a PostgreSQL database of its own"
(cd end2end && SWITCHBOARD_E2E_POSTGRES="$SWITCHBOARD_TEST_POSTGRES" PG_BIN="$PG_BIN" npx playwright test)
