//! Repositories set up in ways git allows and tidy ones avoid: replace refs and
//! grafts, which change the history git shows without rewriting it, and formats
//! valuestory cannot read, which must be refused in one plain sentence.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use valuestory::history::CommitId;

use crate::support::*;

/// For git commands that write commits (`git replace --graft`).
const IDENTITY: [&str; 4] = [
    "-c",
    "user.name=Tess Tester",
    "-c",
    "user.email=tess@example.com",
];

/// Six commits an hour apart on main, `v1.0` on the second and `v2.0` on the last.
fn six_commits() -> (TestRepo, Vec<CommitId>) {
    let mut repo = TestRepo::new();
    let c = repo.line(None, 6, T0);
    repo.main_at(c[5]);
    repo.tag("v1.0", c[1]);
    repo.tag("v2.0", c[5]);
    (repo, c)
}

/// `git replace --graft commit parents...`: a copy of `commit` with other parents
/// is read in its place.
fn graft(repo: &TestRepo, commit: CommitId, parents: &[CommitId]) {
    let hex: Vec<String> = std::iter::once(commit)
        .chain(parents.iter().copied())
        .map(|c| c.to_hex())
        .collect();
    let mut args: Vec<&str> = IDENTITY.to_vec();
    args.extend(["replace", "--graft"]);
    args.extend(hex.iter().map(String::as_str));
    repo.git(&args);
}

