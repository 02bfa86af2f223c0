//! The sample repository's history, as a deterministic script.
//!
//! Acme Checkout is a small product team (seven people and a dependency bot) that
//! goes from a release every five weeks in early 2025 to a release every working
//! day by mid-2026. The script plays that story forward in time, from a fixed seed
//! and fixed dates, so every run writes the same commits with the same ids:
//!
//! - quarters with their own cadence and their own delay between writing a change
//!   and merging it, so lead time and deployment frequency improve band by band;
//! - pull requests merged with merge commits and squashed, direct pushes, a bot,
//!   co-authors, `Initiative:` and `Incident:` trailers, conventional and plain
//!   subjects, a person with two identities joined by `.mailmap`;
//! - three hotfix releases, two reverts shipped a release later, a maintenance
//!   branch with a backported security fix, an annotated tag without a tagger, a
//!   tag on a blob, and a second component (`services/notify/`) with its own
//!   `notify-v*` tags;
//! - an export of its squash-merged pull requests (`data/pull-requests.json`, as
//!   `gh pr list --json` writes it), which the config names;
//! - the value folder committed as it was written: snapshots from
//!   `sample-repo/earlier/<date>/` on those dates, then `sample-repo/files/`.
//!
//! It is compiled into the binary (see `src/demo/mod.rs`), so `valuestory demo` needs
//! nothing but itself.

use std::collections::BTreeMap;

use crate::git::{Signature, TreeId, Writer};
use crate::history::{CommitId, GitTime};

/// Files and snapshots embedded from `sample-repo/`.
pub struct Embedded {
    pub files: &'static [(&'static str, &'static [u8])],
    pub earlier: &'static [(&'static str, &'static [u8])],
}

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// 2025-01-06T08:00:00Z, a Monday.
const START: i64 = 1_736_150_400;
/// 2026-11-20T18:00:00Z: the last release goes out before this.
const LAST_RELEASE_BY: i64 = 1_795_197_600;

struct Person {
    name: &'static str,
    email: &'static str,
    offset: i32,
}

const PEOPLE: [Person; 8] = [
    Person {
        name: "Alice Martin",
        email: "alice@acme.example",
        offset: 60,
    },
    Person {
        name: "Bob Lee",
        email: "bob@acme.example",
        offset: -300,
    },
    Person {
        name: "Carol Diaz",
        email: "carol@acme.example",
        offset: 0,
    },
    Person {
        name: "Dan Okafor",
        email: "dan@acme.example",
        offset: 60,
    },
    Person {
        name: "Erin Walsh",
        email: "erin@acme.example",
        offset: -480,
    },
    Person {
        name: "Farid Haddad",
        email: "farid@acme.example",
        offset: 240,
    },
    Person {
        name: "Grace Kim",
        email: "grace@acme.example",
        offset: 540,
    },
    Person {
        name: "renovate[bot]",
        email: "bot@renovateapp.com",
        offset: 0,
    },
];
const ALICE: usize = 0;
const BOB: usize = 1;
const GRACE: usize = 6;
const BOT: usize = 7;
/// Bob's old laptop identity, joined to his real one by `.mailmap`.
const BOB_OLD: (&str, &str) = ("bob", "bob@bob-laptop.local");

/// How a quarter works: its release cadence and how long changes wait.
struct Cadence {
    until: i64,
    /// Days between planned releases (fractional: 2.33 is three a week).
    cycle_days: f64,
    /// Work items merged per release.
    items: usize,
    /// Range of hours between writing a change (author date) and committing it.
    delay_hours: (i64, i64),
}

const CADENCES: [Cadence; 8] = [
    // 2025-Q1: one big release at the start of March; changes wait weeks on
    // long-lived branches.
    Cadence {
        until: 1_743_465_600,
        cycle_days: 56.0,
        items: 20,
        delay_hours: (480, 1080),
    },
    // 2025-Q2: every 16 days.
    Cadence {
        until: 1_751_328_000,
        cycle_days: 16.0,
        items: 9,
        delay_hours: (168, 480),
    },
    // 2025-Q3: weekly.
    Cadence {
        until: 1_759_276_800,
        cycle_days: 7.0,
        items: 6,
        delay_hours: (12, 72),
    },
    // 2025-Q4: twice a week.
    Cadence {
        until: 1_767_225_600,
        cycle_days: 3.5,
        items: 4,
        delay_hours: (6, 48),
    },
    // 2026-Q1: three times a week.
    Cadence {
        until: 1_775_001_600,
        cycle_days: 2.33,
        items: 3,
        delay_hours: (2, 30),
    },
    // 2026-Q2 onwards: every working day, small changes.
    Cadence {
        until: 1_782_864_000,
        cycle_days: 1.0,
        items: 2,
        delay_hours: (1, 10),
    },
    Cadence {
        until: 1_790_812_800,
        cycle_days: 1.0,
        items: 2,
        delay_hours: (1, 8),
    },
    Cadence {
        until: i64::MAX,
        cycle_days: 1.0,
        items: 2,
        delay_hours: (1, 8),
    },
];

