//! `valuestory demo`: write the sample repository (or reuse the one a previous demo
//! wrote) and build its site.

use std::path::{Path, PathBuf};

use crate::cmd::build::{self, BuildOptions, Built};
use crate::demo;
use crate::error::{Error, Result};
use crate::pipeline::Options;

/// Returns the sample repository's folder and the build.
pub fn run(repo: &Path, out: &Path) -> Result<(PathBuf, Built)> {
    let repo = place(repo)?;
    let marker = repo.join(".git").join(demo::MARKER);
    if !marker.exists() {
        let head = demo::create(&repo)?;
        std::fs::write(
            &marker,
            format!("{}\n{head}\n", crate::embedded::SAMPLE_VERSION),
        )
        .map_err(|e| Error::io("cannot write", &marker, e))?;
    }
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
