#!/usr/bin/env bash
# Checks the systemd units offline with `systemd-analyze verify` (Debian package systemd; systemd
# need not be running). A template unit is checked as an instance (tars@pc1.service).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is missing (Debian package systemd): cannot check the units" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
units=()
for unit in systemd/*.service; do
  name=$(basename "$unit")
  [[ "$name" == *@.service ]] && name="${name%@.service}@pc1.service"
  cp "$unit" "$work/$name"
  units+=("$work/$name")
done
# verify exits 0 on warnings ("Unknown key", "Failed to parse"): any diagnostic fails the check.
diagnostics=$(systemd-analyze verify "${units[@]}" 2>&1 || true)
if [ -n "$diagnostics" ]; then
  echo "$diagnostics" >&2
  exit 1
fi
# What every TARS unit must keep: restarts with limits, the watchdog, its secrets file, a sandbox.
required=(Type=notify NotifyAccess=all WatchdogSec= Restart=on-failure StartLimitIntervalSec= StartLimitBurst=
  EnvironmentFile= User= NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes ReadWritePaths=)
for unit in "${units[@]}"; do
  for directive in "${required[@]}"; do
    grep -q "^${directive}" "$unit" || { echo "$(basename "$unit"): missing ${directive}" >&2; exit 1; }
  done
done
echo "systemd units ok: ${units[*]##*/}"
