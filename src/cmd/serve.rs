//! `valuestory serve`: build from the working tree into a temporary folder, serve it
//! on 127.0.0.1, rebuild when the config, the value folder or a template changes,
//! and reload the open page. A build that fails keeps the last good site on screen
//! with the error above it, and in the terminal; the server keeps running.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::cmd::build::{self, BuildOptions};
use crate::cmd::input::Source;
use crate::error::{Error, Result};

/// What the page polls: the build number, and the last error if the last build failed.
struct State {
    version: AtomicU64,
    error: Mutex<Option<String>>,
}

const RELOAD_JS: &str = "(function(){var v=null;function poll(){fetch('/__valuestory/version').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v){location.reload()}v=t}).catch(function(){}).finally(function(){setTimeout(poll,700)})}poll()})();\n";

pub fn run(repo: Option<PathBuf>, port: u16, quiet: bool) -> Result<()> {
    let site = std::env::temp_dir()
        .join(format!("valuestory-serve-{}", std::process::id()))
        .join("site");
    let options = BuildOptions {
        source: Source {
            repo: repo.clone(),
            worktree: true,
            ..Source::default()
        },
        out: site.clone(),
        base_url: Some("/".to_string()),
        json_only: false,
    };
    let state = Arc::new(State {
        version: AtomicU64::new(0),
        error: Mutex::new(None),
    });
    rebuild(&options, &state, quiet);
    let root = crate::git::Repository::discover(repo.as_deref())?
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Refused("serve needs a repository with a working tree".into()))?;
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| Error::Refused(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    if !quiet {
        eprintln!("serving on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    }
    let watcher_state = Arc::clone(&state);
    std::thread::spawn(move || {
        let mut seen = snapshot(&root);
        loop {
            std::thread::sleep(Duration::from_millis(400));
            let now = snapshot(&root);
            if now != seen {
                seen = now;
                rebuild(&options, &watcher_state, quiet);
            }
        }
    });
    loop {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        let response = respond(request.url(), &site, &state);
        let _ = request.respond(response);
    }
}

fn rebuild(options: &BuildOptions, state: &State, quiet: bool) {
    match build::run(options) {
        Ok(_) => {
            *state.error.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if !quiet {
                eprintln!("built");
            }
        }
        Err(e) => {
            let message = e.to_string();
            eprintln!("error: {message}");
            *state.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
        }
    }
    state.version.fetch_add(1, Ordering::SeqCst);
}

/// Modification times of everything a build reads from the working tree.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, SystemTime> {
    let mut out = BTreeMap::new();
    for file in ["valuestory.yaml", ".mailmap"] {
        if let Ok(m) = std::fs::metadata(root.join(file)).and_then(|m| m.modified()) {
            out.insert(root.join(file), m);
        }
    }
    let mut stack = vec![root.join("value")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(m) = e.metadata().and_then(|m| m.modified()) {
                out.insert(p, m);
            }
        }
    }
    out
}

fn respond(url: &str, site: &Path, state: &State) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = |k: &str, v: &str| {
        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
    };
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == "/__valuestory/version" {
        return tiny_http::Response::from_string(state.version.load(Ordering::SeqCst).to_string())
            .with_header(header("Cache-Control", "no-store"));
    }
    if path == "/__valuestory/reload.js" {
        return tiny_http::Response::from_string(RELOAD_JS)
            .with_header(header("Content-Type", "text/javascript"));
    }
    let mut relative = percent_decode(path.trim_start_matches('/'));
    if relative.is_empty() || relative.ends_with('/') {
        relative.push_str("index.html");
    }
    // Nothing outside the site folder is served.
    if relative.split('/').any(|p| p == ".." || p.is_empty()) {
        return tiny_http::Response::from_string("not found").with_status_code(404);
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
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let body = if kind.starts_with("text/html") || status == 404 {
        live(&String::from_utf8_lossy(&bytes), state).into_bytes()
    } else {
        bytes
    };
    tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(header(
            "Content-Type",
            if status == 404 {
                "text/html; charset=utf-8"
            } else {
                kind
            },
        ))
        .with_header(header("Cache-Control", "no-store"))
}

/// Under `serve` only: the page may run the reload script, and shows the last
/// build error if there is one.
fn live(html: &str, state: &State) -> String {
    let mut html = html
        .replace("script-src 'none'", "script-src 'self'")
        .replace(
            "</body>",
            "<script src=\"/__valuestory/reload.js\"></script>\n</body>",
        );
    if let Some(error) = state
        .error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        let banner = format!(
            "<pre class=\"serve-error\" style=\"background:#b3261e;color:#fff;padding:1rem;margin:0;white-space:pre-wrap\">The last build failed; this is the previous site.\n{}</pre>",
            crate::render::escape(error)
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
