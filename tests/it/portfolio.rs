//! `valuestory portfolio`: services merged into distributions over the bands, worked
//! out by hand on small histories.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// Ten minor releases (patch releases soon after each other would read as
/// hotfixes), one commit each, a commit every three days from T0 (14 November
/// 2023, 22:13 UTC), each released `lead` seconds after it was written.
pub fn releases_with_lead(lead: i64) -> TestRepo {
    let mut repo = TestRepo::new();
    let mut prev: Option<valuestory::history::CommitId> = None;
    for i in 0..10 {
        let parents: Vec<_> = prev.into_iter().collect();
        let c = repo.commit(&parents, &format!("feat: step {i}"), T0 + i * 3 * DAY);
        repo.tag_annotated(&format!("v1.{i}.0"), c, T0 + i * 3 * DAY + lead);
        prev = Some(c);
    }
    repo.main_at(prev.unwrap());
    repo
}

/// A monorepo of two components: `api/` released two days after each change
/// (`api-` tags), `web/` an hour after (`web-` tags).
fn monorepo() -> TestRepo {
    let repo = TestRepo::new();
    let config = "components:\n  - { id: api, name: API, paths: [api/], tag_prefix: api- }\n  - { id: web, name: Web, paths: [web/], tag_prefix: web- }\n";
    let mut prev: Vec<valuestory::history::CommitId> = Vec::new();
    for i in 0..10 {
        let (api, web) = (format!("api {i}\n"), format!("web {i}\n"));
        let api_commit = repo.commit_files(
            &prev,
            &[
                ("valuestory.yaml", config.as_bytes()),
                ("api/lib.rs", api.as_bytes()),
                ("web/app.js", format!("web {}\n", i - 1).as_bytes()),
            ],
            &format!("feat: api {i}"),
            T0 + i * 3 * DAY,
        );
        repo.tag_annotated(
            &format!("api-v1.{i}.0"),
            api_commit,
            T0 + i * 3 * DAY + 2 * DAY,
        );
        let web_commit = repo.commit_files(
            &[api_commit],
            &[
                ("valuestory.yaml", config.as_bytes()),
                ("api/lib.rs", api.as_bytes()),
                ("web/app.js", web.as_bytes()),
            ],
            &format!("feat: web {i}"),
            T0 + i * 3 * DAY + HOUR,
        );
        repo.tag_annotated(
            &format!("web-v1.{i}.0"),
            web_commit,
            T0 + i * 3 * DAY + 2 * HOUR,
        );
        prev = vec![web_commit];
    }
    repo
}

/// Builds `repo`'s data.json into `dir/<name>.json`.
fn data_json(repo: &TestRepo, dir: &Path, name: &str) -> std::path::PathBuf {
    let (out, _) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.join(format!("{name}.json"));
    std::fs::copy(repo.root.path().join("out/data.json"), &path).unwrap();
    path
}

fn level_of<'a>(key: &'a Value, service: &str) -> Option<&'a str> {
    key["levels"].as_array().unwrap().iter().find_map(|g| {
        g["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == service)
            .then(|| g["level"].as_str().unwrap())
    })
}

/// The services of the group in `groups` whose `field` is `value`.
fn members<'a>(groups: &'a Value, field: &str, value: &str) -> Vec<&'a str> {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g[field] == value)
        .unwrap()["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn key<'a>(keys: &'a Value, name: &str) -> &'a Value {
    keys.as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == name)
        .unwrap()
}

