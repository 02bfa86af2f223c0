//! The story's rules on small hand-built histories, where the right sentence is
//! worked out by hand: what counts as a rise or a fall, what is too few to compare,
//! which quarter the executive page tells.

use crate::support::*;
use valuestory::history::CommitId;

/// 2024-03-15, 2024-04-01, 2024-07-01, 2024-10-01 (00:00 UTC).
const MAR_15: i64 = 1_710_460_800;
const APR_1: i64 = 1_711_929_600;
const JUL_1: i64 = 1_719_792_000;
const OCT_1: i64 = 1_727_740_800;

/// A history from March 15, 2024 with `n` releases in each listed quarter (two
/// commits each, the second tagged, five days apart), and one last commit on
/// October 5, so that 2024-Q3 has ended and 2024-Q4 runs.
fn history(quarters: &[(i64, usize)]) -> serde_json::Value {
    let mut repo = TestRepo::new();
    let mut head = repo.commit(&[], "feat: start", MAR_15);
    for (q, &(start, n)) in quarters.iter().enumerate() {
        for k in 0..n {
            let t = start + (k as i64 * 5 + 1) * DAY;
            let work = repo.commit(&[head], &format!("feat: work {q}.{k}"), t);
            head = repo.commit(&[work], &format!("fix: ship {q}.{k}"), t + DAY);
            repo.tag(&format!("v{}.{k}.0", q + 1), head);
        }
    }
    let last = repo.commit(&[head], "chore: later", OCT_1 + 4 * DAY);
    repo.main_at(last);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    data.unwrap()
}

fn quarter<'a>(data: &'a serde_json::Value, period: &str) -> &'a serde_json::Value {
    data["story"]["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == period)
        .unwrap_or_else(|| panic!("no story for {period}"))
}

/// The sentence about `label` among a quarter's changes.
fn change<'a>(data: &'a serde_json::Value, period: &str, label: &str) -> &'a serde_json::Value {
    quarter(data, period)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["text"].as_str().unwrap().starts_with(label))
        .unwrap_or_else(|| panic!("no change about {label} in {period}"))
}

#[test]
fn equal_counts_in_quarters_of_different_length_held_steady() {
    // 91 days and 92 days: 6 releases each is no fall, whatever the weekly rate.
    let data = history(&[(APR_1, 6), (JUL_1, 6)]);
    let s = change(&data, "2024-Q3", "Releases");
    assert_eq!(
        s["text"],
        "Releases held steady: 6 in 2024-Q2, 6 in 2024-Q3."
    );
    assert_eq!(s["tone"], "steady");
    assert_eq!(data["story"]["told"], "2024-Q3");
}

#[test]
fn fewer_points_than_the_rule_are_too_few_to_compare() {
    let data = history(&[(APR_1, 3), (JUL_1, 8)]);
    let s = change(&data, "2024-Q3", "Releases");
    assert_eq!(
        s["text"],
        "Releases: too few to compare (3 releases in 2024-Q2, 8 releases in 2024-Q3)."
    );
    assert_eq!(s["tone"], "too_few");
    // 6 commits shipped in 2024-Q2 (two a release), 16 in 2024-Q3: lead time is
    // compared, on commits; no incident means no recovery to compare.
    let r = change(&data, "2024-Q3", "Median recovery time");
    assert_eq!(
        r["text"],
        "Median recovery time: too few to compare (no recoveries in 2024-Q2, no recoveries in 2024-Q3)."
    );
    assert!(change(&data, "2024-Q3", "Median lead time")["tone"] != "too_few");
}

#[test]
fn a_change_the_data_carries_is_a_rise_or_a_fall_with_its_tone() {
    let data = history(&[(APR_1, 5), (JUL_1, 10)]);
    let s = change(&data, "2024-Q3", "Releases");
    assert_eq!(
        s["text"],
        "Releases rose from 5 in 2024-Q2 to 10 in 2024-Q3 (+100%)."
    );
    assert_eq!(s["tone"], "better");
    // Every sentence names the numbers it rests on, and they resolve.
    for r in s["refs"].as_array().unwrap() {
        assert!(data.pointer(r.as_str().unwrap()).is_some(), "{r}");
    }
    assert_eq!(
        data.pointer(s["refs"][1].as_str().unwrap()).unwrap(),
        &serde_json::json!(10)
    );
}

