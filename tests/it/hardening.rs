//! The second red-team review: each case reproduces what it found (a committed link
//! publishing `.git/config`, a template dropping the policy, an unbounded render,
//! a hanging cache read, a site lost to a kill between two renames) and pins the
//! outcome now.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const SECRET: &str = "extraheader = AUTHORIZATION: basic c2VjcmV0LXRva2Vu";

/// A repository made with plain git in a working tree: `files`, then `links`
/// (path, target), committed and tagged v1.0.0; `.git/config` holds a secret.
fn worktree(files: &[(&str, &str)], links: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::TempDir::new().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let mut config = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    config.push_str(&format!("[http \"https://github.com/\"]\n\t{SECRET}\n"));
    std::fs::write(repo.join(".git/config"), config).unwrap();
    std::fs::write(repo.join("README.md"), "# x\n").unwrap();
    for (path, text) in files {
        let full = repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    for (path, target) in links {
        let full = repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
    }
    commit_all(&repo, "feat: x");
    git(&repo, &["tag", "v1.0.0"]);
    (dir, repo)
}

fn run(repo: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    let repo_str = repo.to_str().unwrap();
    all.extend(["--repo", repo_str]);
    valuestory(&all, repo.parent().unwrap())
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn site_contains(site: &Path, needle: &str) -> bool {
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if String::from_utf8_lossy(&std::fs::read(&p).unwrap()).contains(needle) {
                return true;
            }
        }
    }
    false
}

