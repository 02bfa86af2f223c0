//! How failures and hotfixes are read from real histories, each rule on a small
//! hand-built history whose right answer is worked out in its comments: every form
//! of revert, reverts that are no failure (unshipped, late, outside the product, a
//! squash's body), release chores in patch releases, patch timing and episodes,
//! overrides, and a complete incident log.

use std::collections::BTreeMap;

use valuestory::history::CommitId;

use crate::support::*;

/// A history whose commits carry whole trees, so a commit can change just the
/// paths a test names.
struct Hist {
    repo: TestRepo,
    files: BTreeMap<String, String>,
    head: Option<CommitId>,
    config: Option<tempfile::NamedTempFile>,
}

impl Hist {
    fn new() -> Hist {
        Hist {
            repo: TestRepo::new(),
            files: BTreeMap::from([("src/app.rs".to_string(), "0\n".to_string())]),
            head: None,
            config: None,
        }
    }

    /// A commit on the last one, changing `src/app.rs` (the product).
    fn commit(&mut self, message: &str, time: i64) -> CommitId {
        let n = self.files.len() + time as usize % 1000;
        self.change(
            message,
            time,
            &[("src/app.rs", &format!("{n} {message}\n"))],
        )
    }

    /// A commit on the last one, setting these files.
    fn change(&mut self, message: &str, time: i64, files: &[(&str, &str)]) -> CommitId {
        for (p, c) in files {
            self.files.insert(p.to_string(), c.to_string());
        }
        let list: Vec<(&str, &[u8])> = self
            .files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_bytes()))
            .collect();
        let parents: Vec<CommitId> = self.head.into_iter().collect();
        let id = self.repo.commit_files(&parents, &list, message, time);
        self.head = Some(id);
        id
    }

    fn tag(&self, name: &str, id: CommitId) {
        self.repo.tag(name, id);
    }

    fn configure(&mut self, yaml: &str) {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), yaml).unwrap();
        self.config = Some(f);
    }

    /// `valuestory check` on the repository, with the configuration when there is one.
    fn check(&self) -> std::process::Output {
        let repo = self.repo.path();
        let mut args = vec![
            "check".to_string(),
            "--repo".into(),
            repo.to_str().unwrap().into(),
        ];
        if let Some(f) = &self.config {
            args.extend(["--config".into(), f.path().to_str().unwrap().into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        valuestory(&args, repo.as_path())
    }

    fn build(&self) -> serde_json::Value {
        let config = self
            .config
            .as_ref()
            .map(|f| f.path().to_str().unwrap().to_string());
        let mut extra = Vec::new();
        if let Some(c) = &config {
            extra.extend(["--config", c.as_str()]);
        }
        let (out, data) = self.repo.build(&extra);
        assert!(out.status.success(), "{}", stderr(&out));
        data.unwrap()
    }
}

fn failed(data: &serde_json::Value, tag: &str) -> bool {
    release(data, tag)["failed"].as_bool().unwrap()
}

/// `v1.0.0` ships `feat: a`; a day later `v1.1.0` ships its revert (returned).
fn shipped_then_reverted() -> (Hist, CommitId) {
    let mut h = Hist::new();
    let a = h.commit("feat: a", T0);
    h.tag("v1.0.0", a);
    let r = h.commit(
        &format!("Revert \"feat: a\"\n\nThis reverts commit {a}.\n"),
        T0 + DAY,
    );
    h.tag("v1.1.0", r);
    (h, r)
}

/// `v1.0.0` ships `original`; two days later `v1.1.0` ships `revert`.
fn reverted_by(original: &str, revert: impl Fn(CommitId) -> String) -> serde_json::Value {
    let mut h = Hist::new();
    let a = h.commit(original, T0);
    h.tag("v1.0.0", a);
    let r = h.commit(&revert(a), T0 + 2 * DAY);
    h.tag("v1.1.0", r);
    h.build()
}

#[test]
fn each_form_of_revert_fails_the_release_that_shipped_what_it_undoes() {
    // git's own line.
    let data = reverted_by("feat: a", |a| {
        format!("Revert \"feat: a\"\n\nThis reverts commit {a}.\n")
    });
    assert!(failed(&data, "v1.0.0"));
    let e = &release(&data, "v1.0.0")["failure_evidence"][0];
    assert_eq!(e["reason"], "reverted_later");
    assert_eq!(e["source"], "inferred");
    // A squash-merged conventional revert names no commit: its own number goes,
    // the reverted pull request's (#1188) is matched.
    let data = reverted_by("fix(repo): use the correct order (#1188)", |_| {
        "revert(repo): use the correct order (#1188) (#1257)".into()
    });
    assert!(failed(&data, "v1.0.0"));
    // GitHub's revert button.
    let data = reverted_by("fix: cache keys (#40)", |_| {
        "Revert \"fix: cache keys (#40)\" (#41)\n\nReverts acme/shop#40".into()
    });
    assert!(failed(&data, "v1.0.0"));
    // A quoted subject alone, matched by its description.
    let data = reverted_by("feat: one-click buy", |_| {
        "Revert \"feat: one-click buy\"".into()
    });
    assert!(failed(&data, "v1.0.0"));
    // And a commit that merely mentions reverting is none.
    let data = reverted_by("feat: one-click buy", |_| {
        "docs: on reverting one-click buy".into()
    });
    assert!(!failed(&data, "v1.0.0"));
}

#[test]
fn reverting_unshipped_work_is_rework_and_a_late_revert_a_removal() {
    // a and its revert both ship in v1.1.0: rework, no release failed.
    let mut h = Hist::new();
    let base = h.commit("feat: base", T0);
    h.tag("v1.0.0", base);
    let a = h.commit("feat: a", T0 + DAY);
    let r = h.commit(
        &format!("Revert \"feat: a\"\n\nThis reverts commit {a}.\n"),
        T0 + 2 * DAY,
    );
    h.tag("v1.1.0", r);
    let data = h.build();
    assert!(!failed(&data, "v1.0.0") && !failed(&data, "v1.1.0"));
    // A revert shipped 40 days after the release is a removal under the default
    // 30-day window, and a failure under a 60-day one.
    let late = |h: &mut Hist| {
        let a = h.commit("feat: a", T0);
        h.tag("v1.0.0", a);
        let r = h.commit(
            &format!("Revert \"feat: a\"\n\nThis reverts commit {a}.\n"),
            T0 + 40 * DAY,
        );
        h.tag("v1.1.0", r);
    };
    let mut h = Hist::new();
    late(&mut h);
    assert!(!failed(&h.build(), "v1.0.0"));
    let mut h = Hist::new();
    late(&mut h);
    h.configure("releases:\n  revert_window_days: 60\n");
    assert!(failed(&h.build(), "v1.0.0"));
}

#[test]
fn reverting_a_ci_only_change_is_no_production_failure() {
    // v1.1.0 changes only the CI workflow; v1.2.0 reverts it.
    let history = |config: Option<&str>| {
        let mut h = Hist::new();
        let base = h.commit("feat: base", T0);
        h.tag("v1.0.0", base);
        let ci = h.change(
            "ci: cache the toolchain",
            T0 + DAY,
            &[(".github/workflows/ci.yml", "on: push\n")],
        );
        h.tag("v1.1.0", ci);
        let r = h.change(
            &format!("Revert \"ci: cache the toolchain\"\n\nThis reverts commit {ci}.\n"),
            T0 + 2 * DAY,
            &[(".github/workflows/ci.yml", "")],
        );
        h.tag("v1.2.0", r);
        if let Some(c) = config {
            h.configure(c);
        }
        h.build()
    };
    assert!(!failed(&history(None), "v1.1.0"));
    // With no path outside the product, the same revert fails it.
    assert!(failed(
        &history(Some("releases:\n  non_product_paths: []\n")),
        "v1.1.0"
    ));
}

#[test]
fn a_squash_whose_body_lists_reverts_is_what_its_subject_says() {
    let data = reverted_by("feat: a", |a| {
        format!(
            "feat: new checkout (#90)\n\n* wip\n\n* Revert \"feat: a\"\n\nThis reverts commit {a}.\n"
        )
    });
    assert!(!failed(&data, "v1.0.0"));
}

#[test]
fn a_release_chore_does_not_make_a_patch_release_planned() {
    // v1.0.1, ten days on (outside the patch window): a fix and the release chore.
    let mut h = Hist::new();
    let a = h.commit("feat: a", T0);
    h.tag("v1.0.0", a);
    h.commit("fix(cd): the deploy key", T0 + 10 * DAY);
    let chore = h.commit("chore(release): prepare for v1.0.1", T0 + 10 * DAY + HOUR);
    h.tag("v1.0.1", chore);
    let data = h.build();
    let v101 = release(&data, "v1.0.1");
    assert_eq!(v101["kind"], "hotfix");
    assert_eq!(v101["hotfix_evidence"][0]["reason"], "patch_of_fixes");
    assert!(failed(&data, "v1.0.0"));
}

#[test]
fn patch_releases_soon_after_are_hotfixes_and_one_episode_fails_once() {
    // v2.0.0, then patches after 1, 2 and 3 days (features, so only timing says
    // hotfix), then one after 20 days.
    let build = |config: Option<&str>| {
        let mut h = Hist::new();
        let a = h.commit("feat: two", T0);
        h.tag("v2.0.0", a);
        for (n, days) in [(1, 1), (2, 2), (3, 3), (4, 20)] {
            let c = h.commit(&format!("feat: more {n}"), T0 + days * DAY);
            h.tag(&format!("v2.0.{n}"), c);
        }
        if let Some(c) = config {
            h.configure(c);
        }
        h.build()
    };
    let data = build(None);
    for n in 1..=3 {
        let r = release(&data, &format!("v2.0.{n}"));
        assert_eq!(r["kind"], "hotfix", "v2.0.{n}");
        assert_eq!(r["hotfix_evidence"][0]["reason"], "patch_timing");
    }
    assert_eq!(release(&data, "v2.0.4")["kind"], "planned");
    // The episode fails v2.0.0 only, and it recovered with the last patch: 3 days.
    assert!(failed(&data, "v2.0.0"));
    assert!(!failed(&data, "v2.0.1") && !failed(&data, "v2.0.2"));
    let evidence = release(&data, "v2.0.0")["failure_evidence"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(evidence.len(), 3);
    assert!(
        evidence
            .iter()
            .all(|e| e["episode"] == true && e["source"] == "inferred")
    );
    let recovery = data["recoveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["release"] == "v2.0.0")
        .unwrap();
    assert_eq!(recovery["seconds"], 3 * DAY);
    // Turned off, timing says nothing.
    let data = build(Some("releases:\n  signals: { patch_timing: false }\n"));
    assert_eq!(release(&data, "v2.0.1")["kind"], "planned");
    assert!(!failed(&data, "v2.0.0"));
}

/// v1.0.0's commit is reverted in v1.1.0 (so it failed); v1.1.1 follows v1.1.0 by
/// an hour (so v1.1.0 failed); v1.2.0 is quiet.
fn overridable(overrides: &str) -> (Hist, CommitId) {
    let (mut h, r) = shipped_then_reverted();
    let p = h.commit("feat: b", T0 + DAY + HOUR);
    h.tag("v1.1.1", p);
    let q = h.change(
        "feat: c",
        T0 + 10 * DAY,
        &[(
            "value/overrides.yaml",
            &overrides.replace("REVERT", &r.to_hex()[..10]),
        )],
    );
    h.tag("v1.2.0", q);
    (h, r)
}

#[test]
fn overrides_set_failure_kind_and_reverts_with_their_reason() {
    let (h, _) = overridable(
        "- release: v1.0.0\n  failed: false\n  reason: The revert only turned a flag off.\n- release: v1.1.1\n  kind: planned\n  reason: Scheduled, not a fix.\n- release: v1.2.0\n  failed: true\n  reason: The migration lost carts.\n",
    );
    let data = h.build();
    assert!(!failed(&data, "v1.0.0"));
    let set_aside = &release(&data, "v1.0.0")["overridden"];
    assert_eq!(set_aside[0]["reason"], "reverted_later");
    assert_eq!(set_aside[1]["source"], "override");
    assert_eq!(set_aside[1]["note"], "The revert only turned a flag off.");
    assert_eq!(release(&data, "v1.1.1")["kind"], "planned");
    // v1.1.1 is no hotfix, so v1.1.0 did not fail.
    assert!(!failed(&data, "v1.1.0"));
    assert!(failed(&data, "v1.2.0"));
    assert_eq!(
        release(&data, "v1.2.0")["failure_evidence"][0]["source"],
        "override"
    );
    // A release set to be a hotfix fails the one it builds on, on the override's word.
    let (h, _) =
        overridable("- release: v1.2.0\n  kind: hotfix\n  reason: It fixed the cart total.\n");
    let data = h.build();
    assert_eq!(release(&data, "v1.2.0")["kind"], "hotfix");
    assert_eq!(
        release(&data, "v1.2.0")["hotfix_evidence"][0]["source"],
        "override"
    );
    let before = &release(&data, "v1.1.1")["failure_evidence"][0];
    assert_eq!(before["reason"], "fixed_by_hotfix");
    assert_eq!(before["source"], "override");
    // A revert set aside by its commit fails nothing.
    let (h, _) = overridable(
        "- commit: 'REVERT'\n  not_a_revert_of_failure: true\n  reason: It reverted a dark launch.\n",
    );
    assert!(!failed(&h.build(), "v1.0.0"));
}

#[test]
fn check_locates_an_override_of_something_that_is_not_there() {
    let (h, _) = overridable(
        "- release: v9.9.9\n  failed: true\n  reason: x\n- release: v1.0.0\n  reason: nothing set\n",
    );
    let out = h.check();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &stderr(&out);
    assert!(
        text.contains("value/overrides.yaml:1:12: `release: v9.9.9` is not a release tag"),
        "{text}"
    );
    assert!(
        text.contains("value/overrides.yaml:4:3: an override of a release sets `failed` or `kind`"),
        "{text}"
    );
}

#[test]
fn a_complete_incident_log_is_the_only_source_of_failures() {
    let (mut h, _) = shipped_then_reverted();
    h.configure("incidents_complete: true\n");
    let data = h.build();
    assert!(!failed(&data, "v1.0.0"));
    assert_eq!(
        release(&data, "v1.0.0")["suspected_failures"][0]["reason"],
        "reverted_later"
    );
    let out = h.check();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &stderr(&out);
    assert!(
        text.contains("warning: unlogged suspected failure: v1.0.0 (its commit"),
        "{text}"
    );
}

#[test]
fn the_demo_shows_logged_and_inferred_evidence_and_an_override() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let out = valuestory(
        &["build", "--repo", repo.to_str().unwrap(), "--out", "site"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("site/data.json")).unwrap()).unwrap();
    let mut sources = std::collections::BTreeSet::new();
    for r in data["releases"].as_array().unwrap() {
        for list in ["failure_evidence", "hotfix_evidence", "overridden"] {
            for e in r[list].as_array().unwrap() {
                sources.insert(e["source"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["inferred", "logged", "override"]
    );
    // The override sets a revert aside; the incident still fails the release.
    let v030 = release(&data, "v0.3.0");
    assert_eq!(v030["failed"], true);
    assert_eq!(v030["overridden"][0]["reason"], "reverted_later");
    let page = std::fs::read_to_string(dir.path().join("site/releases/v0.3.0.html")).unwrap();
    assert!(page.contains("Overridden: inferred: its commit"), "{page}");
    assert!(page.contains("set in <code>value/overrides.yaml</code>: <span data-kind=\"quote\">The revert is how INC-2 was fixed"));
    // An incident that names a release's commit by id is listed on its page.
    let page = std::fs::read_to_string(dir.path().join("site/releases/v1.23.0.html")).unwrap();
    assert!(
        page.contains("Incidents: <a href=\"../incidents.html#INC-5\" data-kind=\"id\">INC-5</a>"),
        "{page}"
    );
}

#[test]
fn initiatives_link_only_work_inside_their_dates_and_pull_requests_by_number() {
    // Scope `api` matches a commit 10 days before `started` and one inside; pull
    // request 7 is squashed inside the dates without the scope; the value folder
    // lands last.
    let mut h = Hist::new();
    h.commit("feat(api): early", T0);
    h.commit("feat(api): inside", T0 + 20 * DAY);
    let squash = h.commit("feat: the thing (#7)", T0 + 21 * DAY);
    h.tag("v1.0.0", squash);
    // Pull request 8 is named too, and linked although it came before `started`.
    let named = h.commit("fix: groundwork (#8)", T0 + 2 * DAY);
    h.tag("v1.0.1", named);
    let started = valuestory::time::rfc3339(T0 + 10 * DAY)[..10].to_string();
    let last = h.change(
        "docs: value",
        T0 + 22 * DAY,
        &[
            ("value/goals.yaml", "- id: g\n  title: G\n"),
            (
                "value/initiatives/x.yaml",
                &format!(
                    "title: X\ngoal: g\nstatus: in-progress\nstarted: {started}\nmatch: {{ scopes: [api], pull_requests: [7, 8] }}\n"
                ),
            ),
        ],
    );
    h.tag("v1.1.0", last);
    let data = h.build();
    let x = &data["initiative_metrics"][0];
    // inside, the squash and pull request 8: 3 of the 4 that match a rule.
    assert_eq!(x["commits"], 3, "{x}");
    assert_eq!(x["shipped_commits"], 3);
    let out = h.check();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &stderr(&out);
    let early = valuestory::time::rfc3339(T0)[..10].to_string();
    assert!(
        text.contains(&format!(
            "warning: initiative x: 1 commit authored from {early} to {early} matches its rules but falls before it started ({started}), so it is not linked"
        )),
        "{text}"
    );
}

#[test]
fn a_component_whose_code_moved_says_which_releases_it_lost_and_where_the_code_was() {
    // The code lived in ignore/ for two releases, then moved to crates/ignore/.
    let mut h = Hist::new();
    let a = h.change("feat: globs", T0, &[("ignore/lib.rs", "1\n")]);
    h.tag("ignore-v0.1.0", a);
    let b = h.change("fix: globs", T0 + DAY, &[("ignore/lib.rs", "2\n")]);
    h.tag("ignore-v0.2.0", b);
    h.files.remove("ignore/lib.rs");
    let c = h.change(
        "refactor: move into crates/",
        T0 + 2 * DAY,
        &[("crates/ignore/lib.rs", "2\n")],
    );
    h.tag("ignore-v0.3.0", c);
    h.configure(
        "components:\n  - { id: ignore, name: Ignore rules, paths: [crates/ignore/], tag_prefix: ignore- }\n",
    );
    let config = h
        .config
        .as_ref()
        .unwrap()
        .path()
        .to_str()
        .unwrap()
        .to_string();
    let (out, data) = h
        .repo
        .build(&["--config", &config, "--component", "ignore"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(tags_in_order(&data), ["ignore-v0.3.0"]);
    assert!(
        data["title"]
            .as_str()
            .unwrap()
            .ends_with(": Ignore rules (ignore)"),
        "{}",
        data["title"]
    );
    let log = stderr(&out);
    assert!(
        log.contains("component ignore: 2 tags (ignore-v0.1.0, ignore-v0.2.0) were dropped, since none of their commits touch crates/ignore/; their commits changed `ignore/`"),
        "{log}"
    );
}

/// Three squash-merged pull requests and a release; the export says when each was
/// opened, first reviewed and first committed to.
fn squashed(export: Option<&str>) -> serde_json::Value {
    let mut h = Hist::new();
    let stream = "name: S\nstages:\n  - { name: Code, measured: coding }\n  - { name: Pickup, measured: pickup }\n  - { name: Review, measured: review }\n  - { name: Release, measured: release_wait }\n";
    h.change("docs: the stream", T0, &[("value/streams/s.yaml", stream)]);
    for n in 1..=3 {
        h.commit(&format!("feat: part {n} (#{n})"), T0 + n * DAY);
    }
    let r = h.commit("chore: release", T0 + 4 * DAY);
    h.tag("v1.0.0", r);
    let Some(export) = export else {
        return h.build();
    };
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), export).unwrap();
    let (out, data) = h
        .repo
        .build(&["--pull-requests", file.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    data.unwrap()
}

fn stage<'a>(data: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    data["stream_metrics"][0]["current"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

#[test]
fn a_pull_request_export_gives_squash_merges_their_cycle_time() {
    // Pull request n merges on day n. Worked by hand, in hours before the merge:
    // review took 10n hours (first review to merge), pickup n*2-1 hours (opened to
    // first review) and coding n*2 hours (first commit to opened).
    let at = |t: i64| valuestory::time::rfc3339(t);
    let entries: Vec<String> = (1..=3i64)
        .map(|n| {
            let merged = T0 + n * DAY;
            let review = merged - 10 * n * HOUR;
            let opened = review - (2 * n - 1) * HOUR;
            let first = opened - 2 * n * HOUR;
            format!(
                r#"{{"number": {n}, "title": "part {n}", "author": {{"login": "a"}}, "createdAt": "{}", "mergedAt": "{}",
                   "reviews": [{{"submittedAt": "{}", "state": "APPROVED"}}], "commits": [{{"authoredDate": "{}"}}],
                   "additions": 1, "deletions": 0, "baseRefName": "main", "mergeCommit": null}}"#,
                at(opened),
                at(merged),
                at(review),
                at(first)
            )
        })
        .collect();
    let data = squashed(Some(&format!("[{}]", entries.join(","))));
    // Medians of 2, 4, 6 hours; 1, 3, 5; 10, 20, 30; and the release on day 4
    // waited 3, 2 and 1 days.
    assert_eq!(stage(&data, "Code")["process_seconds"], 4 * HOUR);
    assert_eq!(stage(&data, "Pickup")["wait_seconds"], 3 * HOUR);
    assert_eq!(stage(&data, "Review")["wait_seconds"], 20 * HOUR);
    assert_eq!(stage(&data, "Release")["wait_seconds"], 2 * DAY);
    assert_eq!(stage(&data, "Review")["pull_requests"], 3);
}

#[test]
fn without_an_export_a_squash_history_says_what_it_cannot_measure() {
    let data = squashed(None);
    for name in ["Code", "Review"] {
        let s = stage(&data, name);
        assert!(
            s["process_seconds"].is_null() && s["wait_seconds"].is_null(),
            "{s}"
        );
        assert!(
            s["source"]
                .as_str()
                .unwrap()
                .ends_with(": needs merge commits or a pull-request export"),
            "{s}"
        );
    }
    assert!(
        stage(&data, "Pickup")["source"]
            .as_str()
            .unwrap()
            .ends_with(": needs a pull-request export")
    );
    // The release wait is in the history: 3, 2 and 1 days.
    assert_eq!(stage(&data, "Release")["wait_seconds"], 2 * DAY);
}

#[test]
fn every_band_names_the_set_it_was_judged_by() {
    let mut h = Hist::new();
    for n in 0..6 {
        let c = h.commit(&format!("feat: {n}"), T0 + n * DAY);
        h.tag(&format!("v1.{n}.0"), c);
    }
    let data = h.build();
    assert_eq!(data["band_set"]["id"], "dora-2023");
    assert_eq!(data["band_set"]["name"], "DORA 2023");
    let dir = tempfile::TempDir::new().unwrap();
    let out = h.repo.build_site(&dir.path().join("site"));
    assert!(out.status.success(), "{}", stderr(&out));
    let index = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
    assert!(
        index.contains("<span class=\"band-set\" data-kind=\"rule\">DORA 2023</span>"),
        "{index}"
    );
    h.configure("dora:\n  bands: custom\n  lead_time: { elite: 2d, high: 1w, medium: 30d }\n");
    let data = h.build();
    assert_eq!(data["band_set"]["name"], "custom");
}

#[test]
fn reverting_a_revert_lands_the_work_again_and_fails_nothing_more() {
    let (mut h, r) = shipped_then_reverted();
    let again = h.commit(
        &format!("Reapply \"feat: a\"\n\nThis reverts commit {r}.\n"),
        T0 + 2 * DAY,
    );
    h.tag("v1.2.0", again);
    let data = h.build();
    assert!(failed(&data, "v1.0.0"));
    assert!(!failed(&data, "v1.1.0"));
}

#[test]
fn an_episode_runs_from_its_first_release_and_an_incident_fix_inside_it_fails_only_that() {
    // v2.0.1 after 6 days and v2.0.2 after 12: only the first is inside the 7-day
    // window of v2.0.0, so the episode ends there.
    let mut h = Hist::new();
    let a = h.commit("feat: two", T0);
    h.tag("v2.0.0", a);
    let b = h.commit("feat: more", T0 + 6 * DAY);
    h.tag("v2.0.1", b);
    let c = h.commit("feat: still more", T0 + 12 * DAY);
    h.tag("v2.0.2", c);
    let data = h.build();
    assert_eq!(release(&data, "v2.0.1")["kind"], "hotfix");
    assert_eq!(release(&data, "v2.0.2")["kind"], "planned");
    // Patches after 1 and 2 days, and an incident that v2.0.2 fixed: the episode's
    // first release failed, and the patch between is no second failure.
    let mut h = Hist::new();
    let a = h.commit("feat: two", T0);
    h.tag("v2.0.0", a);
    let b = h.commit("feat: more", T0 + DAY);
    h.tag("v2.0.1", b);
    let incident = format!(
        "- id: INC-1\n  title: Down\n  started: {}\n  resolved: {}\n  caused_by: v2.0.0\n  fixed_by: v2.0.2\n",
        valuestory::time::rfc3339(T0 + HOUR),
        valuestory::time::rfc3339(T0 + 2 * DAY)
    );
    let c = h.change(
        "fix: it",
        T0 + 2 * DAY,
        &[("value/incidents.yaml", &incident)],
    );
    h.tag("v2.0.2", c);
    let data = h.build();
    assert!(failed(&data, "v2.0.0"));
    assert!(!failed(&data, "v2.0.1"), "{}", release(&data, "v2.0.1"));
}

#[test]
fn a_complete_incident_log_warns_only_of_failures_it_does_not_explain() {
    let mut h = Hist::new();
    let a = h.commit("feat: a", T0);
    h.tag("v1.0.0", a);
    let incident = format!(
        "- id: INC-1\n  title: Down\n  started: {}\n  caused_by: v1.0.0\n",
        valuestory::time::rfc3339(T0 + HOUR)
    );
    let r = h.change(
        &format!("Revert \"feat: a\"\n\nThis reverts commit {a}.\n"),
        T0 + DAY,
        &[("value/incidents.yaml", &incident)],
    );
    h.tag("v1.1.0", r);
    h.configure("incidents_complete: true\n");
    let data = h.build();
    assert!(failed(&data, "v1.0.0"));
    let out = h.check();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &stderr(&out);
    assert!(!text.contains("unlogged suspected failure"), "{text}");
}
