//! `valuestory demo`: write the sample repository (or reuse the one a previous demo
//! wrote) and build its site.

use std::path::{Path, PathBuf};

use crate::cmd::build::{self, BuildOptions, Built};
use crate::demo;
use crate::error::{Error, Result};
use crate::history::CommitId;
use crate::pipeline::Options;
use crate::portfolio::config::{Service, Source};
use crate::portfolio::model::Model;

/// Returns the sample repository's folder and the build.
pub fn run(repo: &Path, out: &Path) -> Result<(PathBuf, Built)> {
    let repo = sample(repo)?;
    let built = build::run(&BuildOptions {
        source: Options {
            repo: Some(repo.clone()),
            ..Options::default()
        },
        out: out.to_path_buf(),
        ..BuildOptions::default()
    })?;
    Ok((repo, built))
}

/// The sample repository in `repo` (or beside it, see [`place`]), written unless
/// this version's sample is already there.
fn sample(repo: &Path) -> Result<PathBuf> {
    generated(repo, demo::create)
}

/// A demo repository in `repo` (or beside it), written by `write` unless this
/// version's is already there.
fn generated(repo: &Path, write: fn(&Path) -> crate::git::Result<CommitId>) -> Result<PathBuf> {
    let repo = place(repo)?;
    let marker = repo.join(".git").join(demo::MARKER);
    if !marker.exists() {
        let head = write(&repo)?;
        std::fs::write(
            &marker,
            format!("{}\n{head}\n", crate::embedded::SAMPLE_VERSION),
        )
        .map_err(|e| Error::io("cannot write", &marker, e))?;
    }
    Ok(repo)
}

/// The portfolio demo: the sample (`checkout`) and the generated services, their
/// repositories under `repos`, built into `out`: the portfolio at its root and
/// each service's own site under `services/<id>/`.
pub struct PortfolioDemo {
    pub repos: Vec<PathBuf>,
    pub model: Model,
}

pub fn portfolio(repos: &Path, out: &Path) -> Result<PortfolioDemo> {
    let mut made: Vec<(Service, PathBuf)> = Vec::new();
    let sample_path = sample(&repos.join("checkout"))?;
    made.push((
        service("checkout", "Acme Checkout", &["payments"], &sample_path),
        sample_path,
    ));
    for g in &demo::services::GENERATED {
        let path = generated(&repos.join(g.id), g.write)?;
        made.push((service(g.id, g.name, g.teams, &path), path));
    }
    let mut files = crate::site::Files::new();
    let mut services = Vec::new();
    for (service, path) in made.iter().cloned() {
        let options = Options {
            repo: Some(path.clone()),
            ..Options::default()
        };
        let input = crate::pipeline::read(&options)?;
        if !input.problems.is_empty() {
            return Err(Error::Invalid(input.problems));
        }
        // Served under the portfolio's root, as its 404 page must know.
        let base_url = format!("/services/{}/", service.id);
        let data = crate::pipeline::report(&input, &options.rev, Some(&base_url));
        let json = serde_json::to_vec_pretty(&data)
            .map_err(|e| Error::Refused(format!("cannot encode data.json: {e}")))?;
        let read =
            crate::portfolio::input::from_reader(json.as_slice(), &path.display().to_string())
                .map_err(Error::Refused)?;
        for (name, bytes) in build::site_files(&input, &data, json, false)? {
            files.insert(format!("services/{}/{name}", service.id), bytes);
        }
        services.push((service, read));
    }
    // The portfolio's own goals and initiatives, each written once into its folder
    // as an example (never over a file someone changed).
    for (name, text) in PORTFOLIO_VALUE {
        let file = repos.join(crate::content::VALUE_DIR).join(name);
        if !file.exists() {
            let dir = file.parent().unwrap_or(repos);
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
            std::fs::write(&file, text).map_err(|e| Error::io("cannot write", &file, e))?;
        }
    }
    let value = crate::cmd::portfolio::value_folder(repos)?;
    let model = crate::portfolio::model::build(
        "Acme portfolio",
        (&services, &[]),
        (&crate::config::Thresholds::default(), &value),
        None,
        jiff::Timestamp::now().as_second(),
    );
    files.extend(crate::cmd::portfolio::site_files(&model)?);
    let guard = crate::site::Guard {
        protected: made.iter().map(|(_, p)| p.clone()).collect(),
        git_dirs: made.iter().map(|(_, p)| p.join(".git")).collect(),
    };
    crate::site::write_site(out, &files, &guard)?;
    Ok(PortfolioDemo {
        repos: made.into_iter().map(|(_, p)| p).collect(),
        model,
    })
}

/// The portfolio demo's goals: one a service can meet, one it can miss.
const PORTFOLIO_GOALS: &str = "\
- id: ship-within-a-week
  title: Every service ships a change within a week
  owner: VP Engineering
  targets:
    - { metric: lead_time, target: 7d, by: 2026-09-30 }
- id: fewer-failed-releases
  title: Fewer failed releases
  owner: VP Engineering
  targets:
    - { metric: change_failure_rate, target: 5%, by: 2026-12-31 }
- id: revenue-growth
  title: Grow online revenue
  owner: VP Product
  targets:
    - { metric: conversion_rate, target: 3.2%, by: 2026-12-31 }
";

/// An initiative that spans services: the checkout sample and the ledger each link
/// their own work to `saved-cards`.
const PORTFOLIO_INITIATIVE: &str = "\
title: Saved cards
goal: revenue-growth
status: in-progress
started: 2024-12-16
hypothesis: Customers who pay with a saved card come back more often.
";

/// The files of the portfolio demo's value folder.
const PORTFOLIO_VALUE: [(&str, &str); 2] = [
    ("goals.yaml", PORTFOLIO_GOALS),
    ("initiatives/saved-cards.yaml", PORTFOLIO_INITIATIVE),
];

fn service(id: &str, name: &str, teams: &[&str], repo: &Path) -> Service {
    Service {
        id: id.to_string(),
        name: name.to_string(),
        teams: teams.iter().map(|t| t.to_string()).collect(),
        source: Source::Repo {
            path: repo.to_path_buf(),
            component: None,
        },
        site: Some(format!("services/{id}/index.html")),
    }
}

/// Where the sample goes: `repo` when it is new, empty, or this version's sample;
/// beside it (`<repo>-<version>`) when it holds a sample another version made, which
/// may have the user's own commits in it and is left alone.
fn place(repo: &Path) -> Result<PathBuf> {
    let has_files = |dir: &Path| {
        dir.read_dir()
            .map(|mut e| e.next().is_some())
            .unwrap_or(false)
    };
    let marker = repo.join(".git").join(demo::MARKER);
    if !has_files(repo) {
        return Ok(repo.to_path_buf());
    }
    let Ok(text) = std::fs::read_to_string(&marker) else {
        return Err(Error::Refused(format!(
            "{}: this folder exists and is not a sample repository made by valuestory demo; \
             pass --repo with a new folder",
            repo.display()
        )));
    };
    if text.lines().next() == Some(crate::embedded::SAMPLE_VERSION) {
        return Ok(repo.to_path_buf());
    }
    let name = repo
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let beside = repo.with_file_name(format!("{name}-{}", &crate::embedded::SAMPLE_VERSION[..8]));
    if has_files(&beside) && !beside.join(".git").join(demo::MARKER).exists() {
        return Err(Error::Refused(format!(
            "{}: an older sample is there and {} is taken; pass --repo with a new folder",
            repo.display(),
            beside.display()
        )));
    }
    Ok(beside)
}
