//! `valuestory init`: a starting `valuestory.yaml`, an example value folder and two
//! GitHub Actions workflows (publish to Pages; check, comment and preview on pull
//! requests). It never overwrites a file that is already there, and never writes a
//! Pages workflow into a repository that already publishes a Pages site.
//!
//! The scaffold is filled in from the repository: its name titles the site, and the
//! workflows run on its default branch.

use std::path::{Path, PathBuf};

use crate::embedded;
use crate::error::{Error, Result};

/// The workflows that write the Pages branch, left out where Pages is already in
/// use.
const PAGES_WORKFLOWS: [&str; 3] = [
    ".github/workflows/valuestory-pages.yml",
    ".github/workflows/valuestory-preview.yml",
    ".github/workflows/valuestory-portfolio.yml",
];

/// A Pages site that is already there.
pub struct Pages {
    /// What shows it: "the workflow … deploys Pages", "a gh-pages branch …".
    pub why: String,
    /// Served from the `gh-pages` branch: the value story goes into its
    /// [`SUBFOLDER`], beside the site, which it never touches. Otherwise (a
    /// workflow deploys it, or only a CNAME says it exists) nothing can be added
    /// to it safely, and no Pages workflow is written.
    pub from_branch: bool,
}

/// Where the value story goes in a `gh-pages` site that is already there.
pub const SUBFOLDER: &str = "value-story/";

/// The action the workflows install with, as the release workflow recorded it
/// when it built this binary (`OWNER/REPO@COMMIT`).
const RELEASED_FROM: Option<&str> = option_env!("VALUESTORY_ACTION");

/// What `init` wrote and what it left alone because it existed.
pub struct Initialized {
    pub written: Vec<PathBuf>,
    pub kept: Vec<PathBuf>,
    /// The site's title, from the repository's name.
    pub title: String,
    /// The branch the workflows run on.
    pub branch: String,
    /// What already publishes Pages here, and whether the value story can live in
    /// a folder of that site.
    pub pages_in_use: Option<Pages>,
    /// The action the workflows use; without one they are not written.
    pub action: Option<String>,
}

/// What `init` sets up: one repository's value story, or a portfolio of services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scaffold {
    Repository,
    /// `portfolio.yaml` and the workflow that builds every service in a matrix
    /// and publishes the portfolio.
    Portfolio,
}

pub fn run(root: &Path, action: Option<&str>, scaffold: Scaffold) -> Result<Initialized> {
    let action = match action.or(RELEASED_FROM) {
        Some(a) => Some(pinned(a)?),
        None => None,
    };
    let repo = git2::Repository::open(root).ok();
    let title = repo
        .as_ref()
        .and_then(remote_name)
        .unwrap_or_else(|| folder_name(root));
    let branch = repo
        .as_ref()
        .and_then(default_branch)
        .unwrap_or_else(|| "main".to_string());
    let pages_in_use = pages_in_use(root, repo.as_ref());
    let mut done = Initialized {
        written: Vec::new(),
        kept: Vec::new(),
        title,
        branch,
        pages_in_use,
        action,
    };
    let files = match scaffold {
        Scaffold::Repository => embedded::SCAFFOLD,
        Scaffold::Portfolio => embedded::PORTFOLIO_SCAFFOLD,
    };
    for (path, bytes) in files {
        let workflow = path.starts_with(".github/workflows/");
        if workflow && done.action.is_none()
            || PAGES_WORKFLOWS.contains(path)
                && done.pages_in_use.as_ref().is_some_and(|p| !p.from_branch)
        {
            continue;
        }
        let full = root.join(path);
        if full.exists() || full.symlink_metadata().is_ok() {
            done.kept.push(full);
            continue;
        }
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        let subfolder = match &done.pages_in_use {
            Some(p) if p.from_branch => SUBFOLDER,
            _ => "",
        };
        let bytes = fill(bytes, &done.title, &done.branch, done.action.as_deref())
            .replace("@SUBFOLDER@", subfolder)
            .into_bytes();
        // create_new: a file that appeared since the check is still not overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&full)
            .map_err(|e| Error::io("cannot create", &full, e))?;
        std::io::Write::write_all(&mut file, &bytes)
            .map_err(|e| Error::io("cannot write", &full, e))?;
        done.written.push(full);
    }
    Ok(done)
}

