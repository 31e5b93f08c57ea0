#!/usr/bin/env python3
"""sirocco-server security end to end (issue 8): the security store over REST,
DTLS / TCP / TLS listeners, who may be whom, attacks and a handshake flood.

The devices are libcoap's coap-client (coap-client-openssl: DTLS and TLS
with PSK and X.509), a raw UDP socket, sirocco-client over plain UDP, and,
for the flood, hand-made DTLS ClientHellos from a Python UDP socket per
attempt (RFC 6347 4.2.1 cookie exchange for a share of them).

usage: sirocco_server_security_test.py BIN_DIR [case...]   (all when none given)
Exit status 77 (skip) when coap-client-openssl or openssl is missing.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sirocco_server_lib import (  # noqa: E402
    Env, RawCoap, TestFailure, check, run, wait_for)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COAP_CLIENT = shutil.which("coap-client-openssl")
OBJECTS = "</1/0>,</3/0>"


def ports(srv):
    """{'udp','dtls','tcp','tls'} -> port, from the server's stdout line."""
    out = {}
    for key, name in (("coap", "udp"), ("coaps", "dtls"), ("coap\\+tcp", "tcp"),
                      ("coaps\\+tcp", "tls")):
        m = re.search(r"(?:^| )%s=[a-z+]+://[^ ]*:(\d+)" % key, srv.stdout(), re.M)
        if m:
            out[name] = int(m.group(1))
    return out


def put_security(srv, body, expect=(200, 201)):
    status, j = srv.http("PUT", "/api/security/clients", body)
    check(status in expect, "PUT /api/security/clients %r: %d %r" % (body, status, j))
    return status, j


def psk_entry(ep, identity, key):
    return {"endpoint": ep, "tls": {"mode": "psk",
                                    "details": {"identity": identity, "key": key.encode().hex()}}}


def coap(uri, *args, payload=OBJECTS, method="post", timeout=20):
    """Runs coap-client-openssl once; returns its stdout + stderr."""
    argv = [COAP_CLIENT, "-m", method, "-B", "5"]
    if payload is not None:
        argv += ["-t", "40", "-e", payload]
    argv += list(args) + [uri]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def register_uri(scheme, port, ep, extra=""):
    return "%s://127.0.0.1:%d/rd?ep=%s&lt=60&lwm2m=1.1%s" % (scheme, port, ep, extra)


def registration(srv, ep):
    status, j = srv.get("/api/clients/" + ep)
    return j if status == 200 else None


def metric(srv, name, **labels):
    status, text = srv.get("/metrics")
    check(status == 200, "GET /metrics")
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head != name and not head.startswith(name + "{"):
            continue
        if all('%s="%s"' % (k, v) in head for k, v in labels.items()):
            total += float(value)
    return total


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS for %d" % pid)


def make_pki(env, *eps):
    d = os.path.join(env.dir, "pki")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki"), d] + list(eps), check=True,
                   capture_output=True, timeout=60)
    return d


def x509_server(env, pki, *args):
    return env.server("--tls-key", os.path.join(pki, "server.key"), "--tls-cert",
                      os.path.join(pki, "server.pem"), "--tls-ca", os.path.join(pki, "ca.pem"),
                      *args)


def x509_args(pki, name):
    return ["-c", os.path.join(pki, name + ".pem"), "-j", os.path.join(pki, name + ".key"), "-C",
            os.path.join(pki, "ca.pem")]


