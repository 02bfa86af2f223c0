#!/usr/bin/env python3
"""Releases tagged in the same second: a history of --commits commits on one line,
with --tags annotated release tags spread over them, every tag dated the same
second (as monorepo release tools write them), then `valuestory build --json-only`
timed on it. Standard library only; never runs cargo.

    python3 benches/same_second.py [--commits 200] [--tags 1600] [--runs 3]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_repo(path: Path, commits: int, tags: int) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    out = []
    t0 = 1_700_000_000
    for c in range(commits):
        msg = f"feat: change {c}\n".encode()
        out.append(f"commit refs/heads/main\nmark :{c + 1}\n".encode())
        out.append(f"author A <a@example.com> {t0 + c * 60} +0000\n".encode())
        out.append(f"committer A <a@example.com> {t0 + c * 60} +0000\n".encode())
        out.append(f"data {len(msg)}\n".encode() + msg)
        if c == 0:
            out.append(b"M 644 inline f.txt\ndata 2\n0\n")
        else:
            out.append(f"from :{c}\n".encode())
            body = f"{c}\n".encode()
            out.append(f"M 644 inline f.txt\ndata {len(body)}\n".encode() + body)
        out.append(b"\n")
    # Every tag in one second, after the last commit.
    second = t0 + commits * 60 + 3600
    per = max(1, tags // commits)
    for k in range(tags):
        c = min(k // per, commits - 1)
        msg = b"release\n"
        out.append(f"tag v1.{c}.{k}\nfrom :{c + 1}\n".encode())
        out.append(f"tagger R <r@example.com> {second} +0000\n".encode())
        out.append(f"data {len(msg)}\n".encode() + msg)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"],
                   input=b"".join(out), check=True, env=env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--tags", type=int, default=1600)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "valuestory"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_repo(repo, args.commits, args.tags)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([args.bin, "build", "--json-only", "--no-cache", "-q",
                            "--out", str(Path(tmp) / "site")],
                           cwd=repo, check=True)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"{args.commits} commits, {args.tags} tags in one second: "
              f"build --json-only best of {args.runs}: {best:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
