#!/usr/bin/env bash
# Builds the visitor widget's own bundle (widget/, web-sys, no UI framework) into the site:
# target/site/pkg/widget.<hash>.js and widget.<hash>.wasm, named after their content, and
# target/site/widget-bundle.txt, which tells the server those names. `release` optimises it
# (wasm-release profile, wasm-opt -Oz) and writes .br and .gz beside each file.
# cargo-leptos runs it before every server build (scripts/cargo-with-widget.sh), so
# `cargo leptos build` and `cargo leptos watch` build both bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-debug}"
profile=dev
out=debug
if [[ $mode == release ]]; then
  profile=wasm-release
  out=wasm-release
fi
# The front end's target directory, shared with cargo-leptos's bundle (same dependencies).
target=target/front
cargo build --package switchboard-widget --lib --target wasm32-unknown-unknown \
  --profile "$profile" --target-dir "$target"
work=target/widget-bundle
rm -rf "$work"
mkdir -p "$work"
wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name widget \
  "$target/wasm32-unknown-unknown/$out/switchboard_widget.wasm"
if [[ $mode == release ]]; then
  wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
    -o "$work/widget_bg.wasm" "$work/widget_bg.wasm"
fi
hash=$(cat "$work/widget.js" "$work/widget_bg.wasm" | sha256sum | cut -c1-16)
site=target/site
mkdir -p "$site/pkg"
rm -f "$site"/pkg/widget.*
cp "$work/widget.js" "$site/pkg/widget.$hash.js"
cp "$work/widget_bg.wasm" "$site/pkg/widget.$hash.wasm"
if [[ $mode == release ]]; then
  node end2end/precompress.mjs "$site/pkg/widget.$hash.js" "$site/pkg/widget.$hash.wasm"
fi
printf 'js: widget.%s.js\nwasm: widget.%s.wasm\n' "$hash" "$hash" > "$site/widget-bundle.txt"
