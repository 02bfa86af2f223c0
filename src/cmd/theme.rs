//! `valuestory theme`: the built-in themes, and one exported as files to start a
//! theme of your own.

use std::path::Path;

use crate::error::{Error, Result};

/// The names of the built-in themes.
pub fn list() -> Vec<String> {
    crate::render::themes()
}

/// Writes theme `name`'s templates and styles into `dir`, which must be new or
/// empty: nothing already there is ever overwritten.
pub fn export(name: &str, dir: &Path) -> Result<()> {
    let files = crate::render::theme_files(name).ok_or_else(|| {
        Error::Refused(format!(
            "no theme `{name}`; the themes are: {}",
            list().join(", ")
        ))
    })?;
    if dir
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
    {
        return Err(Error::Refused(format!(
            "{}: this folder is not empty; export into a new folder",
            dir.display()
        )));
    }
    for (path, bytes) in files {
        let full = dir.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        std::fs::write(&full, bytes).map_err(|e| Error::io("cannot write", &full, e))?;
    }
    Ok(())
}
