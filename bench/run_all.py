#!/usr/bin/env python3
"""The performance suite of issue 9 (bench/run-all runs this).

One command: builds the Release programs into build-bench/ (once; ninja
makes later runs quick), runs the micro-benchmarks, the ceilings (a minimal
UDP echo and mosquitto's own round trips), then sirocco-server /
sirocco-loadgen against sirocco-fleet: registration storms, Read round
trips, notification intake, the same over MQTT and DTLS, memory per
registration and per simulated device; reconciles what the server counted
with what the fleet counted, and rewrites docs/performance.md.

usage: bench/run-all [--smoke] [--bin-dir DIR] [--out FILE] [--keep DIR]
                     [--only STAGE,...] [--nice N]
  --smoke     tiny numbers (about a minute): the orchestration, not figures
  --bin-dir   use the programs in DIR instead of building build-bench/
  --out       the report (default docs/performance.md; with --smoke a file
              of its own is needed unless --out is given)
  --keep DIR  keep every raw JSON and log in DIR (default: a temp folder,
              removed at the end)
  --only      run these stages only: micro, ceilings, storm, reads, notify,
              mqtt, dtls (the report then has only those figures)
  --nice N    run every process of the suite under `nice -n N` (a negative N
              puts them ahead of other work on a shared machine; root only)

Everything runs on 127.0.0.1 with ports picked free, in a temp folder;
every process it starts is stopped at the end, whatever happens.
Python 3 standard library only.
"""

import argparse
import datetime
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

# Sizes of each stage: full run and --smoke.
FULL = dict(
    micro_reps=3, micro_min_time="0.2",
    echo_duration=5, warmup=1, window=64, open_fraction=0.5,
    read_devices=1000, read_duration=5,
    storms=[("udp", "memory", 10000), ("udp", "sqlite", 10000), ("udp", "memory", 100000)],
    storm_ramp=50000,
    notify_devices=10000, notify_rate=2, notify_duration=5, observe_rate=5000,
    mqtt_devices=1000, mqtt_read_duration=5, mqtt_storm=1000,
    dtls_devices=1000, dtls_read_duration=5,
)
SMOKE = dict(
    micro_reps=1, micro_min_time="0.01",
    echo_duration=1, warmup=0.3, window=16, open_fraction=0.5,
    read_devices=50, read_duration=1,
    storms=[("udp", "memory", 200), ("udp", "sqlite", 200)],
    storm_ramp=5000,
    notify_devices=100, notify_rate=2, notify_duration=1, observe_rate=1000,
    mqtt_devices=20, mqtt_read_duration=1, mqtt_storm=20,
    dtls_devices=20, dtls_read_duration=1,
)
STAGES = ["micro", "ceilings", "storm", "reads", "notify", "mqtt", "dtls"]

# Goals of issue 9 (on 2 cores, server and load sharing the machine).
GOAL_REGISTRATIONS = 100000
GOAL_REG_PER_S = 20000
GOAL_READ_FRACTION = 0.40
GOAL_BYTES_PER_REG = 1024
GOAL_BYTES_PER_DEVICE = 4096
GOAL_MQTT_FRACTION = 0.80


class StageError(Exception):
    pass


