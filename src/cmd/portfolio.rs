//! `valuestory portfolio`: many services' data merged into one site.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::pipeline::{self, Options};
use crate::portfolio::config::{self, Service, Source};
use crate::portfolio::input::{self, ServiceData};
use crate::portfolio::model::{self, Model};
use crate::site::{self, Guard};

pub struct PortfolioOptions {
    pub config: PathBuf,
    pub out: PathBuf,
    /// The quarter to tell (the latest that has ended, by default).
    pub quarter: Option<String>,
}

/// Reads every service (one document per worker), merges them and writes the site.
pub fn run(options: &PortfolioOptions) -> Result<Model> {
    let portfolio = config::read(&options.config).map_err(Error::Invalid)?;
    let read: Vec<std::result::Result<ServiceData, String>> = portfolio
        .services
        .par_iter()
        .map(read_service)
        .collect();
    let mut services = Vec::new();
    let mut problems = Vec::new();
    for (service, data) in portfolio.services.iter().zip(read) {
        match data {
            Ok(data) => services.push((service.clone(), data)),
            Err(message) => problems.push(format!("service {}: {message}", service.id)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Refused(problems.join("\n")));
    }
    let now = crate::time::rfc3339(jiff::Timestamp::now().as_second());
    let model = model::build(
        &portfolio.title,
        &services,
        &crate::config::Thresholds::default(),
        options.quarter.as_deref(),
        &now,
    );
    if let Some(quarter) = &options.quarter
        && !model.quarters.iter().any(|q| &q.period == quarter)
    {
        return Err(Error::Refused(format!(
            "--quarter {quarter}: no service has that quarter"
        )));
    }
    let generator = format!("valuestory {}", env!("CARGO_PKG_VERSION"));
    let mut files = crate::render::portfolio(&model, &generator)
        .map_err(|e| Error::Refused(format!("cannot render the portfolio: {e}")))?;
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "schema_version": crate::report::SCHEMA_VERSION,
        "generator": generator,
        "portfolio": &model,
    }))
    .map_err(|e| Error::Refused(format!("cannot encode data.json: {e}")))?;
    files.insert("data.json".to_string(), json);
    // Never over the portfolio's own folder, nor over a service's repository.
    let mut protected = vec![
        options
            .config
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    ];
    protected.extend(portfolio.services.iter().filter_map(|s| match &s.source {
        Source::Repo { path, .. } => Some(path.clone()),
        Source::Data(_) => None,
    }));
    let guard = Guard {
        protected,
        git_dirs: vec![],
    };
    site::write_site(&options.out, &files, &guard)?;
    Ok(model)
}

fn read_service(service: &Service) -> std::result::Result<ServiceData, String> {
    match &service.source {
        Source::Data(path) => input::read(path),
        Source::Repo { path, component } => build_repo(path, component.clone()),
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
