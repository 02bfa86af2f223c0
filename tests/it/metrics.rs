//! Every metric on a small hand-built history, with the right answers worked out by
//! hand in the comments; and the sample's numbers cross-checked against plain git.

use std::collections::BTreeSet;

use valuestory::git::Signature;
use valuestory::history::{CommitId, GitTime};

use crate::support::*;

fn t(text: &str) -> i64 {
    valuestory::time::parse_date_or_datetime(text).unwrap()
}

fn sig(time: &str) -> Signature {
    Signature::new("Tess Tester", "tess@example.com", GitTime::utc(t(time)))
}

const VALUE: &[(&str, &str)] = &[
    (
        "value/incidents.yaml",
        "- id: INC-1\n  title: API down\n  started: 2026-04-07T13:00:00Z\n  resolved: 2026-04-07T13:30:00Z\n  caused_by: v1.3.0\n  fixed_by: v1.3.1\n  cost: 500\n",
    ),
    ("value/goals.yaml", "- id: g\n  title: G\n"),
    (
        "value/initiatives/x.yaml",
        "title: X\ngoal: g\nmatch: { trailer: Initiative, scopes: [api] }\nvalue: { kind: revenue, amount: 73000, per: year }\n",
    ),
    (
        "value/teams.yaml",
        "- id: t\n  name: T\n  members: [tess@example.com]\n  paths: [file.txt]\n",
    ),
    (
        "value/streams/api.yaml",
        "name: API\nstages:\n  - { name: Plan, process: 2h, wait: 6h, complete_accurate: 80% }\n  - { name: Build, measured: coding }\n  - { name: Review, measured: review }\n  - { name: Release, measured: release_wait }\n",
    ),
];

/// The history of the comments below, built and measured.
fn build() -> (TestRepo, serde_json::Value, Vec<CommitId>) {
    let repo = TestRepo::new();
    let w = &repo.writer;
    let mut n = 0;
    let mut commit = |parents: &[CommitId], message: &str, time: &str, value: bool| {
        n += 1;
        let content = format!("{n}\n");
        let mut files: Vec<(&str, Option<&[u8]>)> = vec![("file.txt", Some(content.as_bytes()))];
        if value {
            files.extend(VALUE.iter().map(|(p, c)| (*p, Some(c.as_bytes()))));
        }
        let tree = w.tree(None, &files).unwrap();
        w.commit(tree, parents, &sig(time), &sig(time), message)
            .unwrap()
    };
    // 2026-Q1
    let c1 = commit(&[], "feat: a", "2026-01-05T10:00:00Z", false);
    let c2 = commit(&[c1], "fix: b", "2026-01-06T10:00:00Z", false);
    let c3 = commit(&[c2], "feat: c", "2026-01-07T12:00:00Z", false);
    let c4 = commit(&[c3], "Update README", "2026-01-08T10:00:00Z", false);
    let c5 = commit(
        &[c4],
        &format!("Revert \"feat: c\"\n\nThis reverts commit {c3}.\n"),
        "2026-01-09T10:00:00Z",
        false,
    );
    // 2026-Q2: pull request #7 (c6, c7 on a branch) merged as m1 beside c8.
    let c6 = commit(&[c5], "feat(api): d", "2026-04-06T09:00:00Z", false);
    let c7 = commit(&[c6], "test: more", "2026-04-06T15:00:00Z", false);
    let c8 = commit(
        &[c5],
        "docs: e\n\nCo-authored-by: Ann <ann@example.com>",
        "2026-04-07T09:00:00Z",
        false,
    );
    let m1 = commit(
        &[c8, c7],
        "Merge pull request #7 from acme/d\n\nfeat(api): d",
        "2026-04-07T10:00:00Z",
        false,
    );
    let c9 = commit(&[m1], "fix(api): f", "2026-04-07T14:00:00Z", false);
    let c10 = commit(
        &[c9],
        "feat: g\n\nInitiative: x",
        "2026-06-29T10:00:00Z",
        false,
    );
    let c11 = commit(&[c10], "docs: value folder", "2026-07-02T10:00:00Z", true);
    let tag = |name: &str, id: CommitId, time: &str| {
        w.tag_annotated(name, id, Some(&sig(time)), "release\n")
            .unwrap()
    };
    tag("v1.0.0", c2, "2026-01-07T10:00:00Z");
    tag("v1.1.0", c4, "2026-01-08T12:00:00Z");
    tag("v1.2.0", c5, "2026-01-09T11:00:00Z");
    tag("v1.3.0", m1, "2026-04-07T12:00:00Z");
    tag("v1.3.1", c9, "2026-04-07T15:00:00Z");
    repo.main_at(c11);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    (
        repo,
        data.unwrap(),
        vec![c1, c2, c3, c4, c5, c6, c7, c8, m1, c9, c10, c11],
    )
}