def log(msg):
    sys.stderr.write("[run-all %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# --- processes ------------------------------------------------------------

def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Proc:
    """A child process with its output in files; killed at the end."""
    live = []
    nice = None  # --nice N: run every child under `nice -n N`

    def __init__(self, name, argv, workdir):
        self.name = name
        if Proc.nice is not None:
            argv = ["nice", "-n", str(Proc.nice)] + list(argv)  # nice execs: same pid
        self.argv = argv
        self.out_path = os.path.join(workdir, name + ".out")
        self.err_path = os.path.join(workdir, name + ".err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        log("start %s: %s" % (name, " ".join(argv)))
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._out,
                                  stderr=self._err, cwd=workdir)
        Proc.live.append(self)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stdout(self):
        with open(self.out_path, "r", errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def wait_stdout(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.stdout())
            if m:
                return m
            if not self.alive():
                raise StageError("%s exited (%s) before printing %r: %s" %
                                 (self.name, self.p.returncode, pattern, self.stderr()[-1500:]))
            if time.monotonic() > deadline:
                raise StageError("%s did not print %r within %.0f s" % (self.name, pattern, timeout))
            time.sleep(0.05)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive():
            self.p.send_signal(sig)
            if self.wait(timeout) is None:
                log("%s did not stop within %.0f s: SIGKILL" % (self.name, timeout))
                self.p.kill()
                self.p.wait()
        self.close()
        return self.p.returncode

    def close(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.close()
        if self in Proc.live:
            Proc.live.remove(self)

    def cpu_s(self):
        """utime + stime of the process so far (seconds)."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            return None

    def rss(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    @classmethod
    def kill_all(cls):
        for p in list(cls.live):
            try:
                if p.alive():
                    p.p.kill()
                    p.p.wait(timeout=5)
            except Exception:
                pass
            p.close()


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# --- the machine ------------------------------------------------------------

def machine():
    model = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    try:
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
    except OSError:
        load = "?"
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
            "loadavg_at_start": load,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit or "?"}


# --- the suite --------------------------------------------------------------

class Suite:
    def __init__(self, args):
        self.args = args
        self.cfg = SMOKE if args.smoke else FULL
        self.work = args.keep or tempfile.mkdtemp(prefix="sirocco-bench-")
        os.makedirs(self.work, exist_ok=True)
        self.bin = os.path.abspath(args.bin_dir) if args.bin_dir else None
        self.results = {"machine": machine(), "smoke": args.smoke, "stages": {},
                        "nice": args.nice}
        self.notes = []     # not run, with why
        self.failures = []  # stage errors
        self.only = set(args.only.split(",")) if args.only else set(STAGES)
        self.seq = 0

    def path(self, name):
        return os.path.join(self.work, name)

    def exe(self, name):
        return os.path.join(self.bin, name)

    def have(self, name):
        return os.access(self.exe(name), os.X_OK)

    def name(self, base):
        self.seq += 1
        return "%02d-%s" % (self.seq, base)

    # --- build ---------------------------------------------------------------
    def build(self):
        build = os.path.join(ROOT, "build-bench")
        log("configure + build (Release) into %s" % build)
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release", "-DSIROCCO_TESTS=OFF"],
                       check=True, stdout=subprocess.DEVNULL)
        targets = ["sirocco-server", "sirocco-loadgen", "sirocco-udp-echo", "sirocco-mqtt-rtt"]
        if os.path.isdir(os.path.join(ROOT, "apps", "sirocco-fleet")):
            targets.append("sirocco-fleet")
        for d in sorted(glob.glob(os.path.join(ROOT, "bench", "*", "CMakeLists.txt"))):
            with open(d) as f:
                targets += re.findall(r"sirocco_bench\(NAME (\w+)", f.read())
        r = subprocess.run(["ninja", "-C", build, "-j2"] + targets,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout[-4000:])
            raise SystemExit("run-all: the Release build failed (its output above)")
        self.bin = os.path.join(build, "bin")

    # --- stages --------------------------------------------------------------
    def run(self):
        if not self.bin:
            self.build()
        stages = [("micro", self.stage_micro), ("ceilings", self.stage_ceilings),
                  ("storm", self.stage_storm), ("reads", self.stage_reads),
                  ("notify", self.stage_notify), ("mqtt", self.stage_mqtt),
                  ("dtls", self.stage_dtls)]
        t0 = time.monotonic()
        for name, fn in stages:
            if name not in self.only:
                continue
            log("stage %s" % name)
            t = time.monotonic()
            try:
                fn()
            except StageError as e:
                log("stage %s FAILED: %s" % (name, e))
                self.failures.append("%s: %s" % (name, e))
            except Exception as e:  # a bug of the suite: reported, the rest runs
                import traceback
                traceback.print_exc()
                self.failures.append("%s: %s: %s" % (name, type(e).__name__, e))
            finally:
                Proc.kill_all()
            log("stage %s: %.0f s" % (name, time.monotonic() - t))
        self.results["elapsed_s"] = time.monotonic() - t0
        self.results["notes"] = self.notes
        self.results["failures"] = self.failures
        with open(self.path("results.json"), "w") as f:
            json.dump(self.results, f, indent=1)

    def need(self, *names):
        missing = [n for n in names if not self.have(n)]
        if missing:
            raise StageError("not built: %s" % ", ".join(missing))

    # micro-benchmarks (Google Benchmark), as bench/run-micro does
    def stage_micro(self):
        benches = sorted(glob.glob(self.exe("bench_*")))
        benches = [b for b in benches if os.access(b, os.X_OK) and
                   not b.endswith("bench_client_memory")]
        if not benches:
            self.notes.append("micro-benchmarks: none built (Google Benchmark missing)")
            return
        files = []
        for b in benches:
            os.makedirs(self.path("micro"), exist_ok=True)
            out = self.path(os.path.join("micro", os.path.basename(b) + ".json"))
            argv = [b, "--benchmark_repetitions=%d" % self.cfg["micro_reps"],
                    "--benchmark_min_time=%s" % self.cfg["micro_min_time"],
                    "--benchmark_report_aggregates_only=true", "--benchmark_format=json",
                    "--benchmark_out=" + out, "--benchmark_out_format=json"]
            log("micro %s" % os.path.basename(b))
            if Proc.nice is not None:
                argv = ["nice", "-n", str(Proc.nice)] + argv
            r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               timeout=600)
            if r.returncode != 0 or not os.path.exists(out):
                raise StageError("%s failed: %s" % (b, r.stderr[-500:]))
            files.append(out)
        rep = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "micro_report.py")] +
                             files, capture_output=True, text=True)
        section = rep.stdout.strip()
        if self.cfg["micro_reps"] != 3:
            section = section.replace("Median of 3 repetitions",
                                      "Median of %d repetition(s)" % self.cfg["micro_reps"])
        self.results["stages"]["micro"] = {"section": section,
                                           "benches": [os.path.basename(b) for b in benches]}

    # the ceilings
    def stage_ceilings(self):
        self.need("sirocco-udp-echo", "sirocco-mqtt-rtt")
        c = self.cfg
        res = {}
        srv = Proc(self.name("echo-server"), [self.exe("sirocco-udp-echo"), "server",
                                              "--address", "127.0.0.1", "--port", "0"], self.work)
        port = int(srv.wait_stdout(r"listening port=(\d+)", 10).group(1))
        common = ["client", "--server", "127.0.0.1:%d" % port, "--addresses",
                  str(c["read_devices"]), "--duration", str(c["echo_duration"]),
                  "--warmup", str(c["warmup"])]
        cpu0 = srv.cpu_s()
        w = self.run_tool("echo-window", [self.exe("sirocco-udp-echo")] + common +
                          ["--window", str(c["window"])])
        w["server_cpu_s"] = srv.cpu_s() - cpu0
        res["udp_window"] = w
        rate = max(100, int(w["rt_per_s"] * c["open_fraction"]))
        cpu0 = srv.cpu_s()
        o = self.run_tool("echo-open", [self.exe("sirocco-udp-echo")] + common +
                          ["--rate", str(rate)])
        o["server_cpu_s"] = srv.cpu_s() - cpu0
        res["udp_open"] = o
        srv.stop(signal.SIGTERM)
        # mosquitto's own round trips, with as many device connections as
        # the MQTT Read benchmark has devices.
        with Broker(self.work, self.name("mosquitto")) as b:
            common = ["--broker", "127.0.0.1:%d" % b.port, "--devices", str(c["mqtt_devices"]),
                      "--duration", str(c["echo_duration"]), "--warmup", str(c["warmup"])]
            cpu0 = b.proc.cpu_s()
            m = self.run_tool("mqtt-rtt-window", [self.exe("sirocco-mqtt-rtt")] + common +
                              ["--window", str(c["window"])])
            m["broker_cpu_s"] = b.proc.cpu_s() - cpu0
            res["mqtt_window"] = m
            rate = max(100, int(m["rt_per_s"] * c["open_fraction"]))
            cpu0 = b.proc.cpu_s()
            m = self.run_tool("mqtt-rtt-open", [self.exe("sirocco-mqtt-rtt")] + common +
                              ["--rate", str(rate)])
            m["broker_cpu_s"] = b.proc.cpu_s() - cpu0
            res["mqtt_open"] = m
        self.results["stages"]["ceilings"] = res

    def run_tool(self, base, argv, timeout=300):
        name = self.name(base)
        out = self.path(name + ".json")
        p = Proc(name, argv + ["--json", out], self.work)
        if p.wait(timeout) is None:
            p.stop(signal.SIGKILL)
            raise StageError("%s did not finish within %d s" % (name, timeout))
        p.close()
        if p.p.returncode != 0:
            raise StageError("%s exited %d: %s" % (name, p.p.returncode, p.stderr()[-1500:]))
        j = read_json(out)
        if j is None:
            raise StageError("%s wrote no JSON" % name)
        return j

    # --- sirocco-server + sirocco-fleet ------------------------------------
    def server_flags(self, exclude=()):
        """Flags that switch off listeners the run does not use (issue 8's
        default ports 5683/5684 may be taken on a shared machine)."""
        if not hasattr(self, "_server_help"):
            self._server_help = subprocess.run([self.exe("sirocco-server"), "--help"],
                                               capture_output=True, text=True).stdout
        extra = []
        for flag in ("--coaps-port", "--coap-tcp-port", "--coaps-tcp-port"):
            if flag in self._server_help and flag not in exclude:
                extra += [flag, "-1"]
        return extra

    def start_server(self, base, store, extra=()):
        extra = list(extra)
        data = self.path(base + "-data")
        argv = [self.exe("sirocco-server"), "--coap-address", "127.0.0.1", "--coap-port", "0",
                "--http-address", "127.0.0.1", "--http-port", "0", "--store", store,
                "--data-dir", data, "--log-level", "warn"] + self.server_flags(extra) + extra
        srv = Proc(self.name(base), argv, self.work)
        m = srv.wait_stdout(r"listening coap=udp://[^ ]*:(\d+) http=http://[^ ]*:(\d+)", 20)
        srv.coap_port = int(m.group(1))
        srv.http_port = int(m.group(2))
        return srv

    def fleet_argv(self, n, uri, json_path, duration, extra=()):
        return [self.exe("sirocco-fleet"), "--clients", str(n), "--server", uri, "--ramp",
                str(self.cfg["storm_ramp"]), "--duration", str(duration), "--progress", "0",
                "--json", json_path] + list(extra)

    def finish_fleet(self, fleet, json_path, timeout=30):
        """SIGINT (the fleet writes its JSON), then the JSON."""
        if fleet.alive():
            fleet.p.send_signal(signal.SIGINT)
            if fleet.wait(timeout) is None:
                fleet.stop(signal.SIGKILL)
                raise StageError("sirocco-fleet did not stop within %d s of SIGINT" % timeout)
        fleet.close()
        j = read_json(json_path)
        if j is None:
            raise StageError("sirocco-fleet wrote no JSON (exit %s): %s" %
                             (fleet.p.returncode, fleet.stderr()[-1500:]))
        return j

    def stage_storm(self):
        self.need("sirocco-server", "sirocco-fleet")
        out = []
        self.results["stages"]["storm"] = out
        failed = []
        for transport, store, n in self.cfg["storms"]:
            try:
                out.append(self.storm(transport, store, n))
            except StageError as e:  # the other storms still run
                failed.append(str(e))
            finally:
                Proc.kill_all()
        if failed:
            raise StageError("; ".join(failed))

    def storm(self, transport, store, n, server_extra=(), fleet_extra=(), uri=None,
              provision=None):
        base = "storm-%s-%s-%d" % (transport, store, n)
        srv = self.start_server(base + "-server", store, server_extra)
        if provision:
            provision(srv)
        time.sleep(0.3)
        rss0, cpu0 = srv.rss(), srv.cpu_s()
        fj = self.path(self.name(base + "-fleet") + ".json")
        uri = uri or "coap://127.0.0.1:%d" % srv.coap_port
        # The fleet gives up on devices not registered 30 s after the last
        # one started (they count as failed, and the run goes on).
        fleet = Proc(os.path.basename(fj)[:-5],
                     self.fleet_argv(n, uri, fj, 0, ["--register-timeout", "30"] +
                                     list(fleet_extra)), self.work)
        timeout = 60 + n / self.cfg["storm_ramp"] + n / 5000
        if fleet.wait(timeout) is None:
            fleet.stop(signal.SIGINT, 20)
            raise StageError("%s: the fleet did not finish within %.0f s" % (base, timeout))
        fleet.close()
        f = read_json(fj)
        if f is None:
            raise StageError("%s: sirocco-fleet wrote no JSON (exit %s): %s" %
                             (base, fleet.p.returncode, fleet.stderr()[-1500:]))
        time.sleep(0.5)  # the last responses leave; allocator steady
        rss1, cpu1 = srv.rss(), srv.cpu_s()
        metrics = self.metrics(srv)
        srv.stop()
        reg = f.get("registered", 0)
        r = {"transport": transport, "store": store, "clients": n, "fleet": f,
             "server": {"rss_before": rss0, "rss_after": rss1, "cpu_s": cpu1 - cpu0,
                        "metrics": metrics},
             "bytes_per_registration": (rss1 - rss0) / reg if reg else None,
             "registrations_per_s": f.get("registrations_per_s"),
             "registrations_per_server_cpu_s": reg / (cpu1 - cpu0) if cpu1 > cpu0 else None}
        log("%s: %s of %d registered, %.0f/s, %.0f B/registration" %
            (base, reg, n, f.get("registrations_per_s") or 0, r["bytes_per_registration"] or 0))
        return r

    def metrics(self, srv):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % srv.http_port,
                                        timeout=10) as r:
                text = r.read().decode()
        except OSError as e:
            return {"error": str(e)}
        m = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            k, _, v = line.rpartition(" ")
            try:
                m[k] = float(v)
            except ValueError:
                pass
        return {
            "registered": m.get('sirocco_registrations_total{event="registered"}', 0),
            "updated": m.get('sirocco_registrations_total{event="updated"}', 0),
            "registrations_now": m.get("sirocco_registrations", 0),
            "notifications": m.get("sirocco_notifications_total", 0),
            "dropped": m.get("sirocco_coap_messages_dropped_total", 0),
        }

    # loadgen (the server, in-process) + fleet
    def loadgen_run(self, base, n, fleet_uri_of, loadgen_args, fleet_extra=(), mqtt=None,
                    provision_args=()):
        self.need("sirocco-loadgen", "sirocco-fleet")
        lj = self.path(self.name(base + "-loadgen") + ".json")
        argv = [self.exe("sirocco-loadgen"), "--coap-address", "127.0.0.1", "--coap-port", "0",
                "--store", "memory", "--expect", str(n), "--register-timeout",
                str(60 + n / 1000), "--warmup", str(self.cfg["warmup"]), "--hold", "120",
                "--json", lj] + list(loadgen_args) + list(provision_args)
        if mqtt:
            argv += ["--mqtt", mqtt]
        lg = Proc(os.path.basename(lj)[:-5], argv, self.work)
        m = lg.wait_stdout(r"listening coap=udp://[^ ]*:(\d+)[^\n]*", 20)
        ports = {"udp": int(m.group(1))}
        d = re.search(r"coaps=coaps://[^ ]*:(\d+)", m.group(0))
        if d:
            ports["dtls"] = int(d.group(1))
        if mqtt:
            lg.wait_stdout(r"mqtt connected", 15)
        fj = self.path(self.name(base + "-fleet") + ".json")
        fleet = Proc(os.path.basename(fj)[:-5],
                     self.fleet_argv(n, fleet_uri_of(ports), fj, 3600, fleet_extra), self.work)
        try:
            lg.wait_stdout(r"phases done", 120 + n / 500)
        except StageError:
            fleet.stop(signal.SIGINT, 20)
            raise
        f = self.finish_fleet(fleet, fj)
        lg.stop(signal.SIGTERM, 30)
        if lg.p.returncode != 0:
            raise StageError("%s: sirocco-loadgen exited %s: %s" %
                             (base, lg.p.returncode, lg.stderr()[-1500:]))
        j = read_json(lj)
        if j is None:
            raise StageError("%s: sirocco-loadgen wrote no JSON" % base)
        return {"loadgen": j, "fleet": f}

    def read_args(self, duration):
        c = self.cfg
        return ["--read-window", str(c["window"]), "--read-open-fraction", str(c["open_fraction"]),
                "--read-duration", str(duration)]

    def stage_reads(self):
        n = self.cfg["read_devices"]
        r = self.loadgen_run("reads-udp", n, lambda p: "coap://127.0.0.1:%d" % p["udp"],
                             self.read_args(self.cfg["read_duration"]))
        self.results["stages"]["reads"] = r

    def stage_notify(self):
        c = self.cfg
        n = c["notify_devices"]
        r = self.loadgen_run("notify-udp", n, lambda p: "coap://127.0.0.1:%d" % p["udp"],
                             ["--observe", str(n), "--observe-rate", str(c["observe_rate"]),
                              "--notify-duration", str(c["notify_duration"])],
                             fleet_extra=["--notify-rate", str(c["notify_rate"])])
        r["offered_per_s"] = n * c["notify_rate"]
        self.results["stages"]["notify"] = r

    def stage_mqtt(self):
        c = self.cfg
        n = c["mqtt_devices"]
        with Broker(self.work, self.name("mosquitto-lwm2m")) as b:
            uri = "mqtt://127.0.0.1:%d/lwm2m/" % b.port
            cpu0 = b.proc.cpu_s()
            r = self.loadgen_run("mqtt", n, lambda p: uri,
                                 self.read_args(c["mqtt_read_duration"]) +
                                 ["--observe", str(n), "--observe-rate", str(c["observe_rate"]),
                                  "--notify-duration", str(c["notify_duration"])],
                                 fleet_extra=["--notify-rate", str(c["notify_rate"])], mqtt=uri)
            r["broker_cpu_s"] = b.proc.cpu_s() - cpu0
            r["offered_per_s"] = n * c["notify_rate"]
        self.results["stages"]["mqtt"] = r

    def stage_dtls(self):
        self.need("sirocco-loadgen", "sirocco-fleet")
        help_text = subprocess.run([self.exe("sirocco-loadgen"), "--help"], capture_output=True,
                                   text=True).stdout
        if "--coaps-port" not in help_text:
            raise StageError("sirocco-loadgen has no DTLS listener in this build")
        c = self.cfg
        n = c["dtls_devices"]
        r = self.loadgen_run("dtls", n, lambda p: "coaps://127.0.0.1:%d" % p["dtls"],
                             self.read_args(c["dtls_read_duration"]),
                             fleet_extra=["--psk-prefix", "bench-"],
                             provision_args=["--coaps-port", "0", "--psk-fleet", "bench-:%d" % n,
                                             # a slot for every device's handshake: the
                                             # figure is the handshake rate, not the
                                             # refusals past sirocco-server's default 256
                                             "--max-handshakes", str(max(256, n))])
        self.results["stages"]["dtls"] = r


SOCKET_BUFFER = 4 << 20  # what runtime/udp_endpoint asks for (SO_RCVBUF/SO_SNDBUF)


def raise_socket_buffers(mach):
    """sirocco-server's UDP socket asks for 4 MiB buffers; the kernel caps
    them at net.core.rmem_max / wmem_max (212,992 on a stock Debian). If the
    cap is lower and we may write it (root), raise it for the run (restored
    at the end); the report says which it was."""
    raised = {}
    for key in ("rmem_max", "wmem_max"):
        path = "/proc/sys/net/core/" + key
        try:
            with open(path) as f:
                old = int(f.read().split()[0])
        except (OSError, ValueError):
            continue
        mach[key] = old
        if old >= SOCKET_BUFFER:
            continue
        try:
            with open(path, "w") as f:
                f.write(str(SOCKET_BUFFER))
            raised[path] = old
            mach[key + "_raised_to"] = SOCKET_BUFFER
            log("net.core.%s raised from %d to %d for the run" % (key, old, SOCKET_BUFFER))
        except OSError:
            log("net.core.%s is %d (cannot raise it): socket buffers are capped there" %
                (key, old))
    return raised


def restore_socket_buffers(raised):
    for path, old in raised.items():
        try:
            with open(path, "w") as f:
                f.write(str(old))
        except OSError:
            pass


class Broker:
    """mosquitto on a free 127.0.0.1 port with a quiet log (a log line per
    message would be part of the figure)."""

    def __init__(self, work, name):
        self.work = work
        self.name = name
        self.port = free_port()
        self.conf = os.path.join(work, name + ".conf")
        with open(self.conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "log_type error\nlog_type warning\nconnection_messages false\n"
                    "max_queued_messages 100000\n" % self.port)
            if os.geteuid() == 0:
                f.write("user root\n")
        self.proc = None

    def __enter__(self):
        self.proc = Proc(self.name, [MOSQUITTO, "-c", self.conf], self.work)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if not self.proc.alive() or time.monotonic() > deadline:
                    raise StageError("mosquitto did not listen: %s" % self.proc.stderr()[-500:])
                time.sleep(0.05)

    def __exit__(self, *exc):
        self.proc.stop(signal.SIGTERM, 5)
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help="tiny numbers (about a minute): the orchestration, not figures")
    ap.add_argument("--bin-dir", metavar="DIR",
                    help="use the programs in DIR instead of building build-bench/")
    ap.add_argument("--out", metavar="FILE",
                    help="the report (default docs/performance.md; --smoke needs its own)")
    ap.add_argument("--keep", metavar="DIR",
                    help="keep every raw JSON and log in DIR (default: a temp folder, removed)")
    ap.add_argument("--only", metavar="STAGE,...",
                    help="run these stages only: " + ", ".join(STAGES))
    ap.add_argument("--nice", type=int,
                    help="run the suite's processes under nice -n N (negative: ahead of "
                         "other work on a shared machine; needs root)")
    args = ap.parse_args()
    Proc.nice = args.nice
    out = args.out or os.path.join(ROOT, "docs", "performance.md")
    if args.smoke and not args.out:
        ap.error("--smoke needs --out FILE (docs/performance.md keeps the full run's figures)")
    if args.only:
        bad = set(args.only.split(",")) - set(STAGES)
        if bad:
            ap.error("--only: unknown stage(s) %s" % ", ".join(sorted(bad)))
    suite = Suite(args)
    t0 = time.monotonic()
    raised = raise_socket_buffers(suite.results["machine"])
    try:
        suite.run()
    finally:
        Proc.kill_all()
        restore_socket_buffers(raised)
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import perf_report  # noqa: E402
    command = "bench/run-all" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    text = perf_report.render(suite.results, command, out)
    with open(out, "w") as f:
        f.write(text)
    log("wrote %s in %.0f s" % (out, time.monotonic() - t0))
    if not args.keep:
        shutil.rmtree(suite.work, ignore_errors=True)
    else:
        log("raw results in %s" % suite.work)
    if suite.failures:
        log("%d stage(s) failed:\n  %s" % (len(suite.failures), "\n  ".join(suite.failures)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
