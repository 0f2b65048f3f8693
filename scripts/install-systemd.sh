#!/usr/bin/env bash
# Installs a TARS node as a systemd service on this PC, from this checkout (build it first):
# the `tars` system user, the units tars@.service and tars.target, /etc/tars/<name>.env from an
# example of systemd/env/ (an existing file is kept), a `tars` command in /usr/local/bin, and
# `systemctl enable tars@<name>`. It does not start the node: edit its settings first.
#   sudo scripts/install-systemd.sh cognitive          # PC1
#   sudo scripts/install-systemd.sh processing         # PC2
#   sudo scripts/install-systemd.sh pc3 processing     # node tars@pc3, settings from the processing example
#   scripts/install-systemd.sh --dry-run cognitive     # only print what it would do
set -euo pipefail

usage() {
  echo "usage: $0 [--dry-run] NAME [EXAMPLE]   (EXAMPLE: one of systemd/env/*.env, default NAME)" >&2
  exit "$1"
}
die() {
  echo "install-systemd: $*" >&2
  exit 1
}

dry_run=false
args=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    -h | --help) usage 0 ;;
    -*) usage 2 ;;
    *) args+=("$arg") ;;
  esac
done
[ "${#args[@]}" -ge 1 ] && [ "${#args[@]}" -le 2 ] || usage 2
name=${args[0]}
example=${args[1]:-$name}
app=$(cd "$(dirname "$0")/.." && pwd)
units=/etc/systemd/system

[[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "node name '$name': letters, digits, '.', '_' and '-' only"
env_example="$app/systemd/env/$example.env"
if [ ! -f "$env_example" ]; then
  known=$(cd "$app/systemd/env" && ls -- *.env | sed 's/\.env$//' | tr '\n' ' ')
  die "no settings example systemd/env/$example.env (examples: $known)"
fi
node_bin=$(command -v node) || die "node is not on the PATH (TARS needs Node.js >= 20.19)"
"$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "$node_bin is Node.js $("$node_bin" --version); TARS needs >= 20.19"
# The unit has ProtectHome=yes: the service cannot see anything under a home folder.
for path in "$app" "$node_bin"; do
  case "$path" in
    /home/* | /root/* | /run/user/*)
      problem="$path is under a home folder, which the service cannot see (ProtectHome=yes): install TARS in /opt/tars and Node.js system-wide"
      $dry_run || die "$problem"
      echo "# note: $problem" >&2
      ;;
  esac
done
if [ ! -f "$app/dist/cli/main.js" ]; then
  $dry_run || die "$app/dist is missing: run 'bash scripts/ensure-deps.sh && npm run build' in $app first"
  echo "# note: $app/dist is missing; build before a real install" >&2
fi
$dry_run || [ "$(id -u)" -eq 0 ] || die "run as root (sudo), or with --dry-run to see what it would do"

# Runs a command, or prints it with --dry-run.
run() {
  if $dry_run; then
    echo "+ $*"
  else
    "$@"
  fi
}
# Writes stdin to a file with a mode, or prints it with --dry-run.
write() {
  local file=$1 mode=$2
  if $dry_run; then
    echo "+ write $file (mode $mode):"
    sed 's/^/    /'
    return
  fi
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  install -D -m "$mode" "$tmp" "$file"
  rm -f "$tmp"
}

run install -D -m 644 "$app/systemd/tars.sysusers.conf" /etc/sysusers.d/tars.conf
run systemd-sysusers /etc/sysusers.d/tars.conf
run install -m 644 "$app/systemd/tars@.service" "$app/systemd/tars.target" "$units/"

# The unit expects TARS in /opt/tars and Node.js in /usr/bin; a drop-in points it elsewhere.
dropin="$units/tars@.service.d/paths.conf"
if [ "$app" != /opt/tars ] || [ "$node_bin" != /usr/bin/node ]; then
  write "$dropin" 644 <<EOF
# Written by scripts/install-systemd.sh: where TARS and Node.js are on this PC.
[Service]
WorkingDirectory=$app
ExecStart=
ExecStart=$node_bin $app/dist/cli/main.js serve
EOF
elif [ -e "$dropin" ]; then
  run rm -f "$dropin"
fi

run install -d -m 755 /etc/tars
if [ -e "/etc/tars/$name.env" ]; then
  echo "# keeping /etc/tars/$name.env"
else
  # Root only: it holds passwords, and systemd reads it before dropping to the tars user.
  run install -m 600 "$env_example" "/etc/tars/$name.env"
fi

write /usr/local/bin/tars 755 <<EOF
#!/bin/sh
exec $node_bin $app/dist/cli/main.js "\$@"
EOF

run systemctl daemon-reload
run systemctl enable "tars@$name.service"

cat <<EOF

Node tars@$name is installed and enabled, not started. Next:
  1. edit /etc/tars/$name.env (addresses, passwords), then check it:
       sudo node --env-file=/etc/tars/$name.env $app/dist/cli/main.js serve --check-config
  2. sudo systemctl start tars@$name && systemctl status tars@$name
  3. journalctl -u tars@$name -o cat -f
EOF
