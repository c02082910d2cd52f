#!/bin/sh
# ice_addresses_browser.sh -- end to end: lumen gathers on two addresses (media.ice_enforce =
# 192.0.2.1 and 192.0.2.2, both on the namespace's veth pair), so each ICE agent has a second UDP
# socket besides the selected pair's. Headless Chromium runs janus.js's echotest against it
# (echotest.mjs: video and audio come back decoded, the data channel echoes) while /metrics is
# sampled every 0.2 s: the receive loop must have taken the call's connection
# (lumen_media_rx_connections), watch the agent's other UDP socket
# (lumen_media_rx_other_sockets) and run no 100 ms timer for it
# (lumen_media_rx_timer_connections stays 0). After the calls end the loop holds nothing and
# neither it nor the ICE agents' context (webrtc/subctx.h) runs (lumen_media_rx_stun_runs_total
# and lumen_media_agent_context_runs_total stand still: nothing wakes an idle daemon). TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_require_janusjs

page_port=18080
# The later --set wins over lib.sh's single address.
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port" \
	--set media.ice_enforce=192.0.2.1,192.0.2.2
e2e_serve_page echotest.html $page_port

# The receive loop's gauges and counters, sampled while the calls run (lib.sh).
e2e_sample_metrics lumen_media_rx_connections lumen_media_rx_other_sockets \
	lumen_media_rx_timer_connections lumen_media_rx_stun_runs_total \
	lumen_media_agent_context_runs_total

"$E2E/netns.sh" exec "$e2e_ns" node "$E2E/echotest.mjs" "http://127.0.0.1:$page_port/echotest.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "ws://127.0.0.1:$E2E_API_PORT/" \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20

# The calls are over: the loop must have let go of every connection, and then read nothing.
gone=1
for _ in $(seq 50); do
	tail -1 "$e2e_tmp/samples" | grep -q '^0 0 0 ' && { gone=0; break; }
	sleep 0.2
done
idle_before=$(tail -1 "$e2e_tmp/samples" | awk '{print $4, $5}')
sleep 1.5
idle_after=$(tail -1 "$e2e_tmp/samples" | awk '{print $4, $5}')
e2e_sample_metrics_stop

max_of() { grep -v '^#' "$e2e_tmp/samples" | awk -v c="$1" 'BEGIN { m = -1 } $c > m { m = $c } END { print m }'; }
conns=$(max_of 1) others=$(max_of 2) timer=$(max_of 3)
[ "$conns" -ge 1 ] 2>/dev/null
e2e_check $? "the receive loop took the calls' connections (lumen_media_rx_connections up to $conns)"
[ "$others" -ge 1 ] 2>/dev/null
e2e_check $? "it watched the agents' second UDP socket (lumen_media_rx_other_sockets up to $others)"
[ "$timer" -eq 0 ] 2>/dev/null
e2e_check $? "no connection needed the 100 ms timer (lumen_media_rx_timer_connections up to $timer)"
e2e_check $gone "after the calls the loop holds no connection and watches no socket"
[ -n "$idle_before" ] && [ "$idle_before" = "$idle_after" ]
e2e_check $? "idle, neither the loop nor the agents' context runs for 1.5 s (lumen_media_rx_stun_runs_total, lumen_media_agent_context_runs_total: $idle_before -> $idle_after)"
echo "# $(grep -vc '^#' "$e2e_tmp/samples") metrics samples" >>"$e2e_tmp/tap"
e2e_finish "$e2e_tmp/tap" $rc
