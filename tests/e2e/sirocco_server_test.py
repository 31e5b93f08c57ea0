#!/usr/bin/env python3
"""sirocco-server end to end: the server and sirocco-client as processes on
127.0.0.1, driven over real UDP and HTTP.

usage: sirocco_server_test.py BIN_DIR [case...]   (all cases when none given)
"""

import json
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
        first_id = cli.stdout().split("registered /rd/")[1].split()[0]
        check("addr=udp://127.0.0.1:" in line, "the log has the client's address: " + line)
        if rest:
            reg = ev.wait("REGISTRATION", lambda d: d.get("endpoint") == "e2e-reg")
            check(reg.get("registrationId"), "REGISTRATION event has registrationId: %r" % reg)
            st, lst = srv.get("/api/clients")
            check(st == 200 and [c["endpoint"] for c in lst] == ["e2e-reg"], "listed: %r" % lst)
            st, one = srv.get("/api/clients/e2e-reg")
            check(st == 200 and one["endpoint"] == "e2e-reg", "GET /api/clients/e2e-reg: %r" % one)

        # A second Register of the same endpoint (another process, another
        # port) replaces the first.
        cli2 = env.client("e2e-reg", srv, name="e2e-reg-2")
        cli2.wait_output("registered /rd/")
        srv.wait_log("replaced", ep="e2e-reg")
        check(len(srv.log_events("registered", ep="e2e-reg")) == 2, "two registered lines")
        if rest:
            # As Leshan: the new registration's REGISTRATION event (no
            # DEREGISTRATION for the replaced one).
            ev.wait("REGISTRATION", lambda d: d.get("endpoint") == "e2e-reg" and
                    d.get("registrationId") != first_id)
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

# --- every operation through REST, in every format ------------------------------
SINGLE_FORMATS = ["TEXT", "CBOR", "TLV", "SENML_JSON", "SENML_CBOR", "LWM2M_CBOR"]
MULTI_FORMATS = ["TLV", "SENML_JSON", "SENML_CBOR", "LWM2M_CBOR"]
COMPOSITE_FORMATS = ["SENML_JSON", "SENML_CBOR", "LWM2M_CBOR"]


def ok_response(st, body, what, status=None):
    check(st == 200 and isinstance(body, dict) and body.get("success") is True,
          "%s: HTTP %s %r" % (what, st, body))
    if status:
        check(body.get("status") == status, "%s: status %s, got %r" % (what, status, body))
    return body


def resource_value(node):
    check(isinstance(node, dict) and node.get("kind") == "singleResource",
          "a singleResource node: %r" % node)
    return node.get("value")


def instance_values(node):
    check(isinstance(node, dict) and node.get("kind") == "instance", "an instance node: %r" % node)
    return {r["id"]: r.get("value", r.get("values")) for r in node.get("resources", [])}


