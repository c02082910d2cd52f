#!/usr/bin/python3
"""join-trace.py -- the join steps in a capture of lumen-bench's join scenario (join-trace.sh).

Usage: join-trace.py CAPTURE.pcap SERVER_IP

Reads a pcap (tcpdump -i any: Linux cooked v1 or v2 frames; or Ethernet, or raw IP) and
classifies each UDP payload by its first byte (RFC 7983: STUN 0-3, DTLS 20-63, RTP/RTCP
128-191). Joins are sequential: each begins with the client's `create` POST. Prints the p50,
min and max over the joins of each step, in ms.
"""
import statistics
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            sys.exit("join-trace.py: not a little-endian pcap file: " + path)
        nano = magic == 0xA1B23C4D
        link = struct.unpack("<I", head[20:24])[0]
        offset = {113: 16, 276: 20, 1: 14, 101: 0, 228: 0}.get(link)
        if offset is None:
            sys.exit("join-trace.py: link type %d not handled" % link)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack("<IIII", rec)
            data = f.read(caplen)
            yield sec + frac / (1e9 if nano else 1e6), data[offset:]


def packets(path):
    """(time, proto, src, sport, dst, dport, kind) for each IPv4 packet with a payload."""
    for t, ip in frames(path):
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        proto, src, dst = ip[9], ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        l4 = ip[ihl:]
        if len(l4) < 8:
            continue
        sport, dport = struct.unpack("!HH", l4[:4])
        if proto == 17:
            pl = l4[8:]
            if not pl:
                continue
            b = pl[0]
            if b <= 3 and len(pl) >= 20:
                kind = "stun-request" if pl[:2] == b"\x00\x01" else "stun-other"
                if kind == "stun-request" and has_use_candidate(pl):
                    kind = "nominating-check"
            elif 20 <= b <= 63:
                kind = "dtls-hs%d" % pl[13] if b == 22 and len(pl) > 13 else "dtls-ct%d" % b
            elif 128 <= b <= 191:
                kind = "rtp" if len(pl) > 1 and not 192 <= pl[1] <= 223 else "rtcp"
            else:
                continue
            yield t, "udp", src, sport, dst, dport, kind
        elif proto == 6 and len(l4) >= 20:
            pl = l4[(l4[12] >> 4) * 4:]
            if b'"janus":"create"' in pl:
                yield t, "tcp", src, sport, dst, dport, "create"
            elif b'"request":"start"' in pl:
                yield t, "tcp", src, sport, dst, dport, "start"


def has_use_candidate(pl):
    i = 20
    while i + 4 <= len(pl):
        atype, alen = struct.unpack("!HH", pl[i:i + 4])
        if atype == 0x0025:
            return True
        i += 4 + ((alen + 3) & ~3)
    return False


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    server = sys.argv[2]
    joins, cur, seen_flows = [], None, set()
    for t, proto, src, sport, dst, dport, kind in packets(sys.argv[1]):
        if kind == "create":
            cur = {"create": t}
            joins.append(cur)
            continue
        if cur is None:
            continue
        if kind == "start":
            cur.setdefault("start", t)
            continue
        from_client = dst == server
        flow = (sport, dport) if from_client else (dport, sport)
        if kind == "nominating-check" and from_client and "check" not in cur:
            if flow in seen_flows:  # the publisher's, or an earlier join's
                continue
            seen_flows.add(flow)
            cur["check"], cur["flow"] = t, flow
        if cur.get("flow") != flow:
            continue
        step = {("dtls-hs1", True): "hello", ("dtls-hs2", False): "server flight",
                ("dtls-hs11", True): "client flight", ("dtls-ct20", False): "finished",
                ("rtp", False): "first rtp"}.get((kind, from_client))
        if step:
            cur.setdefault(step, t)
    done = [j for j in joins if all(k in j for k in ("start", "check", "finished", "first rtp"))]
    if not done:
        sys.exit("join-trace.py: no complete join in the capture")
    print("%d joins of %d complete; ms, p50 (min-max)" % (len(done), len(joins)))

    def row(name, a, b):
        v = sorted((j[b] - j[a]) * 1e3 for j in done if a in j and b in j)
        if v:
            print("  %-34s %7.2f  (%.2f-%.2f)" % (name, statistics.median(v), v[0], v[-1]))

    print("from the client's create:")
    for step in ("start", "check", "finished", "first rtp"):
        row(step, "create", step)
    print("from the client's nominating check:")
    for step in ("hello", "server flight", "client flight", "finished"):
        row(step, "check", step)
    print("intervals:")
    row("client hello -> server flight", "hello", "server flight")
    row("client flight -> server finished", "client flight", "finished")


if __name__ == "__main__":
    main()
