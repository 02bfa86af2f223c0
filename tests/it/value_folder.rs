//! The value folder: the sample's is clean, seeded mistakes are all reported where
//! they are, `--rev` and `--worktree` read what they say, and maps have a history.

use std::path::Path;

use crate::support::*;

fn sample(dir: &Path) -> std::path::PathBuf {
    let repo = dir.join("sample");
    valuestory::demo::create(&repo).unwrap();
    repo
}

fn edit(repo: &Path, file: &str, from: &str, to: &str) {
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn sample_value_folder_checks_clean() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = sample(dir.path());
    let out = valuestory(&["check", "--repo", repo.to_str().unwrap()], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr(&out).contains("no problems found"));
}

/// Ten mistakes in five files, each reported at its place, in one run.
const SEEDED: &str = r#"value/goals.yaml:3:3: unknown field `titel` in a goal (did you mean `title`?); expected one of `id`, `title`, `description`, `owner`, `targets`
  |
3 |   titel: Grow online revenue
  |   ^
value/goals.yaml:14:58: invalid date `2026-13-01`: expected a real day written YYYY-MM-DD, such as 2025-03-01
   |
14 |     - { metric: payment_success_rate, target: 99.5%, by: 2026-13-01 }
   |                                                          ^
value/incidents.yaml:65:14: `caused_by: v9.9.9` names no release tag and no commit in the history (did you mean `v1.9.0`?)
   |
65 |   caused_by: v9.9.9
   |              ^
value/initiatives/one-click.yaml:2:7: unknown goal `revenue-grwth` (did you mean `revenue-growth`?); goals are defined in value/goals.yaml
  |
2 | goal: revenue-grwth
  |       ^
value/initiatives/one-click.yaml:5:9: `status` cannot be `finished`; expected one of `proposed`, `in-progress`, `paused`, `done`, `dropped`
  |
5 | status: finished
  |         ^
value/streams/checkout.yaml:10:31: unknown field `proces` in a stage (did you mean `process`?); expected one of `name`, `process`, `wait`, `measured`, `complete_accurate`
   |
10 |   - { name: Idea to approved, proces: 2h, wait: 1d, complete_accurate: 85% }
   |                               ^
value/streams/checkout.yaml:12:58: invalid percentage `95`: write it with a percent sign, such as 85%
   |
12 |   - { name: Review, measured: review, complete_accurate: 95 }
   |                                                          ^
value/streams/checkout.yaml:16:52: invalid duration `4 hours`: expected a number and a unit (w, d, h, m or s), such as 90m, 4h, 2d, 1w or 1d 4h
   |
16 |     - { name: Idea to approved, process: 1h, wait: 4 hours, complete_accurate: 95% }
   |                                                    ^
value/teams.yaml:4:33: team member `carol` is not an email address such as ada@example.com
  |
4 |   members: [alice@acme.example, carol, dan@acme.example, grace@acme.example]
  |                                 ^
value/teams.yaml:13:11: path `../secrets/` must be relative to the repository root and stay inside it (no leading /, no ..)
   |
13 |   paths: [../secrets/]
   |           ^
"#;

