//! The `TestRepo` builder and helpers to run the binary and plain git.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;
use valuestory::git::{Signature, Writer};
use valuestory::history::{CommitId, GitTime};

/// 2023-11-14T22:13:20Z: every test history starts here.
pub const T0: i64 = 1_700_000_000;
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

pub fn who(seconds: i64) -> Signature {
    Signature::new("Tess Tester", "tess@example.com", GitTime::utc(seconds))
}

/// A repository written in-process, with every commit and tag at a fixed time.
pub struct TestRepo {
    pub root: TempDir,
    pub writer: Writer,
    counter: u32,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        Self::init(false)
    }

    pub fn bare() -> TestRepo {
        Self::init(true)
    }

    fn init(bare: bool) -> TestRepo {
        let root = TempDir::new().unwrap();
        let writer = Writer::init(&root.path().join("repo"), bare).unwrap();
        TestRepo {
            root,
            writer,
            counter: 0,
        }
    }

    /// The repository folder (the work tree, or the git folder when bare).
    pub fn path(&self) -> PathBuf {
        self.root.path().join("repo")
    }

    /// A commit authored and committed at `time`, changing one file.
    pub fn commit(&mut self, parents: &[CommitId], message: &str, time: i64) -> CommitId {
        self.commit_dated(parents, message, time, time)
    }

    pub fn commit_dated(
        &mut self,
        parents: &[CommitId],
        message: &str,
        author_time: i64,
        committer_time: i64,
    ) -> CommitId {
        self.counter += 1;
        let content = format!("change {}\n", self.counter);
        let tree = self
            .writer
            .tree(None, &[("file.txt", Some(content.as_bytes()))])
            .unwrap();
        self.writer
            .commit(
                tree,
                parents,
                &who(author_time),
                &who(committer_time),
                message,
            )
            .unwrap()
    }

    /// A straight line of `n` commits, an hour apart from `start`, on top of `parent`.
    pub fn line(&mut self, parent: Option<CommitId>, n: usize, start: i64) -> Vec<CommitId> {
        let mut out = Vec::new();
        let mut prev = parent;
        for i in 0..n {
            let parents: Vec<CommitId> = prev.into_iter().collect();
            let id = self.commit(
                &parents,
                &format!("feat: step {i}"),
                start + i as i64 * HOUR,
            );
            out.push(id);
            prev = Some(id);
        }
        out
    }

    pub fn main_at(&self, id: CommitId) {
        self.writer.set_branch("main", id).unwrap();
    }

    pub fn tag(&self, name: &str, id: CommitId) {
        self.writer.tag_lightweight(name, id).unwrap();
    }

    pub fn tag_annotated(&self, name: &str, id: CommitId, time: i64) {
        self.writer
            .tag_annotated(name, id, Some(&who(time)), "release\n")
            .unwrap();
    }

    /// A commit on top of `parents` holding exactly `files`, and `main` moved to it.
    pub fn commit_files(
        &self,
        parents: &[CommitId],
        files: &[(&str, &[u8])],
        message: &str,
        time: i64,
    ) -> CommitId {
        let list: Vec<(&str, Option<&[u8]>)> = files.iter().map(|(p, c)| (*p, Some(*c))).collect();
        let tree = self.writer.tree(None, &list).unwrap();
        let id = self
            .writer
            .commit(tree, parents, &who(time), &who(time), message)
            .unwrap();
        self.main_at(id);
        id
    }

    /// `valuestory build` of the whole site into `out`.
    pub fn build_site(&self, out: &Path) -> Output {
        valuestory(
            &[
                "build",
                "--repo",
                self.path().to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            self.root.path(),
        )
    }

    /// Runs `valuestory build --json-only` on this repository and returns the
    /// process output and the parsed data.json (when written).
    pub fn build(&self, extra: &[&str]) -> (Output, Option<serde_json::Value>) {
        self.build_with(extra, &[])
    }

    /// [`TestRepo::build`] with these variables added to the scrubbed environment.
    pub fn build_with(
        &self,
        extra: &[&str],
        vars: &[(&str, &str)],
    ) -> (Output, Option<serde_json::Value>) {
        let out = self.root.path().join("out");
        let _ = std::fs::remove_dir_all(&out);
        let repo = self.path();
        let mut args: Vec<&str> = vec!["build", "--json-only", "--repo"];
        let repo_str = repo.to_str().unwrap().to_string();
        let out_str = out.to_str().unwrap().to_string();
        args.push(&repo_str);
        args.extend(["--out", &out_str]);
        args.extend_from_slice(extra);
        let output = valuestory_with(&args, self.root.path(), vars);
        let data = std::fs::read(out.join("data.json"))
            .ok()
            .map(|b| serde_json::from_slice(&b).unwrap());
        if let Some(data) = &data {
            matches_schema(data);
        }
        (output, data)
    }

    /// Plain git on this repository, for cross-checks.
    pub fn git(&self, args: &[&str]) -> String {
        git(&self.path(), args)
    }
}

/// The environment every child process gets: nothing from the developer's machine.
fn scrubbed(cmd: &mut Command, home: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LANG", "C")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
}

pub fn valuestory(args: &[&str], cwd: &Path) -> Output {
    valuestory_with(args, cwd, &[])
}

/// `valuestory` with these variables added to the scrubbed environment.
pub fn valuestory_with(args: &[&str], cwd: &Path, vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_valuestory"));
    cmd.args(args).current_dir(cwd);
    scrubbed(&mut cmd, cwd);
    cmd.envs(vars.iter().copied());
    cmd.output().unwrap()
}

/// `valuestory` as [`valuestory`] runs it, killed after `limit`: `None` when it
/// had not finished by then (a hang is a failure, not a stuck test run).
pub fn valuestory_within(args: &[&str], cwd: &Path, limit: std::time::Duration) -> Option<Output> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_valuestory"));
    cmd.args(args).current_dir(cwd);
    scrubbed(&mut cmd, cwd);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