# --- flags --------------------------------------------------------------------
def case_flags(bin_dir):
    exe = os.path.join(bin_dir, "sirocco-server")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "--help exits 0")
    for flag in ("--coaps-port", "--coap-tcp-port", "--coaps-tcp-port", "--coaps-address",
                 "--coap-tcp-address", "--tls-key", "--tls-cert", "--tls-ca", "--dtls-cid",
                 "--max-handshakes", "--udp-buffer", "--dtls-idle-timeout"):
        check(flag in r.stdout, "--help documents " + flag)
    bad = [(["--coaps-port", "70000"], "--coaps-port"), (["--coap-tcp-port", "-2"], "--coap-tcp-port"),
           (["--coaps-tcp-port", "x"], "--coaps-tcp-port"), (["--dtls-cid", "33"], "--dtls-cid"),
           (["--max-handshakes", "0"], "--max-handshakes"), (["--tls-key", ""], "--tls-key"),
           (["--coaps-address", "nowhere"], "--coaps-address"),
           (["--tls-cert", "/x.pem"], "--tls-cert"), (["--udp-buffer", "x"], "--udp-buffer")]
    for args, name in bad:
        r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=10)
        check(r.returncode == 2, "%s: exit 2, got %d (%r)" % (args, r.returncode, r.stderr))
        check(name in r.stderr, "%s: the message names %s: %r" % (args, name, r.stderr))
    with Env(bin_dir, "secflags") as env:
        # A port given explicitly that is taken: exit 1 naming the flag.
        taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        try:
            r = subprocess.run([exe, "--coap-address", "127.0.0.1", "--coap-port", "0",
                                "--http-port", "0", "--store", "memory", "--coap-tcp-port",
                                str(port)], capture_output=True, text=True, timeout=10)
            check(r.returncode == 1 and "--coap-tcp-port" in r.stderr,
                  "a taken --coap-tcp-port: exit 1 naming it: %d %r" % (r.returncode, r.stderr))
        finally:
            taken.close()
        # A key file that is not a key: exit 1 naming --tls-key.
        junk = os.path.join(env.dir, "junk.key")
        with open(junk, "w") as f:
            f.write("not a key\n")
        r = subprocess.run([exe, "--coap-port", "0", "--http-port", "0", "--store", "memory",
                            "--tls-key", junk], capture_output=True, text=True, timeout=10)
        check(r.returncode == 1 and "--tls-key" in r.stderr,
              "a junk --tls-key: exit 1 naming it: %d %r" % (r.returncode, r.stderr))
        # -1 turns listeners off: only UDP and HTTP in the line.
        srv = env.server("--coaps-port", "-1", "--coap-tcp-port", "-1", "--coaps-tcp-port", "-1")
        p = ports(srv)
        check(set(p) == {"udp"}, "only UDP listens: %r" % srv.stdout())
        for t in ("udp", "http"):
            srv.wait_log("listening", transport=t)
        check(not srv.log_events("listening", transport="dtls"), "no DTLS listener")


# --- the store over REST, and its persistence ----------------------------------
def case_store_restart(bin_dir):
    with Env(bin_dir, "secstore") as env:
        srv = env.server()
        put_security(srv, psk_entry("dev-a", "id-a", "key-a"), expect=(201,))
        put_security(srv, {"endpoint": "dev-b", "tls": {"mode": "x509"}}, expect=(201,))
        put_security(srv, psk_entry("dev-a", "id-a2", "key-a2"), expect=(200,))
        status, j = srv.http("PUT", "/api/security/clients", psk_entry("dev-c", "id-a2", "x"))
        check(status == 409, "a taken identity: 409, got %d %r" % (status, j))
        status, j = srv.http("PUT", "/api/security/clients",
                             {"endpoint": "dev-c", "tls": {"mode": "psk", "details": {}}})
        check(status == 400 and "tls.details.identity" in j["message"],
              "a missing identity: 400 naming it: %d %r" % (status, j))
        status, j = srv.http("DELETE", "/api/security/clients/nobody")
        check(status == 404, "DELETE of nothing: 404, got %d" % status)
        srv.signal(15)
        check(srv.wait(10) == 0, "the server exits 0 on SIGTERM")
        srv2 = env.server(name="server2", data_dir=srv.data_dir)
        status, j = srv2.get("/api/security/clients")
        check(status == 200 and [e["endpoint"] for e in j] == ["dev-a", "dev-b"],
              "the entries survive a restart: %r" % j)
        check(j[0]["tls"]["details"] == {"identity": "id-a2", "key": "key-a2".encode().hex()},
              "the replaced key is kept: %r" % j[0])
        # The stored PSK works for a handshake after the restart.
        p = ports(srv2)
        out = coap(register_uri("coaps", p["dtls"], "dev-a"), "-u", "id-a2", "-k", "key-a2")
        reg = wait_for(lambda: registration(srv2, "dev-a"), 10, "dev-a registered: " + out)
        check(reg["transport"] == "dtls" and reg["secure"] is True, "over DTLS: %r" % reg)
        status, j = srv2.http("DELETE", "/api/security/clients/dev-a")
        check(status == 200 and j["endpoint"] == "dev-a", "DELETE: %d %r" % (status, j))
        status, j = srv2.get("/api/security/clients")
        check([e["endpoint"] for e in j] == ["dev-b"], "dev-a is gone: %r" % j)


