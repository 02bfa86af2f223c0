//! The site: every page there with real data, every link resolving with and without
//! a base URL, byte-identical rebuilds, no script from content, and a failed build
//! that leaves the previous site as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::*;

fn sample_site(dir: &Path, extra: &[&str]) -> (PathBuf, PathBuf) {
    let repo = dir.join("sample");
    if !repo.exists() {
        valuestory::demo::create(&repo).unwrap();
    }
    let out = dir.join(format!("site{}", extra.len()));
    let mut args = vec![
        "build",
        "--repo",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = valuestory(&args, dir);
    assert!(o.status.success(), "{}", stderr(&o));
    (repo, out)
}

/// Every `href` and `src` of every page, resolved the way a browser would for a
/// site served under `base`: relative to the page, or absolute under `base`.
pub(crate) fn broken_links(site: &BTreeMap<String, Vec<u8>>, base: &str) -> Vec<String> {
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut broken = Vec::new();
    for (page, bytes) in site.iter().filter(|(p, _)| p.ends_with(".html")) {
        let text = String::from_utf8_lossy(bytes);
        for cap in attr.captures_iter(&text) {
            let link = cap[1].replace("&amp;", "&");
            let link = link.split(['#', '?']).next().unwrap_or("");
            if link.is_empty() || link.starts_with("mailto:") {
                continue;
            }
            if link.starts_with("http:") || link.starts_with("https:") || link.starts_with("//") {
                broken.push(format!("{page}: external link {link}"));
                continue;
            }
            let target = if let Some(abs) = link.strip_prefix('/') {
                match format!("/{abs}").strip_prefix(base) {
                    Some(rest) => rest.to_string(),
                    None => {
                        broken.push(format!("{page}: {link} is outside {base}"));
                        continue;
                    }
                }
            } else {
                let mut parts: Vec<&str> = page.split('/').collect();
                parts.pop();
                for part in link.split('/') {
                    match part {
                        ".." => {
                            parts.pop();
                        }
                        "." | "" => {}
                        p => parts.push(p),
                    }
                }
                parts.join("/")
            };
            let target = if target.is_empty() || target.ends_with('/') {
                format!("{target}index.html")
            } else {
                target
            };
            if !site.contains_key(&target) {
                broken.push(format!("{page}: {link} -> {target}"));
            }
        }
    }
    broken
}

#[test]
fn demo_site_has_every_page_with_real_data_and_no_broken_links() {
    let dir = tempfile::TempDir::new().unwrap();
    let (repo, out) = sample_site(dir.path(), &[]);
    let site = files(&out);
    for page in [
        "index.html",
        "quarters/2026-q3.html",
        "quarters/2025-q1.html",
        "releases/index.html",
        "releases/v2.0.0.html",
        "streams/index.html",
        "streams/checkout.html",
        "initiatives/index.html",
        "initiatives/one-click.html",
        "goals.html",
        "teams/index.html",
        "teams/payments.html",
        "case-studies/index.html",
        "case-studies/daily-releases.html",
        "incidents.html",
        "methodology.html",
        "404.html",
        ".nojekyll",
        "assets/style.css",
        "data.json",
        "data/periods-quarter.csv",
    ] {
        assert!(site.contains_key(page), "missing {page}");
    }
    let text = |p: &str| String::from_utf8_lossy(&site[p]).into_owned();
    assert!(text("index.html").contains("2026-Q3 at a glance"));
    // A release page lists a commit git says it shipped, by what it did: its
    // subject without the conventional-commit type, from a capital.
    let subject = git(&repo, &["log", "-1", "--format=%s", "v2.0.1"]);
    let did = subject.trim().split_once(": ").unwrap().1;
    let did = regex::Regex::new(r" \(#\d+\)$").unwrap().replace(did, "");
    let did = format!("{}{}", did[..1].to_uppercase(), &did[1..]);
    assert!(
        text("releases/v2.0.1.html").contains(&did),
        "{}",
        subject.trim()
    );
    assert!(text("streams/checkout.html").contains("<ol class=\"vsm-stages\""));
    assert!(text("incidents.html").contains("INC-7"));
    // Built at the root: the 404 page links from there.
    assert!(
        broken_links(&site, "/").is_empty(),
        "{:?}",
        broken_links(&site, "/")
    );
    // Without a host, no sitemap: its addresses must be absolute.
    assert!(!site.contains_key("sitemap.xml"));
    // Every page forbids scripts.
    assert!(
        site.iter()
            .filter(|(p, _)| p.ends_with(".html"))
            .all(|(_, b)| String::from_utf8_lossy(b).contains("script-src 'none'"))
    );
}

#[test]
fn links_resolve_at_the_root_and_under_a_sub_path() {
    let dir = tempfile::TempDir::new().unwrap();
    for base in ["/", "/sub/path/"] {
        let (_, out) = sample_site(dir.path(), &["--base-url", base]);
        let site = files(&out);
        let broken = broken_links(&site, base);
        assert!(broken.is_empty(), "base {base}: {broken:?}");
        std::fs::remove_dir_all(&out).unwrap();
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let dir = tempfile::TempDir::new().unwrap();
    let (repo, first) = sample_site(dir.path(), &[]);
    let second = dir.path().join("again");
    let o = valuestory(
        &[
            "build",
            "--repo",
            repo.to_str().unwrap(),
            "--out",
            second.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (files(&first), files(&second));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{k} differs between two builds");
    }
}

#[test]
fn script_from_content_and_commit_subjects_is_never_run() {
    let mut repo = TestRepo::new();
    let study = "---\ntitle: T\ndate: 2026-01-05\nsummary: S\n---\nHello <script>alert(1)</script> <img src=x onerror=\"alert(2)\">\n";
    let tree = repo
        .writer
        .tree(
            None,
            &[
                ("value/case-studies/x.md", Some(study.as_bytes())),
                ("f", Some(b"1".as_slice())),
            ],
        )
        .unwrap();
    let a = repo
        .writer
        .commit(
            tree,
            &[],
            &who(T0),
            &who(T0),
            "feat: <b>bold</b> <script>alert(3)</script>",
        )
        .unwrap();
    repo.main_at(a);
    repo.tag("v1.0.0", a);
    let out = repo.root.path().join("site");
    let o = repo.build_site(&out);
    assert!(o.status.success(), "{}", stderr(&o));
    let study = std::fs::read_to_string(out.join("case-studies/x.html")).unwrap();
    assert!(study.contains("Hello"));
    assert!(!study.contains("<script>alert"), "{study}");
    assert!(!study.contains("onerror"), "{study}");
    let release = std::fs::read_to_string(out.join("releases/v1.0.0.html")).unwrap();
    assert!(
        release.contains("&lt;b&gt;bold&lt;&#x2f;b&gt;")
            || release.contains("&lt;b&gt;bold&lt;/b&gt;"),
        "{release}"
    );
    assert!(!release.contains("<script>alert(3)"));
    let _ = &mut repo;
}

#[test]
fn a_failed_build_leaves_the_previous_site_as_it_was() {
    let repo = TestRepo::new();
    let a = repo.commit_files(&[], &[("f", b"1".as_slice())], "feat: a", T0);
    let out = repo.root.path().join("site");
    let build = || repo.build_site(&out);
    assert!(build().status.success());
    let before = files(&out);
    // A repository template with a syntax error breaks the next build.
    repo.commit_files(
        &[a],
        &[
            ("f", b"1".as_slice()),
            ("value/templates/index.html", b"{% if %}broken".as_slice()),
        ],
        "feat: b",
        T0 + HOUR,
    );
    let failed = build();
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).contains("template"), "{}", stderr(&failed));
    assert!(files(&out) == before, "the previous site changed");
    let leftovers: Vec<_> = std::fs::read_dir(repo.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains("valuestory-new")),
        "{leftovers:?}"
    );
}

