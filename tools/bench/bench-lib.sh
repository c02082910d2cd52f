# bench-lib.sh -- the servers of the bench scripts (sourced by compare-janus.sh and
# record-cost.sh; bash): Debian's Janus found or installed, a configuration folder for it and for
# lumen under $WORKDIR, one server at a time started in the network namespace pinned to
# $SERVER_CPU, and stopped again.
#
# The caller sets: top_srcdir, top_builddir, LUMEN, NETNS, NS, WORKDIR, SERVER_IP, SERVER_CPU,
# LUMEN_PORT, LUMEN_ADMIN_PORT, JANUS_PORT, and defines die(). Every function that starts a server
# sets server_pid (the caller's cleanup kills it) and server_url. The network is one namespace
# unless the caller runs bench_net_up with BENCH_SPLIT=1 (below).

# Where the load runs and reaches the servers' HTTP: the one namespace and its loopback, unless
# bench_net_up split the network.
LOAD_NS=${LOAD_NS:-}
SERVER_HOST=127.0.0.1

# bench_net_up: the run's network. BENCH_SPLIT=0 (the default): one namespace $NS holding both
# test addresses, so traffic between them is routed over its loopback; the kernel then runs the
# receiver's side of every datagram (softirq) on the sender's CPU, inside the sender's system
# call, and bills it to the sender: the server pays for the load's receive path of every packet
# it forwards, the load for the server's receive path of every packet it publishes.
# BENCH_SPLIT=1 (needs LOAD_CPU): two namespaces as two machines on one link (netns.sh split):
# the servers in $NS on 192.0.2.1, the load in $NS-peer on 192.0.2.2, and RPS (receive packet
# steering) on each side's veth end sends its receive processing to its own CPU: a datagram the
# server sends is received on the load's CPU, as a NIC on another machine would, and the other
# way round. The server's namespace's loopback is steered to the load's CPU too, so lumen-floor
# (run there) times a send without its receiver. Signalling then crosses the link as well
# (SERVER_HOST=$SERVER_IP). On this project's VM the steering itself (a remote CPU's queue and an
# inter-processor interrupt per burst) costs about what it moves, so the benchmarks default to
# one namespace (docs/performance.md, session 19's notes).
bench_net_up() {
	if [ "${BENCH_SPLIT:-0}" != 1 ]; then
		"$NETNS" up "$NS"
		LOAD_NS=$NS SERVER_HOST=127.0.0.1
		return 0
	fi
	"$NETNS" split "$NS"
	LOAD_NS="$NS-peer" SERVER_HOST=$SERVER_IP
	bench_rps "$NS" lmnA "$SERVER_CPU"
	bench_rps "$NS" lo "$LOAD_CPU"
	bench_rps "$LOAD_NS" lmnB "$LOAD_CPU"
}

# bench_rps NAMESPACE DEVICE CPU: the device's receive processing on CPU (RPS; sysfs is the
# namespace's own under ip netns exec).
bench_rps() {
	local mask
	mask=$(printf '%x' $((1 << $3)))
	"$NETNS" exec "$1" sh -c "echo $mask >/sys/class/net/$2/queues/rx-0/rps_cpus" ||
		die "cannot steer $2's receive processing to CPU $3 in $1 (RPS)"
}

# bench_need_janus INSTALL: JANUS_LIBDIR (where its plugins and transports are); apt-get installs
# janus when missing and INSTALL is 1.
bench_need_janus() {
	if ! command -v janus >/dev/null; then
		[ "$1" -eq 1 ] || die "janus is not installed (apt-get install janus janus-tools)"
		echo "== installing Debian's janus" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q janus janus-tools >&2 ||
			die "apt-get install janus failed"
	fi
	JANUS_LIBDIR=$(dpkg -L janus | grep '/janus/plugins/libjanus_videoroom.so$' | head -1)
	JANUS_LIBDIR=$(dirname "$(dirname "$JANUS_LIBDIR")")
	[ -e "$JANUS_LIBDIR/plugins/libjanus_videoroom.so" ] || die "no videoroom plugin in janus's package"
}

# bench_janus_conf: Janus's folders under $WORKDIR/janus: only the VideoRoom plugin and the HTTP
# transport (folders holding just those two), ICE on the test address only, its own HTTP and RTP
# ports (tools/bench/janus/).
bench_janus_conf() {
	local d="$WORKDIR/janus"
	mkdir -p "$d/conf" "$d/plugins" "$d/transports" "$d/events" "$d/loggers"
	ln -sf "$JANUS_LIBDIR/plugins/libjanus_videoroom.so" "$d/plugins/"
	ln -sf "$JANUS_LIBDIR/transports/libjanus_http.so" "$d/transports/"
	sed -e "s|@DIR@|$d|g" -e "s|@ICE_IP@|$SERVER_IP|g" \
		"$top_srcdir/tools/bench/janus/janus.jcfg.in" >"$d/conf/janus.jcfg"
	sed -e "s|@PORT@|$JANUS_PORT|g" -e "s|@HTTP_IP@|$SERVER_HOST|g" \
		"$top_srcdir/tools/bench/janus/janus.transport.http.jcfg.in" \
		>"$d/conf/janus.transport.http.jcfg"
	cp "$top_srcdir/tools/bench/janus/janus.plugin.videoroom.jcfg" "$d/conf/"
}

