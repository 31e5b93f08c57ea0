#!/usr/bin/env python3
"""LwM2M over MQTT end to end: a mosquitto started by the test on a free
port (mosquitto_fixture.py), sirocco-server with --mqtt and sirocco-client
with an mqtt:// server URI as processes, REST over HTTP, and mosquitto_sub /
mosquitto_pub as an independent MQTT client for the wire format.

usage: sirocco_mqtt_test.py BIN_DIR [case...]   (all cases when none given)
"""

import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mosquitto_fixture import Mosquitto  # noqa: E402
from sirocco_server_lib import (  # noqa: E402
    NON, URI_PATH, URI_QUERY, Env, TestFailure, check, coap_encode, run, wait_for)
from sirocco_server_test import (  # noqa: E402
    COMPOSITE_FORMATS, MULTI_FORMATS, SINGLE_FORMATS, instance_values, ok_response,
    resource_value)


class Sub:
    """mosquitto_sub -v -F '%t %x' on a filter: (topic, bytes) per message."""

    def __init__(self, env, broker, topic_filter, name="sub"):
        self.path = os.path.join(env.dir, name + ".txt")
        self.f = open(self.path, "wb")
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-v", "-F", "%t %x",
             "-t", topic_filter], stdout=self.f, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        # Not connected yet for sure: give it its SUBACK (no "subscribed" line
        # in 2.0.11's output); a retained probe would stay on the broker.
        time.sleep(0.5)

    def messages(self):
        out = []
        with open(self.path, "r", errors="replace") as f:
            for line in f.read().splitlines():
                parts = line.split(" ")
                if len(parts) == 2:
                    try:
                        out.append((parts[0], bytes.fromhex(parts[1])))
                    except ValueError:
                        pass
                elif len(parts) == 1 and parts[0]:
                    out.append((parts[0], b""))
        return out

    def wait(self, pred, what, timeout=10):
        return wait_for(lambda: [m for m in self.messages() if pred(*m)], timeout, what)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.f.close()


def mqtt_server(env, broker, *args):
    srv = env.server("--mqtt", broker.url("lwm2m/"), *args)
    srv.wait_log("mqtt_connected")
    return srv


def publish_bytes(env, broker, topic, data, name="pub.bin"):
    path = os.path.join(env.dir, name)
    with open(path, "wb") as f:
        f.write(data)
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", topic,
                        "-f", path], capture_output=True, text=True, timeout=10)
    check(r.returncode == 0, "mosquitto_pub: %s" % r.stderr)


def compact_decode(b):
    """RFC 8323 section 4 message (the compact framing): (code, token, options,
    payload); options as a list of (number, bytes)."""
    check(len(b) >= 2, "compact message too short: %s" % b.hex())
    length_nibble, tkl = b[0] >> 4, b[0] & 15
    check(length_nibble == 0, "first byte 0x0N (length nibble 0): %02x" % b[0])
    check(tkl <= 8, "TKL <= 8: %d" % tkl)
    code = b[1]
    token = b[2:2 + tkl]
    i, last, opts = 2 + tkl, 0, []
    while i < len(b) and b[i] != 0xFF:
        d, ln = b[i] >> 4, b[i] & 15
        i += 1
        if d == 13:
            d = b[i] + 13
            i += 1
        elif d == 14:
            d = (b[i] << 8 | b[i + 1]) + 269
            i += 2
        if ln == 13:
            ln = b[i] + 13
            i += 1
        elif ln == 14:
            ln = (b[i] << 8 | b[i + 1]) + 269
            i += 2
        last += d
        opts.append((last, bytes(b[i:i + ln])))
        i += ln
    payload = bytes(b[i + 1:]) if i < len(b) else b""
    return code, bytes(token), opts, payload