/// The scaffold's markers filled in: `@TITLE@` and `@BRANCH@`, each written as a
/// quoted YAML string so that no name can change the file's structure, and
/// `@ACTION@`, already checked to be `OWNER/REPO@COMMIT`.
fn fill(bytes: &[u8], title: &str, branch: &str, action: Option<&str>) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let version = env!("CARGO_PKG_VERSION");
    String::from_utf8_lossy(bytes)
        .replace("@TITLE@", &quote(title))
        .replace("@BRANCH@", &quote(branch))
        .replace(
            "@ACTION@",
            &format!("{} # valuestory {version}", action.unwrap_or("")),
        )
}

/// `OWNER/REPO@COMMIT`, the commit a full id: a workflow pins what it runs.
fn pinned(action: &str) -> Result<String> {
    let name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    let ok = action.split_once('@').is_some_and(|(repo, commit)| {
        repo.split_once('/')
            .is_some_and(|(owner, repo)| name(owner) && name(repo))
            && commit.len() == 40
            && commit.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(action.to_string())
    } else {
        Err(Error::Refused(format!(
            "--action {action:?}: give the valuestory action as OWNER/REPO@COMMIT, the commit a full 40-character id"
        )))
    }
}

/// The repository's name from its `origin` remote (`…/acme/checkout.git` is
/// "checkout").
fn remote_name(repo: &git2::Repository) -> Option<String> {
    let remote = repo.find_remote("origin").ok()?;
    let url = remote.url().ok()?.trim_end_matches('/');
    let last = url.rsplit(['/', ':']).next()?;
    let name = last.strip_suffix(".git").unwrap_or(last);
    (!name.is_empty()).then(|| name.to_string())
}

fn folder_name(root: &Path) -> String {
    std::path::absolute(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Value story".to_string())
}

/// The default branch: where `origin/HEAD` points, else the branch checked out
/// (even one without commits yet).
fn default_branch(repo: &git2::Repository) -> Option<String> {
    if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD")
        && let Ok(Some(target)) = r.symbolic_target()
        && let Some(name) = target.strip_prefix("refs/remotes/origin/")
    {
        return Some(name.to_string());
    }
    let head = repo.find_reference("HEAD").ok()?;
    head.symbolic_target()
        .ok()??
        .strip_prefix("refs/heads/")
        .map(str::to_string)
}

/// What already publishes a Pages site here, if anything: a workflow that deploys
/// Pages, a CNAME, or a `gh-pages` branch.
fn pages_in_use(root: &Path, repo: Option<&git2::Repository>) -> Option<Pages> {
    let other = |why: String| Pages {
        why,
        from_branch: false,
    };
    let workflows = root.join(".github/workflows");
    if let Ok(entries) = std::fs::read_dir(&workflows) {
        let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name.filter(|n| {
                (n.ends_with(".yml") || n.ends_with(".yaml")) && !n.starts_with("valuestory-")
            }) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if [
                "actions/deploy-pages",
                "peaceiris/actions-gh-pages",
                "JamesIves/github-pages-deploy-action",
            ]
            .iter()
            .any(|a| text.contains(a))
            {
                return Some(other(format!(
                    "the workflow .github/workflows/{name} deploys Pages"
                )));
            }
        }
    }
    for cname in ["CNAME", "docs/CNAME"] {
        if root.join(cname).is_file() {
            return Some(other(format!("{cname} names the Pages site's domain")));
        }
    }
    let repo = repo?;
    ["refs/heads/gh-pages", "refs/remotes/origin/gh-pages"]
        .iter()
        .find(|r| repo.find_reference(r).is_ok())
        .map(|_| Pages {
            why: "a gh-pages branch holds a Pages site".to_string(),
            from_branch: true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_as_quoted_yaml() {
        let out = fill(
            b"title: @TITLE@\nbranches: [@BRANCH@]\n",
            "a: \"b\"",
            "main",
            None,
        );
        assert_eq!(out, "title: \"a: \\\"b\\\"\"\nbranches: [\"main\"]\n");
    }
}