fn git_lines(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
    String::from_utf8(git_bytes_with(dir, args, vars))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The commits `v2.0` ships, by valuestory and by git, with `vars` set for both.
fn shipped_by_v2(repo: &TestRepo, vars: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let (out, data) = repo.build_with(&[], vars);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = ids(&release(&data.unwrap(), "v2.0")["commits"]);
    let theirs = git_lines(&repo.path(), &["rev-list", "v2.0", "^v1.0"], vars);
    (ours, theirs)
}

#[test]
fn replace_ref_that_cuts_history_counts_like_git() {
    let (repo, c) = six_commits();
    graft(&repo, c[3], &[]);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    let theirs = git_lines(&repo.path(), &["rev-list", "v2.0", "^v1.0"], &[]);
    assert_eq!(theirs.len(), 3);
    assert_eq!(release(&data, "v2.0")["commit_count"], 3);
    // The cut commit keeps its own id, as `git log` shows it.
    assert_eq!(ids(&release(&data, "v2.0")["commits"]), theirs);
    assert_eq!(theirs[2], c[3].to_hex());
    assert_eq!(release(&data, "v1.0")["commit_count"], 2);
}

#[test]
fn no_replace_objects_variable_shows_the_stored_history() {
    let (repo, c) = six_commits();
    graft(&repo, c[3], &[]);
    let (ours, theirs) = shipped_by_v2(&repo, &[("GIT_NO_REPLACE_OBJECTS", "1")]);
    assert_eq!(theirs.len(), 4);
    assert_eq!(ours, theirs);
}

#[test]
fn replace_ref_base_from_the_environment_is_honoured() {
    let (repo, c) = six_commits();
    graft(&repo, c[3], &[]);
    let stored = format!("refs/replace/{}", c[3]);
    let replacement = repo.git(&["rev-parse", &stored]);
    repo.git(&[
        "update-ref",
        &format!("refs/moved/{}", c[3]),
        replacement.trim(),
    ]);
    repo.git(&["update-ref", "-d", &stored]);

    let (ours, theirs) = shipped_by_v2(&repo, &[("GIT_REPLACE_REF_BASE", "refs/moved/")]);
    assert_eq!(theirs.len(), 3);
    assert_eq!(ours, theirs);
    let (ours, theirs) = shipped_by_v2(&repo, &[]);
    assert_eq!(theirs.len(), 4);
    assert_eq!(ours, theirs);
}

#[test]
fn grafts_file_gives_commits_the_parents_git_shows() {
    let (mut repo, c) = six_commits();
    let side = repo.commit(&[c[0]], "feat: side", T0 + 6 * HOUR);
    // c3 loses its parent; c5 gains a second one, seen on no branch. git honours
    // grafts even with replace refs turned off.
    let grafts = format!("{}\n{} {} {side}\n", c[3], c[5], c[4]);
    std::fs::write(repo.path().join(".git/info/grafts"), grafts).unwrap();
    for vars in [&[][..], &[("GIT_NO_REPLACE_OBJECTS", "1")][..]] {
        let (ours, theirs) = shipped_by_v2(&repo, vars);
        assert_eq!(theirs.len(), 4);
        assert!(theirs.contains(&side.to_hex()));
        let ours: BTreeSet<String> = ours.into_iter().collect();
        let theirs: BTreeSet<String> = theirs.into_iter().collect();
        assert_eq!(ours, theirs);
    }
}

/// git skips comments and lines it cannot read in a grafts file; libgit2, which
/// opens the repository, refuses the whole file. Either way the user is told
/// which line and how to move on.
#[test]
fn graft_line_libgit2_cannot_read_is_a_located_error() {
    let (repo, c) = six_commits();
    for grafts in [
        format!("{}\nnot a graft\n", c[3]),
        format!("{}\n# cut here\n", c[3]),
    ] {
        std::fs::write(repo.path().join(".git/info/grafts"), grafts).unwrap();
        let (out, data) = repo.build(&[]);
        assert_eq!(out.status.code(), Some(1));
        assert!(data.is_none());
        let path = repo.path().join(".git/info/grafts");
        assert_eq!(
            stderr(&out),
            format!(
                "error: {}:2: valuestory reads grafts only as `<commit id> [<parent id>...]` \
                 lines, one space apart, without comments or blank lines; turn the file into \
                 replace refs with `git replace --convert-graft-file`\n",
                path.display()
            )
        );
    }
}

/// Per-commit results kept between builds (raw commits, changed paths) must
/// follow the history git shows as replace refs come and go.
#[test]
fn adding_or_removing_a_replace_ref_never_serves_cached_results() {
    let repo = TestRepo::new();
    let config: &[u8] = b"commits:\n  paths: [a/]\n";
    let files =
        |x: &'static [u8], y: &'static [u8]| [("valuestory.yaml", config), ("a/x", x), ("b/y", y)];
    let c0 = repo.commit_files(&[], &files(b"1\n", b"1\n"), "feat: start", T0);
    let c1 = repo.commit_files(&[c0], &files(b"1\n", b"2\n"), "feat: b", T0 + HOUR);
    let c2 = repo.commit_files(&[c1], &files(b"2\n", b"2\n"), "feat: a", T0 + 2 * HOUR);
    repo.tag("v1.0", c2);
    // c1 as it might have been: it changes a/ too, so that c2 changes nothing.
    let list: Vec<(&str, Option<&[u8]>)> = files(b"2\n", b"2\n")
        .iter()
        .map(|(p, c)| (*p, Some(*c)))
        .collect();
    let tree = repo.writer.tree(None, &list).unwrap();
    let other = repo
        .writer
        .commit(
            tree,
            &[c0],
            &who(T0 + HOUR),
            &who(T0 + HOUR),
            "feat: a and b",
        )
        .unwrap();

    let shipped = || {
        let (out, data) = repo.build(&[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ours = ids(&release(&data.unwrap(), "v1.0")["commits"]);
        let theirs = git_lines(&repo.path(), &["rev-list", "v1.0", "--", "a/"], &[]);
        assert_eq!(ours, theirs);
        ours
    };
    let hex = |ids: &[CommitId]| ids.iter().map(CommitId::to_hex).collect::<Vec<_>>();
    let replace = || repo.git(&["replace", &c1.to_hex(), &other.to_hex()]);
    replace();
    assert_eq!(shipped(), hex(&[c1, c0]), "replaced, cold");
    assert_eq!(shipped(), hex(&[c1, c0]), "replaced, warm");
    repo.git(&["replace", "-d", &c1.to_hex()]);
    assert_eq!(shipped(), hex(&[c2, c0]), "replace ref removed");
    assert_eq!(shipped(), hex(&[c2, c0]), "replace ref removed, warm");
    replace();
    assert_eq!(shipped(), hex(&[c1, c0]), "replace ref added again");
}

#[test]
fn configuration_is_read_from_the_replaced_commit() {
    let repo = TestRepo::new();
    let c0 = repo.commit_files(
        &[],
        &[("valuestory.yaml", b"title: Stored\n")],
        "feat: start",
        T0,
    );
    let tree = repo
        .writer
        .tree(None, &[("valuestory.yaml", Some(b"title: Replaced\n"))])
        .unwrap();
    let other = repo
        .writer
        .commit(tree, &[], &who(T0), &who(T0), "feat: start")
        .unwrap();
    repo.git(&["replace", &c0.to_hex(), &other.to_hex()]);
    assert_eq!(
        repo.git(&["show", "HEAD:valuestory.yaml"]),
        "title: Replaced\n"
    );
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(data["title"], "Replaced");
    assert_eq!(data["repository"]["head"], c0.to_hex());
}

#[test]
fn revision_steps_follow_replaced_parents() {
    let (repo, c) = six_commits();
    graft(&repo, c[4], &[c[1]]);
    let theirs = repo.git(&["rev-parse", "HEAD~2"]);
    assert_eq!(theirs.trim(), c[1].to_hex());
    let (out, data) = repo.build(&["--rev", "HEAD~2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["repository"]["head"], c[1].to_hex());
}

/// A repository made by `git init ARGS repo` in `dir` with one commit tagged `v1.0`.
fn git_init(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let mut init = vec!["init", "--quiet"];
    init.extend_from_slice(args);
    init.push("repo");
    git(dir, &init);
    let repo = dir.join("repo");
    let mut commit: Vec<&str> = IDENTITY.to_vec();
    commit.extend(["commit", "--quiet", "--allow-empty", "-m", "feat: start"]);
    git(&repo, &commit);
    git(&repo, &["tag", "v1.0"]);
    repo
}

/// `valuestory build` and `check` on `repo` both fail with exactly `message`.
fn assert_refused(dir: &Path, repo: &Path, message: &str) {
    let r = repo.to_str().unwrap();
    for args in [
        &["build", "--repo", r, "--out", "site"][..],
        &["check", "--repo", r][..],
    ] {
        let out = valuestory(args, dir);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), format!("error: {message}\n"), "{args:?}");
    }
}

/// The copy built as the advice says reads like any other repository.
fn assert_builds(dir: &Path, copy: &str) {
    let out = valuestory(&["build", "--json-only", "--repo", copy, "--out", "o"], dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("o/data.json")).unwrap()).unwrap();
    assert_eq!(release(&data, "v1.0")["commit_count"], 1);
}

#[test]
fn sha256_repository_is_refused_in_one_sentence() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = git_init(dir.path(), &["--object-format=sha256"]);
    let r = repo.display();
    assert_refused(
        dir.path(),
        &repo,
        &format!(
            "{r}: this repository stores its objects with SHA-256, which valuestory cannot read \
             yet; build from a SHA-1 copy of it, made with `git init --object-format=sha1 COPY \
             && git -C {r} fast-export --all --signed-tags=strip | git -C COPY fast-import` \
             (the same history and tags, under other commit ids)"
        ),
    );
    // The advice works.
    git(
        dir.path(),
        &["init", "--quiet", "--object-format=sha1", "copy"],
    );
    let export = git_bytes(&repo, &["fast-export", "--all", "--signed-tags=strip"]);
    let mut import = Command::new("git")
        .args(["-C", "copy", "fast-import", "--quiet"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    import.stdin.take().unwrap().write_all(&export).unwrap();
    assert!(import.wait().unwrap().success());
    assert_builds(dir.path(), "copy");
}

#[test]
fn reftable_repository_is_refused_in_one_sentence() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = git_init(dir.path(), &["--ref-format=reftable"]);
    let r = repo.display();
    assert_refused(
        dir.path(),
        &repo,
        &format!(
            "{r}: this repository stores its references in the reftable format, which \
             valuestory cannot read yet; build from a copy that stores them as files, made \
             with `git clone --mirror --ref-format=files {r} COPY`"
        ),
    );
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--mirror",
            "--ref-format=files",
            repo.to_str().unwrap(),
            "copy",
        ],
    );
    assert_builds(dir.path(), "copy");
}

#[test]
fn other_unknown_repository_extension_is_named() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = git_init(dir.path(), &[]);
    git(&repo, &["config", "core.repositoryFormatVersion", "1"]);
    git(&repo, &["config", "extensions.refStorage", "files"]);
    let r = repo.display();
    assert_refused(
        dir.path(),
        &repo,
        &format!(
            "{r}: this repository needs the git extension `extensions.refstorage`, which \
             valuestory cannot read yet; build from a clone of it, made with \
             `git clone --mirror {r} COPY`"
        ),
    );
}

#[test]
fn linked_worktree_of_a_shallow_clone_is_reported_as_shallow() {
    let (repo, _) = six_commits();
    let dir = repo.root.path();
    let url = format!("file://{}", repo.path().display());
    git(dir, &["clone", "--quiet", "--depth", "1", &url, "shallow"]);
    git(
        &dir.join("shallow"),
        &["worktree", "add", "--quiet", "../linked"],
    );
    let out = valuestory(&["check", "--repo", "linked"], dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("linked/: this is a shallow clone"),
        "{}",
        stderr(&out)
    );
}
