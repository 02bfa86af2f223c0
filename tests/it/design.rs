//! How the pages look, checked from their markup and the theme: charts that say
//! what they show, weeks that add up, the running quarter marked, and colours that
//! can be read (WCAG contrast of every text and badge colour, light and dark).

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;

use crate::support::{demo_site_and_pack, files};

/// Every page of the site and the pack, by path.
fn pages(dir: &Path) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = files(&dir.join("site"))
        .into_iter()
        .filter(|(name, _)| name.ends_with(".html"))
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect();
    out.insert(
        "pack.html".into(),
        std::fs::read_to_string(dir.join("pack.html")).unwrap(),
    );
    out
}

/// Every chart on every page is an image with a title and a sentence that
/// describes it, on the same page; the running quarter is marked in every trend
/// that reaches it; the weekly bars of each quarter add up to its releases.
#[test]
fn charts_say_what_they_show_and_add_up() {
    let dir = tempfile::TempDir::new().unwrap();
    let data = demo_site_and_pack(dir.path());
    let pages = pages(dir.path());
    let svg = Regex::new(r"(?s)<svg\b([^>]*)>(.*?)</svg>").unwrap();
    let attr = |tag: &str, name: &str| {
        Regex::new(&format!(r#"\b{name}="([^"]*)""#))
            .unwrap()
            .captures(tag)
            .map(|c| c[1].to_string())
    };
    let running: Vec<String> = data["story"]["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["state"] == "so_far")
        .map(|q| q["period"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(running, ["2026-Q4"], "the demo has a running quarter");
    let (mut charts, mut trends) = (0, 0);
    for (name, html) in &pages {
        for c in svg.captures_iter(html) {
            let (tag, body) = (&c[1], &c[2]);
            charts += 1;
            assert_eq!(attr(tag, "role").as_deref(), Some("img"), "{name}: {tag}");
            assert!(body.starts_with("<title>"), "{name}: {tag}: no title first");
            let title = &body[7..body.find("</title>").unwrap()];
            assert!(!title.trim().is_empty(), "{name}: an empty title");
            let id = attr(tag, "aria-describedby").unwrap_or_else(|| panic!("{name}: {tag}"));
            let summary = Regex::new(&format!(r#"(?s)id="{id}"[^>]*>(.*?)</(p|span)>"#))
                .unwrap()
                .captures(html)
                .unwrap_or_else(|| panic!("{name}: nothing describes {id}"));
            assert!(
                summary[1].chars().filter(|c| c.is_alphabetic()).count() > 3,
                "{name}: {id} says nothing"
            );
            // A trend that reaches the running quarter marks it.
            if tag.contains("chart trend") {
                trends += 1;
                let last = attr(tag, "data-last").unwrap_or_else(|| panic!("{name}: {tag}"));
                for q in &running {
                    if &last == q {
                        assert!(
                            body.contains("class=\"axis so-far\" data-kind=\"axis\"")
                                && body.contains(">so far</text>"),
                            "{name}: {title}: the running quarter is not marked"
                        );
                    }
                    // Its point, when it has one, is drawn apart.
                    let mark = format!("<title data-kind=\"axis\">{q}</title></circle>");
                    if let Some(at) = body.find(&mark) {
                        let circle = &body[body[..at].rfind("<circle").unwrap()..at];
                        assert!(circle.contains("mark so-far"), "{name}: {title}: {circle}");
                    }
                }
            }
        }
    }
    assert!(charts > 100, "{charts} charts");
    assert!(trends >= 8, "{trends} trends");
    // The weekly bars of each quarter page sum to the quarter's releases.
    let quarters = data["periods"]["quarter"].as_array().unwrap();
    // Each bar's value is written above it (centred); the value axis repeats the
    // highest at its left (right-aligned), which is not a bar.
    let bar = Regex::new(
        r#"text-anchor="middle"><tspan data-ref="/periods/quarter/(\d+)/weekly/\d+/deployments"[^>]*>(\d+)<"#,
    )
    .unwrap();
    for (i, q) in quarters.iter().enumerate() {
        let page = &pages[&format!(
            "quarters/{}.html",
            q["period"].as_str().unwrap().to_ascii_lowercase()
        )];
        let chart = &page[page.find("Releases per week").unwrap()..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        let sum: u64 = bar
            .captures_iter(chart)
            .inspect(|c| assert_eq!(c[1].parse::<usize>().unwrap(), i))
            .map(|c| c[2].parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            sum,
            q["deployments"].as_u64().unwrap(),
            "{}: weekly bars",
            q["period"]
        );
    }
    // 2026-Q3 begins on a Wednesday: its first week is cut, and marked.
    let q3 = &pages["quarters/2026-q3.html"];
    assert!(
        q3.contains("<title data-kind=\"axis\">1 Jul (the quarter's part of the week)</title>")
    );
    // The running quarter's weeks stop at the last event.
    let q4 = &pages["quarters/2026-q4.html"];
    assert!(q4.contains(">23 Nov</text>") && !q4.contains(">30 Nov</text>"));
}

/// WCAG 2 relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    let channel = |c: u32| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(v >> 16 & 0xff) + 0.7152 * channel(v >> 8 & 0xff) + 0.0722 * channel(v & 0xff)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// The colour variables of a theme's `:root`, light, and with the dark scheme's
/// over them.
fn schemes(css: &str) -> [BTreeMap<String, String>; 2] {
    let var = Regex::new(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})").unwrap();
    let read = |block: &str| -> BTreeMap<String, String> {
        var.captures_iter(block)
            .map(|c| (c[1].to_string(), c[2].to_string()))
            .collect()
    };
    let dark_at = css.find("@media (prefers-color-scheme: dark)");
    let light = read(&css[..dark_at.unwrap_or(css.len())]);
    let mut dark = light.clone();
    if let Some(at) = dark_at {
        let block = &css[at..];
        let block = &block[..block.find("}\n}").unwrap_or(block.len())];
        dark.extend(read(block));
    }
    [light, dark]
}

/// Every colour a theme writes text in, on every background it writes it on,
/// in light and dark: 4.5:1 or more (WCAG AA for normal text). The pairs come
/// from the stylesheet itself: each rule's `color` over its `background`, or the
/// page and card backgrounds when it sets none.
#[test]
fn every_text_and_badge_colour_can_be_read_in_both_schemes() {
    let css = include_str!("../../themes/default/style.css");
    let rule = Regex::new(r"([^{}]+)\{([^{}]*)\}").unwrap();
    let prop = |decls: &str, name: &str| {
        Regex::new(&format!(r"(?:^|[;\s]){name}:\s*var\(--([a-z-]+)\)"))
            .unwrap()
            .captures(decls)
            .map(|c| c[1].to_string())
    };
    // (selector, text colour, its background when the rule sets one)
    let mut pairs: Vec<(String, String, Option<String>)> = Vec::new();
    for c in rule.captures_iter(css) {
        let (selector, decls) = (c[1].trim(), &c[2]);
        // A badge's base rule: its backgrounds are its levels', paired below.
        if selector == ".band" {
            continue;
        }
        if let Some(fg) = prop(decls, "color").or_else(|| {
            // SVG text is coloured by its fill.
            selector
                .contains("text")
                .then(|| prop(decls, "fill"))
                .flatten()
                .or_else(|| {
                    [".value", ".axis"]
                        .iter()
                        .any(|k| selector.ends_with(k))
                        .then(|| prop(decls, "fill"))
                        .flatten()
                })
        }) {
            pairs.push((selector.to_string(), fg, prop(decls, "background")));
        }
    }
    // Badges take their background from their level.
    for level in ["elite", "high", "medium", "low"] {
        pairs.push((
            format!(".band-{level}"),
            "on-band".into(),
            Some(level.into()),
        ));
    }
    assert!(pairs.len() > 20, "{pairs:?}");
    let mut failures = Vec::new();
    for (scheme, vars) in ["light", "dark"].iter().zip(schemes(css)) {
        for (selector, fg, bg) in &pairs {
            let backgrounds = match bg {
                Some(bg) => vec![bg.clone()],
                None => vec!["bg".to_string(), "card".to_string()],
            };
            for bg in backgrounds {
                let (Some(f), Some(b)) = (vars.get(fg), vars.get(&bg)) else {
                    failures.push(format!("{scheme}: {selector}: --{fg} or --{bg} undefined"));
                    continue;
                };
                let ratio = contrast(f, b);
                if ratio < 4.5 {
                    failures.push(format!(
                        "{scheme}: {selector}: --{fg} {f} on --{bg} {b}: {ratio:.2}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The formula itself, on known pairs.
    assert!((contrast("#ffffff", "#000000") - 21.0).abs() < 1e-9);
    assert!((contrast("#ffffff", "#5fc48e") - 2.14).abs() < 0.01);
}
