//! `valuestory build`: the pipeline's stages, then the site (or `data.json`) written.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pipeline::{self, Options};
use crate::report::Data;
use crate::site::{self, Guard};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: Options,
    pub out: PathBuf,
    pub base_url: Option<String>,
    pub json_only: bool,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            source: Options::default(),
            out: PathBuf::from("site"),
            base_url: None,
            json_only: false,
        }
    }
}

pub struct Built {
    /// Seconds since the start at the end of each stage, for `-v`.
    pub timings: Vec<crate::pipeline::Lap>,
    pub data: Data,
    pub out: PathBuf,
    pub diff_stats: Option<crate::changes::Stats>,
    pub walk_stats: crate::git::WalkStats,
    /// Everything to warn about, those in data.json and those about this machine.
    pub warnings: Vec<String>,
    /// What the build left out by design, and how to have it.
    pub notes: Vec<String>,
}

/// Every file of the site: the pages, `data.json` (already encoded) and the CSV
/// tables.
pub fn site_files(
    input: &pipeline::Input,
    data: &Data,
    json: Vec<u8>,
    untrusted: bool,
) -> Result<site::Files> {
    let mut files = pipeline::render(input, data, untrusted)
        .map_err(|e| Error::Refused(format!("cannot render the site: {e}")))?;
    files.insert("data.json".to_string(), json);
    for (name, csv) in crate::csv::tables(data) {
        files.insert(format!("data/{name}"), csv.into_bytes());
    }
    Ok(files)
}

pub fn run(options: &BuildOptions) -> Result<Built> {
    let input = pipeline::read(&options.source)?;
    let mut timings = input.timings.clone();
    if !input.problems.is_empty() {
        return Err(Error::Invalid(input.problems));
    }
    let data = pipeline::report(&input, &options.source.rev, options.base_url.as_deref());
    timings.lap("metrics, story and report");
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::Refused(format!("cannot encode data.json: {e}")))?;

    let repo = &input.repo;
    let mut input_warnings = input.warnings.clone();
    input_warnings.extend(input.cautions.iter().map(|c| c.to_string()));
    let guard = Guard {
        protected: [repo.workdir(), Some(repo.git_dir())]
            .into_iter()
            .flatten()
            .map(Path::to_path_buf)
            .collect(),
        git_dirs: vec![
            repo.git_dir().to_path_buf(),
            repo.common_dir().to_path_buf(),
        ],
    };
    if options.json_only {
        site::write_json_only(&options.out, &json, &guard)?;
    } else {
        let files = site_files(&input, &data, json, options.source.untrusted)?;
        let mut warnings = site::write_site(&options.out, &files, &guard)?;
        input_warnings.append(&mut warnings);
    }
    timings.lap("write");
    let mut notes = Vec::new();
    if !options.json_only && data.site_url.is_none() {
        notes.push(
            "no sitemap.xml: a sitemap needs absolute addresses; give the base URL with its host (--base-url https://example.org/docs/, or base_url in valuestory.yaml) or a cname".to_string(),
        );
    }
    Ok(Built {
        notes,
        timings: timings.laps,
        data,
        out: options.out.clone(),
        diff_stats: input.diff_stats,
        walk_stats: input.walk_stats,
        warnings: input_warnings,
    })
}
