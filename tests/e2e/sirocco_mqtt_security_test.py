#!/usr/bin/env python3
"""The mosquitto configuration of config/mosquitto/ (TLS, per-device ACLs),
tested with the mosquitto command-line clients against a mosquitto started
on free 127.0.0.1 ports with that very file (paths and ports rewritten by
tests/e2e/mosquitto_fixture.py) and the certificates of
config/mosquitto/make-test-certs.

usage: sirocco_mqtt_security_test.py BIN_DIR [case...]   (all cases when none given)

BIN_DIR holds sirocco-server and sirocco-client; the cases that run them are
skipped (exit 77, ctest's SKIP_RETURN_CODE) when the binaries are missing or
have no MQTT transport.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mosquitto_fixture import (  # noqa: E402
    Mosquitto, make_password_file, make_test_certs)

ROOT = "lwm2m/"
DEVICES = ["dev-a", "dev-b"]
PASSWORDS = {"dev-c": "secret-of-dev-c", "dev-d": "secret-of-dev-d"}


class TestFailure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def wait_for(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TestFailure("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Setup:
    """Certificates, a password file and the repository's broker config."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="sirocco-mqtt-sec-")
        d = self.tmp.name
        self.certs = make_test_certs(os.path.join(d, "certs"), DEVICES + ["dev-x"])
        self.passwords = make_password_file(os.path.join(d, "passwords"), PASSWORDS)
        self.broker = Mosquitto.from_repo_conf(self.certs, password_file=self.passwords)
        self.subs = []

    def __enter__(self):
        try:
            self.broker.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            for s in self.subs:
                sys.stderr.write("---- mosquitto_sub %s:\n%s\n" % (" ".join(s.argv), s.text()))
            sys.stderr.write("---- broker log (%s):\n%s\n" % (self.broker.log_path,
                                                             self.broker.log_tail(8000)))
        self.close()
        return False

    def close(self):
        for s in self.subs:
            s.stop()
        self.broker.close()
        self.tmp.cleanup()

    # Listeners of config/mosquitto/mosquitto.conf.
    @property
    def cert_port(self):
        return self.broker.ports[8883]

    @property
    def password_port(self):
        return self.broker.ports[8884]

    @property
    def dev_port(self):
        return self.broker.ports[1883]

    def args(self, who, password=None, foreign=False):
        """mosquitto_sub/pub connection arguments: a device or "server" with
        its certificate on 8883, or a password user on 8884."""
        if who in PASSWORDS or password is not None:
            return self.broker.client_args(port=self.password_port, tls=True, user=who,
                                           password=PASSWORDS.get(who) if password is None
                                           else password)
        return self.broker.client_args(who, foreign=foreign)

    def sub(self, who, *topics, extra=(), hex_payload=False, **kw):
        s = Sub(self.args(who, **kw) + list(extra), topics, os.path.join(
            self.tmp.name, "sub-%d.out" % len(self.subs)), hex_payload=hex_payload)
        self.subs.append(s)
        return s

    def pub(self, who, topic, message, expect_ok=True, **kw):
        """Publishes `message` (str, or bytes sent from a file) at QoS 1."""
        if isinstance(message, bytes):
            path = os.path.join(self.tmp.name, "payload.bin")
            with open(path, "wb") as f:
                f.write(message)
            what = ["-f", path]
        else:
            what = ["-m", message]
        argv = ["mosquitto_pub"] + self.args(who, **kw) + ["-t", topic] + what + ["-q", "1"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        if expect_ok:
            check(r.returncode == 0, "%s: exit %d %s" % (" ".join(argv), r.returncode, r.stderr))
        return r


class Sub:
    """mosquitto_sub -v -d in the background; its output in a file."""

    def __init__(self, conn_args, topics, path, hex_payload=False):
        self.path = path
        # "topic payload" lines; with hex_payload the payload in hex (%x).
        fmt = ["-F", "%t %x"] if hex_payload else ["-v"]
        self.argv = ["mosquitto_sub"] + conn_args + fmt + ["-d", "-q", "1"]
        # Line-buffered: the -d lines (SUBACK) are read while it runs.
        stdbuf = shutil.which("stdbuf")
        for t in topics:
            self.argv += ["-t", t]
        self.topics = topics
        self.out = open(path, "wb")
        self.proc = subprocess.Popen(([stdbuf, "-oL"] if stdbuf else []) + self.argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT)

    def text(self):
        with open(self.path, "r", errors="replace") as f:
            return f.read()

    def suback(self, timeout=10):
        """The granted QoS list of the SUBACK ("Subscribed (mid: 1): 0, 128")."""
        def granted():
            for line in self.text().splitlines():
                if line.startswith("Subscribed (mid:"):
                    return [int(x) for x in line.split("):", 1)[1].split(",")]
            check(self.proc.poll() is None, "mosquitto_sub exited %s: %s" %
                  (self.proc.returncode, self.text()))
            return None
        return wait_for(granted, timeout, "a SUBACK in %s" % self.argv)

    def messages(self):
        """(topic, payload) of every message received."""
        out = []
        for line in self.text().splitlines():
            if line.startswith("Client ") or line.startswith("Subscribed") or " " not in line:
                continue
            topic, payload = line.split(" ", 1)
            out.append((topic, payload))
        return out

    def wait_message(self, payload, timeout=10):
        return wait_for(lambda: [m for m in self.messages() if m[1] == payload], timeout,
                        "message %r in %s" % (payload, self.argv))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if not self.out.closed:
            self.out.close()


def down(ep):
    return "%s%s/serverToDevice" % (ROOT, ep)


def up(ep):
    return "%s%s/deviceToServer" % (ROOT, ep)


def connect_once(argv_args, timeout=10):
    """A mosquitto_sub that connects, subscribes to nothing useful and
    exits after 1 s: (exit status, output)."""
    argv = ["mosquitto_sub"] + argv_args + ["-t", "lwm2m/none", "-d", "-W", "1"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


# --- reading another device's downlink ----------------------------------------
def case_subscribe_other_downlink(bin_dir):
    with Setup() as s:
        b = s.sub("dev-b", down("dev-b"))
        check(b.suback() == [1], "dev-b may read its own downlink")
        # dev-a asks for dev-b's downlink, then every downlink, then everything.
        spy = s.sub("dev-a", down("dev-b"), ROOT + "+/serverToDevice", ROOT + "#", "#")
        granted = spy.suback()
        # mosquitto 2.0's acl_file does not check SUBSCRIBE (it grants QoS 0,
        # SUBACK 0x00) and checks read access on every message it would
        # deliver instead; a broker that refuses the SUBSCRIBE answers 0x80.
        # Either way nothing may arrive; docs/mqtt.md says which one 2.0.11 does.
        check(all(g in (0, 1, 0x80) for g in granted), "SUBACK codes: %r" % granted)
        sys.stderr.write("SUBACK to dev-a's SUBSCRIBE of other topics: %r\n" % granted)
        # (one connection per device: a second dev-a connection would take the
        # client id "dev-a" over, see client_id_takeover)
        s.pub("server", down("dev-b"), "for-b-only")
        s.pub("server", down("dev-a"), "for-a")
        b.wait_message("for-b-only")
        spy.wait_message("for-a")  # its own downlink: the spy is connected and reads
        time.sleep(0.5)
        leaked = [m for m in spy.messages() if m[1] == "for-b-only"]
        check(not leaked, "dev-a received dev-b's downlink: %r" % leaked)
        check(b.messages() == [(down("dev-b"), "for-b-only")], "dev-b got only its own: %r" %
              b.messages())
        # A device cannot read uplinks either (its own included).
        s.pub("dev-b", up("dev-b"), "b-uplink")
        time.sleep(0.5)
        check(not [m for m in spy.messages() if m[1] == "b-uplink"],
              "dev-a read dev-b's uplink: %r" % spy.messages())


# --- publishing as another device ---------------------------------------------
def case_publish_other_uplink(bin_dir):
    with Setup() as s:
        srv = s.sub("server", ROOT + "+/deviceToServer")
        check(srv.suback() == [1], "the server may read every uplink")
        b = s.sub("dev-b", down("dev-b"))
        b.suback()
        # dev-a pretends to be dev-b (uplink), and pretends to be the server
        # (dev-b's downlink). mosquitto accepts the PUBLISH (MQTT 3.1.1 cannot
        # refuse it) and drops it.
        s.pub("dev-a", up("dev-b"), "forged-uplink")
        s.pub("dev-a", down("dev-b"), "forged-downlink")
        s.pub("dev-a", up("dev-a"), "genuine-uplink")
        srv.wait_message("genuine-uplink")
        time.sleep(0.5)
        msgs = srv.messages()
        check(msgs == [(up("dev-a"), "genuine-uplink")],
              "the server sees dev-a's own uplink only: %r" % msgs)
        check(not b.messages(), "dev-b got a forged downlink: %r" % b.messages())
        check("Denied PUBLISH from dev-a" in s.broker.log_text(),
              "the broker logs the denied PUBLISH")
        # A password user is bound the same way.
        s.pub("dev-c", up("dev-b"), "forged-by-c")
        s.pub("dev-c", up("dev-c"), "genuine-c")
        srv.wait_message("genuine-c")
        time.sleep(0.3)
        check([m for m in srv.messages() if m[1] == "genuine-c"] == [(up("dev-c"), "genuine-c")]
              and not [m for m in srv.messages() if m[1] == "forged-by-c"],
              "dev-c: own uplink only: %r" % srv.messages())


# --- the client id cannot be used to throw another device off -------------------
def case_client_id_takeover(bin_dir):
    with Setup() as s:
        b = s.sub("dev-b", down("dev-b"))
        b.suback()
        # dev-a connects with the client id "dev-b": the broker replaces it
        # by its user name (use_username_as_clientid), so dev-b stays.
        rc, out = connect_once(s.args("dev-a") + ["-i", "dev-b"])
        check("CONNACK (0)" in out, "dev-a connects: %s" % out)
        s.pub("server", down("dev-b"), "still-there")
        b.wait_message("still-there")
        check(b.proc.poll() is None, "dev-b's connection survives")
        log = s.broker.log_text()
        check("as dev-a (" in log and "already connected" not in log,
              "the broker used dev-a as client id and took no one over")


# --- authentication ---------------------------------------------------------------
def case_foreign_ca(bin_dir):
    with Setup() as s:
        # A certificate with CN dev-a from a CA the broker does not trust:
        # refused in the TLS handshake (no CONNACK).
        rc, out = connect_once(s.args("dev-a", foreign=True))
        check(rc != 0 and "CONNACK" not in out, "foreign CA refused: %d %s" % (rc, out))
        log = wait_for(lambda: "certificate verify failed" in s.broker.log_text() and
                       s.broker.log_text(), 5, "the broker log's verify failure")
        check("New client connected" not in log, "no client connected: %s" % log)
        # The genuine one is accepted.
        rc, out = connect_once(s.args("dev-a"))
        check("CONNACK (0)" in out, "dev-a's genuine certificate: %s" % out)


def case_no_credentials(bin_dir):
    with Setup() as s:
        b = s.broker
        # Certificate listener: TLS without a client certificate.
        rc, out = connect_once(b.client_args(port=s.cert_port, tls=True))
        check(rc != 0 and "CONNACK" not in out, "no certificate: refused: %d %s" % (rc, out))
        # Certificate listener: plain MQTT (no TLS) is not understood.
        rc, out = connect_once(b.client_args(port=s.cert_port, tls=False))
        check(rc != 0 and "CONNACK (0)" not in out, "plain MQTT on 8883: %d %s" % (rc, out))
        # Password listener: no user, a wrong password, an unknown user.
        for what, args in (("no user", b.client_args(port=s.password_port, tls=True)),
                           ("wrong password", s.args("dev-c", password="nope")),
                           ("unknown user", s.args("dev-z", password="x"))):
            rc, out = connect_once(args)
            check(rc != 0 and "CONNACK (5)" in out, "%s: not authorised: %d %s" % (what, rc, out))
        # Password listener: the right one.
        rc, out = connect_once(s.args("dev-c"))
        check("CONNACK (0)" in out, "dev-c with its password: %s" % out)
        # Password listener without TLS: refused.
        rc, out = connect_once(b.client_args(port=s.password_port, tls=False, user="dev-c",
                                             password=PASSWORDS["dev-c"]))
        check(rc != 0 and "CONNACK (0)" not in out, "plain MQTT on 8884: %d %s" % (rc, out))


def case_dev_listener(bin_dir):
    """The development listener (1883, loopback): anonymous and open, as the
    file says; the main job's broker (mosquitto-dev.conf) is the same."""
    with Setup() as s:
        sub = Sub(s.broker.client_args(port=s.dev_port), [ROOT + "#"],
                  os.path.join(s.tmp.name, "dev.out"))
        s.subs.append(sub)
        check(sub.suback() == [1], "anonymous subscription on the development listener")
        subprocess.run(["mosquitto_pub"] + s.broker.client_args(port=s.dev_port) +
                       ["-t", up("anyone"), "-m", "local"], check=True, timeout=10)
        sub.wait_message("local")


# --- a shared subscription ($share) under the same ACL ---------------------------
def case_shared_subscription(bin_dir):
    """The server identity subscribed to $share/sirocco/lwm2m/+/deviceToServer
    (several server nodes, --mqtt-share) gets the devices' uplinks and still
    never a forged one."""
    with Setup() as s:
        srv = s.sub("server", "$share/sirocco/" + ROOT + "+/deviceToServer")
        check(srv.suback() in ([0], [1]), "shared subscription granted: %r" % srv.suback())
        s.pub("dev-a", up("dev-b"), "forged-shared")
        s.pub("dev-a", up("dev-a"), "genuine-shared")
        srv.wait_message("genuine-shared")
        time.sleep(0.3)
        check(srv.messages() == [(up("dev-a"), "genuine-shared")],
              "the shared subscriber sees dev-a's own uplink only: %r" % srv.messages())


# --- the fixture itself: restart on the same port ------------------------------------
def case_broker_restart(bin_dir):
    with Setup() as s:
        port = s.cert_port
        s.broker.restart(down_for=0.2)
        check(s.broker.ports[8883] == port and s.broker.alive(), "same port after restart")
        rc, out = connect_once(s.args("dev-a"))
        check("CONNACK (0)" in out, "dev-a connects after the restart: %s" % out)
    with Mosquitto() as plain:
        port = plain.port
        plain.kill()
        plain.restart()
        check(plain.port == port and plain.alive(), "plain broker back on the same port")


# --- sirocco-server and sirocco-client through this broker ---------------------
class Skip(Exception):
    pass


def need_mqtt(bin_dir):
    """The sirocco-server/sirocco-client of BIN_DIR, or Skip when they have
    no MQTT transport (or are not built)."""
    exe = os.path.join(bin_dir, "sirocco-server")
    cli = os.path.join(bin_dir, "sirocco-client")
    if not (os.access(exe, os.X_OK) and os.access(cli, os.X_OK)):
        raise Skip("no sirocco-server/sirocco-client in %s" % bin_dir)
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    if "--mqtt" not in r.stdout:
        raise Skip("sirocco-server without --mqtt")
    from sirocco_server_lib import Env
    return Env


def server_over_tls(s, env):
    c = s.certs
    srv = env.server("--mqtt", s.broker.url(ROOT), "--mqtt-ca", c.ca, "--mqtt-cert",
                     c.server_cert, "--mqtt-key", c.server_key)
    srv.wait_log("mqtt_connected", timeout=15)
    return srv


def compact(code, options, payload=b"", token=None):
    """A CoAP message in the compact framing (RFC 8323 section 4 header
    without length: TKL, Code, Token, Options, 0xFF + payload)."""
    from sirocco_server_lib import coap_encode
    d = coap_encode(code, options, payload, token=token)
    return bytes([d[0] & 0x0F, d[1]]) + bytes(d[4:])


def case_mqtts_register(bin_dir):
    Env = need_mqtt(bin_dir)
    with Setup() as s, Env(bin_dir, "mqtt-sec") as env:
        srv = server_over_tls(s, env)
        c = s.certs
        cert, key = c.device("dev-a")
        a = env.client("dev-a", s.broker.url(ROOT), "--mqtt-ca", c.ca, "--mqtt-cert", cert,
                       "--mqtt-key", key)
        a.wait_output("registered /rd/", timeout=20)
        line = srv.wait_log("registered", ep="dev-a")[0]
        check("mqtts://" in line, "the registration shows the MQTT transport: " + line)
        # A password device on the password listener, same broker.
        d = env.client("dev-c", s.broker.url(ROOT, port=s.password_port, tls=True),
                       "--mqtt-ca", c.ca, "--mqtt-user", "dev-c", "--mqtt-password",
                       PASSWORDS["dev-c"])
        d.wait_output("registered /rd/", timeout=20)
        srv.wait_log("registered", ep="dev-c")
        if srv.base is not None:
            for ep in ("dev-a", "dev-c"):
                st, body = srv.get("/api/clients/%s/3/0/0" % ep)
                check(st == 200 and body.get("success") is True,
                      "read /3/0/0 of %s over mqtts: %s %r" % (ep, st, body))
        # A device whose certificate is from another CA never gets through.
        fc, fk = c.foreign("dev-b")
        f = env.client("dev-b", s.broker.url(ROOT), "--mqtt-ca", c.ca, "--mqtt-cert", fc,
                       "--mqtt-key", fk)
        time.sleep(2)
        check("registered /rd/" not in f.stdout() and not srv.log_events("registered", ep="dev-b"),
              "the foreign device did not register")
        f.kill()


def case_register_other_ep(bin_dir):
    """dev-x (certificate CN dev-x) publishes, on its own uplink (which the
    ACL allows), a Register with ep=dev-b: the server answers 4.03 on
    dev-x's downlink. mosquitto_rr subscribes to the downlink and publishes
    in one connection (one identity has one connection, see
    client_id_takeover)."""
    Env = need_mqtt(bin_dir)
    from sirocco_server_lib import CONTENT_FORMAT, URI_PATH, URI_QUERY, coap_code
    with Setup() as s, Env(bin_dir, "mqtt-sec-ep") as env:
        srv = server_over_tls(s, env)

        def register(ep, token):
            opts = [(URI_PATH, "rd"), (URI_QUERY, "ep=" + ep), (URI_QUERY, "lt=60"),
                    (URI_QUERY, "lwm2m=1.1"), (URI_QUERY, "b=M"), (CONTENT_FORMAT, 40)]
            msg = compact(coap_code(0, 2), opts, b"</1/0>,</3/0>", token=token)
            # mosquitto_rr 2.0.11 has no -f: the message goes in argv (no NUL in it).
            check(b"\0" not in msg, "no NUL in the Register")
            argv = (["mosquitto_rr"] + s.args("dev-x") +
                    ["-V", "mqttv311", "-t", up("dev-x"), "-e", down("dev-x"), "-m", msg,
                     "-F", "%t %x", "-W", "10"])
            r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            check(r.returncode == 0, "%r: exit %d: %s %s" % (argv, r.returncode, r.stdout,
                                                             r.stderr))
            topic, hexp = r.stdout.strip().split(" ", 1)
            check(topic == down("dev-x"), "the answer on dev-x's downlink: %r" % r.stdout)
            msg = bytes.fromhex(hexp)
            tkl = msg[0] & 0x0F
            check(msg[0] >> 4 == 0 and msg[2:2 + tkl] == token,
                  "a compact-framed answer with our token: %s" % hexp)
            return msg[1]

        code = register("dev-b", b"\x0b\x0b\x0b\x0b")
        check(code == coap_code(4, 3), "Register ep=dev-b on dev-x's topic: 4.03, got %d.%02d" %
              (code >> 5, code & 31))
        check(not srv.log_events("registered", ep="dev-b"), "dev-b is not registered")
        # The same message with its own name: 2.01 Created.
        code = register("dev-x", b"\x0a\x0a\x0a\x0a")
        check(code == coap_code(2, 1), "Register ep=dev-x on its own topic: 2.01, got %d.%02d" %
              (code >> 5, code & 31))
        srv.wait_log("registered", ep="dev-x")


CASES = {
    "subscribe_other_downlink": case_subscribe_other_downlink,
    "publish_other_uplink": case_publish_other_uplink,
    "client_id_takeover": case_client_id_takeover,
    "foreign_ca": case_foreign_ca,
    "no_credentials": case_no_credentials,
    "dev_listener": case_dev_listener,
    "shared_subscription": case_shared_subscription,
    "broker_restart": case_broker_restart,
    "mqtts_register": case_mqtts_register,
    "register_other_ep": case_register_other_ep,
}


def run(cases, argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    bin_dir = argv[1]
    names = argv[2:] or list(cases)
    failed = []
    skipped = []
    for name in names:
        if name not in cases:
            sys.stderr.write("unknown case %s\n" % name)
            return 2
        t0 = time.monotonic()
        try:
            cases[name](bin_dir)
            print("PASS %s (%.1f s)" % (name, time.monotonic() - t0))
        except Skip as e:
            skipped.append(name)
            print("SKIP %s: %s" % (name, e))
        except Exception as e:  # noqa: BLE001 (report every failure)
            failed.append(name)
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        sys.stdout.flush()
    if failed:
        return 1
    return 77 if skipped else 0  # ctest SKIP_RETURN_CODE


if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