/// splitmix64: small, fast and the same everywhere.
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
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo).max(0) as u64 + 1)) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One kind of work the team does, with the files it touches.
struct Area {
    scope: &'static str,
    files: &'static [&'static str],
    features: &'static [&'static str],
    fixes: &'static [&'static str],
    initiative: Option<&'static str>,
}

const AREAS: [Area; 4] = [
    Area {
        scope: "checkout",
        files: &[
            "services/checkout/src/cart.rs",
            "services/checkout/src/order.rs",
            "services/checkout/src/pricing.rs",
            "services/checkout/src/shipping.rs",
        ],
        features: &[
            "add express shipping option",
            "remember the last delivery address",
            "one-click buy for returning customers",
            "show delivery estimate in the cart",
            "apply coupons at checkout",
            "split orders by warehouse",
        ],
        fixes: &[
            "round tax per line, not per order",
            "keep cart when session expires",
            "stop double submit on slow networks",
            "correct free-shipping threshold",
        ],
        initiative: Some("one-click"),
    },
    Area {
        scope: "payments",
        files: &[
            "services/payments/src/client.rs",
            "services/payments/src/cards.rs",
            "services/payments/src/refunds.rs",
        ],
        features: &[
            "save cards with network tokens",
            "support Apple Pay",
            "retry declined payments once",
            "add partial refunds",
        ],
        fixes: &[
            "read payment timeout from config",
            "handle duplicate webhook deliveries",
            "reject unsupported currency codes",
        ],
        initiative: Some("saved-cards"),
    },
    Area {
        scope: "web",
        files: &[
            "web/src/cart.ts",
            "web/src/checkout.ts",
            "web/src/styles.css",
            "web/src/product.ts",
        ],
        features: &[
            "lazy-load product images",
            "inline address validation",
            "prefetch the payment step",
            "compact mobile cart",
        ],
        fixes: &[
            "fix layout shift on the payment step",
            "focus the first invalid field",
            "escape product names in the cart",
        ],
        initiative: Some("faster-pages"),
    },
    Area {
        scope: "ci",
        files: &[
            ".github/workflows/ci.yml",
            "deploy/release.sh",
            "deploy/k8s.yaml",
        ],
        features: &["deploy on every merge to main", "add canary stage"],
        fixes: &["pin the runner image", "retry flaky deploy step"],
        initiative: None,
    },
];

const PLAIN_SUBJECTS: [&str; 8] = [
    "Update README",
    "Tidy up logging",
    "Fix typo in cart page",
    "Improve error messages",
    "Clean up old feature flags",
    "Bump version in docs",
    "Small refactor of order totals",
    "Add more tests for pricing",
];

const CHORES: [&str; 6] = [
    "refactor(checkout): extract pricing rules",
    "test(payments): cover refund edge cases",
    "docs: explain the release process",
    "perf(web): cache product lookups",
    "build: speed up the docker build",
    "style: format with the new rustfmt",
];

const CRATES: [&str; 5] = ["serde", "tokio", "axum", "sqlx", "tracing"];

struct Script<'e> {
    w: Writer,
    rng: Rng,
    embedded: &'e Embedded,
    now: i64,
    main: CommitId,
    tree: TreeId,
    /// Current text of every file on main.
    files: BTreeMap<String, String>,
    pr: u32,
    version: (u64, u64, u64),
    snapshots: Vec<(i64, String)>,
    next_notify_tag: i64,
    notify_version: u64,
    /// A feature to revert in a later cycle: (commit, subject, path, the line it added).
    to_revert: Option<(CommitId, String, String, String)>,
    reverts_planned: usize,
    /// Squash-merged pull requests: (number, first commit, merged), for the export.
    squashes: Vec<(u32, i64, i64)>,
}

