//! `valuestory serve`: build from the working tree into a private temporary folder,
//! serve it on 127.0.0.1, rebuild when the config, the value folder or a template
//! changes, and reload the open page. A build that fails keeps the last good site on
//! screen with the error above it, and in the terminal; the server keeps running.
//!
//! Each build runs in a child process (`valuestory build`), so that a template that
//! hits a rendering bound ends that build, not the server. Only requests naming this
//! server as `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT` get content (a page
//! elsewhere cannot rebind its name to this machine and read the site), and a fixed
//! number of threads serve connections.

mod http;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// What the page polls: the build number, and the last error if the last build failed.
struct State {
    version: AtomicU64,
    error: Mutex<Option<String>>,
}

/// The build-error banner: white on dark red (7.1:1), wrapping, above the page.
const SERVE_CSS: &str = ".serve-error{background:#8c1d18;color:#fff;font:14px/1.45 ui-monospace,monospace;padding:1rem 1.25rem;margin:0;white-space:pre-wrap;overflow-wrap:anywhere;border-bottom:4px solid #5c120f}\n";

const RELOAD_JS: &str = "(function(){var v=null;function poll(){fetch('/__valuestory/version').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t}).catch(function(){}).finally(function(){setTimeout(poll,700)})}poll()})();\n";

/// Set by SIGINT and SIGTERM: the server stops and removes its folder.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

pub fn run(repo: Option<PathBuf>, port: u16, quiet: bool) -> Result<()> {
    let discovered = crate::git::Repository::discover(repo.as_deref())?;
    let root = discovered
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Refused("serve needs a repository with a working tree".into()))?;
    // A commit, a new tag or a moved branch changes what a build reads too.
    let git_dirs = vec![
        discovered.git_dir().to_path_buf(),
        discovered.common_dir().to_path_buf(),
    ];
    // Listening first: a port in use fails before anything is written.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| Error::Refused(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let folder = private_folder()?;
    let site = folder.path().join("site");
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let state = Arc::new(State {
        version: AtomicU64::new(0),
        error: Mutex::new(None),
    });
    let build = Build {
        root: root.clone(),
        site: site.clone(),
        quiet,
        child: Arc::new(Mutex::new(None)),
    };
    build.run(&state);
    if !quiet {
        eprintln!("serving on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    }
    let building = Arc::clone(&build.child);
    let watcher = {
        let state = Arc::clone(&state);
        std::thread::spawn(move || watch(&build, &git_dirs, &state))
    };
    let hosts = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    http::serve(listener, &STOP, |request| {
        let host_ok = request
            .host
            .as_deref()
            .is_some_and(|h| hosts.iter().any(|ok| ok.eq_ignore_ascii_case(h)));
        if !host_ok {
            return http::Response::text(
                403,
                "this server answers only to 127.0.0.1, localhost and [::1] with its port\n",
            );
        }
        respond(&request.path, &site, &state)
    });
    // A build still running would write into the folder after it is gone.
    STOP.store(true, Ordering::SeqCst);
    if let Some(pid) = *building.lock().unwrap_or_else(|e| e.into_inner()) {
        // SAFETY: signals the child this server started and has not yet reaped.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let _ = watcher.join();
    drop(folder);
    if !quiet {
        eprintln!("stopped");
    }
    Ok(())
}

/// A new folder with a private, unpredictable name, removed when it is dropped.
fn private_folder() -> Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("valuestory-serve-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir().map_err(|e| {
        Error::io(
            "cannot create a temporary folder in",
            std::env::temp_dir(),
            e,
        )
    })
}

/// Until the server stops: rebuild when anything a build reads changes, once per
/// burst of changes (an editor's save, a commit and its tag), after nothing has
/// moved for 150 ms or at most 2 s.
fn watch(build: &Build, git_dirs: &[PathBuf], state: &State) {
    let mut seen = snapshot(&build.root, git_dirs);
    while !STOP.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(400));
        let mut now = snapshot(&build.root, git_dirs);
        if now == seen {
            continue;
        }
        let burst = std::time::Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let later = snapshot(&build.root, git_dirs);
            let settled = later == now || burst.elapsed() > Duration::from_secs(2);
            now = later;
            if settled {
                break;
            }
        }
        seen = now;
        build.run(state);
    }
}

/// How to build the site: `valuestory build --worktree` in a child process.
struct Build {
    root: PathBuf,
    site: PathBuf,
    quiet: bool,
    /// The process id of the build running now, to end it when the server stops.
    child: Arc<Mutex<Option<u32>>>,
}

