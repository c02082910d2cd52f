#!/usr/bin/python3
"""gen_nominate_seeds.py -- writes the seed corpus tests/fuzz/corpus/nominate/.

ICE connectivity checks (RFC 8445 §7.1.1, STUN of RFC 5389) for the agent whose credentials
fuzz_nominate.c uses: nominating and not, from a controlling and a controlled agent, with a wrong
key, and a response. Run from anywhere: /usr/bin/python3 gen_nominate_seeds.py
"""
import binascii
import hashlib
import hmac
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
UFRAG, PWD = b"fuzz", b"fuzz-password-0123456789"  # as in fuzz_nominate.c
COOKIE = 0x2112A442


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def message(mtype, attrs, key=PWD, tid=b"lumen-fuzz-1"):
    body = b"".join(attrs)
    # MESSAGE-INTEGRITY over the message with the length counting it (RFC 5389 §15.4)
    head = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
    mi = hmac.new(key, head + body, hashlib.sha1).digest()
    body += attr(0x0008, mi)
    # FINGERPRINT: CRC-32 of the rest, XOR 0x5354554e, the length counting it (§15.5)
    head = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
    crc = (binascii.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
    return head + body + attr(0x8028, struct.pack("!I", crc))


def check(use_candidate=True, controlling=True, key=PWD, user=UFRAG + b":peer"):
    attrs = [attr(0x0006, user), attr(0x0024, struct.pack("!I", 0x6E7F00FF)),
             attr(0x802A if controlling else 0x8029, struct.pack("!Q", 0x0102030405060708))]
    if use_candidate:
        attrs.append(attr(0x0025, b""))
    return message(0x0001, attrs, key)


SEEDS = {
    "nominating": check(),
    "not-nominating": check(use_candidate=False),
    "from-controlled": check(controlling=False),
    "wrong-key": check(key=b"another-password-0123456"),
    "other-ufrag": check(user=b"other:peer"),
    "response": message(0x0101, [attr(0x0020, struct.pack("!HHI", 1, 0x1234, 0x5E12A443))]),
}

if __name__ == "__main__":
    out = os.path.join(HERE, "corpus", "nominate")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