/// Writes the whole sample history into `writer`'s repository and returns the
/// commit `main` ends at.
pub fn play(w: Writer, embedded: &Embedded) -> crate::git::Result<CommitId> {
    let mut snapshots: Vec<(i64, String)> = embedded
        .earlier
        .iter()
        .filter_map(|(path, _)| path.split('/').next())
        .filter_map(|date| {
            crate::time::parse_date_or_datetime(date)
                .ok()
                .map(|t| (t + 9 * HOUR, date.to_string()))
        })
        .collect();
    snapshots.sort();
    snapshots.dedup();
    let tree = w.empty_tree();
    let mut s = Script {
        w,
        rng: Rng(0x5eed_ac3e),
        embedded,
        now: START,
        main: CommitId([0; 20]),
        tree,
        files: BTreeMap::new(),
        pr: 0,
        version: (0, 1, 0),
        snapshots,
        next_notify_tag: 1_768_780_800, // 2026-01-19: the notify component starts
        notify_version: 1,
        to_revert: None,
        reverts_planned: 0,
        squashes: Vec::new(),
    };
    s.initial_commit()?;
    s.w
        .tag_blob("gpg-pub", b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n(acme release key)\n-----END PGP PUBLIC KEY BLOCK-----\n")?;

    let mut first_release = true;
    let mut maintenance: Option<(CommitId, TreeId, BTreeMap<String, String>)> = None;
    let mut backported = false;
    // The planned release times; work that runs late pushes a release back, never
    // the plan.
    let mut ideal = START;
    let mut planned = START;
    loop {
        let cadence = CADENCES
            .iter()
            .find(|c| ideal < c.until)
            .unwrap_or(&CADENCES[CADENCES.len() - 1]);
        ideal += (cadence.cycle_days * DAY as f64) as i64;
        let next = at_hour(ideal, 16);
        if next <= planned || next <= s.now {
            continue; // a weekend: the release goes out on Monday with the next one
        }
        planned = next;
        if planned > LAST_RELEASE_BY {
            break;
        }
        let cycle_start = s.now;
        let revert_now = s.to_revert.take();
        let step = ((planned - cycle_start) / (cadence.items as i64 + 1)).max(HOUR);
        for i in 0..cadence.items {
            // In working hours, and done before the planned release.
            let latest = planned - (cadence.items - i) as i64 * 30 * 60;
            let at = during_work(cycle_start + step * (i as i64 + 1)).min(latest);
            s.now = at.max(s.now + 10 * 60);
            s.snapshot_due()?;
            s.notify_due()?;
            s.work_item(cadence)?;
        }
        if let Some((id, subject, path, line)) = revert_now {
            s.now += HOUR;
            s.revert(id, &subject, &path, &line)?;
        }
        let release_at = at_hour(planned.max(s.now + HOUR), 16);
        // The first bump after a quarter boundary of note: 1.0 in July 2025, 2.0 in
        // April 2026, with a breaking change to go with it.
        if s.version.0 == 0 && release_at >= CADENCES[1].until {
            s.breaking_change()?;
            s.version = (1, 0, 0);
        } else if s.version.0 == 1 && release_at >= CADENCES[4].until {
            s.breaking_change()?;
            s.version = (2, 0, 0);
        }
        s.now = release_at.max(s.now + HOUR);
        let tag = s.tag_release(first_release)?;
        first_release = false;
        if tag == "v1.4.0" {
            maintenance = Some((s.main, s.tree, s.files.clone()));
        }
        s.after_release(&tag)?;
        if !backported
            && s.version.1 >= 9
            && s.version.0 == 1
            && let Some(base) = maintenance.take()
        {
            s.backport(base)?;
            backported = true;
        }
        s.now += HOUR;
    }
    // Work merged after the last release: unreleased at the end of the story.
    s.now = during_work(LAST_RELEASE_BY + 2 * DAY);
    s.snapshot_due()?;
    for _ in 0..3 {
        s.now = during_work(s.now + 5 * HOUR);
        s.work_item(&CADENCES[CADENCES.len() - 1])?;
    }
    s.export_pull_requests()?;
    s.commit_value_folder(
        "docs(value): quarterly update of the value folder",
        "",
        None,
        s.embedded.files,
    )?;
    s.w.set_branch("main", s.main)?;
    s.w.set_head_branch("main")?;
    Ok(s.main)
}

fn is_weekday(day: i64) -> bool {
    // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
    (day + 3).rem_euclid(7) < 5
}

/// The first weekday `hour`:00 UTC at or after `t`.
fn at_hour(t: i64, hour: i64) -> i64 {
    let mut day = t.div_euclid(DAY);
    loop {
        let at = day * DAY + hour * HOUR;
        if at >= t && is_weekday(day) {
            return at;
        }
        day += 1;
    }
}

/// `t` when it falls in working hours (weekdays 08:00 to 18:00 UTC), else the next
/// 09:00 on a weekday.
fn during_work(t: i64) -> i64 {
    let day = t.div_euclid(DAY);
    let hour = t.rem_euclid(DAY) / HOUR;
    if is_weekday(day) && (8..18).contains(&hour) {
        t
    } else {
        at_hour(t, 9)
    }
}

fn sig(person: usize, time: i64) -> Signature {
    let p = &PEOPLE[person];
    Signature::new(
        p.name,
        p.email,
        GitTime {
            seconds: time,
            offset_minutes: p.offset,
        },
    )
}

fn github(time: i64) -> Signature {
    Signature::new("GitHub", "noreply@github.com", GitTime::utc(time))
}

impl Script<'_> {
    fn initial_commit(&mut self) -> crate::git::Result<()> {
        let mut files: Vec<(String, String)> = vec![
            (
                "README.md".into(),
                "# Acme Checkout\n\nThe checkout, payments and web front end of the Acme shop.\n"
                    .into(),
            ),
            (
                "Cargo.toml".into(),
                "[workspace]\nmembers = [\"services/*\"]\n".into(),
            ),
        ];
        for area in &AREAS {
            for path in area.files {
                files.push((
                    path.to_string(),
                    format!("// {path}\n// Part of Acme Checkout.\n\n"),
                ));
            }
        }
        if let Some((_, mailmap)) = self.embedded.files.iter().find(|(p, _)| *p == ".mailmap") {
            files.push((
                ".mailmap".into(),
                String::from_utf8_lossy(mailmap).into_owned(),
            ));
        }
        let changes: Vec<(String, Option<String>)> =
            files.into_iter().map(|(p, c)| (p, Some(c))).collect();
        self.commit_main(ALICE, ALICE, 0, "Initial commit", &changes, &[])?;
        Ok(())
    }

    /// Applies `changes` to main's files and commits them on top of `parents`
    /// (main's tip first when empty). Returns the new commit.
    fn commit_main(
        &mut self,
        author: usize,
        committer: usize,
        delay: i64,
        message: &str,
        changes: &[(String, Option<String>)],
        extra_parents: &[CommitId],
    ) -> crate::git::Result<CommitId> {
        let tree = self.apply(changes)?;
        let mut parents = Vec::new();
        if self.main != CommitId([0; 20]) {
            parents.push(self.main);
        }
        parents.extend_from_slice(extra_parents);
        let author_sig = if author == BOB && self.now < 1_748_736_000 {
            // Bob committed from his old laptop until June 2025.
            Signature::new(
                BOB_OLD.0,
                BOB_OLD.1,
                GitTime {
                    seconds: self.now - delay,
                    offset_minutes: PEOPLE[BOB].offset,
                },
            )
        } else {
            sig(author, self.now - delay)
        };
        let committer_sig = if committer == usize::MAX {
            github(self.now)
        } else {
            sig(committer, self.now)
        };
        let id = self
            .w
            .commit(tree, &parents, &author_sig, &committer_sig, message)?;
        self.main = id;
        self.tree = tree;
        self.w.set_branch("main", id)?;
        Ok(id)
    }

    fn apply(&mut self, changes: &[(String, Option<String>)]) -> crate::git::Result<TreeId> {
        let list: Vec<(&str, Option<&[u8]>)> = changes
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_deref().map(str::as_bytes)))
            .collect();
        let tree = self.w.tree(Some(self.tree), &list)?;
        for (p, c) in changes {
            match c {
                Some(c) => {
                    self.files.insert(p.clone(), c.clone());
                }
                None => {
                    self.files.remove(p);
                }
            }
        }
        Ok(tree)
    }

    /// A new version of `path` with one more line of work in it.
    fn edit(&mut self, path: &str, what: &str) -> (String, Option<String>) {
        let mut text = self.files.get(path).cloned().unwrap_or_default();
        let n = self.rng.below(1000);
        let line = if path.ends_with(".rs") {
            format!("pub fn step_{n}() {{ /* {what} */ }}\n")
        } else if path.ends_with(".ts") {
            format!("export const step{n} = () => \"{what}\";\n")
        } else if path.ends_with(".css") {
            format!(".step-{n} {{ /* {what} */ }}\n")
        } else {
            format!("# {what} ({n})\n")
        };
        text.push_str(&line);
        (path.to_string(), Some(text))
    }

    fn delay(&mut self, cadence: &Cadence) -> i64 {
        self.rng.range(cadence.delay_hours.0, cadence.delay_hours.1) * HOUR
            + self.rng.range(0, 59) * 60
    }

    fn developer(&mut self) -> usize {
        // Everyone but the bot; Grace writes code less often than she edits the value folder.
        *self.rng.pick(&[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6])
    }

    fn trailers(&mut self, author: usize, area: &Area, feature: bool) -> String {
        let mut lines = Vec::new();
        if feature
            && let Some(initiative) = area.initiative
            && self.rng.chance(70)
        {
            lines.push(format!("Initiative: {initiative}"));
        }
        if self.rng.chance(12) {
            let mut other = self.developer();
            if other == author {
                other = (other + 1) % 6;
            }
            lines.push(format!(
                "Co-authored-by: {} <{}>",
                PEOPLE[other].name, PEOPLE[other].email
            ));
        }
        if lines.is_empty() {
            String::new()
        } else {
            format!("\n\n{}", lines.join("\n"))
        }
    }

    fn work_item(&mut self, cadence: &Cadence) -> crate::git::Result<()> {
        let roll = self.rng.below(100);
        let area_index = self.rng.below(AREAS.len());
        let area = &AREAS[area_index];
        let author = self.developer();
        let delay = self.delay(cadence);
        let feature = self.rng.chance(55);
        let text = if feature {
            *self.rng.pick(area.features)
        } else {
            *self.rng.pick(area.fixes)
        };
        let kind = if feature { "feat" } else { "fix" };
        let subject = format!("{kind}({}): {text}", area.scope);
        let path = self.rng.pick(area.files).to_string();
        let trailers = self.trailers(author, area, feature);
        match roll {
            0..=34 => self.merge_pr(author, delay, &subject, &trailers, area_index),
            35..=69 => {
                self.pr += 1;
                let message = format!("{subject} (#{}){trailers}", self.pr);
                let change = self.edit(&path, text);
                let id = self.commit_main(
                    author,
                    usize::MAX,
                    delay,
                    &message,
                    std::slice::from_ref(&change),
                    &[],
                )?;
                self.squashes.push((self.pr, self.now - delay, self.now));
                if feature && self.to_revert.is_none() && self.should_plan_revert() {
                    let added = change
                        .1
                        .as_deref()
                        .and_then(|t| t.lines().last())
                        .unwrap_or("");
                    let added = format!("{added}\n");
                    self.to_revert = Some((id, format!("{subject} (#{})", self.pr), path, added));
                    self.reverts_planned += 1;
                }
                Ok(())
            }
            70..=79 => {
                let subject = self.rng.pick(&PLAIN_SUBJECTS).to_string();
                let change = self.edit(&path, &subject);
                self.commit_main(author, author, delay, &subject, &[change], &[])
                    .map(|_| ())
            }
            80..=87 => {
                self.pr += 1;
                let krate = *self.rng.pick(&CRATES);
                let patch = self.rng.below(200);
                let message = format!(
                    "chore(deps): update rust crate {krate} to v1.0.{patch} (#{})",
                    self.pr
                );
                let mut cargo = self.files.get("Cargo.toml").cloned().unwrap_or_default();
                cargo.push_str(&format!("# {krate} = \"1.0.{patch}\"\n"));
                self.commit_main(
                    BOT,
                    usize::MAX,
                    HOUR,
                    &message,
                    &[("Cargo.toml".into(), Some(cargo))],
                    &[],
                )
                .map(|_| ())
            }
            _ => {
                self.pr += 1;
                let chore = *self.rng.pick(&CHORES);
                let message = format!("{chore} (#{})", self.pr);
                let change = self.edit(&path, chore);
                self.commit_main(author, usize::MAX, delay, &message, &[change], &[])
                    .map(|_| ())
            }
        }
    }

    /// Two reverts in the story: one in 2025-Q2 and one in 2025-Q4.
    fn should_plan_revert(&self) -> bool {
        let window = |from: i64, to: i64| self.now >= from && self.now < to;
        match self.reverts_planned {
            0 => window(1_746_057_600, 1_749_513_600), // 2025-05-01 .. 2025-06-10
            1 => window(1_762_128_000, 1_763_942_400), // 2025-11-03 .. 2025-11-24
            _ => false,
        }
    }

    fn revert(
        &mut self,
        id: CommitId,
        subject: &str,
        path: &str,
        added: &str,
    ) -> crate::git::Result<()> {
        let message = format!(
            "Revert \"{subject}\"\n\nThis reverts commit {id}.\n\nIt broke the order confirmation e-mail for guest customers."
        );
        let current = self.files.get(path).cloned().unwrap_or_default();
        let restored = current.replacen(added, "", 1);
        self.commit_main(
            ALICE,
            ALICE,
            0,
            &message,
            &[(path.to_string(), Some(restored))],
            &[],
        )?;
        Ok(())
    }

    /// A pull request merged with a merge commit; sometimes main moved meanwhile.
    fn merge_pr(
        &mut self,
        author: usize,
        delay: i64,
        subject: &str,
        trailers: &str,
        area_index: usize,
    ) -> crate::git::Result<()> {
        self.pr += 1;
        let number = self.pr;
        let area = &AREAS[area_index];
        let commits = 1 + self.rng.below(3);
        let (base, base_tree, base_files) = (self.main, self.tree, self.files.clone());
        // Branch commits, oldest first, ending an hour before the merge.
        let mut branch_tip = base;
        let mut branch_tree = base_tree;
        let mut branch_files = base_files;
        let mut changed: Vec<(String, Option<String>)> = Vec::new();
        for k in 0..commits {
            let path = self.rng.pick(area.files).to_string();
            let what = if k == 0 {
                subject.to_string()
            } else {
                "address review comments".to_string()
            };
            let mut text = branch_files.get(&path).cloned().unwrap_or_default();
            text.push_str(&format!("pub fn pr_{number}_{k}() {{ /* {what} */ }}\n"));
            branch_files.insert(path.clone(), text.clone());
            let list = [(path.as_str(), Some(text.as_bytes()))];
            branch_tree = self.w.tree(Some(branch_tree), &list)?;
            let written = self.now - delay - (commits - k) as i64 * HOUR;
            let message = if k == 0 {
                format!("{subject}{trailers}")
            } else {
                "Address review comments".to_string()
            };
            branch_tip = self.w.commit(
                branch_tree,
                &[branch_tip],
                &sig(author, written),
                &sig(author, written.max(self.now - (commits - k) as i64 * HOUR)),
                &message,
            )?;
            changed.retain(|(p, _)| *p != path);
            changed.push((path, Some(text)));
        }
        // Sometimes someone else merges first, so this is a true merge.
        if self.rng.chance(30) {
            let other = self.developer();
            let change = self.edit("docs/CHANGES.md", "note the latest changes");
            self.now += 20 * 60;
            self.commit_main(
                other,
                other,
                30 * 60,
                "docs: note the latest changes",
                &[change],
                &[],
            )?;
        }
        self.now += 10 * 60;
        let mut merger = self.developer();
        if merger == author {
            merger = ALICE;
        }
        let branch_name = subject
            .split(": ")
            .nth(1)
            .unwrap_or("change")
            .replace(' ', "-");
        let message = format!(
            "Merge pull request #{number} from acme/{}\n\n{subject}",
            branch_name
        );
        self.commit_main(merger, usize::MAX, 0, &message, &changed, &[branch_tip])?;
        Ok(())
    }

    fn breaking_change(&mut self) -> crate::git::Result<()> {
        self.pr += 1;
        self.now += 2 * HOUR;
        let message = format!(
            "feat(api)!: version the checkout API under /v{} (#{})\n\nBREAKING CHANGE: clients must call the versioned endpoints.",
            self.version.0 + 1,
            self.pr
        );
        let change = self.edit("services/checkout/src/order.rs", "versioned API");
        self.commit_main(ALICE, usize::MAX, 3 * DAY, &message, &[change], &[])?;
        Ok(())
    }

    fn version_tag(&self) -> String {
        format!("v{}.{}.{}", self.version.0, self.version.1, self.version.2)
    }

    /// Tags main's tip as the next planned release: annotated by the release bot
    /// mostly, lightweight when made by hand, and once without a tagger.
    fn tag_release(&mut self, first: bool) -> crate::git::Result<String> {
        let tag = self.version_tag();
        self.tag_here(&tag, first)?;
        self.version.1 += 1;
        self.version.2 = 0;
        Ok(tag)
    }

    fn tag_here(&mut self, tag: &str, lightweight: bool) -> crate::git::Result<()> {
        let tagger = Signature::new(
            "Acme Release",
            "release@acme.example",
            GitTime::utc(self.now),
        );
        if tag == "v0.2.0" {
            // Written by an old release script that left out the tagger line.
            self.w
                .tag_annotated(tag, self.main, None, &format!("Release {tag}\n"))?;
        } else if lightweight || self.rng.chance(15) {
            self.w.tag_lightweight(tag, self.main)?;
        } else {
            self.w
                .tag_annotated(tag, self.main, Some(&tagger), &format!("Release {tag}\n"))?;
        }
        Ok(())
    }

    /// Hotfixes: the day after v0.1.0 (2025-Q1), v1.20.0 (2025-Q4) and v2.0.0 (2026-Q2).
    fn after_release(&mut self, tag: &str) -> crate::git::Result<()> {
        let (incident, area, fix) = match tag {
            "v0.1.0" => ("INC-1", 1, "read payment timeout from config"),
            "v1.20.0" => ("INC-4", 0, "keep cart when session expires"),
            "v2.0.0" => ("INC-10", 2, "fix layout shift on the payment step"),
            _ => return Ok(()),
        };
        let area = &AREAS[area];
        self.now = during_work(self.now + 14 * HOUR);
        self.pr += 1;
        let message = format!(
            "fix({}): {fix} (#{})\n\nIncident: {incident}",
            area.scope, self.pr
        );
        let path = area.files[0].to_string();
        let change = self.edit(&path, fix);
        self.commit_main(BOB, usize::MAX, 3 * HOUR, &message, &[change], &[])?;
        self.now += 2 * HOUR;
        let (major, minor) = (self.version.0, self.version.1 - 1);
        let hotfix = format!("v{major}.{minor}.1");
        self.tag_here(&hotfix, false)?;
        Ok(())
    }

    /// A security fix lands on main and is cherry-picked onto `release/1.4`, which
    /// some customers still run: tagged v1.4.1, long after v1.4.0.
    fn backport(
        &mut self,
        (base, base_tree, base_files): (CommitId, TreeId, BTreeMap<String, String>),
    ) -> crate::git::Result<()> {
        self.now = during_work(self.now + 20 * HOUR);
        self.pr += 1;
        let subject = "fix(payments): reject unsupported currency codes";
        let path = "services/payments/src/client.rs";
        let change = self.edit(path, "reject unsupported currency codes");
        let fix = self.commit_main(
            ALICE,
            usize::MAX,
            5 * HOUR,
            &format!("{subject} (#{})\n\nIncident: INC-3", self.pr),
            &[change],
            &[],
        )?;
        let mut old = base_files.get(path).cloned().unwrap_or_default();
        old.push_str("pub fn reject_unsupported_currencies() {}\n");
        let tree = self
            .w
            .tree(Some(base_tree), &[(path, Some(old.as_bytes()))])?;
        self.now += HOUR;
        let picked = self.w.commit(
            tree,
            &[base],
            &sig(ALICE, self.now - 6 * HOUR),
            &sig(BOB, self.now),
            &format!("{subject}\n\nIncident: INC-3\n(cherry picked from commit {fix})"),
        )?;
        self.w.set_branch("release/1.4", picked)?;
        let tagger = Signature::new(
            "Acme Release",
            "release@acme.example",
            GitTime::utc(self.now + 600),
        );
        self.w.tag_annotated(
            "v1.4.1",
            picked,
            Some(&tagger),
            "Release v1.4.1 (backport)\n",
        )?;
        Ok(())
    }

    /// The value folder snapshots whose date has come.
    fn snapshot_due(&mut self) -> crate::git::Result<()> {
        while let Some((at, date)) = self.snapshots.first().cloned() {
            if self.now < at {
                break;
            }
            self.snapshots.remove(0);
            let prefix = format!("{date}/");
            let files: Vec<(&'static str, &'static [u8])> = self
                .embedded
                .earlier
                .iter()
                .filter_map(|(p, c)| p.strip_prefix(prefix.as_str()).map(|rest| (rest, *c)))
                .collect();
            let message = format!("docs(value): update the value folder for {date}");
            self.commit_value_folder(&message, &date, Some(at), &files)?;
        }
        Ok(())
    }

    /// Replaces `value/` and `valuestory.yaml` with `files` in one commit by Grace.
    /// The squash-merged pull requests as `gh pr list --state merged --json ...`
    /// exports them, so the demo shows their cycle time: of the time from the first
    /// commit to the merge, the first quarter is coding (to opening), the second
    /// pickup (to the first review), the rest review.
    fn export_pull_requests(&mut self) -> crate::git::Result<()> {
        let at = |t: i64| crate::time::rfc3339(t);
        let entries: Vec<String> = self
            .squashes
            .iter()
            .map(|&(number, first, merged)| {
                let span = (merged - first).max(4);
                let opened = first + span / 4;
                let review = opened + span / 4;
                format!(
                    "  {{\"number\": {number}, \"createdAt\": \"{}\", \"mergedAt\": \"{}\", \"reviews\": [{{\"state\": \"APPROVED\", \"submittedAt\": \"{}\"}}], \"commits\": [{{\"authoredDate\": \"{}\"}}], \"baseRefName\": \"main\", \"mergeCommit\": null}}",
                    at(opened),
                    at(merged),
                    at(review),
                    at(first)
                )
            })
            .collect();
        let json = format!("[\n{}\n]\n", entries.join(",\n"));
        self.now += HOUR;
        self.commit_main(
            GRACE,
            GRACE,
            0,
            "chore: export the merged pull requests for valuestory",
            &[("data/pull-requests.json".to_string(), Some(json))],
            &[],
        )?;
        Ok(())
    }

    fn commit_value_folder(
        &mut self,
        message: &str,
        _date: &str,
        at: Option<i64>,
        files: &[(&str, &[u8])],
    ) -> crate::git::Result<()> {
        let mut changes: Vec<(String, Option<String>)> = self
            .files
            .keys()
            .filter(|p| p.starts_with("value/"))
            .filter(|p| !files.iter().any(|(f, _)| f == p))
            .map(|p| (p.clone(), None))
            .collect();
        for (path, content) in files {
            if *path == ".mailmap" {
                continue;
            }
            let text = String::from_utf8_lossy(content).into_owned();
            if self.files.get(*path) != Some(&text) {
                changes.push((path.to_string(), Some(text)));
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        if let Some(at) = at {
            self.now = self.now.max(at);
        }
        self.commit_main(GRACE, GRACE, HOUR, message, &changes, &[])?;
        Ok(())
    }

    /// The notify component ships on its own, tagged `notify-v0.N.0` every three weeks.
    fn notify_due(&mut self) -> crate::git::Result<()> {
        if self.now < self.next_notify_tag {
            return Ok(());
        }
        let author = *self.rng.pick(&[2usize, 5]);
        self.pr += 1;
        let (subject, path) = if self.notify_version == 1 {
            (
                "feat(notify): send order confirmations from their own service",
                "services/notify/src/lib.rs",
            )
        } else {
            *self.rng.pick(&[
                (
                    "feat(notify): add SMS delivery updates",
                    "services/notify/src/sms.rs",
                ),
                (
                    "fix(notify): retry failed e-mail sends",
                    "services/notify/src/email.rs",
                ),
                (
                    "feat(notify): templated e-mails per locale",
                    "services/notify/src/email.rs",
                ),
            ])
        };
        let change = self.edit(path, subject);
        self.commit_main(
            author,
            usize::MAX,
            4 * HOUR,
            &format!("{subject} (#{})", self.pr),
            &[change],
            &[],
        )?;
        let tag = format!("notify-v0.{}.0", self.notify_version);
        self.notify_version += 1;
        self.w.tag_lightweight(&tag, self.main)?;
        self.next_notify_tag += 21 * DAY;
        Ok(())
    }
}
