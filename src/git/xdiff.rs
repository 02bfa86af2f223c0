//! How many lines a change added and removed, exactly as git's xdiff counts them
//! (`git diff --numstat`, default options: Myers' algorithm with xdiff's
//! heuristics), ported from xdiff's `xprepare.c` and `xdiffi.c` so that no
//! buffer is hashed with SHA-1 or copied on the way (libgit2's `Patch` did both,
//! and that was a quarter of diffing a history).
//!
//! The steps are xdiff's, in its order: lines are classified (equal lines share a
//! class), the common head and tail are trimmed, lines of the middle that occur
//! nowhere in the other file are changes outright and lines that occur too often
//! may be set aside (`xdl_cleanup_records`); Myers' divide and conquer then marks
//! the rest, giving up on an optimal split when the edit cost passes its limits,
//! as xdiff does. xdiff's later compaction slides changed lines within runs of
//! equal ones and never changes how many there are, so it is not needed here.
//! `tests` compare every count with libgit2's xdiff.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

const MAX_COST_MIN: i64 = 256;
const HEUR_MIN_COST: i64 = 256;
const SNAKE_CNT: i64 = 20;
const K_HEUR: i64 = 4;
const MAX_EQLIMIT: usize = 1024;
const SIMSCAN_WINDOW: usize = 100;
const KPDIS_RUN: i64 = 4;
const LINE_MAX: i64 = i64::MAX;

/// A line with its hash, so that most comparisons are of two numbers.
#[derive(Clone, Copy)]
pub(super) struct Line<'a> {
    hash: u64,
    bytes: &'a [u8],
}

impl PartialEq for Line<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.bytes == other.bytes
    }
}

impl Eq for Line<'_> {}

impl Hash for Line<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl<'a> Line<'a> {
    /// The lines of a text, each with its newline; a last line may lack one.
    pub(super) fn split(text: &'a [u8]) -> Vec<Line<'a>> {
        let mut lines = Vec::with_capacity(text.len() / 32 + 1);
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text)
            .map(|i| i + 1)
            .chain([text.len()])
        {
            if end > start {
                lines.push(Line::of(&text[start..end]));
            }
            start = end;
        }
        lines
    }

