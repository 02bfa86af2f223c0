//! Headless Chromium, for `pack --pdf` (and the tests' screenshots): where it is and
//! the flags it needs here (no sandbox as root; no background network traffic,
//! which a closed network would refuse many times over).

/// The first Chromium-like browser on `PATH` that answers `--version`.
pub fn find() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Flags for a quiet, offline, headless run.
pub const HEADLESS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