# --- each transport ------------------------------------------------------------
def case_dtls_psk(bin_dir):
    with Env(bin_dir, "dtlspsk") as env:
        srv = env.server()
        p = ports(srv)
        put_security(srv, psk_entry("dev-psk", "dev-psk-id", "secretPSK"))
        out = coap(register_uri("coaps", p["dtls"], "dev-psk"), "-u", "dev-psk-id", "-k",
                   "secretPSK")
        check("4." not in out and "5." not in out, "no error answer: %r" % out)
        reg = wait_for(lambda: registration(srv, "dev-psk"), 10, "dev-psk registered")
        check(reg["transport"] == "dtls" and reg["secure"] is True, "DTLS, secure: %r" % reg)
        srv.wait_log("session_established", transport="dtls", identity="psk:dev-psk-id",
                     ep="dev-psk")
        check(metric(srv, "sirocco_tls_handshakes_total", transport="dtls",
                     outcome="established") >= 1, "the handshake is counted")
        # The same identity registering as another endpoint: 4.03, logged once.
        out = coap(register_uri("coaps", p["dtls"], "dev-other"), "-u", "dev-psk-id", "-k",
                   "secretPSK")
        check("4.03" in out, "another ep over the session: 4.03: %r" % out)
        check(registration(srv, "dev-other") is None, "dev-other is not registered")
        lines = srv.wait_log("registration_refused", transport="dtls", ep="dev-other")
        check(len(lines) == 1 and "psk:dev-psk-id" in lines[0], "logged once: %r" % lines)
        # A plain UDP Register of the secured endpoint: 4.03.
        raw = RawCoap(p["udp"])
        code, body = raw.register(["ep=dev-psk", "lt=60"])
        raw.close()
        check(code == "4.03", "UDP Register of a secured endpoint: 4.03, got %s" % code)
        reg = registration(srv, "dev-psk")
        check(reg and reg["transport"] == "dtls", "the DTLS registration stays: %r" % reg)


def case_tcp(bin_dir):
    with Env(bin_dir, "tcp") as env:
        srv = env.server()
        p = ports(srv)
        out = coap(register_uri("coap+tcp", p["tcp"], "dev-tcp"))
        reg = wait_for(lambda: registration(srv, "dev-tcp"), 10, "dev-tcp registered: " + out)
        check(reg["transport"] == "tcp" and reg["secure"] is False, "TCP: %r" % reg)
        # An endpoint with a security entry may not use plain TCP.
        put_security(srv, psk_entry("dev-sec", "dev-sec-id", "k"))
        out = coap(register_uri("coap+tcp", p["tcp"], "dev-sec"))
        check("4.03" in out, "TCP Register of a secured endpoint: 4.03: %r" % out)
        srv.wait_log("registration_refused", transport="tcp", ep="dev-sec")
        # Garbage on the TCP port closes that connection only.
        s = socket.create_connection(("127.0.0.1", p["tcp"]), timeout=5)
        s.sendall(b"\xff" * 64)
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        out = coap(register_uri("coap+tcp", p["tcp"], "dev-tcp2"))
        wait_for(lambda: registration(srv, "dev-tcp2"), 10, "dev-tcp2 registered: " + out)