#[test]
fn services_fall_into_bands_and_a_service_without_tags_is_a_gap_not_low() {
    let dir = tempfile::TempDir::new().unwrap();
    let fast = releases_with_lead(HOUR);
    let slow = releases_with_lead(10 * DAY);
    let mut untagged = TestRepo::new();
    let line = untagged.line(None, 4, T0);
    untagged.main_at(line[3]);
    let mono = monorepo();
    let fast_json = data_json(&fast, dir.path(), "fast");
    let slow_json = data_json(&slow, dir.path(), "slow");
    let untagged_json = data_json(&untagged, dir.path(), "untagged");
    // A data.json as an earlier valuestory wrote it: no story, no narrative, none of
    // the sections added since schema version 1 began.
    let mut old: Value = serde_json::from_slice(&std::fs::read(&fast_json).unwrap()).unwrap();
    let keep = ["schema_version", "title", "releases", "periods"];
    old.as_object_mut()
        .unwrap()
        .retain(|k, _| keep.contains(&k.as_str()));
    let old_json = dir.path().join("old.json");
    std::fs::write(&old_json, serde_json::to_vec(&old).unwrap()).unwrap();
    let yaml = format!(
        "title: Test portfolio\nservices:\n  - {{ id: fast, name: Fast, teams: [red], data: {} }}\n  - {{ id: slow, teams: [red], data: {} }}\n  - {{ id: untagged, teams: [blue], data: {} }}\n  - {{ id: old, data: {} }}\n  - {{ id: mono-api, teams: [blue], repo: {}, component: api }}\n  - {{ id: mono-web, teams: [blue], repo: {}, component: web, site: https://example.org/web/ }}\n",
        fast_json.display(),
        slow_json.display(),
        untagged_json.display(),
        old_json.display(),
        mono.path().display(),
        mono.path().display(),
    );
    std::fs::write(dir.path().join("portfolio.yaml"), yaml).unwrap();
    // A goal across services, in the portfolio's own value folder.
    std::fs::create_dir(dir.path().join("value")).unwrap();
    std::fs::write(
        dir.path().join("value/goals.yaml"),
        "- id: fast\n  title: Ship within a day\n  targets:\n    - { metric: lead_time, target: 1d, by: 2024-06-30 }\n    - { metric: revenue, target: 10% }\n",
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let site = dir.path().join("site");
    let data: Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    matches_portfolio_schema(&data);
    let p = &data;
    assert_eq!(p["told"], "2023-Q4");
    let q = &p["quarters"][0];
    assert_eq!(q["period"], "2023-Q4");
    // Lead time, by hand: an hour is elite (under a day), two days high (under a
    // week), ten days medium (under 30 days).
    let lead = key(&q["keys"], "lead_time");
    let by_level = |level: &str| members(&lead["levels"], "level", level);
    assert_eq!(by_level("elite"), ["fast", "mono-web", "old"]);
    assert_eq!(by_level("high"), ["mono-api"]);
    assert_eq!(by_level("medium"), ["slow"]);
    assert!(by_level("low").is_empty());
    // No failures in ten releases: every service with releases is elite.
    let cfr = key(&q["keys"], "change_failure_rate");
    for s in ["fast", "slow", "old", "mono-api", "mono-web"] {
        assert_eq!(level_of(cfr, s), Some("elite"), "{s}");
    }
    // Deploy-days per whole ISO week the history observed (from the first commit
    // on 14 November to the last release): fast releases on 14, 17 | 20, 23, 26 |
    // 29 Nov, 2 Dec | 5, 8 | 11 Dec (weeks 47, 48, 49: 3, 2, 2; week 46 began
    // before the first commit, week 50 ends after the last release), slow ten days
    // later (24 | 27, 30, 3 | 6, 9 | 12, 15 | 18, 21: weeks 47 to 50, 1, 3, 2, 2),
    // the API two days later (22, 25 | 28, 1 | 4, 7, 10: 2, 2, 3), the web two
    // hours later, past midnight (21, 24 | 27, 30, 3 | 6, 9: 2, 3, 2). A median week
    // of at least one deploy-day and under five is high, for all.
    let deploys = key(&q["keys"], "deployment_frequency");
    for s in ["fast", "slow", "old", "mono-api", "mono-web"] {
        assert_eq!(level_of(deploys, s), Some("high"), "{s}");
    }
    // The untagged service is a gap, in no band of any key.
    assert_eq!(
        q["gaps"],
        serde_json::json!([{"service": "untagged", "reason": "no release tags"}])
    );
    for k in q["keys"].as_array().unwrap() {
        assert_eq!(level_of(k, "untagged"), None);
    }
    // By team: blue's tagged services only.
    let blue = p["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == "blue")
        .unwrap();
    assert_eq!(
        blue["services"],
        serde_json::json!(["mono-api", "mono-web", "untagged"])
    );
    let blue_lead = key(&blue["keys"], "lead_time");
    assert_eq!(level_of(blue_lead, "mono-web"), Some("elite"));
    assert_eq!(level_of(blue_lead, "mono-api"), Some("high"));
    // The goal, by hand: 2023-Q4 is the only ended quarter; an hour is within a
    // day (met), two and ten days are not, and 2024-06-30 has passed (missed); the
    // untagged service has no lead time at all.
    let target = &data["goals"][0]["targets"][0];
    let group = |status: &str| members(&target["statuses"], "status", status);
    assert_eq!(group("met"), ["fast", "mono-web", "old"]);
    assert_eq!(group("missed"), ["mono-api", "slow"]);
    assert!(group("on track").is_empty() && group("at risk").is_empty());
    assert_eq!(target["no_data"], serde_json::json!(["untagged"]));
    assert_eq!(data["goals"][0]["targets"][1]["measured"], false);
    // The page says it in words, and links the service that has a site.
    let html = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        text_of(&html)
            .contains("1 of 6 services has no release tags, so no band: it is not counted as low."),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="https://example.org/web/" data-kind="quote">mono-web</a>"#),
        "{html}"
    );
    // Each service's own bands, judged by the same band set, are the portfolio's.
    let own: Value = serde_json::from_slice(&std::fs::read(&slow_json).unwrap()).unwrap();
    let own_q = own["periods"]["quarter"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["period"] == "2023-Q4")
        .unwrap();
    for k in q["keys"].as_array().unwrap() {
        let name = k["key"].as_str().unwrap();
        assert_eq!(
            level_of(k, "slow"),
            own_q["bands"][name]["level"].as_str(),
            "{name}"
        );
    }
}

#[test]
fn a_broken_data_json_is_named_with_its_field() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"schema_version": 1, "periods": {"quarter": [{"period": "2026-Q1", "start": "a", "end": "b", "deployments": -3}]}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("portfolio.yaml"),
        "services:\n  - { id: bad, data: bad.json }\n",
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let log = stderr(&out);
    assert!(log.contains("service bad:"), "{log}");
    assert!(log.contains("bad.json:1:"), "{log}");
    assert!(
        log.contains("field `periods.quarter[0].deployments`"),
        "{log}"
    );
    assert!(!dir.path().join("site").exists());
}

