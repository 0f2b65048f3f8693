#!/usr/bin/env bash
# One command for a single PC: install what is missing, build, and start a TARS node with every
# module on the embedded defaults (PGlite database in ~/.local/share/tars, no NATS needed).
# Extra arguments go to `tars serve` (e.g. --port 3001, --roles cognitive, --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
if [ ! -f dist/cli/main.js ] || [ -n "$(find src -newer dist/cli/main.js -print -quit)" ]; then
  echo "==> building"
  npm run build --silent
fi
echo "==> starting TARS (Ctrl+C to stop)"
exec node dist/cli/main.js serve "$@"
