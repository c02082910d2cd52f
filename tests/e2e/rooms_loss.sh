#!/bin/sh
# rooms_loss.sh -- end to end: a sfu room under 5 % random packet loss. One headless Chromium
# publishes (janus.js VideoRoom flow), another subscribes to its feed; for ~20 s the subscriber's
# video must keep decoding, the subscriber must NACK, and lumen must retransmit from its cache
# (and NACK the publisher for what the uplink lost). TAP.
#
# Loss: this kernel may lack sch_netem (it does in the CI container), so the loss is made with
# what is always there: an htb root qdisc on the namespace's loopback with a drop class (a pfifo
# of limit 0) and a classic-BPF classifier sending 5 % of the UDP packets to 192.0.2.0/24 there
# at random (BPF's "ld rand"). Both addresses of the veth pair are local to the namespace, so
# the media between them is routed over lo, in both directions: lmnA/lmnB carry none of it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

[ -x /usr/bin/chromium ] || e2e_skip_all "chromium not installed (tools/install-deps.sh)"
[ -d "$E2E/node_modules/playwright-core" ] || e2e_skip_all "playwright-core missing (npm ci --prefix tests/e2e)"
[ -f /usr/share/javascript/janus-gateway/janus.js ] || e2e_skip_all "libjs-janus-gateway not installed"
command -v tc >/dev/null || e2e_skip_all "tc (iproute2) not installed"
e2e_require_netns

page_port=18081
room=4242
seconds=${ROOMS_LOSS_SECONDS:-20}
e2e_start --set http.cors_origins="http://127.0.0.1:$page_port"

# 5 % loss: a cBPF program (tc's "bytecode" syntax: count, then "code jt jf k" per instruction).
#   0 ldb [23]                 IP protocol (lo has a 14-byte Ethernet header)
#   1 jeq #17, 2, 8            UDP?
#   2 ld [30]                  destination address
#   3 and #0xffffff00
#   4 jeq #192.0.2.0, 5, 8
#   5 ld rand
#   6 jgt #0.95*2^32, 7, 8
#   7 ret #0x10002             class 1:2, the drop class
#   8 ret #0                   no match: class 1:1 (default)
loss_bpf='9,48 0 0 23,21 0 6 17,32 0 0 30,84 0 0 4294967040,21 0 3 3221225984,32 0 0 4294963256,37 0 1 4080218931,6 0 0 65538,6 0 0 0'
if ! { ns_do tc qdisc add dev lo root handle 1: htb default 1 &&
	ns_do tc class add dev lo parent 1: classid 1:1 htb rate 10gbit quantum 60000 &&
	ns_do tc class add dev lo parent 1: classid 1:2 htb rate 10gbit quantum 60000 &&
	ns_do tc qdisc add dev lo parent 1:2 handle 20: pfifo limit 0 &&
	ns_do tc filter add dev lo parent 1: protocol ip prio 1 bpf bytecode "$loss_bpf" classid 1:2; } \
	>"$e2e_tmp/tc.log" 2>&1; then
	sed 's/^/# tc: /' "$e2e_tmp/tc.log"
	e2e_skip_all "cannot set up packet loss with tc (htb, pfifo, cls_bpf)"
fi

# The room, over the admin API.
e2e_create_room $room loss sfu
e2e_serve_page rooms_media.html $page_port

ns_do timeout 150 node "$E2E/rooms_media_loss.mjs" "http://127.0.0.1:$page_port/rooms_media.html" \
	"http://127.0.0.1:$E2E_API_PORT/janus" "http://127.0.0.1:$E2E_ADMIN_PORT" $room "$seconds" \
	>"$e2e_tmp/tap" 2>"$e2e_tmp/node.err"
rc=$?
# The loss was real: the drop class counted its packets.
dropped=$(ns_do tc -s qdisc show dev lo | grep -A1 '^qdisc pfifo 20:' | sed -n 's/^ *Sent.*(dropped \([0-9]*\).*/\1/p')
[ "${dropped:-0}" -gt 0 ]
e2e_check $? "the loss filter dropped packets (${dropped:-none})"
[ $rc -eq 0 ] || sed 's/^/# node: /' "$e2e_tmp/node.err" | tail -20
e2e_finish "$e2e_tmp/tap" $rc
