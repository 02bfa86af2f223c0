//! Every number on every page of the demo site and in its pack is bound to
//! data.json: read as a browser's tokenizer reads the pages, each element with a
//! `data-ref` must hold exactly the value at that JSON pointer written by its
//! unit's formatter, with a `data-period` of a known form; and no digit may stand
//! outside such an element unless it is of an allowed kind.
//!
//! Allowed kinds: dates, quarters and weeks (recognised by their form), and
//! elements marked `data-kind` as a tag, an id, quoted text from the value folder,
//! an axis label, a year or a fixed rule of the methodology, plus `<code>` (ids
//! and paths) and `<time>`.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use regex::Regex;
use valuestory::story::metric::Unit;

use crate::support::{demo_site_and_pack, files};

const KINDS: [&str; 7] = ["tag", "id", "quote", "axis", "year", "rule", "page"];
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

struct Open {
    name: String,
    /// `(pointer, period, unit)` of a bound element, and the text it holds.
    bound: Option<(String, String, String, String)>,
    /// Digits inside are allowed (a kind, `<code>`, `<time>`, the head).
    exempt: bool,
}

#[derive(Default)]
struct Found {
    numbers: usize,
    problems: Vec<String>,
}

struct Crawl<'a> {
    page: String,
    data: &'a serde_json::Value,
    currency: Option<String>,
    open: RefCell<Vec<Open>>,
    found: &'a RefCell<Found>,
    free: Regex,
    period: Regex,
}

impl Crawl<'_> {
    fn close(&self, open: Open) {
        let Some((pointer, period, unit, text)) = open.bound else {
            return;
        };
        let mut found = self.found.borrow_mut();
        found.numbers += 1;
        let problem = |what: String| format!("{}: {pointer}: {what}", self.page);
        if !self.period.is_match(&period) {
            found.problems.push(problem(format!(
                "data-period {period:?} is of no known form"
            )));
        }
        let Some(value) = self.data.pointer(&pointer) else {
            found.problems.push(problem("not in data.json".to_string()));
            return;
        };
        let Some(unit) = Unit::named(&unit) else {
            found
                .problems
                .push(problem(format!("unknown unit {unit:?}")));
            return;
        };
        let expected = match value.as_f64() {
            Some(v) => unit.format_in(v, self.currency.as_deref()),
            None => "–".to_string(),
        };
        if text != expected {
            found.problems.push(problem(format!(
                "shows {text:?}, data.json gives {expected:?}"
            )));
        }
    }

    fn text(&self, text: &str) {
        let mut open = self.open.borrow_mut();
        if let Some(bound) = open.iter_mut().rev().find_map(|o| o.bound.as_mut()) {
            bound.3.push_str(text);
            return;
        }
        if open.iter().any(|o| o.exempt) {
            return;
        }
        let rest = self.free.replace_all(text, "");
        if rest.chars().any(|c| c.is_ascii_digit()) {
            let path: Vec<&str> = open.iter().map(|o| o.name.as_str()).collect();
            self.found.borrow_mut().problems.push(format!(
                "{}: a digit outside data-ref in {:?} (inside {})",
                self.page,
                text.trim(),
                path.join(">")
            ));
        }
    }
}

