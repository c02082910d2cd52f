#!/bin/sh
# rooms_broadcast.sh -- end to end: a broadcast room with 20 viewers, a refused viewer publish, raised
# hand, promotion and the promoted viewer reaching the others (rooms_broadcast.mjs). TAP.
# lumen runs with two media transmit workers (media.workers=2; ROOMS_BROADCAST_WORKERS=N by hand
# to compare, 1 = none): the viewers are spread over them and the client checks, from /metrics
# and the admin API, that both workers sent packets, and notes each lumen thread's CPU over 5 s
# of the 20-viewer fan-out.
# Afterwards the CPU time of each of lumen's threads (from /proc/PID/task/*/stat) is printed as
# TAP comments: how the fan-out's cost is split between the control thread and the workers.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/rooms_lib.sh"

# thread_cpu PID: "# cpu THREAD SECONDS" per thread (utime + stime), busiest first.
thread_cpu() {
	hz=$(getconf CLK_TCK)
	for t in /proc/"$1"/task/*; do
		[ -r "$t/stat" ] || continue
		# fields after "(comm) ": state is 3, utime 14, stime 15 (1-based, whole line)
		sed 's/^.*) //' "$t/stat" | awk -v hz="$hz" -v name="$(cat "$t/comm")" \
			'{ printf "%.2f %s\n", ($12 + $13) / hz, name }'
	done | sort -rn | awk '{ printf "# cpu %-16s %6.2f s\n", $2, $1 }'
}

rooms_up --set media.workers="${ROOMS_BROADCAST_WORKERS:-2}"
ROOMS_ASAN=$rooms_asan ROOMS_WORKERS="${ROOMS_BROADCAST_WORKERS:-2}" LUMEN_PID=$e2e_lumen_pid \
	CLK_TCK=$(getconf CLK_TCK) "$E2E/netns.sh" exec "$e2e_ns" \
	node "$E2E/rooms_broadcast.mjs" "$rooms_page" "$rooms_http" \
	"http://127.0.0.1:$E2E_ADMIN_PORT" >"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
thread_cpu "$e2e_lumen_pid" >>"$e2e_tmp/tap"
[ -z "${ROOMS_KEEP:-}" ] || cp "$e2e_tmp/lumen.log" "$ROOMS_KEEP.lumen.log"
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