def rest_operations(srv, ev, cli, ep):
    """Every REST operation on one device, notifications on /api/event."""
    base = "/api/clients/" + ep
    for f in SINGLE_FORMATS:
        body = ok_response(*srv.get(base + "/3/0/0?format=" + f), "read /3/0/0 " + f, "CONTENT")
        check(resource_value(body["content"]) == "Sirocco", "read /3/0/0 %s: %r" % (f, body))
    for f in MULTI_FORMATS:
        body = ok_response(*srv.get(base + "/3/0?format=" + f), "read /3/0 " + f, "CONTENT")
        check(instance_values(body["content"]).get(0) == "Sirocco", "read /3/0 " + f)
    body = ok_response(*srv.get(base + "/3303"), "read object /3303")
    check(body["content"].get("kind") == "obj", "read /3303: %r" % body)
    for i, f in enumerate(SINGLE_FORMATS):
        tz = "+0%d:00" % (i + 1)
        ok_response(*srv.http("PUT", base + "/3/0/14?format=" + f,
                              {"id": 14, "kind": "singleResource", "type": "STRING",
                               "value": tz}), "write /3/0/14 " + f, "CHANGED")
        got = resource_value(ok_response(*srv.get(base + "/3/0/14"), "read back")["content"])
        check(got == tz, "write %s then read: %r" % (f, got))
    node = {"id": 0, "kind": "instance", "resources": [
        {"id": 5851, "kind": "singleResource", "type": "INTEGER", "value": "12"}]}
    ok_response(*srv.http("PUT", base + "/3311/0?replace=false", node), "partial write",
                "CHANGED")
    ok_response(*srv.http("POST", base + "/3/0/4", ""), "execute /3/0/4", "CHANGED")
    for f in MULTI_FORMATS:
        node = {"id": 1, "kind": "instance", "resources": [
            {"id": 5850, "kind": "singleResource", "type": "BOOLEAN", "value": True}]}
        ok_response(*srv.http("POST", base + "/3311?format=" + f, node), "create " + f, "CREATED")
        ok_response(*srv.http("DELETE", base + "/3311/1"), "delete " + f, "DELETED")
    body = ok_response(*srv.get(base + "/3/0/discover"), "discover /3/0", "CONTENT")
    check("/3/0/0" in json.dumps(body.get("objectLinks")), "discover: %r" % body)
    ok_response(*srv.http("PUT", base + "/3303/0/5700/attributes?pmin=0&pmax=30"),
                "write-attributes", "CHANGED")
    # Observe, notifications, cancel.
    ok_response(*srv.http("POST", base + "/3303/0/5700/observe"), "observe", "CONTENT")
    for value in (31.5, 32.5):
        cli.command("set /3303/0/5700 %s" % value)
        ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and d.get("res") == "/3303/0/5700"
                and float(d["val"]["value"]) == value, timeout=10)
    ok_response(*srv.http("DELETE", base + "/3303/0/5700/observe?active"), "cancel observe")
    # Composite read / write / observe.
    paths = "/3/0/0,/3303/0/5700"
    for i, f in enumerate(COMPOSITE_FORMATS):
        body = ok_response(*srv.get(base + "/composite?paths=%s&format=%s" % (paths, f)),
                           "read-composite " + f, "CONTENT")
        check(resource_value(body["content"].get("/3/0/0")) == "Sirocco", "composite " + f)
        ok_response(*srv.http("PUT", base + "/composite?format=" + f, {
            "/3/0/14": {"id": 14, "kind": "singleResource", "type": "STRING",
                        "value": "-0%d:00" % (i + 1)}}), "write-composite " + f, "CHANGED")
    ok_response(*srv.http("POST", base + "/composite/observe?paths=" + paths),
                "observe-composite", "CONTENT")
    cli.command("set /3303/0/5700 55.25")
    ev.wait("NOTIFICATION", lambda d: d.get("kind") == "composite" and d.get("ep") == ep and
            "55.25" in json.dumps(d.get("val")), timeout=10)
    ok_response(*srv.http("DELETE", base + "/composite/observe?paths=%s&active" % paths),
                "cancel observe-composite")
    # Send (client console) -> SEND event.
    cli.command("send /3303/0/5700 /3/0/0")
    d = ev.wait("SEND", lambda d: d.get("ep") == ep, timeout=10)
    check("Sirocco" in json.dumps(d), "SEND carries /3/0/0: %r" % d)


