#!/usr/bin/env python3
"""Turns Google Benchmark JSON files into the markdown tables of
docs/performance.md: one table per benchmark executable, median CPU time,
payload size where the benchmark reports one, the machine and the date."""
import json
import os
import platform
import subprocess
import sys

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"

lines = []
first = True
for path in sys.argv[1:]:
    data = json.load(open(path))
    if first:
        ctx = data.get("context", {})
        lines.append(f"Machine: {os.cpu_count()} cores, {cpu_model()}. Release build "
                     f"(g++ -O3), run {ctx.get('date', '?')}. Median of 3 repetitions, "
                     f"CPU time per operation.")
        lines.append("")
        first = False
    name = os.path.basename(path).removesuffix(".json")
    lines.append(f"**{name}**")
    lines.append("")
    lines.append("| benchmark | payload bytes | time |")
    lines.append("|---|---:|---:|")
    for b in data.get("benchmarks", []):
        if b.get("aggregate_name") != "median":
            continue
        unit = b.get("time_unit", "ns")
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
        t = b["cpu_time"] * scale
        size = b.get("payload_bytes", b.get("bytes", ""))
        size = f"{size:.0f}" if isinstance(size, (int, float)) else ""
        bname = b["run_name"]
        lines.append(f"| `{bname}` | {size} | {fmt_time(t)} |")
    lines.append("")
print("\n".join(lines))
