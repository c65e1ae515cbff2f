#!/usr/bin/env bash
# What cargo-leptos runs instead of `cargo` to build the server (`bin-cargo-command` in
# Cargo.toml): the visitor widget's bundle first (scripts/build-widget.sh, release when the
# server is built for release), then the server, with the arguments cargo-leptos gave. So
# `cargo leptos build` and `cargo leptos watch` build both bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
# SWITCHBOARD_WIDGET_RELEASE=1 optimises the widget even for a debug server (the tests weigh
# the bundle a visitor really gets).
mode=debug
[[ ${SWITCHBOARD_WIDGET_RELEASE:-} == 1 ]] && mode=release
for argument in "$@"; do
  [[ $argument == --release ]] && mode=release
done
scripts/build-widget.sh "$mode"
exec cargo "$@"
