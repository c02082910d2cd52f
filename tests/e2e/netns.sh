#!/bin/sh
# netns.sh -- a private network for WebRTC end-to-end tests. Browsers, aiortc and webrtcbin never
# gather loopback candidates, so media tests run inside a network namespace that has a veth pair
# carrying two TEST-NET-1 addresses (192.0.2.1 for lumen's ICE, 192.0.2.2 for clients) plus its
# own loopback for signalling. Nothing leaves the namespace.
#
#   netns.sh up NAME       create namespace NAME (idempotent: an old one is removed first)
#   netns.sh split NAME    two namespaces, as two machines on one link: NAME holds lmnA
#                          (192.0.2.1), NAME-peer holds lmnB (192.0.2.2); each has its own
#                          loopback, and traffic between the addresses crosses the veth pair
#                          (the benchmarks use it; tools/bench/bench-lib.sh)
#   netns.sh down NAME     stop every process still inside, remove it (and the veth pair;
#                          with split's NAME-peer too)
#   netns.sh exec NAME CMD run CMD inside
#   netns.sh check         exit 0 if namespaces can be created here (root, iproute2), else 1
#
# The pair is named lmnA/lmnB: libnice skips interfaces named veth*, docker* and virbr*. With
# both ends in one namespace the kernel drops the packets as martians unless accept_local=1 and
# rp_filter=0 are set on them.
set -eu

up() {
	ns=$1
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add lmnA type veth peer name lmnB
	ip -n "$ns" addr add 192.0.2.1/24 dev lmnA
	ip -n "$ns" addr add 192.0.2.2/24 dev lmnB
	for ifc in all default lmnA lmnB; do
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$ifc.rp_filter=0"
		ip netns exec "$ns" sysctl -qw "net.ipv4.conf.$ifc.accept_local=1"
	done
	ip -n "$ns" link set lmnA up
	ip -n "$ns" link set lmnB up
}

split() {
	ns=$1 peer=$1-peer
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$peer" 2>/dev/null || true
	ip netns add "$ns"
	ip netns add "$peer"
	ip -n "$ns" link set lo up
	ip -n "$peer" link set lo up
	ip -n "$ns" link add lmnA type veth peer name lmnB netns "$peer"
	ip -n "$ns" addr add 192.0.2.1/24 dev lmnA
	ip -n "$peer" addr add 192.0.2.2/24 dev lmnB
	ip -n "$ns" link set lmnA up
	ip -n "$peer" link set lmnB up
}

# remove NAME: stops whatever runs inside, deletes the namespace. Whatever a test left running
# inside (a page server behind a shell function's subshell, whose pid the test never saw) is
# stopped first: such an orphan keeps the namespace alive and, having inherited the media lock's
# descriptor, would hold that lock for good.
remove() {
	ip netns list 2>/dev/null | grep -q "^$1\( \|$\)" || return 0
	pids=$(ip netns pids "$1" 2>/dev/null || true)
	if [ -n "$pids" ]; then
		kill $pids 2>/dev/null || true
		sleep 0.3
		kill -9 $(ip netns pids "$1" 2>/dev/null) 2>/dev/null || true
	fi
	ip netns del "$1" 2>/dev/null || true
}

case "${1:-}" in
up) up "$2" ;;
split) split "$2" ;;
down) remove "$2"; remove "$2-peer" ;;
exec) ns=$2; shift 2; exec ip netns exec "$ns" "$@" ;;
check)
	[ "$(id -u)" -eq 0 ] || exit 1
	ns="lumen-check-$$"
	if ip netns add "$ns" 2>/dev/null; then ip netns del "$ns"; exit 0; fi
	exit 1
	;;
*) echo "usage: netns.sh up|split|down|exec NAME ... | check" >&2; exit 2 ;;
esac
