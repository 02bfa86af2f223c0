//! Changed paths and line counts per commit, against `git log --numstat -M`, and
//! the cache that makes rebuilds cheap.

use std::collections::{BTreeMap, BTreeSet};

use valuestory::git::{Differ, ObjectStore, Objects};
use valuestory::history::CommitId;

use crate::support::*;

/// A small deterministic generator (splitmix64), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn text_file(rng: &mut Rng, lines: usize) -> Vec<u8> {
    (0..lines)
        .map(|_| format!("line {} of something {}\n", rng.below(1000), rng.below(50)))
        .collect::<String>()
        .into_bytes()
}

/// (added, removed, path, old path) per file, as git prints them; `None` counts for
/// binary files.
type Numstat = BTreeSet<(Option<u32>, Option<u32>, String, Option<String>)>;

/// `old => new`, or `dir/{old => new}/rest` as git abbreviates renames.
fn parse_rename(field: &str) -> (String, Option<String>) {
    if let (Some(open), Some(close)) = (field.find('{'), field.find('}'))
        && let Some((a, b)) = field[open + 1..close].split_once(" => ")
    {
        let (pre, post) = (&field[..open], &field[close + 1..]);
        let join = |mid: &str| format!("{pre}{mid}{post}").replace("//", "/");
        return (join(b), Some(join(a)));
    }
    match field.split_once(" => ") {
        Some((a, b)) => (b.to_string(), Some(a.to_string())),
        None => (field.to_string(), None),
    }
}

/// `git log --numstat --format=>%H` output, by commit.
fn parse_numstat(out: &str) -> BTreeMap<String, Numstat> {
    let mut map: BTreeMap<String, Numstat> = BTreeMap::new();
    let mut current = String::new();
    for line in out.lines() {
        if let Some(id) = line.strip_prefix('>') {
            current = id.to_string();
            map.entry(current.clone()).or_default();
        } else if !line.is_empty() {
            let mut parts = line.splitn(3, '\t');
            let added = parts.next().unwrap().parse().ok();
            let removed = parts.next().unwrap().parse().ok();
            let (path, old) = parse_rename(parts.next().unwrap());
            map.get_mut(&current)
                .unwrap()
                .insert((added, removed, path, old));
        }
    }
    map
}

