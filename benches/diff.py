#!/usr/bin/env python3
"""Benchmark: valuestory's per-commit changed paths ("diffing") compared with `git log --numstat -M`.

    python3 benches/diff.py [--repo DIR] [--runs 3] [--runs-cold 3] [--bin PATH]
                            [--commits N] [--tags N] [--branchiness F]
                            [--authors N] [--files N] [--seed S]
                            [--check-ratios COLD WARM] [--cache-dir DIR]

valuestory computes changed paths and line counts only when a feature needs
them. The benchmark forces this with a temporary config file that scopes commits
to `src/` (`commits: paths: [src/]`), passed with --config.

The repository is the one history.py uses: --repo, or a synthetic one that is
generated once into <cache-dir>/synth-<hash>/ and then reused.

Part 1, cold diffing. One untimed warm-up each of (a) and (c), then RUNS
alternating runs of each of:
  (a) git -C REPO log --numstat -M --no-merges --format=%H HEAD --tags
      (the commits valuestory diffs; stdout discarded)
  (b) BIN -v build --json-only --no-cache --config CFG ...   (diffs every commit)
  (c) BIN -v build --json-only --no-cache ...                (no config: no diffing)
(c) is the history walk and everything else that (b) does besides diffing, so
(b) - (c) is roughly the cost of the diffing itself.

Part 2, warm rebuild. In a throwaway `git clone --shared --bare` of REPO (the
cached repository is never written to):
  (d) BIN -v build ... --config CFG --cache-dir CACHE  with an empty CACHE,
      RUNS-COLD times (each with a fresh CACHE);
  then, RUNS times plus one untimed warm-up, a new commit that edits one file
  under src/ is added on top of HEAD with git plumbing, and
  (e) the same command with the same CACHE runs again, which should diff
      exactly that one commit.

valuestory's `-v` line `changed paths: N from the cache, M computed` is
checked: (b) and (d) must compute everything, (c) must not diff at all, and
(e) must compute exactly 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
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
import history  # noqa: E402  (same folder)
from history import MARKER, SYNTH_OPTS, cpu_model, git_out, run_measured  # noqa: E402

CONFIG_YAML = "commits:\n  paths: [src/]\n"
STATS_RE = re.compile(r"changed paths: (\d+) from the cache, (\d+) computed")
# Fixed identity for the commits that part 2 adds, so that they are reproducible.
IDENT = {
    "GIT_AUTHOR_NAME": "valuestory bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "valuestory bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def die(msg: str, code: int = 1):
    print(f"diff.py: {msg}", file=sys.stderr)
    sys.exit(code)


history.die = die  # history.synth_repo reports its failures through this


class Series:
    def __init__(self, name: str):
        self.name = name
        self.times: list[float] = []
        self.rss: list[int] = []

    def add(self, secs: float, rss_kib: int):
        self.times.append(secs)
        self.rss.append(rss_kib)

    def median(self) -> float:
        return statistics.median(self.times)

    def row(self):
        return (self.name, len(self.times), self.median(), min(self.times), max(self.times),
                statistics.median(self.rss) / 1024.0)


class Valuestory:
    """Runs `BIN -v build --json-only` with stderr kept in a file (a file, not a pipe,
    so that nothing has to read it while the run is timed)."""

    def __init__(self, binary: Path, scratch: Path):
        self.binary = binary
        self.scratch = scratch
        self.n = 0
        self.warnings: list[str] = []

    def run(self, repo: Path, *extra: str) -> tuple[float, int, str]:
        """(wall seconds, peak RSS KiB, stderr) of one successful run."""
        self.n += 1
        work = self.scratch / f"run-{self.n}"
        work.mkdir()
        out = work / "out"  # fresh, not yet existing
        argv = [str(self.binary), "-v", "build", "--json-only", "--repo", str(repo),
                "--out", str(out), *extra]
        try:
            with open(work / "stderr", "wb") as err:
                t0 = time.perf_counter()
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=err)
                _, status, usage = os.wait4(proc.pid, 0)
                secs = time.perf_counter() - t0
            proc.returncode = rc = os.waitstatus_to_exitcode(status)
            text = (work / "stderr").read_bytes().decode(errors="replace")
            if rc != 0:
                sys.stderr.write(text)
                die(f"`{' '.join(argv)}` exited with {rc} (its stderr is above)")
            data = out / "data.json"
            if not data.is_file() or data.stat().st_size == 0:
                die(f"`{' '.join(argv)}` exited 0 but wrote no {data} "
                    f"(is {self.binary} a current build?)")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for line in text.splitlines():
            if line.startswith("warning:") and line not in self.warnings:
                self.warnings.append(line)
        return secs, usage.ru_maxrss, text


def diff_stats(stderr: str) -> tuple[int, int] | None:
    """(from the cache, computed) from valuestory's -v output, None if it did not diff."""
    m = STATS_RE.search(stderr)
    return (int(m.group(1)), int(m.group(2))) if m else None


