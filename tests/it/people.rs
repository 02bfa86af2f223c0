//! The personal view and wins and lessons, on a history built by hand where each
//! person's page is worked out in the comments; and over every page of the demo:
//! lists of people are alphabetical and carry no number, per-person numbers stay
//! on the person's own page, and no email is written anywhere.

use std::path::Path;

use regex::Regex;
use valuestory::git::Signature;
use valuestory::history::{CommitId, GitTime};

use crate::support::{DAY, TestRepo, demo_site_and_pack, files, stderr};

/// 2024-01-01T00:00:00Z.
const JAN_1: i64 = 1_704_067_200;
const APR_1: i64 = JAN_1 + 91 * DAY;
/// 2025-06-01.
const JUN_1_2025: i64 = JAN_1 + 517 * DAY;

const ANN_OLD: (&str, &str) = ("ann", "ann@old-laptop.example");
const ANN: (&str, &str) = ("Ann Lee", "ann@example.com");
const BO: (&str, &str) = ("Bo Chen", "bo@example.com");
const CY: (&str, &str) = ("Cy Dune", "cy@example.com");
const ZED: (&str, &str) = ("Zed Old", "zed@example.com");
const BOT: (&str, &str) = ("release-bot[bot]", "bot@example.com");

const CONFIG: &str = "views:\n  personal: true\n  personal_exclude: [CY@example.com]\n";
const MAILMAP: &str = "Ann Lee <ann@example.com> ann <ann@old-laptop.example>\n";
const VALUE: &[(&str, &str)] = &[
    (
        "value/goals.yaml",
        "- id: grow\n  title: Grow revenue\n- id: calm\n  title: Fewer incidents\n  targets:\n    - { metric: change_failure_rate, target: 10%, by: 2024-12-31 }\n",
    ),
    (
        "value/initiatives/pay.yaml",
        "title: Pay faster\ngoal: grow\nstatus: done\nstarted: 2024-01-01\nfinished: 2024-05-10\nmatch: { trailer: Initiative }\n",
    ),
    (
        "value/incidents.yaml",
        "- id: INC-1\n  title: Search crashed\n  started: 2024-01-25T10:00:00Z\n  resolved: 2024-02-02T10:00:00Z\n  severity: sev2\n  caused_by: v1.0.0\n  fixed_by: v1.0.1\n  lessons: Search has a fuzz test now.\n- id: INC-2\n  title: Wallet timeouts\n  started: 2024-04-02T10:00:00Z\n  severity: sev3\n",
    ),
    (
        "value/streams/web.yaml",
        "name: Web\nowner: core\nguardrails: { change_failure_rate: 20% }\nstages:\n  - { name: Build, measured: coding }\n",
    ),
    (
        "value/case-studies/wallet.md",
        "---\ntitle: The wallet\ndate: 2024-05-20\nsummary: How the wallet shipped.\n---\n\nIt shipped.\n",
    ),
    (
        "value/teams.yaml",
        "- id: core\n  name: Core\n  members: [ann@example.com, bo@example.com, cy@example.com, nobody@example.com]\n",
    ),
];

struct History {
    repo: TestRepo,
    n: usize,
    config: String,
}

impl History {
    fn new(config: &str) -> History {
        History {
            repo: TestRepo::new(),
            n: 0,
            config: config.to_string(),
        }
    }

    fn commit(
        &mut self,
        parent: Option<CommitId>,
        (name, email): (&str, &str),
        message: &str,
        time: i64,
    ) -> CommitId {
        self.n += 1;
        let counter = format!("{}\n", self.n);
        let mut files: Vec<(&str, Option<&[u8]>)> = VALUE
            .iter()
            .map(|(p, c)| (*p, Some(c.as_bytes())))
            .collect();
        files.push(("valuestory.yaml", Some(self.config.as_bytes())));
        files.push((".mailmap", Some(MAILMAP.as_bytes())));
        files.push(("file.txt", Some(counter.as_bytes())));
        let tree = self.repo.writer.tree(None, &files).unwrap();
        let who = Signature::new(name, email, GitTime::utc(time));
        let parents: Vec<CommitId> = parent.into_iter().collect();
        let id = self
            .repo
            .writer
            .commit(tree, &parents, &who, &who, message)
            .unwrap();
        self.repo.main_at(id);
        id
    }