/// 90 random commits in nested folders: adds, edits, renames (exact and
/// edited), deletions and binary files, in loose objects.
fn random_history(repo: &TestRepo) -> Vec<CommitId> {
    let mut rng = Rng(42);
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let dirs = [
        "src",
        "src/core",
        "src/core/deep/er",
        "docs",
        "assets/img",
        "a",
        "a.b",
    ];
    let mut parent: Option<CommitId> = None;
    let mut tree = repo.writer.empty_tree();
    let mut renames = 0;
    let mut binaries = 0;
    let mut deletions = 0;
    let mut commits = Vec::new();
    for i in 0..90 {
        let mut changes: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        let roll = rng.below(100);
        let names: Vec<String> = files.keys().cloned().collect();
        if i < 3 || roll < 15 || names.len() < 4 {
            for _ in 0..1 + rng.below(3) {
                let dir = dirs[rng.below(dirs.len())];
                let path = format!("{dir}/f{}.txt", rng.below(10_000));
                let lines = 3 + rng.below(40);
                changes.push((path, Some(text_file(&mut rng, lines))));
            }
        } else if roll < 25 {
            // A rename, exact or with a small edit (clearly above git's 50%).
            let from = names[rng.below(names.len())].clone();
            let mut content = files[&from].clone();
            if rng.below(2) == 0 && !content.contains(&0) {
                content.extend_from_slice(b"one more line\n");
            }
            let to = format!(
                "{}/moved{}.txt",
                dirs[rng.below(dirs.len())],
                rng.below(10_000)
            );
            changes.push((from, None));
            changes.push((to, Some(content)));
            renames += 1;
        } else if roll < 32 {
            let from = names[rng.below(names.len())].clone();
            changes.push((from, None));
            deletions += 1;
        } else if roll < 40 {
            let mut bytes = vec![0u8, 159, 146, 150];
            bytes.extend((0..rng.below(200)).map(|_| rng.below(256) as u8));
            let path = format!("assets/img/b{}.bin", rng.below(50));
            changes.push((path, Some(bytes)));
            binaries += 1;
        } else {
            // Edit lines of one or two files: change some, insert some, drop some.
            for _ in 0..1 + rng.below(2) {
                let path = names[rng.below(names.len())].clone();
                let old = &files[&path];
                if old.contains(&0) {
                    continue;
                }
                let mut lines: Vec<String> = String::from_utf8_lossy(old)
                    .lines()
                    .map(str::to_string)
                    .collect();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(lines.len() + 1);
                    match rng.below(3) {
                        0 => lines.insert(at, format!("inserted {}", rng.below(1000))),
                        1 if at < lines.len() => lines[at] = format!("changed {}", rng.below(1000)),
                        _ if at < lines.len() => {
                            lines.remove(at);
                        }
                        _ => {}
                    }
                }
                let mut text = lines.join("\n");
                if rng.below(5) != 0 {
                    text.push('\n'); // sometimes no newline at the end
                }
                changes.push((path, Some(text.into_bytes())));
            }
        }
        // One change per path: the last one wins.
        let mut seen = BTreeSet::new();
        changes.reverse();
        changes.retain(|(p, _)| seen.insert(p.clone()));
        let list: Vec<(&str, Option<&[u8]>)> = changes
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref()))
            .collect();
        let new_tree = repo.writer.tree(Some(tree), &list).unwrap();
        if new_tree == tree {
            continue;
        }
        tree = new_tree;
        for (p, c) in changes {
            match c {
                Some(c) => {
                    files.insert(p, c);
                }
                None => {
                    files.remove(&p);
                }
            }
        }
        let parents: Vec<CommitId> = parent.into_iter().collect();
        let id = repo
            .writer
            .commit(
                tree,
                &parents,
                &who(T0 + i * HOUR),
                &who(T0 + i * HOUR),
                &format!("change {i}"),
            )
            .unwrap();
        commits.push(id);
        parent = Some(id);
    }
    assert!(commits.len() >= 50, "{} commits", commits.len());
    assert!(
        renames >= 5 && binaries >= 3 && deletions >= 3,
        "{renames} renames, {binaries} binaries, {deletions} deletions"
    );

    repo.main_at(*commits.last().unwrap());
    commits
}

/// Every commit's changes, read from the repository at `git_dir`, equal what
/// `git log --numstat -M` prints there; no object needs libgit2.
fn assert_numstat_like_git(git_dir: &std::path::Path, commits: &[CommitId], renames: usize) {
    let out = git(
        git_dir,
        &[
            "log",
            "--numstat",
            "-M",
            "--format=>%H",
            &commits.last().unwrap().to_hex(),
        ],
    );
    let expected = parse_numstat(&out);
    let store = ObjectStore::open(git_dir).unwrap();
    let mut differ = Differ::new(&store);
    let mut renamed_seen = 0;
    for id in commits {
        let got: Numstat = differ
            .changes_of_commit(*id)
            .unwrap()
            .into_iter()
            .map(|f| {
                let counts = if f.binary {
                    (None, None)
                } else {
                    (Some(f.added), Some(f.removed))
                };
                renamed_seen += usize::from(f.old_path.is_some());
                (counts.0, counts.1, f.path, f.old_path)
            })
            .collect();
        assert_eq!(got, expected[&id.to_hex()], "commit {id}");
    }
    assert!(
        renamed_seen >= renames,
        "only {renamed_seen} renames were compared"
    );
    assert_eq!(differ.objects().fallback_reads(), 0);
}

/// Every object git lists reads back with the same type and bytes.
fn assert_objects_like_git(git_dir: &std::path::Path) -> usize {
    let batch = git_bytes(git_dir, &["cat-file", "--batch-all-objects", "--batch"]);
    let mapped = ObjectStore::open(git_dir).unwrap();
    let unmapped = ObjectStore::open_unmapped(git_dir).unwrap();
    let mut readers = [Objects::new(&mapped), Objects::new(&unmapped)];
    let mut rest = &batch[..];
    let mut count = 0;
    while !rest.is_empty() {
        let nl = rest.iter().position(|&b| b == b'\n').unwrap();
        let header = std::str::from_utf8(&rest[..nl]).unwrap();
        let mut parts = header.split(' ');
        let (id, kind, size) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap().parse::<usize>().unwrap(),
        );
        let content = &rest[nl + 1..nl + 1 + size];
        rest = &rest[nl + 2 + size..];
        let id: [u8; 20] = CommitId::from_hex(id).unwrap().0;
        for objects in &mut readers {
            let (found, data) = objects.read(&id).unwrap();
            assert_eq!(
                (found.name(), &data[..]),
                (kind, content),
                "object {header}"
            );
        }
        count += 1;
    }
    for objects in &readers {
        assert_eq!(objects.fallback_reads(), 0);
    }
    count
}