impl Build {
    fn run(&self, state: &State) {
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("valuestory"));
        let output = std::process::Command::new(exe)
            .arg("-q")
            .arg("build")
            .arg("--worktree")
            .arg("--repo")
            .arg(&self.root)
            .arg("--out")
            .arg(&self.site)
            .arg("--base-url")
            .arg("/")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|child| {
                *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child.id());
                let output = child.wait_with_output();
                *self.child.lock().unwrap_or_else(|e| e.into_inner()) = None;
                output
            });
        let error = match output {
            Ok(o) if o.status.success() => None,
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stderr);
                let text = text.trim().trim_start_matches("error: ");
                Some(if text.is_empty() {
                    format!("the build stopped ({})", o.status)
                } else {
                    text.to_string()
                })
            }
            Err(e) => Some(format!("cannot run the build: {e}")),
        };
        match &error {
            None if !self.quiet => eprintln!("built"),
            None => {}
            Some(message) => eprintln!("error: {message}"),
        }
        *state.error.lock().unwrap_or_else(|e| e.into_inner()) = error;
        state.version.fetch_add(1, Ordering::SeqCst);
    }
}

/// Modification times of everything a build reads: the configuration, the mailmap
/// and the value folder in the working tree, and the git files that move when a
/// commit is made or a tag or branch is added or moved (`HEAD`, `packed-refs`,
/// `refs/`).
fn snapshot(root: &Path, git_dirs: &[PathBuf]) -> BTreeMap<PathBuf, SystemTime> {
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = vec![root.join("valuestory.yaml"), root.join(".mailmap")];
    for git in git_dirs {
        files.push(git.join("HEAD"));
        files.push(git.join("packed-refs"));
    }
    for file in files {
        if let Ok(m) = std::fs::metadata(&file).and_then(|m| m.modified()) {
            out.insert(file, m);
        }
    }
    let mut folders = 0;
    walk(&root.join("value"), &mut out, &mut folders);
    for git in git_dirs {
        walk(&git.join("refs"), &mut out, &mut folders);
    }
    out
}

/// The files under `dir` with their modification times, at most 10,000 folders
/// deep in all (shared through `folders`).
fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, SystemTime>, folders: &mut usize) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        *folders += 1;
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            // Linked folders are not walked into: a link loop would never end.
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && *folders < 10_000 {
                stack.push(p);
            } else if let Ok(m) = std::fs::metadata(&p).and_then(|m| m.modified()) {
                out.insert(p, m);
            }
        }
    }
}

fn respond(path: &str, site: &Path, state: &State) -> http::Response {
    if path == "/__valuestory/version" {
        return http::Response::text(200, &state.version.load(Ordering::SeqCst).to_string());
    }
    if path == "/__valuestory/serve.css" {
        return http::Response::new(200, "text/css", SERVE_CSS.as_bytes().to_vec());
    }
    if path == "/__valuestory/reload.js" {
        return http::Response::new(200, "text/javascript", RELOAD_JS.as_bytes().to_vec());
    }
    let mut relative = percent_decode(path.trim_start_matches('/'));
    if relative.is_empty() || relative.ends_with('/') {
        relative.push_str("index.html");
    }
    // Nothing outside the site folder is served.
    if relative
        .split('/')
        .any(|p| p == ".." || p == "." || p.is_empty() || p.contains('\\'))
    {
        return http::Response::text(404, "not found\n");
    }
    let file = site.join(&relative);
    let (bytes, status) = match std::fs::read(&file) {
        Ok(b) => (b, 200),
        Err(_) => (
            std::fs::read(site.join("404.html")).unwrap_or_default(),
            404,
        ),
    };
    let kind = match file.extension().and_then(|e| e.to_str()) {
        _ if status == 404 => "text/html; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let body = if kind.starts_with("text/html") {
        live(&String::from_utf8_lossy(&bytes), state).into_bytes()
    } else {
        bytes
    };
    http::Response::new(status, kind, body)
}

/// Under `serve` only: the page may run the reload script, and shows the last
/// build error if there is one.
fn live(html: &str, state: &State) -> String {
    // The banner's style is a stylesheet of the server's own, which the page's
    // policy allows (same origin), not an inline style, which it forbids.
    let mut html = html
        .replacen("script-src 'none'", "script-src 'self'", 1)
        .replacen(
            "</head>",
            "<link rel=\"stylesheet\" href=\"/__valuestory/serve.css\">\n</head>",
            1,
        )
        .replacen(
            "</body>",
            "<script src=\"/__valuestory/reload.js\"></script>\n</body>",
            1,
        );
    if let Some(error) = state
        .error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        // serve builds the working tree: so must the check it points to.
        let error = error.replace("`valuestory check`", "`valuestory check --worktree`");
        let banner = format!(
            "<pre class=\"serve-error\" role=\"alert\">The last build failed; this is the previous site.\n{}</pre>",
            crate::render::escape(&error)
        );
        html = html.replacen("<body>", &format!("<body>\n{banner}"), 1);
    }
    html
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
