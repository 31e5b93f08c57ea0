#!/usr/bin/env python3
"""Writes the annotated CoAP vectors of tests/vectors/coap (one case per file).

The encoder here is written from the RFC text independently of libs/coap, so
the unit test (which decodes each file and encodes it back) checks the C++
codec against a second implementation. Run it from anywhere:
    python3 tests/unit/coap/make_vectors.py
The grammar of the '@' lines is described in tests/vectors/coap/README.md.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'vectors', 'coap')

OPT_NAMES = {1: 'If-Match', 3: 'Uri-Host', 4: 'ETag', 5: 'If-None-Match', 6: 'Observe',
             7: 'Uri-Port', 8: 'Location-Path', 11: 'Uri-Path', 12: 'Content-Format',
             14: 'Max-Age', 15: 'Uri-Query', 17: 'Accept', 20: 'Location-Query', 23: 'Block2',
             27: 'Block1', 28: 'Size2', 35: 'Proxy-Uri', 39: 'Proxy-Scheme', 60: 'Size1',
             258: 'No-Response'}
SIG_NAMES = {(1, 2): 'Max-Message-Size', (1, 4): 'Block-Wise-Transfer', (2, 2): 'Custody',
             (3, 2): 'Custody', (4, 2): 'Alternative-Address', (4, 4): 'Hold-Off',
             (5, 2): 'Bad-CSM-Option'}
TYPES = ['con', 'non', 'ack', 'rst']


def uint_bytes(v):
    n = 0
    while (v >> (8 * n)) != 0:
        n += 1
    return v.to_bytes(n, 'big')


def hx(b):
    return ' '.join('%02x' % x for x in b)


def quote(s):
    assert '#' not in s
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


class Opt:
    def __init__(self, number, kind, value):
        self.number, self.kind = number, kind
        if kind == 'uint':
            self.uint = value
            self.value = uint_bytes(value)
        elif kind == 'string':
            self.value = value.encode()
        elif kind == 'empty':
            self.value = b''
        elif kind == 'fill':
            self.fill = value
            self.value = bytes([value[1]]) * value[0]
        else:
            self.value = value

    def meta(self):
        if self.kind == 'uint':
            return '@option %d uint %d' % (self.number, self.uint)
        if self.kind == 'string':
            return '@option %d %s' % (self.number, quote(self.value.decode()))
        if self.kind == 'empty':
            return '@option %d empty' % self.number
        if self.kind == 'fill':
            return '@option %d fill %d %02x' % (self.number, self.fill[0], self.fill[1])
        return '@option %d hex %s' % (self.number, self.value.hex())


def u(n, v): return Opt(n, 'uint', v)
def s(n, v): return Opt(n, 'string', v)
def e(n): return Opt(n, 'empty', None)
def o(n, v): return Opt(n, 'opaque', v)
def f(n, count, byte): return Opt(n, 'fill', (count, byte))


def ext(v):
    if v < 13:
        return v, b''
    if v < 269:
        return 13, bytes([v - 13])
    return 14, struct.pack('>H', v - 269)


def chunk_lines(data, note, width=16):
    lines = []
    for i in range(0, len(data), width):
        lines.append((data[i:i + width], note if i == 0 else ''))
    return lines


def body_lines(code_cls, code_det, options, payload):
    lines = []
    prev = 0
    for op in options:
        delta, ln = op.number - prev, len(op.value)
        dn, dx = ext(delta)
        lnib, lx = ext(ln)
        name = OPT_NAMES.get(op.number, 'option %d' % op.number)
        if code_cls == 7:
            name = SIG_NAMES.get((code_det, op.number), 'signal option %d' % op.number)
        forms = 'delta %d%s, length %d%s' % (
            delta, ' (form %d)' % dn if dn >= 13 else '', ln, ' (form %d)' % lnib if lnib >= 13 else '')
        head = bytes([(dn << 4) | lnib]) + dx + lx
        desc = '%s (%d): %s' % (name, op.number, forms)
        if op.kind == 'uint':
            desc += ', uint %d' % op.uint
        elif op.kind == 'string' and len(op.value) <= 40:
            desc += ', "%s"' % op.value.decode()
        elif op.kind == 'empty':
            desc += ', empty'
        if len(op.value) <= 8:
            lines.append((head + op.value, desc))
        else:
            lines.append((head, desc))
            lines += chunk_lines(op.value, '  value (%d bytes)' % len(op.value))
        prev = op.number
    if payload:
        lines.append((b'\xff', 'payload marker'))
        lines += chunk_lines(payload, 'payload (%d bytes)' % len(payload))
    return lines


def encode(framing, typ, code, mid, token, options, payload):
    cls, det = code
    codeb = (cls << 5) | det
    body = body_lines(cls, det, options, payload)
    body_len = sum(len(b) for b, _ in body)
    lines = []
    if framing == 'datagram':
        lines.append((bytes([0x40 | (TYPES.index(typ) << 4) | len(token), codeb]) + struct.pack('>H', mid),
                      'ver 1, %s, TKL %d | code %d.%02d | message id 0x%04x' % (
                          typ.upper(), len(token), cls, det, mid)))
    elif framing == 'compact':
        lines.append((bytes([len(token), codeb]), 'Len 0, TKL %d | code %d.%02d' % (len(token), cls, det)))
    else:
        if body_len < 13:
            hdr, note = bytes([(body_len << 4) | len(token)]), 'Len %d' % body_len
        elif body_len < 269:
            hdr, note = bytes([0xd0 | len(token), body_len - 13]), 'Len 13, extended %d + 13' % (body_len - 13)
        elif body_len < 65805:
            hdr, note = bytes([0xe0 | len(token)]) + struct.pack('>H', body_len - 269), \
                'Len 14, extended %d + 269' % (body_len - 269)
        else:
            hdr, note = bytes([0xf0 | len(token)]) + struct.pack('>I', body_len - 65805), \
                'Len 15, extended %d + 65805' % (body_len - 65805)
        lines.append((hdr + bytes([codeb]), '%s (options+payload = %d bytes), TKL %d | code %d.%02d' % (
            note, body_len, len(token), cls, det)))
    if token:
        lines.append((token, 'token'))
    return lines + body


def write(name, title, lines, meta):
    path = os.path.join(OUT, name + '.hex')
    with open(path, 'w') as fh:
        for t in title.strip().splitlines():
            fh.write('# %s\n' % t)
        for m in meta:
            fh.write(m + '\n')
        for b, note in lines:
            h = hx(b)
            fh.write(('%-48s # %s\n' % (h, note)) if note else h + '\n')


def msg(name, title, framing='datagram', typ='con', code=(0, 1), mid=0, token=b'', options=(),
        payload=b'', extra=(), payload_fill=None):
    options = list(options)
    if payload_fill:
        payload = bytes([payload_fill[1]]) * payload_fill[0]
    lines = encode('datagram' if framing == 'mqtt-datagram' else
                   'compact' if framing == 'mqtt-compact' else framing,
                   typ, code, mid, token, options, payload)
    meta = ['@framing %s' % ('mqtt' if framing.startswith('mqtt') else framing)]
    if framing.startswith('mqtt'):
        meta.append('@form %s' % framing.split('-')[1])
    if framing in ('datagram', 'mqtt-datagram'):
        meta += ['@type %s' % typ, '@mid 0x%04x' % mid]
    meta.append('@code %d.%02d' % code)
    if token:
        meta.append('@token %s' % token.hex())
    meta += [op.meta() for op in options]
    if payload_fill:
        meta.append('@payload-fill %d %02x' % payload_fill)
    elif payload:
        try:
            text = payload.decode('ascii')
            if all(32 <= ord(c) < 127 for c in text) and '#' not in text:
                meta.append('@payload %s' % quote(text))
            else:
                raise ValueError
        except (UnicodeDecodeError, ValueError):
            meta.append('@payload-hex %s' % payload.hex())
    meta += list(extra)
    write(name, title, lines, meta)


def raw(name, title, framing, lines, error):
    write(name, title, lines, ['@framing %s' % framing, '@error %s' % error])


# --- a tiny CBOR encoder for the SenML payload --------------------------------
def cbor_head(major, n):
    if n < 24:
        return bytes([(major << 5) | n])
    if n < 256:
        return bytes([(major << 5) | 24, n])
    if n < 65536:
        return bytes([(major << 5) | 25]) + struct.pack('>H', n)
    return bytes([(major << 5) | 26]) + struct.pack('>I', n)


def cbor(v):
    if isinstance(v, bool):
        return b'\xf5' if v else b'\xf4'
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, float):
        return b'\xfb' + struct.pack('>d', v)
    if isinstance(v, str):
        return cbor_head(3, len(v.encode())) + v.encode()
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b''.join(cbor(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b''.join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


# SenML CBOR (RFC 8428): bn -2, n 0, v 2, vs 3, t 6.
SENML = cbor([{-2: '/3303/0/', 0: '5700', 2: 21.5, 6: 1700000000},
              {0: '5701', 3: 'Cel'}, {0: '5601', 2: -4.25}])
LINKS = '</1/0>,</3/0>,</3303/0>,</5/0>'
REG_OPTS = [s(11, 'rd'), u(12, 40), s(15, 'ep=urn:dev:os:0001-sirocco'), s(15, 'lt=300'),
            s(15, 'lwm2m=1.1'), s(15, 'b=U')]


def main():
    os.makedirs(OUT, exist_ok=True)
    for fn in os.listdir(OUT):
        if fn.endswith('.hex'):
            os.remove(os.path.join(OUT, fn))

    # ---- datagram (RFC 7252) -------------------------------------------------
    msg('dgram_register', 'LwM2M Register: CON POST /rd?ep=..&lt=300&lwm2m=1.1&b=U, link-format payload',
        typ='con', code=(0, 2), mid=0x1a2b, token=bytes.fromhex('0a0b0c0d'), options=REG_OPTS,
        payload=LINKS.encode())
    msg('dgram_get_path_query', 'CON GET /temp/room?unit=c&q=1 with Accept text/plain',
        typ='con', code=(0, 1), mid=0x1234, token=bytes.fromhex('71'),
        options=[s(11, 'temp'), s(11, 'room'), s(15, 'unit=c'), s(15, 'q=1'), u(17, 0)])
    msg('dgram_get_no_token', 'CON GET /3/0/0 with an empty token',
        typ='con', code=(0, 1), mid=0x0001, options=[s(11, '3'), s(11, '0'), s(11, '0')])
    msg('dgram_ack_piggybacked', 'Piggybacked response: ACK 2.05 Content, text/plain (Content-Format 0 is a zero-length uint)',
        typ='ack', code=(2, 5), mid=0x1234, token=bytes.fromhex('71'), options=[u(12, 0)],
        payload=b'22.5 C')
    msg('dgram_empty_ack', 'Separate response, step 1: empty ACK (0.00, no token) for message 0x1234',
        typ='ack', code=(0, 0), mid=0x1234)
    msg('dgram_separate_con', 'Separate response, step 2: CON 2.05 with the request token and a new message id',
        typ='con', code=(2, 5), mid=0xbeef, token=bytes.fromhex('71'), options=[u(12, 0)],
        payload=b'22.5 C')
    msg('dgram_separate_ack', 'Separate response, step 3: the client ACKs the CON response (empty ACK)',
        typ='ack', code=(0, 0), mid=0xbeef)
    msg('dgram_rst', 'RST (0.00) rejecting message 0x4321', typ='rst', code=(0, 0), mid=0x4321)
    msg('dgram_non_request', 'NON POST /5/0/2 (Execute) with an 8-byte token',
        typ='non', code=(0, 2), mid=0xffff, token=bytes.fromhex('0102030405060708'),
        options=[s(11, '5'), s(11, '0'), s(11, '2')])
    msg('dgram_opt_if_none_match', 'Empty option: PUT /obj with If-None-Match (5, empty)',
        typ='con', code=(0, 3), mid=0x0100, token=bytes.fromhex('aa'),
        options=[e(5), s(11, 'obj'), u(12, 0)], payload=b'v')
    msg('dgram_opt_etag', 'Opaque options: 2.05 with ETag (4) 4 bytes, request If-Match checked elsewhere',
        typ='ack', code=(2, 5), mid=0x0101, token=bytes.fromhex('ab'),
        options=[o(4, bytes.fromhex('c0ffee01')), u(12, 42)], payload=b'\x00\x01\x02')
    msg('dgram_opt_if_match_empty', 'Opaque option of zero length: PUT with If-Match (1) empty and one 8-byte value',
        typ='con', code=(0, 3), mid=0x0102, token=bytes.fromhex('ac'),
        options=[o(1, b''), o(1, bytes.fromhex('1122334455667788')), s(11, 'x')])
    msg('dgram_observe_register', 'LwM2M Observe: CON GET /3303/0/5700 with Observe 0 (zero-length uint) and Accept 112',
        typ='con', code=(0, 1), mid=0x2000, token=bytes.fromhex('5a5b'),
        options=[u(6, 0), s(11, '3303'), s(11, '0'), s(11, '5700'), u(17, 112)])
    msg('dgram_notify_senml_cbor', 'LwM2M Notify: NON 2.05, Observe 3-byte sequence, Content-Format 112 (SenML CBOR), Max-Age 60',
        typ='non', code=(2, 5), mid=0x2001, token=bytes.fromhex('5a5b'),
        options=[u(6, 0x012345), u(12, 112), u(14, 60)], payload=SENML)
    msg('dgram_opt_block2', 'Block2 (23, delta form 13): ACK 2.05 block NUM 2, M 1, SZX 0 (16 bytes) + Size2 (28) 100',
        typ='ack', code=(2, 5), mid=0x0300, token=bytes.fromhex('b2'),
        options=[u(12, 42), u(23, (2 << 4) | 8 | 0), u(28, 100)], payload=bytes(range(32, 48)),
        extra=['@block 23 2 1 0'])
    msg('dgram_opt_block1', 'Block1 (27): PUT block NUM 0x1234, M 1, SZX 6 (1024) + Size1 (60) 70000',
        typ='con', code=(0, 3), mid=0x0301, token=bytes.fromhex('b3'),
        options=[s(11, 'fw'), u(27, (0x1234 << 4) | 8 | 6), u(60, 70000)], payload=b'block',
        extra=['@block 27 4660 1 6'])
    msg('dgram_opt_uri_host_port', 'String option Uri-Host (3) and uint Uri-Port (7) 61616',
        typ='con', code=(0, 1), mid=0x0400, token=bytes.fromhex('c1'),
        options=[s(3, 'lwm2m.example.net'), u(7, 61616), s(11, 'fw'), s(11, 'image-1.1.0')])
    msg('dgram_opt_location', '2.01 Created with Location-Path rd/5a3f (Register answer)',
        typ='ack', code=(2, 1), mid=0x1a2b, token=bytes.fromhex('0a0b0c0d'),
        options=[s(8, 'rd'), s(8, '5a3f')])
    msg('dgram_opt_delta13', 'Option delta form 13: Size1 (60) first, delta 60 = 13 + 47',
        typ='con', code=(0, 2), mid=0x0500, options=[u(60, 512)])
    msg('dgram_opt_delta14', 'Option delta form 14: elective experimental option 65000 (delta 64731 + 269), empty',
        typ='non', code=(0, 1), mid=0x0501, options=[s(11, 'x'), e(65000)])
    msg('dgram_opt_no_response', 'No-Response (258, RFC 7967): delta 247 in form 13 after Uri-Path',
        typ='non', code=(0, 2), mid=0x0502, options=[s(11, 'dp'), u(258, 26)], payload=b'{}')
    msg('dgram_opt_len13', 'Option length form 13: Uri-Path of 20 bytes (13 + 7)',
        typ='con', code=(0, 1), mid=0x0600, options=[s(11, 'abcdefghijklmnopqrst')])
    msg('dgram_opt_len14', 'Option length form 14: Proxy-Uri (35) of 300 bytes (269 + 31)',
        typ='con', code=(0, 1), mid=0x0601, token=bytes.fromhex('01'), options=[f(35, 300, 0x61)])
    msg('dgram_opt_delta13_len13', 'Delta form 13 and length form 13 in one option header: Proxy-Scheme (39) of 40 bytes',
        typ='con', code=(0, 1), mid=0x0602, options=[f(39, 40, 0x7a)])
    msg('dgram_payload_ff', 'Payload marker rules: a payload that itself begins with 0xff bytes',
        typ='non', code=(2, 5), mid=0x0700, options=[u(12, 42)], payload=b'\xff\xff\x00')
    msg('dgram_payload_only', 'Payload marker rules: no options, payload marker right after the token',
        typ='con', code=(0, 2), mid=0x0701, token=bytes.fromhex('09'), payload=b'p')
    msg('dgram_response_404', '4.04 Not Found piggybacked, no payload (no payload marker)',
        typ='ack', code=(4, 4), mid=0x0702, token=bytes.fromhex('09'))

    # Option checks (decode fine, RFC 7252 5.4.1 / 5.4.3 / 5.4.5 verdicts)
    msg('check_unknown_critical_request', 'Request with unknown critical option 9: answer 4.02 Bad Option naming 9',
        typ='con', code=(0, 1), mid=0x0800, token=bytes.fromhex('d1'),
        options=[o(9, b'\x01'), s(11, 'a')], extra=['@verdict bad_option 9'])
    msg('check_unknown_critical_non_request', 'NON request with unknown critical option 9: rejected, no 4.02 (RFC 7252 5.4.1)',
        typ='non', code=(0, 1), mid=0x0807, token=bytes.fromhex('d8'),
        options=[o(9, b'\x01'), s(11, 'a')], extra=['@verdict reject 9'])
    msg('check_unknown_elective_request', 'Request with unknown elective option 2048 (even): ignored, accepted',
        typ='con', code=(0, 1), mid=0x0801, token=bytes.fromhex('d2'),
        options=[s(11, 'a'), o(2048, b'\x01\x02')], extra=['@verdict accept'])
    msg('check_repeated_uri_host', 'Request repeating the non-repeatable critical Uri-Host: 4.02 naming 3 (RFC 7252 5.4.5)',
        typ='con', code=(0, 1), mid=0x0802, token=bytes.fromhex('d3'),
        options=[s(3, 'a.example'), s(3, 'b.example')], extra=['@verdict bad_option 3'])
    msg('check_oversized_uri_host', 'Oversized option: Uri-Host of 256 bytes (max 255) is unrecognised, critical: 4.02',
        typ='con', code=(0, 1), mid=0x0803, token=bytes.fromhex('d4'),
        options=[f(3, 256, 0x68)], extra=['@verdict bad_option 3'])
    msg('check_oversized_content_format', 'Oversized elective option: Content-Format of 3 bytes is ignored (accept, no format)',
        typ='con', code=(0, 2), mid=0x0804, token=bytes.fromhex('d5'),
        options=[s(11, 'a'), o(12, b'\x01\x00\x00')], payload=b'x',
        extra=['@verdict accept', '@content-format none'])
    msg('check_response_unknown_critical', 'Response with unknown critical option 9: the response is rejected',
        typ='ack', code=(2, 5), mid=0x0805, token=bytes.fromhex('d6'),
        options=[o(9, b'')], extra=['@verdict reject 9'])
    msg('check_block2_szx7_datagram', 'Block2 SZX 7 is reserved over UDP: decodes, the block value is refused',
        typ='ack', code=(2, 5), mid=0x0806, token=bytes.fromhex('d7'),
        options=[u(23, 0x0f)], payload=b'z', extra=['@block 23 error unsupported'])

    # ---- stream (RFC 8323 3.2) -------------------------------------------------
    msg('stream_len0_empty', 'Stream Len 0: 7.03 Pong with no token, options or payload',
        framing='stream', code=(7, 3))
    msg('stream_len_small', 'Stream Len 0-12: GET /3/0 with a 2-byte token (body 4 bytes)',
        framing='stream', code=(0, 1), token=bytes.fromhex('beef'), options=[s(11, '3'), s(11, '0')])
    msg('stream_len12', 'Stream Len 12 (largest one-nibble form): 2.05 with 10-byte payload',
        framing='stream', code=(2, 5), token=bytes.fromhex('01'), payload=b'0123456789', extra=[])
    msg('stream_len13', 'Stream Len 13 form: LwM2M Register over TCP (b=T) with link-format payload',
        framing='stream', code=(0, 2), token=bytes.fromhex('0a0b0c0d'),
        options=[s(11, 'rd'), u(12, 40), s(15, 'ep=urn:dev:os:0001-sirocco'), s(15, 'lt=300'),
                 s(15, 'lwm2m=1.1'), s(15, 'b=T')], payload=LINKS.encode())
    msg('stream_len13_min', 'Stream Len 13 form at its minimum (body 13 bytes: extended 0)',
        framing='stream', code=(2, 5), payload=b'abcdefghijkl')
    msg('stream_len14', 'Stream Len 14 form: 2.05 with a 300-byte payload (body 301)',
        framing='stream', code=(2, 5), token=bytes.fromhex('02'), payload_fill=(300, 0x42))
    msg('stream_len15', 'Stream Len 15 form: 2.05 with a 65805-byte payload (body 65806)',
        framing='stream', code=(2, 5), token=bytes.fromhex('03'), payload_fill=(65805, 0x43))
    msg('stream_csm', 'CSM (7.01): Max-Message-Size 1152, Block-Wise-Transfer',
        framing='stream', code=(7, 1), options=[u(2, 1152), e(4)], extra=['@verdict accept'])
    msg('stream_ping_custody', 'Ping (7.02) with Custody (2, empty) and a token',
        framing='stream', code=(7, 2), token=bytes.fromhex('11'), options=[e(2)])
    msg('stream_pong', 'Pong (7.03) answering the Ping, same token, with Custody',
        framing='stream', code=(7, 3), token=bytes.fromhex('11'), options=[e(2)])
    msg('stream_release', 'Release (7.04): Alternative-Address coap+tcp://[2001:db8::1]/ and Hold-Off 60',
        framing='stream', code=(7, 4), options=[s(2, 'coap+tcp://[2001:db8::1]/'), u(4, 60)])
    msg('stream_abort', 'Abort (7.05): Bad-CSM-Option 4 and a diagnostic payload',
        framing='stream', code=(7, 5), options=[u(2, 4)], payload=b'bad BWT')
    msg('stream_csm_unknown_critical', 'CSM with an unknown critical option 3: abort the connection naming 3',
        framing='stream', code=(7, 1), options=[u(2, 1152), o(3, b'\x01')], extra=['@verdict abort 3'])
    msg('stream_bert_block2', 'BERT over TCP: Block2 with SZX 7 is valid on a stream (NUM 1, M 1)',
        framing='stream', code=(2, 5), token=bytes.fromhex('04'), options=[u(23, (1 << 4) | 8 | 7)],
        payload=b'data', extra=['@block 23 1 1 7'])

    # ---- compact (RFC 8323 4; MQTT binding) --------------------------------------
    msg('compact_register', 'Compact form (MQTT binding): LwM2M Register b=M',
        framing='compact', code=(0, 2), token=bytes.fromhex('0a0b0c0d'),
        options=[s(11, 'rd'), u(12, 40), s(15, 'ep=urn:dev:os:0001-sirocco'), s(15, 'lt=300'),
                 s(15, 'lwm2m=1.1'), s(15, 'b=M')], payload=LINKS.encode())
    msg('compact_notify', 'Compact form: notification 2.05 Observe 7, Content-Format 112, SenML CBOR',
        framing='compact', code=(2, 5), token=bytes.fromhex('5a5b'),
        options=[u(6, 7), u(12, 112)], payload=SENML)
    msg('compact_empty_token', 'Compact form: 2.04 Changed with no token, no options',
        framing='compact', code=(2, 4))
    msg('mqtt_compact', 'decode_mqtt with a compact header (first byte 0x00-0x08): mq2m block GET',
        framing='mqtt-compact', code=(0, 1), token=bytes.fromhex('77'),
        options=[s(3, 'server'), s(11, 'firmware-1.1.0'), u(23, 0x06)], extra=['@block 23 0 0 6'])
    msg('mqtt_datagram', 'decode_mqtt with an RFC 7252 header (0x40-0x7f): NON 2.05, treated as non-confirmable',
        framing='mqtt-datagram', typ='non', code=(2, 5), mid=0x0042, token=bytes.fromhex('77'),
        options=[u(12, 0)], payload=b'hello')

    # ---- invalid input --------------------------------------------------------
    raw('bad_truncated_header', 'Datagram of 3 bytes: shorter than the 4-byte header', 'datagram',
        [(bytes.fromhex('400112'), 'ver 1 CON TKL 0 | 0.01 | half a message id')], 'truncated')
    raw('bad_empty_input', 'Empty datagram', 'datagram', [], 'truncated')
    raw('bad_version', 'Version 2 (first byte 0x80): not CoAP 1', 'datagram',
        [(bytes.fromhex('80011234'), 'ver 2, CON, TKL 0 | 0.01 | mid')], 'malformed')
    raw('bad_tkl9', 'Token length 9 is reserved (RFC 7252 3)', 'datagram',
        [(bytes.fromhex('49011234'), 'ver 1 CON TKL 9 | 0.01 | mid'),
         (bytes(range(9)), '9 bytes where a token cannot be')], 'malformed')
    raw('bad_tkl15', 'Token length 15 is reserved', 'datagram',
        [(bytes.fromhex('4f011234'), 'ver 1 CON TKL 15 | 0.01 | mid'), (bytes(15), '15 bytes')], 'malformed')
    raw('bad_truncated_token', 'TKL 4 but only 2 token bytes', 'datagram',
        [(bytes.fromhex('44011234'), 'TKL 4'), (bytes.fromhex('0102'), 'token cut short')], 'truncated')
    raw('bad_delta15', 'Option delta 15 with length 1: reserved, not the payload marker', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('f161'), 'delta 15, length 1')], 'malformed')
    raw('bad_length15', 'Option length 15 with delta 1: reserved', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('1f'), 'delta 1, length 15'),
         (b'a' * 15, '')], 'malformed')
    raw('bad_marker_no_payload', 'Payload marker followed by nothing (RFC 7252 3: format error)', 'datagram',
        [(bytes.fromhex('60451234'), 'ACK 2.05'), (bytes.fromhex('ff'), 'payload marker, then the end')],
        'malformed')
    raw('bad_marker_only', 'A message that is a header and a bare payload marker', 'datagram',
        [(bytes.fromhex('5002abcd'), 'NON POST'), (bytes.fromhex('ff'), 'marker')], 'malformed')
    raw('bad_option_past_end', 'Option length 5 with 2 bytes left: the option is longer than the message', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('b5'), 'Uri-Path, length 5'),
         (b'ab', 'only two bytes')], 'truncated')
    raw('bad_option_len14_past_end', 'Option length form 14 announcing 1000 bytes in a short message', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('be02cb'), 'Uri-Path, length 14: 715 + 269 = 984+'),
         (b'abc', '')], 'truncated')
    raw('bad_ext_delta_cut', 'Delta form 13 with its extension byte missing', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('d0'), 'delta 13, no extension byte')],
        'truncated')
    raw('bad_ext_length_cut', 'Length form 14 with one of its two extension bytes', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('1e01'), 'delta 1, length 14, one byte')],
        'truncated')
    raw('bad_option_number_overflow', 'Option number above 65535: one form-14 delta of 65804', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('e0ffff'), 'delta 65535+269 = 65804'),
         ], 'malformed')
    raw('bad_empty_with_token', 'Empty message (0.00) with a token: format error (RFC 7252 4.1)', 'datagram',
        [(bytes.fromhex('61001234'), 'ACK 0.00 TKL 1'), (bytes.fromhex('aa'), 'token')], 'malformed')
    raw('bad_empty_with_payload', 'Empty RST with bytes after the message id', 'datagram',
        [(bytes.fromhex('70001234'), 'RST 0.00'), (bytes.fromhex('ff00'), 'marker + payload')], 'malformed')
    raw('bad_too_many_options', 'Oversized options: 25 Uri-Path options, more than max_options (24)', 'datagram',
        [(bytes.fromhex('40011234'), 'CON GET'), (bytes.fromhex('b0'), 'Uri-Path, empty')] +
        [(bytes.fromhex('00'), 'Uri-Path, empty (delta 0)')] * 24, 'capacity_exceeded')
    raw('bad_stream_tkl12', 'Stream header with TKL 12', 'stream',
        [(bytes.fromhex('0c01'), 'Len 0, TKL 12 | 0.01'), (bytes(12), '')], 'malformed')
    raw('bad_stream_truncated', 'Stream frame whose Len (5) runs past the input', 'stream',
        [(bytes.fromhex('5045'), 'Len 5, TKL 0 | 2.05'), (bytes.fromhex('ff6162'), '3 of the 5 bytes')],
        'truncated')
    raw('bad_stream_ext_cut', 'Stream Len 14 with one extended length byte', 'stream',
        [(bytes.fromhex('e001'), 'Len 14, one extension byte')], 'truncated')
    raw('bad_stream_trailing', 'Stream frame followed by a stray byte', 'stream',
        [(bytes.fromhex('0043'), 'Len 0 TKL 0 | 2.03'), (bytes.fromhex('00'), 'stray byte')], 'malformed')
    raw('bad_stream_marker_no_payload', 'Stream frame ending in a payload marker', 'stream',
        [(bytes.fromhex('1045'), 'Len 1 | 2.05'), (bytes.fromhex('ff'), 'marker')], 'malformed')
    raw('bad_compact_len_nibble', 'Compact header with Len nibble 1 (must be 0)', 'compact',
        [(bytes.fromhex('1045'), 'Len 1 | 2.05'), (bytes.fromhex('ff'), '')], 'malformed')
    raw('bad_compact_tkl9', 'Compact header with TKL 9', 'compact',
        [(bytes.fromhex('0945'), 'TKL 9 | 2.05'), (bytes(9), '')], 'malformed')
    raw('bad_compact_delta15', 'Compact message with option delta 15', 'compact',
        [(bytes.fromhex('0001'), 'TKL 0 | 0.01'), (bytes.fromhex('f0'), 'delta 15, length 0')], 'malformed')
    raw('bad_mqtt_first_byte', 'MQTT payload whose first byte (0x20) is neither form', 'mqtt',
        [(bytes.fromhex('2001'), 'first byte 0x20')], 'malformed')
    raw('bad_mqtt_datagram_tkl9', 'MQTT payload in datagram form with TKL 9', 'mqtt',
        [(bytes.fromhex('59451234'), 'NON TKL 9'), (bytes(9), '')], 'malformed')


if __name__ == '__main__':
    main()