#[test]
fn per_commit_changes_match_git_log_numstat() {
    let repo = TestRepo::new();
    let commits = random_history(&repo);
    assert_numstat_like_git(&repo.path().join(".git"), &commits, 5);
}

/// Where several deleted files are as similar to an added one, git picks by
/// rules of its own: a file name found once among the deleted and once among the
/// added files pairs first at 75%; then each added file keeps its four best
/// sources (files of a very different size scoring 0 still take a place), the same
/// file name first among equals; spans hash modulo git's prime, CRs of CRLFs not
/// counted. A real history (curl's move of its Visual Studio files) paired
/// differently before these rules were followed; this one does the same in small.
#[test]
fn renames_among_equal_candidates_pair_as_git_pairs_them() {
    let repo = TestRepo::new();
    let lines = |n: usize, tag: &str, crlf: bool| -> Vec<u8> {
        let end = if crlf { "\r\n" } else { "\n" };
        (0..n)
            .map(|i| {
                format!("{tag} line {i} of a file long enough to be split in two spans by git{end}")
            })
            .collect::<String>()
            .into_bytes()
    };
    let filters = lines(20, "filters", true);
    let mut edited_filters = filters.clone();
    edited_filters.extend_from_slice(b"one more\r\n");
    let config = lines(20, "config", false);
    let mut near_config = config.clone();
    near_config.extend_from_slice(&lines(4, "new", false));
    let mut other = near_config.clone();
    other.truncate(other.len() - 10);
    let mut before: Vec<(String, Vec<u8>)> = vec![
        ("keep.txt".into(), b"kept\n".to_vec()),
        ("a/config.txt".into(), config.clone()),
        ("b/other.txt".into(), other),
    ];
    for v in ["VC10", "VC11", "VC12"] {
        before.push((format!("w/{v}/all.sln"), lines(300, v, true)));
        before.push((format!("w/{v}/lib/big.tmpl"), lines(400, v, true)));
        before.push((format!("w/{v}/lib/libx.filters"), filters.clone()));
        before.push((format!("w/{v}/src/big.tmpl"), lines(401, v, true)));
        before.push((format!("w/{v}/src/x.filters"), filters.clone()));
    }
    fn borrow(list: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
        list.iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect()
    }
    let first = repo.commit_files(&[], &borrow(&before), "before", T0);
    let after = vec![
        ("keep.txt".to_string(), b"kept\n".to_vec()),
        ("c/config.txt".into(), near_config),
        ("w/tmpl/libx.filters".into(), edited_filters.clone()),
        ("w/tmpl/x.filters".into(), edited_filters),
    ];
    let second = repo.commit_files(&[first], &borrow(&after), "move", T0 + HOUR);
    assert_numstat_like_git(&repo.path().join(".git"), &[first, second], 3);
}

/// Packs store most objects as deltas against others, by offset in the same
/// pack or by id; a repository borrows another's objects through alternates.
/// The changes and every object read the same in each layout as loose.
#[test]
fn packed_delta_and_borrowed_objects_read_like_git() {
    let mut repo = TestRepo::new();
    let commits = random_history(&repo);
    let git_dir = repo.path().join(".git");
    let deltas = |dir: &std::path::Path| {
        git(
            dir,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(deltabase)",
            ],
        )
        .lines()
        .filter(|l| *l != "0".repeat(40))
        .count()
    };
    for by_offset in ["true", "false"] {
        git(
            &git_dir,
            &[
                "-c",
                &format!("repack.useDeltaBaseOffset={by_offset}"),
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--depth=30",
                "--window=20",
            ],
        );
        let pack_dir = git_dir.join("objects/pack");
        let packs = std::fs::read_dir(&pack_dir).unwrap().count();
        assert!(packs >= 2, "no pack in {}", pack_dir.display());
        assert!(deltas(&git_dir) > 100, "too few deltas to test");
        assert_eq!(ObjectStore::open(&git_dir).unwrap().pack_count(), 1);
        assert!(assert_objects_like_git(&git_dir) > 300);
        assert_numstat_like_git(&git_dir, &commits, 5);
    }
    // New commits on top stay loose beside the pack.
    let mut all = commits.clone();
    all.push(repo.commit(
        &[*commits.last().unwrap()],
        "loose on a pack",
        T0 + 1000 * HOUR,
    ));
    repo.main_at(*all.last().unwrap());
    assert_numstat_like_git(&git_dir, &all, 5);

    let dir = tempfile::TempDir::new().unwrap();
    let borrowed = dir.path().join("borrowed.git");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--shared",
            "--bare",
            repo.path().to_str().unwrap(),
            "borrowed.git",
        ],
    );
    assert!(borrowed.join("objects/info/alternates").is_file());
    assert_objects_like_git(&borrowed);
    assert_numstat_like_git(&borrowed, &all, 5);
}

