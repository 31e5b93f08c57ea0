#!/usr/bin/env python3
"""sirocco-client and sirocco-server over DTLS (PSK, RPK, X.509), TCP and TLS
(PSK, RPK, X.509), as processes on 127.0.0.1 with ports picked by the OS:
the credentials are put through REST /api/security/clients, the device
registers over the secure transport, and every REST operation of
sirocco_server_test.py's rest_operations case runs over it (Read, Write,
Execute, Create, Delete, Discover, Write-Attributes, Observe with
notifications and Cancel, composite operations, Send, metrics).

usage: sirocco_secure_transports_test.py BIN_DIR [case...]
"""

import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sirocco_server_lib import Env, TestFailure, check, run, wait_for  # noqa: E402
from sirocco_server_test import (  # noqa: E402
    COMPOSITE_FORMATS, MULTI_FORMATS, SINGLE_FORMATS, instance_values, ok_response,
    resource_value)

ROOT = os.path.dirname(os.path.dirname(HERE))
PSK_KEY = "000102030405060708090a0b0c0d0e0f"


def make_pki(env, *endpoints):
    d = os.path.join(env.dir, "pki")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-pki"), d] + list(endpoints),
                   check=True, capture_output=True, timeout=120)
    return d


def spki_hex(key_file):
    der = subprocess.run(["openssl", "pkey", "-in", key_file, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True, timeout=30).stdout
    return der.hex()


def secure_server(env, pki):
    srv = env.server(store="memory", extra=[
        "--tls-key", os.path.join(pki, "server.key"), "--tls-cert",
        os.path.join(pki, "server.pem"), "--tls-ca", os.path.join(pki, "ca.pem")])
    line = wait_for(lambda: re.search(r"listening .*", srv.stdout()), 10, "the listening line")
    uris = dict(re.findall(r"(coaps|coap\+tcp|coaps\+tcp)=(\S+)", line.group(0)))
    for k in ("coaps", "coap+tcp", "coaps+tcp"):
        check(k in uris, "sirocco-server listens on %s: %r" % (k, line.group(0)))
    return srv, uris


def put_security(srv, body):
    st, resp = srv.http("PUT", "/api/security/clients", body)
    check(st in (200, 201), "PUT /api/security/clients %r: %s %r" % (body, st, resp))


def every_operation(srv, cli, ep, ev):
    """The operations of sirocco_server_test.case_rest_operations, over
    whatever transport `cli` registered with (copied: that case makes its own
    server and client)."""
    base = "/api/clients/" + ep
    for f in SINGLE_FORMATS:
        body = ok_response(*srv.get(base + "/3/0/0?format=" + f), "read /3/0/0 " + f, "CONTENT")
        check(resource_value(body["content"]) == "Sirocco", "read /3/0/0 %s: %r" % (f, body))
        body = ok_response(*srv.get(base + "/3303/0/5700?format=" + f), "read 5700 " + f)
        float(resource_value(body["content"]))
    for f in MULTI_FORMATS:
        body = ok_response(*srv.get(base + "/3/0?format=" + f), "read /3/0 " + f, "CONTENT")
        vals = instance_values(body["content"])
        check(vals.get(0) == "Sirocco", "read /3/0 %s: %r" % (f, vals))
        body = ok_response(*srv.get(base + "/3303?format=" + f), "read /3303 " + f)
        check(body["content"].get("kind") == "obj", "read /3303 %s: %r" % (f, body))
    # Write (replace) one resource in every single-value format.
    for i, f in enumerate(SINGLE_FORMATS):
        tz = "+0%d:00" % (i + 1)
        ok_response(*srv.http("PUT", base + "/3/0/14?format=" + f,
                              {"id": 14, "kind": "singleResource", "type": "STRING",
                               "value": tz}), "write /3/0/14 " + f, "CHANGED")
        got = resource_value(ok_response(*srv.get(base + "/3/0/14?format=TEXT"),
                                         "read back")["content"])
        check(got == tz, "write /3/0/14 in %s then read: %r" % (f, got))
    # Write an instance, partial and replace.
    for i, f in enumerate(MULTI_FORMATS):
        dim = 10 + i
        node = {"id": 0, "kind": "instance", "resources": [
            {"id": 5851, "kind": "singleResource", "type": "INTEGER", "value": str(dim)}]}
        ok_response(*srv.http("PUT", base + "/3311/0?replace=false&format=" + f, node),
                    "partial write /3311/0 " + f, "CHANGED")
        vals = instance_values(ok_response(*srv.get(base + "/3311/0"), "read")["content"])
        check(str(vals.get(5851)) == str(dim), "partial write %s: %r" % (f, vals))
        node["resources"].append({"id": 5850, "kind": "singleResource", "type": "BOOLEAN",
                                  "value": i % 2 == 0})
        ok_response(*srv.http("PUT", base + "/3311/0?replace=true&format=" + f, node),
                    "replace /3311/0 " + f, "CHANGED")
    # Execute.
    ok_response(*srv.http("POST", base + "/3/0/4", ""), "execute /3/0/4", "CHANGED")
    # Create and Delete.
    for f in MULTI_FORMATS:
        node = {"id": 1, "kind": "instance", "resources": [
            {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": True},
            {"id": 5851, "kind": "singleResource", "type": "INTEGER", "value": "7"}]}
        ok_response(*srv.http("POST", base + "/3311?format=" + f, node), "create " + f,
                    "CREATED")
        ok_response(*srv.http("DELETE", base + "/3311/1"), "delete " + f, "DELETED")
        st, body = srv.get(base + "/3311/1")
        check(st == 200 and body.get("success") is False and body.get("status") == "NOT_FOUND",
              "deleted instance is gone: %r" % body)
    # Discover and Write-Attributes.
    body = ok_response(*srv.get(base + "/3/0/discover"), "discover /3/0", "CONTENT")
    check("/3/0/0" in json.dumps(body.get("objectLinks")), "discover lists /3/0/0: %r" % body)
    ok_response(*srv.http("PUT", base + "/3303/0/5700/attributes?pmin=0&pmax=30"),
                "write-attributes", "CHANGED")
    # Observe / notification / Cancel in every single-value format.
    for i, f in enumerate(SINGLE_FORMATS):
        ok_response(*srv.http("POST", base + "/3303/0/5700/observe?format=" + f),
                    "observe " + f, "CONTENT")
        value = 30.0 + i + 0.5
        cli.command("set /3303/0/5700 %s" % value)
        ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and d.get("res") ==
                "/3303/0/5700" and float(d["val"]["value"]) == value, timeout=10)
        ok_response(*srv.http("DELETE", base + "/3303/0/5700/observe?active"),
                    "cancel observe " + f)
    # Observe an instance.
    ok_response(*srv.http("POST", base + "/3311/0/observe?format=SENML_CBOR"), "observe inst")
    cli.command("set /3311/0/5851 42")
    ev.wait("NOTIFICATION", lambda d: d.get("res") == "/3311/0" and
            "42" in json.dumps(d.get("val")), timeout=10)
    ok_response(*srv.http("DELETE", base + "/3311/0/observe"), "cancel passive")
    # Composite read / write / observe.
    paths = "/3/0/0,/3303/0/5700"
    for i, f in enumerate(COMPOSITE_FORMATS):
        body = ok_response(*srv.get(base + "/composite?paths=%s&format=%s" % (paths, f)),
                           "read-composite " + f, "CONTENT")
        check(resource_value(body.get("content", {}).get("/3/0/0")) == "Sirocco",
              "read-composite %s: %r" % (f, body))
        tz = "-0%d:00" % (i + 1)
        ok_response(*srv.http("PUT", base + "/composite?format=" + f, {
            "/3/0/14": {"id": 14, "kind": "singleResource", "type": "STRING", "value": tz},
            "/3311/0/5851": {"id": 5851, "kind": "singleResource", "type": "INTEGER",
                             "value": str(60 + i)}}), "write-composite " + f, "CHANGED")
        ok_response(*srv.http("POST", base + "/composite/observe?paths=%s&format=%s"
                              % (paths, f)), "observe-composite " + f, "CONTENT")
        value = 50.0 + i + 0.25
        cli.command("set /3303/0/5700 %s" % value)
        ev.wait("NOTIFICATION", lambda d: d.get("kind") == "composite" and
                str(value) in json.dumps(d.get("val")), timeout=10)
        ok_response(*srv.http("DELETE", base + "/composite/observe?paths=%s&active" % paths),
                    "cancel observe-composite " + f)
    # Send.
    cli.command("send /3303/0/5700 /3/0/0")
    d = ev.wait("SEND", lambda d: d.get("ep") == ep, timeout=10)
    check("Sirocco" in json.dumps(d), "SEND carries /3/0/0: %r" % d)
    cli.wait_output("send done 2.04")


def secure_case(bin_dir, name, scheme, mode):
    with Env(bin_dir, name) as env:
        pki = make_pki(env, "dev-x509")
        srv, uris = secure_server(env, pki)
        ev = srv.events()
        ep = "dev-" + mode
        args = []
        if mode == "psk":
            put_security(srv, {"endpoint": ep, "tls": {"mode": "psk", "details": {
                "identity": ep + "-id", "key": PSK_KEY}}})
            args = ["--psk-identity", ep + "-id", "--psk-key", PSK_KEY]
        elif mode == "rpk":
            key = os.path.join(env.dir, "rpk.key")
            subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out", key], check=True,
                           capture_output=True, timeout=30)
            put_security(srv, {"endpoint": ep, "tls": {"mode": "rpk", "details": {
                "key": spki_hex(key)}}})
            # The server's public key from the server's key file (PEM).
            args = ["--rpk", key, "--server-key", os.path.join(pki, "server.key")]
        elif mode == "x509":
            ep = "dev-x509"
            put_security(srv, {"endpoint": ep, "tls": {"mode": "x509", "details": {}}})
            args = ["--cert", os.path.join(pki, "dev-x509.pem"), "--key",
                    os.path.join(pki, "dev-x509.key"), "--ca", os.path.join(pki, "ca.pem")]
        uri = uris[scheme]
        cli = env.client(ep, uri, *args)
        cli.wait_output("registered /rd/", timeout=20)
        ev.wait("REGISTRATION", lambda d: d.get("endpoint") == ep)
        st, reg = srv.get("/api/clients/" + ep)
        check(st == 200, "GET /api/clients/%s: %s %r" % (ep, st, reg))
        transport = {"coaps": "dtls", "coap+tcp": "tcp", "coaps+tcp": "tls"}[scheme]
        check(reg.get("transport") == transport,
              "registration transport %s: %r" % (transport, reg))
        check(reg.get("secure") is (scheme != "coap+tcp"), "registration secure: %r" % reg)
        if scheme == "coaps":
            srv.wait_log("session_established", transport="dtls", cid="true")
        every_operation(srv, cli, ep, ev)
        # De-register on SIGTERM, over the same transport.
        cli.signal(15)
        check(cli.wait(10) == 0, "sirocco-client exits 0 after SIGTERM")
        ev.wait("DEREGISTRATION", timeout=10)
        ev.close()


CASES = {
    "dtls_psk": lambda b: secure_case(b, "dtlspsk", "coaps", "psk"),
    "dtls_rpk": lambda b: secure_case(b, "dtlsrpk", "coaps", "rpk"),
    "dtls_x509": lambda b: secure_case(b, "dtlsx509", "coaps", "x509"),
    "tcp": lambda b: secure_case(b, "tcp", "coap+tcp", "none"),
    "tls_psk": lambda b: secure_case(b, "tlspsk", "coaps+tcp", "psk"),
    "tls_rpk": lambda b: secure_case(b, "tlsrpk", "coaps+tcp", "rpk"),
    "tls_x509": lambda b: secure_case(b, "tlsx509", "coaps+tcp", "x509"),
}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