fn period<'a>(data: &'a serde_json::Value, kind: &str, label: &str) -> &'a serde_json::Value {
    data["periods"][kind]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == label)
        .unwrap_or_else(|| panic!("no {kind} {label}"))
}

#[test]
fn dora_keys_by_hand_in_the_first_quarter() {
    let (_repo, data, _) = build();
    let quarters: Vec<&str> = data["periods"]["quarter"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["period"].as_str().unwrap())
        .collect();
    assert_eq!(quarters, ["2026-Q1", "2026-Q2", "2026-Q3"]);
    let q1 = period(&data, "quarter", "2026-Q1");
    // Releases on Jan 7, 8 and 9: 3 deployments on 3 days.
    assert_eq!(q1["deployments"], 3);
    assert_eq!(q1["deploy_days"], 3);
    // Lead times: v1.0.0 (Jan 7 10:00) ships c1 (2 days) and c2 (1 day); v1.1.0
    // (Jan 8 12:00) ships c3 (24 h) and c4 (2 h); v1.2.0 (Jan 9 11:00) ships c5 (1 h).
    // Sorted: 1h 2h 24h 24h 48h -> median 24 h = 86400 s; p90 = 5th of 5 = 172800 s.
    assert_eq!(q1["lead_time"]["median_seconds"], 86_400);
    assert_eq!(q1["lead_time"]["p90_seconds"], 172_800);
    assert_eq!(q1["lead_time"]["count"], 5);
    // v1.2.0 reverts c3, which v1.1.0 shipped: 1 failed of 3.
    assert_eq!(q1["failed_deployments"], 1);
    assert!((q1["change_failure_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    // Recovery: from v1.1.0 (Jan 8 12:00) to the release of the revert (Jan 9 11:00) = 23 h.
    assert_eq!(q1["recovery_time"]["median_seconds"], 82_800);
    // No hotfix: v1.2.0 is a minor bump.
    assert_eq!(q1["rework_rate"], 0.0);
    // Bands: 24 h is not under a day -> high; 33% -> low; 23 h -> high. The history
    // is observed from the day of its first commit (Mon Jan 5): of the 12 ISO weeks
    // entirely inside that (Jan 5 to Mar 29) one has 3 deploy-days, and of the
    // months, January began before it and February and March have none: medians 0
    // and 0 -> low.
    assert_eq!(q1["bands"]["lead_time"]["level"], "high");
    assert_eq!(q1["bands"]["change_failure_rate"]["level"], "low");
    assert_eq!(q1["bands"]["recovery_time"]["level"], "high");
    assert_eq!(q1["bands"]["deployment_frequency"]["level"], "low");
    assert_eq!(q1["bands"]["deployment_frequency"]["basis"], 12);
    // The same releases by month and by ISO week (Mon Jan 5 to Sun Jan 11 = 2026-W02).
    assert_eq!(period(&data, "month", "2026-01")["deployments"], 3);
    assert_eq!(period(&data, "month", "2026-02")["deployments"], 0);
    assert_eq!(period(&data, "week", "2026-W02")["deploy_days"], 3);
    assert_eq!(period(&data, "year", "2026")["deployments"], 5);
}

#[test]
fn rates_per_week_count_only_the_observed_part_of_a_quarter() {
    let (_repo, data, _) = build();
    // 2026-Q1 is observed from the first commit, Jan 5 10:00, to Apr 1: 85 days
    // 14 hours = 12.226 weeks, so its 3 releases are 0.2454 a week (over the whole
    // 90-day quarter they would read 0.2333). 2026-Q2 is observed whole: 2
    // releases in 13 weeks.
    let story = data["narrative"]["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == "2026-Q2")
        .expect("a story for 2026-Q2");
    let fact = story["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "deployments_per_week")
        .expect("a deployments-per-week fact");
    let observed_weeks = (85.0 * 86_400.0 + 14.0 * 3_600.0) / (7.0 * 86_400.0);
    let previous = fact["previous"].as_f64().unwrap();
    assert!((previous - 3.0 / observed_weeks).abs() < 1e-9, "{previous}");
    let current = fact["current"].as_f64().unwrap();
    assert!((current - 2.0 / 13.0).abs() < 1e-9, "{current}");
}

#[test]
fn dora_keys_by_hand_with_an_incident_and_a_hotfix() {
    let (_repo, data, _) = build();
    let q2 = period(&data, "quarter", "2026-Q2");
    // v1.3.0 and v1.3.1 on Apr 7: 2 deployments on 1 day.
    assert_eq!(q2["deployments"], 2);
    assert_eq!(q2["deploy_days"], 1);
    // v1.3.0 (Apr 7 12:00) ships m1 (10:00, 2 h), c8 (Apr 7 09:00, 3 h), c7 (Apr 6
    // 15:00, 21 h), c6 (Apr 6 09:00, 27 h); v1.3.1 (15:00) ships c9 (14:00, 1 h).
    // Sorted 1h 2h 3h 21h 27h: median 3 h = 10800 s, p90 = 5th = 97200 s.
    assert_eq!(q2["lead_time"]["median_seconds"], 10_800);
    assert_eq!(q2["lead_time"]["p90_seconds"], 97_200);
    // INC-1 names v1.3.0; v1.3.1 is a patch of fixes and fixes INC-1: 1 of 2 failed,
    // 1 of 2 a hotfix.
    assert_eq!(q2["change_failure_rate"], 0.5);
    assert_eq!(q2["rework_rate"], 0.5);
    assert_eq!(q2["hotfixes"], 1);
    // Recovery from the incident's start (13:00) to its resolution (13:30).
    assert_eq!(q2["recovery_time"]["median_seconds"], 1_800);
    assert_eq!(q2["incidents"], 1);
    assert_eq!(q2["incident_cost"], 500.0);
    // Two releases are too few for a failure-rate band; 3 h is elite, 30 min elite.
    assert_eq!(
        q2["bands"]["change_failure_rate"]["level"],
        serde_json::Value::Null
    );
    assert!(
        q2["bands"]["change_failure_rate"]["note"]
            .as_str()
            .unwrap()
            .contains("2 releases")
    );
    assert_eq!(q2["bands"]["lead_time"]["level"], "elite");
    assert_eq!(q2["bands"]["recovery_time"]["level"], "elite");
    let v130 = release(&data, "v1.3.0");
    let reasons: BTreeSet<&str> = v130["failure_evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, BTreeSet::from(["fixed_by_hotfix", "incident"]));
}

#[test]
fn flow_metrics_by_hand() {
    let (_repo, data, _) = build();
    let q1 = period(&data, "quarter", "2026-Q1");
    // Shipped: feat a, fix b, feat c, "Update README" (debt by keyword), the revert.
    let d = &q1["flow_distribution"];
    assert_eq!(
        (
            d["feature"].as_u64(),
            d["defect"].as_u64(),
            d["debt"].as_u64(),
            d["risk"].as_u64(),
            d["other"].as_u64()
        ),
        (Some(2), Some(2), Some(1), Some(0), Some(0))
    );
    // No pull requests: every commit is an item.
    assert_eq!(q1["flow_velocity"]["feature"], 2);
    assert_eq!(q1["flow_time"], serde_json::Value::Null);
    let q2 = period(&data, "quarter", "2026-Q2");
    // Non-merge commits shipped: c6 feat, c7 test (debt), c8 docs (debt), c9 fix.
    let d = &q2["flow_distribution"];
    assert_eq!(
        (
            d["feature"].as_u64(),
            d["defect"].as_u64(),
            d["debt"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    // Items: pull request #7 (its title "feat(api): d": a feature) holding c6 and c7,
    // plus c8 (debt) and c9 (defect) outside any pull request.
    let v = &q2["flow_velocity"];
    assert_eq!(
        (
            v["feature"].as_u64(),
            v["debt"].as_u64(),
            v["defect"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // Flow time of #7: first commit (Apr 6 09:00) to release (Apr 7 12:00) = 27 h.
    assert_eq!(q2["flow_time"]["median_seconds"], 97_200);
    // Load at the end of Q2 (Jul 1 00:00): c10, merged Jun 29 10:00 = 38 h old.
    assert_eq!(q2["flow_load"]["commits"], 1);
    assert_eq!(q2["flow_load"]["oldest_age_seconds"], 136_800);
    assert_eq!(
        period(&data, "quarter", "2026-Q1")["flow_load"]["commits"],
        0
    );
    assert_eq!(data["pull_request_count"], 1);
}

#[test]
fn value_stream_efficiency_by_hand() {
    let (_repo, data, _) = build();
    let s = &data["stream_metrics"][0];
    // The last event is Jul 2, so the latest ended quarter, Q2, is the window.
    assert_eq!(s["window"], "2026-Q2");
    let c = &s["current"];
    // Plan: declared 2 h process, 6 h wait. Build (coding): #7 merged Apr 7 10:00,
    // first commit Apr 6 09:00 -> 25 h process. Review: last commit Apr 6 15:00 to
    // merge -> 19 h wait. Release: merge to v1.3.0 (12:00) -> 2 h wait.
    let stage = |i: usize| {
        (
            c["stages"][i]["process_seconds"].as_i64(),
            c["stages"][i]["wait_seconds"].as_i64(),
        )
    };
    assert_eq!(stage(0), (Some(7_200), Some(21_600)));
    assert_eq!(stage(1), (Some(90_000), Some(0)));
    assert_eq!(stage(2), (Some(0), Some(68_400)));
    assert_eq!(stage(3), (Some(0), Some(7_200)));
    // Process 27 h, wait 27 h: efficiency 50%, lead time 54 h; %C/A 80% rolled;
    // the longest wait is Review.
    assert_eq!(c["process_seconds"], 97_200);
    assert_eq!(c["wait_seconds"], 97_200);
    assert_eq!(c["lead_time_seconds"], 194_400);
    assert_eq!(c["flow_efficiency"], 0.5);
    assert_eq!(c["rolled_complete_accurate"], 0.8);
    assert_eq!(c["bottleneck"], "Review");
}

#[test]
fn csv_tables_have_one_header_and_one_row_per_period() {
    let (repo, _, _) = build();
    let out = repo.root.path().join("site");
    let o = repo.build_site(&out);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("data/periods-quarter.csv")).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("period,start,end,deployments,"));
    assert_eq!(lines.len(), 1 + 3, "{text}");
    let columns = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == columns));
    assert!(
        lines[1]
            .starts_with("2026-Q1,2026-01-01T00:00:00Z,2026-04-01T00:00:00Z,3,3,86400,172800,5,"),
        "{}",
        lines[1]
    );
    let releases = std::fs::read_to_string(out.join("data/releases.csv")).unwrap();
    assert_eq!(
        releases.split("\r\n").filter(|l| !l.is_empty()).count(),
        1 + 5
    );
}

/// The sample's 2026-Q3 against numbers computed from `git for-each-ref` and
/// `git rev-list` alone.
#[test]
fn sample_quarter_matches_plain_git() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
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
    let (start, end) = (t("2026-07-01"), t("2026-10-01"));

    // Release tags (the sample's pattern: vX.Y.Z) with their time: the tagger date of
    // annotated tags, else the tagged commit's committer date.
    let refs = git(
        &repo,
        &[
            "for-each-ref",
            "refs/tags",
            "--format=%(refname:short) %(objecttype) %(taggerdate:unix) %(*committerdate:unix) %(committerdate:unix) %(*objectname) %(objectname)",
        ],
    );
    let pattern = regex::Regex::new(r"^v\d+\.\d+\.\d+$").unwrap();
    let mut tags: Vec<(i64, String, String)> = refs
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            if !pattern.is_match(f[0]) {
                return None;
            }
            let (time, commit) = match f[1] {
                "tag" => (
                    f[2].parse().ok().or_else(|| f[3].parse().ok())?,
                    f[5].to_string(),
                ),
                _ => (f[4].parse().ok()?, f[6].to_string()),
            };
            Some((time, f[0].to_string(), commit))
        })
        .collect();
    tags.sort();
    let in_quarter: Vec<&(i64, String, String)> = tags
        .iter()
        .filter(|(time, _, _)| *time >= start && *time < end)
        .collect();
    let q3 = period(&data, "quarter", "2026-Q3");
    assert_eq!(
        q3["deployments"].as_u64().unwrap() as usize,
        in_quarter.len()
    );
    let days: BTreeSet<i64> = in_quarter
        .iter()
        .map(|(time, _, _)| time.div_euclid(86_400))
        .collect();
    assert_eq!(q3["deploy_days"].as_u64().unwrap() as usize, days.len());

    // Lead time: each release's commits are rev-list TAG minus everything earlier
    // tags reach; lead = release time - author time (the sample's baseline, 2025-01-01,
    // is before every commit of this quarter's releases).
    let mut lead = Vec::new();
    for (i, (time, _, commit)) in tags.iter().enumerate() {
        if *time < start || *time >= end {
            continue;
        }
        let reach = |ids: Vec<&str>| -> BTreeSet<String> {
            if ids.is_empty() {
                return BTreeSet::new();
            }
            let mut args = vec!["rev-list"];
            args.extend(ids);
            git(&repo, &args).lines().map(str::to_string).collect()
        };
        let earlier: Vec<&str> = tags[..i].iter().map(|(_, _, c)| c.as_str()).collect();
        let excluded = reach(earlier);
        for id in reach(vec![commit.as_str()]).difference(&excluded) {
            let author: i64 = git(&repo, &["log", "-1", "--format=%at", id])
                .trim()
                .parse()
                .unwrap();
            lead.push((time - author).max(0));
        }
    }
    lead.sort_unstable();
    let n = lead.len();
    let median = if n % 2 == 1 {
        lead[n / 2]
    } else {
        (lead[n / 2 - 1] + lead[n / 2]).div_euclid(2)
    };
    let p90 = lead[(90 * n).div_ceil(100) - 1];
    assert_eq!(q3["lead_time"]["count"].as_u64().unwrap() as usize, n);
    assert_eq!(q3["lead_time"]["median_seconds"].as_i64().unwrap(), median);
    assert_eq!(q3["lead_time"]["p90_seconds"].as_i64().unwrap(), p90);
}

#[test]
fn initiatives_teams_and_cost_by_hand() {
    let (_repo, data, _) = build();
    let x = &data["initiative_metrics"][0];
    // Linked: c6 and c9 by the scope `api`, c10 by its trailer.
    assert_eq!(x["commits"], 3);
    assert_eq!(x["shipped_commits"], 2);
    assert_eq!(ids(&x["releases"]), ["v1.3.0", "v1.3.1"]);
    // Lead times 27 h (c6) and 1 h (c9): median (3600 + 97200) / 2 = 50400.
    assert_eq!(x["lead_time"]["median_seconds"], 50_400);
    // c10 landed Jun 29 10:00 and still waits at the last event (Jul 2 10:00): 3 days
    // of 73000 a year = 600.
    assert_eq!(x["unreleased_commits"], 1);
    assert!((x["cost_of_delay"].as_f64().unwrap() - 600.0).abs() < 1e-9);
    assert_eq!(data["goal_values"][0]["annual_value"], 73_000.0);
    let t = &data["team_metrics"][0];
    // Eleven non-merge commits, all by Tess; c8 has a co-author: 1/11.
    assert_eq!(t["commits"], 11);
    assert_eq!(t["people"], 1);
    assert!((t["co_authored_share"].as_f64().unwrap() - 1.0 / 11.0).abs() < 1e-12);
    // Pull request #7 has commits by Tess only.
    assert_eq!(t["multi_author_pull_requests"], 0.0);
    // file.txt: 11 changes in the 12 months before Jul 2, all by one person.
    assert_eq!(t["knowledge"][0]["changes"], 11);
    assert_eq!(t["knowledge"][0]["people_for_80_percent"], 1);
    assert_eq!(ids(&t["single_person_paths"]), ["file.txt"]);
    // Shipped non-merge commits c1-c9 without m1: 9; defects fix b, the revert and fix f
    // (3); debt README, test and docs (3).
    let cost = &data["cost"];
    assert!((cost["defect_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!((cost["debt_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(cost["incident_cost"], 500.0);
    assert!((cost["cost_of_delay"].as_f64().unwrap() - 600.0).abs() < 1e-9);
    assert_eq!(cost["estimate"], true);
}

#[test]
fn custom_band_thresholds_replace_the_2023_ones() {
    let (repo, data, _) = build();
    assert_eq!(
        period(&data, "quarter", "2026-Q2")["bands"]["lead_time"]["level"],
        "elite"
    );
    // With elite under 1 h and high under 4 h, Q2's 3 h median lead time is high; with
    // recovery elite under 10 minutes, its 30 minutes are high.
    let config = repo.root.path().join("bands.yaml");
    std::fs::write(
        &config,
        "dora:\n  bands: custom\n  lead_time: { elite: 1h, high: 4h, medium: 1w }\n  recovery_time: { elite: 10m, high: 1d, medium: 1w }\n",
    )
    .unwrap();
    let (out, custom) = repo.build(&["--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let q2 = period(custom.as_ref().unwrap(), "quarter", "2026-Q2").clone();
    assert_eq!(q2["bands"]["lead_time"]["level"], "high");
    assert_eq!(q2["bands"]["recovery_time"]["level"], "high");
    std::fs::write(
        &config,
        "dora:\n  bands: custom\n  lead_time: { elite: 1w, high: 1d, medium: 30d }\n",
    )
    .unwrap();
    let (out, _) = repo.build(&["--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":3:23: band limits must go from elite to medium in order"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&config, "dora:\n  bands: fastest\n").unwrap();
    let (out, _) = repo.build(&["--config", config.to_str().unwrap()]);
    assert!(
        stderr(&out).contains(":2:10: `dora.bands` cannot be `fastest`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn keys_per_team_and_initiative_by_hand() {
    let (_repo, data, _) = build();
    let scope = |name: &str, period: &str| {
        data["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scope"] == name)
            .unwrap_or_else(|| panic!("no scope {name}"))["quarters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["period"] == period)
            .unwrap()
            .clone()
    };
    // Team t is Tess, who wrote everything: its Q1 is the repository's Q1.
    let t = scope("team:t", "2026-Q1");
    assert_eq!(t["deployments"], 3);
    assert_eq!(t["lead_time"]["median_seconds"], 86_400);
    assert!((t["change_failure_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    // Initiative x in Q2: c6 shipped by v1.3.0 (27 h), c9 by v1.3.1 (1 h); v1.3.0 failed.
    let x = scope("initiative:x", "2026-Q2");
    assert_eq!(x["deployments"], 2);
    assert_eq!(x["commits"], 2);
    assert_eq!(x["lead_time"]["median_seconds"], 50_400);
    assert_eq!(x["change_failure_rate"], 0.5);
    // The stream has no owner team, so it has no scope of its own.
    assert!(
        data["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["scope"] != "stream:api")
    );
}
