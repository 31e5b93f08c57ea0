#!/usr/bin/env python3
"""sirocco-fleet end to end: a real sirocco-server (memory store, free ports)
and sirocco-fleet as processes on 127.0.0.1.

  udp    200 devices over coap:// (one shared socket, one source address
         each): all registered (GET /api/clients lists 200, each from its own
         127.1.x.y address), REST Read / Write / Execute / Observe on fleet
         devices answered while the fleet runs, notifications arrive, an
         Update per device on a short lifetime, de-registration at the end;
         the JSON has every key of the shared brief, and what the server
         counted (/metrics) matches what the fleet counted.
  mqtt   50 devices over mqtt:// through a mosquitto on a free port: all
         registered, a REST Read answered, the counts match.
  dtls   50 devices over coaps:// (DTLS 1.2 PSK, one session each over the
         shared socket), their keys provisioned through PUT
         /api/security/clients from `sirocco-fleet --print-psk`: all
         registered as secure, a REST Read answered, handshake latency in
         the JSON; a device whose key is wrong is refused and counted.
  flags  --help, exit 2 on bad flags, --print-psk lines.

usage: sirocco_fleet_test.py BIN_DIR [case...]   (all cases when none given)
"""

import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sirocco_server_lib import Child, Env, TestFailure, check, run, wait_for  # noqa: E402

JSON_KEYS = ["clients", "registered", "failed", "registration_s", "registrations_per_s",
             "operations", "ops_per_s", "latency_ms", "errors", "memory_per_device_bytes",
             "rss_bytes", "cpu_s"]
OPS = ["read", "write", "execute", "observe", "notify"]


class Fleet(Child):
    def __init__(self, env, args, name="fleet"):
        self.json_path = os.path.join(env.dir, name + ".json")
        argv = [os.path.join(env.bin_dir, "sirocco-fleet"), "--json", self.json_path] + args
        super().__init__(env, name, argv)
        env.children.append(self)

    def report(self):
        with open(self.json_path) as f:
            return json.load(f)


def metrics(srv):
    """{name{labels}: value} of the server's /metrics."""
    status, text = srv.get("/metrics")
    check(status == 200, "GET /metrics: %s" % status)
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        k, _, v = line.rpartition(" ")
        try:
            out[k] = float(v)
        except ValueError:
            pass
    return out


def metric(m, name):
    return int(m.get(name, 0))


def check_json(rep, clients):
    for k in JSON_KEYS:
        check(k in rep, "JSON key %s present: %s" % (k, sorted(rep)))
    for k in OPS:
        check(k in rep["operations"], "operations.%s present" % k)
    for k in ("p50", "p90", "p99", "max"):
        check(k in rep["latency_ms"]["register"], "latency_ms.register.%s present" % k)
    check(rep["clients"] == clients, "clients %d: %r" % (clients, rep["clients"]))
    check(rep["registered"] == clients, "all registered: %r" % rep["registered"])
    check(rep["failed"] == 0, "none failed: %r" % rep["failed"])
    check(rep["errors"] == {}, "no errors: %r" % rep["errors"])
    lat = rep["latency_ms"]["register"]
    check(0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"],
          "latency percentiles ordered: %r" % lat)
    check(rep["memory_per_device_bytes"] > 0, "memory per device measured")
    check(rep["registrations_per_s"] > 0, "registrations per second measured")


def ok(status_body, what, expect="CONTENT"):
    status, body = status_body
    check(status == 200 and isinstance(body, dict) and body.get("status") == expect,
          "%s: %s %r" % (what, status, body))
    return body