def case_tls_psk(bin_dir):
    with Env(bin_dir, "tlspsk") as env:
        srv = env.server()
        p = ports(srv)
        put_security(srv, psk_entry("dev-tls", "dev-tls-id", "tlsSecret"))
        out = coap(register_uri("coaps+tcp", p["tls"], "dev-tls"), "-u", "dev-tls-id", "-k",
                   "tlsSecret")
        reg = wait_for(lambda: registration(srv, "dev-tls"), 10, "dev-tls registered: " + out)
        check(reg["transport"] == "tls" and reg["secure"] is True, "TLS: %r" % reg)
        out = coap(register_uri("coaps+tcp", p["tls"], "dev-x"), "-u", "dev-tls-id", "-k",
                   "tlsSecret")
        check("4.03" in out, "another ep over TLS: 4.03: %r" % out)
        out = coap(register_uri("coaps+tcp", p["tls"], "dev-tls"), "-u", "dev-tls-id", "-k",
                   "wrong")
        srv.wait_log("handshake_refused", transport="tls", reason="bad_key")
        check(metric(srv, "sirocco_tls_handshakes_total", transport="tls", outcome="bad_key") == 1,
              "the bad key is counted once")


def case_x509(bin_dir):
    with Env(bin_dir, "x509") as env:
        pki = make_pki(env, "dev-cert", "dev-cert2")
        srv = x509_server(env, pki)
        p = ports(srv)
        status, j = srv.get("/api/security/server")
        check(status == 200 and j.get("certificate", {}).get("b64Der"),
              "GET /api/security/server gives the certificate: %r" % j)
        put_security(srv, {"endpoint": "dev-cert", "tls": {"mode": "x509", "details": {}}})
        for scheme, transport in (("coaps", "dtls"), ("coaps+tcp", "tls")):
            out = coap(register_uri(scheme, p[transport], "dev-cert"), *x509_args(pki, "dev-cert"))
            reg = wait_for(lambda: (registration(srv, "dev-cert") or {}).get("transport") ==
                           transport and registration(srv, "dev-cert"), 10,
                           "dev-cert registered over %s: %s" % (transport, out))
            check(reg["secure"] is True, "secure: %r" % reg)
        # Another valid certificate of the CA whose CN has no x509 entry: 4.03.
        out = coap(register_uri("coaps", p["dtls"], "dev-cert2"), *x509_args(pki, "dev-cert2"))
        check("4.03" in out, "a certificate without an entry: 4.03: %r" % out)
        # A certificate of dev-cert2 registering as dev-cert: 4.03.
        put_security(srv, {"endpoint": "dev-cert2", "tls": {"mode": "x509"}})
        out = coap(register_uri("coaps", p["dtls"], "dev-cert"), *x509_args(pki, "dev-cert2"))
        check("4.03" in out, "dev-cert2's certificate as dev-cert: 4.03: %r" % out)
        # A certificate of another CA: refused in the handshake.
        out = coap(register_uri("coaps", p["dtls"], "dev-cert"), *x509_args(pki, "rogue-dev-cert"))
        srv.wait_log("handshake_refused", transport="dtls", reason="bad_certificate")
        check(registration(srv, "dev-cert")["transport"] == "tls", "the registration stays")


