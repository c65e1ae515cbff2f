#!/usr/bin/env bash
# Shows that every end-to-end spec passes on its own and that none depends on another having
# run first: runs each spec alone, last one first (08, 07, … 01), each test on a fresh server.
# Needs the site built (`cargo leptos build`, as scripts/test.sh does). Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
failed=()
for spec in $(cd end2end && ls tests/*.spec.ts | sort -r); do
  step "alone: $spec"
  if ! (cd end2end && npx playwright test "$spec"); then
    failed+=("$spec")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed alone: %s\n' "${failed[@]}"
  exit 1
fi
step "every spec passed alone, in reverse order"
