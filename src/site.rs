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
    /// Git folders the output may not be inside either.
    pub git_dirs: Vec<PathBuf>,
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
        for g in &self.git_dirs {
            if resolved.starts_with(resolve_existing(g)) {
                return Err(Error::Refused(format!(
                    "{}: refusing to write a site inside the git folder {}",
                    out.display(),
                    g.display()
                )));
            }
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

/// Replaces the folder `out` with exactly `files` (plus the manifest), and returns
/// what to warn about (an old copy that could not be removed).
///
/// The new site is written whole beside the old one, then the two are exchanged in
/// one step where the system can (Linux's `renameat2`), else by two renames. Should
/// the process die anywhere in between, the next write finds what it left (named
/// after it, with its process id) and finishes or undoes it: `out` is never left
/// missing, and never half-written.
pub fn write_site(out: &Path, files: &Files, guard: &Guard) -> Result<Vec<String>> {
    let target = guard.check(out)?;
    let mut warnings = recover(&target)?;
    if target.exists() {
        ensure_ours(out, &target)?;
    }
    let parent = parent_of(&target);
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create", &parent, e))?;
    let staging = sibling(&target, NEW, std::process::id());
    let retired = sibling(&target, OLD, std::process::id());
    for leftover in [&staging, &retired] {
        if leftover.exists() {
            fs::remove_dir_all(leftover).map_err(|e| Error::io("cannot remove", leftover, e))?;
        }
    }
    if let Err(e) = fill(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    crash_point("filled");
    if !target.exists() {
        return fs::rename(&staging, &target)
            .map(|()| warnings)
            .map_err(|e| {
                let _ = fs::remove_dir_all(&staging);
                Error::io("cannot move into place", &target, e)
            });
    }
    // After the exchange the staging name holds the old site.
    let old = if exchange(&staging, &target) {
        staging
    } else {
        fs::rename(&target, &retired).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            Error::io("cannot move aside", &target, e)
        })?;
        crash_point("moved-aside");
        if let Err(e) = fs::rename(&staging, &target) {
            let _ = fs::rename(&retired, &target);
            let _ = fs::remove_dir_all(&staging);
            return Err(Error::io("cannot move into place", &target, e));
        }
        retired
    };
    crash_point("swapped");
    if let Err(e) = fs::remove_dir_all(&old) {
        warnings.push(format!(
            "the new site is in place, but the previous copy, moved to {}, could not be removed: {e}",
            old.display()
        ));
    }
    Ok(warnings)
}

const NEW: &str = "new";
const OLD: &str = "old";

fn parent_of(target: &Path) -> PathBuf {
    target.parent().unwrap_or(Path::new("/")).to_path_buf()
}

fn name_of(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".to_string())
}

/// `.<name>.valuestory-<new|old>-<pid>` beside the target.
fn sibling(target: &Path, kind: &str, pid: u32) -> PathBuf {
    parent_of(target).join(format!(".{}.valuestory-{kind}-{pid}", name_of(target)))
}

/// Swaps two folders in one step; false where the system cannot.
fn exchange(a: &Path, b: &Path) -> bool {
    if cfg!(debug_assertions) && std::env::var_os("VALUESTORY_TEST_NO_EXCHANGE").is_some() {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let (Ok(a), Ok(b)) = (
            std::ffi::CString::new(a.as_os_str().as_bytes()),
            std::ffi::CString::new(b.as_os_str().as_bytes()),
        ) else {
            return false;
        };
        // SAFETY: both paths are NUL-terminated strings that outlive the call.
        let done = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        done == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        false
    }
}

/// Whether a process with this id is running (or might be: when in doubt, yes).
/// This process has left nothing yet when it asks, so a leftover under its own id
/// is an earlier process's (a container's first process always has the same id).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Finishes or undoes what a build that died while writing `target` left beside it,
/// and removes its temporary folders.
fn recover(target: &Path) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let parent = parent_of(target);
    let Ok(entries) = fs::read_dir(&parent) else {
        return Ok(warnings);
    };
    let prefix = format!(".{}.valuestory-", name_of(target));
    let mut dead: Vec<(String, u32, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((kind, pid)) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once('-'))
        else {
            continue;
        };
        let (Ok(pid), true) = (pid.parse::<u32>(), kind == NEW || kind == OLD) else {
            continue;
        };
        if !alive(pid) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            dead.push((kind.to_string(), pid, entry.path()));
        }
    }
    dead.sort();
    if !target.exists() {
        // Died between the two renames: its new site is complete when its manifest,
        // written last, is there; otherwise the old one goes back.
        let complete = dead
            .iter()
            .find(|(kind, _, path)| kind == NEW && path.join(MANIFEST).is_file());
        let old = dead.iter().find(|(kind, _, _)| kind == OLD);
        if let Some((_, _, path)) = complete.or(old) {
            fs::rename(path, target).map_err(|e| Error::io("cannot restore", path, e))?;
            warnings.push(format!(
                "an earlier build stopped while replacing {}; its site was put in place",
                target.display()
            ));
        }
    }
    for (_, _, path) in dead {
        if path.exists()
            && let Err(e) = fs::remove_dir_all(&path)
        {
            warnings.push(format!(
                "cannot remove {}, left by an earlier build: {e}",
                path.display()
            ));
        }
    }
    Ok(warnings)
}

/// Ends the process as `kill -9` would at a named step, in debug builds when
/// `VALUESTORY_TEST_CRASH_AT` names it: how the tests interrupt a write.
fn crash_point(step: &str) {
    if cfg!(debug_assertions)
        && std::env::var("VALUESTORY_TEST_CRASH_AT").is_ok_and(|at| at == step)
    {
        #[cfg(unix)]
        // SAFETY: sends SIGKILL to this process, which ends here.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
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
    // A temporary `data.json` of a `--json-only` build that died is ours too.
    let leftover = |p: &str| {
        let (dir, file) = p.rsplit_once('/').unwrap_or(("", p));
        listed.iter().any(|l| {
            let (ldir, lfile) = l.rsplit_once('/').unwrap_or(("", l));
            ldir == dir && temporary_of(file, lfile).is_some_and(|pid| !alive(pid))
        })
    };
    let foreign: Vec<&String> = present
        .iter()
        .filter(|p| p.as_str() != MANIFEST && !listed.contains(*p) && !leftover(p))
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
/// old contents or the new, never half. The temporary file is removed on every
/// error; one left by a process that died is removed by the next write.
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
    remove_dead_temporaries(dir, &name);
    let tmp = dir.join(format!(".{name}.valuestory-{}", std::process::id()));
    let written = fs::write(&tmp, contents).map_err(|e| Error::io("cannot write", &tmp, e));
    crash_point("file-written");
    let moved = written
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| Error::io("cannot write", path, e)));
    if moved.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    moved
}

/// The process id in `.<name>.valuestory-<pid>`, a temporary file of ours.
fn temporary_of(file: &str, name: &str) -> Option<u32> {
    file.strip_prefix(&format!(".{name}.valuestory-"))?
        .parse()
        .ok()
}

fn remove_dead_temporaries(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if temporary_of(&file, name).is_some_and(|pid| !alive(pid))
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
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