def registration(srv, ep):
    st, body = srv.get("/api/clients/" + ep)
    return body if st == 200 and isinstance(body, dict) else None


# --- cases -----------------------------------------------------------------------
def case_register_and_rest(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "mqtt-rest") as env:
        srv = mqtt_server(env, broker)
        ev = srv.events()
        ep = "mqtt-dev-1"
        cli = env.client(ep, broker.url("lwm2m/"))
        cli.wait_output("registered /rd/")
        d = ev.wait("REGISTRATION", lambda d: d.get("endpoint") == ep)
        check(d.get("transport") == "mqtt", "REGISTRATION event says transport mqtt: %r" % d)
        reg = registration(srv, ep)
        check(reg and reg["transport"] == "mqtt", "registration shows transport mqtt: %r" % reg)
        check(reg["address"] == "127.0.0.1:%d/lwm2m/%s" % (broker.port, ep),
              "registration address is the broker and topic: %r" % reg["address"])
        srv.wait_log("registered", ep=ep, addr="mqtt://127.0.0.1:%d/lwm2m/%s" % (broker.port, ep))
        rest_operations(srv, ev, cli, ep)
        # De-register over MQTT.
        cli.command("deregister")
        cli.wait_output("deregistered")
        ev.wait("DEREGISTRATION", lambda d: d.get("endpoint") == ep or
                d.get("registration", {}).get("endpoint") == ep or ep in json.dumps(d))
        check(registration(srv, ep) is None, "gone after de-registration")
        ev.close()


def case_side_by_side(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "mqtt-side") as env:
        srv = mqtt_server(env, broker)
        ev = srv.events()
        udp = env.client("udp-dev", srv)
        mq = env.client("mqtt-dev", broker.url("lwm2m/"))
        udp.wait_output("registered /rd/")
        mq.wait_output("registered /rd/")
        st, regs = srv.get("/api/clients")
        by_ep = {r["endpoint"]: r for r in regs}
        check(by_ep.get("udp-dev", {}).get("transport") == "udp", "udp device: %r" % regs)
        check(by_ep.get("mqtt-dev", {}).get("transport") == "mqtt", "mqtt device: %r" % regs)
        for ep, cli in (("udp-dev", udp), ("mqtt-dev", mq)):
            base = "/api/clients/" + ep
            body = ok_response(*srv.get(base + "/3/0/0"), "read on " + ep, "CONTENT")
            check(resource_value(body["content"]) == "Sirocco", "read on " + ep)
            ok_response(*srv.http("POST", base + "/3303/0/5700/observe"), "observe " + ep)
        # Interleaved notifications from both.
        for i in range(3):
            for ep, cli in (("udp-dev", udp), ("mqtt-dev", mq)):
                v = 20.0 + i + (0.25 if ep == "udp-dev" else 0.75)
                cli.command("set /3303/0/5700 %s" % v)
                ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and
                        float(d["val"]["value"]) == v, timeout=10)
        ev.close()