    /// The history every test here reads:
    ///
    /// - 2024-Q1: Ann (under her old identity, joined by .mailmap) links a commit
    ///   to the initiative; Zed writes docs; Bo writes search with Cy and Zed as
    ///   co-authors; v1.0.0 ships them (Jan 20). INC-1 names v1.0.0 as its cause
    ///   and v1.0.1 as its fix; Bo's fix ships in v1.0.1 (Feb 2), as does the
    ///   bot's dependency bump and Cy's own commit.
    /// - 2024-Q2: Ann's wallet commit names INC-2 and the initiative; v1.1.0 (Apr 12).
    /// - 2025-Q2: Bo alone; v1.2.0 (2025-06-02). Zed's last commit is then more than
    ///   a year old.
    fn build(config: &str) -> History {
        let mut h = History::new(config);
        let a = h.commit(
            None,
            ANN_OLD,
            "feat: card form\n\nInitiative: pay\n",
            JAN_1 + 9 * DAY,
        );
        let z = h.commit(Some(a), ZED, "docs: readme", JAN_1 + 11 * DAY);
        let b = h.commit(
            Some(z),
            BO,
            "feat: search\n\nCo-authored-by: Cy Dune <cy@example.com>\nCo-authored-by: Zed Old <zed@example.com>\n",
            JAN_1 + 14 * DAY,
        );
        let r1 = h.commit(Some(b), BOT, "chore: release 1.0.0", JAN_1 + 19 * DAY);
        h.repo.tag("v1.0.0", r1);
        let fix = h.commit(Some(r1), BO, "fix: search crash", JAN_1 + 31 * DAY);
        let dep = h.commit(Some(fix), BOT, "chore(deps): bump", JAN_1 + 31 * DAY + 60);
        let cy = h.commit(Some(dep), CY, "feat: filters", JAN_1 + 31 * DAY + 120);
        let r2 = h.commit(Some(cy), BOT, "chore: release 1.0.1", JAN_1 + 32 * DAY);
        h.repo.tag("v1.0.1", r2);
        let w = h.commit(
            Some(r2),
            ANN,
            "feat: wallet\n\nInitiative: pay\nIncident: INC-2\n",
            APR_1 + 9 * DAY,
        );
        let r3 = h.commit(Some(w), BOT, "chore: release 1.1.0", APR_1 + 11 * DAY);
        h.repo.tag("v1.1.0", r3);
        let later = h.commit(Some(r3), BO, "feat: later", JUN_1_2025);
        let r4 = h.commit(Some(later), BOT, "chore: release 1.2.0", JUN_1_2025 + DAY);
        h.repo.tag("v1.2.0", r4);
        h
    }
}

fn person<'a>(data: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    data["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no page for {name}"))
}

fn quarter<'a>(p: &'a serde_json::Value, period: &str) -> &'a serde_json::Value {
    p["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == period)
        .unwrap_or_else(|| panic!("{} has no {period}", p["name"]))
}

