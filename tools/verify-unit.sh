#!/bin/sh
# verify-unit.sh UNIT -- `systemd-analyze verify` a lumen unit built for any prefix, without
# installing it: the binary paths are pointed at a stand-in executable in a temporary copy.
# Also prints the `systemd-analyze security` exposure score (docs/deployment.md records it).
set -eu
unit=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexit 0\n' >"$tmp/lumen"; chmod +x "$tmp/lumen"
sed -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/lumen|\1$tmp/lumen|" "$unit" >"$tmp/lumen.service"
out=$(systemd-analyze verify "$tmp/lumen.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "systemd-analyze verify: lumen.service OK"
systemd-analyze security --offline=true "$tmp/lumen.service" 2>/dev/null | grep -i "overall exposure" || true