    fn of(bytes: &'a [u8]) -> Line<'a> {
        let mut hash = bytes.len() as u64;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            hash = (hash.rotate_left(23) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        for &c in words.remainder() {
            hash = (hash.rotate_left(7) ^ u64::from(c)).wrapping_mul(0x100_0000_01b3);
        }
        Line { hash, bytes }
    }
}

/// Passes a line's own hash through.
#[derive(Default)]
struct Passthrough(u64);

impl Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// (added, removed): the lines of `new` and of `old` that xdiff marks changed.
pub fn counts<'a>(old: &'a [u8], new: &'a [u8]) -> (u32, u32) {
    // The lines both files share at the start and the end are never changed (xdiff
    // trims them first); found here on the bytes, they are neither split nor
    // stored. They still count in how often each line of the middles occurs, and
    // in how many lines each file has, as in xdiff.
    let (head, tail) = common_ends(old, new);
    let (a, b) = (
        Line::split(&old[head..old.len() - tail]),
        Line::split(&new[head..new.len() - tail]),
    );
    // Classes: equal lines share one, numbered in order of first sight, with how
    // often each occurs in either file.
    let mut classes: HashMap<Line<'a>, u32, BuildHasherDefault<Passthrough>> =
        HashMap::with_capacity_and_hasher(a.len() + b.len(), Default::default());
    let mut occurs: Vec<[u32; 2]> = Vec::new();
    let mut classify = |lines: &[Line<'a>], side: usize| -> Vec<u32> {
        lines
            .iter()
            .map(|l| {
                let next = occurs.len() as u32;
                let class = *classes.entry(*l).or_insert(next);
                if class == next {
                    occurs.push([0, 0]);
                }
                occurs[class as usize][side] += 1;
                class
            })
            .collect()
    };
    let ha1 = classify(&a, 0);
    let ha2 = classify(&b, 1);
    let shared = count_shared(
        [&old[..head], &old[old.len() - tail..]],
        &classes,
        &mut occurs,
    );
    let mut file1 = File::new(ha1, shared);
    let mut file2 = File::new(ha2, shared);
    trim_ends(&mut file1, &mut file2);
    cleanup_records(&mut file1, &mut file2, &occurs);
    diff(&mut file1, &mut file2);
    let changed = |f: &File| f.changed.iter().filter(|&&c| c).count() as u32;
    (changed(&file2), changed(&file1))
}

/// The bytes of the whole lines both files begin with and end with, the end never
/// reaching into the beginning: `(head, tail)`.
fn common_ends(a: &[u8], b: &[u8]) -> (usize, usize) {
    let blocks = a
        .chunks(64)
        .zip(b.chunks(64))
        .take_while(|(x, y)| x == y)
        .count();
    let equal = (blocks * 64).min(a.len()).min(b.len());
    let same = equal
        + a[equal..]
            .iter()
            .zip(&b[equal..])
            .take_while(|(x, y)| x == y)
            .count();
    let head = memchr::memrchr(b'\n', &a[..same]).map_or(0, |i| i + 1);
    let room = a.len().min(b.len()) - head;
    let from_end = |k: usize| a[a.len() - 1 - k] == b[b.len() - 1 - k];
    let mut back = 0;
    while back + 64 <= room
        && a[a.len() - back - 64..a.len() - back] == b[b.len() - back - 64..b.len() - back]
    {
        back += 64;
    }
    while back < room && from_end(back) {
        back += 1;
    }
    // The tail must start a line in both files: after a newline, or where the head
    // ends; else it starts after its first newline.
    let starts = |x: &[u8], at: usize| at == head || x[at - 1] == b'\n';
    if back > 0 && !(starts(a, a.len() - back) && starts(b, b.len() - back)) {
        let at = a.len() - back;
        back = match memchr::memchr(b'\n', &a[at..]) {
            Some(i) => back - (i + 1),
            None => 0,
        };
    }
    (head, back)
}

/// Counts the shared lines (of the common head and tail) in the occurrences of
/// the middles' classes, on both sides; returns how many lines they are. A line is
/// hashed only when a line of the middles has its length.
fn count_shared<'a>(
    regions: [&'a [u8]; 2],
    classes: &HashMap<Line<'a>, u32, BuildHasherDefault<Passthrough>>,
    occurs: &mut [[u32; 2]],
) -> usize {
    const SHORT: usize = 4096;
    let mut lengths = vec![false; SHORT];
    let mut long = false;
    for l in classes.keys() {
        match lengths.get_mut(l.bytes.len()) {
            Some(seen) => *seen = true,
            None => long = true,
        }
    }
    let mut lines = 0;
    for text in regions {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', text)
            .map(|i| i + 1)
            .chain([text.len()])
        {
            if end == start {
                continue;
            }
            lines += 1;
            let len = end - start;
            let candidate = lengths.get(len).copied().unwrap_or(long);
            if candidate && let Some(&c) = classes.get(&Line::of(&text[start..end])) {
                occurs[c as usize][0] += 1;
                occurs[c as usize][1] += 1;
            }
            start = end;
        }
    }
    lines
}

/// One side's middle (what is left once the lines both files begin and end with
/// are set aside): its lines' classes, which are changed, and what the search sees.
struct File {
    ha: Vec<u32>,
    /// How many lines the whole file has, which sets xdiff's frequent-line limit.
    nrec: usize,
    changed: Vec<bool>,
    /// The first and last lines after the common head and tail are trimmed.
    dstart: usize,
    dend: isize,
    /// The lines left for the search: their positions and classes.
    rindex: Vec<usize>,
    reduced: Vec<u32>,
}

impl File {
    fn new(ha: Vec<u32>, shared: usize) -> File {
        let n = ha.len();
        File {
            ha,
            nrec: n + shared,
            changed: vec![false; n],
            dstart: 0,
            dend: n as isize - 1,
            rindex: Vec::new(),
            reduced: Vec::new(),
        }
    }
}

/// `xdl_trim_ends`: the lines equal at the start and at the end of both files.
fn trim_ends(f1: &mut File, f2: &mut File) {
    let lim = f1.ha.len().min(f2.ha.len());
    let head = (0..lim).take_while(|&i| f1.ha[i] == f2.ha[i]).count();
    let rest = lim - head;
    let tail = (0..rest)
        .take_while(|&i| f1.ha[f1.ha.len() - 1 - i] == f2.ha[f2.ha.len() - 1 - i])
        .count();
    f1.dstart = head;
    f2.dstart = head;
    f1.dend = f1.ha.len() as isize - tail as isize - 1;
    f2.dend = f2.ha.len() as isize - tail as isize - 1;
}

/// xdiff's integer square root estimate: 2 to the number of base-4 digits.
fn bogosqrt(mut n: usize) -> usize {
    let mut i = 1;
    while n > 0 {
        i <<= 1;
        n >>= 2;
    }
    i
}

/// `xdl_cleanup_records`: a line of the middle with no match in the other file
/// is changed; one with many matches is changed when it sits in a run of such
/// lines; the others go to the search.
fn cleanup_records(f1: &mut File, f2: &mut File, occurs: &[[u32; 2]]) {
    let marks = |f: &File, other: usize| -> Vec<u8> {
        let mlim = bogosqrt(f.nrec).min(MAX_EQLIMIT);
        let mut dis = vec![0u8; f.ha.len() + 1];
        for i in f.dstart as isize..=f.dend {
            let nm = occurs[f.ha[i as usize] as usize][other] as usize;
            dis[i as usize] = if nm == 0 {
                0
            } else if nm >= mlim {
                2
            } else {
                1
            };
        }
        dis
    };
    let dis1 = marks(f1, 1);
    let dis2 = marks(f2, 0);
    for (f, dis) in [(f1, dis1), (f2, dis2)] {
        for i in f.dstart as isize..=f.dend {
            let i = i as usize;
            if dis[i] == 1 || (dis[i] == 2 && !clean_mmatch(&dis, i, f.dstart, f.dend as usize)) {
                f.rindex.push(i);
                f.reduced.push(f.ha[i]);
            } else {
                f.changed[i] = true;
            }
        }
    }
}

/// `xdl_clean_mmatch`: whether the many-times-matched line `i` sits in a run of
/// unmatched and many-times-matched lines mostly unmatched, within a window.
fn clean_mmatch(dis: &[u8], i: usize, s: usize, e: usize) -> bool {
    let s = if i - s > SIMSCAN_WINDOW {
        i - SIMSCAN_WINDOW
    } else {
        s
    };
    let e = if e - i > SIMSCAN_WINDOW {
        i + SIMSCAN_WINDOW
    } else {
        e
    };
    let (mut rdis0, mut rpdis0) = (0i64, 1i64);
    let mut r = 1;
    while i >= s + r {
        match dis[i - r] {
            0 => rdis0 += 1,
            2 => rpdis0 += 1,
            _ => break,
        }
        r += 1;
    }
    if rdis0 == 0 {
        return false;
    }
    let (mut rdis1, mut rpdis1) = (0i64, 1i64);
    let mut r = 1;
    while i + r <= e {
        match dis[i + r] {
            0 => rdis1 += 1,
            2 => rpdis1 += 1,
            _ => break,
        }
        r += 1;
    }
    if rdis1 == 0 {
        return false;
    }
    rdis1 += rdis0;
    rpdis1 += rpdis0;
    rpdis1 * KPDIS_RUN < rpdis1 + rdis1
}

/// Where a box is split, and whether each half must be searched for a shortest
/// script.
struct Split {
    i1: i64,
    i2: i64,
    min_lo: bool,
    min_hi: bool,
}

/// The forward and backward furthest reach on each diagonal, indexed by the
/// diagonal plus `base` (diagonals run from below `-len2` to above `len1`).
struct Diagonals {
    forward: Vec<i64>,
    backward: Vec<i64>,
    base: i64,
}

impl Diagonals {
    fn f(&mut self, d: i64) -> &mut i64 {
        &mut self.forward[(d + self.base) as usize]
    }
    fn b(&mut self, d: i64) -> &mut i64 {
        &mut self.backward[(d + self.base) as usize]
    }
}

/// `xdl_do_diff` and `xdl_recs_cmp`: marks the changed lines among those left
/// for the search, box by box (a stack instead of xdiff's recursion, so that no
/// history can run a worker out of stack; the boxes are disjoint, so their order
/// does not matter).
fn diff(f1: &mut File, f2: &mut File) {
    let (n1, n2) = (f1.reduced.len() as i64, f2.reduced.len() as i64);
    let ndiags = n1 + n2 + 3;
    let mut kv = Diagonals {
        forward: vec![0; ndiags as usize],
        backward: vec![0; ndiags as usize],
        base: n2 + 1,
    };
    let mxcost = (bogosqrt(ndiags as usize) as i64).max(MAX_COST_MIN);
    let (ha1, ha2) = (&f1.reduced, &f2.reduced);
    let mut boxes = vec![(0i64, n1, 0i64, n2, false)];
    while let Some((mut off1, mut lim1, mut off2, mut lim2, need_min)) = boxes.pop() {
        while off1 < lim1 && off2 < lim2 && ha1[off1 as usize] == ha2[off2 as usize] {
            off1 += 1;
            off2 += 1;
        }
        while off1 < lim1 && off2 < lim2 && ha1[lim1 as usize - 1] == ha2[lim2 as usize - 1] {
            lim1 -= 1;
            lim2 -= 1;
        }
        if off1 == lim1 {
            for k in off2..lim2 {
                f2.changed[f2.rindex[k as usize]] = true;
            }
        } else if off2 == lim2 {
            for k in off1..lim1 {
                f1.changed[f1.rindex[k as usize]] = true;
            }
        } else {
            let spl = split(
                (ha1, off1, lim1),
                (ha2, off2, lim2),
                &mut kv,
                need_min,
                mxcost,
            );
            boxes.push((spl.i1, lim1, spl.i2, lim2, spl.min_hi));
            boxes.push((off1, spl.i1, off2, spl.i2, spl.min_lo));
        }
    }
}

/// `xdl_split`: Myers' middle snake of a box, or, past xdiff's cost limits, the
/// split its heuristics choose.
fn split(
    (ha1, off1, lim1): (&[u32], i64, i64),
    (ha2, off2, lim2): (&[u32], i64, i64),
    kv: &mut Diagonals,
    need_min: bool,
    mxcost: i64,
) -> Split {
    let h1 = |i: i64| ha1[i as usize];
    let h2 = |i: i64| ha2[i as usize];
    let (dmin, dmax) = (off1 - lim2, lim1 - off2);
    let (fmid, bmid) = (off1 - off2, lim1 - lim2);
    let odd = (fmid - bmid) & 1 != 0;
    let (mut fmin, mut fmax) = (fmid, fmid);
    let (mut bmin, mut bmax) = (bmid, bmid);
    *kv.f(fmid) = off1;
    *kv.b(bmid) = lim1;
    let mut ec = 1i64;
    loop {
        let mut got_snake = false;
        if fmin > dmin {
            fmin -= 1;
            *kv.f(fmin - 1) = -1;
        } else {
            fmin += 1;
        }
        if fmax < dmax {
            fmax += 1;
            *kv.f(fmax + 1) = -1;
        } else {
            fmax -= 1;
        }
        let mut d = fmax;
        while d >= fmin {
            let mut i1 = if *kv.f(d - 1) >= *kv.f(d + 1) {
                *kv.f(d - 1) + 1
            } else {
                *kv.f(d + 1)
            };
            let prev1 = i1;
            let mut i2 = i1 - d;
            while i1 < lim1 && i2 < lim2 && h1(i1) == h2(i2) {
                i1 += 1;
                i2 += 1;
            }
            if i1 - prev1 > SNAKE_CNT {
                got_snake = true;
            }
            *kv.f(d) = i1;
            if odd && bmin <= d && d <= bmax && *kv.b(d) <= i1 {
                return Split {
                    i1,
                    i2,
                    min_lo: true,
                    min_hi: true,
                };
            }
            d -= 2;
        }
        if bmin > dmin {
            bmin -= 1;
            *kv.b(bmin - 1) = LINE_MAX;
        } else {
            bmin += 1;
        }
        if bmax < dmax {
            bmax += 1;
            *kv.b(bmax + 1) = LINE_MAX;
        } else {
            bmax -= 1;
        }
        let mut d = bmax;
        while d >= bmin {
            let mut i1 = if *kv.b(d - 1) < *kv.b(d + 1) {
                *kv.b(d - 1)
            } else {
                *kv.b(d + 1) - 1
            };
            let prev1 = i1;
            let mut i2 = i1 - d;
            while i1 > off1 && i2 > off2 && h1(i1 - 1) == h2(i2 - 1) {
                i1 -= 1;
                i2 -= 1;
            }
            if prev1 - i1 > SNAKE_CNT {
                got_snake = true;
            }
            *kv.b(d) = i1;
            if !odd && fmin <= d && d <= fmax && i1 <= *kv.f(d) {
                return Split {
                    i1,
                    i2,
                    min_lo: true,
                    min_hi: true,
                };
            }
            d -= 2;
        }
        if need_min {
            ec += 1;
            continue;
        }
        if got_snake && ec > HEUR_MIN_COST {
            let mut best = 0;
            let mut found = None;
            let mut d = fmax;
            while d >= fmin {
                let dd = (d - fmid).abs();
                let i1 = *kv.f(d);
                let i2 = i1 - d;
                let v = (i1 - off1) + (i2 - off2) - dd;
                if v > K_HEUR * ec
                    && v > best
                    && off1 + SNAKE_CNT <= i1
                    && i1 < lim1
                    && off2 + SNAKE_CNT <= i2
                    && i2 < lim2
                {
                    let mut k = 1;
                    while h1(i1 - k) == h2(i2 - k) {
                        if k == SNAKE_CNT {
                            best = v;
                            found = Some((i1, i2));
                            break;
                        }
                        k += 1;
                    }
                }
                d -= 2;
            }
            if let Some((i1, i2)) = found {
                return Split {
                    i1,
                    i2,
                    min_lo: true,
                    min_hi: false,
                };
            }
            let mut best = 0;
            let mut found = None;
            let mut d = bmax;
            while d >= bmin {
                let dd = (d - bmid).abs();
                let i1 = *kv.b(d);
                let i2 = i1 - d;
                let v = (lim1 - i1) + (lim2 - i2) - dd;
                if v > K_HEUR * ec
                    && v > best
                    && off1 < i1
                    && i1 <= lim1 - SNAKE_CNT
                    && off2 < i2
                    && i2 <= lim2 - SNAKE_CNT
                {
                    let mut k = 0;
                    while h1(i1 + k) == h2(i2 + k) {
                        if k == SNAKE_CNT - 1 {
                            best = v;
                            found = Some((i1, i2));
                            break;
                        }
                        k += 1;
                    }
                }
                d -= 2;
            }
            if let Some((i1, i2)) = found {
                return Split {
                    i1,
                    i2,
                    min_lo: false,
                    min_hi: true,
                };
            }
        }
        if ec >= mxcost {
            let (mut fbest, mut fbest1) = (-1i64, -1i64);
            let mut d = fmax;
            while d >= fmin {
                let mut i1 = (*kv.f(d)).min(lim1);
                let mut i2 = i1 - d;
                if lim2 < i2 {
                    i1 = lim2 + d;
                    i2 = lim2;
                }
                if fbest < i1 + i2 {
                    fbest = i1 + i2;
                    fbest1 = i1;
                }
                d -= 2;
            }
            let (mut bbest, mut bbest1) = (LINE_MAX, LINE_MAX);
            let mut d = bmax;
            while d >= bmin {
                let mut i1 = off1.max(*kv.b(d));
                let mut i2 = i1 - d;
                if i2 < off2 {
                    i1 = off2 + d;
                    i2 = off2;
                }
                if i1 + i2 < bbest {
                    bbest = i1 + i2;
                    bbest1 = i1;
                }
                d -= 2;
            }
            return if (lim1 + lim2) - bbest < fbest - (off1 + off2) {
                Split {
                    i1: fbest1,
                    i2: fbest - fbest1,
                    min_lo: true,
                    min_hi: false,
                }
            } else {
                Split {
                    i1: bbest1,
                    i2: bbest - bbest1,
                    min_lo: false,
                    min_hi: true,
                }
            };
        }
        ec += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// libgit2's xdiff, as the reference.
    fn xdiff_counts(old: &[u8], new: &[u8]) -> (u32, u32) {
        let mut opts = git2::DiffOptions::new();
        opts.force_text(true).context_lines(0);
        let patch = git2::Patch::from_buffers(old, None, new, None, Some(&mut opts)).unwrap();
        let (_, added, removed) = patch.line_stats().unwrap();
        (added as u32, removed as u32)
    }

    /// A file of `0..max` lines drawn from a vocabulary, so that lines repeat (as
    /// `}` and blank lines do in code) and xdiff's frequent-line rules come in.
    fn text(vocabulary: u16, max: usize) -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(0..vocabulary, 0..max),
            any::<bool>(),
        )
            .prop_map(|(lines, last_newline)| {
                let mut out = Vec::new();
                for l in lines {
                    out.extend_from_slice(format!("line {l}\n").as_bytes());
                }
                if !last_newline && !out.is_empty() {
                    out.pop();
                }
                out
            })
    }

