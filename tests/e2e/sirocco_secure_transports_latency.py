#!/usr/bin/env python3
"""REST read round trips (GET /api/clients/EP/3/0/0: HTTP -> server -> device
-> back) over each CoAP transport, one device per transport on one
sirocco-server, N reads in a row each; prints a markdown table (median, p90,
p99). Not a test: the figures of docs/transports.md.

usage: sirocco_secure_transports_latency.py BIN_DIR [N]
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sirocco_server_lib import Env  # noqa: E402
from sirocco_secure_transports_test import (  # noqa: E402
    PSK_KEY, make_pki, put_security, secure_server)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    bin_dir = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    with Env(bin_dir, "latency") as env:
        pki = make_pki(env, "lat-x509")
        srv, uris = secure_server(env, pki)
        devices = [("UDP", "lat-udp", srv.coap_uri, [])]
        put_security(srv, {"endpoint": "lat-dtls", "tls": {"mode": "psk", "details": {
            "identity": "lat-dtls-id", "key": PSK_KEY}}})
        devices.append(("DTLS PSK", "lat-dtls", uris["coaps"],
                        ["--psk-identity", "lat-dtls-id", "--psk-key", PSK_KEY]))
        devices.append(("TCP", "lat-tcp", uris["coap+tcp"], []))
        put_security(srv, {"endpoint": "lat-x509", "tls": {"mode": "x509", "details": {}}})
        devices.append(("TLS X.509", "lat-x509", uris["coaps+tcp"],
                        ["--cert", os.path.join(pki, "lat-x509.pem"), "--key",
                         os.path.join(pki, "lat-x509.key"), "--ca", os.path.join(pki, "ca.pem")]))
        clients = [env.client(ep, uri, *args, "--objects", "none") for _, ep, uri, args in devices]
        for c in clients:
            c.wait_output("registered /rd/", timeout=20)
        print("| device | median | p90 | p99 |")
        print("|---|---|---|---|")
        for (name, ep, _, _) in devices:
            path = "/api/clients/%s/3/0/0" % ep
            for _ in range(20):  # warm-up
                srv.get(path)
            ts = []
            for _ in range(n):
                t0 = time.perf_counter()
                st, _ = srv.get(path)
                ts.append((time.perf_counter() - t0) * 1000.0)
                assert st == 200
            print("| %s | %.2f ms | %.2f ms | %.2f ms |" % (name, pct(ts, 50), pct(ts, 90),
                                                           pct(ts, 99)))


if __name__ == "__main__":
    main()