def case_rest_operations(bin_dir):
    with Env(bin_dir, "restops") as env:
        srv = env.server()
        check(rest_available(srv), "the REST API answers GET /api/clients")
        ev = srv.events()
        ep = "sirocco-demo"
        cli = env.client(ep, srv)
        cli.wait_output("registered /rd/")
        ev.wait("REGISTRATION", lambda d: d.get("endpoint") == ep)
        base = "/api/clients/" + ep

        # Read: one resource in every single-value format, an instance and an
        # object in every multi-value format.
        for f in SINGLE_FORMATS:
            body = ok_response(*srv.get(base + "/3/0/0?format=" + f), "read /3/0/0 " + f,
                               "CONTENT")
            check(resource_value(body["content"]) == "Sirocco", "read /3/0/0 %s: %r" % (f, body))
            body = ok_response(*srv.get(base + "/3303/0/5700?format=" + f), "read 5700 " + f)
            float(resource_value(body["content"]))
        for f in MULTI_FORMATS:
            body = ok_response(*srv.get(base + "/3/0?format=" + f), "read /3/0 " + f, "CONTENT")
            vals = instance_values(body["content"])
            check(vals.get(0) == "Sirocco" and vals.get(1) == "sirocco-client",
                  "read /3/0 %s: %r" % (f, vals))
            body = ok_response(*srv.get(base + "/3303?format=" + f), "read /3303 " + f)
            check(body["content"].get("kind") == "obj", "read /3303 %s: an object: %r" % (f, body))
        # No format: the device chooses.
        ok_response(*srv.get(base + "/3/0"), "read /3/0 without format")

        # Write (replace) one resource in every single-value format.
        for i, f in enumerate(SINGLE_FORMATS):
            tz = "+0%d:00" % (i + 1)
            body = ok_response(*srv.http("PUT", base + "/3/0/14?format=" + f,
                                         {"id": 14, "kind": "singleResource", "type": "STRING",
                                          "value": tz}), "write /3/0/14 " + f, "CHANGED")
            got = resource_value(ok_response(*srv.get(base + "/3/0/14?format=TEXT"),
                                             "read back")["content"])
            check(got == tz, "write /3/0/14 in %s then read: %r" % (f, got))
        # Write an instance: partial update (replace=false) and replace, in
        # every multi-value format.
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
            vals = instance_values(ok_response(*srv.get(base + "/3311/0"), "read")["content"])
            check(vals.get(5850) is (i % 2 == 0), "replace write %s: %r" % (f, vals))

        # Execute.
        st, body = srv.http("POST", base + "/3/0/4", "")
        ok_response(st, body, "execute /3/0/4", "CHANGED")

        # Create and Delete in every multi-value format.
        for f in MULTI_FORMATS:
            node = {"id": 1, "kind": "instance", "resources": [
                {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": True},
                {"id": 5851, "kind": "singleResource", "type": "INTEGER", "value": "7"}]}
            ok_response(*srv.http("POST", base + "/3311?format=" + f, node), "create " + f,
                        "CREATED")
            vals = instance_values(ok_response(*srv.get(base + "/3311/1"), "read")["content"])
            check(vals.get(5850) is True, "created instance in %s: %r" % (f, vals))
            ok_response(*srv.http("DELETE", base + "/3311/1"), "delete " + f, "DELETED")
            st, body = srv.get(base + "/3311/1")
            check(st == 200 and body.get("success") is False and body.get("status") == "NOT_FOUND",
                  "deleted instance is gone: %r" % body)

        # Discover and Write-Attributes.
        body = ok_response(*srv.get(base + "/3/0/discover"), "discover /3/0", "CONTENT")
        links = json.dumps(body.get("objectLinks"))
        check("/3/0/0" in links, "discover lists /3/0/0: %r" % body)
        ok_response(*srv.http("PUT", base + "/3303/0/5700/attributes?pmin=0&pmax=30"),
                    "write-attributes", "CHANGED")
        body = ok_response(*srv.get(base + "/3303/0/5700/discover"), "discover 5700")
        check("pmax" in json.dumps(body.get("objectLinks")), "attributes visible: %r" % body)

        # Observe / notifications / Cancel, in every single-value format.
        for i, f in enumerate(SINGLE_FORMATS):
            body = ok_response(*srv.http("POST", base + "/3303/0/5700/observe?format=" + f),
                               "observe " + f, "CONTENT")
            value = 30.0 + i + 0.5
            cli.command("set /3303/0/5700 %s" % value)
            d = ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and d.get("res") ==
                        "/3303/0/5700" and float(d["val"]["value"]) == value, timeout=10)
            check(d.get("kind") == "single", "single notification: %r" % d)
            ok_response(*srv.http("DELETE", base + "/3303/0/5700/observe?active"),
                        "cancel observe " + f)
        cli.command("set /3303/0/5700 77.5")
        time.sleep(0.5)
        check(not [1 for n, d in ev.seen if n == "NOTIFICATION" and isinstance(d, dict) and
                   d.get("res") == "/3303/0/5700" and "77.5" in json.dumps(d)],
              "no notification after the cancel")
        # Observe an instance in a multi-value format.
        ok_response(*srv.http("POST", base + "/3311/0/observe?format=SENML_CBOR"), "observe inst")
        cli.command("set /3311/0/5851 42")
        ev.wait("NOTIFICATION", lambda d: d.get("res") == "/3311/0" and
                "42" in json.dumps(d.get("val")), timeout=10)
        ok_response(*srv.http("DELETE", base + "/3311/0/observe"), "cancel passive")

        # Composite read / write / observe, in every composite format.
        paths = "/3/0/0,/3303/0/5700"
        for i, f in enumerate(COMPOSITE_FORMATS):
            body = ok_response(*srv.get(base + "/composite?paths=%s&format=%s" % (paths, f)),
                               "read-composite " + f, "CONTENT")
            content = body.get("content", {})
            check(resource_value(content.get("/3/0/0")) == "Sirocco",
                  "read-composite %s: %r" % (f, body))
            tz = "-0%d:00" % (i + 1)
            ok_response(*srv.http("PUT", base + "/composite?format=" + f, {
                "/3/0/14": {"id": 14, "kind": "singleResource", "type": "STRING", "value": tz},
                "/3311/0/5851": {"id": 5851, "kind": "singleResource", "type": "INTEGER",
                                 "value": str(60 + i)}}), "write-composite " + f, "CHANGED")
            got = resource_value(ok_response(*srv.get(base + "/3/0/14"), "read")["content"])
            check(got == tz, "write-composite %s: %r" % (f, got))
            body = ok_response(*srv.http("POST", base + "/composite/observe?paths=%s&format=%s"
                                         % (paths, f)), "observe-composite " + f, "CONTENT")
            value = 50.0 + i + 0.25
            cli.command("set /3303/0/5700 %s" % value)
            d = ev.wait("NOTIFICATION", lambda d: d.get("kind") == "composite" and
                        str(value) in json.dumps(d.get("val")), timeout=10)
            ok_response(*srv.http("DELETE", base + "/composite/observe?paths=%s&active" % paths),
                        "cancel observe-composite " + f)

        # Send (client console) -> SEND event.
        cli.command("send /3303/0/5700 /3/0/0")
        d = ev.wait("SEND", lambda d: d.get("ep") == ep, timeout=10)
        check("Sirocco" in json.dumps(d), "SEND carries /3/0/0: %r" % d)
        cli.wait_output("send done 2.04")

        # Object specs, metrics.
        st, specs = srv.get("/api/objectspecs/" + ep)
        check(st == 200 and any(o.get("id") == 3 for o in specs), "objectspecs: %r" % specs)
        st, text = srv.get("/metrics")
        check(st == 200, "/metrics")
        for needle in ("sirocco_registrations 1", 'sirocco_requests_total{operation="read"',
                       "sirocco_request_duration_seconds_bucket", "sirocco_notifications_total",
                       "sirocco_sends_total 1"):
            check(needle in text, "/metrics has %s" % needle)
        ev.close()