#[test]
fn a_committed_link_into_the_git_folder_is_refused_and_never_published() {
    let (dir, repo) = worktree(&[], &[("value/templates/404.html", "../../.git/config")]);
    let site = dir.path().join("site");
    let out = run(
        &repo,
        &["build", "--worktree", "--out", site.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("value/templates/404.html:1:1: resolves to")
            && text(&out).contains("inside a git folder; refused"),
        "{}",
        text(&out)
    );
    assert!(!site.exists() || !site_contains(&site, "c2VjcmV0"));
    let check = run(&repo, &["check", "--worktree"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    // From the committed tree the link names `.git/config`, which no tree holds.
    let out = run(&repo, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!site_contains(&site, "c2VjcmV0"), "the token was published");
}

#[test]
fn a_link_through_a_linked_folder_into_the_git_folder_is_refused() {
    // Every component is resolved: the last one is a plain name here.
    let (_dir, repo) = worktree(&[], &[("value/templates", "../.git")]);
    let out = run(&repo, &["check", "--worktree"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("value/templates:1:1: resolves to"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("inside a git folder"), "{}", text(&out));
}

#[test]
fn a_linked_value_folder_inside_the_tree_is_followed_and_one_outside_refused() {
    let goals = "- id: faster\n  title: Ship faster\n";
    let (_dir, repo) = worktree(
        &[("docs/value/goals.yaml", goals)],
        &[("value", "docs/value")],
    );
    for args in [
        &["build", "--worktree", "--json-only"][..],
        &["build", "--json-only"][..],
    ] {
        let out_dir = repo.parent().unwrap().join("out");
        let mut all = args.to_vec();
        all.extend(["--out", out_dir.to_str().unwrap()]);
        let out = run(&repo, &all);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        let data: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out_dir.join("data.json")).unwrap()).unwrap();
        assert_eq!(data["goals"][0]["title"], "Ship faster", "{args:?}");
    }
    let elsewhere = tempfile::TempDir::new().unwrap();
    std::fs::write(elsewhere.path().join("goals.yaml"), goals).unwrap();
    let (_dir, repo) = worktree(&[], &[("value", elsewhere.path().to_str().unwrap())]);
    let out = run(&repo, &["check", "--worktree"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("outside the repository; refused"),
        "{}",
        text(&out)
    );
}

const NO_POLICY: &str = "<!doctype html><html><head><title>{% block title %}{% endblock title %}</title></head><body>{% block content %}{% endblock content %}<script>alert(1)</script></body></html>";

#[test]
fn the_policy_is_the_generators_and_untrusted_templates_cannot_add_script() {
    let (dir, repo) = worktree(&[("value/templates/base.html", NO_POLICY)], &[]);
    let site = dir.path().join("site");
    let out = run(&repo, &["build", "--out", site.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut pages = 0;
    for page in [
        "index.html",
        "methodology.html",
        "404.html",
        "releases/index.html",
    ] {
        let html = std::fs::read_to_string(site.join(page)).unwrap();
        let at = html
            .find("<meta http-equiv=\"Content-Security-Policy\"")
            .unwrap_or(usize::MAX);
        assert!(
            at < html.find("<title>").unwrap(),
            "{page}: no policy before the title"
        );
        assert!(html.contains("script-src 'none'"), "{page}");
        pages += 1;
    }
    assert_eq!(pages, 4);
    let site2 = dir.path().join("site2");
    let out = run(
        &repo,
        &["build", "--untrusted", "--out", site2.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("template value/templates/base.html: line 1: <script> is not allowed"),
        "{}",
        text(&out)
    );
    assert!(!site2.exists(), "an untrusted build wrote a site");
    let check = run(&repo, &["check", "--untrusted"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(
        text(&check).contains("value/templates/base.html:1:1:"),
        "{}",
        text(&check)
    );
    for (name, markup) in [
        ("handler", "<p onclick=\"x()\">"),
        (
            "refresh",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://evil\">",
        ),
        ("base", "<base href=\"https://evil/\">"),
        ("frame", "<iframe src=\"https://evil\"></iframe>"),
        ("object", "<object data=\"x\"></object>"),
        ("embed", "<embed src=\"x\">"),
        ("url", "<a href=\"javascript:alert(1)\">x</a>"),
    ] {
        let page = format!(
            "{{% extends \"base.html\" %}}{{% block content %}}\n{markup}{{% endblock content %}}"
        );
        let (_d, repo) = worktree(&[("value/templates/index.html", &page)], &[]);
        let out = run(
            &repo,
            &["build", "--untrusted", "--json-only", "--out", "x"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: --json-only renders nothing"
        );
        let out = run(&repo, &["build", "--untrusted", "--out", "site"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        assert!(
            text(&out).contains("template value/templates/index.html: line 2:"),
            "{name}: {}",
            text(&out)
        );
    }
}

#[test]
fn check_renders_a_repositorys_templates() {
    let page = "{% extends \"base.html\" %}{% block content %}\n{% include \"missing.html\" %}{% endblock content %}";
    let (_dir, repo) = worktree(&[("value/templates/index.html", page)], &[]);
    let out = run(&repo, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("value/templates/index.html:"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("no problems found"), "{}", text(&out));
}

#[test]
fn a_template_looping_without_writing_is_stopped_after_ten_seconds() {
    let page = "{% extends \"base.html\" %}{% block content %}{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% for k in range(end=100000) %}{% endfor %}{% endfor %}{% endfor %}{% endblock content %}";
    let (dir, repo) = worktree(&[("value/templates/index.html", page)], &[]);
    let started = Instant::now();
    let out = run(
        &repo,
        &["build", "--out", dir.path().join("site").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out)
            .contains("template index.html: rendering took over 10 s, the limit for one page"),
        "{}",
        text(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Runs the binary, failing the test if it does not end within `limit`.
fn run_within(repo: &Path, args: &[&str], limit: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_valuestory"));
    cmd.args(args)
        .args(["--repo", repo.to_str().unwrap()])
        .current_dir(repo.parent().unwrap())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", repo.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("valuestory {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn caches_that_are_not_regular_files_of_plausible_size_are_ignored_without_blocking() {
    let team = "- id: web\n  name: Web\n  paths: [web/]\n";
    let (_dir, repo) = worktree(&[("value/teams.yaml", team)], &[]);
    let cache = repo.join(".git/valuestory");
    for damage in ["fifo", "sparse"] {
        let _ = std::fs::remove_dir_all(&cache);
        std::fs::create_dir_all(&cache).unwrap();
        for name in ["commits.cache", "diffstat.cache"] {
            let path = cache.join(name);
            match damage {
                "fifo" => {
                    let status = Command::new("mkfifo").arg(&path).status().unwrap();
                    assert!(status.success());
                }
                _ => std::fs::File::create(&path)
                    .unwrap()
                    .set_len(3 << 30)
                    .unwrap(),
            }
        }
        let out = run_within(
            &repo,
            &["build", "--json-only", "--out", "out"],
            Duration::from_secs(60),
        );
        assert_eq!(out.status.code(), Some(0), "{damage}: {}", text(&out));
        assert!(
            text(&out).contains("ignoring the commit cache"),
            "{damage}: {}",
            text(&out)
        );
        assert!(
            text(&out).contains("ignoring the diff cache"),
            "{damage}: {}",
            text(&out)
        );
    }
}

#[test]
fn a_value_file_over_the_limit_is_refused_before_it_is_read() {
    // 64 MiB in the tree: reading it would take more memory than the whole build.
    let repo = TestRepo::new();
    let huge = vec![b'#'; 64 << 20];
    let c = repo.commit_files(
        &[],
        &[("README.md", b"x".as_slice()), ("value/goals.yaml", &huge)],
        "feat: x",
        T0,
    );
    repo.tag("v1.0.0", c);
    drop(huge);
    // The check runs with 48 MiB of data memory at most: reading the file whole
    // would fail to allocate and abort.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_valuestory"));
    cmd.args(["check", "--repo", repo.path().to_str().unwrap()]);
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 48 << 20,
                rlim_max: 48 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("value/goals.yaml:1:1: is 67108864 bytes; value folder files may be at most 1048576 bytes"),
        "{}",
        text(&out)
    );
}

/// Builds `repo` into `site` with a kill injected at `step`.
fn build_killed_at(repo: &TestRepo, site: &Path, step: &str, rename: bool) -> Output {
    let mut vars = vec![("VALUESTORY_TEST_CRASH_AT", step)];
    if rename {
        vars.push(("VALUESTORY_TEST_NO_EXCHANGE", "1"));
    }
    let mut args = vec!["build", "--repo"];
    let r = repo.path();
    args.push(r.to_str().unwrap());
    args.extend(["--out", site.to_str().unwrap()]);
    valuestory_with(&args, repo.root.path(), &vars)
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".valuestory-") && n != ".valuestory-site")
        .collect()
}

#[test]
fn a_build_killed_at_any_step_of_the_swap_leaves_a_whole_site_and_the_next_one_tidies_up() {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 3, T0);
    repo.main_at(line[0]);
    repo.tag("v1.0.0", line[0]);
    let site = repo.root.path().join("site");
    assert!(repo.build_site(&site).status.success());
    let mut tag = 1;
    for (step, rename) in [
        ("filled", false),
        ("swapped", false),
        ("filled", true),
        ("moved-aside", true),
        ("swapped", true),
    ] {
        tag += 1;
        let name = format!("v{tag}.0.0");
        repo.main_at(line[tag.min(2)]);
        repo.tag(&name, line[tag.min(2)]);
        let out = build_killed_at(&repo, &site, step, rename);
        assert_eq!(
            out.status.code(),
            None,
            "{step}: the kill did not happen: {}",
            text(&out)
        );
        // Whatever the step, a whole site is there or comes back with the next verb.
        let next = repo.build_site(&site);
        assert!(next.status.success(), "{step} {rename}: {}", text(&next));
        assert!(site.join("index.html").is_file(), "{step} {rename}");
        assert!(
            site.join(format!("releases/{name}.html")).is_file(),
            "{step} {rename}"
        );
        assert!(
            leftovers(repo.root.path()).is_empty(),
            "{step} {rename}: {:?}",
            leftovers(repo.root.path())
        );
    }
    // Killed between the two renames, with nothing run since: the site is missing
    // until the next build puts one back, before writing anything else.
    let out = build_killed_at(&repo, &site, "moved-aside", true);
    assert_eq!(out.status.code(), None);
    assert!(!site.exists());
    let (json, _) = repo.build(&[]);
    assert!(json.status.success());
    let next = repo.build_site(&site);
    assert!(
        text(&next).contains("an earlier build stopped while replacing"),
        "{}",
        text(&next)
    );
    assert!(site.join("index.html").is_file());
    let _ = &mut repo;
}

#[test]
fn a_data_json_left_half_written_does_not_block_the_next_build() {
    let repo = {
        let mut r = TestRepo::new();
        let line = r.line(None, 2, T0);
        r.main_at(line[1]);
        r.tag("v1.0.0", line[1]);
        r
    };
    let site = repo.root.path().join("site");
    assert!(repo.build_site(&site).status.success());
    let r = repo.path();
    let out = valuestory_with(
        &[
            "build",
            "--json-only",
            "--repo",
            r.to_str().unwrap(),
            "--out",
            site.to_str().unwrap(),
        ],
        repo.root.path(),
        &[("VALUESTORY_TEST_CRASH_AT", "file-written")],
    );
    assert_eq!(out.status.code(), None, "{}", text(&out));
    assert!(
        leftovers(&site)
            .iter()
            .any(|n| n.starts_with(".data.json.valuestory-"))
    );
    let next = repo.build_site(&site);
    assert!(next.status.success(), "{}", text(&next));
    assert!(leftovers(&site).is_empty(), "{:?}", leftovers(&site));
}

#[test]
fn serve_answers_only_to_its_own_names_and_removes_its_folder() {
    let (dir, repo) = worktree(&[], &[]);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_valuestory"))
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--repo",
            repo.to_str().unwrap(),
        ])
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let get = |host: &str| -> Option<String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        Some(body)
    };
    let own = format!("127.0.0.1:{port}");
    let mut page = None;
    for _ in 0..120 {
        page = get(&own).filter(|b| b.starts_with("HTTP/1.1 200"));
        if page.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let result = std::panic::catch_unwind(|| {
        assert!(page.is_some(), "the site never came");
        assert!(
            get(&format!("localhost:{port}"))
                .unwrap()
                .starts_with("HTTP/1.1 200")
        );
        for host in [
            format!("evil.example:{port}"),
            "127.0.0.1".to_string(),
            format!("127.0.0.1:{}", port.wrapping_add(1)),
        ] {
            let answer = get(&host).unwrap();
            assert!(answer.starts_with("HTTP/1.1 403"), "{host}: {answer}");
        }
        // Slow clients (a byte a second, never done) hold a worker for 5 s at most:
        // with every worker held, a request is still answered.
        let stop_slow = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let slow: Vec<_> = (0..12)
            .map(|_| {
                let stop = std::sync::Arc::clone(&stop_slow);
                std::thread::spawn(move || {
                    use std::io::Write;
                    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                        return;
                    };
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        if s.write_all(b"G").is_err() {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(500));
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        let asked = Instant::now();
        let answer = {
            use std::io::{Read, Write};
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            write!(
                s,
                "GET /index.html HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            body
        };
        stop_slow.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in slow {
            let _ = t.join();
        }
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "slow clients starved the server: {answer:?}"
        );
        assert!(
            asked.elapsed() < Duration::from_secs(20),
            "{:?}",
            asked.elapsed()
        );
        // A template that captures without bound ends its build, not the server,
        // which shows the error over the last good site.
        let bomb = "{% extends \"base.html\" %}{% block content %}{% set x %}{% for i in range(end=10000) %}{% for j in range(end=10000) %}0123456789abcdef{% endfor %}{% endfor %}{% endset %}{% endblock content %}";
        std::fs::create_dir_all(repo.join("value/templates")).unwrap();
        std::fs::write(repo.join("value/templates/index.html"), bomb).unwrap();
        let mut shown = false;
        for _ in 0..120 {
            if get(&own).is_some_and(|b| {
                b.contains("The last build failed") && b.contains("held over 64 MiB")
            }) {
                shown = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        assert!(shown, "the bounded build's error never showed");
        std::fs::remove_file(repo.join("value/templates/index.html")).unwrap();
        // The folder is private and unpredictably named.
        let made: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
        assert_eq!(made.len(), 1);
        let name = made[0].file_name().to_string_lossy().into_owned();
        assert!(name.starts_with("valuestory-serve-") && name != format!("valuestory-serve-{}", 0));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            made[0].metadata().unwrap().permissions().mode() & 0o077,
            0,
            "{name}"
        );
    });
    // SAFETY: signals our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "serve left its folder behind"
    );
    // A port in use: nothing is left either.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_valuestory"))
        .args([
            "serve",
            "--port",
            &busy.local_addr().unwrap().port().to_string(),
            "--repo",
            repo.to_str().unwrap(),
        ])
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

#[test]
fn csv_cells_that_would_run_as_formulas_are_neutralised() {
    let incidents = "- { id: I-1, title: \"=HYPERLINK(\\\"http://evil\\\")\", started: 2023-11-14T00:00:00Z }\n- { id: I-2, title: \"@SUM(1+1)\", started: 2023-11-15T00:00:00Z }\n";
    let (dir, repo) = worktree(&[("value/incidents.yaml", incidents)], &[]);
    let site = dir.path().join("site");
    let out = run(&repo, &["build", "--out", site.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let csv = std::fs::read_to_string(site.join("data/incidents.csv")).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(1+1),"), "{csv}");
}

#[test]
fn a_read_only_old_site_is_replaced_with_a_warning_and_exit_zero() {
    // Permissions bind only a user who is not root: as root, the builds run as
    // `nobody` through setpriv, in folders given to it.
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    let (dir, repo) = worktree(&[], &[]);
    let public = dir.path().join("public");
    std::fs::create_dir_all(&public).unwrap();
    let sh = |args: &[&str]| {
        let status = Command::new(args[0])
            .args(&args[1..])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "{args:?}");
    };
    sh(&["chmod", "-R", "a+rwX"]);
    if root {
        sh(&["chown", "-R", "65534:65534"]);
    }
    let site = public.join("site");
    let build = || {
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_valuestory"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_valuestory"))
        };
        cmd.args(["build", "--no-cache", "--repo", repo.to_str().unwrap()])
            .args(["--out", site.to_str().unwrap()])
            .current_dir(&public)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &public)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        cmd.output().unwrap()
    };
    let first = build();
    assert!(first.status.success(), "{}", text(&first));
    // The one who builds can no longer empty the old site's folders.
    let status = Command::new("chmod")
        .args(["-R", "a-w"])
        .arg(&site)
        .status()
        .unwrap();
    assert!(status.success());
    let second = build();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert!(
        text(&second).contains("the new site is in place, but the previous copy"),
        "{}",
        text(&second)
    );
    assert!(site.join("index.html").is_file());
    sh(&["chmod", "-R", "u+w"]);
}

#[test]
fn diff_untrusted_names_a_template_that_brings_in_script() {
    let (_dir, repo) = worktree(&[], &[]);
    git(&repo, &["checkout", "-q", "-b", "change"]);
    let page = "{% extends \"base.html\" %}{% block content %}\n<script>steal()</script>{% endblock content %}";
    std::fs::create_dir_all(repo.join("value/templates")).unwrap();
    std::fs::write(repo.join("value/templates/index.html"), page).unwrap();
    commit_all(&repo, "docs: page");
    let trusted = run(&repo, &["diff", "main..change"]);
    assert!(trusted.status.success(), "{}", text(&trusted));
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("No new problems"));
    let untrusted = run(&repo, &["diff", "main..change", "--untrusted"]);
    assert!(untrusted.status.success(), "{}", text(&untrusted));
    let markdown = String::from_utf8_lossy(&untrusted.stdout);
    assert!(
        markdown.contains("This change introduces 1 problem"),
        "{markdown}"
    );
    assert!(
        markdown.contains("`value/templates/index.html:2:1`"),
        "{markdown}"
    );
    assert!(markdown.contains("<script> is not allowed"), "{markdown}");
}

#[test]
fn a_nested_clones_git_folder_and_an_output_inside_the_git_folder_are_refused() {
    let (dir, repo) = worktree(
        &[("vendor/lib/.git/config", SECRET)],
        &[("value/templates/404.html", "../../vendor/lib/.git/config")],
    );
    let out = run(&repo, &["check", "--worktree"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("inside a git folder; refused"),
        "{}",
        text(&out)
    );
    let inside = repo.join(".git/site");
    let out = run(&repo, &["build", "--out", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("refusing to write a site inside the git folder"),
        "{}",
        text(&out)
    );
    assert!(!inside.exists());
    drop(dir);
}
