//! Every page of the site: which template renders it and the view it gets. Views are
//! plain JSON values built from `data.json`'s structs and the history, with numbers
//! already formatted, links already relative, and charts already drawn.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::views::{Site, quarter_slug};
use super::{bounds, escape, policy};
use crate::history::History;
use crate::releases::Correlation;
use crate::report::Data;

use crate::embedded;

/// A template that failed, named and located.
#[derive(Debug, thiserror::Error)]
#[error("template {template}: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

/// The built-in templates of a theme: the shared ones with the theme's overrides.
fn builtin(theme: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, bytes) in embedded::SITE_TEMPLATES {
        out.insert(
            path.to_string(),
            String::from_utf8_lossy(bytes).into_owned(),
        );
    }
    let prefix = format!("{theme}/");
    for (path, bytes) in embedded::SITE_THEMES {
        if let Some(rest) = path.strip_prefix(prefix.as_str())
            && rest.ends_with(".html")
        {
            out.insert(
                rest.to_string(),
                String::from_utf8_lossy(bytes).into_owned(),
            );
        }
    }
    out
}

/// The built-in theme names.
pub fn themes() -> Vec<String> {
    let mut names: Vec<String> = embedded::SITE_THEMES
        .iter()
        .filter_map(|(p, _)| p.split('/').next().map(str::to_string))
        .collect();
    names.dedup();
    names
}

pub(super) fn theme_file(theme: &str, name: &str) -> Option<&'static [u8]> {
    let path = format!("{theme}/{name}");
    embedded::SITE_THEMES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
}

pub(super) fn engine(
    theme: &str,
    overrides: &[(String, String)],
) -> Result<tera::Tera, RenderError> {
    let mut templates = builtin(theme);
    for (name, text) in overrides {
        templates.insert(name.clone(), text.clone());
    }
    let mut tera = tera::Tera::default();
    tera.register_filter("date", |s: &str, _: tera::Kwargs, _: &tera::State| {
        tera::Value::safe_string(&super::day_html(s))
    });
    tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| RenderError {
            template: "(loading)".into(),
            message: error_chain(&e),
        })?;
    Ok(tera)
}

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// Every file of the site but `data.json`: pages, styles, sitemap, 404.
/// How to render a site: the theme, the repository's own templates, and whether
/// they come from someone untrusted.
pub struct Options<'a> {
    pub theme: &'a str,
    /// `value/templates/*.html`, by name.
    pub overrides: &'a [(String, String)],
    pub cname: Option<&'a str>,
    /// The repository may be a stranger's pull request: its templates may not bring
    /// in script, handlers, frames, plugins or a `<base>`.
    pub untrusted: bool,
}

pub fn site(
    data: &Data,
    history: &History,
    correlation: &Correlation,
    options: &Options<'_>,
) -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
    let tera = engine(options.theme, options.overrides)?;
    let s = Site::new(data, history, correlation);
    let pages = page_list(&s, data);
    let site_values = site_values(data);
    let rendered: Vec<Result<(String, Vec<u8>), RenderError>> = bounds::watched(|watch| {
        pages
            .par_iter()
            .map(|(path, template, view)| {
                let html = render_page(
                    &tera,
                    watch,
                    &site_values,
                    data,
                    (path, template, view),
                    options,
                )?;
                Ok((path.clone(), html.into_bytes()))
            })
            .collect()
    });
    let mut files = BTreeMap::new();
    for r in rendered {
        let (path, bytes) = r?;
        files.insert(path, bytes);
    }
    let css = theme_file(options.theme, "style.css")
        .or_else(|| theme_file("default", "style.css"))
        .unwrap_or(b"");
    files.insert("assets/style.css".into(), css.to_vec());
    files.insert(".nojekyll".into(), Vec::new());
    if let Some(cname) = options.cname {
        files.insert("CNAME".into(), format!("{cname}\n").into_bytes());
    }
    // The sitemap protocol wants absolute addresses: without a host, none.
    if let Some(site_url) = &data.site_url {
        let sitemap = sitemap(site_url, files.keys());
        files.insert("sitemap.xml".into(), sitemap.into_bytes());
    }
    Ok(files)
}

