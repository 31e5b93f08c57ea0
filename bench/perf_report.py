"""Renders the results of bench/run_all.py into docs/performance.md.

render(results, command, out_path) returns the new text of the file: the
generated blocks between markers are replaced (or inserted), everything else
in the existing file (hand-written explanations, the flash and footprint
sections, the profile notes) is kept:
  <!-- suite:begin --> ... <!-- suite:end -->   the suite's figures (after the intro)
  <!-- micro:begin --> ... <!-- micro:end -->   micro-benchmark tables (as bench/run-micro)
  <!-- perf:begin -->  ... <!-- perf:end -->    docs/perf/*.md of the components, linked
Python 3 standard library only.
"""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def g(d, *keys, default=None):
    """d[k1][k2]... or default."""
    for k in keys:
        if not isinstance(d, dict) or k not in d or d[k] is None:
            return default
        d = d[k]
    return d


def n0(v):
    return "–" if v is None else "{:,.0f}".format(v)


def n1(v):
    return "–" if v is None else "{:,.1f}".format(v)


def ms(v):
    if v is None:
        return "–"
    return "%.2f" % v if v < 10 else "%.1f" % v if v < 100 else "%.0f" % v


def kb(v):
    return "–" if v is None else "{:,.0f} B".format(v)


def pct(v):
    return "–" if v is None else "%.0f %%" % (100 * v)


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def lat(l):
    """p50 / p90 / p99 / max cells of a latency object (ms)."""
    return [ms(g(l, "p50")), ms(g(l, "p90")), ms(g(l, "p99")), ms(g(l, "max"))]


def table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def errors_text(*dicts):
    merged = {}
    for d in dicts:
        for k, v in (d or {}).items():
            if v:
                merged[k] = merged.get(k, 0) + v
    return ", ".join("%s %s" % (k, n0(v)) for k, v in sorted(merged.items())) or "none"


def goal_row(name, measured_text, ok, miss_text):
    if ok is None:
        return [name, measured_text, "not measured"]
    return [name, measured_text, "**met**" if ok else "**missed**: " + miss_text]


