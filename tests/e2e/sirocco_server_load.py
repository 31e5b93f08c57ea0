#!/usr/bin/env python3
"""Rough figures for docs/server.md (not a test: nothing is asserted).

usage: sirocco_server_load.py BIN_DIR [DEVICES] [READS]

Starts sirocco-server (SQLite store in a temp folder) and DEVICES
sirocco-client processes on 127.0.0.1, then measures through the REST API
(HTTP/1.1 keep-alive, Python http.client):
  - the time until every device is listed (registration of DEVICES at once);
  - READS sequential reads of /3/0/0 on one device: latency p50 / p99;
  - the same number of reads from 8 threads over all devices: throughput.
"""

import http.client
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sirocco_server_lib import Env, wait_for  # noqa: E402


def main():
    bin_dir = sys.argv[1]
    devices = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    reads = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    with Env(bin_dir, "load") as env:
        srv = env.server("--log-level", "warn")
        t0 = time.monotonic()
        for i in range(devices):
            env.client("load-%03d" % i, srv, "--non-interactive")
        wait_for(lambda: len(srv.get("/api/clients")[1]) == devices, 60, "all registered")
        t_reg = time.monotonic() - t0

        conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
        lat = []
        for _ in range(reads):
            s = time.perf_counter()
            conn.request("GET", "/api/clients/load-000/3/0/0")
            r = conn.getresponse()
            r.read()
            lat.append(time.perf_counter() - s)
            assert r.status == 200
        conn.close()
        lat.sort()

        done = [0]
        lock = threading.Lock()

        def worker(k):
            c = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
            n = 0
            for j in range(reads // 8):
                c.request("GET", "/api/clients/load-%03d/3/0/0" % ((k * 7 + j) % devices))
                r = c.getresponse()
                r.read()
                n += r.status == 200
            c.close()
            with lock:
                done[0] += n

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        s = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        el = time.monotonic() - s
        print("devices %d: all listed after %.2f s" % (devices, t_reg))
        print("sequential reads: %d, p50 %.2f ms, p99 %.2f ms" %
              (reads, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000))
        print("8 threads: %d reads ok in %.2f s = %.0f reads/s" % (done[0], el, done[0] / el))


if __name__ == "__main__":
    main()
