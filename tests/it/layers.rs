//! The layers of the source, as a test: every `crate::` path in `src/` may name
//! only its own layer or one below it. The table is the architecture; an import
//! against it fails here with its file and line.
//!
//! Imports that run against the layers today are listed in [`KNOWN`], each to be
//! broken (issue 17). The list can only shrink: an entry that no longer occurs
//! fails too, so that it is taken off.

use std::collections::BTreeSet;
use std::path::Path;

use regex::Regex;

/// The layers, lowest first. A module is named by its top-level name under
/// `crate::`, or `content::yaml` for the YAML reader every parser shares.
const LAYERS: &[&[&str]] = &[
    &[
        "time", "stats", "memory", "browser", "embedded", "sealed", "metric", "testing",
    ],
    &["history", "message", "forge"],
    &["git"],
    &["error", "source"],
    &["content::yaml"],
    &["config", "content"],
    &["releases", "changes", "pull_requests"],
    &["metrics"],
    &["story"],
    &["report", "csv", "portfolio"],
    &["render"],
    &["site", "demo"],
    &["pipeline"],
    &["cmd"],
    &["cli", "lib", "main"],
];

/// Imports against the layers in today's code: (importing file, imported module).
/// Empty: every import follows the layers. Kept so that a future exception is
/// written down with its reason rather than hidden.
const KNOWN: &[(&str, &str)] = &[];

/// The layer of a module path such as `content::yaml` or `metrics`.
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The module a file of `src/` belongs to: `src/content/yaml.rs` is
/// `content::yaml`, `src/metrics/work.rs` is `metrics`.
fn module_of(path: &str) -> String {
    let rel = path.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts = rel.split('/');
    let top = parts.next().unwrap_or("").to_string();
    match (top.as_str(), parts.next()) {
        ("content", Some("yaml")) => "content::yaml".to_string(),
        _ => top,
    }
}

/// Every import against the layers: `(file, line, imported module)`.
fn violations(files: &[(String, String)]) -> Vec<(String, usize, String)> {
    let path = Regex::new(r"crate::([a-z_]+)(?:::([a-z_]+))?").unwrap();
    let mut out = Vec::new();
    for (file, text) in files {
        let from = module_of(file);
        let Some(mine) = layer_of(&from) else {
            out.push((file.clone(), 0, format!("{from} (no layer)")));
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for c in path.captures_iter(code) {
                let named = match (&c[1], c.get(2).map(|m| m.as_str())) {
                    ("content", Some("yaml")) => "content::yaml".to_string(),
                    (top, _) => top.to_string(),
                };
                if named == from {
                    continue;
                }
                match layer_of(&named) {
                    Some(theirs) if theirs <= mine => {}
                    _ => out.push((file.clone(), n + 1, named)),
                }
            }
        }
    }
    out
}

fn sources(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn imports_follow_the_layers() {
    let found = violations(&sources(Path::new(env!("CARGO_MANIFEST_DIR"))));
    let known: BTreeSet<(&str, &str)> = KNOWN.iter().copied().collect();
    let new: Vec<String> = found
        .iter()
        .filter(|(f, _, m)| !known.contains(&(f.as_str(), m.as_str())))
        .map(|(f, n, m)| format!("{f}:{n}: imports crate::{m}, a higher layer"))
        .collect();
    assert!(new.is_empty(), "{}", new.join("\n"));
    let seen: BTreeSet<(&str, &str)> = found
        .iter()
        .map(|(f, _, m)| (f.as_str(), m.as_str()))
        .collect();
    let gone: Vec<_> = known.difference(&seen).collect();
    assert!(
        gone.is_empty(),
        "no longer against the layers, take off KNOWN: {gone:?}"
    );
}

/// The test of the test: on a small tree, an import upward is found with its
/// line, one downward or within a layer is not.
#[test]
fn an_import_against_the_layers_is_found() {
    let files = vec![
        (
            "src/time.rs".to_string(),
            "use crate::stats;\n// crate::cli in a comment\nuse crate::cli::Cli;\n".to_string(),
        ),
        (
            "src/render/views.rs".to_string(),
            "use crate::report::Data;\nfn f() { crate::site::write(); }\n".to_string(),
        ),
        (
            "src/content/yaml.rs".to_string(),
            "use crate::git::Error;\nuse crate::config::Settings;\n".to_string(),
        ),
        (
            "src/content/parse.rs".to_string(),
            "use crate::content::yaml;\n".to_string(),
        ),
    ];
    let found = violations(&files);
    assert_eq!(
        found,
        vec![
            ("src/time.rs".to_string(), 3, "cli".to_string()),
            ("src/render/views.rs".to_string(), 2, "site".to_string()),
            ("src/content/yaml.rs".to_string(), 2, "config".to_string()),
        ]
    );
}