/// The same blob deleted twice and added once: git pairs the added file with
/// the deleted one of the same name, not the first in path order.
#[test]
fn exact_rename_prefers_the_same_file_name_as_git() {
    let repo = TestRepo::new();
    let mut commits = Vec::new();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("a/.gitkeep", b""),
        ("b/__init__.py", b""),
        ("keep.txt", b"x\n"),
    ];
    commits.push(repo.commit_files(&[], &files, "start", T0));
    files = vec![("c/__init__.py", b""), ("keep.txt", b"x\n")];
    commits.push(repo.commit_files(&[commits[0]], &files, "move", T0 + HOUR));
    assert_numstat_like_git(&repo.path().join(".git"), &commits, 1);
    let store = ObjectStore::open(&repo.path().join(".git")).unwrap();
    let changes = Differ::new(&store).changes_of_commit(commits[1]).unwrap();
    let moved = changes.iter().find(|c| c.path == "c/__init__.py").unwrap();
    assert_eq!(moved.old_path.as_deref(), Some("b/__init__.py"));
}

/// A tree nested deeper than any real project (a damaged repository could hold
/// a tree that contains itself) is an error, not a crashed stack.
#[test]
fn folders_nested_beyond_the_limit_are_an_error() {
    let repo = TestRepo::new();
    let deep = vec!["d"; 300].join("/") + "/file.txt";
    let first = repo.commit_files(&[], &[("top.txt", b"a\n")], "start", T0);
    let second = repo.commit_files(
        &[first],
        &[("top.txt", b"a\n"), (deep.as_str(), b"deep\n")],
        "deep",
        T0 + HOUR,
    );
    let store = ObjectStore::open(&repo.path().join(".git")).unwrap();
    let error = Differ::new(&store)
        .changes_of_commit(second)
        .expect_err("too deep");
    assert!(
        error.to_string().contains("nested over 256 deep"),
        "{error}"
    );
}

