//! The workflows `valuestory init` writes, run here step by step in a scratch
//! repository: their `run:` steps as GitHub runs them (`bash -eo pipefail`), the
//! parts GitHub provides stood in for. Checkout is a clone, the valuestory action
//! is the binary under test on `PATH`, artifacts are folders, `gh` is a script
//! that answers from files (merged pull requests, the head of one) and keeps the
//! pull request's comments as files, and
//! the Pages branch lives in a local bare repository.
//!
//! What must hold: the main build lands on `gh-pages`; a pull request's preview
//! lands under `pr-preview/pr-N/` with links that resolve there, beside the main
//! site, which a later main build keeps; the comment is created once, then
//! updated; closing the pull request removes the preview; an artifact whose number
//! is not a number, or whose pull request has moved on, deploys nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{commit_all, files, git, stderr, valuestory};

const ACTION: &str = "acme/valuestory@0123456789abcdef0123456789abcdef01234567";

/// The stand-in for GitHub's `gh`, answering what the preview workflow asks.
const GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
if [ "$1 $2" = "pr list" ]; then cat "$STUB/merged.json"; exit 0; fi
[ "$1" = api ] || { echo "gh stub: $*" >&2; exit 2; }
shift
method=GET
if [ "$1" = -X ]; then method=$2; shift 2; fi
path=$1; shift
comments="$STUB/comments"
mkdir -p "$comments"
case "$method $path" in
  "GET repos/$GITHUB_REPOSITORY/pulls/"*) cat "$STUB/head" ;;
  "GET repos/$GITHUB_REPOSITORY/issues/"*/comments)
    for f in "$comments"/*.md; do
      [ -e "$f" ] || continue
      if head -n 1 "$f" | grep -q '^<!-- valuestory-preview -->'; then basename "$f" .md; fi
    done ;;
  "PATCH repos/$GITHUB_REPOSITORY/issues/comments/"*)
    id=${path##*/}; [ -e "$comments/$id.md" ] || exit 1
    cp "${2#body=@}" "$comments/$id.md"; echo "$id" >> "$STUB/patched" ;;
  "POST repos/$GITHUB_REPOSITORY/issues/"*/comments)
    id=$(( $(ls "$comments" | wc -l) + 1 ))
    cp "${2#body=@}" "$comments/$id.md" ;;
  *) echo "gh stub: $method $path" >&2; exit 2 ;;
esac
"#;

/// One run of a workflow's job: its event and what the stand-ins know.
struct Run<'a> {
    workflow: &'a str,
    job: &'a str,
    /// `github.event.action` (`opened`, `closed`, …) for pull requests.
    action: &'a str,
    /// The pull request's number, as the event gives it.
    number: &'a str,
    /// The commit the workspace has checked out.
    commit: &'a str,
    /// `matrix.batch`, in a matrix job.
    matrix: &'a str,
}

struct Scratch {
    dir: tempfile::TempDir,
    /// The repository, as pushed to GitHub.
    repo: PathBuf,
    /// The bare repository holding `gh-pages`: `{server}/acme/shop.git`.
    server: PathBuf,
    stub: PathBuf,
    artifacts: PathBuf,
}