fn releases(q: &serde_json::Value) -> Vec<(String, u64)> {
    q["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["tag"].as_str().unwrap().to_string(),
                r["commits"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_persons_page_lists_exactly_their_linked_work_releases_and_fixes() {
    let h = History::build(CONFIG);
    let (out, data) = h.repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    // Alphabetical; Cy asked to be left out and the bot is not a person; Ann's two
    // identities are one person.
    let names: Vec<&str> = data["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Lee", "Bo Chen", "Zed Old"]);

    let ann = person(&data, "Ann Lee");
    assert_eq!(ann["slug"], "ann-lee");
    let q1 = quarter(ann, "2024-Q1");
    assert_eq!(releases(q1), [("v1.0.0".to_string(), 1)]);
    assert_eq!(strings(&q1["initiatives"]), ["pay"]);
    assert_eq!(strings(&q1["goals"]), ["grow"]);
    assert_eq!(q1["incidents"], serde_json::json!([]));
    let q2 = quarter(ann, "2024-Q2");
    assert_eq!(releases(q2), [("v1.1.0".to_string(), 1)]);
    // Named in her commit's trailer; never an incident her change caused.
    assert_eq!(
        q2["incidents"],
        serde_json::json!([{"id": "INC-2", "role": "named"}])
    );
    // Her last commit (2024-04-10) is more than a year before v1.2.0 (2025-06-02).
    assert_eq!(ann["past"], true);

    let bo = person(&data, "Bo Chen");
    let q1 = quarter(bo, "2024-Q1");
    // v1.0.0 shipped his search (which caused INC-1: not on his page as a cause);
    // v1.0.1, the release INC-1 names as its fix, shipped his fix.
    assert_eq!(
        releases(q1),
        [("v1.0.0".to_string(), 1), ("v1.0.1".to_string(), 1)]
    );
    assert_eq!(
        q1["incidents"],
        serde_json::json!([{"id": "INC-1", "role": "fixed"}])
    );
    // Co-authored with Zed (and Cy, who is left out everywhere).
    assert_eq!(strings(&q1["co_authors"]), ["zed-old"]);
    assert_eq!(q1["co_authored_commits"], 1);
    assert_eq!(strings(&q1["initiatives"]), Vec::<String>::new());
    assert_eq!(
        releases(quarter(bo, "2025-Q2")),
        [("v1.2.0".to_string(), 1)]
    );
    assert_eq!(bo["quarters"].as_array().unwrap().len(), 2);
    assert_eq!(bo["past"], false);

    // Zed is credited for his own commit and the one he co-wrote; his last commit
    // is more than 12 months before the last release, so his page is past.
    let zed = person(&data, "Zed Old");
    let q1 = quarter(zed, "2024-Q1");
    assert_eq!(releases(q1), [("v1.0.0".to_string(), 2)]);
    assert_eq!(strings(&q1["co_authors"]), ["bo-chen"]);
    assert_eq!(zed["past"], true);
    assert_eq!(zed["last_commit"], "2024-01-15");

    // The team names its members, never by email, and not the one left out; a
    // member without commits goes by the name before the `@`.
    assert_eq!(
        strings(&data["teams"][0]["members"]),
        ["Ann Lee", "Bo Chen", "nobody"]
    );

    // Wins and lessons: INC-1's lesson in 2024-Q1, linked to the incident.
    let story = &data["story"]["quarters"];
    let q = story
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == "2024-Q1")
        .unwrap();
    assert_eq!(
        q["lessons"][0]["text"],
        "INC-1 (Search crashed): Search has a fuzz test now."
    );
    assert_eq!(q["lessons"][0]["href"], "incidents.html#INC-1");
}

/// 2024-Q2's wins, worked out by hand, in their order: the goal target on the
/// change failure rate (50% in 2024-Q1, 0% in 2024-Q2, target 10%) met; the
/// initiative finished on 2024-05-10; the Web stream's 20% guardrail, passed in
/// 2024-Q1, kept; the case study of 2024-05-20 published.
#[test]
fn a_quarters_wins_come_in_order_each_bound_to_data() {
    let h = History::build(CONFIG);
    let (out, data) = h.repo.build(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = data.unwrap();
    let quarters = data["story"]["quarters"].as_array().unwrap();
    let q = |p: &str| quarters.iter().find(|q| q["period"] == p).unwrap();
    assert_eq!(q("2024-Q1")["wins"], serde_json::json!([]));
    let wins: Vec<(&str, &str)> = q("2024-Q2")["wins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["text"].as_str().unwrap(), w["href"].as_str().unwrap()))
        .collect();
    assert_eq!(wins.len(), 4, "{wins:?}");
    assert!(
        wins[0].0.starts_with(
            "Goal target met for Fewer incidents. The change failure rate: 0.0% as of 2024-06-30"
        ),
        "{}",
        wins[0].0
    );
    assert_eq!(wins[0].1, "goals.html#calm");
    assert_eq!(
        wins[1],
        (
            "Initiative finished: Pay faster, started 2024-01-01 and finished 2024-05-10.",
            "initiatives/pay.html"
        )
    );
    assert_eq!(
        wins[2],
        (
            "Web: change failure rate back within its guardrail of 20.0%, at 0.0% in 2024-Q2, after 50.0% in 2024-Q1.",
            "streams/web.html"
        )
    );
    assert_eq!(
        wins[3],
        (
            "Case study published: The wallet (2024-05-20).",
            "case-studies/wallet.html"
        )
    );
    // Every number a win writes is where its part says data.json holds it.
    for w in q("2024-Q2")["wins"].as_array().unwrap() {
        for p in w["parts"].as_array().unwrap() {
            if let Some(at) = p["ref"].as_str() {
                assert!(data.pointer(at).is_some_and(|v| v.is_number()), "{at}");
            }
        }
    }
}

#[test]
fn the_pages_name_no_one_left_out_and_write_no_email() {
    let h = History::build(CONFIG);
    let out = h.repo.root.path().join("site");
    let built = h.repo.build_site(&out);
    assert!(built.status.success(), "{}", stderr(&built));
    let pages = files(&out);
    let page_names: Vec<&String> = pages.keys().filter(|p| p.starts_with("people/")).collect();
    assert_eq!(
        page_names,
        [
            "people/ann-lee.html",
            "people/bo-chen.html",
            "people/index.html",
            "people/zed-old.html"
        ]
    );
    let zed = String::from_utf8_lossy(&pages["people/zed-old.html"]).into_owned();
    assert!(
        zed.contains("kept as a record"),
        "Zed's page is marked as past"
    );
    let email = Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+").unwrap();
    for (path, bytes) in &pages {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !email.is_match(&text),
            "{path} holds an email: {:?}",
            email.find(&text)
        );
        assert!(
            !text.contains("Cy Dune"),
            "{path} names Cy, who asked to be left out"
        );
        if path.starts_with("people/") {
            assert!(
                !text.contains("release-bot"),
                "{path} names the bot as a person"
            );
        }
    }
    check_people_lists(&out);
}

#[test]
fn with_the_personal_view_off_there_is_no_people_folder() {
    let h = History::build("title: Off\n");
    let out = h.repo.root.path().join("site");
    let built = h.repo.build_site(&out);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(!out.join("people").exists());
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("data.json")).unwrap()).unwrap();
    assert!(data.get("people").is_none());
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("people/index.html"));
}