def render_suite(res, command):
    st = res.get("stages", {})
    m = res.get("machine", {})
    L = []
    L.append("## The suite: `bench/run-all`")
    L.append("")
    L.append("Reproduce (builds Release programs into `build-bench/`, runs everything below "
             "on 127.0.0.1, rewrites the generated parts of this file; under 10 minutes on "
             "2 cores):")
    L.append("")
    L.append("```sh\n%s\n```" % command)
    L.append("")
    L.append("Machine: %s cores (`nproc`), %s (`lscpu`), Linux %s. Run %s at commit %s, "
             "%s s in all, load average %s when it started%s. Server, load and devices share "
             "these cores." %
             (m.get("nproc"), m.get("cpu"), m.get("kernel"), m.get("date"), m.get("commit"),
              n0(res.get("elapsed_s")), m.get("loadavg_at_start", "?"),
              " (**--smoke: tiny numbers, the figures mean nothing**)" if res.get("smoke")
              else ""))
    if res.get("nice") is not None:
        L.append("")
        L.append("Every process of the suite ran under `nice -n %s` (ahead of the other work on "
                 "this shared machine)." % res["nice"])
    bufs = []
    for key in ("rmem_max", "wmem_max"):
        if key + "_raised_to" in m:
            bufs.append("net.core.%s raised from %s to %s for the run (restored after)" %
                        (key, n0(m[key]), n0(m[key + "_raised_to"])))
        elif key in m:
            bufs.append("net.core.%s %s" % (key, n0(m[key])))
    if bufs:
        L.append("")
        L.append("UDP socket buffers (sirocco-server asks for 4 MiB; the kernel caps at these): " +
                 "; ".join(bufs) + ".")
    L.append("")
    ceil = st.get("ceilings", {})
    echo = g(ceil, "udp_window", "rt_per_s")
    mq = g(ceil, "mqtt_window", "rt_per_s")
    storms = st.get("storm") or []
    reads = st.get("reads")
    mqtt = st.get("mqtt")

    # --- goals ---------------------------------------------------------------
    L.append("### Goals of issue 9")
    L.append("")
    rows = []
    big = max(storms, key=lambda s: s.get("clients", 0), default=None)
    if big:
        reg = g(big, "fleet", "registered")
        srv = g(big, "server", "metrics", "registrations_now")
        rows.append(goal_row("100,000 devices registered in one sirocco-server",
                             "%s (fleet) / %s (server)" % (n0(reg), n0(srv)),
                             None if reg is None else (reg >= 100000 and (srv or 0) >= 100000),
                             "%s of 100,000" % n0(min(reg or 0, srv or 0))))
        rate = big.get("registrations_per_s")
        rows.append(goal_row("≥ 20,000 registrations/s", "%s/s (%s devices, store %s)" %
                             (n0(rate), n0(big.get("clients")), big.get("store")),
                             None if rate is None else rate >= GOAL_REG_PER_S,
                             "%s/s short (%s of the goal)" %
                             (n0(GOAL_REG_PER_S - (rate or 0)), pct(ratio(rate, GOAL_REG_PER_S)))))
        bpr = big.get("bytes_per_registration")
        rows.append(goal_row("≤ 1 KB server memory per registration", kb(bpr),
                             None if bpr is None else bpr <= 1024,
                             "%s over (%.1f×)" % (kb((bpr or 0) - 1024), (bpr or 0) / 1024)))
        bpd = g(big, "fleet", "memory_per_device_bytes")
        rows.append(goal_row("≤ 4 KB per simulated device", kb(bpd),
                             None if bpd is None else bpd <= 4096,
                             "%s over (%.1f×)" % (kb((bpd or 0) - 4096), (bpd or 0) / 4096)))
    rr = g(reads, "loadgen", "reads", "rt_per_s")
    f = ratio(rr, echo)
    rows.append(goal_row("Read round trips ≥ 40 % of the UDP echo ceiling",
                         "%s/s = %s of %s/s" % (n0(rr), pct(f), n0(echo)),
                         None if f is None else f >= 0.40,
                         "%s of the ceiling, %s points short" %
                         (pct(f), "%.0f" % (40 - 100 * (f or 0)))))
    mr = g(mqtt, "loadgen", "reads", "rt_per_s")
    f = ratio(mr, mq)
    rows.append(goal_row("over MQTT ≥ 80 % of mosquitto's own round-trip rate",
                         "%s/s = %s of %s/s" % (n0(mr), pct(f), n0(mq)),
                         None if f is None else f >= 0.80,
                         "%s of the ceiling, %s points short" %
                         (pct(f), "%.0f" % (80 - 100 * (f or 0)))))
    L.append(table(["goal", "measured", "verdict"], rows, ["---", "---", "---"]))
    L.append("")
    L.append("Where a goal is missed, [Where the time and memory go](#where-the-time-and-memory-go) "
             "below says what bounds it, from a profile.")
    L.append("")

    # --- ceilings ----------------------------------------------------------
    L.append("### Ceilings (measured in the same run)")
    L.append("")
    rows = []
    for key, what, cpu_key in (("udp_window", "UDP echo, closed loop", "server_cpu_s"),
                               ("udp_open", "UDP echo, open loop", "server_cpu_s"),
                               ("mqtt_window", "mosquitto round trip, closed loop", "broker_cpu_s"),
                               ("mqtt_open", "mosquitto round trip, open loop", "broker_cpu_s")):
        c = ceil.get(key)
        if not c:
            continue
        load = ("window %s" % c.get("window")) if c.get("mode") == "window" else \
            "%s/s offered" % n0(c.get("rate_target"))
        peers = c.get("addresses") or c.get("devices")
        rows.append([what, load, n0(peers), n0(c.get("rt_per_s"))] + lat(c.get("latency_ms")) +
                    [n0(ratio(c.get("sent"), c.get(cpu_key))), n0(c.get("lost"))])
    if rows:
        L.append(table(["ceiling", "load", "addresses / devices", "round trips/s", "p50 ms",
                        "p90 ms", "p99 ms", "max ms", "per server CPU-s", "lost"], rows))
        L.append("")
        L.append("The UDP echo is `bench/echo` (one thread, blocking `recvfrom`/`sendto` of the "
                 "same bytes; the client sends from as many 127.x.y.z addresses as the Read "
                 "benchmark has devices, over one socket with `IP_PKTINFO`, as sirocco-fleet "
                 "does). The MQTT ceiling is `bench/mqtt_rtt`: one \"server\" connection "
                 "publishes a request to each device connection's topic and the device "
                 "publishes it back, QoS 0, through a mosquitto started for the run; per CPU-s "
                 "is of the broker. 32-byte payloads.")
    else:
        L.append("Not run.")
    L.append("")

    # --- storms ------------------------------------------------------------
    L.append("### Registration storms (sirocco-server + sirocco-fleet)")
    L.append("")
    rows = []
    for s in storms:
        fl = s.get("fleet", {})
        rows.append(["%s, %s store" % (s.get("transport"), s.get("store")), n0(s.get("clients")),
                     n0(fl.get("registered")), n0(s.get("registrations_per_s")),
                     n0(s.get("registrations_per_server_cpu_s")), n1(fl.get("registration_s"))] +
                    lat(g(fl, "latency_ms", "register")) +
                    [kb(s.get("bytes_per_registration")), kb(fl.get("memory_per_device_bytes")),
                     errors_text(fl.get("errors"))])
    dt = st.get("dtls")
    # The registration phase of the loadgen runs (server in-process): the
    # same storm over each transport.
    for label, r in (("udp (reads run)", reads), ("udp (notify run)", st.get("notify")),
                     ("mqtt", mqtt), ("dtls psk (handshake + Register)", dt)):
        reg = g(r, "loadgen", "registration")
        if not reg:
            continue
        fl = r.get("fleet", {})
        rows.append(["%s, memory store, loadgen" % label, n0(reg.get("expected")),
                     n0(fl.get("registered")), n0(fl.get("registrations_per_s")),
                     n0(reg.get("registrations_per_cpu_s")), n1(fl.get("registration_s"))] +
                    lat(g(fl, "latency_ms", "register")) +
                    ["%s (heap %s)" % (kb(reg.get("rss_per_registration")),
                                       kb(reg.get("heap_per_registration"))),
                     kb(fl.get("memory_per_device_bytes")),
                     errors_text(fl.get("errors"))])
    if rows:
        L.append(table(["storm", "devices", "registered", "registrations/s",
                        "per server CPU-s", "seconds", "p50 ms", "p90 ms", "p99 ms", "max ms",
                        "server memory / registration", "fleet memory / device", "errors"], rows))
        L.append("")
        L.append("Registrations/s is the fleet's (first Register sent to the last 2.01); latency "
                 "from a device's first Register to its 2.01 (retransmissions included). Server "
                 "memory per registration: growth of sirocco-server's VmRSS over the storm / "
                 "registered. Fleet memory per device: the fleet's own measure (RSS growth / N). "
                 "Per server CPU-s: registrations / (utime + stime of sirocco-server over the "
                 "storm, /proc/PID/stat). Rows marked loadgen are the registration phase of the "
                 "later runs, where the server is sirocco-loadgen (server_runner in-process): "
                 "per CPU-s of its core thread, memory = its VmRSS growth / registered (the "
                 "MQTT and DTLS transports' state included).")
    else:
        L.append("Not run.")
    L.append("")

    # --- reads -------------------------------------------------------------
    L.append("### Read round trips through the server API")
    L.append("")
    rows = []
    for label, r, ceiling in (("UDP", reads, echo), ("MQTT", mqtt, mq), ("DTLS (PSK)", dt, echo)):
        if not r:
            continue
        lg = r.get("loadgen", {})
        for key in ("reads", "reads_open"):
            x = lg.get(key)
            if not x:
                continue
            load = ("window %s" % x.get("window")) if x.get("mode") == "window" else \
                "%s/s offered" % n0(x.get("rate_target"))
            rows.append([label, n0(x.get("devices")), load, n0(x.get("rt_per_s")),
                         pct(ratio(x.get("rt_per_s"), ceiling)) if x.get("mode") == "window"
                         else ""] + lat(x.get("latency_ms")) +
                        [n0(x.get("rt_per_core_cpu_s")), errors_text(x.get("errors"))])
    if rows:
        L.append(table(["transport", "devices", "load", "reads/s", "of its ceiling", "p50 ms",
                        "p90 ms", "p99 ms", "max ms", "per server CPU-s", "errors"], rows))
        L.append("")
        L.append("`bench/loadgen` (sirocco-loadgen) runs `runtime::server_runner` (sirocco-server's "
                 "core: socket, engine, store, metrics) in-process and calls "
                 "`device_manager::submit()` with a Read of /3/0/0, spread over every registered "
                 "device: the REST API's path without HTTP. Closed loop (a window of requests in "
                 "flight) gives the peak; then open loop at half that peak, on a fixed timetable, "
                 "with each latency measured from the request's scheduled time (coordinated "
                 "omission corrected). Per server CPU-s: of the core thread "
                 "(`pthread_getcpuclockid`). The DTLS row is set beside the UDP echo ceiling.")
    else:
        L.append("Not run.")
    L.append("")

    # --- notifications --------------------------------------------------------
    L.append("### Notification intake")
    L.append("")
    rows = []
    for label, r in (("UDP", st.get("notify")), ("MQTT", mqtt)):
        o = g(r, "loadgen", "observe")
        if not o:
            continue
        rows.append([label, n0(o.get("requested")), n0(o.get("established")),
                     n0(r.get("offered_per_s")), n0(o.get("notifications_per_s")),
                     n0(o.get("notifications_per_core_cpu_s")),
                     errors_text(o.get("errors"))])
    if rows:
        L.append(table(["transport", "observations asked", "established", "offered/s",
                        "received/s", "per server CPU-s", "errors"], rows))
        L.append("")
        L.append("Observe /3303/0/5700 on every device, then the notifications the server "
                 "counted over the window; each device changes its value `--notify-rate` times "
                 "a second (offered = devices × rate).")
    else:
        L.append("Not run.")
    L.append("")

    # --- DTLS ----------------------------------------------------------------
    L.append("### DTLS (issue 8)")
    L.append("")
    if dt:
        fl = dt.get("fleet", {})
        L.append(table(["figure", "value"], [
            ["devices", n0(fl.get("clients"))],
            ["DTLS PSK handshake + Register, devices/s", n0(fl.get("registrations_per_s"))],
            ["the same per server CPU-s", n0(g(dt, "loadgen", "registration",
                                               "registrations_per_cpu_s"))],
            ["handshake latency p50 / p99 ms", "%s / %s" % (ms(g(fl, "latency_ms", "handshake", "p50")),
                                                            ms(g(fl, "latency_ms", "handshake", "p99")))],
            ["Read round trips/s over DTLS", n0(g(dt, "loadgen", "reads", "rt_per_s"))],
            ["Read round trips/s over UDP, same run", n0(g(reads, "loadgen", "reads", "rt_per_s"))],
        ], ["---", "---:"]))
        L.append("")
        L.append("DTLS PSK handshakes per second of one core in memory (no sockets) are in "
                 "[perf/tls.md](perf/tls.md).")
    else:
        L.append("Not run in this suite run (see below).")
    L.append("")

    # --- reconciliation ----------------------------------------------------
    L.append("### What the server counted and what the fleet counted")
    L.append("")
    rows = []

    def rec(what, server, fleet, note=""):
        if server is None and fleet is None:
            return
        diff = None if server is None or fleet is None else server - fleet
        rows.append([what, n0(server), n0(fleet), n0(diff) if diff else "0" if diff == 0 else "–",
                     note])

    for s in storms:
        fl = s.get("fleet", {})
        rec("registrations, storm %s %s %s" % (s.get("transport"), s.get("store"),
                                               n0(s.get("clients"))),
            g(s, "server", "metrics", "registered"), fl.get("registered"),
            "fleet errors: " + errors_text(fl.get("errors")))
    for label, r in (("UDP reads", reads), ("UDP notify", st.get("notify")), ("MQTT", mqtt),
                     ("DTLS", dt)):
        if not r:
            continue
        lg, fl = r.get("loadgen", {}), r.get("fleet", {})
        rec(label + ": registrations", g(lg, "metrics", "registered"), fl.get("registered"))
        if lg.get("reads"):
            ok = (g(lg, "reads", "ok", default=0) + g(lg, "reads_open", "ok", default=0))
            rec(label + ": reads answered", ok, g(fl, "operations", "read"),
                "server errors: " + errors_text(g(lg, "reads", "errors"),
                                                g(lg, "reads_open", "errors")))
        if lg.get("observe"):
            rec(label + ": observes", g(lg, "observe", "established"),
                g(fl, "operations", "observe"))
            rec(label + ": notifications", g(lg, "server_counters", "notifications"),
                g(fl, "operations", "notify"),
                "server: until the fleet stopped; fleet: every notification it sent")
    if rows:
        L.append(table(["count", "server", "fleet", "server − fleet", "note"], rows,
                       ["---", "---:", "---:", "---:", "---"]))
        L.append("")
        L.append("Server side: sirocco-server's `/metrics` (`sirocco_registrations_total`) or "
                 "sirocco-loadgen's counters (the same metrics object plus the engine's "
                 "counters). Fleet side: its JSON. A difference is not hidden: over UDP a "
                 "notification is a NON message and may be dropped by a full socket buffer, and "
                 "a Read whose response datagram was lost is answered twice by the device "
                 "(retransmission) but counted once by the server.")
    else:
        L.append("Nothing to reconcile: no fleet stage ran.")
    L.append("")
    if res.get("notes") or res.get("failures"):
        L.append("### Not run or failed in this run")
        L.append("")
        for n in res.get("notes", []):
            L.append("- " + n)
        for n in res.get("failures", []):
            L.append("- **failed**: " + n.replace("\n", " ")[:600])
        L.append("")
    return "\n".join(L)


