//! The pages as a browser lays them out, in headless Chromium: on a phone (390 px)
//! nothing runs past the screen unless it is inside a box that scrolls sideways,
//! and no chart's text is smaller than 10 CSS pixels at 390 px or at 1400 px;
//! the pack's slides hold their content.
//!
//! Each page is measured by a copy of it beside the original (so its styles and
//! links resolve) with a script appended that writes what it found into the page;
//! Chromium's `--dump-dom` hands that back.

use std::path::Path;

use crate::support::{chromium, demo_site_and_pack};

/// What the script reports: one line per problem.
const PROBE: &str = r##"<script>
(function () {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && el.className.baseVal === undefined && el.className ? "." + String(el.className).split(" ").join(".") : "");
  // Chart text, at the size it is drawn.
  for (const svg of document.querySelectorAll("svg")) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const r = svg.getBoundingClientRect();
    if (!vb || !vb.width || !r.width) continue;
    const scale = r.width / vb.width;
    for (const t of svg.querySelectorAll("text")) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 10) out.push("small text " + px.toFixed(1) + "px: " + t.textContent);
    }
  }
  // Anything past the right edge, unless a box that scrolls sideways holds it.
  if (document.documentElement.scrollWidth > vw + 1)
    out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + "px");
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let held = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === "auto" || o === "scroll") && p.getBoundingClientRect().right <= vw + 1) { held = true; break; }
    }
    if (!held) out.push("past the edge (" + Math.round(r.right) + "px): " + name(el));
  }
  // Slides: content no taller than the slide.
  for (const s of document.querySelectorAll("section.slide")) {
    if (s.scrollHeight > s.clientHeight + 1)
      out.push("slide taller than itself (" + s.scrollHeight + " > " + s.clientHeight + "): " + (s.getAttribute("aria-label") || ""));
    for (const el of s.querySelectorAll("*")) {
      const r = el.getBoundingClientRect(), b = s.getBoundingClientRect();
      if (r.height && r.bottom > b.bottom + 1) { out.push("past the slide's foot: " + (s.getAttribute("aria-label") || "") + " " + name(el)); break; }
    }
  }
  const pre = document.createElement("pre");
  pre.id = "vs-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"##;

/// Lays `page` out at `width`×`height` and returns what the probe found.
fn probe(chromium: &str, page: &Path, width: u32, height: u32, profile: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(page).unwrap();
    // The copy drops the page's policy, which (rightly) forbids scripts.
    let csp = regex::Regex::new(r#"<meta http-equiv="Content-Security-Policy"[^>]*>"#).unwrap();
    let html = csp
        .replace(&html, "")
        .replace("</body>", &format!("{PROBE}</body>"));
    let copy = page.with_file_name(".probe.html");
    std::fs::write(&copy, html).unwrap();
    let out = std::process::Command::new(chromium)
        .args(valuestory::browser::HEADLESS)
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", copy.display()))
        .output()
        .unwrap();
    std::fs::remove_file(&copy).unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let found = dom
        .split("<pre id=\"vs-probe\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!(
                "{}: the probe did not run: {}",
                page.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let found = found
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&found).unwrap()
}

/// At 390 px (a phone) and 1400 px, every kind of page fits the screen, wide
/// things scroll inside their own box, and chart text stays readable.
#[test]
fn pages_fit_a_phone_and_chart_text_stays_readable() {
    let Some(chromium) = chromium("pages_fit_a_phone_and_chart_text_stays_readable") else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    demo_site_and_pack(dir.path());
    let site = dir.path().join("site");
    let profile = dir.path().join("profile");
    // The probe sees what it looks for: a page too wide, small chart text.
    let control = site.join("control.html");
    std::fs::write(
        &control,
        "<!doctype html><html><body><div id=\"wide\" style=\"width:2000px\">wide</div><div style=\"overflow-x:auto\"><div id=\"held\" style=\"width:3000px\">held</div></div><div style=\"overflow:hidden\"><div id=\"hidden\" style=\"width:3000px\">hidden</div></div><svg viewBox=\"0 0 200 20\" width=\"100\"><text font-size=\"11\">tiny</text></svg></body></html>",
    )
    .unwrap();
    let found = probe(chromium, &control, 390, 900, &profile);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("the page scrolls sideways")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.starts_with("small text 5.5px")),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p.ends_with("div#wide")), "{found:?}");
    // Hiding what overflows does not count as fitting.
    assert!(found.iter().any(|p| p.ends_with("div#hidden")), "{found:?}");
    assert!(!found.iter().any(|p| p.contains("#held")), "{found:?}");
    std::fs::remove_file(&control).unwrap();
    let mut problems = Vec::new();
    for page in [
        "index.html",
        "quarters/2025-q1.html",
        "quarters/2026-q3.html",
        "quarters/2026-q4.html",
        "releases/index.html",
        "releases/v2.0.0.html",
        "streams/index.html",
        "streams/checkout.html",
        "teams/index.html",
        "teams/checkout.html",
        "goals.html",
        "initiatives/index.html",
        "initiatives/one-click.html",
        "incidents.html",
        "case-studies/daily-releases.html",
        "methodology.html",
        "people/index.html",
        "people/bob-lee.html",
    ] {
        assert!(site.join(page).exists(), "{page}");
        for width in [390, 1400] {
            for p in probe(chromium, &site.join(page), width, 900, &profile) {
                problems.push(format!("{page} at {width} px: {p}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// At 1280×720, the size of a printed slide in CSS pixels, no slide's content is
/// taller than the slide, and the deck's charts keep readable text.
#[test]
fn the_packs_slides_hold_their_content() {
    let Some(chromium) = chromium("the_packs_slides_hold_their_content") else {
        return;
    };
    let dir = tempfile::TempDir::new().unwrap();
    demo_site_and_pack(dir.path());
    let problems = probe(
        chromium,
        &dir.path().join("pack.html"),
        1280,
        720,
        &dir.path().join("profile"),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