impl TokenSink for Crawl<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let attr = |n: &str| {
                            tag.attrs
                                .iter()
                                .find(|a| &*a.name.local == n)
                                .map(|a| a.value.to_string())
                        };
                        let bound = attr("data-ref").map(|r| {
                            (
                                r,
                                attr("data-period").unwrap_or_default(),
                                attr("data-unit").unwrap_or_default(),
                                String::new(),
                            )
                        });
                        let exempt = attr("data-kind").is_some_and(|k| KINDS.contains(&k.as_str()))
                            || matches!(name.as_str(), "code" | "time" | "head" | "style");
                        if !tag.self_closing && !VOID.contains(&name.as_str()) {
                            self.open.borrow_mut().push(Open {
                                name: name.clone(),
                                bound,
                                exempt,
                            });
                        } else if let Some(b) = bound {
                            self.close(Open {
                                name: name.clone(),
                                bound: Some(b),
                                exempt,
                            });
                        }
                        match name.as_str() {
                            "style" | "script" => {
                                return TokenSinkResult::RawData(
                                    html5ever::tokenizer::states::RawKind::Rawtext,
                                );
                            }
                            "title" => {
                                return TokenSinkResult::RawData(
                                    html5ever::tokenizer::states::RawKind::Rcdata,
                                );
                            }
                            _ => {}
                        }
                    }
                    TagKind::EndTag => {
                        let at = self.open.borrow().iter().rposition(|o| o.name == name);
                        if let Some(at) = at {
                            let closed: Vec<Open> = self.open.borrow_mut().drain(at..).collect();
                            for o in closed.into_iter().rev() {
                                self.close(o);
                            }
                        }
                    }
                }
            }
            Token::CharacterTokens(t) => self.text(&t),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn crawl(page: &str, html: &str, data: &serde_json::Value, found: &RefCell<Found>) {
    let sink = Crawl {
        page: page.to_string(),
        data,
        currency: data["cost"]["currency"].as_str().map(str::to_string),
        open: RefCell::new(Vec::new()),
        found,
        free: Regex::new(
            r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?|\d{4}-Q[1-4]|\d{4}-W\d{2}",
        )
        .unwrap(),
        period: Regex::new(
            r"^(\d{4}-Q[1-4]|\d{4}-W\d{2}|(since|asof|by):\d{4}-\d{2}-\d{2}|target|limit|estimate|rule)$",
        )
        .unwrap(),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
}

#[test]
fn every_number_on_the_demo_site_and_pack_is_bound_to_data_json() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = demo_site_and_pack(dir.path());

    let found = RefCell::new(Found::default());
    let mut pages = 0;
    for (name, bytes) in files(&dir.path().join("site")) {
        if name.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            crawl(&format!("site/{name}"), &html, &data, &found);
            pages += 1;
        }
    }
    let html = std::fs::read_to_string(dir.path().join("pack.html")).unwrap();
    crawl("pack.html", &html, &data, &found);
    let found = found.into_inner();
    println!(
        "checked {} bound numbers on {pages} pages and the pack",
        found.numbers
    );
    assert!(
        found.problems.is_empty(),
        "{} problems, the first:\n{}",
        found.problems.len(),
        found.problems[..found.problems.len().min(40)].join("\n")
    );
    assert!(
        found.numbers >= 2_000,
        "only {} numbers bound",
        found.numbers
    );
}

/// The crawler itself finds what it must: a wrong number, an unbound digit, a
/// period of no known form.
#[test]
fn the_crawler_catches_a_wrong_number_and_a_loose_digit() {
    let data = serde_json::json!({"cost": {"currency": "USD"}, "q": [{"n": 66}]});
    let check = |html: &str| {
        let found = RefCell::new(Found::default());
        crawl("t.html", html, &data, &found);
        found.into_inner()
    };
    let ok = check(
        "<p>In 2026-Q3: <span data-ref=\"/q/0/n\" data-period=\"2026-Q3\" data-unit=\"releases\">66 releases</span>, tag <span data-kind=\"tag\">v1.2</span>.</p>",
    );
    assert_eq!(ok.numbers, 1);
    assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    let wrong = check(
        "<p><span data-ref=\"/q/0/n\" data-period=\"2026-Q3\" data-unit=\"releases\">65 releases</span></p>",
    );
    assert_eq!(wrong.problems.len(), 1, "{:?}", wrong.problems);
    let loose = check("<p>66 releases</p>");
    assert_eq!(loose.problems.len(), 1, "{:?}", loose.problems);
    let period = check(
        "<p><span data-ref=\"/q/0/n\" data-period=\"last year\" data-unit=\"number\">66</span></p>",
    );
    assert_eq!(period.problems.len(), 1, "{:?}", period.problems);
    let missing = check(
        "<p><span data-ref=\"/q/1/n\" data-period=\"2026-Q3\" data-unit=\"number\">66</span></p>",
    );
    assert_eq!(missing.problems.len(), 1, "{:?}", missing.problems);
}

/// The portfolio's page and pack, read against the portfolio's data.json: every
/// count bound, no loose digit.
#[test]
fn every_number_on_the_portfolio_page_and_pack_is_bound_to_its_data_json() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = crate::support::valuestory(
        &["demo", "--portfolio", "--out", "site", "--repo", "repos"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", crate::support::stderr(&out));
    let site = dir.path().join("site");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("data.json")).unwrap()).unwrap();
    let found = RefCell::new(Found::default());
    for page in ["index.html", "pack.html"] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        crawl(&format!("portfolio/{page}"), &html, &data, &found);
    }
    let found = found.into_inner();
    assert!(
        found.problems.is_empty(),
        "{} problems, the first:\n{}",
        found.problems.len(),
        found.problems[..found.problems.len().min(40)].join("\n")
    );
    // The told quarter's 4 keys by 5 columns, twice (page and pack), and more.
    assert!(found.numbers >= 100, "only {} numbers bound", found.numbers);
}
