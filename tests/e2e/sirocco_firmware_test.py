#!/usr/bin/env python3
"""Firmware pull end to end (issue 7): sirocco-server --firmware-dir serves a
random 4 MiB image; sirocco-client --firmware-dir pulls it over mq2m:// (an
MQTT device, mosquitto started on a free port) or coap:// (a UDP device) in
1024-byte blocks after a REST write of /5/0/1; the image's SHA-256 is
checked, then Execute /5/0/2 gives Update Result 1 and State Idle. Also:
kill -9 of the client half-way and a restart resumes (the server's
sirocco_firmware_blocks_total shows at most a few blocks fetched twice); a
broker restart half-way completes; a wrong size gives 5, an unknown path 7.

usage: sirocco_firmware_test.py BIN_DIR [case...]   (all cases when none given)
"""

import hashlib
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sirocco_server_lib import Env, TestFailure, check, run, wait_for  # noqa: E402
from mosquitto_fixture import Mosquitto  # noqa: E402

IMAGE_SIZE = 4 << 20
BLOCK = 1024


def make_image(env, name="img.bin", size=IMAGE_SIZE):
    d = os.path.join(env.dir, "images")
    os.makedirs(d, exist_ok=True)
    data = os.urandom(size)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
    return d, hashlib.sha256(data).hexdigest()


def fw_client(env, ep, server_uri, name=None, delay_ms=0):
    d = os.path.join(env.dir, "device-" + ep)
    c = env.client(ep, server_uri, "--firmware-dir", d, "--fw-block-size", str(BLOCK),
                   "--fw-block-delay", str(delay_ms), name=name)
    c.fw_dir = d
    return c


def read_value(srv, ep, path):
    st, body = srv.get("/api/clients/%s%s" % (ep, path))
    if st != 200 or not isinstance(body, dict) or "content" not in body:
        return None
    v = body["content"].get("value")
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


def write_uri(srv, ep, uri):
    st, body = srv.http("PUT", "/api/clients/%s/5/0/1" % ep,
                        {"id": 1, "kind": "singleResource", "type": "STRING", "value": uri})
    check(st == 200, "PUT /5/0/1 %s: %s %s" % (uri, st, body))


def blocks_served(srv):
    st, text = srv.get("/metrics")
    check(st == 200, "GET /metrics")
    n = 0
    for line in str(text).splitlines():
        m = re.match(r'sirocco_firmware_blocks_total\{[^}]*\} ([0-9.e+]+)', line)
        if m:
            n += int(float(m.group(1)))
    return n


def part_size(c):
    for name in ("firmware.part", "firmware.bin"):
        p = os.path.join(c.fw_dir, name)
        if os.path.exists(p):
            return os.path.getsize(p)
    return 0


def wait_downloaded(srv, c, timeout=300):
    def done():
        if not c.alive():
            raise TestFailure("%s exited: %s" % (c.name, c.stderr()[-2000:]))
        if "fw_download_failed" in c.stdout():
            raise TestFailure("download failed: %s" % c.stdout()[-2000:])
        return "fw_download_done" in c.stdout()
    wait_for(done, timeout, c.name + " to download the image", interval=0.2)
    check(read_value(srv, c.endpoint, "/5/0/3") == 2, "State Downloaded")


def finish_update(srv, c, sha):
    with open(os.path.join(c.fw_dir, "firmware.bin"), "rb") as f:
        got = hashlib.sha256(f.read()).hexdigest()
    check(got == sha, "SHA-256 of the client's image %s != %s" % (got, sha))
    st, body = srv.http("POST", "/api/clients/%s/5/0/2" % c.endpoint)
    check(st == 200, "Execute /5/0/2: %s %s" % (st, body))
    wait_for(lambda: read_value(srv, c.endpoint, "/5/0/5") == 1, 10, "Update Result 1")
    check(read_value(srv, c.endpoint, "/5/0/3") == 0, "State Idle after the update")


