#!/usr/bin/env python3
"""Deterministic synthetic git repository generator for valuestory benchmarks.

    python3 benches/synth.py OUT_DIR [--commits N] [--tags N] [--branchiness F]
                             [--authors N] [--files N] [--seed S]

Creates a non-bare repository at OUT_DIR by streaming commands into
`git fast-import`. It uses only the Python standard library. Every random
decision comes from a splitmix64 PRNG that is seeded from --seed, and every
timestamp is derived from a fixed start date. So the same parameters give the
same commit ids on any machine with any git version.

The repository is left as fast-import wrote it: one or a few packs, no
`git gc`, and no commit-graph. `gc.auto=0` and `maintenance.auto=false` are set
so that no later git command quietly adds one. The work tree stays empty, and
HEAD points at refs/heads/main.

At the end, a completion marker `.git/synth-info.json` is written. It holds the
parameters and the resulting counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

# Bump this whenever a change to this file would change the generated history.
# benches/history.py puts it in the cache key for its generated repository.
GENERATOR_VERSION = 1

MASK64 = (1 << 64) - 1
START_EPOCH = 1420070400  # 2015-01-01T00:00:00Z
LAST_EPOCH = 4070908800   # 2099-01-01T00:00:00Z: the latest a commit is dated
TZS = ("+0000", "+0200", "-0500")
BOT = ("dependabot[bot]", "bot@example.com")
FLUSH_BYTES = 1 << 20


class Rng:
    """splitmix64 -- small, fast, and fully specified (no dependence on `random`)."""

    __slots__ = ("s",)

    def __init__(self, seed: int) -> None:
        self.s = seed & MASK64

    def next(self) -> int:
        self.s = z = (self.s + 0x9E3779B97F4A7C15) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def randint(self, a: int, b: int) -> int:
        return a + self.next() % (b - a + 1)

    def random(self) -> float:
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)

    def chance(self, p: float) -> bool:
        return self.random() < p

    def choice(self, seq):
        return seq[self.next() % len(seq)]


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

MODULES = (
    "parser lexer ast codegen runtime storage cache index query planner executor "
    "network http auth session config cli render layout theme metrics tracing "
    "scheduler worker queue billing search export import sync api model util"
).split()
SUBS = (
    "core types error io fmt tests bench internal helpers state events handlers "
    "builder visitor encoding schema policy"
).split()
CRATES = "engine server client shared macros protocol".split()
WORDS = (
    "token value node span buffer reader writer entry record batch frame chunk "
    "handle context options settings request response payload header body "
    "cursor offset length index key map list tree graph edge vertex item field "
    "user account invoice order report page view widget event signal timer "
    "limit retry backoff pool conn stream sink source filter merge split"
).split()
VERBS = (
    "parse build compute render load store fetch send flush reset update apply "
    "validate resolve encode decode merge split collect emit visit normalize "
    "insert remove lookup register schedule cancel retry open close"
).split()
TYPES = "u32 u64 usize i64 bool String &str Vec<u8> Option<usize> Result<()>".split()
PROSE = (
    "the of and to in is that for it with as on be this are by from or an "
    "value team release user feature change data service request error fast "
    "simple stable config build test docs api cache index query report"
).split()
CONV_TYPES = (
    ("feat", 30), ("fix", 28), ("refactor", 8), ("chore", 8), ("docs", 6),
    ("perf", 4), ("test", 6), ("ci", 3), ("build", 3), ("style", 2),
)
PLAIN_SUBJECTS = (
    "Update readme", "Fix crash in parser", "Fix typo", "Clean up imports",
    "Improve error messages", "Add tests for edge cases", "Bump version",
    "Handle empty input", "Tweak layout", "Speed up startup",
    "Remove dead code", "Fix flaky test", "Address review comments",
    "WIP", "Small fixes", "Update dependencies", "Rework config loading",
    "Fix naïve date handling", "Support UTF-8 paths", "Log more context on failure",
)
INITIATIVES = (
    "checkout-revamp", "faster-search", "onboarding-2.0", "gdpr-compliance",
    "mobile-parity", "cost-reduction", "observability",
)
CRATE_DEPS = "serde tokio regex clap anyhow log rand hyper bytes itertools".split()


def weighted(rng: Rng, table):
    total = 0
    for _, w in table:
        total += w
    r = rng.below(total)
    for item, w in table:
        if r < w:
            return item
        r -= w
    return table[-1][0]


# --------------------------------------------------------------------------
# File content
# --------------------------------------------------------------------------

def code_line(rng: Rng) -> str:
    k = rng.below(12)
    ind = "    " * rng.below(3)
    w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
    v = rng.choice(VERBS)
    if k == 0:
        return f"pub fn {v}_{w1}({w2}: {rng.choice(TYPES)}) -> {rng.choice(TYPES)} {{"
    if k == 1:
        return f"{ind}let {w1}_{w2} = {v}_{w1}(&{w2}, {rng.below(1000)});"
    if k == 2:
        return f"{ind}// TODO: {v} the {w1} before {rng.choice(VERBS)}ing {w2}"
    if k == 3:
        return f"{ind}if {w1}.{v}() > {rng.below(256)} {{ return Err(Error::{w2.capitalize()}); }}"
    if k == 4:
        return f"{ind}self.{w1}.insert({w2}.clone());"
    if k == 5:
        return f"{ind}for {w1} in {w2}s.iter() {{ total += {w1}.len(); }}"
    if k == 6:
        return f"{ind}match {w1} {{ Some(x) => x, None => {rng.below(64)} }};"
    if k == 7:
        return f"{ind}}}"
    if k == 8:
        return ""
    if k == 9:
        return f"{ind}/// {v.capitalize()}s the {w1} into a {w2}."
    if k == 10:
        return f"{ind}{w1}: {rng.choice(TYPES)},"
    return f"{ind}assert_eq!({v}_{w1}({rng.below(100)}), {rng.below(100)});"


def prose_line(rng: Rng) -> str:
    n = rng.randint(4, 12)
    return " ".join(rng.choice(PROSE) for _ in range(n)).capitalize() + "."


def conf_line(rng: Rng) -> str:
    return f"{rng.choice(WORDS)}_{rng.choice(WORDS)} = {rng.below(10000)}"


def line_for(path: str, rng: Rng) -> str:
    if path.endswith(".rs"):
        return code_line(rng)
    if path.endswith(".md") or path.endswith(".txt"):
        return prose_line(rng)
    return conf_line(rng)


def new_text(path: str, rng: Rng):
    return [line_for(path, rng) for _ in range(rng.randint(20, 80))]


def new_binary(rng: Rng) -> bytes:
    n = rng.randint(200, 2000)
    out = bytearray(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
    while len(out) < n:
        x = rng.next()
        out += x.to_bytes(8, "little")
        if x & 3 == 0:
            out += b"\x00\x00\x00"
    return bytes(out[:n])


def edit_text(path: str, lines, rng: Rng):
    """Return a new list: a few lines replaced, inserted or deleted (20..80 lines)."""
    new = list(lines)
    for _ in range(rng.randint(1, 3)):
        op = rng.below(10)
        n = len(new)
        if op < 6 or (op < 8 and n >= 80) or (op >= 8 and n <= 20):
            new[rng.below(n)] = line_for(path, rng)
        elif op < 8:
            new.insert(rng.below(n + 1), line_for(path, rng))
        else:
            del new[rng.below(n)]
    return new


def edit_binary(data: bytes, rng: Rng) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        b[rng.below(len(b))] = rng.below(256)
    return bytes(b)


def random_path(rng: Rng) -> str:
    r = rng.below(1000)
    name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
    mod, sub = rng.choice(MODULES), rng.choice(SUBS)
    if r < 5:
        return f"assets/{mod}/{name}.png"
    if r < 600:
        if rng.below(2):
            return f"src/{mod}/{name}.rs"
        return f"src/{mod}/{sub}/{name}.rs"
    if r < 800:
        crate = rng.choice(CRATES)
        if rng.below(2):
            return f"crates/{crate}/src/{mod}/{name}.rs"
        return f"crates/{crate}/src/{mod}/{sub}/{name}.rs"
    if r < 880:
        return f"tests/{mod}/{name}.rs"
    if r < 940:
        return f"docs/{mod}/{name}.md"
    if r < 980:
        return f"config/{mod}/{name}.toml"
    return f"data/{mod}/{sub}/{name}.txt"


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

class Topic:
    __slots__ = ("n", "ref", "author", "login", "tip", "remaining", "overlay",
                 "maint", "title", "commits")

    def __init__(self, n, ref, author, login, base, remaining, maint, title):
        self.n = n
        self.ref = ref
        self.author = author
        self.login = login
        self.tip = base
        self.remaining = remaining
        self.overlay = {}  # path -> content as seen on this branch
        self.maint = maint
        self.title = title
        self.commits = 0


class Synth:
    def __init__(self, args, proc, resp):
        self.a = args
        self.rng = Rng(args.seed * 0x2545F4914F6CDD1D + 0x1234567)
        self.proc = proc
        self.resp = resp
        self.buf = []
        self.buflen = 0
        self.mark = 0
        self.now = START_EPOCH
        # Each commit advances the clock 5-180 minutes; a history long enough to run
        # past 2099 at that pace (valuestory, like git's date parsing, clamps dates
        # after 2100) takes proportionally smaller steps instead. Histories that fit
        # keep the pace, and so their commit ids.
        longest = args.commits * (180 * 60 + 60)
        self.pace = min(1.0, (LAST_EPOCH - START_EPOCH) / max(1, longest))
        self.ts = [0]            # ts[mark] = committer time of that commit
        self.main_marks = []     # first-parent history of main, oldest first
        self.files = {}          # path -> list[str] | bytes (content on main)
        self.paths = []          # list of paths (for O(1) random choice)
        self.pos = {}            # path -> index in self.paths
        self.binaries = []       # binary paths (may contain stale entries)
        self.pr = 0
        self.topics = []
        self.revertible = []     # recent direct main commits: (mark, subject, changes)
        self.octopus_due = False
        self.maint_done = False
        self.stats = {"merges": 0, "octopus": 0, "reverts": 0, "skewed": 0,
                      "renames": 0, "deletes": 0, "adds": 0}
        n = args.authors
        self.people = [(f"Name {i}", f"n{i}@example.com", TZS[i % 3]) for i in range(1, n + 1)]
        self.maintainers = self.people[: max(1, min(3, n))]

    # ---- output -----------------------------------------------------------
    def w(self, b: bytes) -> None:
        self.buf.append(b)
        self.buflen += len(b)
        if self.buflen >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.proc.stdin.write(b"".join(self.buf))
            self.buf = []
            self.buflen = 0
        self.proc.stdin.flush()

    def data(self, payload: bytes) -> None:
        self.w(b"data %d\n" % len(payload))
        self.w(payload)
        self.w(b"\n")

    def sha_of(self, mark: int) -> str:
        self.w(b"get-mark :%d\n" % mark)
        self.flush()
        line = self.resp.readline().strip().decode()
        if len(line) not in (40, 64):
            raise RuntimeError(f"unexpected get-mark reply: {line!r}")
        return line

    # ---- file bookkeeping -------------------------------------------------
    def add_path(self, path, content):
        self.files[path] = content
        self.pos[path] = len(self.paths)
        self.paths.append(path)
        if isinstance(content, bytes):
            self.binaries.append(path)

    def drop_path(self, path):
        del self.files[path]
        i = self.pos.pop(path)
        last = self.paths.pop()
        if last != path:
            self.paths[i] = last
            self.pos[last] = i

    def pick_path(self, exclude) -> str | None:
        # Skewed towards low indices so that some files are "hot".
        for _ in range(8):
            u = self.rng.random()
            p = self.paths[int(len(self.paths) * u * u)]
            if p not in exclude and not isinstance(self.files[p], bytes):
                return p
        return None

    def fresh_path(self) -> str:
        while True:
            p = random_path(self.rng)
            if p.endswith(".png"):
                continue
            if p not in self.files:
                return p

    @staticmethod
    def encode(content) -> bytes:
        if isinstance(content, bytes):
            return content
        return ("\n".join(content) + "\n").encode()

    # ---- people and messages ---------------------------------------------
    def person(self):
        if self.rng.chance(0.03):
            return (BOT[0], BOT[1], "+0000")
        return self.rng.choice(self.people)

    def committer_for(self, author):
        if author[0] == BOT[0] or self.rng.chance(0.12):
            return self.rng.choice(self.maintainers)
        return author

    def subject(self) -> str:
        rng = self.rng
        if rng.chance(0.6):
            t = weighted(rng, CONV_TYPES)
            scope = f"({rng.choice(MODULES)})" if rng.chance(0.6) else ""
            bang = "!" if rng.chance(0.02) else ""
            desc = f"{rng.choice(VERBS)} {rng.choice(WORDS)} {rng.choice(WORDS)}"
            if t == "fix" and rng.chance(0.3):
                desc = f"handle {rng.choice(WORDS)} overflow in {rng.choice(MODULES)}"
            s = f"{t}{scope}{bang}: {desc}"
            if rng.chance(0.01):
                s = "\u2728 " + s  # gitmoji prefix, non-ASCII
            return s
        return rng.choice(PLAIN_SUBJECTS)

    def message(self, subject: str, allow_extra=True) -> str:
        rng = self.rng
        parts = [subject]
        if allow_extra and rng.chance(0.3):
            parts.append("\n".join(prose_line(rng) for _ in range(rng.randint(1, 4))))
        trailers = []
        if allow_extra:
            if rng.chance(0.08):
                p = rng.choice(self.people)
                trailers.append(f"Co-authored-by: {p[0]} <{p[1]}>")
            if rng.chance(0.05):
                trailers.append(f"Initiative: {rng.choice(INITIATIVES)}")
            if rng.chance(0.02):
                trailers.append(f"Incident: INC-{rng.randint(100, 9999)}")
            if "!:" in subject and rng.chance(0.5):
                trailers.append(f"BREAKING CHANGE: {rng.choice(WORDS)} API changed")
        if trailers:
            parts.append("\n".join(trailers))
        return "\n\n".join(parts) + "\n"

    # ---- commits ------------------------------------------------------------
    def stamp(self, parents) -> int:
        step = self.rng.randint(5, 180) * 60 + self.rng.below(60)
        self.now += step if self.pace == 1.0 else max(1, int(step * self.pace))
        if parents and self.rng.below(500) == 0:
            self.stats["skewed"] += 1
            return min(self.ts[p] for p in parents) - self.rng.randint(600, 3 * 86400)
        return self.now

    def header(self, ref, author, committer, t, msg, frm=None, merges=()):
        self.mark += 1
        m = self.mark
        self.ts.append(t)
        self.w(b"commit %s\nmark :%d\n" % (ref.encode(), m))
        self.w(("author %s <%s> %d %s\ncommitter %s <%s> %d %s\n" % (
            author[0], author[1], t, author[2],
            committer[0], committer[1], t, committer[2])).encode())
        self.data(msg.encode())
        if frm is not None:
            self.w(b"from :%d\n" % frm)
        for mm in merges:
            self.w(b"merge :%d\n" % mm)
        return m

    def modify(self, path, content):
        self.w(b"M 100644 inline %s\n" % path.encode())
        self.data(self.encode(content))

    def initial_commit(self):
        rng = self.rng
        target = max(1, self.a.files)
        specials = {
            "README.md": [prose_line(rng) for _ in range(40)],
            "Cargo.toml": [conf_line(rng) for _ in range(30)],
            "Cargo.lock": [conf_line(rng) for _ in range(60)],
        }
        for p, c in specials.items():
            if len(self.files) < target:
                self.add_path(p, c)
        guard = 0
        while len(self.files) < target and guard < target * 50:
            guard += 1
            p = random_path(rng)
            if p in self.files:
                continue
            self.add_path(p, new_binary(rng) if p.endswith(".png") else new_text(p, rng))
        author = self.maintainers[0]
        t = self.now
        m = self.header("refs/heads/main", author, author, t, "Initial commit\n")
        for p in self.paths:
            self.modify(p, self.files[p])
        self.w(b"\n")
        self.main_marks.append(m)

    def main_commit(self):
        rng = self.rng
        # Revert of a recent direct commit whose files are still untouched.
        if self.revertible and rng.below(400) == 0:
            idx = rng.below(len(self.revertible))
            rm, rsubj, changes = self.revertible[idx]
            if all(self.files.get(p) is new for p, _, new in changes):
                del self.revertible[idx]
                sha = self.sha_of(rm)
                author = self.person()
                t = self.stamp([self.main_marks[-1]])
                msg = f'Revert "{rsubj}"\n\nThis reverts commit {sha}.\n'
                m = self.header("refs/heads/main", author, self.committer_for(author), t, msg)
                for p, old, _ in changes:
                    self.files[p] = old
                    self.modify(p, old)
                self.w(b"\n")
                self.main_marks.append(m)
                self.stats["reverts"] += 1
                return

        author = self.person()
        if author[0] == BOT[0]:
            dep = rng.choice(CRATE_DEPS)
            a, b, c = rng.below(3), rng.below(40), rng.below(20)
            subj = f"chore(deps): bump {dep} from {a}.{b}.{c} to {a}.{b}.{c + 1}"
            msg_subj = subj
        else:
            subj = self.subject()
            msg_subj = subj
        if rng.chance(0.4):
            self.pr += 1
            msg_subj = f"{subj} (#{self.pr})"
        msg = self.message(msg_subj, allow_extra=author[0] != BOT[0])
        t = self.stamp([self.main_marks[-1]])
        m = self.header("refs/heads/main", author, self.committer_for(author), t, msg)

        touched = {}
        changes = []
        structural = False
        if author[0] == BOT[0] and "Cargo.lock" in self.files:
            targets = ["Cargo.lock"] + (["Cargo.toml"] if "Cargo.toml" in self.files else [])
        else:
            targets = []
            for _ in range(rng.randint(1, 4)):
                p = self.pick_path(touched)
                if p is not None and p not in targets:
                    targets.append(p)
                    touched[p] = True
        for p in targets:
            old = self.files[p]
            new = edit_text(p, old, rng)
            self.files[p] = new
            self.modify(p, new)
            changes.append((p, old, new))
            touched[p] = True
        if rng.chance(0.015):  # add a file
            p = self.fresh_path()
            self.add_path(p, new_text(p, rng))
            self.modify(p, self.files[p])
            self.stats["adds"] += 1
            structural = True
        if len(self.paths) > 10 and rng.chance(0.004):  # delete a file
            p = self.pick_path(touched)
            if p is not None and p not in ("README.md", "Cargo.toml", "Cargo.lock"):
                self.drop_path(p)
                self.w(b"D %s\n" % p.encode())
                touched[p] = True
                self.stats["deletes"] += 1
                structural = True
        if len(self.paths) > 10 and rng.chance(0.004):  # rename a file
            p = self.pick_path(touched)
            if p is not None and p not in ("README.md", "Cargo.toml", "Cargo.lock"):
                q = self.fresh_path()
                q = q.rsplit(".", 1)[0] + "." + p.rsplit(".", 1)[1]
                if q not in self.files:
                    content = self.files[p]
                    self.drop_path(p)
                    self.add_path(q, content)
                    self.w(b"R %s %s\n" % (p.encode(), q.encode()))
                    touched[p] = touched[q] = True
                    self.stats["renames"] += 1
                    structural = True
        if self.binaries and rng.below(300) == 0:  # touch a binary
            p = rng.choice(self.binaries)
            if p in self.files and p not in touched:
                self.files[p] = edit_binary(self.files[p], rng)
                self.modify(p, self.files[p])
                structural = True
        self.w(b"\n")
        self.main_marks.append(m)
        if not structural and changes:
            self.revertible.append((m, subj, changes))
            if len(self.revertible) > 50:
                del self.revertible[0]

    def start_topic(self, maint=False):
        rng = self.rng
        if maint:
            n = 0
            ref = "refs/heads/maint"
            author = self.maintainers[-1]
            remaining = 4
            title = "maint"
        else:
            self.pr += 1
            n = self.pr
            ref = f"refs/heads/topic/{n}"
            author = self.person()
            remaining = rng.randint(2, 8)
            title = self.subject()
        login = "dependabot" if author[0] == BOT[0] else author[1].split("@")[0]
        t = Topic(n, ref, author, login, self.main_marks[-1], remaining, maint, title)
        self.topics.append(t)
        return t

    def topic_commit(self, t: Topic):
        rng = self.rng
        author = t.author if rng.chance(0.85) else self.person()
        if t.maint:
            subj = f"fix: backport {rng.choice(VERBS)} {rng.choice(WORDS)} fix"
        elif t.commits == 0:
            subj = t.title
        else:
            subj = self.subject()
        msg = self.message(subj)
        ts = self.stamp([t.tip])
        m = self.header(t.ref, author, self.committer_for(author), ts, msg, frm=t.tip)
        touched = {}
        for _ in range(rng.randint(1, 4)):
            p = self.pick_path(touched)
            if p is None:
                continue
            touched[p] = True
            base = t.overlay.get(p)
            if base is None:
                base = self.files[p]
            new = edit_text(p, base, rng)
            t.overlay[p] = new
            self.modify(p, new)
        self.w(b"\n")
        t.tip = m
        t.remaining -= 1
        t.commits += 1

    def merge_topics(self, ts_):
        rng = self.rng
        merger = rng.choice(self.maintainers)
        if len(ts_) == 1:
            t = ts_[0]
            msg = f"Merge pull request #{t.n} from {t.login}/topic-{t.n}\n\n{t.title}\n"
        else:
            names = [f"'topic-{t.n}'" for t in ts_]
            msg = f"Merge branches {', '.join(names[:-1])} and {names[-1]}\n"
            self.stats["octopus"] += 1
        time_ = self.stamp([self.main_marks[-1]] + [t.tip for t in ts_])
        m = self.header("refs/heads/main", merger, merger, time_, msg,
                        merges=[t.tip for t in ts_])
        written = {}
        for t in ts_:
            for p, content in t.overlay.items():
                if p in self.files and not isinstance(self.files[p], bytes):
                    self.files[p] = content
                    written[p] = content
        for p, content in written.items():
            self.modify(p, content)
        self.w(b"\n")
        for t in ts_:
            self.w(b"reset %s\n\n" % t.ref.encode())  # no `from`: the ref is never written
            self.topics.remove(t)
        self.main_marks.append(m)
        self.stats["merges"] += 1
        # Direct commits before this merge may no longer be cleanly revertible.
        self.revertible = [r for r in self.revertible
                           if all(self.files.get(p) is new for p, _, new in r[2])]

    def advance(self, t: Topic):
        if t.remaining > 0:
            self.topic_commit(t)
            return
        group = [t]
        if self.octopus_due:
            others = [o for o in self.topics if o is not t and not o.maint and o.commits > 0]
            if others:
                group.append(others[0])
                self.octopus_due = False
        if len(group) > 1:
            # The second branch is merged early; whatever it had left is dropped.
            group[1].remaining = 0
        self.merge_topics(group)

    def reserve(self) -> int:
        return sum(t.remaining + (0 if t.maint else 1) for t in self.topics)

    def run(self):
        a = self.a
        rng = self.rng
        N = max(1, a.commits)
        self.initial_commit()
        while self.mark < N:
            left = N - self.mark
            if not self.octopus_due and rng.below(2000) == 0:
                self.octopus_due = True
            if left <= self.reserve():
                # Budget is tight: only finish open branches.
                for t in self.topics:
                    if t.remaining > 0:
                        self.topic_commit(t)
                        break
                else:
                    for t in self.topics:
                        if not t.maint:
                            self.advance(t)
                            break
                continue
            if (not self.maint_done and N >= 500 and self.mark >= N * 9 // 10
                    and left - self.reserve() >= 5):
                self.maint_done = True
                self.start_topic(maint=True)
                continue
            if self.topics and rng.chance(0.5):
                t = rng.choice(self.topics)
                if t.maint and t.remaining == 0:
                    self.main_commit()
                else:
                    self.advance(t)
                continue
            open_prs = sum(1 for t in self.topics if not t.maint)
            if (open_prs < 8 and rng.chance(a.branchiness)
                    and left - self.reserve() >= 10):
                t = self.start_topic()
                self.topic_commit(t)
            else:
                self.main_commit()
        # Leave the maint ref (if any) where it is; every other topic is merged.
        assert all(t.maint for t in self.topics), "unmerged topic left behind"

    def tags(self):
        """Release tags evenly along main's first-parent history, then a few extras."""
        rng = self.rng
        L = self.main_marks
        M = len(L)
        T = max(0, min(self.a.tags, M))
        positions = []
        if T:
            k_end = min(3, T, max(0, M // 10))
            body = T - k_end
            span = max(1, M - 12) if k_end else M
            for i in range(body):
                positions.append((i + 1) * span // (body + 1) if k_end else i * M // body)
            for j in range(k_end):
                positions.append(M - 1 - 2 * (k_end - 1 - j))
            prev = -1
            for i, p in enumerate(positions):  # strictly increasing ...
                positions[i] = prev = max(p, prev + 1)
            nxt = M
            for i in range(len(positions) - 1, -1, -1):  # ... and within range
                positions[i] = nxt = min(positions[i], nxt - 1)
        major, minor, patch = 0, 1, 0
        releases = []
        for i, pos in enumerate(positions):
            if i:
                r = rng.below(100)
                if r < 75:
                    patch += 1
                elif r < 97:
                    minor, patch = minor + 1, 0
                else:
                    major, minor, patch = major + 1, 0, 0
            name = f"v{major}.{minor}.{patch}"
            if patch == 0 and rng.chance(0.15):
                name = f"v{major}.{minor}"
            releases.append((name, pos, (major, minor, patch)))

        extras = []
        handful = min(10, max(3, T // 100)) if M >= 10 else 0
        minors = [(n, pos, v) for n, pos, v in releases if v[2] == 0 and pos > 3]
        for n, pos, v in minors[: handful // 2]:
            extras.append((f"v{v[0]}.{v[1]}.0-rc.1", pos - 2))
        while len(extras) < handful:
            pos = rng.below(M)
            extras.append((f"build-{len(extras) * 37 + 100 + pos % 7}", pos))

        count = 0
        for name, pos in [(n, p) for n, p, _ in releases] + extras:
            m = L[pos]
            if rng.below(2) == 0:  # annotated
                tagger = rng.choice(self.maintainers)
                t = self.ts[m] + rng.randint(2, 30) * 60
                self.w(("tag %s\nfrom :%d\ntagger %s <%s> %d %s\n" % (
                    name, m, tagger[0], tagger[1], t, tagger[2])).encode())
                self.data(f"Release {name}\n\n{prose_line(rng)}\n".encode())
            else:  # lightweight
                self.w(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), m))
            count += 1
        return len(releases), len(extras)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--commits", type=int, default=100000)
    ap.add_argument("--tags", type=int, default=1000)
    ap.add_argument("--branchiness", type=float, default=0.15)
    ap.add_argument("--authors", type=int, default=40)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.authors < 1 or args.files < 1 or args.commits < 1 or args.tags < 0:
        ap.error("--commits, --authors and --files must be >= 1, --tags >= 0")
    if not 0.0 <= args.branchiness <= 1.0:
        ap.error("--branchiness must be within 0..1")

    out = os.path.abspath(args.out_dir)
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        print(f"synth: refusing to write into non-empty {out}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True, env=env)
    for k, v in (("gc.auto", "0"), ("maintenance.auto", "false"),
                 ("core.commitGraph", "true"), ("fetch.writeCommitGraph", "false")):
        subprocess.run(["git", "-C", out, "config", k, v], check=True, env=env)

    rfd, wfd = os.pipe()
    proc = subprocess.Popen(
        ["git", "-C", out, "fast-import", "--quiet", "--done", "--active-branches=16",
         f"--cat-blob-fd={wfd}"],
        stdin=subprocess.PIPE, pass_fds=(wfd,), env=env, bufsize=FLUSH_BYTES)
    os.close(wfd)
    resp = os.fdopen(rfd, "rb")
    s = Synth(args, proc, resp)
    try:
        s.run()
        releases, extras = s.tags()
        s.w(b"done\n")
        s.flush()
        proc.stdin.close()
    except BrokenPipeError:
        pass
    rc = proc.wait()
    resp.close()
    if rc != 0:
        print(f"synth: git fast-import failed with exit code {rc}", file=sys.stderr)
        return 1
    subprocess.run(["git", "-C", out, "symbolic-ref", "HEAD", "refs/heads/main"],
                   check=True, env=env)
    elapsed = time.perf_counter() - t0
    info = {
        "generator_version": GENERATOR_VERSION,
        "params": {k: getattr(args, k) for k in
                   ("commits", "tags", "branchiness", "authors", "files", "seed")},
        "commits": s.mark,
        "main_first_parent": len(s.main_marks),
        "release_tags": releases,
        "other_tags": extras,
        "files_at_tip": len(s.files),
        "stats": s.stats,
        "elapsed_seconds": round(elapsed, 2),
        "layout": "pack as written by fast-import, no commit-graph",
    }
    tmp = os.path.join(out, ".git", "synth-info.json.tmp")
    with open(tmp, "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, os.path.join(out, ".git", "synth-info.json"))
    print(f"synth: {s.mark} commits ({s.stats['merges']} merges, {s.stats['octopus']} octopus), "
          f"{releases} release + {extras} other tags, {len(s.files)} files at tip, "
          f"{elapsed:.1f}s -> {out} (pack as written by fast-import, no commit-graph)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