# --- attacks -------------------------------------------------------------------
def case_attacks(bin_dir):
    """Wrong PSK, unknown identity, a certificate of another CA, a Register with
    another device's endpoint: each refused and logged exactly once, while a
    sirocco-client over UDP keeps answering reads and a good DTLS device keeps
    registering."""
    with Env(bin_dir, "attacks") as env:
        pki = make_pki(env, "good-cert")
        srv = x509_server(env, pki)
        p = ports(srv)
        cli = env.client("plain-dev", srv)
        cli.wait_output("registered /rd/")
        put_security(srv, psk_entry("good", "good-id", "goodKey"))
        put_security(srv, psk_entry("victim", "victim-id", "victimKey"))
        put_security(srv, {"endpoint": "good-cert", "tls": {"mode": "x509"}})

        def good_still_served(round_no):
            status, j = srv.get("/api/clients/plain-dev/3/0/0", timeout=15)
            check(status == 200 and j.get("success") is True,
                  "round %d: a read of the UDP device works: %d %r" % (round_no, status, j))
            out = coap(register_uri("coaps", p["dtls"], "good", "&b=U"), "-u", "good-id", "-k",
                       "goodKey")
            check("4." not in out, "round %d: the good device registers: %r" % (round_no, out))

        good_still_served(0)
        attacks = [
            ("wrong PSK", ["-u", "victim-id", "-k", "notTheKey"], "victim",
             ("handshake_refused", {"reason": "bad_key"})),
            ("unknown identity", ["-u", "stranger", "-k", "whatever"], "victim",
             ("handshake_refused", {"reason": "unknown_identity"})),
            ("other CA", x509_args(pki, "rogue-good-cert"), "good-cert",
             ("handshake_refused", {"reason": "bad_certificate"})),
            ("another device's endpoint", ["-u", "good-id", "-k", "goodKey"], "victim",
             ("registration_refused", {"ep": "victim", "identity": "psk:good-id"})),
        ]
        for i, (what, args, ep, (event, fields)) in enumerate(attacks, 1):
            before = len(srv.log_events(event, **fields))
            out = coap(register_uri("coaps", p["dtls"], ep), *args)
            check(registration(srv, ep) is None or ep == "good-cert",
                  "%s: %s is not registered: %r" % (what, ep, out))
            srv.wait_log(event, count=before + 1, **fields)
            time.sleep(0.3)  # retransmissions / late lines would show here
            after = len(srv.log_events(event, **fields))
            check(after == before + 1, "%s: logged exactly once (%d lines)" % (what, after - before))
            good_still_served(i)
        check(registration(srv, "victim") is None, "victim never registered")
        check(metric(srv, "sirocco_tls_handshakes_total", transport="dtls", outcome="bad_key") == 1,
              "one bad_key")
        check(metric(srv, "sirocco_tls_handshakes_total", transport="dtls",
                     outcome="unknown_identity") == 1, "one unknown_identity")
        check(metric(srv, "sirocco_tls_handshakes_total", transport="dtls",
                     outcome="bad_certificate") == 1, "one bad_certificate")
        check(metric(srv, "sirocco_registrations_refused_total", transport="dtls") == 1,
              "one refused registration")


# --- handshake flood -------------------------------------------------------------
def client_hello(cookie=b"", seq=0, msg_seq=0):
    """A DTLS 1.2 ClientHello (RFC 6347 4.2.2) offering the two LwM2M PSK suites."""
    body = b"\xfe\xfd" + os.urandom(32) + b"\x00" + bytes([len(cookie)]) + cookie
    body += b"\x00\x04\xc0\xa8\x00\xae" + b"\x01\x00"
    hs = bytes([1]) + len(body).to_bytes(3, "big") + struct.pack(">H", msg_seq) + \
        b"\x00\x00\x00" + len(body).to_bytes(3, "big") + body
    return b"\x16\xfe\xfd\x00\x00" + seq.to_bytes(6, "big") + struct.pack(">H", len(hs)) + hs


def hello_verify_cookie(d):
    """The cookie of a HelloVerifyRequest record, or None."""
    if len(d) < 13 + 12 + 3 or d[0] != 22 or d[13] != 3:
        return None
    n = d[13 + 12 + 2]
    return d[13 + 12 + 3:13 + 12 + 3 + n]