def case_udp(bin_dir):
    n = 200
    with Env(bin_dir, "fleet-udp") as env:
        srv = env.server(store="memory")
        m0 = metrics(srv)
        fl = Fleet(env, ["--clients", str(n), "--server", srv.coap_uri, "--ramp", "2000",
                         "--lifetime", "20", "--duration", "14", "--notify-rate", "4",
                         "--progress", "1", "--deregister"])
        regs = wait_for(lambda: (lambda s_b: s_b[0] == 200 and len(s_b[1]) == n and s_b[1])(
            srv.get("/api/clients")), 20, "the server to list %d registrations" % n)
        eps = {r["endpoint"]: r for r in regs}
        check(sorted(eps) == sorted("fleet-%d" % i for i in range(n)), "the endpoints")
        addrs = {r["address"].rsplit(":", 1)[0] for r in regs}
        check(len(addrs) == n, "one source address per device: %d" % len(addrs))
        check(all(a.startswith("127.1.") for a in addrs), "addresses from 127.1.0.1 on")
        check(eps["fleet-0"]["address"].startswith("127.1.0.1:"), "fleet-0 is 127.1.0.1")
        ports = {r["address"].rsplit(":", 1)[1] for r in regs}
        check(len(ports) == 1, "one shared socket (one source port): %r" % ports)
        # Device management on a few fleet devices while it runs.
        body = ok(srv.get("/api/clients/fleet-7/3303/0/5700"), "Read /3303/0/5700")
        check(body["content"]["id"] == 5700, "the value: %r" % body)
        ok(srv.get("/api/clients/fleet-8/3/0"), "Read /3/0")
        ok(srv.http("PUT", "/api/clients/fleet-9/3303/0/5750",
                    {"id": 5750, "kind": "singleResource", "value": "outdoor"}),
           "Write /3303/0/5750", "CHANGED")
        body = ok(srv.get("/api/clients/fleet-9/3303/0/5750"), "Read back")
        check(body["content"]["value"] == "outdoor", "written value read back: %r" % body)
        ok(srv.http("POST", "/api/clients/fleet-10/3/0/4"), "Execute /3/0/4", "CHANGED")
        ev = srv.events()
        ok(srv.http("POST", "/api/clients/fleet-11/3303/0/5700/observe"), "Observe")
        ev.wait("NOTIFICATION", lambda d: d.get("ep") == "fleet-11", timeout=10)
        ev.close()
        code = fl.wait(60)
        check(code == 0, "sirocco-fleet exit 0, got %d: %s" % (code, fl.stdout()[-2000:]))
        rep = fl.report()
        check_json(rep, n)
        ops = rep["operations"]
        check(ops["read"] >= 3 and ops["write"] >= 1 and ops["execute"] >= 1 and
              ops["observe"] >= 1 and ops["notify"] >= 1, "operations counted: %r" % ops)
        check(rep["updates_sent"] >= n and rep["updates_ok"] == rep["updates_sent"],
              "an Update per device on a 20 s lifetime: %r / %r" %
              (rep["updates_sent"], rep["updates_ok"]))
        check(rep["deregistered"] == n, "all de-registered: %r" % rep["deregistered"])
        # Idle devices sleep (engine destroyed, registration kept) and wake for
        # requests and Updates.
        check(rep["hibernations"] >= n and rep["wakes"] >= n,
              "engines put to sleep and woken: %r / %r" % (rep["hibernations"], rep["wakes"]))
        check(rep["awake_after_registration"] < n, "not every engine awake: %r" %
              rep["awake_after_registration"])
        check(re.search(r"fleet t=\d+\.\ds started=\d+ registered=\d+/%d" % n, fl.stdout()),
              "progress lines")
        check("| registrations/s" in fl.stdout(), "summary table")
        # What the server counted matches what the fleet counted.
        wait_for(lambda: srv.get("/api/clients")[1] == [], 10, "registrations to be gone")

        def same():
            m = metrics(srv)
            d = lambda k: metric(m, k) - metric(m0, k)  # noqa: E731
            got = {"registered": d('sirocco_registrations_total{event="registered"}'),
                   "read": d('sirocco_requests_total{operation="read",outcome="success"}'),
                   "notify": d("sirocco_notifications_total")}
            want = {"registered": rep["registered"], "read": ops["read"],
                    "notify": ops["notify"]}
            return got == want or print("server %r fleet %r" % (got, want))
        wait_for(same, 10, "the server's counts to match the fleet's")


def case_mqtt(bin_dir):
    from mosquitto_fixture import Mosquitto
    n = 50
    with Mosquitto() as broker, Env(bin_dir, "fleet-mqtt") as env:
        srv = env.server("--mqtt", broker.url("lwm2m/"), store="memory")
        srv.wait_log("mqtt_connected")
        fl = Fleet(env, ["--clients", str(n), "--server", broker.url("lwm2m/"), "--duration", "4",
                         "--deregister"])
        regs = wait_for(lambda: (lambda s_b: s_b[0] == 200 and len(s_b[1]) == n and s_b[1])(
            srv.get("/api/clients")), 30, "the server to list %d registrations" % n)
        check(all(r.get("transport") == "mqtt" for r in regs), "transport mqtt")
        ok(srv.get("/api/clients/fleet-3/3303/0/5700"), "Read over MQTT")
        code = fl.wait(60)
        check(code == 0, "sirocco-fleet exit 0, got %d: %s" % (code, fl.stdout()[-2000:]))
        rep = fl.report()
        check_json(rep, n)
        check(rep["transport"] == "mqtt", "transport mqtt in the JSON")
        check(rep["operations"]["read"] >= 1, "the read counted")
        check(rep["deregistered"] == n, "all de-registered: %r" % rep["deregistered"])
        wait_for(lambda: srv.get("/api/clients")[1] == [], 10, "registrations to be gone")