impl Scratch {
    /// A repository set up with `valuestory init`; with `site`, one that already
    /// serves that page from its `gh-pages` branch.
    fn new(site: Option<&str>) -> Scratch {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = dir.path().join("shop");
        std::fs::create_dir(&repo).unwrap();
        let server = dir.path().join("server");
        std::fs::create_dir_all(server.join("acme")).unwrap();
        let bare = server.join("acme/shop.git");
        git(
            dir.path(),
            &["init", "-q", "--bare", bare.to_str().unwrap()],
        );
        git(&repo, &["init", "-q", "-b", "main"]);
        if let Some(page) = site {
            git(&repo, &["checkout", "-q", "--orphan", "gh-pages"]);
            std::fs::write(repo.join("index.html"), page).unwrap();
            commit_all(&repo, "our site");
            git(&repo, &["push", "-q", bare.to_str().unwrap(), "gh-pages"]);
            git(&repo, &["checkout", "-q", "-f", "--orphan", "main"]);
            git(&repo, &["rm", "-q", "-rf", "--cached", "."]);
            std::fs::remove_file(repo.join("index.html")).unwrap();
        }
        std::fs::write(repo.join("a.txt"), "a\n").unwrap();
        commit_all(&repo, "feat: a");
        git(&repo, &["tag", "v1.0.0"]);
        let out = valuestory(
            &["init", "--repo", repo.to_str().unwrap(), "--action", ACTION],
            dir.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        commit_all(&repo, "chore: valuestory init");
        let stub = dir.path().join("stub");
        std::fs::create_dir_all(stub.join("bin")).unwrap();
        let gh = stub.join("bin/gh");
        std::fs::write(&gh, GH).unwrap();
        let exe = stub.join("bin/valuestory");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_valuestory"), &exe).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(stub.join("merged.json"), "[]\n").unwrap();
        let artifacts = dir.path().join("artifacts");
        Scratch {
            dir,
            repo,
            server,
            stub,
            artifacts,
        }
    }

    /// A portfolio repository set up with `valuestory init --portfolio`, listing two
    /// services on the (local) server: `acme/svc-a`, with releases, and
    /// `acme/svc-b`, which is not there, so its build fails.
    fn portfolio() -> Scratch {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = dir.path().join("portfolio");
        std::fs::create_dir(&repo).unwrap();
        let server = dir.path().join("server");
        std::fs::create_dir_all(server.join("acme")).unwrap();
        let bare = |name: &str| server.join("acme").join(format!("{name}.git"));
        git(
            dir.path(),
            &["init", "-q", "--bare", bare("shop").to_str().unwrap()],
        );
        let service = crate::portfolio::releases_with_lead(crate::support::HOUR);
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                service.path().to_str().unwrap(),
                bare("svc-a").to_str().unwrap(),
            ],
        );
        git(&repo, &["init", "-q", "-b", "main"]);
        let out = valuestory(
            &[
                "init",
                "--portfolio",
                "--repo",
                repo.to_str().unwrap(),
                "--action",
                ACTION,
            ],
            dir.path(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::write(
            repo.join("portfolio.yaml"),
            "title: Acme\nservices:\n  - { id: svc-a, name: Service A, teams: [red], github: acme/svc-a }\n  - { id: svc-b, github: acme/svc-b }\n",
        )
        .unwrap();
        commit_all(&repo, "chore: valuestory init --portfolio");
        let stub = dir.path().join("stub");
        std::fs::create_dir_all(stub.join("bin")).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_valuestory"),
            stub.join("bin/valuestory"),
        )
        .unwrap();
        let artifacts = dir.path().join("artifacts");
        Scratch {
            dir,
            repo,
            server,
            stub,
            artifacts,
        }
    }

