//! Writing the output safely. A site is built in a sibling temporary folder and
//! swapped in whole, so a failed build leaves the previous site as it was; a folder
//! is only ever replaced when every file in it is one valuestory wrote, as listed in
//! the manifest it leaves beside them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Lists the files of a site valuestory wrote, one relative path a line.
pub const MANIFEST: &str = ".valuestory-site";

/// The files of a site: relative `/`-separated path to contents.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Folders the output must neither be nor contain (the repository, its git folder).
pub struct Guard {
    pub protected: Vec<PathBuf>,
}

impl Guard {
    fn check(&self, out: &Path) -> Result<PathBuf> {
        let absolute = std::path::absolute(out).map_err(|e| Error::io("cannot resolve", out, e))?;
        let resolved = resolve_existing(&absolute);
        if resolved.parent().is_none() {
            return Err(Error::Refused(format!(
                "{}: refusing to write a site over the filesystem root",
                out.display()
            )));
        }
        for p in &self.protected {
            let p = resolve_existing(p);
            if p.starts_with(&resolved) {
                return Err(Error::Refused(format!(
                    "{}: refusing to write a site there: it is or contains the repository {}; choose a folder such as site/",
                    out.display(),
                    p.display()
                )));
            }
        }
        Ok(resolved)
    }
}

/// The canonical form of the longest existing prefix of `path`, with the rest kept.
fn resolve_existing(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// Replaces the folder `out` with exactly `files` (plus the manifest).
pub fn write_site(out: &Path, files: &Files, guard: &Guard) -> Result<()> {
    let target = guard.check(out)?;
    if target.exists() {
        ensure_ours(out, &target)?;
    }
    let parent = target.parent().unwrap_or(Path::new("/")).to_path_buf();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".to_string());
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create", &parent, e))?;
    let staging = parent.join(format!(".{name}.valuestory-new-{}", std::process::id()));
    let retired = parent.join(format!(".{name}.valuestory-old-{}", std::process::id()));
    for leftover in [&staging, &retired] {
        if leftover.exists() {
            fs::remove_dir_all(leftover).map_err(|e| Error::io("cannot remove", leftover, e))?;
        }
    }
    if let Err(e) = fill(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if target.exists() {
        fs::rename(&target, &retired).map_err(|e| Error::io("cannot move aside", &target, e))?;
        if let Err(e) = fs::rename(&staging, &target) {
            let _ = fs::rename(&retired, &target);
            let _ = fs::remove_dir_all(&staging);
            return Err(Error::io("cannot move into place", &target, e));
        }
        fs::remove_dir_all(&retired).map_err(|e| Error::io("cannot remove", &retired, e))?;
    } else if let Err(e) = fs::rename(&staging, &target) {
        let _ = fs::remove_dir_all(&staging);
        return Err(Error::io("cannot move into place", &target, e));
    }
    Ok(())
}

fn fill(staging: &Path, files: &Files) -> Result<()> {
    fs::create_dir_all(staging).map_err(|e| Error::io("cannot create", staging, e))?;
    let mut manifest = String::new();
    for path in files.keys() {
        manifest.push_str(path);
        manifest.push('\n');
    }
    let mut all: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    all.push((MANIFEST, manifest.as_bytes()));
    for (path, contents) in all {
        if path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(Error::Refused(format!(
                "refusing to write outside the site: {path}"
            )));
        }
        let full = staging.join(path);
        if let Some(dir) = full.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        fs::write(&full, contents).map_err(|e| Error::io("cannot write", &full, e))?;
    }
    Ok(())
}

/// An existing output folder may be replaced only when it is empty or holds nothing
/// but what a previous build listed in its manifest.
fn ensure_ours(shown: &Path, target: &Path) -> Result<()> {
    if !target.is_dir() {
        return Err(Error::Refused(format!(
            "{}: --out must be a folder, and this is a file",
            shown.display()
        )));
    }
    let mut present = BTreeSet::new();
    list_files(target, target, &mut present)?;
    if present.is_empty() {
        return Ok(());
    }
    let listed: BTreeSet<String> = match fs::read_to_string(target.join(MANIFEST)) {
        Ok(text) => text.lines().map(str::to_string).collect(),
        Err(_) => BTreeSet::new(),
    };
    let foreign: Vec<&String> = present
        .iter()
        .filter(|p| p.as_str() != MANIFEST && !listed.contains(*p))
        .collect();
    if foreign.is_empty() && present.contains(MANIFEST) {
        return Ok(());
    }
    let examples: Vec<&str> = foreign.iter().take(3).map(|s| s.as_str()).collect();
    Err(Error::Refused(format!(
        "{}: refusing to replace this folder: it holds files valuestory did not write ({}{}); \
         choose a new or empty folder for --out",
        shown.display(),
        examples.join(", "),
        if foreign.len() > 3 { ", …" } else { "" }
    )))
}

fn list_files(root: &Path, dir: &Path, out: &mut BTreeSet<String>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("cannot read", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot read", dir, e))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| Error::io("cannot read", &path, e))?;
        if kind.is_dir() {
            list_files(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.insert(rel.join("/"));
        }
    }
    Ok(())
}

/// Writes one file through a temporary sibling and a rename, so that readers see the
/// old contents or the new, never half.
pub fn write_file_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.valuestory-{}", std::process::id()));
    fs::write(&tmp, contents).map_err(|e| Error::io("cannot write", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("cannot write", path, e)
    })
}

/// For `--json-only`: `out/data.json`, replaced atomically, nothing else touched.
pub fn write_json_only(out: &Path, json: &[u8], guard: &Guard) -> Result<()> {
    let target = guard.check(out)?;
    if target.exists() && !target.is_dir() {
        return Err(Error::Refused(format!(
            "{}: --out must be a folder, and this is a file",
            out.display()
        )));
    }
    // A data.json that is not valuestory's is the user's: never replaced.
    let existing = target.join("data.json");
    if let Ok(bytes) = fs::read(&existing)
        && !String::from_utf8_lossy(&bytes[..bytes.len().min(512)])
            .contains("\"generator\": \"valuestory")
    {
        return Err(Error::Refused(format!(
            "{}: holds a data.json valuestory did not write; choose another --out",
            out.display()
        )));
    }
    write_file_atomic(&existing, json)
}
