//! Stage 1, read config: `valuestory.yaml` (or `--config`), the mailmap, a
//! pull-request export, and the component a build is scoped to.

use crate::config::{self, Settings};
use crate::content;
use crate::error::{Error, Located, Result};
use crate::git::Mailmap;
use crate::pull_requests::{self, Exported};
use crate::report::Scope;
use crate::source::Files;

use super::Options;

/// A mailmap larger than this is refused (the largest public ones are a few
/// hundred kilobytes).
const MAX_MAILMAP_BYTES: u64 = 16 * 1024 * 1024;

/// What stage 1 read.
pub struct Configured {
    pub settings: Settings,
    /// The config file's path and text, when there is one.
    pub text: Option<(String, String)>,
    pub mailmap: Mailmap,
    pub pull_requests: Vec<Exported>,
    pub scope: Option<Scope>,
    /// Problems in the config and the export; the build goes on with defaults.
    pub problems: Vec<Located>,
}

pub fn read(files: &Files<'_>, options: &Options) -> Result<Configured> {
    let mut problems = Vec::new();
    let (mut settings, text) = match load_settings(files, options) {
        Ok(s) => s,
        Err(Error::Located(l)) => {
            problems.push(l);
            (Settings::default(), None)
        }
        Err(Error::Invalid(list)) => {
            problems.extend(list);
            (Settings::default(), None)
        }
        Err(e) => return Err(e),
    };
    let mailmap = match files.read(".mailmap", MAX_MAILMAP_BYTES)? {
        Some(bytes) => Mailmap::parse(&String::from_utf8_lossy(&bytes)),
        None => Mailmap::empty(),
    };
    let pull_requests = match export(files, options, &settings, &mut problems)? {
        Some((name, bytes)) => pull_requests::parse(&name, &bytes).unwrap_or_else(|l| {
            problems.push(l);
            Vec::new()
        }),
        None => Vec::new(),
    };
    let scope = scope(&mut settings, options)?;
    Ok(Configured {
        settings,
        text,
        mailmap,
        pull_requests,
        scope,
        problems,
    })
}

/// The value folder with the config file's text beside its own, so that `check`
/// can show a problem in either in context.
pub fn with_config_text(mut value: content::Loaded, config: &Configured) -> content::Loaded {
    if let Some((path, text)) = &config.text {
        value.sources.insert(path.clone(), text.clone());
    }
    value
}

/// The settings, and the config file's path and text when there is one.
fn load_settings(
    files: &Files<'_>,
    options: &Options,
) -> Result<(Settings, Option<(String, String)>)> {
    let (shown, bytes) = match &options.config {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
            (path.display().to_string(), Some(bytes))
        }
        None => (
            "valuestory.yaml".to_string(),
            files.read("valuestory.yaml", content::MAX_FILE_BYTES)?,
        ),
    };
    let Some(bytes) = bytes else {
        let settings = config::ConfigFile::default()
            .resolve(&shown, options.tag_pattern.as_deref())
            .map_err(Error::Invalid)?;
        return Ok((settings, None));
    };
    let text = String::from_utf8(bytes).map_err(|e| Located {
        path: shown.clone(),
        line: 1,
        column: 1,
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let settings = config::parse(&shown, &text)
        .and_then(|file| file.resolve(&shown, options.tag_pattern.as_deref()))
        .map_err(Error::Invalid)?;
    Ok((settings, Some((shown, text))))
}

/// A pull-request export, its name and bytes: named on the command line (a file
/// on this machine), else by `pull_requests:` in the config (a file in the
/// repository).
fn export(
    files: &Files<'_>,
    options: &Options,
    settings: &Settings,
    problems: &mut Vec<Located>,
) -> Result<Option<(String, Vec<u8>)>> {
    Ok(match (&options.pull_requests, &settings.pull_requests) {
        (Some(path), _) => Some((
            path.display().to_string(),
            crate::source::read_limited(path, pull_requests::MAX_BYTES)?,
        )),
        (None, Some(path)) => match files.read(path, pull_requests::MAX_BYTES)? {
            Some(bytes) => Some((path.clone(), bytes)),
            None => {
                problems.push(Located {
                    path: "valuestory.yaml".into(),
                    line: 1,
                    column: 1,
                    message: format!("`pull_requests: {path}` names no file in the repository"),
                });
                None
            }
        },
        (None, None) => None,
    })
}

/// The paths a build counts: a component's (whose tag pattern then replaces the
/// repository's), else the config's `paths`, else all.
fn scope(settings: &mut Settings, options: &Options) -> Result<Option<Scope>> {
    let Some(id) = &options.component else {
        return Ok((!settings.paths.is_empty()).then(|| Scope {
            component: None,
            paths: settings.paths.clone(),
        }));
    };
    let Some(component) = settings.components.iter().find(|c| &c.id == id).cloned() else {
        let known: Vec<&str> = settings.components.iter().map(|c| c.id.as_str()).collect();
        return Err(Error::Refused(format!(
            "no component `{id}`{} in the configuration; components are listed under `components:` in valuestory.yaml",
            content::yaml::hint(id, &known)
        )));
    };
    if let Some(pattern) = component.tag_pattern() {
        settings.tag_pattern = pattern;
    }
    Ok(Some(Scope {
        component: Some(component.id),
        paths: component.paths,
    }))
}
