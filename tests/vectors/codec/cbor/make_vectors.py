#!/usr/bin/python3
"""Writes the CBOR-based codec vectors of this folder from CBOR diagnostic
notation, with an independent CBOR encoder (Debian python3-cbor2), so the
bytes our encoder must produce are not computed by our own code.

Run: /usr/bin/python3 tests/vectors/codec/cbor/make_vectors.py   (rewrites *.hex)

Floats: LwM2M writes binary32 when exact, else binary64 (F32 / F64 below);
map keys keep the order written here (cbor2 keeps dict insertion order).
"""
import os
import struct

import cbor2

HERE = os.path.dirname(os.path.abspath(__file__))


class F32:
    def __init__(self, v):
        self.v = v


class F64:
    def __init__(self, v):
        self.v = v


class Half:
    def __init__(self, bits):
        self.bits = bits


class Raw:
    """Bytes written as they are (indefinite lengths etc.)."""

    def __init__(self, b):
        self.b = b


def default(enc, obj):
    if isinstance(obj, F32):
        enc.write(b"\xfa" + struct.pack(">f", obj.v))
    elif isinstance(obj, F64):
        enc.write(b"\xfb" + struct.pack(">d", obj.v))
    elif isinstance(obj, Half):
        enc.write(b"\xf9" + struct.pack(">H", obj.bits))
    elif isinstance(obj, Raw):
        enc.write(obj.b)
    else:
        raise TypeError(obj)


def dumps(obj):
    return cbor2.dumps(obj, default=default)


def write(name, comment, obj=None, raw=None, published=None):
    data = raw if raw is not None else dumps(obj)
    if published is not None:
        # The bytes of an independent reproduction of the OMA example: the
        # diagnostic notation above must give exactly them.
        want = bytes.fromhex(published.replace(" ", ""))
        assert data == want, (name, data.hex(), want.hex())
    lines = ["# " + l if l else "#" for l in comment.strip("\n").split("\n")]
    hexs = data.hex()
    body = [hexs[i:i + 64] for i in range(0, len(hexs), 64)]
    with open(os.path.join(HERE, name + ".hex"), "w") as f:
        f.write("\n".join(lines) + "\n" + "\n".join(body) + "\n")


