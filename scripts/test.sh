#!/usr/bin/env bash
# The project's test command (`npm test`): installs what the tests need, builds every package, and runs the
# whole suite once, printing a one-line summary at the end.
#
# On Debian/Ubuntu as root it also installs podman, runc and Docker Engine and builds the sandbox test image
# (scripts/provision-engines.sh; skipped when already done). Elsewhere, container tests use the engines and image
# that are there (CODEXEC_TEST_IMAGE, default localhost/codexec-python:bookworm) and skip loudly when absent;
# under CI=true they fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1; then
  pnpm=(pnpm)
elif [ -w "$(npm prefix -g)" ]; then
  npm install -g --silent "pnpm@$pnpm_version" >/dev/null
  pnpm=(pnpm)
else
  pnpm=(npx --yes "pnpm@$pnpm_version")
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -z "${CODEXEC_SKIP_PROVISION:-}" ]; then
  bash scripts/provision-engines.sh
fi

"${pnpm[@]}" install --frozen-lockfile --reporter=append-only >/dev/null
"${pnpm[@]}" build >/dev/null

status=0
"${pnpm[@]}" exec vitest run --reporter=default --reporter=json --outputFile.json=.vitest-results.json "$@" \
  || status=$?
node scripts/test-summary.mjs .vitest-results.json || status=1
exit "$status"