/// git's output as bytes, for contents that need not be text.
pub fn git_bytes(dir: &Path, args: &[&str]) -> Vec<u8> {
    git_bytes_with(dir, args, &[])
}

/// `git_bytes` with these variables added to the scrubbed environment.
pub fn git_bytes_with(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    scrubbed(&mut cmd, dir);
    cmd.envs(vars.iter().copied());
    let out = cmd.output().expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `git add -A` and a commit of everything in the working tree at `dir`.
pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(
        dir,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            message,
        ],
    );
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(git_bytes(dir, args)).expect("git printed text")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn release<'a>(data: &'a serde_json::Value, tag: &str) -> &'a serde_json::Value {
    data["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tag"] == tag)
        .unwrap_or_else(|| panic!("no release {tag}"))
}

pub fn ids(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

pub fn tags_in_order(data: &serde_json::Value) -> Vec<String> {
    data["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"].as_str().unwrap().to_string())
        .collect()
}

/// The demo's sample repository in `dir/sample`, its site in `dir/site` and its
/// 2026-Q3 pack in `dir/pack.html`; returns the site's data.json.
pub fn demo_site_and_pack(dir: &Path) -> serde_json::Value {
    let repo = dir.join("sample");
    valuestory::demo::create(&repo).unwrap();
    let r = repo.to_str().unwrap();
    let site = valuestory(&["build", "--repo", r, "--out", "site"], dir);
    assert!(site.status.success(), "{}", stderr(&site));
    let pack = valuestory(
        &[
            "pack",
            "--repo",
            r,
            "--quarter",
            "2026-Q3",
            "--out",
            "pack.html",
        ],
        dir,
    );
    assert!(pack.status.success(), "{}", stderr(&pack));
    let data = serde_json::from_slice(&std::fs::read(dir.join("site/data.json")).unwrap()).unwrap();
    matches_schema(&data);
    data
}

/// Whether a tool a test needs (`what`, which `.ci/run` installs) `works`.
/// Without it the test says so, loudly, and passes on a developer's machine; in
/// CI (`CI` set) it fails, since CI that cannot run the test must not pass.
pub fn ci_tool(test: &str, what: &str, works: bool) -> bool {
    if works {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {what} is missing, and CI must run this test (`.ci/run` installs it)");
    }
    eprintln!("\n*** SKIPPED {test}: {what} is not installed (`.ci/run` installs it). ***\n");
    false
}

/// Headless Chromium for a test that needs it, as [`ci_tool`] says.
pub fn chromium(test: &str) -> Option<&'static str> {
    let found = valuestory::browser::find();
    ci_tool(test, "Debian's chromium", found.is_some())
        .then_some(found)
        .flatten()
}

/// Every file under `root`, by its path from there with `/` between folders.
pub fn files(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// `valuestory schema`, made strict: every object it describes with properties
/// admits no others (`unevaluatedProperties`, so that the variants of a flattened
/// enum count as its own), so a field data.json writes and the schema does not
/// describe is caught too (the published schema admits fields added later).
fn strict_schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| strict(&["schema"]))
}

/// `valuestory schema --portfolio`, made strict as [`strict_schema`] is.
fn strict_portfolio_schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| strict(&["schema", "--portfolio"]))
}

/// The schema `valuestory ARGS` prints, every object closed.
fn strict(args: &[&str]) -> jsonschema::Validator {
    {
        let out = Command::new(env!("CARGO_BIN_EXE_valuestory"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let mut schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // `part`: a branch of a parent's oneOf/anyOf/allOf, whose properties the
        // parent's closing covers.
        fn close(v: &mut serde_json::Value, part: bool) {
            match v {
                serde_json::Value::Object(map) => {
                    let open = !map.contains_key("additionalProperties")
                        && !map.contains_key("unevaluatedProperties");
                    let has_properties = map.contains_key("properties");
                    if has_properties && open && !part {
                        map.insert("unevaluatedProperties".into(), false.into());
                    }
                    for (key, value) in map.iter_mut() {
                        let branches = matches!(key.as_str(), "oneOf" | "anyOf" | "allOf");
                        match value {
                            serde_json::Value::Array(items) if branches => {
                                items.iter_mut().for_each(|i| close(i, has_properties))
                            }
                            other => close(other, false),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| close(i, false)),
                _ => {}
            }
        }
        close(&mut schema, false);
        jsonschema::validator_for(&schema).unwrap()
    }
}

/// Fails unless `data` (a portfolio's data.json) validates against
/// `valuestory schema --portfolio`, made strict.
pub fn matches_portfolio_schema(data: &serde_json::Value) {
    let errors: Vec<String> = strict_portfolio_schema()
        .iter_errors(data)
        .take(20)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the portfolio's data.json does not match `valuestory schema --portfolio`:\n{}",
        errors.join("\n")
    );
}

/// Where `data` (a data.json) breaks the strict `valuestory schema`.
pub fn schema_errors(data: &serde_json::Value) -> Vec<String> {
    strict_schema()
        .iter_errors(data)
        .take(20)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fails unless `data` (a data.json) validates against `valuestory schema`.
pub fn matches_schema(data: &serde_json::Value) {
    let errors = schema_errors(data);
    assert!(
        errors.is_empty(),
        "data.json does not match `valuestory schema`:\n{}",
        errors.join("\n")
    );
}

/// The text of an HTML page as a reader sees it: its tags dropped.
pub fn text_of(html: &str) -> String {
    let tag = regex::Regex::new(r"<[^>]*>").unwrap();
    tag.replace_all(html, "").into_owned()
}