# --- bad input on REST ---------------------------------------------------------
def case_bad_rest(bin_dir):
    with Env(bin_dir, "badrest") as env:
        srv = env.server()
        ep = "e2e-bad"
        cli = env.client(ep, srv)
        cli.wait_output("registered /rd/")
        base = "/api/clients/" + ep
        bad = [
            ("GET", "/api/clients/nobody", None, 404, "nobody"),
            ("GET", "/api/clients/nobody/3/0/0", None, 404, "nobody"),
            ("GET", "/api/nothing", None, 404, None),
            ("GET", base + "/3/x/0", None, 400, None),
            ("GET", base + "/3/0/0?format=NOPE", None, 400, "NOPE"),
            ("GET", base + "/3/0/0?timeout=abc", None, 400, "timeout"),
            ("PUT", base + "/3/0/14", {"kind": "singleResource", "id": 14}, 400, "value"),
            ("PUT", base + "/3/0/14", {"kind": "foo", "id": 14, "value": "x"}, 400, "foo"),
            ("PUT", base + "/3/0/14", "{not json", 400, None),
            ("PUT", base + "/composite", ["not", "an", "object"], 400, None),
        ]
        answers = {}
        for method, path, body, status, word in bad:
            hdr = {"Content-Type": "application/json"} if isinstance(body, str) else None
            st, ans = srv.http(method, path, body, headers=hdr)
            check(st == status, "%s %s: HTTP %d, got %d %r" % (method, path, status, st, ans))
            check(isinstance(ans, dict) and ans.get("message"),
                  "%s %s: a JSON error with a message: %r" % (method, path, ans))
            answers[(method, path, json.dumps(body))] = ans["message"][:40]
            if word:
                check(word in ans["message"], "%s %s: the message names %r: %r" %
                      (method, path, word, ans["message"]))
        # Each refusal logged once (at warn).
        time.sleep(0.2)
        for method, path, body, status, word in bad:
            msg = answers[(method, path, json.dumps(body))]
            lines = [l for l in srv.stderr().splitlines()
                     if "level=warn" in l and (" %d %s %s:" % (status, method, path)) in l and
                     msg.replace('"', '\\"') in l]
            check(len(lines) == 1, "%s %s logged once at warn: %d lines" %
                  (method, path, len(lines)))
        # The server goes on.
        ok_response(*srv.get(base + "/3/0/0"), "a good read after bad requests")
        # The device's own refusal is an answer, not an HTTP error.
        st, body = srv.get(base + "/3/0/99")
        check(st == 200 and body.get("success") is False and body.get("status") == "NOT_FOUND",
              "read of a missing resource: %r" % body)


# --- the curl commands of the documentation, as written ------------------------
def doc_curl_commands(path):
    """Lines starting with 'curl ' inside ``` blocks of a markdown file."""
    out, inside = [], False
    with open(path) as f:
        for line in f:
            if line.startswith("```"):
                inside = not inside
                continue
            if inside and line.startswith("curl "):
                out.append(line.split("  #")[0].strip())
    return out


