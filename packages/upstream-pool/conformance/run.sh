#!/usr/bin/env bash
# Runs the MCP conformance suite's client scenarios against the upstream pool (conformance/client.ts).
#
# The suite needs Node 22; the pool runs on the Node on PATH. Node 22 and the suite are installed from the npm
# registry into a cache directory outside the repository on first use (CODEXEC_CONFORMANCE_DIR, default
# $TMPDIR/codexec-conformance), so this is a script, not part of `pnpm test`.
#
#   packages/upstream-pool/conformance/run.sh                 # initialize, tools_call, sse-retry
#   packages/upstream-pool/conformance/run.sh tools_call      # one scenario
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
suite_version=0.1.16
tools=${CODEXEC_CONFORMANCE_DIR:-${TMPDIR:-/tmp}/codexec-conformance}
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(initialize tools_call sse-retry)

node22="$tools/node_modules/node/bin/node"
suite="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -x "$node22" ] || [ ! -f "$suite" ] ||
  [ "$(node -p "require('$tools/node_modules/@modelcontextprotocol/conformance/package.json').version" 2>/dev/null)" != "$suite_version" ]; then
  echo "Installing Node 22 and @modelcontextprotocol/conformance@$suite_version into $tools"
  mkdir -p "$tools"
  (cd "$tools" && [ -f package.json ] || echo '{"private":true}' >"$tools/package.json")
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error "node@22" "@modelcontextprotocol/conformance@$suite_version")
fi

# The suite splits --command on spaces and appends the server URL.
tsx=$(cd "$repo" && node -p "require('node:url').pathToFileURL(require.resolve('tsx')).href")
client="$(command -v node) --import $tsx $here/client.ts"
results=$(mktemp -d "${TMPDIR:-/tmp}/codexec-conformance-results.XXXXXX")

echo "suite: conformance $suite_version on $("$node22" --version); client: pool on node $(node --version)"
passed=() failed=()
for scenario in "${scenarios[@]}"; do
  echo
  echo "== $scenario"
  if "$node22" "$suite" client --command "$client" --scenario "$scenario" --output-dir "$results" --timeout 60000; then
    passed+=("$scenario")
  else
    failed+=("$scenario")
  fi
done

echo
echo "passed: ${passed[*]:-none}"
echo "failed: ${failed[*]:-none}"
echo "details: $results"
[ ${#failed[@]} -eq 0 ]
