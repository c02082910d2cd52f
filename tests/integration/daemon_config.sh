#!/bin/sh
# daemon_config.sh -- the lumen command line: --help, --version, --check-config on the sample and
# on broken files (exit 78, one line naming file, line and key), --set validation, usage errors
# (exit 2), and a listener address already in use (exit 1 with a clear message).
. "$top_srcdir/tests/integration/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
empty="$tmp/plugins"; mkdir -p "$empty"

"$LUMEN" --help >"$tmp/out" 2>&1; rc=$?
grep -q -- "--check-config" "$tmp/out"; ok $((rc + $?)) "--help exits 0 and documents --check-config"

"$LUMEN" --version >"$tmp/out" 2>&1; rc=$?
grep -q "^lumen [0-9]" "$tmp/out"; ok $((rc + $?)) "--version prints 'lumen VERSION'"

"$LUMEN" --check-config "$top_srcdir/conf/lumen.cfg" --set plugins.dir="$empty" >"$tmp/out" 2>&1
ok $? "--check-config accepts the sample conf/lumen.cfg"

"$LUMEN" --help-config >"$tmp/out" 2>&1; rc=$?
grep -q "general.log_level" "$tmp/out"; ok $((rc + $?)) "--help-config lists the keys"

check_bad() { # check_bad NAME FILE-CONTENT EXPECTED-GREP [extra args]
	name=$1 content=$2 expect=$3; shift 3
	printf '%b' "$content" >"$tmp/bad.cfg"
	"$LUMEN" --check-config -c "$tmp/bad.cfg" --set plugins.dir="$empty" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 78 ] && grep -q -- "$expect" "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 1 ]; then
		ok 0 "$name"
	else
		ok 1 "$name (exit $rc)"; diag <"$tmp/out"
	fi
}
check_bad "an unknown key exits 78 naming file, line and key" \
	'general: {\n  log_levle = "info";\n};\n' "bad.cfg:2: general.log_levle"
check_bad "a wrong type exits 78 naming file, line and key" \
	'http: {\n  max_body = "big";\n};\n' "bad.cfg:2: http.max_body"
check_bad "an out-of-range value exits 78 naming file, line and key" \
	'api: {\n\n  session_timeout = 0;\n};\n' "bad.cfg:3: api.session_timeout"
check_bad "a syntax error exits 78 naming file and line" \
	'general: {\n  log_level = ;\n};\n' "bad.cfg:2"
check_bad "an invalid --set exits 78 naming the key" \
	'' "general.log_level" --set general.log_level=loud

"$LUMEN" --check-config -c "$tmp/missing.cfg" >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 78 ] && grep -q "missing.cfg" "$tmp/out"; ok $? "a missing config file exits 78 naming it"

"$LUMEN" --no-such-option >"$tmp/out" 2>&1; rc=$?
[ $rc -eq 2 ]; ok $? "an unknown option exits 2"

# A listener address that is taken: exit 1, the message names the address.
port=$(free_port)
/usr/bin/python3 -c "
import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1',$port)); s.listen(); sys.stdout.write('up\n'); sys.stdout.flush(); time.sleep(8)" >"$tmp/holder" &
holder=$!
i=0; while [ ! -s "$tmp/holder" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
timeout 10 "$LUMEN" --set http.listen=127.0.0.1:$port --set admin.listen=127.0.0.1:$(free_port) \
	--set plugins.dir="$empty" >"$tmp/out" 2>&1; rc=$?
kill $holder 2>/dev/null; wait $holder 2>/dev/null
[ $rc -eq 1 ] && grep -q "127.0.0.1:$port" "$tmp/out"; ok $? "a listener address in use exits 1 naming it (exit $rc)"
[ $rc -eq 1 ] || diag <"$tmp/out"

done_testing