#[test]
fn the_ci_plan_stays_within_256_jobs_and_covers_every_service_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let plan = |services: usize, listed: bool| -> (Vec<usize>, Vec<String>) {
        let mut yaml = String::from("services:\n  - { id: local, data: x.json }\n");
        for i in 0..services {
            yaml.push_str(&format!(
                "  - {{ id: s{i}, github: acme/s{i}{} }}\n",
                if i % 7 == 0 { ", component: api" } else { "" }
            ));
        }
        std::fs::write(dir.path().join("portfolio.yaml"), yaml).unwrap();
        let out = valuestory(&["portfolio", "--plan"], dir.path());
        assert!(out.status.success(), "{}", stderr(&out));
        let batches: Vec<usize> = serde_json::from_slice(&out.stdout).unwrap();
        let mut lines = Vec::new();
        for b in batches.iter().filter(|_| listed) {
            let out = valuestory(
                &["portfolio", "--plan", "--batch", &b.to_string()],
                dir.path(),
            );
            assert!(out.status.success(), "{}", stderr(&out));
            lines.extend(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::to_string),
            );
        }
        (batches, lines)
    };
    // Five services: five jobs of one.
    let (batches, lines) = plan(5, true);
    assert_eq!(batches, [0, 1, 2, 3, 4]);
    assert_eq!(lines[0], "s0\tacme/s0\tapi");
    assert_eq!(lines[1], "s1\tacme/s1\t");
    // 600 services: three to a job, 200 jobs (the unit tests check that each is in
    // one batch).
    let (batches, _) = plan(600, false);
    assert_eq!(batches.len(), 200);
    let last = valuestory(&["portfolio", "--plan", "--batch", "199"], dir.path());
    assert_eq!(String::from_utf8_lossy(&last.stdout).lines().count(), 3);
    let out = valuestory(&["portfolio", "--plan", "--batch", "200"], dir.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_service_the_ci_matrix_did_not_build_is_a_gap() {
    let dir = tempfile::TempDir::new().unwrap();
    let built = releases_with_lead(HOUR);
    let data = dir.path().join("artifacts/built");
    std::fs::create_dir_all(&data).unwrap();
    let json = data_json(&built, dir.path(), "built");
    std::fs::copy(json, data.join("data.json")).unwrap();
    std::fs::write(
        dir.path().join("portfolio.yaml"),
        "services:\n  - { id: built, github: acme/built }\n  - { id: failed, github: acme/failed }\n",
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("give --data-dir"), "{}", stderr(&out));
    let out = valuestory(
        &["portfolio", "--out", "site", "--data-dir", "artifacts"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let site = dir.path().join("site");
    let data: Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    matches_portfolio_schema(&data);
    let q = &data["quarters"][0];
    assert_eq!(q["gaps"][0]["service"], "failed");
    assert!(
        q["gaps"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no data.json from the CI matrix")
    );
    assert_eq!(
        level_of(key(&q["keys"], "lead_time"), "built"),
        Some("elite")
    );
    let html = text_of(&std::fs::read_to_string(site.join("index.html")).unwrap());
    assert!(
        html.contains(
            "1 of 2 services has no data from the CI matrix: its build failed or did not run."
        ),
        "{html}"
    );
}

#[test]
fn the_portfolio_demo_builds_three_services_and_their_sites() {
    let dir = tempfile::TempDir::new().unwrap();
    let args = ["demo", "--portfolio", "--out", "site", "--repo", "repos"];
    let out = valuestory(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let site = dir.path().join("site");
    let all = files(&site);
    for id in ["checkout", "ledger", "search"] {
        assert!(
            dir.path().join("repos").join(id).join(".git").is_dir(),
            "{id}"
        );
        assert!(
            all.contains_key(&format!("services/{id}/index.html")),
            "{id}"
        );
        assert!(
            all.contains_key(&format!("services/{id}/data.json")),
            "{id}"
        );
    }
    assert!(
        crate::site::broken_links(&all, "/").is_empty(),
        "{:?}",
        crate::site::broken_links(&all, "/")
    );
    let data: Value = serde_json::from_slice(&all["data.json"]).unwrap();
    matches_portfolio_schema(&data);
    let ids: Vec<&str> = data["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["checkout", "ledger", "search"]);
    let told = data["told"].as_str().unwrap();
    let q = data["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == told)
        .unwrap();
    assert_eq!(
        q["gaps"],
        serde_json::json!([{"service": "search", "reason": "no release tags"}])
    );
    for id in ["checkout", "ledger"] {
        assert!(level_of(key(&q["keys"], "lead_time"), id).is_some(), "{id}");
    }
    // Each service's band in the portfolio is the one its own site shows.
    let own: Value = serde_json::from_slice(&all["services/ledger/data.json"]).unwrap();
    let own_q = own["periods"]["quarter"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["period"] == told)
        .unwrap();
    for k in q["keys"].as_array().unwrap() {
        let name = k["key"].as_str().unwrap();
        assert_eq!(
            level_of(k, "ledger"),
            own_q["bands"][name]["level"].as_str(),
            "{name}"
        );
    }
    // The review pack: a slide a message, the gap named, linked from the page.
    let pack = String::from_utf8_lossy(&all["pack.html"]).into_owned();
    assert_eq!(pack.matches(r#"<section class="slide"#).count(), 6);
    assert!(
        pack.contains("Saved cards"),
        "the initiative across services"
    );
    assert!(
        text_of(&pack)
            .contains("1 of 3 services has no release tags, so no band: it is not counted as low.")
    );
    assert!(pack.contains("Search: no release tags"));
    assert!(pack.contains("Content-Security-Policy"));
    assert!(String::from_utf8_lossy(&all["index.html"]).contains(r#"<a href="pack.html">"#));
    // A second run reuses the repositories and writes the same portfolio.
    let again = valuestory(&args, dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
    let second: Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    assert_eq!(second["quarters"], data["quarters"]);
}

/// `valuestory schema` describes data.json (every build in these tests is checked
/// against it, made strict); a field it does not describe, a wrong type or a
/// missing field is caught; and the portfolio reads a data.json the schema admits.
#[test]
fn the_schema_catches_what_it_does_not_describe() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3, T0);
    repo.main_at(line[2]);
    repo.tag("v1.0.0", line[1]);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    assert!(schema_errors(&data).is_empty());
    let mut extra = data.clone();
    extra["releases"][0]["surprise"] = true.into();
    assert!(
        schema_errors(&extra)[0].contains("/releases/0"),
        "{:?}",
        schema_errors(&extra)
    );
    let mut wrong = data.clone();
    wrong["releases"][0]["commit_count"] = "two".into();
    assert!(!schema_errors(&wrong).is_empty());
    let mut missing = data.clone();
    missing.as_object_mut().unwrap().remove("periods");
    assert!(!schema_errors(&missing).is_empty());
    let schema = valuestory(&["schema"], repo.root.path());
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert!(
        schema["description"]
            .as_str()
            .unwrap()
            .contains("schema version 1")
    );
}

#[test]
fn the_portfolio_pack_prints_a_page_a_slide() {
    let Some(_) = chromium("the_portfolio_pack_prints_a_page_a_slide") else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let fast = releases_with_lead(HOUR);
    let json = data_json(&fast, dir.path(), "fast");
    std::fs::write(
        dir.path().join("portfolio.yaml"),
        format!(
            "services:\n  - {{ id: fast, teams: [red], data: {} }}\n",
            json.display()
        ),
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site", "--pdf"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("site/pack.html")).unwrap();
    let slides = html.matches(r#"<section class="slide"#).count();
    let pdf = std::fs::read(dir.path().join("site/pack.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(valuestory::cmd::pack::pdf_pages(&pdf), slides);
    let info = std::process::Command::new("pdfinfo")
        .arg(dir.path().join("site/pack.pdf"))
        .output()
        .unwrap();
    let pages = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|n| n.trim().parse::<usize>().unwrap())
        })
        .unwrap();
    assert_eq!(pages, slides);
}

#[test]
fn a_portfolio_goal_whose_target_does_not_read_is_refused_with_its_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let fast = releases_with_lead(HOUR);
    let json = data_json(&fast, dir.path(), "fast");
    std::fs::write(
        dir.path().join("portfolio.yaml"),
        format!("services:\n  - {{ id: fast, data: {} }}\n", json.display()),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("value")).unwrap();
    std::fs::write(
        dir.path().join("value/goals.yaml"),
        "- id: soon\n  title: Soon\n  targets:\n    - { metric: lead_time, target: soon }\n",
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let log = stderr(&out);
    assert!(log.contains("value/goals.yaml:4:"), "{log}");
    assert!(log.contains("goal soon: target \"soon\""), "{log}");
    assert!(!dir.path().join("site").exists());
}

/// Initiatives and goals that span services, and a band set of the portfolio's
/// own, worked out by hand. `cards` links three commits to its `cards` initiative
/// by trailer, of which v1.0.0 and v1.1.0 shipped two and one waits; it records
/// conversion at 2.0% (2023-11-30) then 3.5% (2023-12-31). `plain` has no value
/// folder. The portfolio's `cards` initiative therefore shows `cards`' own counts
/// and `plain` as linking no work; its conversion target of 3% by 2024-12-31 is met
/// by `cards` (3.5% on 2023-12-31) and has no data from `plain`.
#[test]
fn initiatives_and_business_goals_span_services_and_the_band_set_is_the_portfolios() {
    let dir = tempfile::TempDir::new().unwrap();
    let cards = TestRepo::new();
    let value: [(&str, &[u8]); 3] = [
        ("value/goals.yaml", b"- id: grow\n  title: Grow\n"),
        (
            "value/initiatives/cards.yaml",
            b"title: Cards\ngoal: grow\nmatch: { trailer: Initiative }\n",
        ),
        (
            "value/measures/conversion_rate.yaml",
            b"name: Conversion rate\nunit: percent\ndirection: higher\nvalues:\n  - { date: 2023-11-30, value: 2.0% }\n  - { date: 2023-12-31, value: 3.5% }\n",
        ),
    ];
    let mut prev = Vec::new();
    for (i, tag) in [Some("v1.0.0"), Some("v1.1.0"), None]
        .into_iter()
        .enumerate()
    {
        let n = format!("{i}\n");
        let mut files = value.to_vec();
        files.push(("src.rs", n.as_bytes()));
        let time = T0 + i as i64 * DAY;
        let c = cards.commit_files(
            &prev,
            &files,
            &format!("feat: step {i}\n\nInitiative: cards\n"),
            time,
        );
        if let Some(tag) = tag {
            cards.tag_annotated(tag, c, time + HOUR);
        }
        prev = vec![c];
    }
    let plain = releases_with_lead(HOUR);
    let cards_json = data_json(&cards, dir.path(), "cards");
    let plain_json = data_json(&plain, dir.path(), "plain");
    // Lead time elite only under a minute: `plain`'s one-hour lead times are high.
    let yaml = format!(
        "services:\n  - {{ id: cards, data: {} }}\n  - {{ id: plain, data: {} }}\ndora:\n  bands: custom\n  lead_time: {{ elite: 1m, high: 1d, medium: 30d }}\n",
        cards_json.display(),
        plain_json.display(),
    );
    std::fs::write(dir.path().join("portfolio.yaml"), yaml).unwrap();
    std::fs::create_dir_all(dir.path().join("value/initiatives")).unwrap();
    std::fs::write(
        dir.path().join("value/goals.yaml"),
        "- id: grow\n  title: Grow\n  targets:\n    - { metric: conversion_rate, target: 3%, by: 2024-12-31 }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("value/initiatives/cards.yaml"),
        "title: Cards everywhere\ngoal: grow\nstatus: in-progress\n",
    )
    .unwrap();
    let out = valuestory(&["portfolio", "--out", "site"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let data: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("site/data.json")).unwrap()).unwrap();
    matches_portfolio_schema(&data);
    let i = &data["initiatives"][0];
    assert_eq!(i["title"], "Cards everywhere");
    assert_eq!(
        i["services"],
        serde_json::json!([{"service": "cards", "commits": 3, "shipped_commits": 2,
            "releases": 2, "last_release": "v1.1.0",
            "last_release_time": "2023-11-15T23:13:20Z", "unreleased_commits": 1,
            "as_of": "2023-11-16"}])
    );
    assert_eq!(i["not_linked"], serde_json::json!(["plain"]));
    let t = &data["goals"][0]["targets"][0];
    assert_eq!(t["measured"], true);
    assert_eq!(members(&t["statuses"], "status", "met"), ["cards"]);
    assert_eq!(t["no_data"], serde_json::json!(["plain"]));
    // The portfolio's band set, not DORA 2023: `plain` is high on lead time.
    assert_eq!(data["band_set"]["id"], "custom");
    let q = data["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == "2023-Q4")
        .unwrap();
    assert_eq!(
        level_of(key(&q["keys"], "lead_time"), "plain"),
        Some("high")
    );
    let page = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
    assert!(page.contains("Initiatives across services"));
    assert!(page.contains("Cards everywhere"));
}
