#!/usr/bin/env python3
"""sirocco-server end to end: the server and sirocco-client as processes on
127.0.0.1, driven over real UDP and HTTP.

usage: sirocco_server_test.py BIN_DIR [case...]   (all cases when none given)
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sirocco_server_lib import (  # noqa: E402
    Env, RawCoap, TestFailure, check, coap_code, coap_encode, run, wait_for)


def rest_available(srv):
    return srv.base is not None and srv.get("/api/clients")[0] == 200


# --- flags -----------------------------------------------------------------
def case_flags(bin_dir):
    import subprocess
    exe = os.path.join(bin_dir, "sirocco-server")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "--help exits 0")
    for flag in ("--coap-address", "--coap-port", "--http-address", "--http-port", "--data-dir",
                 "--store", "--models", "--log-level", "--lifetime-grace", "--help"):
        check(flag in r.stdout, "--help documents " + flag)
    bad = [(["--coap-port", "70000"], "--coap-port"), (["--http-port", "x"], "--http-port"),
           (["--store", "disk"], "--store"), (["--log-level", "loud"], "--log-level"),
           (["--coap-address", "not-an-ip"], "--coap-address"), (["--bogus"], "--bogus"),
           (["--data-dir"], "--data-dir"), (["--lifetime-grace", "-1"], "--lifetime-grace")]
    for args, name in bad:
        r = subprocess.run([exe] + args, capture_output=True, text=True, timeout=10)
        check(r.returncode == 2, "%s: exit 2, got %d" % (args, r.returncode))
        check(name in r.stderr, "%s: the message names %s: %r" % (args, name, r.stderr))
    with Env(bin_dir, "flags") as env:
        # A models folder that does not exist: exit 1 with a message naming it.
        r = subprocess.run([exe, "--models", os.path.join(env.dir, "nope"), "--store", "memory",
                            "--coap-port", "0", "--http-port", "0"],
                           capture_output=True, text=True, timeout=10)
        check(r.returncode == 1 and "--models" in r.stderr, "--models of a missing folder: %d %r"
              % (r.returncode, r.stderr))


# --- registration, replace, SIGTERM ------------------------------------------
def case_registration(bin_dir):
    with Env(bin_dir, "registration") as env:
        srv = env.server()
        rest = rest_available(srv)
        ev = srv.events() if rest else None
        cli = env.client("e2e-reg", srv)
        cli.wait_output("registered /rd/")
        line = srv.wait_log("registered", ep="e2e-reg")[0]
        check("addr=udp://127.0.0.1:" in line, "the log has the client's address: " + line)
        if rest:
            reg = ev.wait("REGISTRATION", lambda d: d.get("endpoint") == "e2e-reg")
            check(reg.get("registrationId"), "REGISTRATION event has registrationId: %r" % reg)
            st, lst = srv.get("/api/clients")
            check(st == 200 and [c["endpoint"] for c in lst] == ["e2e-reg"], "listed: %r" % lst)
            st, one = srv.get("/api/clients/e2e-reg")
            check(st == 200 and one["endpoint"] == "e2e-reg", "GET /api/clients/e2e-reg: %r" % one)
        first_id = cli.stdout().split("registered /rd/")[1].split()[0]

        # A second Register of the same endpoint (another process, another
        # port) replaces the first.
        cli2 = env.client("e2e-reg", srv, name="e2e-reg-2")
        cli2.wait_output("registered /rd/")
        srv.wait_log("replaced", ep="e2e-reg")
        check(len(srv.log_events("registered", ep="e2e-reg")) == 2, "two registered lines")
        if rest:
            ev.wait("DEREGISTRATION", lambda d: d.get("registration", d).get("endpoint") ==
                    "e2e-reg" if isinstance(d, dict) else False)
            ev.wait("REGISTRATION", lambda d: d.get("endpoint") == "e2e-reg")
            st, lst = srv.get("/api/clients")
            check(len(lst) == 1 and lst[0]["registrationId"] != first_id,
                  "one registration, the new one: %r" % lst)
        # The first client is gone quietly (were it to send an Update, the
        # server would answer 4.04 and it would register again).
        cli.kill()
        # SIGTERM: the client de-registers.
        cli2.signal(signal.SIGTERM)
        check(cli2.wait(10) == 0, "client exits 0 on SIGTERM")
        srv.wait_log("deregistered", ep="e2e-reg")
        if rest:
            wait_for(lambda: srv.get("/api/clients")[1] == [], 5, "empty list")
            ev.close()
        srv.signal(signal.SIGTERM)
        check(srv.wait(10) == 0, "server exits 0 on SIGTERM")
        check(srv.log_events("stopped"), "server logs stopped")


# --- bad input on CoAP --------------------------------------------------------
def case_bad_coap(bin_dir):
    with Env(bin_dir, "badcoap") as env:
        srv = env.server()
        raw = RawCoap(srv.coap_port)
        # Malformed datagrams: dropped, logged once for this peer.
        raw.send(b"\x00")
        raw.send(b"\x7f\xff\xff")  # version 1? no: bad TKL
        raw.send(b"\x48\x02\x00\x01abc")  # TKL 8 but 3 bytes of token
        srv.wait_log("coap_dropped")
        time.sleep(0.3)
        check(len(srv.log_events("coap_dropped")) == 1, "bad datagrams logged once per peer")
        check(srv.alive(), "server alive after garbage")

        cases = [
            (["lt=60"], "missing ep"),
            (["ep=bad-lt", "lt=abc"], "bad lt"),
            (["ep=bad-lt2", "lt=0"], "lt 0"),
        ]
        for queries, what in cases:
            code, body = raw.register(queries)
            check(code == "4.00", "%s: 4.00, got %s %r" % (what, code, body))
        code, body = raw.register(["ep=bad-links"], payload=b"<not a link")
        check(code == "4.00", "bad object list: 4.00, got %s %r" % (code, body))
        code, body = raw.register(["ep=bad-cf"], content_format=0)
        check(code == "4.15", "Register in text/plain: 4.15, got %s" % code)
        code, body = raw.request(coap_code(0, 2), [(11, "rd"), (11, "nope")])
        check(code == "4.04", "Update of an unknown registration: 4.04, got %s" % code)
        refused = srv.wait_log("coap_request_refused", count=6)
        check(len(refused) == 6, "each refusal logged once: %d lines" % len(refused))

        # The server goes on: a good Register still works.
        code, body = raw.register(["ep=raw-ok", "lt=60"])
        check(code == "2.01", "a good Register after bad input: 2.01, got %s" % code)
        srv.wait_log("registered", ep="raw-ok")
        if rest_available(srv):
            st, one = srv.get("/api/clients/raw-ok")
            check(st == 200, "raw-ok listed")
        raw.close()


# --- lifetime expiry ------------------------------------------------------------
def case_expiry(bin_dir):
    with Env(bin_dir, "expiry") as env:
        srv = env.server("--lifetime-grace", "0")
        rest = rest_available(srv)
        ev = srv.events() if rest else None
        cli = env.client("e2e-exp", srv, "--lifetime", "3")
        cli.wait_output("registered /rd/")
        # The client keeps it alive with Updates...
        cli.wait_output("updated", timeout=10)
        # ...until it dies without a word.
        cli.proc.kill()
        cli.wait(5)
        t0 = time.monotonic()
        srv.wait_log("expired", ep="e2e-exp", timeout=10)
        check(time.monotonic() - t0 < 6, "expired within the lifetime")
        if rest:
            ev.wait("DEREGISTRATION", timeout=5)
            check(srv.get("/api/clients")[1] == [], "no registration after expiry")
            ev.close()
        check(srv.alive(), "server alive")


# --- restart with the SQLite store ----------------------------------------------
def case_restart(bin_dir):
    with Env(bin_dir, "restart") as env:
        srv = env.server()
        rest = rest_available(srv)
        cli = env.client("e2e-restart", srv, "--lifetime", "120")
        cli.wait_output("registered /rd/")
        srv.wait_log("registered", ep="e2e-restart")
        obs = None
        if rest:
            st, obs = srv.http("POST", "/api/clients/e2e-restart/3303/0/5700/observe")
            check(st == 200, "observe: %d %r" % (st, obs))
        coap_port, http_port = srv.coap_port, srv.http_port
        srv.proc.kill()  # kill -9
        srv.wait(5)
        srv2 = env.server(name="server2", coap_port=coap_port, http_port=http_port or 0)
        line = srv2.wait_log("coap_listening")[0]
        check("stored_registrations=1" in line, "registration still stored: " + line)
        check("peers_resumed=1" in line, "peer of the stored registration opened: " + line)
        if rest:
            st, lst = srv2.get("/api/clients")
            check(st == 200 and [c["endpoint"] for c in lst] == ["e2e-restart"],
                  "still listed after kill -9: %r" % lst)
            check("stored_observations=1" in line, "observation still stored: " + line)
            ev = srv2.events()
            cli.command("set /3303/0/5700 42.5")
            d = ev.wait("NOTIFICATION", lambda d: d.get("ep") == "e2e-restart" or
                        d.get("endpoint") == "e2e-restart", timeout=15)
            check("42.5" in str(d), "the notification after the restart has the value: %r" % d)
            ev.close()
        # The client did not register again.
        cli.command("update")
        cli.wait_output("updated", timeout=10)
        check(cli.stdout().count("registered /rd/") == 1, "the client registered only once")
        check(not srv2.log_events("registered"), "no Register at the restarted server")
        srv2.wait_log("updated", ep="e2e-restart")


CASES = {
    "flags": case_flags,
    "registration": case_registration,
    "bad_coap": case_bad_coap,
    "expiry": case_expiry,
    "restart": case_restart,
}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