def full_transfer(env, srv, c, uri, sha, label):
    srv.wait_log("registered", ep=c.endpoint, timeout=15)
    t0 = time.monotonic()
    write_uri(srv, c.endpoint, uri)
    wait_downloaded(srv, c)
    secs = time.monotonic() - t0
    finish_update(srv, c, sha)
    print("figure %s: %d bytes in %.2f s = %.0f KiB/s" %
          (label, IMAGE_SIZE, secs, IMAGE_SIZE / 1024 / secs))
    n = blocks_served(srv)
    check(n == IMAGE_SIZE // BLOCK, "blocks served %d != %d" % (n, IMAGE_SIZE // BLOCK))
    check(len(srv.log_events("firmware_transfer_start", file="img.bin")) == 1,
          "one firmware_transfer_start line")
    check(len(srv.log_events("firmware_transfer_end", file="img.bin")) == 1,
          "one firmware_transfer_end line")


def case_coap(bin_dir):
    with Env(bin_dir, "fw-coap") as env:
        images, sha = make_image(env)
        srv = env.server("--firmware-dir", images, store="memory")
        c = fw_client(env, "fw-udp", srv.coap_uri)
        full_transfer(env, srv, c, "coap://127.0.0.1:%d/fw/img.bin?size=%d" %
                      (srv.coap_port, IMAGE_SIZE), sha, "coap:// over UDP")


def case_mq2m(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "fw-mq2m") as env:
        images, sha = make_image(env)
        srv = env.server("--firmware-dir", images, "--mqtt", broker.url("lwm2m/"), store="memory")
        c = fw_client(env, "fw-mqtt", broker.url("lwm2m/"))
        full_transfer(env, srv, c, "mq2m://server/img.bin?size=%d" % IMAGE_SIZE, sha,
                      "mq2m:// over MQTT")


def case_mq2m_kill_resume(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "fw-kill") as env:
        images, sha = make_image(env)
        srv = env.server("--firmware-dir", images, "--mqtt", broker.url("lwm2m/"), store="memory")
        c = fw_client(env, "fw-kill", broker.url("lwm2m/"), name="client1", delay_ms=1)
        srv.wait_log("registered", ep="fw-kill", timeout=15)
        write_uri(srv, "fw-kill", "mq2m://server/img.bin?size=%d" % IMAGE_SIZE)
        wait_for(lambda: part_size(c) >= IMAGE_SIZE // 2, 120, "half of the image")
        c.kill()  # SIGKILL: no cleanup, no de-registration
        before = blocks_served(srv)
        c2 = fw_client(env, "fw-kill", broker.url("lwm2m/"), name="client2")
        wait_for(lambda: "fw_download_resume" in c2.stdout(), 30, "the client to resume")
        wait_downloaded(srv, c2)
        finish_update(srv, c2, sha)
        n = blocks_served(srv)
        twice = n - IMAGE_SIZE // BLOCK
        print("blocks served %d (at the kill %d): %d fetched twice" % (n, before, twice))
        check(0 <= twice <= 3, "at most 3 blocks fetched twice, got %d" % twice)


def case_mq2m_broker_restart(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "fw-broker") as env:
        images, sha = make_image(env)
        srv = env.server("--firmware-dir", images, "--mqtt", broker.url("lwm2m/"), store="memory")
        c = fw_client(env, "fw-broker", broker.url("lwm2m/"), delay_ms=1)
        srv.wait_log("registered", ep="fw-broker", timeout=15)
        write_uri(srv, "fw-broker", "mq2m://server/img.bin?size=%d" % IMAGE_SIZE)
        wait_for(lambda: part_size(c) >= IMAGE_SIZE // 2, 120, "half of the image")
        broker.restart(down_for=1.0)
        wait_downloaded(srv, c, timeout=300)
        finish_update(srv, c, sha)
        check("fw_download_retry" in c.stdout(), "the client retried after the broker loss")


def case_errors(bin_dir):
    with Mosquitto() as broker, Env(bin_dir, "fw-errors") as env:
        images, _ = make_image(env, size=5000)
        srv = env.server("--firmware-dir", images, "--mqtt", broker.url("lwm2m/"), store="memory")
        m = fw_client(env, "fw-err-mqtt", broker.url("lwm2m/"))
        u = fw_client(env, "fw-err-udp", srv.coap_uri)
        srv.wait_log("registered", ep="fw-err-mqtt", timeout=15)
        srv.wait_log("registered", ep="fw-err-udp", timeout=15)
        coap_base = "coap://127.0.0.1:%d/fw/" % srv.coap_port
        for c, wrong, unknown in (
                (m, "mq2m://server/img.bin?size=4999", "mq2m://server/nothing.bin?size=10"),
                (u, coap_base + "img.bin?size=5001", coap_base + "nothing.bin")):
            write_uri(srv, c.endpoint, wrong)
            wait_for(lambda: read_value(srv, c.endpoint, "/5/0/5") == 5, 15,
                     "%s: Update Result 5 for a wrong size" % c.endpoint)
            check(read_value(srv, c.endpoint, "/5/0/3") == 0, "State Idle after a failure")
            write_uri(srv, c.endpoint, unknown)
            wait_for(lambda: read_value(srv, c.endpoint, "/5/0/5") == 7, 15,
                     "%s: Update Result 7 for an unknown path" % c.endpoint)
            check(read_value(srv, c.endpoint, "/5/0/3") == 0, "State Idle after a failure")
        check(srv.log_events("firmware_refused", file="nothing.bin"), "the refusal is logged")


CASES = {
    "coap": case_coap,
    "mq2m": case_mq2m,
    "mq2m_kill_resume": case_mq2m_kill_resume,
    "mq2m_broker_restart": case_mq2m_broker_restart,
    "errors": case_errors,
}

if __name__ == "__main__":
    sys.exit(run(CASES, sys.argv))
