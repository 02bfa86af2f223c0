#!/usr/bin/env python3
"""Benchmark: `valuestory portfolio` merging many services' data.json.

    python3 benches/portfolio.py [--services 1000] [--from DATA_JSON] [--runs 1]
                                 [--bin PATH] [--cache-dir DIR] [--check SECONDS MIB]

The services are variations of one data.json: --from, or by default the one
valuestory builds from the synthetic 100,000-commit repository of history.py
(generated once with synth.py when it is missing; about 9 MB, the size an
80,000-commit history's data.json has). Each service gets its own lead times,
failure rates and weekly deploy-days (the base's, scaled by factors from a seeded
splitmix64), every twentieth has no releases (a coverage gap), and services are
spread over ten teams. They are written once into
<cache-dir>/portfolio-<N>-<hash of the base>/ with a portfolio.yaml, and reused.

Then `BIN portfolio --config <that>/portfolio.yaml --out <fresh temp dir>` runs
RUNS times; the wall time and the peak RSS (ru_maxrss from os.wait4) of each run
are printed. --check fails (exit 1) when the median time or the largest RSS is
over the limits (the issue's goal is 60 s and 1,024 MiB for 1,000 services).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.dont_write_bytecode = True
MASK64 = (1 << 64) - 1
MARKER = "portfolio-info.json"


def die(msg: str):
    print(f"portfolio.py: {msg}", file=sys.stderr)
    sys.exit(1)


class Rng:
    """splitmix64, as synth.py uses."""

    def __init__(self, seed: int) -> None:
        self.s = seed & MASK64

    def unit(self) -> float:
        self.s = z = (self.s + 0x9E3779B97F4A7C15) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return (z ^ (z >> 31)) / float(1 << 64)


def base_data(args) -> Path:
    if args.from_:
        return Path(args.from_).resolve()
    cache = Path(args.cache_dir).resolve()
    out = cache / "portfolio-base"
    data = out / "data.json"
    if data.is_file():
        return data
    # history.py generates (or reuses) the synthetic repository.
    sys.path.insert(0, str(HERE))
    import history  # noqa: E402
    options = argparse.Namespace(cache_dir=str(cache), **{n: d for n, _, d in history.SYNTH_OPTS})
    repo = history.synth_repo(options)
    shutil.rmtree(out, ignore_errors=True)
    rc = subprocess.call([args.bin, "build", "--json-only", "-q", "--repo", str(repo), "--out", str(out)])
    if rc != 0 or not data.is_file():
        die(f"building the base data.json failed (exit code {rc})")
    return data


def services(args, base: Path) -> Path:
    digest = hashlib.sha256(base.read_bytes()).hexdigest()[:12]
    folder = Path(args.cache_dir).resolve() / f"portfolio-{args.services}-{digest}"
    if (folder / MARKER).is_file():
        print(f"reusing {folder}", file=sys.stderr)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    doc = json.loads(base.read_text())
    periods = doc.pop("periods")
    releases = doc.pop("releases", [])
    # The bulk of the document (releases and the rest) is the same text for every
    # service; only the periods vary.
    head = json.dumps(doc, indent=1)[:-2]
    with_releases = head + ',\n "releases": ' + json.dumps(releases, indent=1)
    without = head + ',\n "releases": []'
    rng = Rng(20261130)
    lines = ["title: Benchmark portfolio", "services:"]
    for i in range(args.services):
        lead, cfr, deploys = 10 ** (2 * rng.unit() - 1), 3 * rng.unit(), 0.2 + 2 * rng.unit()
        varied = {}
        for kind, entries in periods.items():
            out = []
            for p in entries:
                p = dict(p)
                if p.get("lead_time"):
                    p["lead_time"] = dict(p["lead_time"], median_seconds=int(p["lead_time"]["median_seconds"] * lead))
                if p.get("change_failure_rate") is not None:
                    p["change_failure_rate"] = min(1.0, p["change_failure_rate"] * cfr)
                p["deploy_days"] = int(p.get("deploy_days", 0) * deploys)
                out.append(p)
            varied[kind] = out
        gap = i % 20 == 19
        text = (without if gap else with_releases) + ',\n "periods": ' + json.dumps(varied) + "\n}\n"
        sid = f"svc-{i:04d}"
        (folder / sid).mkdir()
        (folder / sid / "data.json").write_text(text)
        lines.append(f"  - {{ id: {sid}, teams: [team-{i % 10}], data: {sid}/data.json }}")
    (folder / "portfolio.yaml").write_text("\n".join(lines) + "\n")
    size = sum(f.stat().st_size for f in folder.glob("*/data.json"))
    info = {"services": args.services, "base": str(base), "bytes": size,
            "seconds": round(time.perf_counter() - t0, 1)}
    (folder / MARKER).write_text(json.dumps(info, indent=2) + "\n")
    print(f"generated {folder}: {args.services} services, {size / 2**30:.2f} GiB", file=sys.stderr)
    return folder


def measure(argv) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        die(f"`{' '.join(argv)}` failed: {proc.stderr.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--from", dest="from_", metavar="DATA_JSON")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "valuestory"))
    ap.add_argument("--cache-dir", default=str(ROOT / "target" / "bench"))
    ap.add_argument("--check", nargs=2, type=float, metavar=("SECONDS", "MIB"))
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        die(f"{args.bin} is not there: cargo build --release first")
    folder = services(args, base_data(args))
    info = json.loads((folder / MARKER).read_text())
    times, rss = [], []
    for _ in range(args.runs):
        out = tempfile.mkdtemp(prefix="valuestory-portfolio-")
        try:
            secs, kib = measure([args.bin, "portfolio", "--config", str(folder / "portfolio.yaml"),
                                 "--out", os.path.join(out, "site")])
        finally:
            shutil.rmtree(out, ignore_errors=True)
        times.append(secs)
        rss.append(kib)
        print(f"run: {secs:.2f} s, peak RSS {kib / 1024:.0f} MiB", file=sys.stderr)
    median = statistics.median(times)
    print(f"services: {info['services']}, data.json total {info['bytes'] / 2**30:.2f} GiB "
          f"(each {info['bytes'] / info['services'] / 2**20:.1f} MiB)")
    print(f"valuestory portfolio: median {median:.2f} s over {args.runs} run(s), "
          f"peak RSS {max(rss) / 1024:.0f} MiB")
    print(f"machine: nproc={os.cpu_count()}")
    if args.check:
        limit_s, limit_mib = args.check
        if median > limit_s or max(rss) / 1024 > limit_mib:
            die(f"over the goal: {median:.2f} s (at most {limit_s}), {max(rss) / 1024:.0f} MiB (at most {limit_mib})")


if __name__ == "__main__":
    main()
