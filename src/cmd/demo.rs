//! `valuestory demo`: write the sample repository (or reuse the one a previous demo
//! wrote) and build its site.

use std::path::{Path, PathBuf};

use crate::cmd::build::{self, BuildOptions, Built};
use crate::cmd::input::Source;
use crate::demo;
use crate::error::{Error, Result};

/// Returns the sample repository's folder and the build.
pub fn run(repo: &Path, out: &Path) -> Result<(PathBuf, Built)> {
    let marker = repo.join(".git").join(demo::MARKER);
    let exists_with_files = repo
        .read_dir()
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if exists_with_files && !marker.exists() {
        return Err(Error::Refused(format!(
            "{}: this folder exists and is not a sample repository made by valuestory demo; \
             pass --repo with a new folder",
            repo.display()
        )));
    }
    if !marker.exists() {
        let head = demo::create(repo)?;
        std::fs::write(&marker, format!("{head}\n"))
            .map_err(|e| Error::io("cannot write", &marker, e))?;
    }
    let built = build::run(&BuildOptions {
        source: Source {
            repo: Some(repo.to_path_buf()),
            ..Source::default()
        },
        out: out.to_path_buf(),
        ..BuildOptions::default()
    })?;
    Ok((repo.to_path_buf(), built))
}
