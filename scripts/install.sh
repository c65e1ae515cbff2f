#!/usr/bin/env bash
# Installs whatever Switchboard's build and tests need and is missing on this machine.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again (each step checks first).
# Versions are pinned to what ../shared/TOOLCHAIN.md found to work on these machines.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
# Must equal the `wasm-bindgen = "=…"` pin in Cargo.toml: cargo-leptos uses whatever is on PATH.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml")"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 17 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # No --locked: its lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Installed again whenever package-lock.json changed since the last install.
NPM_STAMP="$ROOT/end2end/node_modules/.installed-lock-sha256"
NPM_LOCK_SHA="$(sha256sum "$ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$NPM_STAMP" 2>/dev/null)" != "$NPM_LOCK_SHA" ]; then
  step "installing npm packages (Playwright test runner, a local SMTP server, binaryen's wasm-opt)"
  (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  echo "$NPM_LOCK_SHA" > "$NPM_STAMP"
fi

if [ "${SWITCHBOARD_SKIP_BROWSER:-0}" != 1 ] && [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's chromium for the end-to-end tests"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
