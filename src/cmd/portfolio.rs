//! `valuestory portfolio`: many services' data merged into one site, and the plan of
//! the CI matrix that builds their data.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::pipeline::{self, Options};
use crate::portfolio::config::{self, Portfolio, Service, Source};
use crate::portfolio::input::{self, ServiceData};
use crate::portfolio::model::{self, Model, NO_CI_DATA};
use crate::site::{self, Guard};

/// The most jobs one GitHub Actions matrix may have.
pub const MAX_MATRIX_JOBS: usize = 256;

pub struct PortfolioOptions {
    pub config: PathBuf,
    pub out: PathBuf,
    /// The quarter to tell (the latest that has ended, by default).
    pub quarter: Option<String>,
    /// Where the CI matrix's artifacts are: `<id>/data.json` for each `github:`
    /// service.
    pub data_dir: Option<PathBuf>,
    /// Also print the review pack to `pack.pdf` with headless Chromium.
    pub pdf: bool,
}

/// What reading one service gave: its data, or the reason it is a coverage gap.
enum Read {
    Data(ServiceData),
    Absent(&'static str),
}

/// Reads every service (one document per worker), merges them and writes the site.
pub fn run(options: &PortfolioOptions) -> Result<Model> {
    let portfolio = config::read(&options.config).map_err(Error::Invalid)?;
    let read: Vec<std::result::Result<Read, String>> = portfolio
        .services
        .par_iter()
        .map(|service| read_service(service, options.data_dir.as_deref()))
        .collect();
    let mut services = Vec::new();
    let mut absent = Vec::new();
    let mut problems = Vec::new();
    for (service, data) in portfolio.services.iter().zip(read) {
        match data {
            Ok(Read::Data(data)) => services.push((service.clone(), data)),
            Ok(Read::Absent(reason)) => absent.push((service.clone(), reason)),
            Err(message) => problems.push(format!("service {}: {message}", service.id)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused(problems.join("\n")));
    }
    // `portfolio.yaml` alone has the empty path as its parent.
    let folder = options
        .config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let value = value_folder(folder)?;
    let model = model::build(
        &portfolio.title,
        (&services, &absent),
        (&portfolio.bands, &value),
        options.quarter.as_deref(),
        jiff::Timestamp::now().as_second(),
    );
    if let Some(quarter) = &options.quarter
        && !model.quarters.iter().any(|q| &q.period == quarter)
    {
        return Err(Error::Refused(format!(
            "--quarter {quarter}: no service has that quarter"
        )));
    }
    let mut files = site_files(&model)?;
    if options.pdf {
        let Some(pack) = files.get("pack.html") else {
            return Err(Error::Refused(
                "--pdf: no quarter has ended yet, so there is no review pack to print".into(),
            ));
        };
        let pdf = print_pack(pack)?;
        files.insert("pack.pdf".to_string(), pdf);
    }
    // Never over the portfolio's own folder, nor over a service's repository.
    let mut protected = vec![folder.to_path_buf()];
    protected.extend(portfolio.services.iter().filter_map(|s| match &s.source {
        Source::Repo { path, .. } => Some(path.clone()),
        Source::Data(_) | Source::GitHub { .. } => None,
    }));
    let guard = Guard {
        protected,
        git_dirs: vec![],
    };
    site::write_site(&options.out, &files, &guard)?;
    Ok(model)
}

/// The portfolio's page, stylesheet and `data.json`: the model, with the schema
/// version and the generator beside its fields.
pub fn site_files(model: &Model) -> Result<site::Files> {
    let generator = format!("valuestory {}", env!("CARGO_PKG_VERSION"));
    let mut files = crate::render::portfolio(model, &generator)
        .map_err(|e| Error::Refused(format!("cannot render the portfolio: {e}")))?;
    let data = model::Data {
        schema_version: crate::report::SCHEMA_VERSION,
        generator: generator.clone(),
        model,
    };
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::Refused(format!("cannot encode data.json: {e}")))?;
    files.insert("data.json".to_string(), json);
    let pack = crate::render::portfolio_pack(model, &generator)
        .map_err(|e| Error::Refused(format!("cannot render the portfolio's pack: {e}")))?;
    if let Some(pack) = pack {
        files.insert("pack.html".to_string(), pack.into_bytes());
    }
    Ok(files)
}

/// The goals and initiatives of the portfolio's own value folder (`value/` beside
/// `portfolio.yaml`), read and checked as a repository's are; none without one.
pub fn value_folder(folder: &Path) -> Result<model::Value> {
    if !folder.join(crate::content::VALUE_DIR).is_dir() {
        return Ok(model::Value::default());
    }
    let files = crate::source::Files::Worktree(crate::source::Worktree::folder(folder)?);
    let loaded = crate::content::load(&files)?;
    let mut problems = loaded.problems;
    for g in &loaded.folder.goals {
        for t in &g.targets {
            let Some(unit) = crate::content::delivery_unit(&t.metric) else {
                continue;
            };
            if let Err(message) = unit.parse_value(&t.target) {
                problems.push(crate::error::Located {
                    path: g.path.clone(),
                    line: t.target_at.line,
                    column: t.target_at.column,
                    message: format!("goal {}: target {:?}: {message}", g.id.value, t.target),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(model::Value {
        goals: loaded.folder.goals,
        initiatives: loaded.folder.initiatives,
    })
}

/// The review pack printed to PDF (a page a slide, checked), through a temporary
/// folder: the site is written whole, with everything else.
fn print_pack(html: &[u8]) -> Result<Vec<u8>> {
    let dir = tempfile::TempDir::new()
        .map_err(|e| Error::io("cannot create", "a temporary folder", e))?;
    let page = dir.path().join("pack.html");
    std::fs::write(&page, html).map_err(|e| Error::io("cannot write", &page, e))?;
    let pdf = dir.path().join("pack.pdf");
    let slides = crate::cmd::pack::slides(&String::from_utf8_lossy(html));
    crate::cmd::pack::print_pdf(&page, &pdf, slides)?;
    std::fs::read(&pdf).map_err(|e| Error::io("cannot read", &pdf, e))
}

fn read_service(service: &Service, data_dir: Option<&Path>) -> std::result::Result<Read, String> {
    match &service.source {
        Source::Data(path) => input::read(path).map(Read::Data),
        Source::Repo { path, component } => build_repo(path, component.clone()).map(Read::Data),
        Source::GitHub { repo, .. } => {
            let Some(dir) = data_dir else {
                return Err(format!(
                    "it comes from GitHub ({repo}), built by the portfolio workflow: give --data-dir, the folder of its artifacts, or list it with `data:` or `repo:`"
                ));
            };
            let path = dir.join(&service.id).join("data.json");
            if !path.exists() {
                // One service's failed build must not hide the rest.
                return Ok(Read::Absent(NO_CI_DATA));
            }
            input::read(&path).map(Read::Data)
        }
    }
}

/// Builds a local repository's data in memory, as `build --json-only` would.
fn build_repo(path: &Path, component: Option<String>) -> std::result::Result<ServiceData, String> {
    let options = Options {
        repo: Some(path.to_path_buf()),
        component,
        ..Options::default()
    };
    let shown = path.display().to_string();
    let input = pipeline::read(&options).map_err(|e| format!("{shown}: {e}"))?;
    if !input.problems.is_empty() {
        return Err(Error::Invalid(input.problems).to_string());
    }
    let data = pipeline::report(&input, &options.rev, None);
    let json = serde_json::to_vec(&data).map_err(|e| format!("{shown}: {e}"))?;
    input::from_reader(json.as_slice(), &format!("{shown} (built)"))
}

/// The services the CI matrix builds (those from `github:`), in batches so that
/// the matrix stays within GitHub's 256 jobs: as many batches as services up to
/// 256, then more services to a batch.
pub fn batches(portfolio: &Portfolio) -> Vec<Vec<&Service>> {
    let built: Vec<&Service> = portfolio
        .services
        .iter()
        .filter(|s| matches!(s.source, Source::GitHub { .. }))
        .collect();
    let size = built.len().div_ceil(MAX_MATRIX_JOBS).max(1);
    built.chunks(size).map(<[&Service]>::to_vec).collect()
}

/// `--plan`: the batch numbers, as a JSON list for the matrix; `--plan --batch N`:
/// batch N's services, one a line: id, repository and component, tab-separated.
pub fn plan(config: &Path, batch: Option<usize>) -> Result<String> {
    let portfolio = config::read(config).map_err(Error::Invalid)?;
    let batches = batches(&portfolio);
    let Some(n) = batch else {
        let numbers: Vec<usize> = (0..batches.len()).collect();
        return Ok(serde_json::to_string(&numbers).unwrap_or_else(|_| "[]".into()));
    };
    let Some(services) = batches.get(n) else {
        return Err(Error::Refused(format!(
            "--batch {n}: the plan has {} batches",
            batches.len()
        )));
    };
    let mut out = String::new();
    for s in services {
        if let Source::GitHub { repo, component } = &s.source {
            out.push_str(&format!(
                "{}\t{repo}\t{}\n",
                s.id,
                component.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_within_256_and_hold_each_built_service_once() {
        for n in [0usize, 1, 255, 256, 257, 600, 6000] {
            let mut yaml = String::from("services:\n  - { id: local, data: x.json }\n");
            for i in 0..n {
                yaml.push_str(&format!("  - {{ id: s{i}, github: acme/s{i} }}\n"));
            }
            let portfolio = config::parse(&yaml, "p.yaml", Path::new(".")).unwrap();
            let batches = batches(&portfolio);
            assert!(batches.len() <= MAX_MATRIX_JOBS, "{n}");
            // 257 services go two to a batch: 129 batches.
            let size = n.div_ceil(MAX_MATRIX_JOBS).max(1);
            assert_eq!(batches.len(), n.div_ceil(size), "{n}");
            let ids: Vec<&str> = batches.iter().flatten().map(|s| s.id.as_str()).collect();
            let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!((ids.len(), unique.len()), (n, n), "{n}");
            assert!(!unique.contains("local"));
        }
    }
}
