#!/usr/bin/env bash
# One command for a single PC: install what is missing, build (the server and the web UI), and start
# a TARS node with every module on the embedded defaults (PGlite database in ~/.local/share/tars, no NATS needed).
# Extra arguments go to `tars serve` (e.g. --port 3001, --roles cognitive, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
if [ ! -f dist/cli/main.js ] || [ -n "$(find src -newer dist/cli/main.js -print -quit)" ]; then
  echo "==> building"
  npm run build --silent
fi
if [ ! -f dist/web/index.html ] || [ -n "$(find web package-lock.json -newer dist/web/index.html -print -quit)" ]; then
  echo "==> building the web UI"
  npm run build:web --silent
fi
echo "==> starting TARS (Ctrl+C to stop)"
exec node dist/cli/main.js serve "$@"