GOAL_REG_PER_S = 20000


def perf_block(out_dir):
    files = sorted(glob.glob(os.path.join(ROOT, "docs", "perf", "*.md")))
    L = ["## Figures of the components (docs/perf/)", ""]
    if not files:
        L.append("None yet.")
    for p in files:
        rel = os.path.relpath(p, out_dir)
        title = os.path.basename(p)[:-3]
        try:
            with open(p) as f:
                first = next((l.strip("# \n") for l in f if l.startswith("#")), title)
        except OSError:
            first = title
        L.append("- [%s](%s): %s" % (os.path.basename(p), rel, first))
    return "\n".join(L)


def replace_block(text, name, body, after_heading=None, at_end=False):
    begin, end = "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name
    new = "%s\n%s\n%s" % (begin, body, end)
    if begin in text and end in text:
        return re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: new, text, flags=re.S)
    if at_end:
        return text.rstrip("\n") + "\n\n" + new + "\n"
    # Insert before the first "## " heading (after the intro).
    m = re.search(r"^## ", text, flags=re.M)
    if not m:
        return text.rstrip("\n") + "\n\n" + new + "\n"
    return text[:m.start()] + new + "\n\n" + text[m.start():]


def render(results, command, out_path):
    template = out_path if os.path.exists(out_path) else os.path.join(ROOT, "docs",
                                                                       "performance.md")
    try:
        with open(template) as f:
            text = f.read()
    except OSError:
        text = "# Performance\n"
    text = replace_block(text, "suite", render_suite(results, command))
    micro = g(results, "stages", "micro", "section")
    if micro:
        text = replace_block(text, "micro", micro)
    text = replace_block(text, "perf", perf_block(os.path.dirname(os.path.abspath(out_path))),
                         at_end=True)
    return text
