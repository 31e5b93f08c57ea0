"""A mosquitto broker for the MQTT tests (Python 3 stdlib only).

Starts the Debian mosquitto (2.0) on 127.0.0.1 on a free port with a config
written into a temp folder, waits until it accepts TCP connections, stops it
(SIGTERM, then SIGKILL), restarts it on the same port (broker-restart tests)
and removes the folder at the end. Use it as a context manager:

    from mosquitto_fixture import Mosquitto, make_test_certs

    with Mosquitto() as broker:                     # plain, anonymous
        url = broker.url("lwm2m/")                 # mqtt://127.0.0.1:PORT/lwm2m/
        ...
        broker.restart()                           # same port, sessions lost
        print(broker.log_path)                     # mosquitto's own log

    with tempfile.TemporaryDirectory() as d:
        certs = make_test_certs(d, ["dev-a", "dev-b"])   # config/mosquitto/make-test-certs
        with Mosquitto(certs=certs, auth="certificate", acl=True) as broker:
            url = broker.url("lwm2m/")             # mqtts://127.0.0.1:PORT/lwm2m/
            broker.client_args("dev-a")            # mosquitto_sub/pub TLS arguments

    # the repository's production config, with its paths and ports rewritten:
    with Mosquitto.from_repo_conf(certs) as broker:
        broker.port          # the TLS listener (8883 in the file)
        broker.ports[1883]   # the plain development listener

Arguments of Mosquitto():
  certs      a TestCerts (make_test_certs) for a TLS listener, or None (plain)
  auth       "anonymous" (default without certs), "certificate" (each client
             shows a certificate of the test CA; its CN becomes its user name),
             "password" (password_file, see make_password_file), or
             "certificate+password" (TLS with require_certificate false and a
             password file)
  acl        False, True (the repository's config/mosquitto/acl) or a path
  password_file  the file for auth "password"
  port       0 (free port, default) or a fixed one
  persistence    keep sessions across restart() (persistence file in the folder)
  extra      more config lines (global part, before the listener)
  listener_extra more lines after the listener line (TLS/auth options)

With the repository's conf (use_username_as_clientid), one identity has
one connection: a second one with the same certificate or user throws the
first off. Import with sys.dont_write_bytecode = True (no __pycache__ in
the source tree).

A test must not need anything of this module but the class and the two
helpers; the class never leaves a process or a folder behind (__exit__, and
an atexit hook for a test that forgets the context manager).
"""

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG_DIR = os.path.join(REPO_DIR, "config", "mosquitto")
REPO_ACL = os.path.join(CONFIG_DIR, "acl")
REPO_CONF = os.path.join(CONFIG_DIR, "mosquitto.conf")
MAKE_TEST_CERTS = os.path.join(CONFIG_DIR, "make-test-certs")
MAKE_PASSWORD_FILE = os.path.join(CONFIG_DIR, "make-password-file")
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

_live = []


def _cleanup_all():
    for b in list(_live):
        b.close()


atexit.register(_cleanup_all)


class BrokerError(Exception):
    pass


