#!/bin/sh
# pp_speed.sh -- lumen-pp against Janus's janus-pp-rec on the same generated Opus track, run by hand:
#   tests/perf/pp_speed.sh [BUILDDIR] [MINUTES]     (figures go to docs/lumen-pp.md)
# Prints CPU (user+sys) and wall seconds of each, pinned to one core, and the output durations.
# Recordings use link type 1 (Ethernet), which pcap2mjr (Janus 1.1.2) reads as they are.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-.}
min=${2:-10}
pp="$build/tools/pp/lumen-pp"
w=$(mktemp -d /tmp/pp-speed.XXXXXX)
trap 'rm -rf "$w"' EXIT
/usr/bin/python3 "$top/tests/integration/pp_gen.py" "$w/rec" --scenario long --minutes "$min"
cp "$w/rec/p1-audio-0.pcap" "$w/eth.pcap"
t() { # label, command...: CPU and wall seconds
	label=$1; shift
	/usr/bin/time -f "$label: %U user + %S sys s CPU, %e s wall" taskset -c 0 "$@" >/dev/null 2>"$w/err" ||
		{ cat "$w/err"; exit 1; }
	tail -1 "$w/err"
}
dur() { gst-discoverer-1.0 "$1" | sed -n 's/^ *Duration: //p'; }
echo "track: $min min Opus, $(stat -c %s "$w/rec/p1-audio-0.pcap") bytes"
for i in 1 2 3; do t "lumen-pp" "$pp" "$w/rec" -o "$w/pp"; done
t "lumen-pp --align --format wav" "$pp" "$w/rec" -o "$w/wav" --align --format wav
for i in 1 2 3; do t "pcap2mjr" pcap2mjr -c opus "$w/eth.pcap" "$w/j.mjr"; done
for i in 1 2 3; do t "janus-pp-rec" janus-pp-rec "$w/j.mjr" "$w/j.opus"; done
echo "durations: lumen-pp $(dur "$w/pp/p1-audio-0.opus"), janus-pp-rec $(dur "$w/j.opus")"
