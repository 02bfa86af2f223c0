//! `valuestory build`: config, history, releases, report, render, write.

use std::path::{Path, PathBuf};

use crate::cmd::input::{self, Source};
use crate::config;
use crate::error::{Error, Result};
use crate::git::Repository;
use crate::render;
use crate::report::{self, Data};
use crate::site::{self, Guard};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub source: Source,
    pub out: PathBuf,
    pub base_url: Option<String>,
    pub json_only: bool,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            source: Source::default(),
            out: PathBuf::from("site"),
            base_url: None,
            json_only: false,
        }
    }
}

pub struct Built {
    /// Seconds since the start at the end of each stage, for `-v`.
    pub timings: Vec<(&'static str, f64)>,
    pub data: Data,
    pub out: PathBuf,
    pub diff_stats: Option<crate::changes::Stats>,
    /// Everything to warn about, those in data.json and those about this machine.
    pub warnings: Vec<String>,
    /// What the build left out by design, and how to have it.
    pub notes: Vec<String>,
}

pub fn run(options: &BuildOptions) -> Result<Built> {
    let clock = std::time::Instant::now();
    let mut timings: Vec<(&'static str, f64)> = Vec::new();
    let mut lap = |name: &'static str| {
        timings.push((name, clock.elapsed().as_secs_f64()));
    };
    let input = input::read(&options.source)?;
    lap("read history, releases and value folder");
    if !input.problems.is_empty() {
        return Err(Error::Invalid(input.problems));
    }
    let data = data_of(&input, &options.source.rev, options.base_url.as_deref());
    lap("metrics and report");
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
        let mut files = render_site(&input, &data, options.source.untrusted)
            .map_err(|e| Error::Refused(format!("cannot render the site: {e}")))?;
        files.insert("data.json".to_string(), json);
        for (name, csv) in crate::csv::tables(&data) {
            files.insert(format!("data/{name}"), csv.into_bytes());
        }
        let mut warnings = site::write_site(&options.out, &files, &guard)?;
        input_warnings.append(&mut warnings);
    }
    lap("write");
    let mut notes = Vec::new();
    if !options.json_only && data.site_url.is_none() {
        notes.push(
            "no sitemap.xml: a sitemap needs absolute addresses; give the base URL with its host (--base-url https://example.org/docs/, or base_url in valuestory.yaml) or a cname".to_string(),
        );
    }
    Ok(Built {
        notes,
        timings,
        data,
        out: options.out.clone(),
        diff_stats: input.diff_stats,
        warnings: input_warnings,
    })
}

/// Every page of the site, in memory.
pub fn render_site(
    input: &input::Input,
    data: &Data,
    untrusted: bool,
) -> Result<site::Files, render::RenderError> {
    let theme = input.settings.theme.as_deref().unwrap_or("default");
    render::site(
        data,
        &input.history,
        &input.correlation,
        &render::Options {
            theme,
            overrides: &input.value.templates,
            cname: input.settings.cname.as_deref(),
            untrusted,
        },
    )
}

fn default_title(repo: &Repository) -> String {
    let dir = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".git").unwrap_or(&name).to_string();
    if name.is_empty() {
        "Value story".to_string()
    } else {
        name
    }
}

/// The metrics and the report of what [`input::read`] read.
pub fn data_of(input: &input::Input, rev: &str, base_url: Option<&str>) -> Data {
    let mut settings = input.settings.clone();
    if let Some(url) = base_url {
        settings.base_url = config::normalize_base_url(url);
        if let Some(origin) = config::site_origin(url) {
            settings.site_origin = Some(origin);
        }
    }
    let metrics = crate::metrics::compute(
        &input.history,
        &input.correlation,
        &input.value.folder,
        input.head,
        input.changes.as_ref(),
        &input.pull_requests,
        &input.settings,
    );
    let releases: Vec<crate::story::ReleaseAt<'_>> = input
        .correlation
        .releases
        .iter()
        .map(|r| crate::story::ReleaseAt {
            tag: &r.tag,
            time: r.time,
        })
        .collect();
    let story = crate::story::tell(
        metrics
            .periods
            .get("quarter")
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        &releases,
        &input.value.folder,
        metrics.as_of,
        input.settings.story,
        input.settings.currency.as_deref(),
        &metrics.streams,
    );
    let title = settings
        .title
        .clone()
        .unwrap_or_else(|| default_title(&input.repo));
    // A component's site names the component on every page.
    let component = input
        .scope
        .as_ref()
        .and_then(|s| s.component.as_ref())
        .and_then(|id| settings.components.iter().find(|c| &c.id == id));
    let title = match component {
        Some(c) if c.name != c.id => format!("{title}: {} ({})", c.name, c.id),
        Some(c) => format!("{title}: {}", c.id),
        None => title,
    };
    report::data(report::Source {
        title,
        base_url: settings.base_url.clone(),
        // Where the site is served, when the base URL or the CNAME says.
        site_url: settings
            .site_origin
            .clone()
            .or_else(|| settings.cname.as_ref().map(|c| format!("https://{c}")))
            .map(|origin| format!("{origin}{}", settings.base_url)),
        head: input.head,
        rev: rev.to_string(),
        history: &input.history,
        correlation: &input.correlation,
        value: &input.value.folder,
        changes: input.changes.as_ref(),
        metrics,
        story,
        forge: settings
            .forge
            .clone()
            .or_else(|| crate::forge::find(None, input.repo.origin_url().as_deref())),
        scope: input.scope.clone(),
        signals: report::SignalRules::of(&settings),
        band_set: settings.bands.clone(),
        // Only what the data says; warnings about this machine (a damaged cache)
        // would make data.json differ between identical builds.
        warnings: input.correlation.warnings.clone(),
    })
}
