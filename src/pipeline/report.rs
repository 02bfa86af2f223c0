//! Stages 8 to 10, compute metrics, tell the story, build the report: the data
//! behind every page and `data.json`, from what [`super::read`] read.

use crate::config::{self, Settings};
use crate::git::Repository;
use crate::metrics::{self, Metrics};
use crate::report::{self, Data};
use crate::story::{self, Story};

use super::Input;

/// The report of what [`super::read`] read, for revision `rev`, with addresses
/// under `base_url` when one is given over the config's.
pub fn report(input: &Input, rev: &str, base_url: Option<&str>) -> Data {
    let metrics = compute_metrics(input);
    let story = tell_story(input, &metrics);
    build_report(
        input,
        &site_settings(&input.settings, base_url),
        metrics,
        story,
        rev,
    )
}

/// Stage 8: the delivery metrics of every period.
fn compute_metrics(input: &Input) -> Metrics {
    let mut metrics = metrics::compute(
        &input.history,
        &input.correlation,
        &input.value.folder,
        input.head,
        input.changes.as_ref(),
        &input.pull_requests,
        &input.settings,
    );
    if input.settings.personal {
        metrics.people = personal_view(input, &metrics);
    }
    metrics
}

/// The personal view's pages, with `Co-authored-by` identities read through the
/// mailmap.
fn personal_view(input: &Input, metrics: &Metrics) -> Vec<metrics::people::PersonWork> {
    let resolver = input.mailmap.resolver();
    let quarters = metrics.periods.get("quarter").map(Vec::as_slice);
    metrics::people::people(
        &input.history,
        &input.correlation,
        &metrics::people::Inputs {
            value: &input.value.folder,
            links: metrics::work::Links {
                changes: input.changes.as_ref(),
                pull_requests: &metrics.pr_numbers,
            },
            quarters: quarters.unwrap_or(&[]),
            as_of: metrics.as_of,
            bots: &input.settings.exclude_authors,
            exclude: &input.settings.personal_exclude,
            resolve: &|name: &str, email: &str| resolver.resolve(name, email),
        },
    )
}

/// Stage 9: the sentences the pages tell, quarter by quarter.
fn tell_story(input: &Input, metrics: &Metrics) -> Story {
    let releases: Vec<story::ReleaseAt<'_>> = input
        .correlation
        .releases
        .iter()
        .map(|r| story::ReleaseAt {
            tag: &r.tag,
            time: r.time,
        })
        .collect();
    let quarters = metrics.periods.get("quarter").map(Vec::as_slice);
    story::tell(
        quarters.unwrap_or(&[]),
        &releases,
        &input.value.folder,
        metrics.as_of,
        input.settings.story,
        input.settings.currency.as_deref(),
        &metrics.streams,
    )
}

/// Stage 10: everything the pages and `data.json` show.
fn build_report(
    input: &Input,
    settings: &Settings,
    metrics: Metrics,
    story: Story,
    rev: &str,
) -> Data {
    report::data(report::Source {
        title: title(input, settings),
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
        signals: report::SignalRules::of(settings),
        band_set: settings.bands.clone(),
        personal_exclude: settings.personal_exclude.clone(),
        // Only what the data says; warnings about this machine (a damaged cache)
        // would make data.json differ between identical builds.
        warnings: input.correlation.warnings.clone(),
    })
}

/// The settings with `--base-url` over the config's.
fn site_settings(settings: &Settings, base_url: Option<&str>) -> Settings {
    let mut settings = settings.clone();
    if let Some(url) = base_url {
        settings.base_url = config::normalize_base_url(url);
        if let Some(origin) = config::site_origin(url) {
            settings.site_origin = Some(origin);
        }
    }
    settings
}

/// The site's title: the config's or the repository's folder name; a component's
/// site names the component too.
fn title(input: &Input, settings: &Settings) -> String {
    let title = settings
        .title
        .clone()
        .unwrap_or_else(|| default_title(&input.repo));
    let component = input
        .scope
        .as_ref()
        .and_then(|s| s.component.as_ref())
        .and_then(|id| settings.components.iter().find(|c| &c.id == id));
    match component {
        Some(c) if c.name != c.id => format!("{title}: {} ({})", c.name, c.id),
        Some(c) => format!("{title}: {}", c.id),
        None => title,
    }
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
