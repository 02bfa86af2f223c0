#!/usr/bin/env python3
"""Benchmark: valuestory's history pass compared with `git log` printing the same fields.

    python3 benches/history.py [--repo DIR] [--runs 5] [--bin PATH]
                               [--commits N] [--tags N] [--branchiness F]
                               [--authors N] [--files N] [--seed S]
                               [--check-ratios TIME MEM] [--cache-dir DIR]

If --repo is not given, a synthetic repository is generated once with
benches/synth.py into <cache-dir>/synth-<hash>/. The default cache dir is
target/bench. The hash covers the synth options and synth.GENERATOR_VERSION.
A later run reuses that repository if its completion marker
(.git/synth-info.json) is present.

The script first runs each command once as an untimed warm-up. Then it runs
them alternately, RUNS times each:
  (a) git -C REPO log --format=%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B HEAD --tags
      (every field valuestory reads of every commit it reads; the baseline)
  (b) git -C REPO rev-list --count --all (for reference: no message is parsed)
  (c) BIN build --json-only --no-cache --repo REPO --out <fresh temp dir>
For each run it records the wall time (time.perf_counter around Popen +
os.wait4) and the child's peak RSS (ru_maxrss from os.wait4).
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
sys.dont_write_bytecode = True  # keep benches/ free of __pycache__
sys.path.insert(0, str(HERE))
import synth  # noqa: E402  (same folder; only GENERATOR_VERSION is used)

SYNTH_OPTS = (("commits", int, 100000), ("tags", int, 1000), ("branchiness", float, 0.15),
              ("authors", int, 40), ("files", int, 5000), ("seed", int, 1))
MARKER = Path(".git") / "synth-info.json"


def die(msg: str, code: int = 1):
    print(f"history.py: {msg}", file=sys.stderr)
    sys.exit(code)


def synth_repo(args) -> Path:
    params = {name: getattr(args, name) for name, _, _ in SYNTH_OPTS}
    key = json.dumps({"v": synth.GENERATOR_VERSION, **params}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    cache = Path(args.cache_dir).resolve()
    repo = cache / f"synth-{digest}"
    if (repo / MARKER).is_file():
        print(f"reusing {repo}", file=sys.stderr)
        return repo
    if repo.exists():
        print(f"removing incomplete {repo}", file=sys.stderr)
        shutil.rmtree(repo)
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(HERE / "synth.py"), str(repo)]
    for name, _, _ in SYNTH_OPTS:
        cmd += [f"--{name}", str(params[name])]
    print("generating: " + " ".join(cmd), file=sys.stderr)
    rc = subprocess.call(cmd)
    if rc != 0 or not (repo / MARKER).is_file():
        die(f"synth.py failed (exit code {rc})")
    return repo


def run_measured(argv) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit code) for one run of argv, output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 ourselves
    return elapsed, usage.ru_maxrss, proc.returncode


class Bench:
    def __init__(self, name, make_argv, cleanup=None, verify=None):
        self.name = name
        self.make_argv = make_argv  # () -> (argv, context)
        self.cleanup = cleanup      # (context) -> None
        self.verify = verify        # (context) -> error message or None
        self.times: list[float] = []
        self.rss: list[int] = []

    def once(self, record: bool):
        argv, ctx = self.make_argv()
        try:
            secs, rss, rc = run_measured(argv)
            if rc != 0:
                self.fail(argv, rc)
            problem = self.verify(ctx) if self.verify else None
            if problem:
                die(f"`{' '.join(argv)}` exited 0 but {problem}")
        finally:
            if self.cleanup:
                self.cleanup(ctx)
        if record:
            self.times.append(secs)
            self.rss.append(rss)

    def fail(self, argv, rc):
        print(f"history.py: `{' '.join(argv)}` exited with {rc}; re-running to capture stderr",
              file=sys.stderr)
        argv2, ctx = self.make_argv()
        try:
            r = subprocess.run(argv2, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        finally:
            if self.cleanup:
                self.cleanup(ctx)
        sys.stderr.write(r.stderr.decode(errors="replace"))
        print(f"history.py: re-run exited with {r.returncode}", file=sys.stderr)
        sys.exit(1)


def git_out(repo: Path, *args) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True,
                          capture_output=True, text=True).stdout


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", help="benchmark this repository instead of a synthetic one")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "valuestory"),
                    help="valuestory binary (default target/release/valuestory)")
    for name, typ, default in SYNTH_OPTS:
        ap.add_argument(f"--{name}", type=typ, default=default,
                        help=f"synth.py option (default {default})")
    ap.add_argument("--cache-dir", default=str(ROOT / "target" / "bench"),
                    help="where generated repositories are cached (default target/bench)")
    ap.add_argument("--check-ratios", nargs=2, type=float, metavar=("TIME", "MEM"),
                    help="exit 1 if the time or memory ratio exceeds these limits")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be >= 1")

    binary = Path(args.bin)
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        die(f"{binary} not found or not executable; run `cargo build --release` first "
            "(or pass --bin PATH)")
    binary = binary.resolve()

    if args.repo:
        repo = Path(args.repo).resolve()
        if not repo.is_dir():
            die(f"--repo {repo} is not a folder")
    else:
        repo = synth_repo(args)

    commits = int(git_out(repo, "rev-list", "--count", "--all").strip())
    tags = len(git_out(repo, "for-each-ref", "--format=x", "refs/tags").split())
    layout = ""
    if (repo / MARKER).is_file():
        try:
            layout = json.loads((repo / MARKER).read_text()).get("layout", "")
        except (OSError, ValueError):
            pass

    log_format = "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B"
    git = Bench("git log --format=<fields> HEAD --tags",
                lambda: (["git", "-C", str(repo), "log", log_format, "HEAD", "--tags"], None))
    count = Bench("git rev-list --count --all",
                  lambda: (["git", "-C", str(repo), "rev-list", "--count", "--all"], None))

    def vs_argv():
        parent = tempfile.mkdtemp(prefix="valuestory-bench-")
        out = os.path.join(parent, "out")  # fresh, not yet existing
        # --no-cache: time reading the history from the object store, not from the
        # commit cache a previous run would have left in the repository.
        return [str(binary), "build", "--json-only", "--no-cache", "--repo", str(repo),
                "--out", out], parent

    def vs_verify(parent):
        data = os.path.join(parent, "out", "data.json")
        if not os.path.isfile(data) or os.path.getsize(data) == 0:
            return f"wrote no {data} (is {binary} a current build?)"
        return None

    vs = Bench("valuestory build --json-only", vs_argv,
               cleanup=lambda parent: shutil.rmtree(parent, ignore_errors=True),
               verify=vs_verify)

    print(f"repository: {repo}", file=sys.stderr)
    print(f"warm-up, then {args.runs} alternating runs of each ...", file=sys.stderr)
    for b in (git, count, vs):
        b.once(record=False)
    for _ in range(args.runs):
        for b in (git, count, vs):
            b.once(record=True)

    def row(b: Bench):
        return (b.name, statistics.median(b.times), min(b.times), max(b.times),
                statistics.median(b.rss) / 1024.0)

    # On Linux a child created with vfork/posix_spawn (what Popen uses) inherits the
    # spawning process's peak RSS as its own starting ru_maxrss, so no command can
    # report less than this floor. Measure it so that small numbers can be judged.
    true_bin = shutil.which("true") or "/bin/true"
    floor = run_measured([true_bin])[1] / 1024.0

    rows = [row(git), row(vs), row(count)]
    w = max(len(r[0]) for r in rows)
    print(f"{'command':<{w}}  {'median s':>9}  {'min s':>8}  {'max s':>8}  {'peak RSS MiB':>12}")
    for name, med, lo, hi, rss in rows:
        print(f"{name:<{w}}  {med:>9.3f}  {lo:>8.3f}  {hi:>8.3f}  {rss:>12.1f}")
    time_ratio = rows[1][1] / rows[0][1] if rows[0][1] > 0 else float("inf")
    mem_ratio = rows[1][4] / rows[0][4] if rows[0][4] > 0 else float("inf")
    print(f"time ratio (valuestory / git log): {time_ratio:.2f}")
    print(f"memory ratio: {mem_ratio:.2f}")
    print(f"repository: {repo} -- {commits} commits, {tags} tags"
          + (f" ({layout})" if layout else ""))
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: nproc={nproc}, cpu={cpu_model()}, runs={args.runs}")
    print(f"peak RSS floor from spawning (ru_maxrss of `true` started the same way): "
          f"{floor:.1f} MiB")

    if args.check_ratios:
        tmax, mmax = args.check_ratios
        bad = []
        if time_ratio > tmax:
            bad.append(f"time ratio {time_ratio:.2f} > {tmax:.2f}")
        if mem_ratio > mmax:
            bad.append(f"memory ratio {mem_ratio:.2f} > {mmax:.2f}")
        if bad:
            print("FAIL: " + "; ".join(bad))
            return 1
        print(f"OK: ratios within limits (time <= {tmax:.2f}, memory <= {mmax:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