/// Damage in a pack is an error that names the pack, never a panic or a wrong
/// answer.
#[test]
fn damaged_pack_is_a_located_error() {
    let repo = TestRepo::new();
    let commits = random_history(&repo);
    let git_dir = repo.path().join(".git");
    git(&git_dir, &["repack", "-a", "-d", "-f", "-q"]);
    let pack = std::fs::read_dir(git_dir.join("objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).unwrap();
    // A pack whose checksum is not the one its index names is not read at all.
    assert_eq!(ObjectStore::open(&git_dir).unwrap().pack_count(), 1);
    let mut stale = bytes.clone();
    let last = stale.len() - 1;
    stale[last] ^= 1;
    std::fs::write(&pack, &stale).unwrap();
    assert_eq!(ObjectStore::open(&git_dir).unwrap().pack_count(), 0);
    // Scribble over the compressed data after the header and first objects.
    let len = bytes.len();
    for b in &mut bytes[len / 3..len - 40] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(&pack, &bytes).unwrap();
    let store = ObjectStore::open(&git_dir).unwrap();
    let mut differ = Differ::new(&store);
    let errors: Vec<String> = commits
        .iter()
        .filter_map(|c| differ.changes_of_commit(*c).err())
        .map(|e| e.to_string())
        .collect();
    assert!(!errors.is_empty(), "no commit read the damaged part");
    assert!(
        errors.iter().any(|e| e.contains(".pack: damaged")),
        "{errors:?}"
    );
}

fn sample(dir: &std::path::Path) -> std::path::PathBuf {
    let repo = dir.join("sample");
    valuestory::demo::create(&repo).unwrap();
    repo
}

#[test]
fn component_build_shows_only_its_commits_and_releases() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = sample(dir.path());
    let r = repo.to_str().unwrap();
    let out = valuestory(
        &[
            "build",
            "--json-only",
            "--repo",
            r,
            "--component",
            "notify",
            "--out",
            "o",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("o/data.json")).unwrap()).unwrap();
    assert_eq!(data["scope"]["component"], "notify");
    // The component's site names it.
    assert!(
        data["title"]
            .as_str()
            .unwrap()
            .ends_with(": Notifications (notify)"),
        "{}",
        data["title"]
    );
    let tags = tags_in_order(&data);
    let git_tags = git(&repo, &["tag", "--list", "notify-v*"]);
    assert_eq!(tags.len(), git_tags.lines().count());
    assert!(tags.iter().all(|t| t.starts_with("notify-v")), "{tags:?}");
    let ours: BTreeSet<String> = data["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| ids(&r["commits"]))
        .chain(ids(&data["unreleased"]["commits"]))
        .collect();
    // Every non-merge commit that touched services/notify/, as git sees it.
    let theirs: BTreeSet<String> = git(
        &repo,
        &[
            "log",
            "--all",
            "--no-merges",
            "--format=%H",
            "--",
            "services/notify/",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    assert!(!ours.is_empty());
    assert_eq!(ours, theirs);
}

#[test]
fn rebuild_diffs_only_new_commits_and_survives_a_damaged_cache() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = sample(dir.path());
    let r = repo.to_str().unwrap();
    let build = |out: &str, extra: &[&str]| {
        let mut args = vec!["-v", "build", "--json-only", "--repo", r, "--out", out];
        args.extend_from_slice(extra);
        let o = valuestory(&args, dir.path());
        assert!(o.status.success(), "{}", stderr(&o));
        (
            stderr(&o),
            std::fs::read_to_string(dir.path().join(out).join("data.json")).unwrap(),
        )
    };
    let (log, clean) = build("clean", &["--no-cache"]);
    assert!(log.contains(" 0 from the cache"), "{log}");
    let commits = repo.join(".git/valuestory/commits.cache");
    assert!(!commits.exists(), "--no-cache wrote the commit cache");
    let (log, first) = build("first", &[]);
    assert!(commits.is_file(), "no commit cache after a build");
    assert!(log.contains(" 0 from the cache"), "{log}");
    let (log, warm) = build("warm", &[]);
    assert!(log.contains(", 0 computed"), "{log}");
    assert!(first == clean, "data.json differs with the cache");
    assert!(warm == clean, "data.json differs from the warm cache");

    // A build killed while writing leaves a partial temporary file beside the cache;
    // a torn cache file (as a crash with a non-atomic write would leave) is ignored.
    let cache = repo.join(".git/valuestory/diffstat.cache");
    let full = std::fs::read(&cache).unwrap();
    std::fs::write(
        repo.join(".git/valuestory/diffstat.cache.999.tmp"),
        &full[..full.len() / 3],
    )
    .unwrap();
    std::fs::write(&cache, &full[..full.len() / 2]).unwrap();
    let (log, after) = build("after", &[]);
    assert!(log.contains("warning: ignoring the diff cache"), "{log}");
    assert!(after == clean, "data.json differs after a damaged cache");
    let (log, again) = build("again", &[]);
    assert!(log.contains(", 0 computed"), "{log}");
    assert!(
        again == clean,
        "data.json differs after the cache was rebuilt"
    );

    // The raw commits kept between builds: a torn file is ignored and rebuilt,
    // and the history read from it is the same as from the object store.
    let full = std::fs::read(&commits).unwrap();
    std::fs::write(&commits, &full[..full.len() / 2]).unwrap();
    let (log, torn) = build("torn", &[]);
    assert!(log.contains("warning: ignoring the commit cache"), "{log}");
    assert!(
        torn == clean,
        "data.json differs after a damaged commit cache"
    );
    assert_eq!(
        std::fs::read(&commits).unwrap(),
        full,
        "commit cache not rebuilt"
    );
    let (log, cached) = build("cached", &[]);
    assert!(!log.contains("warning"), "{log}");
    assert!(cached == clean, "data.json differs with the commit cache");
}
