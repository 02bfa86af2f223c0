//! Pages: tera 2 templates over view values prepared here, so templates lay out and
//! word things but compute nothing. Templates are embedded in the binary; a theme
//! overrides the shared ones, and a repository's `value/templates/` overrides both.

pub mod bind;
pub mod bounds;
pub mod charts;
pub mod markdown;
mod pages;
pub mod policy;
mod views;

pub use pages::{Options, RenderError, pack, site, theme_files, themes};

/// Durations are written one way everywhere: the story's formatter.
pub use crate::story::metric::duration as human_duration;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