#[test]
fn ten_seeded_mistakes_in_five_files_are_all_reported() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = sample(dir.path());
    edit(
        &repo,
        "value/goals.yaml",
        "  title: Grow online revenue",
        "  titel: Grow online revenue",
    );
    edit(
        &repo,
        "value/goals.yaml",
        "by: 2026-06-30 }",
        "by: 2026-13-01 }",
    );
    edit(&repo, "value/teams.yaml", "carol@acme.example", "carol");
    edit(
        &repo,
        "value/teams.yaml",
        "paths: [web/]",
        "paths: [../secrets/]",
    );
    edit(
        &repo,
        "value/streams/checkout.yaml",
        "process: 2h, wait: 1d, complete_accurate: 85% }\n  - { name: Build",
        "proces: 2h, wait: 1d, complete_accurate: 85% }\n  - { name: Build",
    );
    edit(
        &repo,
        "value/streams/checkout.yaml",
        "{ name: Review, measured: review, complete_accurate: 95% }",
        "{ name: Review, measured: review, complete_accurate: 95 }",
    );
    edit(
        &repo,
        "value/streams/checkout.yaml",
        "wait: 4h, complete_accurate: 95% }",
        "wait: 4 hours, complete_accurate: 95% }",
    );
    edit(
        &repo,
        "value/initiatives/one-click.yaml",
        "goal: revenue-growth",
        "goal: revenue-grwth",
    );
    edit(
        &repo,
        "value/initiatives/one-click.yaml",
        "status: done",
        "status: finished",
    );
    edit(
        &repo,
        "value/incidents.yaml",
        "caused_by: v1.35.0",
        "caused_by: v9.9.9",
    );
    let out = valuestory(
        &["check", "--worktree", "--repo", repo.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let printed = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(printed, SEEDED, "\n{printed}");
    assert!(
        stderr(&out).contains("10 problems in 5 files"),
        "{}",
        stderr(&out)
    );

    let json = valuestory(
        &[
            "check",
            "--worktree",
            "--format",
            "json",
            "--repo",
            repo.to_str().unwrap(),
        ],
        dir.path(),
    );
    let problems: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(problems.as_array().unwrap().len(), 10);
    let github = valuestory(
        &[
            "check",
            "--worktree",
            "--format",
            "github",
            "--repo",
            repo.to_str().unwrap(),
        ],
        dir.path(),
    );
    let lines = String::from_utf8(github.stdout).unwrap();
    assert_eq!(lines.lines().count(), 10);
    assert!(
        lines.lines().all(|l| l.starts_with("::error file=value/")),
        "{lines}"
    );

    // The committed tree is still clean: without --worktree nothing is wrong.
    let committed = valuestory(&["check", "--repo", repo.to_str().unwrap()], dir.path());
    assert_eq!(committed.status.code(), Some(0));
}

#[test]
fn rev_reads_the_commit_and_worktree_reads_the_edit() {
    let mut repo = TestRepo::new();
    let goals = b"- id: speed\n  title: Committed title\n".as_slice();
    repo.commit_files(&[], &[("value/goals.yaml", goals)], "docs: goals", T0);
    repo.writer.set_head_branch("main").unwrap();
    repo.writer.checkout_head().unwrap();
    std::fs::write(
        repo.path().join("value/goals.yaml"),
        "- id: speed\n  title: Edited title\n",
    )
    .unwrap();

    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["goals"][0]["title"], "Committed title");
    let (out, data) = repo.build(&["--worktree"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data.unwrap()["goals"][0]["title"], "Edited title");
    let (_, data) = repo.build(&["--rev", "main"]);
    assert_eq!(data.unwrap()["goals"][0]["title"], "Committed title");
    let _ = &mut repo;
}

#[test]
fn sample_map_history_has_a_version_per_change_matched_to_quarters() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = sample(dir.path());
    let out = valuestory(
        &[
            "build",
            "--json-only",
            "--repo",
            repo.to_str().unwrap(),
            "--out",
            "o",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("o/data.json")).unwrap()).unwrap();
    let checkout = data["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "checkout")
        .unwrap();
    let history = checkout["history"].as_array().unwrap();
    let quarters: Vec<Vec<&str>> = history
        .iter()
        .map(|v| {
            v["quarters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|q| q.as_str().unwrap())
                .collect()
        })
        .collect();
    // Snapshots were committed on 2025-02-03, 2025-07-01, 2026-01-05 and 2026-04-06:
    // each quarter shows the version current on its last day.
    assert_eq!(
        quarters,
        [
            vec!["2025-Q1", "2025-Q2"],
            vec!["2025-Q3", "2025-Q4"],
            vec!["2026-Q1"],
            vec!["2026-Q2", "2026-Q3", "2026-Q4"],
        ]
    );
    let stage_counts: Vec<usize> = history
        .iter()
        .map(|v| v["stages"].as_array().unwrap().len())
        .collect();
    assert_eq!(stage_counts, [6, 6, 5, 4]);
    // The first map waited 12 days for approval; the July 2025 one 7 days.
    assert_eq!(history[0]["stages"][0]["wait"], 12 * DAY);
    assert_eq!(history[1]["stages"][0]["wait"], 7 * DAY);
    // Each version names the commit it was read from, and git agrees on its contents.
    let commit = history[2]["commit"].as_str().unwrap();
    let text = git(
        &repo,
        &["show", &format!("{commit}:value/streams/checkout.yaml")],
    );
    assert!(text.contains("Automated tests"), "{text}");

    for key in [
        "goals",
        "teams",
        "streams",
        "initiatives",
        "incidents",
        "case_studies",
    ] {
        assert!(
            !data[key].as_array().unwrap().is_empty(),
            "{key} is empty in data.json"
        );
    }
    assert_eq!(data["incidents"][0]["id"], "INC-1");
    assert_eq!(
        data["initiatives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "one-click")
            .unwrap()["value"]["amount"],
        120000
    );
}

#[test]
fn a_goals_file_that_does_not_parse_is_one_problem_not_a_cascade() {
    let repo = TestRepo::new();
    let files: [(&str, &[u8]); 2] = [
        ("value/goals.yaml", b"- id: g\n  title: [G\n".as_slice()),
        (
            "value/initiatives/i.yaml",
            b"title: I\ngoal: g\n".as_slice(),
        ),
    ];
    repo.commit_files(&[], &files, "docs: value", T0);
    let out = valuestory(
        &[
            "check",
            "--format",
            "json",
            "--repo",
            repo.path().to_str().unwrap(),
        ],
        repo.root.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let problems: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = problems.as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["path"], "value/goals.yaml");
}

#[test]
fn evidence_that_cannot_be_computed_is_a_warning_strict_fails_and_the_row_is_left_out() {
    let repo = TestRepo::new();
    let study = "---\ntitle: T\ndate: 2023-11-20\nsummary: S\nevidence:\n  - { metric: rework_rate, scope: team:web, before: 2023-Q3, after: 2023-Q4 }\n  - { metric: lead_time, scope: repository, before: 2023-Q3, after: 2023-Q4 }\n---\nBody.\n";
    let teams = "- id: web\n  name: Web\n";
    let c = repo.commit_files(
        &[],
        &[
            ("value/case-studies/t.md", study.as_bytes()),
            ("value/teams.yaml", teams.as_bytes()),
        ],
        "feat: x",
        T0,
    );
    repo.tag("v1.0.0", c);
    let r = repo.path();
    let r = r.to_str().unwrap();
    let dir = repo.root.path();
    let human = valuestory(&["check", "--repo", r], dir);
    assert_eq!(human.status.code(), Some(0), "{}", stderr(&human));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with("value/case-studies/t.md:6:35: warning: evidence `rework_rate` for `team:web` cannot be computed"),
        "{text}"
    );
    assert!(stderr(&human).contains("no problems found, 1 warning"));
    let strict = valuestory(&["check", "--strict", "--repo", r], dir);
    assert_eq!(strict.status.code(), Some(1));
    let json = valuestory(&["check", "--format", "json", "--repo", r], dir);
    let items: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(items[0]["severity"], "warning");
    assert_eq!(items[0]["line"], 6);
    let github = valuestory(&["check", "--format", "github", "--repo", r], dir);
    assert!(
        String::from_utf8_lossy(&github.stdout)
            .starts_with("::warning file=value/case-studies/t.md,line=6,col=35::evidence")
    );
    // The site leaves the row out, and the build says why.
    let site = dir.join("site");
    let built = repo.build_site(&site);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(stderr(&built).contains("warning: value/case-studies/t.md:6:35:"));
    let page = std::fs::read_to_string(site.join("case-studies/t.html")).unwrap();
    assert!(!page.contains("rework"), "{page}");
    assert!(page.contains("Lead time"), "{page}");
}

#[test]
fn the_sample_has_no_evidence_row_left_out() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let out = valuestory(
        &["check", "--strict", "--repo", repo.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}
