#!/usr/bin/env bash
# Builds faiss-node's own C++ source (from the npm package) against Debian's libfaiss, because the
# package's install script downloads from GitHub. Leaves a build that already loads alone.
# Needs: libfaiss-dev (scripts/system-deps.sh installs it), g++, node-addon-api.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=node_modules/faiss-node
out=$dir/build/Release/faiss-node.node

if node -e "require('faiss-node').IndexFlatIP" >/dev/null 2>&1; then
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
  "$dir/src/faiss.cc" -o "$out.tmp" -lfaiss
mv "$out.tmp" "$out"
node -e "const f=require('faiss-node'); const i=new f.IndexFlatIP(2); i.add([1,0,0,1]); if (i.ntotal()!==2) process.exit(1)"
echo "==> faiss-node built: $out"
