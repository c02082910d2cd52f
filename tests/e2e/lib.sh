# lib.sh -- shared set-up of the media end-to-end tests (sourced after tests/integration/lib.sh):
# a private network namespace with a veth pair, and a real lumen inside it whose ICE is pinned to
# 192.0.2.1, with its client API on the namespace's loopback. Everything is torn down on exit.
E2E="$top_srcdir/tests/e2e"
E2E_API_PORT=18088
E2E_ADMIN_PORT=17088

e2e_skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# e2e_require_netns: skips the whole test unless namespaces can be made here (root).
# LUMEN_SKIP_MEDIA_E2E=1 skips them all: tools/dev.sh sets it for `make distcheck`, whose job
# is the tarball (complete, builds, installs, unit and integration tests pass); the media tests
# have just run twice, in the -Werror and the ASan builds, and a third run would push CI past
# its time limit.
e2e_require_netns() {
	[ -z "${LUMEN_SKIP_MEDIA_E2E:-}" ] ||
		e2e_skip_all "media end-to-end tests skipped (LUMEN_SKIP_MEDIA_E2E is set)"
	"$E2E/netns.sh" check || e2e_skip_all "network namespaces need root"
}

e2e_cleanup() {
	[ -n "${e2e_lumen_pid:-}" ] && kill "$e2e_lumen_pid" 2>/dev/null
	for p in ${e2e_extra_pids:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${e2e_ns:-}" ] && "$E2E/netns.sh" down "$e2e_ns"
	[ -n "${e2e_tmp:-}" ] && rm -rf "$e2e_tmp"
}

# e2e_start [--set k=v ...]: namespace up, lumen started inside it; waits for the API port.
# One media end-to-end test runs at a time (a lock in the build tree, held until the script
# exits): each runs several browsers or GStreamer pipelines, and two at once on a small machine
# (make check -j2) starve each other's encoders and turn timing checks into noise.
e2e_start() {
	if command -v flock >/dev/null; then
		exec 9>"$top_builddir/tests/e2e-media.lock"
		flock -w 900 9 || echo "# e2e lock not taken after 900 s; running anyway"
	fi
	e2e_ns="lumen-e2e-$$"
	e2e_tmp=$(mktemp -d)
	trap e2e_cleanup EXIT INT TERM
	"$E2E/netns.sh" up "$e2e_ns"
	"$E2E/netns.sh" exec "$e2e_ns" "$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
		--set http.listen=127.0.0.1:$E2E_API_PORT --set admin.listen=127.0.0.1:$E2E_ADMIN_PORT \
		--set plugins.dir="$top_builddir/tests/plugins-dir" --set general.state_dir="$e2e_tmp" \
		--set media.ice_enforce=192.0.2.1 "$@" >"$e2e_tmp/lumen.log" 2>&1 &
	e2e_lumen_pid=$!
	e2e_wait_port $E2E_API_PORT
}

# e2e_wait_port PORT: waits (at most 10 s) until PORT accepts connections in the namespace.
e2e_wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 -c \
			"import socket; socket.create_connection(('127.0.0.1',$1),timeout=0.2).close()" \
			2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# e2e_finish TAPFILE RC: prints the client's TAP without its plan, adds "lumen survived",
# prints the plan; on failure shows lumen's log. Exits with the result.
e2e_finish() {
	tapfile=$1 rc=$2
	grep -v '^1\.\.' "$tapfile"
	n=$(grep -c '^\(not \)\{0,1\}ok ' "$tapfile")
	if [ "$n" -eq 0 ]; then
		n=1; rc=1
		echo "not ok 1 - the client ran and reported results"
	fi
	if kill -0 "$e2e_lumen_pid" 2>/dev/null; then
		echo "ok $((n + 1)) - lumen still running after the test"
	else
		echo "not ok $((n + 1)) - lumen still running after the test"; rc=1
	fi
	if [ "$rc" -ne 0 ]; then
		echo "# lumen log (last 40 lines):"; tail -40 "$e2e_tmp/lumen.log" | sed 's/^/# /'
	fi
	echo "1..$((n + 1))"
	exit "$rc"
}

# e2e_require_janusjs: skips all unless Debian's chromium, playwright-core (tests/e2e/node_modules)
# and Debian's janus.js are here, then e2e_require_netns.
e2e_require_janusjs() {
	[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
	[ -d "$E2E/node_modules/playwright-core" ] ||
		e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
	[ -f /usr/share/javascript/janus-gateway/janus.js ] ||
		e2e_skip_all "libjs-janus-gateway not installed"
	e2e_require_netns
}

# e2e_serve_page PAGE PORT: pages/PAGE with Debian's janus.js and adapter.js beside it, served
# on the namespace's loopback at PORT (the server is e2e_extra_pids); waits until it answers.
e2e_serve_page() {
	mkdir -p "$e2e_tmp/www"
	cp "$E2E/pages/$1" /usr/share/javascript/janus-gateway/janus.js \
		/usr/share/javascript/webrtc-adapter/adapter.js "$e2e_tmp/www/"
	"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$e2e_tmp/www" \
		"$2" >"$e2e_tmp/http.log" 2>&1 &
	e2e_extra_pids=$!
	e2e_wait_port "$2"
}

# ns_do CMD...: CMD in the test's namespace (in the foreground: a background job started through
# this function is a subshell whose pid is not the command's; use netns.sh exec directly for those).
ns_do() { "$E2E/netns.sh" exec "$e2e_ns" "$@"; }

# e2e_create_room ROOM DESCRIPTION MODE: creates the room over lumen's admin API; if that fails,
# prints a failed TAP test with the error and exits.
e2e_create_room() {
	"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 - "http://127.0.0.1:$E2E_ADMIN_PORT/admin/v1/rooms" \
		"$1" "$2" "$3" 2>"$e2e_tmp/create.err" <<'PY' && return 0
import json, sys, urllib.request
url, room, desc, mode = sys.argv[1:5]
req = urllib.request.Request(url, method="POST", headers={"Content-Type": "application/json"},
	data=json.dumps({"room": int(room), "description": desc, "mode": mode}).encode())
urllib.request.urlopen(req, timeout=5).read()
PY
	echo "not ok 1 - the room is created over the admin API"
	sed 's/^/# /' "$e2e_tmp/create.err"
	echo "1..1"
	exit 1
}

# e2e_sample_metrics NAME...: lumen's /metrics every 0.2 s in the background, one line per sample
# in $e2e_tmp/samples with the named families' values in order ("nan" for one that is absent),
# until e2e_sample_metrics_stop or 90 s pass.
e2e_sample_metrics() {
	rm -f "$e2e_tmp/samples.stop"
	"$E2E/netns.sh" exec "$e2e_ns" /usr/bin/python3 - \
		"http://127.0.0.1:$E2E_ADMIN_PORT/metrics" "$e2e_tmp/samples" "$e2e_tmp/samples.stop" \
		"$@" <<'PY' &
import os, re, sys, time, urllib.request
url, out, stop = sys.argv[1:4]
names = sys.argv[4:]
with open(out, "w") as f:
    for _ in range(450):
        if os.path.exists(stop):
            break
        try:
            text = urllib.request.urlopen(url, timeout=2).read().decode()
            vals = [re.search(r"^%s (\S+)$" % n, text, re.M) for n in names]
            f.write(" ".join(v.group(1) if v else "nan" for v in vals) + "\n")
            f.flush()
        except OSError as e:
            f.write("# %s\n" % e)
        time.sleep(0.2)
PY
	e2e_sampler_pid=$!
}

e2e_sample_metrics_stop() {
	touch "$e2e_tmp/samples.stop"
	wait "$e2e_sampler_pid" 2>/dev/null
}

# e2e_check RESULT DESCRIPTION: appends one TAP line to $e2e_tmp/tap after those there (the
# client's), "ok" when RESULT is 0; a failure sets rc=1.
e2e_check() {
	e2e_n=$(($(grep -c '^\(not \)\{0,1\}ok ' "$e2e_tmp/tap") + 1))
	if [ "$1" -eq 0 ]; then echo "ok $e2e_n - $2"; else echo "not ok $e2e_n - $2"; rc=1; fi \
		>>"$e2e_tmp/tap"
}
