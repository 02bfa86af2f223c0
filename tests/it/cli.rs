//! The command line as a user meets it: help, errors, config from outside the
//! repository, and the demo.

use crate::support::*;

#[test]
fn help_and_version_exit_zero_and_usage_errors_exit_two() {
    let dir = tempfile::TempDir::new().unwrap();
    let help = valuestory(&["--help"], dir.path());
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("build"));
    let build_help = valuestory(&["build", "--help"], dir.path());
    assert!(String::from_utf8_lossy(&build_help.stdout).contains("--tag-pattern"));
    let version = valuestory(&["--version"], dir.path());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("valuestory "));
    let wrong = valuestory(&["build", "--no-such-flag"], dir.path());
    assert_eq!(wrong.status.code(), Some(2));
}

#[test]
fn not_a_repository_is_exit_one() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = valuestory(
        &["build", "--repo", dir.path().to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tag_pattern_flag_overrides_the_default() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag("release-1", line[0]);
    repo.tag("v1.0", line[1]);
    let (_, data) = repo.build(&["--tag-pattern", "^release-\\d+$"]);
    assert_eq!(tags_in_order(data.as_ref().unwrap()), ["release-1"]);
    let (_, data) = repo.build(&[]);
    assert_eq!(tags_in_order(data.as_ref().unwrap()), ["v1.0"]);
}

#[test]
fn config_error_names_file_line_and_column() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 1, T0);
    repo.main_at(line[0]);
    let config = repo.root.path().join("vs.yaml");
    std::fs::write(&config, "title: X\nreleases:\n  tag_patern: 'v.*'\n").unwrap();
    let (out, _) = repo.build(&["--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: 1 problem in the configuration"),
        "{err}"
    );
    let expected = format!(
        "\n  {}:3:3: unknown field `tag_patern` in `releases` (did you mean `tag_pattern`?); \
         expected one of `tag_pattern`, `baseline`, `hotfix_tag_pattern`, `lead_time_from`, \
         `release_chore_pattern`, `revert_window_days`, `patch_window_days`, `non_product_paths`, \
         `signals`\n",
        config.display()
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn config_is_read_from_the_built_revision() {
    // valuestory.yaml committed in the tree sets the title; the work tree is ignored.
    let repo = TestRepo::new();
    let tree = repo
        .writer
        .tree(
            None,
            &[("valuestory.yaml", Some(b"title: Committed\n".as_slice()))],
        )
        .unwrap();
    let c = repo
        .writer
        .commit(tree, &[], &who(T0), &who(T0), "docs: config")
        .unwrap();
    repo.main_at(c);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["title"], "Committed");
}

/// The sample repository's `main`: change it only with the sample script or files.
const SAMPLE_HEAD: &str = "0065bc681f409a30a5de721b6f94cbbde30431cd";

#[test]
fn sample_repository_is_deterministic_and_pinned() {
    let dir = tempfile::TempDir::new().unwrap();
    let first = valuestory(&["demo", "--repo", "one", "--out", "site1"], dir.path());
    assert!(first.status.success(), "{}", stderr(&first));
    let second = valuestory(&["demo", "--repo", "two", "--out", "site2"], dir.path());
    assert!(second.status.success(), "{}", stderr(&second));
    let a = std::fs::read(dir.path().join("site1/data.json")).unwrap();
    let b = std::fs::read(dir.path().join("site2/data.json")).unwrap();
    assert!(a == b, "two demo runs gave different data.json");
    // The last line of stdout is the site folder.
    let printed = String::from_utf8_lossy(&first.stdout);
    assert!(printed.trim_end().ends_with("site1"), "{printed}");
    assert_eq!(
        git(&dir.path().join("one"), &["rev-parse", "main"]).trim(),
        SAMPLE_HEAD
    );
    let data: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(data["repository"]["head"], SAMPLE_HEAD);
}

#[test]
fn sample_repository_has_what_later_features_need() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = valuestory(&["demo", "--repo", "r", "--out", "s"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let repo = dir.path().join("r");
    let count = |args: &[&str]| git(&repo, args).lines().count();
    assert!(count(&["rev-list", "HEAD"]) >= 400);
    let first = git(&repo, &["log", "--reverse", "--format=%ad", "--date=unix"]);
    let times: Vec<i64> = first.lines().map(|l| l.parse().unwrap()).collect();
    assert!(times.iter().max().unwrap() - times.iter().min().unwrap() >= 540 * DAY);
    let release_tags = git(&repo, &["tag", "--list", "v*"]);
    assert!(release_tags.lines().count() >= 30);
    assert!(count(&["log", "--all", "--grep=^This reverts commit", "--format=%H"]) >= 2);
    assert!(
        count(&[
            "log",
            "--merges",
            "--grep=^Merge pull request #",
            "--format=%H"
        ]) >= 10
    );
    assert!(
        count(&[
            "log",
            "--no-merges",
            "-E",
            "--grep=\\(#[0-9]+\\)$",
            "--format=%H"
        ]) >= 10
    );
    assert!(count(&["log", "--grep=^Co-authored-by:", "--format=%H"]) >= 5);
    assert!(count(&["log", "--grep=^Initiative:", "--format=%H"]) >= 5);
    assert!(count(&["log", "--all", "--grep=^Incident:", "--format=%H"]) >= 3);
    let authors = git(
        &repo,
        &["log", "--all", "--use-mailmap", "--format=%aN <%aE>"],
    );
    let distinct: std::collections::BTreeSet<&str> = authors.lines().collect();
    assert_eq!(distinct.len(), 8, "{distinct:?}");
    assert!(distinct.iter().any(|a| a.contains("[bot]")));
    let raw_authors = git(&repo, &["log", "--all", "--format=%an <%ae>"]);
    assert!(
        raw_authors
            .lines()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            > 8
    );
    assert!(git(&repo, &["branch", "--list", "release/1.4"]).contains("release/1.4"));
    assert!(
        git(&repo, &["cat-file", "-p", "v0.2.0"])
            .lines()
            .all(|l| !l.starts_with("tagger "))
    );
    assert_eq!(git(&repo, &["cat-file", "-t", "gpg-pub"]).trim(), "blob");
    assert!(count(&["tag", "--list", "notify-v*"]) >= 3);
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("s/data.json")).unwrap()).unwrap();
    let hotfixes = data["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "hotfix")
        .count();
    assert!(hotfixes >= 3, "{hotfixes} hotfix releases");
    assert!(data["unreleased"]["commit_count"].as_u64().unwrap() > 0);
}

#[test]
fn demo_leaves_a_sample_made_by_another_version_alone() {
    let dir = tempfile::TempDir::new().unwrap();
    let old = dir.path().join("valuestory-sample");
    std::fs::create_dir_all(old.join(".git")).unwrap();
    std::fs::write(
        old.join(".git").join("valuestory-sample"),
        "0000000000000000\nabc\n",
    )
    .unwrap();
    std::fs::write(old.join("my-notes.txt"), "mine").unwrap();
    let out = valuestory(&["demo", "--out", "site"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sample repository: ") && err.contains("valuestory-sample-"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(old.join("my-notes.txt")).unwrap(),
        "mine"
    );
    // Run again: this version's sample beside it is reused, not made a third time.
    let again = valuestory(&["demo", "--out", "site"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
    let folders = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("valuestory-sample")
        })
        .count();
    assert_eq!(folders, 2);
}
