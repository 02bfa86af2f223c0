//! Pages: tera 2 templates over view values prepared here, so templates lay out and
//! word things but compute nothing. Templates are embedded in the binary; a theme
//! overrides the shared ones, and a repository's `value/templates/` overrides both.

pub mod bind;
pub mod bounds;
pub mod charts;
pub mod markdown;
mod pages;
pub mod policy;
mod portfolio;
mod views;

pub use pages::{Options, RenderError, pack, site, theme_files, themes};
pub use portfolio::{portfolio, portfolio_pack};

/// A day as people write it: `2026-08-10` (or an RFC 3339 time on that day) is
/// "10 Aug 2026"; `None` for anything that is not a day.
pub fn human_day(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = s.get(..10).filter(|d| d.is_ascii())?;
    let b = day.as_bytes();
    if b[4] != b'-' || b[7] != b'-' || s.len() > 10 && s.as_bytes()[10] != b'T' {
        return None;
    }
    let (y, m, d) = (
        &day[..4],
        day[5..7].parse::<usize>().ok()?,
        day[8..].parse::<u32>().ok()?,
    );
    if !y.bytes().all(|c| c.is_ascii_digit()) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format!("{d} {} {y}", MONTHS[m - 1]))
}

/// A day as people write it, in a `<time>` that keeps the machine form:
/// `2026-08-10T16:00:00Z` is "10 Aug 2026". Anything else is written as it is.
pub(crate) fn day_html(s: &str) -> String {
    match human_day(s) {
        Some(human) => format!("<time datetime=\"{}\">{human}</time>", escape(&s[..10])),
        None => escape(s),
    }
}

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