def expect_stats(what: str, stderr: str, check) -> tuple[int, int]:
    stats = diff_stats(stderr)
    problem = check(stats)
    if problem:
        sys.stderr.write(stderr)
        die(f"{what}: {problem} (valuestory's stderr is above)")
    return stats


def cold_check(stats):
    if stats is None:
        return "no `changed paths: ...` line in the -v output, so it did not diff"
    if stats[0] != 0 or stats[1] == 0:
        return f"expected `0 from the cache, N computed` with N > 0, got {stats}"
    return None


class Copy:
    """A throwaway `git clone --shared --bare` of the repository, and new commits on top.

    The clone borrows the objects through objects/info/alternates, so it costs
    nothing to make and nothing is ever written to the original repository."""

    def __init__(self, repo: Path, scratch: Path):
        self.dir = scratch / "copy.git"
        subprocess.run(["git", "clone", "--shared", "--bare", "-q", str(repo), str(self.dir)],
                       check=True, stdin=subprocess.DEVNULL)
        for k, v in (("gc.auto", "0"), ("maintenance.auto", "false")):
            self.git("config", k, v)
        self.index = scratch / "bench.index"
        # The file to edit: the first regular file under src/ at HEAD, else a new one.
        self.path = "src/valuestory-bench.txt"
        self.content = b""
        for entry in self.git("ls-tree", "-r", "-z", "HEAD", "--", "src/").split("\0"):
            if not entry:
                continue
            meta, name = entry.split("\t", 1)
            mode, kind, oid = meta.split()
            if mode == "100644" and kind == "blob":
                self.path = name
                self.content = subprocess.run(
                    ["git", "-C", str(self.dir), "cat-file", "blob", oid],
                    check=True, capture_output=True).stdout
                break
        if self.content and not self.content.endswith(b"\n"):
            self.content += b"\n"
        self.base_time = int(self.git("show", "-s", "--format=%ct", "HEAD").strip())
        self.added = 0

    def git(self, *args, env=None, input=None) -> str:
        return subprocess.run(["git", "-C", str(self.dir), *args], check=True,
                              capture_output=True, text=True, env=env, input=input).stdout

    def add_commit(self) -> str:
        """Commit one more line in self.path on top of HEAD; returns the new commit id."""
        self.added += 1
        k = self.added
        self.content += f"// valuestory bench edit {k}\n".encode()
        env = dict(os.environ, GIT_INDEX_FILE=str(self.index))
        blob = subprocess.run(["git", "-C", str(self.dir), "hash-object", "-w", "--stdin"],
                              check=True, capture_output=True, input=self.content,
                              env=env).stdout.decode().strip()
        head = self.git("rev-parse", "--verify", "HEAD^{commit}").strip()
        self.git("read-tree", head, env=env)
        self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{self.path}", env=env)
        tree = self.git("write-tree", env=env).strip()
        date = f"{self.base_time + 3600 * k} +0000"
        env.update(IDENT, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        commit = self.git("commit-tree", tree, "-p", head, "-m",
                          f"bench: edit {self.path} ({k})", env=env).strip()
        self.git("update-ref", "HEAD", commit, head)
        return commit


def read_cache(path: Path) -> dict:
    """The diff cache file (format in src/changes/cache.rs): commit id -> the set of
    (added, removed, path, old path), counts None for binary files."""
    data = path.read_bytes()
    if data[:8] != b"VSDIFF\0\x01":
        die(f"{path}: not a valuestory diff cache")
    at = 12
    def u32():
        nonlocal at
        at += 4
        return struct.unpack_from("<I", data, at - 4)[0]
    paths = []
    for _ in range(u32()):
        n = u32()
        paths.append(data[at:at + n].decode())
        at += n
    out = {}
    for _ in range(u32()):
        cid = data[at:at + 20].hex()
        at += 20
        changes = set()
        for _ in range(u32()):
            p, old, added, removed = (u32() for _ in range(4))
            binary = data[at]
            at += 1
            changes.add((None if binary else added, None if binary else removed, paths[p],
                         None if old == 0xFFFFFFFF else paths[old]))
        out[cid] = changes
    return out


def parse_rename(field: str):
    """git's `old => new` and `dir/{old => new}/rest` -> (new, old)."""
    o, c = field.find("{"), field.find("}")
    if o != -1 and c > o and " => " in field[o + 1:c]:
        a, b = field[o + 1:c].split(" => ", 1)
        pre, post = field[:o], field[c + 1:]
        join = lambda mid: (pre + mid + post).replace("//", "/")
        return join(b), join(a)
    if " => " in field:
        a, b = field.split(" => ", 1)
        return b, a
    return field, None


def verify(repo: Path, cache_file: Path):
    """Every commit valuestory diffed equals `git log --numstat -M` on it."""
    ours = read_cache(cache_file)
    print(f"verify: comparing {len(ours)} commits with git log --numstat -M ...",
          file=sys.stderr)
    out = git_out(repo, "log", "--numstat", "-M", "--format=>%H", "HEAD", "--tags")
    theirs, current = {}, None
    for line in out.splitlines():
        if line.startswith(">"):
            current = theirs.setdefault(line[1:], set())
        elif line:
            added, removed, field = line.split("\t", 2)
            path, old = parse_rename(field)
            current.add((None if added == "-" else int(added),
                         None if removed == "-" else int(removed), path, old))
    compared = 0
    for cid, changes in ours.items():
        if cid not in theirs:
            die(f"verify: commit {cid} is in the cache but not in git log HEAD --tags")
        if changes != theirs[cid]:
            die(f"verify: commit {cid} differs:\n  valuestory {sorted(changes, key=str)}\n"
                f"  git        {sorted(theirs[cid], key=str)}")
        compared += 1
    print(f"verify: {compared} commits equal git log --numstat -M", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", help="benchmark this repository instead of a synthetic one")
    ap.add_argument("--runs", type=int, default=3,
                    help="timed runs of each command, and of the warm rebuild (default 3)")
    ap.add_argument("--runs-cold", type=int, default=3,
                    help="timed cold builds that write the cache (default 3)")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "valuestory"),
                    help="valuestory binary (default target/release/valuestory)")
    for name, typ, default in SYNTH_OPTS:
        ap.add_argument(f"--{name}", type=typ, default=default,
                        help=f"synth.py option (default {default})")
    ap.add_argument("--cache-dir", default=str(ROOT / "target" / "bench"),
                    help="where generated repositories are cached (default target/bench)")
    ap.add_argument("--verify", action="store_true",
                    help="compare every cached commit with `git log --numstat -M` (slow)")
    ap.add_argument("--check-ratios", nargs=2, type=float, metavar=("COLD", "WARM"),
                    help="exit 1 if the cold diff ratio (raw) or the warm rebuild ratio "
                         "exceeds these limits")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.runs_cold < 1:
        ap.error("--runs and --runs-cold must be >= 1")

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
        repo = history.synth_repo(args)

    commits = int(git_out(repo, "rev-list", "--count", "--all").strip())
    nonmerge_all = int(git_out(repo, "rev-list", "--count", "--no-merges", "--all").strip())
    nonmerge_head = int(git_out(repo, "rev-list", "--count", "--no-merges", "HEAD", "--tags").strip())
    tags = len(git_out(repo, "for-each-ref", "--format=x", "refs/tags").split())
    layout = ""
    if (repo / MARKER).is_file():
        try:
            layout = json.loads((repo / MARKER).read_text()).get("layout", "")
        except (OSError, ValueError):
            pass

    with tempfile.TemporaryDirectory(prefix="valuestory-diff-bench-") as tmp:
        scratch = Path(tmp)
        cfg = scratch / "diff-bench.yaml"
        cfg.write_text(CONFIG_YAML)
        vs = Valuestory(binary, scratch)

        # ---- part 1: cold diffing ----------------------------------------------
        git_argv = ["git", "-C", str(repo), "log", "--numstat", "-M", "--no-merges",
                    "--format=%H", "HEAD", "--tags"]
        git = Series("git log --numstat -M --no-merges HEAD --tags")
        cold = Series("valuestory cold diff (--no-cache)")
        nodiff = Series("valuestory without diffing (no config)")

        def run_git(record: bool):
            secs, rss, rc = run_measured(git_argv)
            if rc != 0:
                die(f"`{' '.join(git_argv)}` exited with {rc}")
            if record:
                git.add(secs, rss)

        def run_nodiff(record: bool):
            secs, rss, err = vs.run(repo, "--no-cache")
            stats = diff_stats(err)
            if stats is not None:
                sys.stderr.write(err)
                die(f"the build without --config diffed anyway ({stats[1]} computed); "
                    "does the repository's own valuestory.yaml ask for changed paths?")
            if record:
                nodiff.add(secs, rss)

        computed = 0
        print(f"repository: {repo}", file=sys.stderr)
        print(f"part 1: warm-up, then {args.runs} alternating runs of each ...",
              file=sys.stderr)
        # No warm-up for the cold diff itself: it is the longest run, and the git log
        # warm-up has already read the same blobs into the page cache.
        run_git(record=False)
        run_nodiff(record=False)
        for _ in range(args.runs):
            run_git(record=True)
            secs, rss, err = vs.run(repo, "--no-cache", "--config", str(cfg))
            computed = expect_stats("cold diff (--no-cache)", err, cold_check)[1]
            cold.add(secs, rss)
            run_nodiff(record=True)

        # ---- part 2: cold build writing the cache, then warm rebuilds --------
        print(f"part 2: {args.runs_cold} cold build(s) writing the cache, then a warm-up "
              f"and {args.runs} warm rebuild(s), each after one new commit ...",
              file=sys.stderr)
        copy = Copy(repo, scratch)
        cold_write = Series("valuestory cold, writing the cache")
        warm = Series("valuestory warm, 1 new commit")
        cache = None
        for i in range(args.runs_cold):
            if cache is not None:
                shutil.rmtree(cache)
            cache = scratch / f"cache-{i}"
            secs, rss, err = vs.run(copy.dir, "--config", str(cfg), "--cache-dir", str(cache))
            total = expect_stats("cold build writing the cache", err, cold_check)[1]
            cold_write.add(secs, rss)
        cache_file = cache / "diffstat.cache"
        if not cache_file.is_file():
            die(f"the cold build with --cache-dir {cache} wrote no {cache_file}")
        if args.verify:
            verify(copy.dir, cache_file)
        for i in range(args.runs + 1):
            copy.add_commit()

            def warm_check(stats, total=total):
                if stats is None:
                    return "no `changed paths: ...` line in the -v output"
                if stats != (total, 1):
                    return (f"expected `{total} from the cache, 1 computed` after one new "
                            f"commit, got `{stats[0]} from the cache, {stats[1]} computed`")
                return None

            secs, rss, err = vs.run(copy.dir, "--config", str(cfg), "--cache-dir", str(cache))
            expect_stats("warm rebuild after one new commit", err, warm_check)
            total += 1
            if i > 0:  # the first one is the warm-up
                warm.add(secs, rss)
        cache_mib = cache_file.stat().st_size / (1 << 20)

    # On Linux a child created with vfork/posix_spawn (what Popen uses) inherits the
    # spawning process's peak RSS as its own starting ru_maxrss (see history.py).
    true_bin = shutil.which("true") or "/bin/true"
    floor = run_measured([true_bin])[1] / 1024.0

    rows = [s.row() for s in (git, cold, nodiff, cold_write, warm)]
    w = max(len(r[0]) for r in rows)
    print(f"{'command':<{w}}  {'runs':>4}  {'median s':>9}  {'min s':>8}  {'max s':>8}  "
          f"{'peak RSS MiB':>12}")
    for name, n, med, lo, hi, rss in rows:
        print(f"{name:<{w}}  {n:>4}  {med:>9.3f}  {lo:>8.3f}  {hi:>8.3f}  {rss:>12.1f}")

    def ratio(a, b):
        return a / b if b > 0 else float("inf")

    cold_ratio = ratio(cold.median(), git.median())
    cold_net = ratio(cold.median() - nodiff.median(), git.median())
    mem_ratio = ratio(statistics.median(cold.rss), statistics.median(git.rss))
    warm_ratio = ratio(warm.median(), cold_write.median())
    print(f"cold diff ratio (valuestory / git log --numstat): {cold_ratio:.2f} "
          f"({cold_net:.2f} without the history walk)")
    print(f"cold diff memory ratio (valuestory / git log --numstat): {mem_ratio:.2f}")
    print(f"warm rebuild ratio (warm / cold): {warm_ratio:.3f} "
          f"(warm is {warm.median() - nodiff.median():+.3f} s against the build without "
          f"diffing, which reads every commit from the object store)")
    print(f"commits diffed: valuestory {computed} (git rev-list --no-merges HEAD --tags: "
          f"{nonmerge_head}); git log --all: {nonmerge_all} non-merge commits; "
          f"diff cache {cache_mib:.1f} MiB")
    if computed != nonmerge_head:
        print(f"NOTE: valuestory diffed {computed} commits, but HEAD and the tags reach "
              f"{nonmerge_head} non-merge commits")
    for line in vs.warnings:
        print(f"valuestory {line}")
    print(f"repository: {repo} -- {commits} commits, {tags} tags"
          + (f" ({layout})" if layout else ""))
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: nproc={nproc}, cpu={cpu_model()}, runs={args.runs}, "
          f"runs-cold={args.runs_cold}")
    print(f"peak RSS floor from spawning (ru_maxrss of `true` started the same way): "
          f"{floor:.1f} MiB")

    if args.check_ratios:
        cmax, wmax = args.check_ratios
        bad = []
        if cold_ratio > cmax:
            bad.append(f"cold diff ratio {cold_ratio:.2f} > {cmax:.2f}")
        if warm_ratio > wmax:
            bad.append(f"warm rebuild ratio {warm_ratio:.3f} > {wmax:.3f}")
        if bad:
            print("FAIL: " + "; ".join(bad))
            return 1
        print(f"OK: ratios within limits (cold diff <= {cmax:.2f}, warm rebuild <= {wmax:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
