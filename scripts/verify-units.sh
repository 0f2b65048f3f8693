#!/usr/bin/env bash
# Checks the systemd files offline (Debian package systemd; systemd need not be running):
#  - every unit of the folder (*.service, *.target) with `systemd-analyze verify`: any diagnostic fails;
#    a template is checked as an instance (tars@.service as tars@cognitive.service);
#  - every service keeps its restart, watchdog and sandbox directives, and `systemd-analyze security`
#    rates its exposure at most MAX_EXPOSURE;
#  - every settings example (env/*.env) uses only TARS settings, with valid values, through
#    `tars serve --check-config` (dist/ is built when missing or older than the configuration code),
#    once as shipped and once with its commented-out settings switched on;
#  - the sysusers file (systemd-sysusers --dry-run on an empty root), and the NATS example
#    configuration when nats-server is installed.
# Usage: scripts/verify-units.sh [DIR]   (default: systemd/ of this checkout)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "${1:-$root/systemd}" && pwd)"
# Highest `systemd-analyze security` exposure a service may have, in tenths (25 = 2.5 of 10).
MAX_EXPOSURE=25
fail() {
  echo "$*" >&2
  exit 1
}
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (Debian package systemd): cannot check the units"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
units=()
for unit in "$dir"/*.service "$dir"/*.target; do
  [ -e "$unit" ] || continue
  name=$(basename "$unit")
  [[ "$name" == *@.service ]] && name="${name%@.service}@cognitive.service"
  cp "$unit" "$work/$name"
  units+=("$work/$name")
done
[ "${#units[@]}" -gt 0 ] || fail "no unit files in $dir"
# verify exits 0 on warnings ("Unknown key", "Failed to parse"): any diagnostic fails the check.
diagnostics=$(systemd-analyze verify "${units[@]}" 2>&1 || true)
[ -z "$diagnostics" ] || fail "$diagnostics"

# What every TARS service must keep: restarts with limits, the watchdog, its settings file, a sandbox.
required=(Type=notify NotifyAccess=all WatchdogSec= Restart=on-failure StartLimitIntervalSec= StartLimitBurst=
  EnvironmentFile= User= NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes ReadWritePaths=
  CapabilityBoundingSet=)
for unit in "${units[@]}"; do
  [[ "$unit" == *.service ]] || continue
  for directive in "${required[@]}"; do
    grep -q "^${directive}" "$unit" || fail "$(basename "$unit"): missing ${directive}"
  done
  systemd-analyze security --offline=true --threshold="$MAX_EXPOSURE" "$unit" >"$work/security.txt" 2>&1 ||
    fail "$(basename "$unit"): sandbox too weak: $(grep -E 'Overall exposure|Failed' "$work/security.txt") (allowed: $((MAX_EXPOSURE / 10)).$((MAX_EXPOSURE % 10)))"
done

# Settings examples: keys are TARS_ variables or the usual aliases (anything else would be ignored
# silently by the node), and `tars serve --check-config` accepts them.
envs=("$dir"/env/*.env)
if [ -e "${envs[0]}" ]; then
  if [ ! -f "$root/dist/cli/main.js" ] || [ -n "$(find "$root/src/config" "$root/src/cli" "$root/config" -newer "$root/dist/cli/main.js" -print -quit)" ]; then
    (cd "$root" && npm run build --silent) || fail "cannot build dist/ to check the settings examples"
  fi
  for file in "${envs[@]}"; do
    name="env/$(basename "$file")"
    bad=$(sed -nE 's/^#?[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=.*/\1/p' "$file" | grep -vxE 'TARS_[A-Z0-9_]+|DATABASE_URL|NATS_URL|OLLAMA_HOST' || true)
    [ -z "$bad" ] || fail "$name: not TARS settings: $bad"
    grep -qE '^TARS_ROLES=' "$file" || fail "$name: must set TARS_ROLES"
    sed -E 's/^#[[:space:]]*([A-Za-z_][A-Za-z0-9_]*=)/\1/' "$file" >"$work/all-on.env"
    for variant in "$file" "$work/all-on.env"; do
      what=$([ "$variant" = "$file" ] && echo "as shipped" || echo "with its commented-out settings on")
      env -i PATH="$PATH" HOME="$work" node --no-warnings --env-file="$variant" "$root/dist/cli/main.js" serve --check-config \
        >"$work/check.txt" 2>&1 || fail "$name ($what): $(cat "$work/check.txt")"
    done
  done
fi

# The user, checked against an empty root: nothing is written (--dry-run), any complaint fails.
if [ -f "$dir/tars.sysusers.conf" ]; then
  mkdir -p "$work/root/etc"
  systemd-sysusers --root="$work/root" --dry-run "$dir/tars.sysusers.conf" >"$work/sysusers.txt" 2>&1 || fail "tars.sysusers.conf: $(cat "$work/sysusers.txt")"
  ! grep -qE "Failed|tars.sysusers.conf:[0-9]+:" "$work/sysusers.txt" || fail "tars.sysusers.conf: $(cat "$work/sysusers.txt")"
  grep -q "Creating user 'tars'" "$work/sysusers.txt" || fail "tars.sysusers.conf does not create the user tars: $(cat "$work/sysusers.txt")"
fi

if [ -f "$dir/nats-server.example.conf" ] && command -v nats-server >/dev/null; then
  nats-server -t -c "$dir/nats-server.example.conf" >"$work/nats.txt" 2>&1 || fail "nats-server.example.conf: $(cat "$work/nats.txt")"
fi

echo "systemd units ok: ${units[*]##*/}; settings examples ok: $(cd "$dir" && ls env/*.env 2>/dev/null | tr '\n' ' ')"
