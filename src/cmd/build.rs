//! `valuestory build`: config, history, releases, report, render, write.

use std::path::{Path, PathBuf};

use crate::config::{self, Settings};
use crate::error::{Error, Result};
use crate::git::{Mailmap, Repository};
use crate::history::TagTarget;
use crate::releases;
use crate::render;
use crate::report::{self, Data};
use crate::site::{self, Guard};
use crate::source::Files;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub repo: Option<PathBuf>,
    pub rev: String,
    pub worktree: bool,
    pub out: PathBuf,
    pub base_url: Option<String>,
    pub config: Option<PathBuf>,
    pub tag_pattern: Option<String>,
    pub json_only: bool,
}

impl Default for BuildOptions {
    fn default() -> BuildOptions {
        BuildOptions {
            repo: None,
            rev: "HEAD".to_string(),
            worktree: false,
            out: PathBuf::from("site"),
            base_url: None,
            config: None,
            tag_pattern: None,
            json_only: false,
        }
    }
}

pub struct Built {
    pub data: Data,
    pub out: PathBuf,
}

pub fn run(options: &BuildOptions) -> Result<Built> {
    let repo = Repository::discover(options.repo.as_deref())?;
    repo.require_full_history()?;
    let head = repo.resolve(&options.rev)?;
    let files = match (options.worktree, repo.workdir()) {
        (true, Some(root)) => Files::Worktree {
            root: root.to_path_buf(),
        },
        (true, None) => {
            return Err(Error::Refused(
                "--worktree needs a repository with a working tree; this one is bare".into(),
            ));
        }
        (false, _) => Files::Tree {
            repo: &repo,
            commit: head,
        },
    };
    let settings = load_settings(&files, options)?;
    let mailmap = match files.read(".mailmap")? {
        Some(bytes) => Mailmap::parse(&String::from_utf8_lossy(&bytes)),
        None => Mailmap::empty(),
    };

    let tags = repo.tags(|name| settings.tag_pattern.is_match(name))?;
    let mut starts = vec![head];
    starts.extend(tags.iter().filter_map(|t| match t.target {
        TagTarget::Commit(id) => Some(id),
        TagTarget::Other(_) => None,
    }));
    let history = repo.history(&starts, &mailmap)?;
    let correlation = releases::correlate(&history, &tags, head, &settings);

    let data = report::data(report::Source {
        title: settings
            .title
            .clone()
            .unwrap_or_else(|| default_title(&repo)),
        base_url: settings.base_url.clone(),
        head,
        rev: options.rev.clone(),
        history: &history,
        correlation: &correlation,
        warnings: correlation.warnings.clone(),
    });
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::Refused(format!("cannot encode data.json: {e}")))?;

    let guard = Guard {
        protected: [repo.workdir(), Some(repo.git_dir())]
            .into_iter()
            .flatten()
            .map(Path::to_path_buf)
            .collect(),
    };
    if options.json_only {
        site::write_json_only(&options.out, &json, &guard)?;
    } else {
        let mut files = site::Files::new();
        files.insert("data.json".to_string(), json);
        files.insert(
            "index.html".to_string(),
            render::index_html(&data).into_bytes(),
        );
        files.insert(".nojekyll".to_string(), Vec::new());
        site::write_site(&options.out, &files, &guard)?;
    }
    Ok(Built {
        data,
        out: options.out.clone(),
    })
}

fn load_settings(files: &Files<'_>, options: &BuildOptions) -> Result<Settings> {
    let (shown, text) = match &options.config {
        Some(path) => {
            let text = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
            (path.display().to_string(), Some(text))
        }
        None => (
            "valuestory.yaml".to_string(),
            files.read("valuestory.yaml")?,
        ),
    };
    let file = match text {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| crate::error::Located {
                path: shown.clone(),
                line: 1,
                column: 1,
                message: format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            })?;
            config::parse(&shown, &text)?
        }
        None => config::ConfigFile::default(),
    };
    let mut settings = file.resolve(&shown, options.tag_pattern.as_deref())?;
    if let Some(url) = &options.base_url {
        settings.base_url = config::normalize_base_url(url);
    }
    Ok(settings)
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
