//! Histories real repositories have and tidy ones do not.

use valuestory::git::{Mailmap, Repository, Writer};

use crate::support::*;

#[test]
fn empty_repository_is_a_clear_error() {
    let repo = TestRepo::new();
    let (out, data) = repo.build(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no commits yet"),
        "{}",
        stderr(&out)
    );
    assert!(data.is_none());
}

#[test]
fn no_tags_means_everything_is_unreleased() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3, T0);
    repo.main_at(line[2]);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(data["releases"].as_array().unwrap().len(), 0);
    assert_eq!(data["unreleased"]["commit_count"], 3);
}

#[test]
fn tag_on_a_blob_is_skipped_with_a_warning() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 1, T0);
    repo.main_at(line[0]);
    repo.tag("v1.0", line[0]);
    repo.writer.tag_blob("v2.0", b"not a commit\n").unwrap();
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: tag v2.0 points at a blob"),
        "{}",
        stderr(&out)
    );
    let data = data.unwrap();
    assert_eq!(tags_in_order(&data), ["v1.0"]);
    assert!(data["warnings"][0].as_str().unwrap().contains("v2.0"));
}

#[test]
fn annotated_tag_without_tagger_takes_the_commit_date() {
    let mut repo = TestRepo::new();
    let a = repo.commit_dated(&[], "feat: a", T0, T0 + 2 * HOUR);
    repo.main_at(a);
    repo.writer
        .tag_annotated("v1.0", a, None, "old tool\n")
        .unwrap();
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &data.as_ref().unwrap()["releases"][0];
    assert_eq!(r["annotated"], true);
    // committer date T0 + 2h = 2023-11-15T00:13:20Z; lead time 2h from the author date
    assert_eq!(r["time"], "2023-11-15T00:13:20Z");
    assert_eq!(r["lead_time"]["median_seconds"], 2 * HOUR);
}

#[test]
fn a_tag_of_a_tag_in_a_pack_peels_to_its_commit_and_takes_the_outer_date() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag_annotated("v1.0", line[0], T0 + 10 * HOUR);
    repo.tag_annotated("inner", line[1], T0 + 20 * HOUR);
    repo.writer
        .tag_of_tag("v2.0", "inner", &who(T0 + 30 * HOUR), "signed again\n")
        .unwrap();
    // The tags are read from a pack, as a cloned repository holds them.
    repo.git(&["repack", "-a", "-d", "-q"]);
    let (out, data) = repo.build(&["--tag-pattern", "^v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(tags_in_order(&data), ["v1.0", "v2.0"]);
    let v2 = release(&data, "v2.0");
    assert_eq!(v2["commit"], line[1].to_hex());
    assert_eq!(v2["annotated"], true);
    // T0 + 30h: the outer tag's tagger, not the inner one's (T0 + 20h).
    assert_eq!(v2["time"], "2023-11-16T04:13:20Z");
    assert_eq!(release(&data, "v1.0")["time"], "2023-11-15T08:13:20Z");
}

#[test]
fn detached_head_builds_the_detached_commit() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3, T0);
    repo.main_at(line[2]);
    repo.writer.detach_head(line[1]).unwrap();
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(data["repository"]["head"], line[1].to_hex());
    assert_eq!(data["unreleased"]["commit_count"], 2);
}

#[test]
fn bare_repository_builds() {
    let mut repo = TestRepo::bare();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag("v1.0", line[1]);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(release(data.as_ref().unwrap(), "v1.0")["commit_count"], 2);
}

#[test]
fn orphan_branch_with_its_own_tag_is_its_own_release() {
    let mut repo = TestRepo::new();
    let main = repo.line(None, 2, T0);
    let orphan = repo.line(None, 2, T0 + DAY);
    repo.main_at(main[1]);
    repo.writer.set_branch("gh-pages", orphan[1]).unwrap();
    repo.tag("v1.0", main[1]);
    repo.tag("v2.0", orphan[1]);
    let (_, data) = repo.build(&[]);
    let data = data.unwrap();
    assert_eq!(
        ids(&release(&data, "v2.0")["commits"]),
        [orphan[1].to_hex(), orphan[0].to_hex()]
    );
    assert_eq!(release(&data, "v2.0")["previous"], serde_json::Value::Null);
    assert_eq!(release(&data, "v1.0")["commit_count"], 2);
}

#[test]
fn non_utf8_commit_message_is_read() {
    let repo = TestRepo::new();
    let tree = repo.writer.empty_tree();
    let latin1 = repo
        .writer
        .commit_raw(
            tree,
            &[],
            &who(T0),
            &who(T0),
            b"fix: caf\xe9 menu\n",
            Some("ISO-8859-1"),
        )
        .unwrap();
    let broken = repo
        .writer
        .commit_raw(
            tree,
            &[latin1],
            &who(T0 + HOUR),
            &who(T0 + HOUR),
            b"feat: \xff\xfe bytes\n",
            Some("x-unknown"),
        )
        .unwrap();
    repo.main_at(broken);
    repo.tag("v1.0", broken);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(release(data.as_ref().unwrap(), "v1.0")["commit_count"], 2);

    let opened = Repository::discover(Some(&repo.path())).unwrap();
    let history = opened.history(&[broken], &Mailmap::empty()).unwrap();
    let subjects: Vec<&str> = history.commits.iter().map(|c| c.subject.as_str()).collect();
    assert!(subjects.contains(&"fix: café menu"), "{subjects:?}");
    assert!(
        subjects.contains(&"feat: \u{fffd}\u{fffd} bytes"),
        "{subjects:?}"
    );
}