    fn workflow(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.repo.join(".github/workflows").join(name)).unwrap();
        crate::publish::yaml_value(&text)
    }

    /// The value of a `${{ }}` expression in this run.
    fn expression(&self, run: &Run<'_>, expr: &str, temp: &Path) -> String {
        match expr.trim() {
            "github.event.number" => run.number.to_string(),
            "github.event.action" => run.action.to_string(),
            "github.base_ref" => "main".to_string(),
            "github.token" => "stub-token".to_string(),
            "github.server_url" => format!("file://{}", self.server.display()),
            "github.repository" => "acme/shop".to_string(),
            "github.event.workflow_run.head_sha" => run.commit.to_string(),
            "github.event.workflow_run.id" => "1".to_string(),
            "runner.temp" => temp.display().to_string(),
            "matrix.batch" => run.matrix.to_string(),
            "secrets.VALUESTORY_PORTFOLIO_TOKEN || github.token" => "stub-token".to_string(),
            other => panic!("{}: no stand-in for the expression {other:?}", run.workflow),
        }
    }

    fn expand(&self, run: &Run<'_>, text: &str, temp: &Path) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("${{") {
            out.push_str(&rest[..at]);
            let end = rest[at..].find("}}").unwrap() + at;
            out.push_str(&self.expression(run, &rest[at + 3..end], temp));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// The conditions the workflows use, evaluated for this run.
    fn holds(&self, run: &Run<'_>, condition: &Value) -> bool {
        match condition.as_str() {
            None => true,
            Some("github.event.action != 'closed'") => run.action != "closed",
            Some("github.event.workflow_run.event == 'pull_request'") => true,
            // The test runs the portfolio's jobs only when their `needs` would.
            Some("needs.plan.outputs.batches != '[]'") => true,
            Some("${{ !cancelled() }}") => true,
            Some(other) => panic!("{}: no stand-in for the condition {other:?}", run.workflow),
        }
    }

    /// Runs one job; the status of its first failing step, or `Ok`.
    fn run(&self, run: Run<'_>) -> Result<(), String> {
        let wf = self.workflow(run.workflow);
        let job = &wf["jobs"][run.job];
        assert!(job.is_object(), "{}: no job {}", run.workflow, run.job);
        if !self.holds(&run, &job["if"]) {
            return Ok(());
        }
        let temp = tempfile::TempDir::new_in(self.dir.path()).unwrap();
        let workspace = temp.path().join("workspace");
        let runner_temp = temp.path().join("runner");
        std::fs::create_dir_all(&runner_temp).unwrap();
        let home = temp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        for step in job["steps"].as_array().unwrap() {
            if !self.holds(&run, &step["if"]) {
                continue;
            }
            let with =
                |k: &str| self.expand(&run, step["with"][k].as_str().unwrap_or(""), &runner_temp);
            if let Some(uses) = step["uses"].as_str() {
                let name = uses.split('@').next().unwrap();
                match name {
                    "actions/checkout" => {
                        git(
                            temp.path(),
                            &["clone", "-q", self.repo.to_str().unwrap(), "workspace"],
                        );
                        git(&workspace, &["checkout", "-q", run.commit]);
                    }
                    "acme/valuestory" => {}
                    "actions/upload-artifact" => {
                        let to = self.artifacts.join(with("name"));
                        let _ = std::fs::remove_dir_all(&to);
                        copy_dir(Path::new(&with("path")), &to);
                    }
                    "actions/download-artifact" => {
                        let pattern = with("pattern");
                        if let Some(prefix) = pattern.strip_suffix('*') {
                            // merge-multiple: every matching artifact into one folder.
                            let entries = std::fs::read_dir(&self.artifacts).into_iter().flatten();
                            for entry in entries.flatten() {
                                let name = entry.file_name().to_string_lossy().into_owned();
                                if name.starts_with(prefix) {
                                    copy_dir(&entry.path(), Path::new(&with("path")));
                                }
                            }
                        } else {
                            copy_dir(&self.artifacts.join(with("name")), Path::new(&with("path")));
                        }
                    }
                    other => panic!("{}: no stand-in for {other}", run.workflow),
                }
                continue;
            }
            let script = step["run"].as_str().unwrap();
            assert!(
                !script.contains("${{"),
                "{}: an expression in a script",
                run.workflow
            );
            let mut cmd = std::process::Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
                .current_dir(if workspace.is_dir() {
                    &workspace
                } else {
                    temp.path()
                })
                .env_clear()
                .env(
                    "PATH",
                    format!(
                        "{}:{}",
                        self.stub.join("bin").display(),
                        std::env::var("PATH").unwrap()
                    ),
                )
                .env("HOME", &home)
                .env("LANG", "C")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("STUB", &self.stub)
                .env("GITHUB_REPOSITORY", "acme/shop")
                .env("GITHUB_SHA", run.commit)
                .env(
                    "GITHUB_SERVER_URL",
                    format!("file://{}", self.server.display()),
                )
                .env("GITHUB_OUTPUT", self.stub.join("github_output"))
                .env("RUNNER_TEMP", &runner_temp);
            if let Some(env) = step["env"].as_object() {
                for (k, v) in env {
                    cmd.env(k, self.expand(&run, v.as_str().unwrap_or(""), &runner_temp));
                }
            }
            let o = cmd.output().unwrap();
            if !o.status.success() {
                return Err(format!(
                    "{}: step {:?} failed: {}{}",
                    run.workflow,
                    step["name"],
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
        }
        Ok(())
    }

    /// The files on `gh-pages` now.
    fn pages(&self) -> BTreeMap<String, Vec<u8>> {
        let at = self.dir.path().join(format!("pages-{}", rand_suffix()));
        git(
            self.dir.path(),
            &[
                "clone",
                "-q",
                "--branch",
                "gh-pages",
                self.server.join("acme/shop.git").to_str().unwrap(),
                at.to_str().unwrap(),
            ],
        );
        std::fs::remove_dir_all(at.join(".git")).unwrap();
        files(&at)
    }

    fn comments(&self) -> Vec<String> {
        let dir = self.stub.join("comments");
        let mut out: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn copy_dir(from: &Path, to: &Path) {
    for (name, bytes) in files(from) {
        let path = to.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn the_generated_workflows_publish_the_site_and_previews_and_clean_up() {
    let s = Scratch::new(None);
    let main = git(&s.repo, &["rev-parse", "HEAD"]).trim().to_string();
    // The default branch's build lands on gh-pages.
    fn publish(commit: &str) -> Run<'_> {
        Run {
            workflow: "valuestory-pages.yml",
            job: "publish",
            action: "",
            number: "",
            commit,
            matrix: "",
        }
    }
    s.run(publish(&main)).unwrap();
    let pages = s.pages();
    assert!(pages.contains_key("index.html") && pages.contains_key(".nojekyll"));
    // A pull request: a new commit on a branch.
    git(&s.repo, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(s.repo.join("b.txt"), "b\n").unwrap();
    commit_all(&s.repo, "feat: b");
    let head = git(&s.repo, &["rev-parse", "HEAD"]).trim().to_string();
    git(&s.repo, &["checkout", "-q", "main"]);
    std::fs::write(s.stub.join("head"), format!("{head}\n")).unwrap();
    let check = |action: &'static str| Run {
        workflow: "valuestory-pr.yml",
        job: "check",
        action,
        number: "7",
        commit: &head,
        matrix: "",
    };
    let preview = || Run {
        workflow: "valuestory-preview.yml",
        job: "preview",
        action: "",
        number: "7",
        commit: &head,
        matrix: "",
    };
    s.run(check("opened")).unwrap();
    s.run(preview()).unwrap();
    let pages = s.pages();
    assert!(
        pages.contains_key("pr-preview/pr-7/index.html"),
        "{:?}",
        pages.keys()
    );
    assert!(pages.contains_key("index.html"), "the main site stays");
    let preview_files: BTreeMap<String, Vec<u8>> = pages
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("pr-preview/pr-7/")?.to_string(), v.clone())))
        .collect();
    assert!(crate::site::broken_links(&preview_files, "/shop/pr-preview/pr-7/").is_empty());
    let comments = s.comments();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].contains("https://acme.github.io/shop/pr-preview/pr-7/"),
        "{}",
        comments[0]
    );
    assert!(
        comments[0].contains("`valuestory check`: no problems."),
        "{}",
        comments[0]
    );
    // A later main build keeps the preview.
    s.run(publish(&main)).unwrap();
    assert!(s.pages().contains_key("pr-preview/pr-7/index.html"));
    // A new push to the pull request updates the one comment.
    s.run(check("synchronize")).unwrap();
    s.run(preview()).unwrap();
    assert_eq!(s.comments().len(), 1);
    assert_eq!(
        std::fs::read_to_string(s.stub.join("patched")).unwrap(),
        "1\n"
    );
    // An artifact from a run whose pull request has moved on deploys nothing, and
    // a number that is not one is refused.
    std::fs::write(s.stub.join("head"), format!("{main}\n")).unwrap();
    s.run(check("closed")).unwrap();
    s.run(preview()).unwrap();
    assert!(
        s.pages().contains_key("pr-preview/pr-7/index.html"),
        "moved on: kept"
    );
    std::fs::write(s.artifacts.join("valuestory/number"), "7; touch /tmp/x\n").unwrap();
    assert!(s.run(preview()).is_err());
    // Closing it removes the preview and leaves the main site.
    std::fs::write(s.stub.join("head"), format!("{head}\n")).unwrap();
    s.run(check("closed")).unwrap();
    s.run(preview()).unwrap();
    let pages = s.pages();
    assert!(
        !pages.keys().any(|k| k.starts_with("pr-preview/pr-7/")),
        "{:?}",
        pages.keys()
    );
    assert!(pages.contains_key("index.html"));
}

/// A repository that already serves a site from `gh-pages`: the value story and
/// its previews go into `value-story/`, and the site's own files stay as they are.
#[test]
fn beside_an_existing_gh_pages_site_the_value_story_takes_a_folder() {
    let ours = "<p>Our product site</p>\n";
    let s = Scratch::new(Some(ours));
    let main = git(&s.repo, &["rev-parse", "main"]).trim().to_string();
    s.run(Run {
        workflow: "valuestory-pages.yml",
        job: "publish",
        action: "",
        number: "",
        commit: &main,
        matrix: "",
    })
    .unwrap();
    let pages = s.pages();
    assert_eq!(pages["index.html"], ours.as_bytes());
    assert!(
        pages.contains_key("value-story/index.html"),
        "{:?}",
        pages.keys()
    );
    let site: BTreeMap<String, Vec<u8>> = pages
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("value-story/")?.to_string(), v.clone())))
        .collect();
    assert!(crate::site::broken_links(&site, "/shop/value-story/").is_empty());
    std::fs::write(s.stub.join("head"), format!("{main}\n")).unwrap();
    let run = |workflow, job, action| Run {
        workflow,
        job,
        action,
        number: "3",
        commit: &main,
        matrix: "",
    };
    s.run(run("valuestory-pr.yml", "check", "opened")).unwrap();
    s.run(run("valuestory-preview.yml", "preview", "")).unwrap();
    let pages = s.pages();
    assert!(pages.contains_key("value-story/pr-preview/pr-3/index.html"));
    assert_eq!(pages["index.html"], ours.as_bytes());
    assert!(s.comments()[0].contains("https://acme.github.io/shop/value-story/pr-preview/pr-3/"));
    s.run(run("valuestory-pr.yml", "check", "closed")).unwrap();
    s.run(run("valuestory-preview.yml", "preview", "")).unwrap();
    let pages = s.pages();
    assert!(!pages.keys().any(|k| k.contains("pr-preview/pr-3/")));
    assert_eq!(pages["index.html"], ours.as_bytes());
    assert!(pages.contains_key("value-story/index.html"));
}

