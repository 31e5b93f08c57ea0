#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_client (*.hex) in this folder.

Each file: one flags byte (bit 0: LwM2M 1.1 else 1.0, bit 1: queue mode,
bit 2: a second server so Access Control counts, bit 3: every other Update /
Send answered 4.04), then chunks of one length
byte and one CoAP datagram (a request from the server). The length byte also
drives the fuzzer: low nibble x 700 ms of time, bit 4 a sensor change, bit 5
a Send. Run: python3 make_vectors.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def opt_header(delta, length):
    def nib(v):
        if v < 13:
            return v, b""
        if v < 269:
            return 13, bytes([v - 13])
        return 14, (v - 269).to_bytes(2, "big")
    d, de = nib(delta)
    l, le = nib(length)
    return bytes([(d << 4) | l]) + de + le


def uint(v):
    out = b""
    while v:
        out = bytes([v & 0xFF]) + out
        v >>= 8
    return out


def coap(code, mid, token, options, payload=b"", con=True):
    cls, det = code
    t = 0 if con else 1
    msg = bytes([0x40 | (t << 4) | len(token), (cls << 5) | det]) + mid.to_bytes(2, "big") + token
    last = 0
    for num, val in sorted(options, key=lambda o: o[0]):
        if isinstance(val, int):
            val = uint(val)
        elif isinstance(val, str):
            val = val.encode()
        msg += opt_header(num - last, len(val)) + val
        last = num
    if payload:
        msg += b"\xff" + payload
    return msg


def path(p):
    return [(11, s) for s in p.strip("/").split("/") if s]


GET, POST, PUT, DELETE, FETCH, IPATCH = (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 7)


def case(name, flags, msgs, comment):
    data = bytes([flags])
    for m, extra in msgs:
        n = len(m)
        assert n < 256
        data += bytes([n]) + m
    with open(os.path.join(HERE, name + ".hex"), "w") as f:
        f.write(f"# {comment}\n")
        f.write(f"{flags:02x}  # flags\n")
        pos = 1
        for m, extra in msgs:
            f.write(f"{len(m):02x} {m.hex(' ')}  # {extra}\n")


etch = json.dumps([{"n": "/3/0/0"}, {"n": "/3303/0/5700"}], separators=(",", ":")).encode()
senml = json.dumps([{"n": "/3303/0/5750", "vs": "hall"}], separators=(",", ":")).encode()

case("read_device", 1, [(coap(GET, 0x1001, b"\xa1", path("/3/0/0")), "GET /3/0/0"),
                        (coap(GET, 0x1002, b"\xa2", path("/3/0") + [(17, 11542)]), "GET /3/0 Accept TLV")],
     "Read a resource as text and the Device instance as TLV")
case("observe_temp", 1,
     [(coap(PUT, 0x2001, b"\xb1", path("/3303/0/5700") + [(15, "pmin=1"), (15, "pmax=5")]),
       "Write-Attributes pmin=1 pmax=5"),
      (coap(GET, 0x2002, b"\xb2", path("/3303/0/5700") + [(6, 0), (17, 0)]), "Observe /3303/0/5700"),
      (coap(GET, 0x2003, b"\xb2", path("/3303/0/5700") + [(6, 1)]), "Cancel with Observe 1")],
     "Observe with attributes, then cancel")
case("write_execute", 11,
     [(coap(PUT, 0x3001, b"\xc1", path("/3303/0/5750") + [(12, 0)], b"abc"), "Write text"),
      (coap(POST, 0x3002, b"\xc2", path("/3303/0") + [(12, 110)], senml), "Write partial SenML JSON"),
      (coap(POST, 0x3003, b"\xc3", path("/1/0/8")), "Execute Registration Update Trigger"),
      (coap(POST, 0x3004, b"\xc4", path("/3/0/4"), b"0='x'"), "Execute Reboot with arguments"),
      (coap(DELETE, 0x3005, b"\xc5", path("/3303/0")), "Delete")],
     "Writes, executes and a delete, in queue mode, Updates failing")
case("discover_composite", 1,
     [(coap(GET, 0x4001, b"\xd1", path("/3") + [(17, 40)]), "Discover /3"),
      (coap(FETCH, 0x4002, b"\xd2", [(12, 320), (17, 110)], etch), "Read-Composite"),
      (coap(FETCH, 0x4003, b"\xd3", [(6, 0), (12, 320), (17, 112)], etch), "Observe-Composite"),
      (coap(IPATCH, 0x4004, b"\xd4", [(12, 110)], senml), "Write-Composite")],
     "Discover and the composite operations")
case("block1_firmware", 5,
     [(coap(PUT, 0x5001, b"\xe1", path("/5/0/0") + [(12, 42), (27, 0x08)], bytes(range(16))), "Block1 0 M"),
      (coap(PUT, 0x5002, b"\xe1", path("/5/0/0") + [(12, 42), (27, 0x10)], b"\x01\x02\x03\x04"), "Block1 1 last"),
      (coap(POST, 0x5003, b"\xe2", path("/3303") + [(12, 11542)], b"\xc1\x00\x01"), "Create")],
     "Push firmware in two blocks with two servers (ACL), then a Create")