    /// An edit of a text like a commit's: lines replaced, inserted or removed, in
    /// `edits` places, each a run of up to `run` lines.
    fn edited(max: usize, edits: usize, run: usize) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
        (2u16..400).prop_flat_map(move |vocabulary| {
            (
                text(vocabulary, max),
                proptest::collection::vec(
                    (0usize..max.max(1), 0u8..3, 0..vocabulary, 1..=run),
                    1..=edits,
                ),
            )
                .prop_map(|(old, edits)| {
                    let mut lines: Vec<Vec<u8>> = old
                        .split_inclusive(|&b| b == b'\n')
                        .map(<[u8]>::to_vec)
                        .collect();
                    for (at, op, l, n) in edits {
                        for j in 0..n {
                            let line =
                                format!("line {}\n", (l as usize + j * 7) % 997).into_bytes();
                            let at = at % (lines.len() + 1);
                            match op {
                                0 if at < lines.len() => lines[at] = line,
                                1 => lines.insert(at, line),
                                _ if at < lines.len() => {
                                    lines.remove(at);
                                }
                                _ => lines.push(line),
                            }
                        }
                    }
                    (old, lines.concat())
                })
        })
    }

    /// A long file of distinct lines with lines of it copied over other places:
    /// each copy still matches where it came from, so the search, not the
    /// cleanup, has to place it.
    fn moved(
        lines: std::ops::Range<usize>,
        edits: std::ops::Range<usize>,
    ) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
        (
            lines,
            proptest::collection::vec((any::<u16>(), 0u8..3, 1usize..4), edits),
        )
            .prop_map(|(n, edits)| {
                let old: Vec<Vec<u8>> =
                    (0..n).map(|i| format!("line {i}\n").into_bytes()).collect();
                let mut new = old.clone();
                for (k, (at, op, run)) in edits.into_iter().enumerate() {
                    let at = (at as usize * 7) % (new.len() + 1);
                    for j in 0..run {
                        let line = old[(at * 7_919 + k * 31 + j) % old.len()].clone();
                        match op {
                            0 if at + j < new.len() => new[at + j] = line,
                            1 => new.insert(at.min(new.len()), line),
                            _ if at < new.len() => {
                                new.remove(at);
                            }
                            _ => new.push(line),
                        }
                    }
                }
                (old.concat(), new.concat())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: crate::testing::property_cases(2_000),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Small edits of small files, most of a history's changes.
        #[test]
        fn small_edits_count_as_xdiff_counts((old, new) in edited(60, 6, 3)) {
            prop_assert_eq!(counts(&old, &new), xdiff_counts(&old, &new));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: crate::testing::property_cases(120),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Large rewrites, whose edit cost passes xdiff's limits (256, and the
        /// square root of the lines), so that its heuristics choose the split.
        #[test]
        fn large_rewrites_count_as_xdiff_counts((old, new) in edited(3_000, 40, 120)) {
            prop_assert_eq!(counts(&old, &new), xdiff_counts(&old, &new));
        }

        /// Two unrelated texts of one vocabulary: nearly everything changes.
        #[test]
        fn unrelated_texts_count_as_xdiff_counts(
            (old, new) in (2u16..50).prop_flat_map(|v| (text(v, 2_000), text(v, 2_000)))
        ) {
            prop_assert_eq!(counts(&old, &new), xdiff_counts(&old, &new));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: crate::testing::property_cases(60),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Lines moved about a file of thousands: the edit cost passes xdiff's
        /// limit of 256 and it cuts the search at the furthest reach.
        #[test]
        fn moved_lines_count_as_xdiff_counts((old, new) in moved(8_000..12_000, 900..1_400)) {
            prop_assert_eq!(counts(&old, &new), xdiff_counts(&old, &new));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: crate::testing::property_cases(6),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Over 33,000 lines the cost limit is 512, past the 256 at which xdiff
        /// looks for a long run of equal lines to split at (`K_HEUR`,
        /// `SNAKE_CNT`): only files this long reach that rule.
        #[test]
        fn moved_lines_of_a_long_file_count_as_xdiff_counts((old, new) in moved(34_000..40_000, 3_000..4_000)) {
            prop_assert_eq!(counts(&old, &new), xdiff_counts(&old, &new));
        }
    }

    #[test]
    fn edges() {
        for (old, new) in [
            (&b""[..], &b""[..]),
            (b"", b"a\n"),
            (b"a\n", b""),
            (b"a\nb", b"a\nb\n"),
            (b"a\nb\nc\n", b"a\nB\nc\n"),
            (b"x\nx\nx\nx\nx\na\nx\nb\n", b"x\nx\nx\nx\nx\nb\nx\na\n"),
            // Bytes shared at the end that do not start a line in both.
            (b"a\nxb\n", b"a\nyb\n"),
            (b"ab", b"b"),
            (b"b", b"ab"),
            (b"a\nb", b"b"),
            (b"x\na\n", b"a\n"),
            (b"a\na\n", b"a\n"),
            (b"a\n", b"a\na\n"),
            (b"a\nb\n", b"a\nb"),
            (b"a\nb", b"a\nbb"),
        ] {
            assert_eq!(
                counts(old, new),
                xdiff_counts(old, new),
                "{old:?} -> {new:?}"
            );
        }
    }
}
