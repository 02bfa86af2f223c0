//! Markdown for case studies: pulldown-cmark to HTML, then ammonia so raw HTML from
//! an untrusted pull request cannot run script or load anything.

pub fn to_html(markdown: &str) -> String {
    let html = crate::content::parse::markdown_html(markdown);
    // Sanitizing is quadratic in nesting depth; `check` refuses such a case study,
    // and here it is shown as text rather than parsed.
    if crate::content::parse::html_too_deep(&html).is_some() {
        return format!("<pre>{}</pre>", super::escape(markdown));
    }
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&html)
        .to_string()
}

/// A case study's Markdown with its computed figures: each `{{ metric(...) }}`
/// becomes `figure(&it)`, HTML valuestory made, put in after sanitizing so that no
/// attribute of it comes from the text. Placeholders are private-use characters,
/// which the text itself may not hold.
pub fn with_figures(
    markdown: &str,
    figure: impl Fn(&crate::content::shortcodes::Figure) -> String,
) -> String {
    const OPEN: char = '\u{E000}';
    const CLOSE: char = '\u{E001}';
    let clean: String = markdown
        .chars()
        .filter(|c| *c != OPEN && *c != CLOSE)
        .collect();
    let (figures, _) = crate::content::shortcodes::figures(&clean);
    let mut text = String::with_capacity(clean.len());
    let mut from = 0;
    for (i, f) in figures.iter().enumerate() {
        text.push_str(&clean[from..f.start]);
        text.push_str(&format!("{OPEN}{i}{CLOSE}"));
        from = f.end;
    }
    text.push_str(&clean[from..]);
    let mut html = to_html(&text);
    for (i, f) in figures.iter().enumerate() {
        html = html.replacen(&format!("{OPEN}{i}{CLOSE}"), &figure(f), 1);
    }
    html
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_and_handlers_are_removed() {
        let html = super::to_html(
            "# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n[x](javascript:alert(3))",
        );
        assert!(html.contains("<h1>Hi</h1>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("javascript:"));
    }
}
