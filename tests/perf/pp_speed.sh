#!/bin/sh
# pp_speed.sh -- lumen-pp against Janus's janus-pp-rec on the same generated Opus track, run by hand:
#   tests/perf/pp_speed.sh [BUILDDIR] [MINUTES]     (figures go to docs/lumen-pp.md)
# Prints CPU (user+sys) and wall seconds of each, pinned to one core, and the output durations.
# pcap2mjr (Janus 1.1.2) refuses LINKTYPE_RAW ("Unsupported link type 12 (RAW)"), so the track is
# first rewritten with a 14-byte Ethernet header per record (link type 1), which it reads.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-.}
min=${2:-10}
pp="$build/tools/pp/lumen-pp"
w=$(mktemp -d /tmp/pp-speed.XXXXXX)
trap 'rm -rf "$w"' EXIT
/usr/bin/python3 "$top/tests/integration/pp_gen.py" "$w/rec" --scenario long --minutes "$min"
/usr/bin/python3 - "$w/rec/p1-audio-0.pcap" "$w/eth.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
out = bytearray(d[:20] + struct.pack("<I", 1))
off = 24
while off + 16 <= len(d):
    sec, usec, incl, orig = struct.unpack_from("<IIII", d, off)
    if off + 16 + incl > len(d):
        break
    out += struct.pack("<IIII", sec, usec, incl + 14, orig + 14)
    out += b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + d[off + 16:off + 16 + incl]
    off += 16 + incl
open(sys.argv[2], "wb").write(out)
PY
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
