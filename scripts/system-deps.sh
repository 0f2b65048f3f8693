#!/usr/bin/env bash
# Debian packages TARS needs beyond Node.js: libfaiss-dev (vector search), g++ (to build its
# binding), systemd (systemd-analyze checks the unit files in the test command), chromium (the web
# UI's browser tests drive /usr/bin/chromium headless). Installs only what is missing; uses sudo when not root.
set -euo pipefail
missing=()
for pkg in libfaiss-dev g++ systemd chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "==> installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
