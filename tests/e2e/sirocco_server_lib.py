"""Helpers of the sirocco-server end-to-end tests (Python 3 stdlib only).

sirocco-server and sirocco-client run as child processes on 127.0.0.1 with
ports chosen by the OS (port 0; the server prints the ports it bound); a
temporary folder holds the data dir and the logs and is removed at the end;
every child is killed at the end, whatever happens. Everything waits with a
deadline (no test can hang: ctest also has a TIMEOUT).
"""

import http.client
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


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


class Env:
    """One test's temp folder and children; use as a context manager."""

    def __init__(self, bin_dir, name):
        self.bin_dir = bin_dir
        self.dir = tempfile.mkdtemp(prefix="sirocco-e2e-%s-" % name)
        self.children = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for c in self.children:
            c.kill()
        # A sanitizer report (ASan/UBSan/LSan builds) in any child fails the test.
        reports = [c.name for c in self.children
                   if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", c.stderr())]
        if exc[0] is not None or reports:
            for c in self.children:
                c.dump()
        shutil.rmtree(self.dir, ignore_errors=True)
        if exc[0] is None and reports:
            raise TestFailure("sanitizer report in the output of %s" % ", ".join(reports))
        return False

    def server(self, *args, name="server", data_dir=None, coap_port=0, http_port=0,
               store="sqlite", extra=()):
        s = Server(self, name, data_dir or os.path.join(self.dir, "data"), coap_port,
                   http_port, store, list(extra) + list(args))
        self.children.append(s)
        return s

    def client(self, endpoint, server, *args, name=None):
        c = Client(self, name or endpoint, endpoint, server, list(args))
        self.children.append(c)
        return c


class Child:
    def __init__(self, env, name, argv, stdin=False):
        self.env = env
        self.name = name
        self.out_path = os.path.join(env.dir, name + ".out")
        self.err_path = os.path.join(env.dir, name + ".err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err)

    def stdout(self):
        with open(self.out_path, "r", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure("%s did not exit within %.1f s" % (self.name, timeout))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for f in (self.out, self.err):
            if not f.closed:
                f.close()
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def dump(self):
        sys.stderr.write("---- %s: %s\n" % (self.name, " ".join(self.argv)))
        sys.stderr.write("---- %s stdout:\n%s\n" % (self.name, self.stdout()[-6000:]))
        sys.stderr.write("---- %s stderr:\n%s\n" % (self.name, self.stderr()[-6000:]))


class Server(Child):
    def __init__(self, env, name, data_dir, coap_port, http_port, store, args):
        argv = [os.path.join(env.bin_dir, "sirocco-server"), "--coap-address", "127.0.0.1",
                "--coap-port", str(coap_port), "--http-address", "127.0.0.1", "--http-port",
                str(http_port), "--store", store, "--data-dir", data_dir] + args
        super().__init__(env, name, argv)
        self.data_dir = data_dir
        m = wait_for(lambda: self._listening(), 10, name + " to print its ports")
        self.coap_port = int(m.group(1))
        self.http_port = int(m.group(2)) if m.group(2) else None
        self.base = "http://127.0.0.1:%d" % self.http_port if self.http_port else None

    def _listening(self):
        if not self.alive():
            raise TestFailure("%s exited with %s at start: %s" %
                              (self.name, self.proc.returncode, self.stderr()[-2000:]))
        return re.search(r"listening coap=udp://[^ ]*:(\d+) http=(?:http://[^ ]*:(\d+)|disabled)",
                         self.stdout())

    @property
    def coap_uri(self):
        return "coap://127.0.0.1:%d" % self.coap_port

    def log_events(self, event, **fields):
        """Log lines with event=<event> and these key=value fields."""
        out = []
        for line in self.stderr().splitlines():
            if " event=%s " % event not in line + " ":
                continue
            if all(" %s=%s" % (k, v) in line or " %s=\"%s\"" % (k, v) in line
                   for k, v in fields.items()):
                out.append(line)
        return out

    def wait_log(self, event, timeout=10, count=1, **fields):
        return wait_for(lambda: len(self.log_events(event, **fields)) >= count and
                        self.log_events(event, **fields), timeout,
                        "%s log event=%s %s" % (self.name, event, fields))

    # --- HTTP ---------------------------------------------------------------
    def http(self, method, path, body=None, timeout=15, headers=None):
        """(status, parsed JSON or text). `body`: dict/list (sent as JSON) or str."""
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
            else:
                data = body.encode() if isinstance(body, str) else body
                hdrs.setdefault("Content-Type", "text/plain")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        text = raw.decode(errors="replace")
        if "json" in ctype and text:
            try:
                return status, json.loads(text)
            except ValueError:
                raise TestFailure("%s %s: body is not JSON: %r" % (method, path, text[:300]))
        return status, text

    def get(self, path, **kw):
        return self.http("GET", path, **kw)

    def events(self, query=""):
        return EventStream(self.base + "/api/event" + query)


class Client(Child):
    def __init__(self, env, name, endpoint, server, args):
        uri = server if isinstance(server, str) else server.coap_uri
        argv = [os.path.join(env.bin_dir, "sirocco-client"), "--endpoint", endpoint, "--server",
                uri, "--interactive"] + args
        super().__init__(env, name, argv, stdin=True)
        self.endpoint = endpoint

    def command(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def wait_output(self, text, timeout=10, count=1):
        return wait_for(lambda: self.stdout().count(text) >= count, timeout,
                        "%s to print %r" % (self.name, text))


class EventStream:
    """A server-sent events reader on a thread: events land in a queue."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.conn.request("GET", u.path + ("?" + u.query if u.query else ""),
                          headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise TestFailure("GET /api/event: status %d" % self.resp.status)
        self.q = queue.Queue()
        self.seen = []
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        name, data = None, []
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    return
                line = line.decode(errors="replace").rstrip("\r\n")
                if line == "":
                    if data or name:
                        self.q.put((name or "message", "\n".join(data)))
                    name, data = None, []
                elif line.startswith(":"):
                    continue
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])
        except Exception:
            return

    def wait(self, name, pred=None, timeout=10):
        """The first event `name` (whose JSON data satisfies pred) not seen before."""
        deadline = time.monotonic() + timeout
        for i, (n, d) in enumerate(self.seen):
            if n == name and (pred is None or pred(d)):
                del self.seen[i]
                return d
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("no SSE event %s within %.1f s (others: %s)" %
                                  (name, timeout, [n for n, _ in self.seen][-20:]))
            try:
                n, d = self.q.get(timeout=left)
            except queue.Empty:
                continue
            try:
                d = json.loads(d)
            except ValueError:
                pass
            if n == name and (pred is None or pred(d)):
                return d
            self.seen.append((n, d))

    def names(self):
        while True:
            try:
                n, d = self.q.get_nowait()
            except queue.Empty:
                break
            self.seen.append((n, d))
        return [n for n, _ in self.seen]

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        self.conn.close()


# --- raw CoAP (RFC 7252) ------------------------------------------------------
CON, NON, ACK, RST = 0, 1, 2, 3
URI_PATH, CONTENT_FORMAT, URI_QUERY = 11, 12, 15


def coap_encode(code, options, payload=b"", mid=None, token=None, mtype=CON):
    """options: list of (number, bytes|str|int), in any order."""
    mid = random.randrange(65536) if mid is None else mid
    token = os.urandom(4) if token is None else token
    out = bytearray([0x40 | (mtype << 4) | len(token), code, mid >> 8, mid & 255])
    out += token
    last = 0
    for num, val in sorted(options, key=lambda o: o[0]):
        if isinstance(val, str):
            val = val.encode()
        elif isinstance(val, int):
            val = val.to_bytes((val.bit_length() + 7) // 8, "big") if val else b""
        delta, length = num - last, len(val)
        last = num

        def nib(v):
            if v < 13:
                return v, b""
            if v < 269:
                return 13, bytes([v - 13])
            return 14, struct.pack(">H", v - 269)

        dn, dx = nib(delta)
        ln, lx = nib(length)
        out.append((dn << 4) | ln)
        out += dx + lx + val
    if payload:
        out.append(0xFF)
        out += payload
    return bytes(out)


def coap_code(cls, detail):
    return (cls << 5) | detail


def code_text(c):
    return "%d.%02d" % (c >> 5, c & 31)


class RawCoap:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.dest = ("127.0.0.1", port)

    def send(self, data):
        self.sock.sendto(data, self.dest)

    def request(self, code, options, payload=b""):
        """Sends a CON request, returns (code text, payload) of the piggybacked answer."""
        token = os.urandom(4)
        mid = random.randrange(65536)
        self.send(coap_encode(code, options, payload, mid=mid, token=token))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                data, _ = self.sock.recvfrom(2048)
            except socket.timeout:
                break
            if len(data) >= 4 and data[2:4] == struct.pack(">H", mid):
                tkl = data[0] & 15
                body = b""
                i = data.find(b"\xff", 4 + tkl)
                if i >= 0:
                    body = data[i + 1:]
                return code_text(data[1]), body
        raise TestFailure("no CoAP answer within 5 s")

    def register(self, queries, payload=b"</1/0>,</3/0>", content_format=40):
        opts = [(URI_PATH, "rd")] + [(URI_QUERY, q) for q in queries]
        if content_format is not None:
            opts.append((CONTENT_FORMAT, content_format))
        return self.request(coap_code(0, 2), opts, payload)

    def close(self):
        self.sock.close()


def run(cases, argv):
    """Runs the case named argv[2] (all when absent) with bin dir argv[1]."""
    bin_dir = argv[1]
    names = argv[2:] or list(cases)
    for n in names:
        t0 = time.monotonic()
        try:
            cases[n](bin_dir)
        except TestFailure as e:
            print("FAIL %s: %s" % (n, e))
            return 1
        print("ok %s (%.1f s)" % (n, time.monotonic() - t0))
    return 0