DEVICE_SENML = [
    {-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"},
    {0: "1", 3: "Lightweight M2M Client"},
    {0: "2", 3: "345000123"},
    {0: "3", 3: "1.0"},
    {0: "6/0", 2: 1},
    {0: "6/1", 2: 5},
    {0: "7/0", 2: 3800},
    {0: "7/1", 2: 5000},
    {0: "8/0", 2: 125},
    {0: "8/1", 2: 900},
    {0: "9", 2: 100},
    {0: "10", 2: 15},
    {0: "11/0", 2: 0},
    {0: "13", 2: 1367491215},
    {0: "14", 3: "+02:00"},
    {0: "16", 3: "U"},
]

# Published bytes: Leshan's AbstractSenMLTest.givenSenMLCborExample() (see below).
DEVICE_SENML_PUBLISHED = (
    "90a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c696768747765696768"
    "74204d324d20436c69656e74a20061320369333435303030313233a20061330363312e30a20063362f300201a20063362f310205a20063372f"
    "3002190ed8a20063372f3102191388a20063382f3002187da20063382f3102190384a2006139021864a200623130020fa2006431312f300200"
    "a200623133021a5182428fa20062313403662b30323a3030a200623136036155")

write("senml_device_read", """
SenML CBOR (112): Read /3/0, the Device object instance example of
OMA-TS-LightweightM2M_Core-V1_1-20180710-A (Table 7.4.4-2, SenML; RFC 8428
section 6 integer labels: bn -2, n 0, v 2, vs 3). SPEC EXAMPLE, VERIFIED byte
for byte (make_vectors.py asserts it) against two independent reproductions:
eclipse-wakaama/wakaama tests/senml_cbor_tests.c senml_cbor_test_1 ("From
Table 7.4.4-2 in OMA-TS-LightweightM2M_Core-V1_1-20180710-A") and
eclipse-leshan/leshan leshan-lwm2m-core/src/test/java/org/eclipse/leshan/core/
senml/cbor/AbstractSenMLTest.java givenSenMLCborExample(). The OMA text itself
could not be read here. Our encoder writes exactly these bytes.
[{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "1", 3: "Lightweight M2M Client"},
 {0: "2", 3: "345000123"}, {0: "3", 3: "1.0"}, {0: "6/0", 2: 1}, {0: "6/1", 2: 5},
 {0: "7/0", 2: 3800}, {0: "7/1", 2: 5000}, {0: "8/0", 2: 125}, {0: "8/1", 2: 900},
 {0: "9", 2: 100}, {0: "10", 2: 15}, {0: "11/0", 2: 0}, {0: "13", 2: 1367491215},
 {0: "14", 3: "+02:00"}, {0: "16", 3: "U"}]
""", DEVICE_SENML, published=DEVICE_SENML_PUBLISHED)

DEVICE_INST = {
    0: "Open Mobile Alliance", 1: "Lightweight M2M Client", 2: "345000123", 3: "1.0",
    6: {0: 1, 1: 5}, 7: {0: 3800, 1: 5000}, 8: {0: 125, 1: 900}, 9: 100, 10: 15,
    11: {0: 0}, 13: cbor2.CBORTag(1, 1367491215), 14: "+02:00", 16: "U",
}
write("lwm2m_device_read", """
LwM2M CBOR (11544): Read /3/0, the same Device object instance as
senml_device_read.hex, as OUR encoder writes it in the nested-map form of the
"LwM2M CBOR" format of OMA-TS-LightweightM2M_Core-V1_2 (keys are path ids
from the root; Current Time (13, Time) as tag 1 + integer, as for CBOR (60)).
MODELLED ON the spec, NOT VERIFIED: no reproduction of the Core TS 1.2 LwM2M
CBOR examples was found (searched Leshan, wakaama, Anjay, Anjay Lite, Zephyr),
and the OMA text could not be read here.
{3: {0: {0: "Open Mobile Alliance", 1: "Lightweight M2M Client", 2: "345000123", 3: "1.0",
         6: {0: 1, 1: 5}, 7: {0: 3800, 1: 5000}, 8: {0: 125, 1: 900}, 9: 100, 10: 15,
         11: {0: 0}, 13: 1(1367491215), 14: "+02:00", 16: "U"}}}
""", {3: {0: DEVICE_INST}})

write("senml_multi_read", """
SenML CBOR (112): Read /3/0/7 (Power Source Voltage, a multiple-instance
resource): bn is the resource, n the instance id. OURS, not a spec example
(the same records as Leshan's LwM2mNodeDecoderTest
senml_json_decode_multiple_resource, there in SenML JSON).
[{-2: "/3/0/7/", 0: "0", 2: 3800}, {0: "1", 2: 5000}]
""", [{-2: "/3/0/7/", 0: "0", 2: 3800}, {0: "1", 2: 5000}])

write("lwm2m_multi_read", """
LwM2M CBOR (11544): Read /3/0/7 as our encoder writes it: the three ids of
the single-child chain in one array key (Core TS 1.2 "LwM2M CBOR" allows an
array of ids as a key). OURS, NOT VERIFIED against a spec example.
{[3, 0, 7]: {0: 3800, 1: 5000}}
""", raw=bytes.fromhex("a1") + dumps([3, 0, 7]) + dumps({0: 3800, 1: 5000}))

# Core TS 1.1 Table 7.4.4-7: the response to the Read-Composite of Table 7.4.4-6.
COMPOSITE_SPEC = [{0: "/3/0/0", 3: "Open Mobile Alliance"}, {0: "/3/0/9", 2: 95},
                  {0: "/1/0/1", 2: 86400}]
write("senml_composite_read", """
SenML CBOR (112): response to a Read-Composite of /3/0/0, /3/0/9 and /1/0/1,
the example of OMA-TS-LightweightM2M_Core-V1_1-20180710-A Table 7.4.4-7 (full
path in n, no bn). SPEC EXAMPLE, VERIFIED byte for byte (make_vectors.py asserts it)
against eclipse-wakaama/wakaama tests/senml_cbor_tests.c senml_cbor_test_6
("From Table 7.4.4-7 ..."); the OMA text itself could not be read here.
DECODE ONLY: it is not our encoder's form. We write a bn per object instance
(senml_composite_read_bn.hex), 57 bytes against these 58.
[{0: "/3/0/0", 3: "Open Mobile Alliance"}, {0: "/3/0/9", 2: 95},
 {0: "/1/0/1", 2: 86400}]
""", COMPOSITE_SPEC, published=(
    "83 a2 00 66 2f332f302f30 03 74 4f70656e204d6f62696c6520416c6c69616e6365"
    " a2 00 66 2f332f302f39 02 18 5f"
    " a2 00 66 2f312f302f31 02 1a 00015180"))

write("senml_composite_read_bn", """
SenML CBOR (112): the records of senml_composite_read.hex (Core TS 1.1 Table
7.4.4-7) in the order of the example, as OUR encoder writes them: a bn per
object instance, n relative to it. Not a spec example; encodes to exactly
these bytes and decodes back.
[{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "9", 2: 95},
 {-2: "/1/0/", 0: "1", 2: 86400}]
""", [{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "9", 2: 95},
      {-2: "/1/0/", 0: "1", 2: 86400}])

write("lwm2m_composite_read", """
LwM2M CBOR (11544): a composite read of /1/0/1 and /3/0/0, 9, 14 as OUR
encoder writes it (Core TS 1.2 "LwM2M CBOR" format). OURS, NOT VERIFIED
against a spec example (none found reproduced; OMA text not readable here).
{[1, 0, 1]: 86400, 3: {0: {0: "Open Mobile Alliance", 9: 95, 14: "+02:00"}}}
""", raw=bytes.fromhex("a2") + dumps([1, 0, 1]) + dumps(86400) + dumps(3) +
    dumps({0: {0: "Open Mobile Alliance", 9: 95, 14: "+02:00"}}))

write("senml_send_timestamps", """
SenML CBOR (112): a Send (Core TS 1.1 Information Reporting interface) of
two timestamped readings of /3303/0/5700 (Temperature), bt on the first
record, t relative to it on the next (RFC 8428 4.5.3). OURS, not a spec
example; the spec's timestamped example is senml_timestamped_spec.hex.
[{-2: "/3303/0/", -3: 1700000000, 0: "5700", 2: 22.5},
 {0: "5700", 6: 10, 2: 23.25}]
""", [{-2: "/3303/0/", -3: 1700000000, 0: "5700", 2: F32(22.5)},
      {0: "5700", 6: 10, 2: F32(23.25)}])

write("senml_timestamped_spec", """
SenML CBOR (112): three timestamped values of /72/1/2, the example of
OMA-TS-LightweightM2M_Core-V1_1-20180710-A Table 7.4.4-3 (bt 25462634 with
t -5, -30, -50; 22.4, 22.9, 24.1 as binary64). SPEC EXAMPLE, VERIFIED byte for
byte (make_vectors.py asserts it) against eclipse-wakaama/wakaama tests/senml_cbor_tests.c
senml_cbor_test_2 ("From Table 7.4.4-3 ..."); OMA text not readable here.
DECODE ONLY: we write bt = the first timestamp and t relative to it, and
binary32 where exact. Both bt and bt + t are below 2^28, so RFC 8428 4.5.3
reads them as relative to "now"; we pass the numbers on unchanged.
[{-2: "/72/", -3: 25462634, 0: "1/2", 2: 22.4, 6: -5},
 {0: "1/2", 2: 22.9, 6: -30}, {0: "1/2", 2: 24.1, 6: -50}]
""", [{-2: "/72/", -3: 25462634, 0: "1/2", 2: F64(22.4), 6: -5},
      {0: "1/2", 2: F64(22.9), 6: -30}, {0: "1/2", 2: F64(24.1), 6: -50}], published=(
    "83 a5 21 64 2f37322f 22 1a 0184876a 00 63 312f32 02 fb 4036666666666666 06 24"
    " a3 00 63 312f32 02 fb 4036e66666666666 06 38 1d"
    " a3 00 63 312f32 02 fb 403819999999999a 06 38 31"))

write("senml_types", """
SenML CBOR (112): one record of each value field (RFC 8428 section 6 and
Core TS 1.1 table 7.4.5-1): v integer, v negative, v float32, v float64,
vb, vd, vs, vlo (text key "vlo"), a Time as v integer, an Integer; object 33050 (the
benchmark object, see bench/common/instance50.hpp), instance 0.
[{-2: "/33050/0/", 0: "0", 3: "Sirocco"}, {0: "1", 2: 37}, {0: "2", 2: 74000},
 {0: "3", 2: 24.5}, {0: "4", 4: false}, {0: "5", 8: h'00010203deadbeef1020'},
 {0: "6", 2: 1700000222}, {0: "7", "vlo": "7:0"}, {0: "8", 2: 28.274333882308138},
 {0: "10", 2: -444}]
""", [{-2: "/33050/0/", 0: "0", 3: "Sirocco"}, {0: "1", 2: 37}, {0: "2", 2: 74000},
      {0: "3", 2: F32(24.5)}, {0: "4", 4: False}, {0: "5", 8: bytes.fromhex("00010203deadbeef1020")},
      {0: "6", 2: 1700000222}, {0: "7", "vlo": "7:0"}, {0: "8", 2: F64(28.274333882308138)},
      {0: "10", 2: -444}])

write("senml_etch_paths", """
SenML-ETCH CBOR (322, RFC 8790): the path list of a Read-Composite request
(CoAP FETCH) for /3/0/0, /3/0/9 and /1/0/1: the request body of
OMA-TS-LightweightM2M_Core-V1_1-20180710-A Table 7.4.4-6 (there labelled
SenML CBOR; RFC 8790 ETCH, used for it from Core TS 1.2 on, has the same
shape). SPEC EXAMPLE, VERIFIED byte for byte (make_vectors.py asserts it) against
eclipse-wakaama/wakaama tests/senml_cbor_tests.c senml_cbor_test_5 ("From
Table 7.4.4-6 ..."); OMA text not readable here. Our encoder writes exactly
these bytes.
[{0: "/3/0/0"}, {0: "/3/0/9"}, {0: "/1/0/1"}]
""", [{0: "/3/0/0"}, {0: "/3/0/9"}, {0: "/1/0/1"}], published=(
    "83 a1 00 66 2f332f302f30 a1 00 66 2f332f302f39 a1 00 66 2f312f302f31"))

# CBOR (60) single values, Core TS 1.1 section 7.4.3.
write("single_string", "CBOR (60): Read /3/0/0 (String), Core TS 1.1 7.4.3.\n\"Open Mobile Alliance\"",
      "Open Mobile Alliance")
write("single_integer", "CBOR (60): Read /3/0/9 (Integer) = 100.\n100", 100)
write("single_negative", "CBOR (60): an Integer -1000 (major type 1).\n-1000", -1000)
write("single_float32", "CBOR (60): a Float 1.5, exact in 32 bits (fa).\n1.5", F32(1.5))
write("single_float64", "CBOR (60): a Float 0.1, not exact in 32 bits (fb).\n0.1", F64(0.1))
write("single_boolean", "CBOR (60): a Boolean true (simple 21).\ntrue", True)
write("single_opaque", "CBOR (60): Opaque bytes (major type 2).\nh'deadbeef'", bytes.fromhex("deadbeef"))
write("single_time", "CBOR (60): Read /3/0/13 (Time) = 1367491215, tag 1 (as Leshan).\n1(1367491215)",
      cbor2.CBORTag(1, 1367491215))
write("single_objlnk", "CBOR (60): an Objlnk 3:0 as text.\n\"3:0\"", "3:0")
write("single_unsigned", "CBOR (60): an Unsigned Integer 2^64-1.\n18446744073709551615",
      18446744073709551615)

# Legal encodings peers send that our encoder does not write.
write("senml_device_read_indefinite", """
SenML CBOR (112): the first three records of senml_device_read.hex with an
indefinite array, indefinite maps, an indefinite text in chunks, keys out of
order and the name split differently (bn "/3/", n "0/0"); decodes to the same
records, and a half float (f9 4b00 = 14.0) as v of /3/0/9.
[_ {_ 3: (_ "Open Mobile ", "Alliance"), -2: "/3/", 0: "0/0"},
   {_ 0: "0/1", 3: "Lightweight M2M Client"}, {0: "0/9", 2: 14.0 (half)}]
""", raw=bytes.fromhex("9f") +
    bytes.fromhex("bf") + dumps(3) + bytes.fromhex("7f") + dumps("Open Mobile ") + dumps("Alliance") +
    bytes.fromhex("ff") + dumps(-2) + dumps("/3/") + dumps(0) + dumps("0/0") + bytes.fromhex("ff") +
    bytes.fromhex("bf") + dumps(0) + dumps("0/1") + dumps(3) + dumps("Lightweight M2M Client") +
    bytes.fromhex("ff") +
    bytes.fromhex("a2") + dumps(0) + dumps("0/9") + dumps(2) + dumps(Half(0x4b00)) +
    bytes.fromhex("ff"))

write("lwm2m_device_read_variants", """
LwM2M CBOR (11544): part of lwm2m_device_read.hex written with an
indefinite outer map, an array key [3, 0], a half float, keys out of order
and an untagged Current Time; decodes to /3/0/9 = 100, /3/0/0, /3/0/6/0 = 1,
/3/0/6/1 = 5, /3/0/13 = 1367491215.
{_ [3, 0]: {9: 100.0 (half f9 5640), 0: "Open Mobile Alliance", 6: {_ 1: 5, 0: 1}, 13: 1367491215}}
""", raw=bytes.fromhex("bf") + dumps([3, 0]) + bytes.fromhex("a4") + dumps(9) + dumps(Half(0x5640)) +
    dumps(0) + dumps("Open Mobile Alliance") + dumps(6) + bytes.fromhex("bf") + dumps(1) + dumps(5) +
    dumps(0) + dumps(1) + bytes.fromhex("ff") + dumps(13) + dumps(1367491215) + bytes.fromhex("ff"))

# Interop traps.
write("trap_zephyr_99088", """
Trap: Zephyr issue 99088 (zephyrproject-rtos/zephyr#99088, fixed by PR
99121): reading /3 in SenML CBOR, Zephyr left out the name of the resource
instances after the first one, so a record has no n and resolves to its bn
("/3/0/" -> not a resource path). We reject it (malformed, 4.00) instead of
writing a value to the wrong path; our encoder names every record.
[{-2: "/3/0/", 0: "6/0", 2: 1}, {2: 5}]
""", [{-2: "/3/0/", 0: "6/0", 2: 1}, {2: 5}])

write("trap_leshan_1654", """
Trap: Leshan issue 1654 (eclipse-leshan/leshan#1654): a server sent SenML
CBOR with text keys "3" and "-2" instead of the integer labels RFC 8428
section 6 requires. Leshan answered "record must have a value"; we reject it
with a reason that names the mistake (malformed, 4.00).
[{"3": "hhh", "-2": "/3442/0/110"}]
""", raw=bytes.fromhex("81a2613363686868622d326b2f333434322f302f313130"))

write("lwm2m_anjay_style", """
LwM2M CBOR (11544) as AVSystem Anjay Lite writes and reads it (its unit
tests, tests/anj/io/lwm2m_cbor_in.c): single-id array keys at every level,
a double as a decimal fraction (tag 4, [-1, 45] = 4.5, RFC 8949 3.4.4), and
a null resource instance next to an integer one.
{[13]: {[26]: {[1]: {[2]: 4([-1, 45])}}}, [13, 26, 2]: {2: null, 3: 5}}
""", raw=bytes.fromhex("a2 81 0d a1 81 18 1a a1 81 01 a1 81 02 c4 82 20 18 2d"
                       "   83 0d 18 1a 02 a2 02 f6 03 05".replace(" ", "")))