#[test]
fn an_exclude_that_is_not_an_email_is_a_located_error() {
    let h = History::build("views:\n  personal: true\n  personal_exclude: [cy]\n");
    let (out, _) = h.repo.build(&[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("valuestory.yaml:3"), "{err}");
    assert!(err.contains("personal_exclude"), "{err}");
}

/// Every list of people on every page (`data-list="people"`) is alphabetical by
/// name and holds no number; a number about one person (`data-ref="/people/K/…"`)
/// appears only on that person's page.
fn check_people_lists(site: &Path) {
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    let list = Regex::new(r#"(?s)<ul[^>]*data-list="people"[^>]*>(.*?)</ul>"#).unwrap();
    let item = Regex::new(r"(?s)<li>(.*?)</li>").unwrap();
    let tag = Regex::new(r"<[^>]*>").unwrap();
    let person_ref = Regex::new(r#"data-ref="/people/(\d+)/"#).unwrap();
    let mut lists = 0;
    for (path, bytes) in files(site) {
        if !path.ends_with(".html") {
            continue;
        }
        let page = String::from_utf8_lossy(&bytes);
        for l in list.captures_iter(&page) {
            lists += 1;
            assert!(
                !l[1].contains("data-ref"),
                "{path}: a list of people carries a number"
            );
            let names: Vec<String> = item
                .captures_iter(&l[1])
                .map(|i| {
                    tag.replace_all(&i[1], "")
                        .replace(" (past)", "")
                        .trim()
                        .to_string()
                })
                .collect();
            let mut sorted = names.clone();
            sorted.sort_by_key(|n| n.to_lowercase());
            assert_eq!(names, sorted, "{path}: people out of alphabetical order");
            assert!(
                names.iter().all(|n| !n.chars().any(|c| c.is_ascii_digit())),
                "{path}: {names:?}"
            );
        }
        for r in person_ref.captures_iter(&page) {
            let k: usize = r[1].parse().unwrap();
            let own = format!(
                "people/{}.html",
                data["people"][k]["slug"].as_str().unwrap()
            );
            assert_eq!(path, own, "a number about one person on another page");
        }
    }
    assert!(lists > 0, "no list of people was found");
}

#[test]
fn the_demo_lists_people_alphabetically_and_tells_wins_and_lessons() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = demo_site_and_pack(dir.path());
    let site = dir.path().join("site");
    check_people_lists(&site);
    assert!(site.join("people/index.html").exists());
    let email = Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+").unwrap();
    for (path, bytes) in files(&site) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!email.is_match(&text), "{path}: {:?}", email.find(&text));
    }
    // 2026-Q3, the quarter the demo tells: a case study published, and INC-11's
    // lesson, in that order, on the executive page and in the pack.
    let q3 = data["story"]["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["period"] == "2026-Q3")
        .unwrap();
    assert!(!q3["wins"].as_array().unwrap().is_empty());
    assert!(!q3["lessons"].as_array().unwrap().is_empty());
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    let pack = std::fs::read_to_string(dir.path().join("pack.html")).unwrap();
    for (what, page) in [("index.html", &index), ("pack.html", &pack)] {
        let wins = page
            .find(">Wins<")
            .unwrap_or_else(|| panic!("{what} has no wins"));
        let lessons = page
            .find(">Lessons<")
            .unwrap_or_else(|| panic!("{what} has no lessons"));
        assert!(wins < lessons, "{what}: wins come before lessons");
        assert!(page.contains("From a release every five weeks to one every day"));
        assert!(page.contains("CDN changes roll out to one region first"));
    }
}
