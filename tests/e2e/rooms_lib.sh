# rooms_lib.sh -- shared by tests/e2e/rooms_*.sh (sourced after tests/integration/lib.sh and
# tests/e2e/lib.sh): skips without chromium, playwright-core, janus.js or root; starts lumen in a
# namespace and serves pages/rooms.html with Debian's janus.js and adapter.js beside it.
# Sets rooms_page, rooms_http, rooms_ws; rooms_asan=1 when lumen is a sanitizer build (tests
# then use smaller counts and say so).
[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
e2e_require_netns

rooms_asan=0
grep -q __asan_init "$LUMEN" 2>/dev/null && rooms_asan=1

# rooms_up [--set k=v ...]: lumen and the page server up.
rooms_up() {
	rooms_page_port=18080
	e2e_start --set http.cors_origins="http://127.0.0.1:$rooms_page_port" "$@"
	mkdir -p "$e2e_tmp/www"
	cp "$E2E/pages/rooms.html" /usr/share/javascript/janus-gateway/janus.js \
		/usr/share/javascript/webrtc-adapter/adapter.js "$e2e_tmp/www/"
	"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$e2e_tmp/www" \
		$rooms_page_port >"$e2e_tmp/http.log" 2>&1 &
	e2e_extra_pids=$!
	e2e_wait_port $rooms_page_port
	rooms_page="http://127.0.0.1:$rooms_page_port/rooms.html"
	rooms_http="http://127.0.0.1:$E2E_API_PORT/janus"
	rooms_ws="ws://127.0.0.1:$E2E_API_PORT/"
}

# rooms_client SCRIPT.mjs ARGS...: runs the node client in the namespace with the page and API
# URLs first; its TAP goes to $e2e_tmp/tap; then e2e_finish.
rooms_client() {
	script=$1; shift
	ROOMS_ASAN=$rooms_asan "$E2E/netns.sh" exec "$e2e_ns" node "$E2E/$script" "$rooms_page" "$rooms_http" \
		"$@" >"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
	rc=$?
	# ROOMS_KEEP=PREFIX (by hand, not in CI): keep lumen's log as PREFIX.lumen.log.
	[ -z "${ROOMS_KEEP:-}" ] || cp "$e2e_tmp/lumen.log" "$ROOMS_KEEP.lumen.log"
	[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
	e2e_finish "$e2e_tmp/tap" $rc
}