/// Every page of the site: its path, its template and its view.
fn page_list(s: &Site<'_>, data: &Data) -> Vec<(String, &'static str, Value)> {
    let mut pages: Vec<(String, &'static str, Value)> = Vec::new();
    pages.push(("index.html".into(), "index.html", s.overview()));
    for (i, q) in s.quarters().iter().enumerate() {
        let path = format!("quarters/{}.html", quarter_slug(&q.period));
        pages.push((path, "quarter.html", s.quarter(i)));
    }
    pages.push(("releases/index.html".into(), "releases.html", s.releases()));
    for (i, r) in data.releases.iter().enumerate() {
        let path = format!("releases/{}.html", r.slug);
        pages.push((path, "release.html", s.release(i)));
    }
    let streams = s.streams();
    collection(
        &mut pages,
        ("streams", "streams.html"),
        ("stream", "stream.html"),
        &streams,
    );
    let initiatives = s.initiatives();
    let templates = (
        ("initiatives", "initiatives.html"),
        ("initiative", "initiative.html"),
    );
    collection(&mut pages, templates.0, templates.1, &initiatives);
    let goals = json!({"goals": s.goals_page()});
    pages.push(("goals.html".into(), "goals.html", goals));
    collection(
        &mut pages,
        ("teams", "teams.html"),
        ("team", "team.html"),
        &s.teams(),
    );
    let case_studies = s.case_studies();
    pages.push((
        "case-studies/index.html".into(),
        "case_studies.html",
        case_studies,
    ));
    for c in &data.case_studies {
        let path = format!("case-studies/{}.html", c.slug);
        pages.push((path, "case_study.html", s.case_study(c)));
    }
    if !data.people.is_empty() {
        pages.push(("people/index.html".into(), "people.html", s.people()));
        for (k, p) in data.people.iter().enumerate() {
            let path = format!("people/{}.html", p.slug);
            pages.push((path, "person.html", json!({"person": s.person(k)})));
        }
    }
    pages.push(("incidents.html".into(), "incidents.html", s.incidents()));
    pages.push((
        "methodology.html".into(),
        "methodology.html",
        s.methodology(),
    ));
    pages.push(("value-folder.html".into(), "value_folder.html", json!({})));
    pages.push(("404.html".into(), "404.html", json!({})));
    pages
}

/// What every page knows of the site: its title, base URL and the sections the
/// navigation names (only those with something in them).
fn site_values(data: &Data) -> Value {
    let sections = json!({
        "streams": !data.streams.is_empty(), "goals": !data.goals.is_empty(),
        "initiatives": !data.initiatives.is_empty(), "teams": !data.teams.is_empty(),
        "case_studies": !data.case_studies.is_empty(), "incidents": !data.incidents.is_empty(),
    });
    let value_folder = sections
        .as_object()
        .is_some_and(|m| m.values().any(|v| v == true));
    let mut sections = sections;
    // People come from the history, not the value folder.
    sections["people"] = json!(!data.people.is_empty());
    json!({"title": data.title, "generator": data.generator, "base_url": data.base_url,
        "sections": sections, "value_folder": value_folder})
}

/// One page rendered, held to `--untrusted` and with its Content-Security-Policy.
fn render_page(
    tera: &tera::Tera,
    watch: &bounds::Watch,
    site_values: &Value,
    data: &Data,
    (path, template, view): (&String, &&str, &Value),
    options: &Options<'_>,
) -> Result<String, RenderError> {
    let overrides = options.overrides;
    // Relative links work from a file, under any base URL; the 404 page is served
    // at any path, so its links start from the base URL.
    let root = if path == "404.html" {
        data.base_url.clone()
    } else {
        "../".repeat(path.matches('/').count())
    };
    let mut context = tera::Context::new();
    context.insert("site", site_values);
    context.insert("root", &root);
    context.insert("page", view);
    context.insert("path", path);
    let html = watch.render(tera, template, &context)?;
    if options.untrusted && !overrides.is_empty() {
        refuse_untrusted(&html, template, overrides)?;
    }
    let html = policy::with_csp(&html, policy::SITE_CSP);
    // A repository's template decides how a page starts; the parser must still
    // find the policy first in its head.
    if !overrides.is_empty() && !policy::policy_leads_head(&html, policy::SITE_CSP) {
        return Err(RenderError {
            template: template.to_string(),
            message: "the page starts so that the Content-Security-Policy cannot be the first element of its <head>; start it with `<!doctype html>`, `<html>` and `<head>`".into(),
        });
    }
    Ok(html)
}

/// The sitemap of the site's pages (all but the 404 page) under `site_url`.
fn sitemap<'p>(site_url: &str, paths: impl Iterator<Item = &'p String>) -> String {
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths.filter(|p| p.ends_with(".html") && p.as_str() != "404.html") {
        sitemap.push_str(&format!(
            "  <url><loc>{}{}</loc></url>\n",
            escape(site_url),
            escape(path)
        ));
    }
    sitemap.push_str("</urlset>\n");
    sitemap
}

