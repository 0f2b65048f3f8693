#!/usr/bin/env bash
# Installs what TARS needs when it is missing: Debian packages, the npm dependencies from
# package-lock.json, and the faiss-node binding built against the system's libfaiss.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$have" -lt "$need_node_major" ]; then
  echo "TARS needs Node.js >= 20.19 (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

bash scripts/system-deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies from package-lock.json"
  # `npm install`, not `npm ci`: npm 11's ci refuses a lock file without entries for the optional
  # platform packages of other systems (e.g. @swc/core-darwin-arm64), which this registry does not list.
  npm install --no-audit --no-fund
fi
bash scripts/build-faiss.sh
