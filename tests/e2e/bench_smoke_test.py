#!/usr/bin/env python3
"""e2e_bench_smoke: bench/run-all --smoke with this build's programs.

usage: bench_smoke_test.py BIN_DIR

Runs every stage of the performance suite with tiny numbers into a temp
folder (report and raw JSON), then checks that it exited 0, that the report
has every section with figures in it (no stage failed or was skipped), and
that the server's and the fleet's counts were both read. No timing is
checked. The temp folder is removed at the end; run_all.py kills every
process it started.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    bin_dir = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="sirocco-bench-smoke-")
    try:
        out = os.path.join(tmp, "performance.md")
        keep = os.path.join(tmp, "raw")
        r = subprocess.run([sys.executable, "-B", os.path.join(ROOT, "bench", "run_all.py"),
                            "--smoke", "--bin-dir", bin_dir, "--out", out, "--keep", keep],
                           capture_output=True, text=True, timeout=600)
        sys.stderr.write(r.stderr[-6000:])
        if r.returncode != 0:
            print("FAIL: run-all exited %d" % r.returncode)
            return 1
        text = open(out).read()
        problems = []
        for heading in ("### Goals of issue 9", "### Ceilings", "### Registration storms",
                        "### Read round trips", "### Notification intake",
                        "### What the server counted"):
            if heading not in text:
                problems.append("missing section " + heading)
        suite = text[text.index("<!-- suite:begin -->"):text.index("<!-- suite:end -->")]
        if "**failed**" in suite:
            problems.append("a stage failed")
        for section in ("Registration storms", "Read round trips", "Notification intake"):
            body = suite.split("### " + section, 1)[1].split("###", 1)[0]
            if "Not run." in body:
                problems.append(section + ": not run")
        if not re.search(r"\| UDP echo, closed loop \| window \d+ \| [\d,]+ \| [\d,]+ \|", suite):
            problems.append("no UDP echo figure")
        if "<!-- micro:begin -->" not in text or "<!-- perf:begin -->" not in text:
            problems.append("micro or perf block missing")
        if not os.path.exists(os.path.join(keep, "results.json")):
            problems.append("no results.json")
        # ASan/UBSan builds: a report in any child's output fails the test.
        for name in sorted(os.listdir(keep)):
            if name.endswith((".err", ".out")):
                with open(os.path.join(keep, name), errors="replace") as f:
                    if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:", f.read()):
                        problems.append("sanitizer report in " + name)
        for p in problems:
            print("FAIL: " + p)
        if problems:
            sys.stderr.write(suite)
            return 1
        print("bench smoke: 1 passed, 0 failed")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
