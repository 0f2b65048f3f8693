#!/usr/bin/env bash
# Everything CI checks: dependencies, lint, type-check, build, then unit, integration and e2e tests
# (integration and e2e tests need PostgreSQL on 127.0.0.1:5432 and NATS on 127.0.0.1:4222).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
echo "==> lint";        npx eslint .
echo "==> type-check";  npx tsc -p tsconfig.check.json
echo "==> build";       npm run build --silent
echo "==> systemd units"; bash scripts/verify-units.sh
echo "==> web UI";      node scripts/openapi.mjs --check && npm run build:web --silent
echo "==> tests"
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status