def case_wire_format(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "mqtt-wire") as env:
        sub = Sub(env, broker, "lwm2m/#")
        try:
            srv = mqtt_server(env, broker)
            ep = "wire-dev"
            cli = env.client(ep, broker.url("lwm2m/"))
            cli.wait_output("registered /rd/")
            up = "lwm2m/%s/deviceToServer" % ep
            down = "lwm2m/%s/serverToDevice" % ep
            ok_response(*srv.get("/api/clients/%s/3/0/0" % ep), "read", "CONTENT")
            msgs = sub.wait(lambda t, b: t == down and len(b) > 1 and b[1] == 0x01,
                            "a GET on " + down)
            topics = {t for t, _ in sub.messages()}
            check(topics == {up, down}, "only the two topics of the spec: %r" % topics)
            # The Register: compact framing, POST, token, Uri-Path rd, ep= query.
            reg = [b for t, b in sub.messages() if t == up and len(b) > 1 and b[1] == 0x02]
            check(reg, "a POST on " + up)
            code, token, opts, payload = compact_decode(reg[0])
            check(1 <= len(token) <= 8, "Register has a token of 1-8 bytes")
            check((URI_PATH, b"rd") in opts, "Uri-Path rd: %r" % opts)
            check((URI_QUERY, ("ep=" + ep).encode()) in opts, "Uri-Query ep=: %r" % opts)
            check(payload.startswith(b"<"), "link-format payload: %r" % payload[:20])
            # Its answer: 2.01 with the same token, Location-Path rd/{id}.
            ans = [compact_decode(b) for t, b in sub.messages() if t == down and len(b) > 1 and
                   b[1] == 0x41]
            check(any(a[1] == token and (8, b"rd") in a[2] for a in ans),
                  "2.01 with the Register's token and Location-Path rd: %r" % ans)
            # The server's GET /3/0/0: compact too, Uri-Path 3/0/0; the
            # device's 2.05 on the uplink with the same token.
            code, token, opts, payload = compact_decode(msgs[0][1])
            check([o for o in opts if o[0] == URI_PATH] == [(URI_PATH, b"3"), (URI_PATH, b"0"),
                                                            (URI_PATH, b"0")], "GET /3/0/0")
            sub.wait(lambda t, b: t == up and len(b) > 1 and b[1] == 0x45 and
                     compact_decode(b)[1] == token, "2.05 with the GET's token")

            # A datagram-form (RFC 7252) NON Register published by mosquitto_pub
            # on another device's topic: understood, answered on its downlink.
            raw_ep = "raw-dev"
            tok = bytes([0xA1, 0xB2, 0xC3])
            msg = coap_encode(0x02, [(URI_PATH, "rd"), (URI_QUERY, "ep=" + raw_ep),
                                     (URI_QUERY, "lt=60"), (URI_QUERY, "lwm2m=1.1")],
                              b"</1/0>,</3/0>", token=tok, mtype=NON)
            check(msg[0] >> 6 == 1, "the test message is in datagram form")
            publish_bytes(env, broker, "lwm2m/%s/deviceToServer" % raw_ep, msg)
            got = sub.wait(lambda t, b: t == "lwm2m/%s/serverToDevice" % raw_ep,
                           "an answer to the datagram-form Register")
            code, token, opts, _ = compact_decode(got[0][1])
            check(code == 0x41 and token == tok, "2.01 with the token: %02x %s" %
                  (code, token.hex()))
            reg = registration(srv, raw_ep)
            check(reg and reg["transport"] == "mqtt", "the raw device is registered: %r" % reg)
        finally:
            sub.close()


def case_endpoint_mismatch_403(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "mqtt-403") as env:
        sub = Sub(env, broker, "lwm2m/+/serverToDevice")
        try:
            srv = mqtt_server(env, broker)
            tok = bytes([1, 2, 3, 4])
            # Compact framing: 0x04 (TKL 4), POST, token, Uri-Path rd, ep=victim.
            msg = bytes([0x04, 0x02]) + tok + bytes([0xB2]) + b"rd" + bytes([0x49]) + \
                b"ep=victim" + bytes([0xFF]) + b"</1/0>"
            publish_bytes(env, broker, "lwm2m/mallory/deviceToServer", msg)
            got = sub.wait(lambda t, b: t == "lwm2m/mallory/serverToDevice",
                           "an answer on mallory's downlink")
            code, token, _, _ = compact_decode(got[0][1])
            check(code == 0x83 and token == tok, "4.03 Forbidden: %02x" % code)
            check(registration(srv, "victim") is None, "no registration for victim")
            check(not [t for t, _ in sub.messages() if t == "lwm2m/victim/serverToDevice"],
                  "nothing sent to victim's downlink")
            # The same Register on its own topic is accepted.
            publish_bytes(env, broker, "lwm2m/victim/deviceToServer", msg)
            got = sub.wait(lambda t, b: t == "lwm2m/victim/serverToDevice", "answer to victim")
            check(compact_decode(got[0][1])[0] == 0x41, "2.01 on its own topic")
        finally:
            sub.close()


