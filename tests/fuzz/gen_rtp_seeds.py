#!/usr/bin/python3
"""gen_rtp_seeds.py -- writes the seed corpora tests/fuzz/corpus/rtp/ and corpus/rtcp/.

Packets are built from the RFC 3550/8285/4585/5104 formats, REMB and transport-cc drafts, shaped
like what Chromium, Firefox and GStreamer send. Run from anywhere: /usr/bin/python3 gen_rtp_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def rtp(pt=96, seq=1, ts=1000, ssrc=0x11223344, marker=False, csrc=(), ext=None, payload=b"",
        pad=0, ext_raw=None):
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if (ext is not None or ext_raw) else 0) | len(csrc)
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq & 0xffff, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrc)
    if ext_raw:
        out += ext_raw
    elif ext is not None:
        one = all(1 <= i <= 14 and 1 <= len(d) <= 16 for i, d in ext)
        body = b""
        for i, d in ext:
            body += (bytes([i << 4 | (len(d) - 1)]) if one else bytes([i, len(d)])) + d
        body += b"\0" * (-len(body) % 4)
        out += struct.pack("!HH", 0xBEDE if one else 0x1000, len(body) // 4) + body
    out += payload
    if pad:
        out += b"\0" * (pad - 1) + bytes([pad])
    return out


def rtcp(pt, count, body, pad=0):
    body = body + b"\0" * (-len(body) % 4)
    if pad:
        body += b"\0" * (pad - 1) + bytes([pad])
    return struct.pack("!BBH", 0x80 | (0x20 if pad else 0) | count, pt, len(body) // 4) + body


def rb(ssrc, frac=0, lost=0, ext=0, jit=0, lsr=0, dlsr=0):
    return struct.pack("!IB", ssrc, frac) + (lost & 0xffffff).to_bytes(3, "big") + \
        struct.pack("!IIII", ext, jit, lsr, dlsr)


def sr(ssrc, blocks=()):
    return rtcp(200, len(blocks), struct.pack("!IQIII", ssrc, 0xe37b9f1a4c49ba5e, 123456, 99,
                                              99 * 1100) + b"".join(blocks))


def rr(ssrc, blocks=()):
    return rtcp(201, len(blocks), struct.pack("!I", ssrc) + b"".join(blocks))


def sdes(chunks):
    body = b""
    for ssrc, items in chunks:
        c = struct.pack("!I", ssrc) + b"".join(bytes([t, len(v)]) + v for t, v in items) + b"\0"
        body += c + b"\0" * (-len(c) % 4)
    return rtcp(202, len(chunks), body)


def fb(pt, fmt, sender, media, fci=b""):
    return rtcp(pt, fmt, struct.pack("!II", sender, media) + fci)


def remb(sender, bitrate, ssrcs):
    exp = 0
    while bitrate > 0x3ffff:
        bitrate >>= 1
        exp += 1
    fci = b"REMB" + bytes([len(ssrcs)]) + (exp << 18 | bitrate).to_bytes(3, "big")
    return fb(206, 15, sender, 0, fci + b"".join(struct.pack("!I", s) for s in ssrcs))


def tcc(base, ref, fbc, chunks, deltas):
    count = 0
    for kind, val in chunks:
        count += val[1] if kind == "run" else len(val)
    fci = struct.pack("!HH", base, count) + (ref & 0xffffff).to_bytes(3, "big") + bytes([fbc])
    for kind, val in chunks:
        if kind == "run":
            fci += struct.pack("!H", val[0] << 13 | val[1])
        elif kind == "v1":
            c = 0x8000
            for j, s in enumerate(val):
                c |= s << (13 - j)
            fci += struct.pack("!H", c)
        else:
            c = 0xc000
            for j, s in enumerate(val):
                c |= s << (12 - 2 * j)
            fci += struct.pack("!H", c)
    for d in deltas:
        fci += bytes([d]) if 0 <= d <= 255 else struct.pack("!h", d)
    return fb(205, 15, 1, 0x5d931534, fci)


def write(kind, name, data):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def rtp_seeds():
    vp8 = bytes([0x90, 0xe0, 0x34, 0x12]) + bytes(range(40))
    opus = bytes([0xfc, 0xff, 0xfe]) + bytes(60)
    s = {
        "minimal": rtp(),
        "opus-audio-level": rtp(111, 100, 960, ext=[(1, b"\x8a")], payload=opus),
        "opus-mid-ssrc-level": rtp(111, 65535, 48000, ext=[(1, b"\x10"), (4, b"0")],
                                   payload=opus),
        "vp8-chrome-exts": rtp(96, 0xfffe, 90000, marker=True, csrc=[0xaabbccdd],
                               ext=[(2, b"\x12\x34\x56"), (3, b"\x00\x07"), (4, b"1")],
                               payload=vp8),
        "vp8-rid-repaired": rtp(96, 7, 3000, ext=[(10, b"h"), (11, b"h"), (3, b"\x01\x02")],
                                payload=vp8),
        "two-byte-empty": rtp(100, 9, 9, ext=[(20, b""), (3, b"\xab\xcd")], payload=b"\x01\x02"),
        "two-byte-long": rtp(100, 10, 10, ext=[(1, bytes(17)), (200, bytes(range(30)))],
                             payload=vp8),
        "dependency-descriptor": rtp(45, 11, 11, ext=[(12, bytes([0x80, 0x01, 0x00] + [7] * 20))],
                                     payload=vp8),
        "padding-only": rtp(96, 12, 12, pad=200),
        "padding-after-payload": rtp(96, 13, 13, payload=vp8, pad=3),
        "csrc-15": rtp(0, 14, 14, csrc=list(range(1, 16)), payload=b"\x00"),
        "unknown-profile": rtp(96, 15, 15, ext_raw=struct.pack("!HH", 0x1234, 1) + b"abcd",
                               payload=b"x"),
        "id15-stop": rtp(96, 16, 16, ext_raw=struct.pack("!HH", 0xBEDE, 2) + bytes([0x10, 1, 0xf0, 9, 9, 9, 9, 9])),
        "rtx": rtp(97, 500, 90000, ext=[(3, b"\x00\x09")], payload=b"\x01\xf4" + vp8),
        "rtx-probe-padding": rtp(97, 501, 90000, pad=255),
        "h264-stap": rtp(102, 20, 20, marker=True, payload=bytes([0x18, 0, 4, 0x67, 1, 2, 3]) * 5),
        "empty-ext": rtp(96, 21, 21, ext=[], payload=b"z"),
        "ext-padding-mixed": rtp(96, 22, 22, ext_raw=struct.pack("!HH", 0xBEDE, 3) + bytes([0, 0, 0x20, 1, 0, 0x51, 5, 5, 5, 5, 5, 5])),
        "two-byte-appbits": rtp(96, 23, 23, ext_raw=struct.pack("!HH", 0x100f, 1) + bytes([7, 1, 9, 0])),
        "seq-wrap": rtp(96, 0, 0xffffffff, marker=True, payload=b"w"),
        "av1": rtp(35, 24, 24, ext=[(5, bytes(range(16)))], payload=bytes([0x10]) + bytes(100)),
        "vp9-playout-orient": rtp(98, 25, 25, ext=[(6, b"\x00\x10\x20"), (7, b"\x01")], payload=vp8),
        "abs-capture": rtp(96, 26, 26, ext=[(9, bytes(16))], payload=vp8),
        "max-one-byte": rtp(96, 27, 27, ext=[(i, bytes([i] * i)) for i in range(1, 15)], payload=b"m"),
    }
    for k, v in s.items():
        write("rtp", k, v)


def rtcp_seeds():
    cname = [(1, b"abcdEFGH12345678")]
    s = {
        "chrome-sr-sdes": sr(0x5d931534, [rb(0x1a2b3c4d, 16, -2, 0x1ffff, 32, 0x9f1a4c49, 65536)])
        + sdes([(0x5d931534, cname)]),
        "chrome-rr-remb": rr(1, [rb(0x5d931534, 0, 0, 100, 5)]) + remb(1, 1000000, [0x5d931534]),
        "chrome-rr-remb-sdes": rr(1, [rb(7, 3, 10, 0x10005, 9, 1, 2)]) + sdes([(1, cname)])
        + remb(1, 2500000, [7, 8]),
        "sr-no-blocks": sr(9),
        "sr-two-blocks": sr(9, [rb(1, 1, 1, 1, 1, 1, 1), rb(2, 255, 0x7fffff, 2, 2, 2, 2)]),
        "rr-empty": rr(5),
        "rr-31": rr(5, [rb(i, i, -i, i, i, i, i) for i in range(31)]),
        "sdes-multi": sdes([(1, cname), (2, [(2, b"name"), (1, b"x")]), (3, [])]),
        "sdes-tool-only": sdes([(4, [(6, b"GStreamer")])]),
        "bye": rtcp(203, 1, struct.pack("!I", 5)),
        "bye-reason": rtcp(203, 2, struct.pack("!II", 5, 6) + b"\x04gone"),
        "nack": fb(205, 1, 1, 2, struct.pack("!HH", 0x1234, 0x8001)),
        "nack-wrap": fb(205, 1, 1, 2, struct.pack("!HHHH", 65534, 0x0007, 20, 1)),
        "nack-many": fb(205, 1, 1, 2, b"".join(struct.pack("!HH", i * 17, 0xffff) for i in range(50))),
        "pli": fb(206, 1, 1, 2),
        "fir": fb(206, 4, 1, 0, struct.pack("!IB3x", 2, 9)),
        "fir-two": fb(206, 4, 1, 0, struct.pack("!IB3xIB3x", 2, 9, 3, 10)),
        "remb-zero": remb(1, 0, []),
        "remb-big": remb(1, 10 ** 12, [1, 2, 3]),
        "afb-other": fb(206, 15, 1, 0, b"GOOG1234"),
        "app": rtcp(204, 1, struct.pack("!I", 9) + b"name" + bytes(8)),
        "padded-pli": rtcp(206, 1, struct.pack("!II", 9, 7), pad=4),
        "tcc-vector2": tcc(100, 16, 7, [("v2", [1, 1, 0, 2, 1])], [4, 8, -4, 1]),
        "tcc-run": tcc(65500, -5, 0, [("run", (1, 100))], [1] * 100),
        "tcc-run-lost": tcc(1, 0, 1, [("run", (0, 50)), ("run", (1, 2))], [0, 0]),
        "tcc-vector1": tcc(2, 1000, 2, [("v1", [1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1])],
                           [10] * 10),
        "tcc-mixed": tcc(3, -1, 3, [("run", (1, 20)), ("v2", [2, 2, 0, 1, 1, 1, 2]),
                                    ("v1", [1] * 14)],
                         [5] * 20 + [-300, 3000, 1, 1, 1, -1] + [2] * 14),
        "tcc-empty": tcc(4, 0, 4, [], []),
        "tcc-large-run": tcc(5, 0x7fffff, 5, [("run", (2, 30))], [-1] * 30),
        "compound-all": sr(1, [rb(2)]) + sdes([(1, cname)]) + fb(205, 1, 1, 2, struct.pack("!HH", 1, 0))
        + fb(206, 1, 1, 2) + fb(206, 4, 1, 0, struct.pack("!IB3x", 2, 1)) + remb(1, 300000, [2])
        + tcc(9, 9, 9, [("v2", [1, 2])], [1, 1000]) + rtcp(203, 1, struct.pack("!I", 1)),
    }
    for k, v in s.items():
        write("rtcp", k, v)


if __name__ == "__main__":
    rtp_seeds()
    rtcp_seeds()