/// Every file a theme is made of (the shared templates, then the theme's own files
/// overriding them), for `valuestory theme export`.
pub fn theme_files(theme: &str) -> Option<BTreeMap<String, Vec<u8>>> {
    if !themes().iter().any(|t| t == theme) {
        return None;
    }
    let mut out: BTreeMap<String, Vec<u8>> = embedded::SITE_TEMPLATES
        .iter()
        .map(|(p, b)| (p.to_string(), b.to_vec()))
        .collect();
    let prefix = format!("{theme}/");
    for (p, b) in embedded::SITE_THEMES {
        if let Some(rest) = p.strip_prefix(prefix.as_str()) {
            out.insert(rest.to_string(), b.to_vec());
        }
    }
    Some(out)
}

/// The quarterly business-review pack: one HTML file with its styles inline and
/// charts as inline SVG, nothing fetched from anywhere.
pub fn pack(
    data: &Data,
    history: &History,
    correlation: &Correlation,
    quarter: &str,
) -> Result<String, RenderError> {
    let tera = engine("default", &[])?;
    let s = Site::new(data, history, correlation);
    let i = s
        .quarters()
        .iter()
        .position(|q| q.period == quarter)
        .unwrap_or(0);
    let view = s.pack(i);
    // The deck's own layout is in its template, over the default theme's colours.
    let css = theme_file("default", "style.css").unwrap_or(b"");
    let mut context = tera::Context::new();
    context.insert(
        "site",
        &json!({"title": data.title, "generator": data.generator}),
    );
    context.insert("css", &String::from_utf8_lossy(css));
    context.insert("page", &view);
    let html = bounds::watched(|watch| watch.render(&tera, "pack.html", &context))?;
    Ok(policy::with_csp(&html, policy::PACK_CSP))
}

/// Fails on markup an untrusted repository may not add, naming the override it comes
/// from and its line when one holds it, or the page's template and the page's line.
fn refuse_untrusted(
    html: &str,
    template: &str,
    overrides: &[(String, String)],
) -> Result<(), RenderError> {
    let Some(found) = policy::forbidden(html) else {
        return Ok(());
    };
    for (name, text) in overrides {
        if let Some(inside) = policy::forbidden(text) {
            return Err(RenderError {
                template: format!("value/templates/{name}"),
                message: format!(
                    "line {}: {} is not allowed in a repository's templates with --untrusted",
                    inside.line, inside.what
                ),
            });
        }
    }
    Err(RenderError {
        template: template.to_string(),
        message: format!(
            "line {} of the rendered page: {} is not allowed in a repository's templates with --untrusted",
            found.line, found.what
        ),
    })
}

/// A list page (`<plural>/index.html`, its items under `page.<plural>`) and one
/// page per item (`<plural>/<id>.html`, the item under `page.<singular>`).
fn collection(
    pages: &mut Vec<(String, &'static str, Value)>,
    (plural, list_template): (&'static str, &'static str),
    (singular, item_template): (&'static str, &'static str),
    items: &[Value],
) {
    pages.push((
        format!("{plural}/index.html"),
        list_template,
        json!({ plural: items }),
    ));
    for item in items {
        let id = item["id"].as_str().unwrap_or(singular);
        pages.push((
            format!("{plural}/{id}.html"),
            item_template,
            json!({ singular: item }),
        ));
    }
}