def free_port():
    """A TCP port free on 127.0.0.1 right now (the OS's choice)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class TestCerts:
    """The files written by config/mosquitto/make-test-certs into `dir`."""

    def __init__(self, dir, endpoints, server_cn="sirocco-server"):
        self.dir = dir
        self.endpoints = list(endpoints)
        self.server_cn = server_cn
        self.ca = os.path.join(dir, "ca.crt")
        self.broker_cert = os.path.join(dir, "broker.crt")
        self.broker_key = os.path.join(dir, "broker.key")
        self.server_cert = os.path.join(dir, "server.crt")
        self.server_key = os.path.join(dir, "server.key")
        self.foreign_ca = os.path.join(dir, "foreign-ca.crt")

    def device(self, ep):
        """(cert, key) of the device `ep`, signed by the test CA."""
        return (os.path.join(self.dir, "devices", ep + ".crt"),
                os.path.join(self.dir, "devices", ep + ".key"))

    def foreign(self, ep):
        """(cert, key) with CN `ep` signed by another CA (foreign-ca.crt)."""
        return (os.path.join(self.dir, "foreign", ep + ".crt"),
                os.path.join(self.dir, "foreign", ep + ".key"))


def make_test_certs(dir, endpoints, server_cn="sirocco-server"):
    """Runs config/mosquitto/make-test-certs: a CA, the broker's certificate
    (127.0.0.1, localhost), the server's (CN server_cn), one per endpoint
    (CN = endpoint), and the same endpoints under a foreign CA."""
    r = subprocess.run([MAKE_TEST_CERTS, "--server-cn", server_cn, dir] + list(endpoints),
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise BrokerError("make-test-certs failed (%d): %s" % (r.returncode, r.stderr))
    return TestCerts(dir, endpoints, server_cn)


def make_password_file(path, users):
    """Writes a mosquitto password file for {user: password} with
    config/mosquitto/make-password-file (mosquitto_passwd)."""
    args = [MAKE_PASSWORD_FILE, path] + ["%s:%s" % (u, p) for u, p in users.items()]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise BrokerError("make-password-file failed (%d): %s" % (r.returncode, r.stderr))
    return path


class Mosquitto:
    def __init__(self, certs=None, auth=None, acl=False, password_file=None, port=0,
                 persistence=False, extra=(), listener_extra=(), name="mosquitto",
                 conf_text=None, ports=None):
        self.certs = certs
        self.auth = auth or "anonymous"
        if self.auth not in ("anonymous", "certificate", "password", "certificate+password"):
            raise ValueError("auth: anonymous, certificate, password or certificate+password")
        if "certificate" in self.auth and certs is None:
            raise ValueError("auth %s needs certs" % self.auth)
        if self.auth in ("password", "certificate+password") and not password_file:
            raise ValueError("auth %s needs password_file" % self.auth)
        self.acl = REPO_ACL if acl is True else (acl or None)
        self.password_file = password_file
        self.persistence = persistence
        self.extra = list(extra)
        self.listener_extra = list(listener_extra)
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="sirocco-mosquitto-")
        self.conf_path = os.path.join(self.dir, "mosquitto.conf")
        self.log_path = os.path.join(self.dir, "mosquitto.log")
        self.out_path = os.path.join(self.dir, "mosquitto.out")
        self.proc = None
        self._conf_text = conf_text  # from_repo_conf: a rewritten file
        self.ports = dict(ports or {})
        self.port = port or (self.ports.get(8883) if self.ports else 0)
        self.starts = 0
        _live.append(self)

    # --- the repository's config ------------------------------------------
    @classmethod
    def from_repo_conf(cls, certs, conf=REPO_CONF, **kw):
        """mosquitto with config/mosquitto/mosquitto.conf itself: its paths
        /etc/mosquitto/sirocco/X become the test's files (the CA, broker
        certificate and key of `certs`, the repository's acl, the given
        password_file), every `listener N [addr]` line gets a free port on
        127.0.0.1 (self.ports[N]; self.port is the 8883 one) and the log goes
        to the temp folder."""
        with open(conf) as f:
            text = f.read()
        ports = {}

        def listener(m):
            p = free_port()
            ports[int(m.group(1))] = p
            return "listener %d 127.0.0.1" % p

        text = re.sub(r"^listener\s+(\d+)(?:\s+\S+)?\s*$", listener, text, flags=re.M)
        files = {"ca.crt": certs.ca, "broker.crt": certs.broker_cert,
                 "broker.key": certs.broker_key, "acl": REPO_ACL,
                 "passwords": kw.pop("password_file", None) or os.devnull}
        text = re.sub(r"/etc/mosquitto/sirocco/([A-Za-z0-9_.-]+)",
                      lambda m: files.get(m.group(1), m.group(0)), text)
        # Logging and the process user are the fixture's business.
        text = re.sub(r"^(log_dest|log_type|user|pid_file|persistence_location)\b.*$", "",
                      text, flags=re.M)
        return cls(certs=certs, auth="certificate", conf_text=text, ports=ports, **kw)

    # --- config -------------------------------------------------------------
    def _config(self):
        head = ["# written by tests/e2e/mosquitto_fixture.py",
                "log_dest file %s" % self.log_path,
                "log_type all",
                "connection_messages true",
                "log_timestamp true",
                "log_timestamp_format %Y-%m-%dT%H:%M:%S"]
        if os.geteuid() == 0:
            head.append("user root")  # stay root: the temp files are 0700
        if self.persistence:
            head += ["persistence true", "persistence_location %s/" % self.dir,
                     "autosave_interval 1"]
        else:
            head.append("persistence false")
        if self._conf_text is not None:
            # After the file (its first line is per_listener_settings): the
            # global settings above may come anywhere.
            return self._conf_text + "\n" + "\n".join(head + self.extra) + "\n"
        lines = head + ["per_listener_settings false"]
        lines.append("allow_anonymous %s" % ("true" if self.auth == "anonymous" else "false"))
        if self.password_file:
            lines.append("password_file %s" % self.password_file)
        if self.acl:
            lines.append("acl_file %s" % self.acl)
        lines += self.extra
        lines.append("listener %d 127.0.0.1" % self.port)
        if self.certs is not None:
            lines += ["cafile %s" % self.certs.ca, "certfile %s" % self.certs.broker_cert,
                      "keyfile %s" % self.certs.broker_key]
            if self.auth == "certificate":
                lines += ["require_certificate true", "use_identity_as_username true"]
        lines += self.listener_extra
        return "\n".join(lines) + "\n"

    # --- life -------------------------------------------------------------
    def start(self, timeout=10):
        """Starts mosquitto (on self.port once it has one) and waits until
        every listener accepts TCP connections."""
        if self.proc is not None and self.proc.poll() is None:
            raise BrokerError("mosquitto already running")
        fixed = bool(self.port)
        for attempt in range(5):
            if not fixed:
                self.port = free_port()
            with open(self.conf_path, "w") as f:
                f.write(self._config())
            out = open(self.out_path, "ab")
            self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf_path], stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT)
            out.close()
            self.starts += 1
            deadline = time.monotonic() + timeout
            ports = set(self.ports.values()) | {self.port}
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if all(_accepts(p) for p in ports):
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self._kill()
                raise BrokerError("mosquitto did not listen on %s within %.0f s: %s" %
                                  (sorted(ports), timeout, self.log_tail()))
            # Exited: the port was taken in the meantime (retry another) or
            # the config is wrong (report).
            text = self.log_tail()
            if fixed or "Address already in use" not in text:
                raise BrokerError("mosquitto exited with %s: %s" % (self.proc.returncode, text))
        raise BrokerError("mosquitto: no free port after 5 attempts")

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL after `timeout` s. Returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return self._kill()

    def kill(self):
        """SIGKILL (a broker crash)."""
        return self._kill()

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        return self.proc.returncode if self.proc else None

    def restart(self, down_for=0.0, timeout=10):
        """stop(), wait `down_for` s, start() on the same port(s)."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        # The port may sit in TIME_WAIT; mosquitto sets SO_REUSEADDR, but
        # retry a little in case another process grabbed it.
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.start(timeout=timeout)
            except BrokerError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        self._kill()
        if self in _live:
            _live.remove(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        if exc[0] is not None:
            import sys
            sys.stderr.write("---- %s log (%s):\n%s\n" % (self.name, self.log_path,
                                                       self.log_tail(8000)))
        self.close()
        return False

    # --- what the tests need ----------------------------------------------
    @property
    def tls(self):
        return self.certs is not None

    def url(self, root="lwm2m/", port=None, tls=None):
        """mqtt[s]://127.0.0.1:PORT/root for sirocco-server --mqtt and
        sirocco-client --server. `port`: another listener, plain unless `tls`
        (from_repo_conf: ports[8884] is TLS, ports[1883] plain)."""
        port = port or self.port
        if tls is None:
            tls = self.tls and port == self.port
        scheme = "mqtts" if tls else "mqtt"
        return "%s://127.0.0.1:%d/%s" % (scheme, port, root)

    def log_text(self):
        text = ""
        for p in (self.out_path, self.log_path):
            try:
                with open(p, "r", errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def log_tail(self, n=3000):
        return self.log_text()[-n:]

    def client_args(self, identity=None, foreign=False, user=None, password=None, port=None,
                    tls=None):
        """Arguments for mosquitto_sub/mosquitto_pub: host and port; with TLS
        --cafile and, when `identity` is given and clients show certificates,
        its certificate and key (an endpoint of the certs, or "server" for the
        server's; `foreign`: the one of the foreign CA with that CN); -u/-P
        when `user`/`password` are given. `port`: another listener, plain
        unless `tls` is True (from_repo_conf: self.ports[8884] is TLS too)."""
        port = port or self.port
        args = ["-h", "127.0.0.1", "-p", str(port)]
        if tls is None:
            tls = self.tls and port == self.port
        if tls:
            args += ["--cafile", self.certs.ca]
            if identity is not None:
                if identity == "server":
                    cert, key = self.certs.server_cert, self.certs.server_key
                elif foreign:
                    cert, key = self.certs.foreign(identity)
                else:
                    cert, key = self.certs.device(identity)
                args += ["--cert", cert, "--key", key]
        if user is not None:
            args += ["-u", user]
        if password is not None:
            args += ["-P", password]
        return args
