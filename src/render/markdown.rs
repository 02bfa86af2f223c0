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