/// The portfolio workflow, job by job: the plan gives one batch a service, the
/// matrix builds what it can (one service cannot be cloned), and the merge job
/// publishes the portfolio with the missing service as a coverage gap.
#[test]
fn the_portfolio_workflow_builds_each_service_and_publishes_the_portfolio() {
    let s = Scratch::portfolio();
    let main = git(&s.repo, &["rev-parse", "HEAD"]).trim().to_string();
    let job = |job, matrix| Run {
        workflow: "valuestory-portfolio.yml",
        job,
        action: "",
        number: "",
        commit: &main,
        matrix,
    };
    s.run(job("plan", "")).unwrap();
    let output = std::fs::read_to_string(s.stub.join("github_output")).unwrap();
    assert_eq!(output.trim(), "batches=[0,1]");
    s.run(job("services", "0")).unwrap();
    s.run(job("services", "1")).unwrap();
    assert!(
        s.artifacts
            .join("valuestory-data-0/svc-a/data.json")
            .is_file()
    );
    assert!(!s.artifacts.join("valuestory-data-1/svc-b").exists());
    s.run(job("portfolio", "")).unwrap();
    let pages = s.pages();
    assert!(pages.contains_key("index.html") && pages.contains_key(".nojekyll"));
    let data: Value = serde_json::from_slice(&pages["data.json"]).unwrap();
    let q = &data["quarters"][0];
    assert_eq!(q["gaps"][0]["service"], "svc-b");
    assert!(
        q["gaps"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no data.json from the CI matrix")
    );
    let html = String::from_utf8_lossy(&pages["index.html"]).into_owned();
    assert!(html.contains("Service A"), "{html}");
}