def case_dtls(bin_dir):
    n = 50
    exe = os.path.join(bin_dir, "sirocco-fleet")
    with Env(bin_dir, "fleet-dtls") as env:
        srv = env.server("--coaps-port", "0", store="memory")
        m = wait_for(lambda: re.search(r"coaps=coaps://[^ ]*:(\d+)", srv.stdout()), 10,
                     "the DTLS port")
        uri = "coaps://127.0.0.1:%s" % m.group(1)
        r = subprocess.run([exe, "--clients", str(n), "--print-psk"], capture_output=True,
                           text=True, timeout=10)
        entries = [json.loads(x) for x in r.stdout.splitlines()]
        check(len(entries) == n, "--print-psk: %d lines" % len(entries))
        for e in entries:
            status, body = srv.http("PUT", "/api/security/clients", e)
            check(status in (200, 201), "PUT %s: %s %r" % (e["endpoint"], status, body))
        fl = Fleet(env, ["--clients", str(n), "--server", uri, "--ramp", "200", "--duration",
                         "3", "--deregister"])
        regs = wait_for(lambda: (lambda s_b: s_b[0] == 200 and len(s_b[1]) == n and s_b[1])(
            srv.get("/api/clients")), 30, "the server to list %d registrations" % n)
        check(all(r.get("secure") is True for r in regs), "registered as secure: %r" % regs[0])
        ok(srv.get("/api/clients/fleet-4/3303/0/5700"), "Read over DTLS")
        code = fl.wait(60)
        check(code == 0, "sirocco-fleet exit 0, got %d: %s" % (code, fl.stdout()[-2000:]))
        rep = fl.report()
        check_json(rep, n)
        check(rep["transport"].startswith("dtls"), "transport dtls: %r" % rep["transport"])
        hs = rep["latency_ms"].get("handshake", {})
        check(hs.get("count") == n and hs.get("p50", 0) > 0, "handshake latency: %r" % hs)
        check(rep["deregistered"] == n, "all de-registered: %r" % rep["deregistered"])
        # A device with another key than the one provisioned: refused, counted, not registered.
        bad = Fleet(env, ["--clients", "1", "--first-index", "3", "--server", uri,
                          "--psk-key", "00112233445566778899aabbccddeeff",
                          "--register-timeout", "3"], name="bad")
        code = bad.wait(60)
        check(code == 3, "a wrong key does not register (exit 3), got %d" % code)
        rep = bad.report()
        check(rep["registered"] == 0, "not registered")
        check(any(k.startswith("dtls") for k in rep["errors"]), "DTLS errors: %r" % rep["errors"])


def case_flags(bin_dir):
    exe = os.path.join(bin_dir, "sirocco-fleet")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "--help exits 0")
    for f in ["--clients", "--server", "--ramp", "--lifetime", "--duration", "--notify-rate",
              "--psk-prefix", "--psk-key", "--print-psk", "--endpoint-prefix", "--json",
              "--progress", "--bind-base", "--deregister", "--sockets"]:
        check(f in r.stdout, "--help documents %s" % f)
    for args in (["--clients", "0"], ["--clients", "x"], ["--ramp", "-1"], ["--bogus"],
                 ["--sockets", "many"], ["--psk-key", "zz"], ["--clients"]):
        r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=10)
        check(r.returncode == 2, "%s: exit 2, got %d" % (args, r.returncode))
    r = subprocess.run([exe, "--clients", "1", "--server", "ftp://x"], capture_output=True,
                       text=True, timeout=10)
    check(r.returncode == 1 and "coap://" in r.stderr, "a bad scheme: %r" % r.stderr)
    r = subprocess.run([exe, "--clients", "2", "--print-psk", "--psk-prefix", "id-"],
                       capture_output=True, text=True, timeout=10)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    check(len(lines) == 2, "one line per device")
    check(lines[1]["endpoint"] == "fleet-1" and lines[1]["tls"]["mode"] == "psk" and
          lines[1]["tls"]["details"]["identity"] == "id-1", "entry: %r" % lines[1])
    import hashlib
    check(lines[1]["tls"]["details"]["key"] == hashlib.sha256(b"id-1").hexdigest()[:32],
          "key = SHA-256(identity)[0..16)")
    r = subprocess.run([exe, "--clients", "1", "--print-psk", "--psk-key", "00112233"],
                       capture_output=True, text=True, timeout=10)
    check(json.loads(r.stdout)["tls"]["details"]["key"] == "00112233", "--psk-key for all")


CASES = {"flags": case_flags, "udp": case_udp, "mqtt": case_mqtt, "dtls": case_dtls}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