# bench_lumen_conf PLUGIN...: lumen's plugin folder under $WORKDIR/lumen holding just the named
# plugins of the build tree (rooms, recorder, ...), and a state folder.
bench_lumen_conf() {
	mkdir -p "$WORKDIR/lumen/plugins" "$WORKDIR/lumen/state"
	rm -f "$WORKDIR/lumen/plugins/"*.so
	for p in "$@"; do
		[ -e "$top_builddir/plugins/$p/.libs/$p.so" ] || die "plugin $p not built"
		ln -s "$top_builddir/plugins/$p/.libs/$p.so" "$WORKDIR/lumen/plugins/$p.so"
	done
}

# bench_wait_port PORT: waits (at most 20 s) until PORT accepts connections in the namespace;
# fails early if the server exited.
bench_wait_port() {
	for _ in $(seq 200); do
		"$NETNS" exec "$NS" /usr/bin/python3 -c \
			"import socket; socket.create_connection(('$SERVER_HOST',$1),timeout=0.2).close()" \
			2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# lumen's abuse limits per client IP and session (32 handles per session, 10 session creations a
# second) would refuse the load generator's hundreds of handles from one address; Janus has no
# such limits, so they are lifted for the benchmarks.
BENCH_LUMEN_LIMITS=(--set api.max_handles_per_session=1024 --set api.max_sessions_per_ip=1000000
	--set api.create_rate=100000 --set api.create_burst=100000)

# bench_start_server lumen|janus LOGFILE [--set KEY=VALUE ...]: a fresh server (the --set options
# are lumen's: added to the sample configuration and the overrides below).
bench_start_server() {
	local kind=$1 logf=$2
	shift 2
	case "$kind" in
	lumen)
		# An admin API off loopback needs a credential (lumen refuses to start without one);
		# nothing here calls it, and /metrics stays open (admin.metrics_token unset).
		local admin=()
		[ "$SERVER_HOST" = 127.0.0.1 ] ||
			admin=(--set admin.token="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')")
		"$NETNS" exec "$NS" taskset -c "$SERVER_CPU" "$LUMEN" -c "$top_srcdir/conf/lumen.cfg" \
			--set http.listen=$SERVER_HOST:$LUMEN_PORT \
			--set admin.listen=$SERVER_HOST:$LUMEN_ADMIN_PORT \
			--set http.demo=false --set plugins.dir="$WORKDIR/lumen/plugins" \
			--set general.state_dir="$WORKDIR/lumen/state" \
			--set media.ice_enforce="$SERVER_IP" "${BENCH_LUMEN_LIMITS[@]}" "${admin[@]}" "$@" \
			>"$logf" 2>&1 &
		server_pid=$!
		server_url="http://$SERVER_HOST:$LUMEN_PORT/janus"
		bench_wait_port "$LUMEN_PORT" || die "lumen did not start (see $logf)"
		;;
	janus)
		"$NETNS" exec "$NS" taskset -c "$SERVER_CPU" janus -C "$WORKDIR/janus/conf/janus.jcfg" \
			-F "$WORKDIR/janus/conf" >"$logf" 2>&1 &
		server_pid=$!
		server_url="http://$SERVER_HOST:$JANUS_PORT/janus"
		bench_wait_port "$JANUS_PORT" || die "janus did not start (see $logf)"
		;;
	esac
}

# bench_stop_server: SIGTERM (lumen then finalises open recordings), SIGKILL after 5 s.
bench_stop_server() {
	[ -n "$server_pid" ] || return 0
	kill "$server_pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

# bench_wait_load: waits for the load ($bench_pid), clears it, and leaves its exit status in
# $brc (0 when it succeeded); what a failed load means is the caller's to say. `||` keeps a
# failure from ending a script under set -e.
bench_wait_load() {
	brc=0
	wait "$bench_pid" || brc=$?
	bench_pid=""
}

# bench_traps: the bench scripts' exit handling. On any exit (or INT/TERM, status 130) the load
# ($bench_pid) and the server ($server_pid) are stopped, the namespace $NS and $WORKDIR removed,
# and the script's own status kept.
bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# Under set -e a failing last command of an && list ends the script: an already-exited
	# server's `kill -9` used to leave the namespace and WORKDIR behind with status 1.
	if [ -n "${bench_pid:-}" ]; then kill "$bench_pid" 2>/dev/null || true; fi
	if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
	if [ -n "${bench_pid:-}${server_pid:-}" ]; then sleep 1; fi
	if [ -n "${server_pid:-}" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	"$NETNS" down "$NS"
	rm -rf "$WORKDIR"
	exit "$rc"
}
bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
