# recording_lib.sh -- shared by tests/e2e/recording_*.sh (sourced after tests/integration/lib.sh
# and tests/e2e/lib.sh): skips without root, GStreamer's python bindings, the recorder plugin or
# lumen-pp; starts lumen in a namespace with the recorder writing under $e2e_tmp; admin API and
# result helpers. TAP numbering is lib.sh's ok().
LUMEN_PP="$top_builddir/tools/pp/lumen-pp"
# rec_pp ARGS...: lumen-pp without LeakSanitizer: under --enable-sanitizers it reports a 16 KiB
# g_malloc block at exit (its own tests are where its leaks are checked; these check the media).
rec_pp() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$LUMEN_PP" "$@"; }
REC_PY="$top_srcdir/tests/e2e/recording_media.py"
REC_PUB="$top_srcdir/tests/e2e/recording_pub.py"

rec_require() {
	[ -e "$top_builddir/tests/plugins-dir/recorder.so" ] || e2e_skip_all "recorder.so not built"
	[ -x "$LUMEN_PP" ] || e2e_skip_all "lumen-pp not built"
	/usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' 2>/dev/null ||
		e2e_skip_all "python3-gi / gir1.2-gst-plugins-bad-1.0 not installed (tools/install-deps.sh)"
	command -v gst-discoverer-1.0 >/dev/null || e2e_skip_all "gst-discoverer-1.0 missing (gstreamer1.0-plugins-base-apps)"
	e2e_require_netns
}

rec_cleanup() {
	e2e_cleanup
	[ -n "${rec_mnt:-}" ] && umount "$rec_mnt" 2>/dev/null
	[ -n "${rec_tmp:-}" ] && rm -rf "$rec_tmp"
}

# rec_up [--set k=v ...]: lumen up with the recorder writing into $rec_dir (default: a new
# temporary directory, removed on exit like e2e_start's).
rec_up() {
	[ -n "${rec_dir:-}" ] || { rec_dir=$(mktemp -d); rec_tmp=$rec_dir; }
	e2e_start --set recorder.dir="$rec_dir" "$@"
	trap rec_cleanup EXIT INT TERM
	rec_args="$*"
	rec_admin="http://127.0.0.1:$E2E_ADMIN_PORT/admin/v1"
	rec_api="http://127.0.0.1:$E2E_API_PORT/janus"
}

# rec_restart: lumen again in the same namespace, state and recordings directory, with the
# options of rec_up (after the previous one was killed or stopped).
rec_restart() {
	# shellcheck disable=SC2086
	"$E2E/netns.sh" exec "$e2e_ns" "$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
		--set http.listen=127.0.0.1:$E2E_API_PORT --set admin.listen=127.0.0.1:$E2E_ADMIN_PORT \
		--set plugins.dir="$top_builddir/tests/plugins-dir" --set general.state_dir="$e2e_tmp" \
		--set media.ice_enforce=192.0.2.1 --set recorder.dir="$rec_dir" $rec_args >>"$e2e_tmp/lumen.log" 2>&1 &
	e2e_lumen_pid=$!
	e2e_wait_port $E2E_API_PORT && e2e_wait_port $E2E_ADMIN_PORT
}

# rec_stop_lumen SIGNAL: signals lumen and waits until it has exited; fails if that took more
# than 20 s (it is then killed). The watchdog closes the test lock's descriptor (fd 9) first, so
# its leftover sleep never holds the lock.
rec_stop_lumen() {
	rm -f "$e2e_tmp/stop-timeout"
	kill -"$1" "$e2e_lumen_pid" || return 1
	(
		exec 9>&-
		sleep 20
		kill -9 "$e2e_lumen_pid" 2>/dev/null && touch "$e2e_tmp/stop-timeout"
	) &
	dog=$!
	wait "$e2e_lumen_pid"
	kill "$dog" 2>/dev/null
	[ ! -e "$e2e_tmp/stop-timeout" ]
}

# rec_now_us: the wall clock in microseconds (the recorder's session clock is anchored to it).
rec_now_us() { /usr/bin/python3 -c 'import time; print(int(time.time() * 1e6))'; }

# rec_http METHOD PATH [JSON]: the admin API inside the namespace; prints the body, fails on an
# HTTP error (the body then goes to stderr).
rec_http() {
	ns_do /usr/bin/python3 - "$1" "$rec_admin$2" "${3:-}" <<'PY'
import sys, urllib.request, urllib.error
m, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=m, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.read().decode())
except urllib.error.HTTPError as e:
    print(f"HTTP {e.code}: {e.read().decode()[:500]}", file=sys.stderr)
    sys.exit(1)
PY
}

# rec_room ID: creates a sfu room over the admin API.
rec_room() {
	rec_http POST /rooms "{\"room\": $1, \"description\": \"recording e2e $1\", \"mode\": \"sfu\"}" >/dev/null
}

# rec_json FILE EXPR: prints a python expression over the JSON in FILE (as j).
rec_json() {
	/usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null
}

# rec_tap FILE: the "ok NAME" / "not ok NAME" / "# ..." lines of a helper, numbered by ok().
rec_tap() {
	while IFS= read -r line; do
		case "$line" in
		"not ok "*"# TODO"*) TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - ${line#not ok }" ;;
		"ok "*) ok 0 "${line#ok }" ;;
		"not ok "*) ok 1 "${line#not ok }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$1"
}

# rec_lumen_alive: the TAP check that lumen survived, with its log on failure.
rec_finish() {
	kill -0 "$e2e_lumen_pid" 2>/dev/null
	ok $? "lumen still running after the test"
	if [ "$TAP_FAILED" -ne 0 ]; then
		echo "# lumen log (last 30 lines):"; tail -30 "$e2e_tmp/lumen.log" | sed 's/^/# /'
	fi
	done_testing
}

# rec_ok RC NAME: lib.sh's ok, returning RC (so `... ; rec_ok $? NAME || diagnostics` works).
rec_ok() { ok "$1" "$2"; return "$1"; }