#[test]
fn a_running_or_partly_observed_quarter_is_never_compared() {
    let data = history(&[(APR_1, 6), (JUL_1, 6)]);
    assert_eq!(quarter(&data, "2024-Q4")["state"], "so_far");
    let s = change(&data, "2024-Q4", "Releases");
    assert_eq!(
        s["text"],
        "Releases: not compared, since 2024-Q4 is still running."
    );
    assert_eq!(s["tone"], "neutral");
    // The history starts on March 15: 2024-Q1 was only partly observed.
    assert_eq!(quarter(&data, "2024-Q1")["state"], "partial");
    let s = change(&data, "2024-Q2", "Releases");
    assert_eq!(
        s["text"],
        "Releases: not compared, since 2024-Q1 was only partly observed."
    );
    assert!(
        quarter(&data, "2024-Q4")["summary"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("2024-Q4 so far: ")
    );
}

#[test]
fn a_latest_quarter_without_a_release_tells_the_last_one_that_had_one() {
    // Releases in 2024-Q2 only; 2024-Q3 has ended with none.
    let data = history(&[(APR_1, 6)]);
    let story = &data["story"];
    assert_eq!(story["told"], "2024-Q2");
    // The last release, v1.5.0: its commit is 26 + 1 days after April 1: April 28.
    assert_eq!(
        story["headline"][0]["text"],
        "2024-Q3 had no release; the last was v1.5.0 on 2024-04-28, so this is the story of the four quarters to 2024-Q2."
    );
    assert_eq!(
        story["headline"][1]["text"],
        "From 2024-Q1 to 2024-Q2, releases: 0 in 2024-Q1 (0 failed), 6 in 2024-Q2 (0 failed)."
    );
    assert!(
        story["headline"][2]["text"]
            .as_str()
            .unwrap()
            .starts_with("2024-Q2: 6 releases; median lead time ")
    );
}

#[test]
fn the_demos_overview_and_pack_open_with_the_same_headline_against_a_year_before() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = demo_site_and_pack(dir.path());
    let story = &data["story"];
    assert_eq!(story["told"], "2026-Q3");
    let index_html = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
    let pack_html = std::fs::read_to_string(dir.path().join("pack.html")).unwrap();
    let (index, pack) = (visible(&index_html), visible(&pack_html));
    let headline: Vec<&str> = story["headline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(headline.len() >= 4, "{headline:?}");
    assert!(
        headline.iter().any(|s| s.contains("in 2025-Q3 to")),
        "{headline:?}"
    );
    // Both open with the headline, in order, as people read it.
    for page in [&index, &pack] {
        let mut from = 0;
        for s in &headline {
            let at = page[from..]
                .find(s)
                .unwrap_or_else(|| panic!("missing or out of order: {s}\n{page}"));
            from += at;
        }
    }
    // Money and all-time figures name their period, in what people read and in
    // data-period: the quarter, "since" the history's first day, "as of" the
    // built revision's day.
    let as_of = &story["as_of"].as_str().unwrap()[..10];
    // The history's first day: the first quarter's, or later when the history
    // starts inside it.
    let since = regex::Regex::new(r#"data-period="since:(\d{4}-\d{2}-\d{2})""#)
        .unwrap()
        .captures(&index_html)
        .unwrap()[1]
        .to_string();
    assert!(since.as_str() >= &data["periods"]["quarter"][0]["start"].as_str().unwrap()[..10]);
    assert!(since.as_str() < data["periods"]["quarter"][0]["end"].as_str().unwrap());
    assert!(
        index.contains("Cost of failure\nUSD 400\nin 2026-Q3"),
        "{index}"
    );
    assert!(
        index.contains(&format!("USD 80,400 since {}", human(&since))),
        "{index}"
    );
    assert!(
        index.contains(&format!("as of {}", human(as_of))),
        "{index}"
    );
    assert!(index.contains(&format!("not yet released as of {}", human(as_of))));
    assert!(
        pack.contains("The cost of failure in 2026-Q3: USD 400;"),
        "{pack}"
    );
    // The pack measures the cost of delay at the quarter's end.
    assert!(
        pack.contains("the cost of delay on 30 Sep 2026, the quarter's end: USD"),
        "{pack}"
    );
    let quarter_cost = regex::Regex::new(
        r#"data-ref="/periods/quarter/\d+/incident_cost" data-period="2026-Q3" data-unit="money">USD 400<"#,
    )
    .unwrap();
    for (name, html, delay) in [
        (
            "index",
            &index_html,
            format!("data-ref=\"/cost/cost_of_delay\" data-period=\"asof:{as_of}\""),
        ),
        (
            "pack",
            &pack_html,
            "data-ref=\"/cost/quarters/6/cost_of_delay\" data-period=\"asof:2026-09-30\""
                .to_string(),
        ),
    ] {
        assert!(
            quarter_cost.is_match(html),
            "{name}: the quarter's cost of failure"
        );
        assert!(
            html.contains(&format!("{delay} data-unit=\"money\">USD ")),
            "{name}: the cost of delay as of"
        );
    }
    assert!(index_html.contains(&format!(
        "data-ref=\"/cost/incident_cost\" data-period=\"since:{since}\" data-unit=\"money\">USD 80,400<"
    )));
    // Every money figure on the overview, the quarter pages and the pack names its
    // period in the words around it, or is on a page about that quarter.
    // So does every all-time figure ("since"), every figure of a day ("as of", "by")
    // and every estimate, whatever its unit.
    let money = regex::Regex::new(
        r#"data-period="([^"]+)" data-unit="money">|data-period="((?:since|asof|by):[^"]+|estimate)" data-unit="[^"]+">"#,
    )
    .unwrap();
    let mut pages = vec![
        ("index".to_string(), index_html.clone()),
        ("pack".to_string(), pack_html.clone()),
    ];
    for e in std::fs::read_dir(dir.path().join("site/quarters")).unwrap() {
        let path = e.unwrap().path();
        pages.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    let mut named = 0;
    let title = regex::Regex::new(r"<h[12][^>]*>(.*?)</h[12]>").unwrap();
    for (name, html) in &pages {
        // The page's title and its section headings.
        let heading: String = title
            .captures_iter(html)
            .map(|c| format!("{} | ", visible(&c[1])))
            .collect();
        for c in money.captures_iter(html) {
            let at = c.get(0).unwrap().start();
            let around =
                visible(&html[html[..at.saturating_sub(600)].len()..(at + 300).min(html.len())]);
            let period = c.get(1).or(c.get(2)).unwrap().as_str();
            let words = match period.split_once(':') {
                Some(("since", day)) => format!("since {}", human(day)),
                Some(("asof", day)) => format!("as of {}", human(day)),
                Some(("by", day)) => format!("by {}", human(day)),
                None if period == "estimate" => "estimate".to_string(),
                _ => period.to_string(),
            };
            // "on DAY", "by DAY", or the day in a release row's date column.
            let on_day = period
                .strip_prefix("asof:")
                .is_some_and(|day| around.contains(day) || around.contains(&human(day)));
            assert!(
                around.to_lowercase().contains(&words.to_lowercase())
                    || on_day
                    || heading.contains(period)
                    || heading.contains(&words)
                    || (name == "pack" && period == "2026-Q3"),
                "{name}: a money figure of {period} without {words:?} near it: {around}"
            );
            named += 1;
        }
    }
    assert!(named >= 10, "{named} money figures");
    // A quarter's goals stand as they did on its last day: every value they rest on
    // was known by then, and the pack shows those.
    for (qi, q) in story["quarters"].as_array().unwrap().iter().enumerate() {
        let end = &data["periods"]["quarter"][qi]["end"].as_str().unwrap()[..10];
        for g in q["goals"].as_array().unwrap() {
            for r in g["refs"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                let known = match r.strip_prefix("/measures/") {
                    Some(_) => {
                        // "/measures/K/values/J/1": its date is at ".../J/0".
                        let values_at = &r[..r.rfind('/').unwrap()];
                        data.pointer(&format!("{values_at}/0"))
                            .unwrap()
                            .as_str()
                            .unwrap()
                            < end
                    }
                    None => {
                        let k: usize = r.split('/').nth(3).unwrap().parse().unwrap();
                        k <= qi
                    }
                };
                assert!(known, "{}: {r} not known by {end}", q["period"]);
            }
        }
    }
    let q3_goals = &story["quarters"][6]["goals"];
    assert_eq!(story["quarters"][6]["period"], "2026-Q3");
    for g in q3_goals.as_array().unwrap() {
        assert!(pack.contains(&read_as(g["text"].as_str().unwrap())), "{g}");
    }
    // The evidence is one click away: tiles lead to the quarter's releases, an
    // incident to its entry; the quarter page lists every release it counts, and
    // names the failed ones.
    assert!(
        index_html.contains("<a href=\"quarters/2026-q3.html#failed\">"),
        "{index_html}"
    );
    assert!(
        index_html.contains("<a href=\"incidents.html#INC-11\">INC-11</a>"),
        "{index_html}"
    );
    let quarter = std::fs::read_to_string(dir.path().join("site/quarters/2026-q3.html")).unwrap();
    let q3 = data["periods"]["quarter"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == "2026-Q3")
        .unwrap();
    assert_eq!(
        quarter.matches("<tr><td><a href=\"../releases/").count() as u64,
        q3["deployments"].as_u64().unwrap()
    );
    let failed: Vec<&str> = data["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["failed"] == true
                && r["time"].as_str().unwrap().starts_with("2026-0")
                && ["07", "08", "09"].contains(&&r["time"].as_str().unwrap()[5..7])
        })
        .map(|r| r["tag"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed.len() as u64,
        q3["failed_deployments"].as_u64().unwrap()
    );
    for tag in failed {
        assert!(
            quarter.contains(&format!(
                "<p id=\"failed\">Failed: <a href=\"../releases/{tag}.html\" data-kind=\"tag\">{tag}</a>"
            )),
            "{tag}"
        );
    }
    // Both end with the coming quarter: goals falling due, work in flight.
    let next = &story["next"];
    assert_eq!(next["period"], "2026-Q4");
    assert!(!next["goals"].as_array().unwrap().is_empty());
    assert!(!next["initiatives"].as_array().unwrap().is_empty());
    for page in [&index, &pack] {
        assert!(page.contains("What's next: 2026-Q4"));
        for s in next["goals"]
            .as_array()
            .unwrap()
            .iter()
            .chain(next["initiatives"].as_array().unwrap())
        {
            assert!(page.contains(&read_as(s["text"].as_str().unwrap())), "{s}");
            for r in s["refs"].as_array().unwrap() {
                assert!(
                    data.pointer(r.as_str().unwrap())
                        .is_some_and(|v| v.is_number()),
                    "{s}: {r}"
                );
            }
        }
    }
    // A team page carries the team's keys per quarter, from data.json's scopes.
    let team = std::fs::read_to_string(dir.path().join("site/teams/payments.html")).unwrap();
    let scoped = data["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "team:payments")
        .unwrap();
    for k in scoped["quarters"].as_array().unwrap() {
        let period = k["period"].as_str().unwrap();
        assert!(team.contains(&format!("<tr><td>{period}")), "{period}");
        assert!(
            team.contains(&format!(
                "data-unit=\"number\">{}</span></td><td>",
                k["deployments"]
            )),
            "{period}"
        );
    }
    assert!(team.contains("(so far)</td>"));
    // ... and the releases that shipped its work in the quarter told, each linked,
    // with its work still waiting for a release.
    let told = scoped["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["period"] == "2026-Q3")
        .unwrap();
    let tags = told["releases"].as_array().unwrap();
    assert_eq!(tags.len() as u64, told["deployments"].as_u64().unwrap());
    for tag in tags {
        let tag = tag.as_str().unwrap();
        assert!(
            team.contains(&format!(
                "<a href=\"../releases/{tag}.html\" data-kind=\"tag\">{tag}</a>"
            )),
            "{tag}"
        );
    }
    assert!(team.contains(&format!(
        "data-unit=\"commits\">{} commit",
        scoped["unreleased_commits"]
    )));
    assert!(team.contains("Teams are not ranked against each other"));
    // No sentence calls a change below the rule a rise or a fall.
    for q in story["quarters"].as_array().unwrap() {
        for s in q["summary"]
            .as_array()
            .unwrap()
            .iter()
            .chain(q["changes"].as_array().unwrap())
        {
            let text = s["text"].as_str().unwrap();
            let moved = text.contains(" rose from ") || text.contains(" fell from ");
            let coloured = s["tone"] == "better" || s["tone"] == "worse";
            assert_eq!(moved, coloured, "{text}");
            for r in s["refs"].as_array().unwrap() {
                assert!(data.pointer(r.as_str().unwrap()).is_some(), "{text}: {r}");
            }
        }
    }
}

#[test]
fn the_demos_goals_are_measured_with_at_least_three_statuses_one_from_a_recorded_measure() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let (out, data) = {
        let o = dir.path().join("out");
        let r = valuestory(
            &[
                "build",
                "--json-only",
                "--repo",
                repo.to_str().unwrap(),
                "--out",
                o.to_str().unwrap(),
            ],
            dir.path(),
        );
        (r, std::fs::read(o.join("data.json")).ok())
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let data: serde_json::Value = serde_json::from_slice(&data.unwrap()).unwrap();
    let goals = data["story"]["goals"].as_array().unwrap();
    let status = |metric: &str| {
        goals.iter().find(|g| g["metric"] == metric).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Conversion climbs 0.06 points a month from 2.40% (Dec 2025) to 3.14% (Oct
    // 2026): the line reaches 3.29% by Dec 31 (target 3.2%).
    assert_eq!(status("conversion_rate"), "on_track");
    // $61.77 to $62.47 in ten months cannot reach $68 by Dec 31.
    assert_eq!(status("average_order_value"), "at_risk");
    // 99.3% at best, and June 30 has passed.
    assert_eq!(status("payment_success_rate"), "missed");
    // 2026-Q2's median lead time (10.8 hours) is under a day, by June 30.
    assert_eq!(status("lead_time"), "met");
    let g = goals.iter().find(|g| g["metric"] == "lead_time").unwrap();
    assert!(
        g["text"].as_str().unwrap().ends_with("met on 2026-06-30."),
        "{g}"
    );
    for g in goals {
        for r in g["refs"].as_array().unwrap() {
            assert!(
                data.pointer(r.as_str().unwrap())
                    .is_some_and(|v| v.is_number()),
                "{g}: {r}"
            );
        }
    }
}

#[test]
fn a_measure_with_a_bad_value_or_no_unit_is_located() {
    let repo = TestRepo::new();
    let measure = "name: NPS\nunit: percent\ndirection: higher\nvalues:\n  - { date: 2024-01-31, value: lots }\n";
    let no_unit = "direction: up\nvalues: []\n";
    let goals =
        "- id: g\n  title: G\n  targets:\n    - { metric: nps, target: soon, by: 2024-12-31 }\n";
    let c = repo.commit_files(
        &[],
        &[
            ("value/measures/nps.yaml", measure.as_bytes()),
            ("value/measures/other.yaml", no_unit.as_bytes()),
            ("value/goals.yaml", goals.as_bytes()),
        ],
        "feat: x",
        T0,
    );
    repo.tag("v1.0.0", c);
    let out = valuestory(
        &["check", "--repo", repo.path().to_str().unwrap()],
        repo.root.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("value/measures/nps.yaml:5:32: invalid percentage"),
        "{text}"
    );
    assert!(
        text.contains("value/measures/other.yaml:1:1: a measure needs `unit`"),
        "{text}"
    );
    assert!(
        text.contains(
            "value/measures/other.yaml:1:12: `direction` cannot be `up`; expected one of `higher`, `lower`"
        ),
        "{text}"
    );
    assert!(
        text.contains("value/goals.yaml:4:30: target of `nps`: invalid percentage"),
        "{text}"
    );
}

#[test]
fn a_repository_without_a_value_folder_tells_what_history_alone_can_and_says_so() {
    let mut repo = TestRepo::new();
    let a = repo.commit(&[], "feat: first", MAR_15);
    repo.tag("v1.0.0", a);
    let b = repo.commit(&[a], "feat: second", APR_1 + DAY);
    repo.tag("v1.1.0", b);
    let revert = repo.commit(
        &[b],
        &format!(
            "Revert \"feat: second\"\n\nThis reverts commit {}.",
            b.to_hex()
        ),
        APR_1 + 2 * DAY,
    );
    repo.tag("v1.2.0", revert);
    repo.main_at(revert);
    let site = repo.root.path().join("site");
    let out = repo.build_site(&site);
    assert!(out.status.success(), "{}", stderr(&out));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    // Only sections with content, and the way to the rest.
    let nav = &index[index.find("<nav").unwrap()..index.find("</nav>").unwrap()];
    for absent in [
        "goals.html",
        "streams/index.html",
        "teams/index.html",
        "incidents.html",
    ] {
        assert!(
            !nav.contains(&format!("href=\"{absent}\"")),
            "{absent} in the navigation"
        );
    }
    assert!(nav.contains("<a href=\"value-folder.html\">Add the value story</a>"));
    assert!(site.join("value-folder.html").is_file());
    assert!(
        !index.contains("Cost of failure"),
        "money without a value folder"
    );
    // Failures read from a revert are labelled as inferred.
    assert!(
        index.contains("(inferred from reverts and hotfixes)"),
        "{index}"
    );
    let release = std::fs::read_to_string(site.join("releases/v1.1.0.html")).unwrap();
    assert!(
        release.contains("inferred: its commit <code>")
            && release.contains(
                "</code> was reverted in <span data-kind=\"tag\">v1.2.0</span> by <code>"
            ),
        "{release}"
    );
}

#[test]
fn commit_ids_link_to_the_forge_and_credentials_in_the_remote_go_nowhere() {
    let mut repo = TestRepo::new();
    let a = repo.commit(&[], "feat: first", MAR_15);
    repo.tag("v1.0.0", a);
    repo.main_at(a);
    repo.git(&[
        "config",
        "remote.origin.url",
        "https://bot:ghp_s3cretTOKEN@github.com/acme/shop.git",
    ]);
    let site = repo.root.path().join("site");
    let out = repo.build_site(&site);
    assert!(out.status.success(), "{}", stderr(&out));
    let hex = a.to_hex();
    let release = std::fs::read_to_string(site.join("releases/v1.0.0.html")).unwrap();
    assert!(
        release.contains(&format!(
            "<a href=\"https://github.com/acme/shop/commit/{hex}\"><code>{}</code></a>",
            &hex[..10]
        )),
        "{release}"
    );
    for entry in std::fs::read_dir(&site).unwrap().flatten() {
        if entry.path().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
            assert!(
                !text.contains("s3cret") && !text.contains("bot:"),
                "{:?}",
                entry.path()
            );
        }
    }
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    assert_eq!(
        data["repository"]["forge"]["url"],
        "https://github.com/acme/shop"
    );
    // Another host needs the configuration, which is checked with its place.
    repo.git(&[
        "config",
        "remote.origin.url",
        "https://git.example.com/acme/shop.git",
    ]);
    let out = repo.build_site(&site);
    assert!(out.status.success());
    let release = std::fs::read_to_string(site.join("releases/v1.0.0.html")).unwrap();
    assert!(
        !release.contains("example.com"),
        "a link without a known forge"
    );
    let config = repo.root.path().join("c.yaml");
    std::fs::write(
        &config,
        "repository_url: https://git.example.com/acme/shop\nforge: gitlab\n",
    )
    .unwrap();
    let r = repo.path();
    let o = valuestory(
        &[
            "build",
            "--repo",
            r.to_str().unwrap(),
            "--out",
            site.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        repo.root.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let release = std::fs::read_to_string(site.join("releases/v1.0.0.html")).unwrap();
    assert!(release.contains(&format!("https://git.example.com/acme/shop/-/commit/{hex}")));
    std::fs::write(
        &config,
        "repository_url: https://git.example.com/acme/shop\nforge: sourceforge\n",
    )
    .unwrap();
    let o = valuestory(
        &[
            "check",
            "--repo",
            r.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        repo.root.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("c.yaml:2:8: unknown forge `sourceforge`"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// What a person reads of a page: its text without tags, blocks on their own lines,
/// entities decoded, blanks collapsed.
fn visible(html: &str) -> String {
    let blocks =
        regex::Regex::new(r"(?i)</?(p|div|li|ul|tr|td|th|h[1-6]|section|figure|br|table)\b[^>]*>")
            .unwrap();
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    let text = blocks.replace_all(html, "\n");
    let text = tags.replace_all(&text, "");
    let text = text
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !line.is_empty() {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A number as data.json holds it, written as the pages write it (worked out here
/// independently of the formatter under test).
fn written(field: &str, v: &serde_json::Value) -> String {
    let n = v.as_f64().unwrap();
    let duration = |s: f64| {
        if s >= 2.0 * 86_400.0 {
            format!("{:.1} days", s / 86_400.0)
        } else if s >= 2.0 * 3_600.0 {
            format!("{:.1} hours", s / 3_600.0)
        } else {
            let m = (s / 60.0).floor() as i64;
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
    };
    match field {
        "deployments" => format!("{n} release{}", if n == 1.0 { "" } else { "s" }),
        "failed_deployments" => format!("{n}"),
        "change_failure_rate" => format!("{:.1}%", n * 100.0),
        _ => duration(n),
    }
}

#[test]
fn case_study_figures_are_computed_and_bound_to_data_json() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let r = repo.to_str().unwrap();
    let site = valuestory(&["build", "--repo", r, "--out", "site"], dir.path());
    assert!(site.status.success(), "{}", stderr(&site));
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("site/data.json")).unwrap()).unwrap();
    let figure = regex::Regex::new(
        r#"<span class="n figure" data-ref="([^"]+)" data-period="([^"]+)" data-unit="[^"]+">([^<]*)</span>"#,
    )
    .unwrap();
    let mut checked = 0;
    for page in ["daily-releases", "christmas-outage"] {
        let html =
            std::fs::read_to_string(dir.path().join(format!("site/case-studies/{page}.html")))
                .unwrap();
        assert!(!html.contains("{{"), "{page}: a figure left unrendered");
        for c in figure.captures_iter(&html) {
            let (pointer, period, text) = (&c[1], &c[2], &c[3]);
            let quarter = pointer.split('/').nth(3).unwrap();
            assert_eq!(
                data["periods"]["quarter"][quarter.parse::<usize>().unwrap()]["period"],
                period
            );
            let field = pointer.rsplit('/').next().unwrap();
            let field = if field == "median_seconds" {
                "duration"
            } else {
                field
            };
            assert_eq!(
                text,
                written(field, data.pointer(pointer).unwrap()),
                "{page}: {pointer}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 13, "figures in the sample's case studies");
    // The story the sample tells in words is the data's: half of 2025-Q1's releases
    // failed, and the Christmas incident was the costliest of 2025.
    let q1 = &data["periods"]["quarter"][0];
    assert_eq!(
        (
            q1["period"].as_str(),
            q1["failed_deployments"].as_u64(),
            q1["deployments"].as_u64()
        ),
        (Some("2025-Q1"), Some(1), Some(2))
    );
    let costs: Vec<(String, f64)> = data["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["started"].as_str().unwrap().starts_with("2025"))
        .map(|i| {
            (
                i["id"].as_str().unwrap_or_default().to_string(),
                i["cost"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let top = costs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    assert_eq!(top.0, "INC-7", "{costs:?}");
}

/// Quarter pages and the pack measure an initiative's work as of the quarter's end:
/// what had landed, what had shipped, and the cost of delay on that day.
#[test]
fn initiative_work_and_cost_of_delay_are_measured_at_each_quarters_end() {
    let repo = TestRepo::new();
    let value: &[(&str, &[u8])] = &[
        ("value/goals.yaml", b"- id: g\n  title: G\n"),
        (
            "value/initiatives/x.yaml",
            b"title: X\ngoal: g\nmatch: { scopes: [api] }\nvalue: { kind: revenue, amount: 73000, per: year }\n",
        ),
    ];
    let mut n = 0;
    let mut commit = |parents: &[CommitId], message: &str, time: i64| {
        n += 1;
        let content = format!("{n}\n");
        let mut files = value.to_vec();
        files.push(("file.txt", content.as_bytes()));
        repo.commit_files(parents, &files, message, time)
    };
    // 2024-Q1: a lands on Mar 16 and ships on Mar 20 (v1.0.0); b lands on Mar 25
    // and waits until v1.1.0 on Apr 10.
    let start = commit(&[], "chore: start", MAR_15);
    let a = commit(&[start], "feat(api): a", MAR_15 + DAY);
    let r1 = commit(&[a], "chore: release", MAR_15 + 5 * DAY);
    repo.tag("v1.0.0", r1);
    let b = commit(&[r1], "feat(api): b", MAR_15 + 10 * DAY);
    let r2 = commit(&[b], "chore: release", APR_1 + 9 * DAY);
    repo.tag("v1.1.0", r2);
    let last = commit(&[r2], "chore: later", OCT_1 + 4 * DAY);
    repo.main_at(last);
    let (out, data) = repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    let x = &data["initiative_metrics"][0]["quarters"];
    // At the end of 2024-Q1 (Mar 31): a and b had landed, a had shipped, and b had
    // waited 7 days (Mar 25 to Apr 1): 73,000 a year is 200 a day, so 1,400.
    assert_eq!(x[0]["period"], "2024-Q1");
    assert_eq!(x[0]["as_of"], "2024-03-31");
    assert_eq!(
        (
            &x[0]["commits"],
            &x[0]["shipped_commits"],
            &x[0]["unreleased_commits"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(1),
            &serde_json::json!(1)
        )
    );
    assert_eq!(x[0]["cost_of_delay"].as_f64().unwrap().round(), 1400.0);
    assert_eq!(
        data["cost"]["quarters"][0]["cost_of_delay"]
            .as_f64()
            .unwrap()
            .round(),
        1400.0
    );
    // At the end of 2024-Q2 both had shipped: nothing waits, nothing is lost.
    assert_eq!(x[1]["shipped_commits"], 2);
    assert_eq!(x[1]["cost_of_delay"], 0.0);
    // The running quarter is measured on the last event's day.
    assert_eq!(x[3]["period"], "2024-Q4");
    assert_eq!(x[3]["as_of"], "2024-10-05");
    // The quarter page says so, bound to those values.
    let dir = tempfile::TempDir::new().unwrap();
    let site = dir.path().join("site");
    let out = repo.build_site(&site);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(site.join("quarters/2024-q1.html")).unwrap();
    assert!(
        page.contains("Initiatives as of <time datetime=\"2024-03-31\">31 Mar 2024</time>"),
        "{page}"
    );
    assert!(
        page.contains("data-ref=\"/cost/quarters/0/cost_of_delay\" data-period=\"asof:2024-03-31\" data-unit=\"money\">1,400<"),
        "{page}"
    );
}

/// A day as the pages write it ("10 Aug 2026").
fn human(day: &str) -> String {
    valuestory::render::human_day(day).unwrap()
}

/// A story sentence as people read it on a page: its days written out.
fn read_as(text: &str) -> String {
    regex::Regex::new(r"\d{4}-\d{2}-\d{2}")
        .unwrap()
        .replace_all(text, |c: &regex::Captures| human(&c[0]))
        .into_owned()
}
