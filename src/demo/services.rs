//! Two more services for the portfolio demo, written from a few rules so that the
//! same commits come out on every run: `ledger` releases every other Monday and
//! now and then needs a hotfix the next day; `search` has never tagged a release.

use std::path::Path;

use crate::git::{self, Signature, TreeId, Writer};
use crate::history::{CommitId, GitTime};

/// 2025-02-03 (a Monday), 00:00 UTC.
const START: i64 = 1_738_540_800;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// The generated histories end on 2026-11-20, a little before the sample's.
const DAYS: i64 = 655;

const PEOPLE: [(&str, &str); 4] = [
    ("Ines Duarte", "ines@example.com"),
    ("Kofi Mensah", "kofi@example.com"),
    ("Lena Vogel", "lena@example.com"),
    ("Ravi Iyer", "ravi@example.com"),
];

/// A service the portfolio demo generates.
pub struct Generated {
    pub id: &'static str,
    pub name: &'static str,
    pub teams: &'static [&'static str],
    pub write: fn(&Path) -> git::Result<CommitId>,
}

pub const GENERATED: [Generated; 2] = [
    Generated {
        id: "ledger",
        name: "Ledger",
        teams: &["payments"],
        write: ledger,
    },
    Generated {
        id: "search",
        name: "Search",
        teams: &["discovery"],
        write: search,
    },
];

struct Line {
    writer: Writer,
    tree: Option<TreeId>,
    head: Option<CommitId>,
    count: usize,
}

impl Line {
    fn new(dir: &Path, title: &str) -> git::Result<Line> {
        let writer = Writer::init(dir, false)?;
        let mut line = Line {
            writer,
            tree: None,
            head: None,
            count: 0,
        };
        let config = format!("title: {title}\n");
        line.commit(
            START,
            "chore: start the service",
            &[("valuestory.yaml", config.as_bytes())],
        )?;
        Ok(line)
    }

    /// The service's own value folder: a goal, and its part of an initiative that
    /// spans services.
    fn value_folder(&mut self, time: i64) -> git::Result<CommitId> {
        self.commit(
            time,
            "docs: link the ledger's work to saved cards",
            &[
                ("value/goals.yaml", LEDGER_GOALS.as_bytes()),
                (
                    "value/initiatives/saved-cards.yaml",
                    LEDGER_INITIATIVE.as_bytes(),
                ),
            ],
        )
    }

    fn commit(
        &mut self,
        time: i64,
        message: &str,
        files: &[(&str, &[u8])],
    ) -> git::Result<CommitId> {
        let changes: Vec<(&str, Option<&[u8]>)> =
            files.iter().map(|(p, c)| (*p, Some(*c))).collect();
        let tree = self.writer.tree(self.tree, &changes)?;
        let (name, email) = PEOPLE[self.count % PEOPLE.len()];
        let who = Signature::new(name, email, GitTime::utc(time));
        let parents: Vec<CommitId> = self.head.into_iter().collect();
        let id = self.writer.commit(tree, &parents, &who, &who, message)?;
        self.tree = Some(tree);
        self.head = Some(id);
        self.count += 1;
        Ok(id)
    }

    /// A change to one of the service's source files, on a weekday.
    fn change(&mut self, time: i64, kind: &str, topic: &str) -> git::Result<CommitId> {
        let file = format!(
            "src/{}.rs",
            ["api", "store", "rules", "report", "jobs"][self.count % 5]
        );
        let body = format!("// change {}\n", self.count);
        let message = format!("{kind}: {topic} {}", self.count);
        self.commit(time, &message, &[(file.as_str(), body.as_bytes())])
    }

    /// A change linked to an initiative by its trailer.
    fn linked(&mut self, time: i64, topic: &str, initiative: &str) -> git::Result<CommitId> {
        let body = format!("// change {}\n", self.count);
        let message = format!("feat: {topic} {}\n\nInitiative: {initiative}\n", self.count);
        self.commit(time, &message, &[("src/cards.rs", body.as_bytes())])
    }

    fn tag(&self, name: &str, time: i64) -> git::Result<()> {
        let (tagger, email) = PEOPLE[0];
        let who = Signature::new(tagger, email, GitTime::utc(time));
        self.writer
            .tag_annotated(name, self.head.expect("a commit"), Some(&who), "release\n")
    }

    fn finish(self) -> git::Result<CommitId> {
        let head = self.head.expect("a commit");
        self.writer.set_branch("main", head)?;
        self.writer.checkout_head()?;
        Ok(head)
    }
}

const LEDGER_GOALS: &str = "\
- id: revenue-growth
  title: Grow online revenue
";

const LEDGER_INITIATIVE: &str = "\
title: Saved cards
goal: revenue-growth
status: in-progress
started: 2026-03-02
match: { trailer: Initiative }
";

/// Weekday changes; a minor release every other Monday afternoon, and after every
/// fifth one a fix and a patch release the next morning (a failed deployment and
/// its recovery, by the patch-timing rule). From March 2026, each Thursday also
/// stores card tokens for the saved-cards initiative.
fn ledger(dir: &Path) -> git::Result<CommitId> {
    let mut line = Line::new(dir, "Ledger")?;
    let linked_from = 392; // 2026-03-02
    let kinds = ["feat", "feat", "fix", "refactor", "chore", "feat", "perf"];
    let mut minor = 0;
    for d in 1..DAYS {
        let day = START + d * DAY;
        if d % 7 >= 5 {
            continue; // the weekend
        }
        if d == linked_from {
            line.value_folder(day + 8 * HOUR)?;
        }
        line.change(
            day + (9 + d % 6) * HOUR,
            kinds[(d % 7) as usize],
            "ledger entries",
        )?;
        if d > linked_from && d % 7 == 3 {
            line.linked(day + 15 * HOUR, "card tokens", "saved-cards")?;
        }
        if d % 14 == 0 {
            minor += 1;
            line.tag(&format!("v1.{minor}.0"), day + 16 * HOUR)?;
            if minor % 5 == 0 {
                line.change(day + DAY + 10 * HOUR, "fix", "balance rounding")?;
                line.tag(&format!("v1.{minor}.1"), day + DAY + 12 * HOUR)?;
            }
        }
    }
    line.finish()
}

/// Weekday changes from June 2025, and no release tag ever.
fn search(dir: &Path) -> git::Result<CommitId> {
    let mut line = Line::new(dir, "Search")?;
    for d in 120..DAYS {
        if d % 7 >= 5 {
            continue;
        }
        let kind = if d % 3 == 0 { "fix" } else { "feat" };
        line.change(START + d * DAY + (10 + d % 5) * HOUR, kind, "ranking")?;
    }
    line.finish()
}
