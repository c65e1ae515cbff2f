#!/usr/bin/env bash
# Regenerates docs/screenshots/ (shown in the README): builds the site as the tests do, then
# drives Debian's chromium through the workspace, the widget and the admin page.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
step "building the site"
SWITCHBOARD_WIDGET_RELEASE=1 cargo leptos build --split
step "taking the screenshots (docs/screenshots/)"
cd end2end
npx playwright test -c screenshots.config.ts