def case_broker_restart(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "mqtt-restart") as env:
        srv = mqtt_server(env, broker)
        ev = srv.events()
        ep = "restart-dev"
        cli = env.client(ep, broker.url("lwm2m/"))
        cli.wait_output("registered /rd/")
        reg_id = registration(srv, ep)["registrationId"]
        base = "/api/clients/" + ep
        ok_response(*srv.http("POST", base + "/3303/0/5700/observe"), "observe", "CONTENT")
        cli.command("set /3303/0/5700 11.5")
        ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and
                float(d["val"]["value"]) == 11.5, timeout=10)
        broker.restart(down_for=1.0)
        # Both sides reconnect by themselves; the device sends an Update.
        srv.wait_log("mqtt_connection_lost")
        srv.wait_log("mqtt_connected", count=2, timeout=20)
        wait_for(lambda: cli.stderr().count("MQTT connected") >= 2, 20, "the client reconnects")
        cli.wait_output("updated", timeout=20)
        reg = registration(srv, ep)
        check(reg and reg["registrationId"] == reg_id, "still the same registration: %r" % reg)
        # Still observable: the observation lives on.
        cli.command("set /3303/0/5700 12.5")
        ev.wait("NOTIFICATION", lambda d: d.get("ep") == ep and
                float(d["val"]["value"]) == 12.5, timeout=10)
        ok_response(*srv.get(base + "/3/0/0"), "read after the restart", "CONTENT")
        ev.close()


def case_flags(bin_dir):
    for exe, flags in (("sirocco-server", ["--mqtt", "--mqtt-share", "--mqtt-ca", "--mqtt-cert",
                                           "--mqtt-key", "--mqtt-user", "--mqtt-password",
                                           "--mqtt-client-id", "--mqtt-insecure"]),
                       ("sirocco-client", ["--mqtt-ca", "--mqtt-cert", "--mqtt-key", "--mqtt-user",
                                           "--mqtt-password", "--mqtt-client-id",
                                           "--mqtt-insecure"])):
        r = subprocess.run([os.path.join(bin_dir, exe), "--help"], capture_output=True,
                           text=True, timeout=10)
        for f in flags:
            check(f in r.stdout, "%s --help documents %s" % (exe, f))
    bad = [("sirocco-server", ["--mqtt", "mqtt://h/no-slash"], "--mqtt"),
           ("sirocco-server", ["--mqtt", "mqtts://h/lwm2m/"], "--mqtt-ca"),
           ("sirocco-server", ["--mqtt-share", "a/b"], "--mqtt-share"),
           ("sirocco-client", ["--server", "mqtt://h/lwm2m/", "--endpoint", "a/b"], "--endpoint"),
           ("sirocco-client", ["--server", "mqtt://h/lwm2m/", "--endpoint", "a+b"], "--endpoint"),
           ("sirocco-client", ["--server", "mqtt://h/a/+/"], "--server"),
           ("sirocco-client", ["--server", "mqtts://h/lwm2m/"], "--mqtt-ca")]
    for exe, args, name in bad:
        r = subprocess.run([os.path.join(bin_dir, exe)] + args, capture_output=True, text=True,
                           timeout=10)
        check(r.returncode == 2, "%s %s: exit 2, got %d" % (exe, args, r.returncode))
        check(name in r.stderr, "%s %s: the message names %s: %r" % (exe, args, name, r.stderr))


CASES = {
    "flags": case_flags,
    "register_and_rest": case_register_and_rest,
    "side_by_side": case_side_by_side,
    "wire_format": case_wire_format,
    "endpoint_mismatch_403": case_endpoint_mismatch_403,
    "broker_restart": case_broker_restart,
}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
