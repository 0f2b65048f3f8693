#!/usr/bin/env bash
# Builds faiss-node's own C++ source (from the npm package) against Debian's libfaiss, because the
# package's install script downloads from GitHub. Leaves a build that already loads alone.
# Needs: libfaiss-dev (scripts/system-deps.sh installs it), g++, node-addon-api.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=node_modules/faiss-node
out=$dir/build/Release/faiss-node.node

# A build counts as working when a search of many queries at once succeeds: that path calls BLAS
# (sgemm), and a binding linked without it dies there with "undefined symbol: sgemm_".
works() {
  node -e "
    const f = require('faiss-node'); const d = 8; const i = new f.IndexFlatIP(d);
    i.add(Array.from({ length: 64 * d }, (_, k) => (k % 7) / 7));
    const r = i.search(Array.from({ length: 32 * d }, (_, k) => (k % 5) / 5), 3);
    if (r.labels.length !== 96) process.exit(1);" >/dev/null 2>&1
}
if works; then
  exit 0
fi
if [ ! -f /usr/include/faiss/Index.h ]; then
  echo "faiss headers are missing: install Debian's libfaiss-dev (bash scripts/system-deps.sh)" >&2
  exit 1
fi
echo "==> building faiss-node against the system libfaiss"
mkdir -p "$dir/build/Release"
# faiss 1.7.3 declares idx_t inside faiss::Index only; the binding expects faiss::idx_t.
printf '#include <faiss/Index.h>\nnamespace faiss { using idx_t = Index::idx_t; }\n' > "$dir/build/faiss-compat.h"
g++ -O3 -std=c++17 -shared -fPIC -fopenmp -DNAPI_VERSION=8 -include "$dir/build/faiss-compat.h" \
  -I"$(node -p "require('path').join(process.execPath,'..','..','include','node')")" \
  -I"$(node -p "require('node-addon-api').include_dir")" \
  "$dir/src/faiss.cc" -o "$out.tmp" -lfaiss -lblas -llapack
mv "$out.tmp" "$out"
works || { echo "the faiss-node build does not work" >&2; exit 1; }
echo "==> faiss-node built: $out"