def case_docs_curl(bin_dir):
    import shutil
    check(shutil.which("curl") is not None, "curl is installed")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmds = [("docs/rest-api.md", c) for c in
            doc_curl_commands(os.path.join(root, "docs", "rest-api.md"))]
    cmds += [("README.md", c) for c in doc_curl_commands(os.path.join(root, "README.md"))]
    check(len(cmds) >= 20, "found the curl commands of docs/rest-api.md: %d" % len(cmds))
    # The README's main job also runs an MQTT demo device (sirocco-demo-mqtt)
    # through a mosquitto: so does this test, when a command needs it.
    need_mqtt = any("sirocco-demo-mqtt" in c for _, c in cmds)
    broker = None
    if need_mqtt:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from mosquitto_fixture import Mosquitto
        broker = Mosquitto()
        broker.start()
    try:
        run_docs_curl(bin_dir, cmds, broker)
    finally:
        if broker is not None:
            broker.stop()


def run_docs_curl(bin_dir, cmds, broker):
    with Env(bin_dir, "docs") as env:
        if broker is not None:
            srv = env.server("--mqtt", broker.url("lwm2m/"))
            srv.wait_log("mqtt_connected")
            mqtt_cli = env.client("sirocco-demo-mqtt", broker.url("lwm2m/"))
            mqtt_cli.wait_output("registered /rd/")
        else:
            srv = env.server()
        cli = env.client("sirocco-demo", srv)
        cli.wait_output("registered /rd/")
        failures = []
        for where, cmd in cmds:
            try:
                run_doc_command(srv, where, cmd)
            except TestFailure as e:
                failures.append(str(e))
        check(not failures, "%d of %d documented commands failed:\n  %s" %
              (len(failures), len(cmds), "\n  ".join(failures)))


def run_doc_command(srv, where, cmd):
    import subprocess
    # The documents use localhost:8080; the test server has its own port.
    run_cmd = cmd.replace("localhost:8080", "127.0.0.1:%d" % srv.http_port)
    streaming = " -N" in cmd
    try:
        r = subprocess.run(["bash", "-c", run_cmd], capture_output=True, text=True,
                           timeout=3 if streaming else 20)
        out, rc = r.stdout, r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        rc = 0 if streaming else -1
    if streaming:
        check(rc in (0, 28), "%s: %s: exit %d" % (where, cmd, rc))
        return
    check(rc == 0, "%s: %s: curl exit %d" % (where, cmd, rc))
    if "%{http_code}" in cmd:  # the documented error examples
        body, _, code = out.strip().rpartition(" ")
        check(code.startswith("4"), "%s: %s: a 4xx, got %r" % (where, cmd, out))
        check(json.loads(body).get("message"), "%s: %s: JSON error" % (where, cmd))
        return
    if "/metrics" in cmd:
        check("sirocco_registrations" in out, "%s: %s: %r" % (where, cmd, out[:200]))
        return
    try:
        body = json.loads(out)
    except ValueError:
        raise TestFailure("%s: %s: not JSON: %r" % (where, cmd, out[:300]))
    check(not (isinstance(body, dict) and "message" in body and "success" not in body),
          "%s: %s: an HTTP error: %r" % (where, cmd, body))
    if isinstance(body, dict) and "success" in body:
        check(body["success"] is True, "%s: %s: the device refused: %r" %
              (where, cmd, body))


# --- SIGTERM with a request in flight ---------------------------------------------
def case_sigterm_inflight(bin_dir):
    import threading
    with Env(bin_dir, "sigterm") as env:
        srv = env.server()
        cli = env.client("e2e-term", srv)
        cli.wait_output("registered /rd/")
        srv.wait_log("registered", ep="e2e-term")
        cli.proc.kill()  # the device goes silent: the read below waits
        cli.wait(5)
        result = {}

        def read():
            result["answer"] = srv.get("/api/clients/e2e-term/3/0/0?timeout=30", timeout=30)

        t = threading.Thread(target=read)
        t.start()
        time.sleep(0.5)  # the read is now waiting for the silent device
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        t.join(15)
        check(not t.is_alive(), "the in-flight request got an answer")
        st, body = result["answer"]
        check(st == 500 and "cancel" in json.dumps(body), "answer cancelled (500): %s %r" %
              (st, body))
        check(srv.wait(10) == 0, "server exits 0")
        check(time.monotonic() - t0 < 5, "stopped quickly")
        check(srv.log_events("request", ep="e2e-term", outcome="cancelled"),
              "the cancelled request is logged")


CASES = {
    "flags": case_flags,
    "registration": case_registration,
    "bad_coap": case_bad_coap,
    "expiry": case_expiry,
    "restart": case_restart,
    "rest_operations": case_rest_operations,
    "bad_rest": case_bad_rest,
    "docs_curl": case_docs_curl,
    "sigterm_inflight": case_sigterm_inflight,
}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