/// Headless Chromium renders four pages; each screenshot must have content (a blank
/// page compresses to a few kilobytes) and no page may load anything that is not
/// there. Skipped, loudly, when Chromium is not installed.
#[test]
fn pages_render_in_a_browser() {
    let Some(chromium) = crate::support::chromium("pages_render_in_a_browser") else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    let (_, out) = sample_site(dir.path(), &["--base-url", "/"]);
    for page in [
        "index.html",
        "releases/v2.0.0.html",
        "streams/checkout.html",
        "case-studies/daily-releases.html",
    ] {
        let shot = dir.path().join(format!("{}.png", page.replace('/', "_")));
        let url = format!("file://{}", out.join(page).display());
        let o = std::process::Command::new(chromium)
            .args(valuestory::browser::HEADLESS)
            .arg("--window-size=1280,1600")
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url)
            .output()
            .unwrap();
        let png = std::fs::read(&shot).unwrap_or_else(|_| {
            panic!(
                "no screenshot of {page}: {}",
                String::from_utf8_lossy(&o.stderr)
            )
        });
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(
            png.len() > 40_000,
            "{page}: screenshot of {} bytes looks blank",
            png.len()
        );
    }
    // No broken images or styles: every src and href of the site resolves.
    let site = files(&out);
    assert!(broken_links(&site, "/").is_empty());
}

/// With the base URL's host known, the sitemap lists every page (not the 404) by
/// its absolute address; without one there is none, and the build says why.
#[test]
fn the_sitemap_has_absolute_addresses_or_is_left_out() {
    let dir = tempfile::TempDir::new().unwrap();
    let (_, out) = sample_site(dir.path(), &["--base-url", "https://example.org/checkout/"]);
    let site = files(&out);
    let sitemap = String::from_utf8(site["sitemap.xml"].clone()).unwrap();
    assert!(sitemap.contains("<loc>https://example.org/checkout/releases/v2.0.0.html</loc>"));
    let locs: Vec<&str> = sitemap
        .split("<loc>")
        .skip(1)
        .map(|l| &l[..l.find("</loc>").unwrap()])
        .collect();
    let pages = site
        .keys()
        .filter(|p| p.ends_with(".html") && p.as_str() != "404.html")
        .count();
    assert_eq!(locs.len(), pages);
    assert!(
        locs.iter()
            .all(|l| l.starts_with("https://example.org/checkout/"))
    );
    let data: serde_json::Value = serde_json::from_slice(&site["data.json"]).unwrap();
    assert_eq!(data["site_url"], "https://example.org/checkout/");
    assert_eq!(data["base_url"], "/checkout/");
    // No host: no sitemap, and a note saying how to have one.
    let repo = dir.path().join("sample");
    let o = valuestory(
        &[
            "build",
            "--repo",
            repo.to_str().unwrap(),
            "--out",
            "plain",
            "--base-url",
            "/x/",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dir.path().join("plain/sitemap.xml").exists());
    assert!(
        stderr(&o).contains("note: no sitemap.xml"),
        "{}",
        stderr(&o)
    );
}