#[test]
fn commit_dated_after_its_release_has_lead_time_clamped_and_counted() {
    // p is authored at t0+10h, its child c at t0 (dated before its parent); v1.0 on c
    // is tagged at t0+5h. Lead times: c 5h; p 5h - 10h < 0, clamped to 0.
    // Sorted 0, 5h: median 2.5h = 9000 s, one clamped.
    let mut repo = TestRepo::new();
    let p = repo.commit(&[], "feat: p", T0 + 10 * HOUR);
    let c = repo.commit(&[p], "feat: c", T0);
    repo.main_at(c);
    repo.tag_annotated("v1.0", c, T0 + 5 * HOUR);
    let (_, data) = repo.build(&[]);
    let lead = &release(data.as_ref().unwrap(), "v1.0")["lead_time"];
    assert_eq!(lead["clamped"], 1);
    assert_eq!(lead["median_seconds"], 9_000);
    assert_eq!(lead["count"], 2);
}

#[test]
fn shallow_clone_is_refused_with_advice() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3, T0);
    repo.main_at(line[2]);
    repo.writer.set_head_branch("main").unwrap();
    let clone = repo.root.path().join("shallow");
    let source = format!("file://{}", repo.path().display());
    git(
        repo.root.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &source,
            clone.to_str().unwrap(),
        ],
    );
    let out = valuestory(
        &[
            "build",
            "--json-only",
            "--repo",
            clone.to_str().unwrap(),
            "--out",
            "o",
        ],
        repo.root.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
    assert!(err.contains("git fetch --unshallow"), "{err}");
}

#[test]
fn mailmap_joins_two_identities() {
    let root = tempfile::TempDir::new().unwrap();
    let w = Writer::init(&root.path().join("r"), false).unwrap();
    let tree = w.empty_tree();
    let old =
        valuestory::git::Signature::new("bob", "bob@laptop", valuestory::history::GitTime::utc(T0));
    let new = valuestory::git::Signature::new(
        "Bob Lee",
        "bob@acme.example",
        valuestory::history::GitTime::utc(T0 + 1),
    );
    let a = w.commit(tree, &[], &old, &old, "a").unwrap();
    let b = w.commit(tree, &[a], &new, &new, "b").unwrap();
    let repo = Repository::discover(Some(&root.path().join("r"))).unwrap();
    let map = Mailmap::parse("Bob Lee <bob@acme.example> bob <bob@laptop>\n");
    let history = repo.history(&[b], &map).unwrap();
    assert_eq!(history.people.len(), 1);
    assert_eq!(history.people[0].name, "Bob Lee");
    let unmapped = repo.history(&[b], &Mailmap::empty()).unwrap();
    assert_eq!(unmapped.people.len(), 2);
}

#[test]
fn commit_dated_in_the_year_9999_does_not_stretch_or_break_the_build() {
    let mut repo = TestRepo::new();
    let a = repo.commit(&[], "feat: a", T0);
    let b = repo.commit(&[a], "feat: far future", 253_402_300_000);
    repo.main_at(b);
    repo.tag("v1.0", b);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let quarters = data.unwrap()["periods"]["quarter"]
        .as_array()
        .unwrap()
        .len();
    // Dates are kept before 2100: from 2023-Q4 to 2100-Q1 at most.
    assert!(quarters <= 4 * 77 + 1, "{quarters} quarters");
}

#[test]
fn incident_fixed_by_a_release_fails_the_one_it_builds_on() {
    let repo = TestRepo::new();
    let t1 = repo
        .writer
        .tree(None, &[("f", Some(b"1".as_slice()))])
        .unwrap();
    let a = repo
        .writer
        .commit(t1, &[], &who(T0), &who(T0), "feat: a")
        .unwrap();
    let incident =
        b"- id: INC-1\n  title: Down\n  started: 2023-11-15T00:00:00Z\n  fixed_by: v1.1.0\n"
            .as_slice();
    let t2 = repo
        .writer
        .tree(Some(t1), &[("value/incidents.yaml", Some(incident))])
        .unwrap();
    let b = repo
        .writer
        .commit(t2, &[a], &who(T0 + DAY), &who(T0 + DAY), "feat: b")
        .unwrap();
    repo.main_at(b);
    repo.tag("v1.0.0", a);
    repo.tag("v1.1.0", b);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert_eq!(release(&data, "v1.1.0")["kind"], "hotfix");
    assert_eq!(release(&data, "v1.0.0")["failed"], true);
    assert_eq!(
        release(&data, "v1.0.0")["failure_evidence"][0]["release"],
        "v1.1.0"
    );
}

#[test]
fn an_unquoted_version_in_an_incident_is_refused_not_misread() {
    let repo = TestRepo::new();
    let incident =
        b"- id: INC-1\n  title: Down\n  started: 2023-11-15T00:00:00Z\n  caused_by: 1.10\n"
            .as_slice();
    repo.commit_files(&[], &[("value/incidents.yaml", incident)], "feat: a", T0);
    let (out, _) = repo.build(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("value/incidents.yaml:4:14: `caused_by` is read as a number"),
        "{}",
        stderr(&out)
    );
}