def flood(port, attempts, cookie_every):
    """ClientHellos from `attempts` fresh source ports; every `cookie_every`-th
    one does the cookie round trip, so that a real handshake starts (and is
    then abandoned). Returns (hello_verify_received, cookie_hellos_sent)."""
    hvr = completed = 0
    batch = 100  # the server's socket buffer holds a few hundred datagrams
    dest = ("127.0.0.1", port)
    for start in range(0, attempts, batch):
        socks = []
        for i in range(start, min(start + batch, attempts)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            s.sendto(client_hello(), dest)
            socks.append((i, s))
        for i, s in socks:
            if i % cookie_every == 0:
                s.settimeout(0.5)
                try:
                    d, _ = s.recvfrom(4096)
                    cookie = hello_verify_cookie(d)
                    if cookie:
                        hvr += 1
                        s.sendto(client_hello(cookie, seq=1, msg_seq=1), dest)
                        completed += 1
                except socket.timeout:
                    pass
            s.close()
    return hvr, completed


def case_handshake_flood(bin_dir):
    """10,000 ClientHellos from changing source ports (1 in 10 with the cookie
    round trip, so that handshakes start and are abandoned): the server's RSS
    grows by less than the bound and a good device is still served."""
    attempts, cookie_every, max_hs = 10000, 10, 64
    # Under AddressSanitizer freed memory sits in a quarantine (256 MB by
    # default) and would count as growth: keep it small for this server.
    asan = os.environ.get("ASAN_OPTIONS", "")
    os.environ["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "quarantine_size_mb=1"
    with Env(bin_dir, "flood") as env:
        srv = env.server("--max-handshakes", str(max_hs), "--log-level", "info")
        p = ports(srv)
        put_security(srv, psk_entry("good", "good-id", "goodKey"))
        # Warm up: one full handshake and registration (allocator pools, TLS tables).
        out = coap(register_uri("coaps", p["dtls"], "good"), "-u", "good-id", "-k", "goodKey")
        wait_for(lambda: registration(srv, "good"), 10, "warm-up registration: " + out)
        flood(p["dtls"], 200, 10)
        time.sleep(0.5)
        before = rss_kb(srv.proc.pid)
        t0 = time.monotonic()
        hvr, started = flood(p["dtls"], attempts, cookie_every)
        took = time.monotonic() - t0
        after = rss_kb(srv.proc.pid)
        grown = after - before
        sys.stdout.write("flood: %d ClientHellos in %.1f s, %d cookie round trips (%d "
                         "HelloVerifyRequests seen), RSS %d -> %d kB (+%d kB)\n" %
                         (attempts, took, started, hvr, before, after, grown))
        check(hvr >= attempts // cookie_every * 0.9, "HelloVerifyRequests came back: %d" % hvr)
        # Bound: at most max_handshakes half-done handshakes are held (an
        # mbedTLS server context mid-handshake is ~ 30-40 kB), the other
        # ClientHellos cost nothing (stateless cookie) or are dropped at the
        # limit: 64 x 40 kB = 2.5 MB, plus allocator slack: bound 10 MB.
        # Measured: +1.9 MB (Debug); with the default 256, +10 MB; without a
        # limit the 1,000 started handshakes would hold ~ 40 MB.
        check(grown < 10 * 1024, "RSS grew by %d kB (bound 10240 kB)" % grown)
        # Still serving: the good device registers again, and a REST call works.
        out = coap(register_uri("coaps", p["dtls"], "good"), "-u", "good-id", "-k", "goodKey",
                   timeout=60)
        check("4." not in out, "the good device registers after the flood: %r" % out)
        status, j = srv.get("/api/clients/good")
        check(status == 200, "REST still answers")
        check(srv.alive(), "the server is alive")


CASES = {
    "flags": case_flags,
    "store_restart": case_store_restart,
    "dtls_psk": case_dtls_psk,
    "tcp": case_tcp,
    "tls_psk": case_tls_psk,
    "x509": case_x509,
    "attacks": case_attacks,
    "handshake_flood": case_handshake_flood,
}

if __name__ == "__main__":
    if COAP_CLIENT is None or shutil.which("openssl") is None:
        sys.stderr.write("coap-client-openssl (Debian libcoap3-bin) or openssl missing: skipped\n")
        sys.exit(77)
    sys.exit(run(CASES, sys.argv))
