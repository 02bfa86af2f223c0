//! `valuestory init`: a starting `valuestory.yaml`, an example value folder and two
//! GitHub Actions workflows (publish to Pages; check, comment and preview on pull
//! requests). It never overwrites a file that is already there.

use std::path::{Path, PathBuf};

use crate::embedded;
use crate::error::{Error, Result};

/// What `init` wrote and what it left alone because it existed.
pub struct Initialized {
    pub written: Vec<PathBuf>,
    pub kept: Vec<PathBuf>,
}

pub fn run(root: &Path) -> Result<Initialized> {
    let mut done = Initialized {
        written: Vec::new(),
        kept: Vec::new(),
    };
    for (path, bytes) in embedded::SCAFFOLD {
        let full = root.join(path);
        if full.exists() || full.symlink_metadata().is_ok() {
            done.kept.push(full);
            continue;
        }
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        // create_new: a file that appeared since the check is still not overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&full)
            .map_err(|e| Error::io("cannot create", &full, e))?;
        std::io::Write::write_all(&mut file, bytes)
            .map_err(|e| Error::io("cannot write", &full, e))?;
        done.written.push(full);
    }
    Ok(done)
}
