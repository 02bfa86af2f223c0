//! `portfolio.yaml`: the services a portfolio covers, and where each one's data comes
//! from.
//!
//! ```yaml
//! title: Payments
//! services:
//!   - id: checkout
//!     name: Checkout
//!     teams: [payments]
//!     data: services/checkout/data.json   # a data.json, such as a CI artifact
//!     site: https://example.org/checkout/ # its published site, for links
//!   - id: ledger
//!     repo: ../ledger                     # a local repository, built here
//!   - id: search
//!     github: acme/search                 # built by the portfolio's CI matrix
//! dora: { bands: dora-2023 }              # or custom limits, as in valuestory.yaml
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Located;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    title: Option<String>,
    services: Vec<Entry>,
    /// The band set every service is judged by, written as in `valuestory.yaml`.
    #[serde(default)]
    dora: crate::config::DoraFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    name: Option<String>,
    #[serde(default)]
    teams: Vec<String>,
    data: Option<String>,
    repo: Option<String>,
    github: Option<String>,
    /// With `repo` or `github`: one component of a monorepo, as `build --component`.
    component: Option<String>,
    site: Option<String>,
}

/// A portfolio as `portfolio.yaml` describes it, its paths resolved against the
/// file's folder.
#[derive(Debug, Clone)]
pub struct Portfolio {
    pub title: String,
    pub services: Vec<Service>,
    /// The band set every service is judged by: DORA 2023 unless `dora:` says.
    pub bands: crate::config::Thresholds,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub teams: Vec<String>,
    pub source: Source,
    /// Where the service's own site is, for links: an `http(s)` address or a
    /// relative path.
    pub site: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `data.json` written by `valuestory build`.
    Data(PathBuf),
    /// A local repository, built with its own `valuestory.yaml`: the whole of it,
    /// or one component.
    Repo {
        path: PathBuf,
        component: Option<String>,
    },
    /// A GitHub repository (`owner/name`), built by the portfolio workflow's
    /// matrix; its data.json is `<--data-dir>/<id>/data.json`.
    GitHub {
        repo: String,
        component: Option<String>,
    },
}

/// Reads `portfolio.yaml`, reporting every problem with its line.
pub fn read(path: &Path) -> Result<Portfolio, Vec<Located>> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Located {
            path: shown.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read it: {e}"),
        }]
    })?;
    parse(&text, &shown, path.parent().unwrap_or(Path::new(".")))
}

/// Parses the text of a `portfolio.yaml` that lives in `folder`.
pub fn parse(text: &str, shown: &str, folder: &Path) -> Result<Portfolio, Vec<Located>> {
    let file: File = serde_saphyr::from_str(text)
        .map_err(|e| vec![crate::content::yaml::serde_error(shown, &e)])?;
    let mut problems = Vec::new();
    let mut services: Vec<Service> = Vec::new();
    // Entries are not located one by one; name the entry in each message instead.
    let problem = |message: String| Located {
        path: shown.to_string(),
        line: 1,
        column: 1,
        message,
    };
    for (i, entry) in file.services.into_iter().enumerate() {
        let what = format!("services[{i}] ({})", entry.id);
        if !valid_id(&entry.id) {
            problems.push(problem(format!(
                "services[{i}]: id `{}` must be lowercase letters, digits, `-` or `_`, starting with a letter or digit",
                entry.id
            )));
            continue;
        }
        if services.iter().any(|s| s.id == entry.id) {
            problems.push(problem(format!("{what}: the id is listed twice")));
            continue;
        }
        if entry.component.is_some() && entry.data.is_some() {
            problems.push(problem(format!(
                "{what}: `component` goes with `repo` or `github` (a data.json is already one component's)"
            )));
            continue;
        }
        if let Some(repo) = &entry.github
            && !valid_github(repo)
        {
            problems.push(problem(format!(
                "{what}: github `{repo}` must be OWNER/NAME"
            )));
            continue;
        }
        let source = match (entry.data, entry.repo, entry.github) {
            (Some(data), None, None) => Source::Data(folder.join(data)),
            (None, Some(repo), None) => Source::Repo {
                path: folder.join(repo),
                component: entry.component,
            },
            (None, None, Some(repo)) => Source::GitHub {
                repo,
                component: entry.component,
            },
            (None, None, None) => {
                problems.push(problem(format!(
                    "{what}: give `data` (a data.json), `repo` (a local repository) or `github` (OWNER/NAME)"
                )));
                continue;
            }
            _ => {
                problems.push(problem(format!(
                    "{what}: give one of `data`, `repo` and `github`, not several"
                )));
                continue;
            }
        };
        if let Some(site) = &entry.site
            && !safe_link(site)
        {
            problems.push(problem(format!(
                "{what}: site `{site}` must be an http(s) address or a relative path"
            )));
            continue;
        }
        services.push(Service {
            name: entry.name.unwrap_or_else(|| entry.id.clone()),
            id: entry.id,
            teams: entry.teams,
            source,
            site: entry.site,
        });
    }
    if services.is_empty() && problems.is_empty() {
        problems.push(problem("no services are listed".into()));
    }
    let bands = file.dora.resolve(shown).map_err(|l| problems.push(l)).ok();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Portfolio {
        title: file.title.unwrap_or_else(|| "Portfolio".into()),
        services,
        bands: bands.unwrap_or_default(),
    })
}

/// `owner/name` as GitHub spells them.
fn valid_github(repo: &str) -> bool {
    let name = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    repo.split_once('/')
        .is_some_and(|(owner, name_)| name(owner) && name(name_))
}

fn valid_id(id: &str) -> bool {
    id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// An address a page may link to: `http(s)://`, or a relative path with no scheme.
fn safe_link(link: &str) -> bool {
    let lower = link.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return true;
    }
    !link.contains(':') && !link.starts_with("//") && !link.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_resolve_against_the_file_and_every_problem_is_reported() {
        let ok = parse(
            "title: P\nservices:\n  - id: a\n    data: x/data.json\n    teams: [t]\n  - id: b-2\n    repo: ../b\n    site: https://e.org/b/\n",
            "portfolio.yaml",
            Path::new("/p"),
        )
        .unwrap();
        assert_eq!(ok.services[0].source, Source::Data("/p/x/data.json".into()));
        assert_eq!(ok.services[0].name, "a");
        assert_eq!(
            ok.services[1].source,
            Source::Repo {
                path: "/p/../b".into(),
                component: None
            }
        );
        let bad = parse(
            "services:\n  - id: A\n    data: a\n  - id: b\n  - id: c\n    data: c\n    repo: c\n  - id: d\n    data: d\n    site: javascript:alert(1)\n  - id: e\n    data: e\n  - id: e\n    data: e\n",
            "portfolio.yaml",
            Path::new("."),
        )
        .unwrap_err();
        let messages: Vec<&str> = bad.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages.len(), 5, "{messages:?}");
        assert!(messages[0].contains("id `A`"));
        assert!(messages[1].contains("give `data`"));
        assert!(messages[2].contains("not several"));
        assert!(messages[3].contains("javascript:"));
        assert!(messages[4].contains("listed twice"));
        let unknown = parse("services: []\nservice: x\n", "p.yaml", Path::new(".")).unwrap_err();
        assert!(
            unknown[0].message.contains("unknown field `service`"),
            "{unknown:?}"
        );
    }
}
