//! What a page may do is the generator's decision, not a template's: the
//! Content-Security-Policy goes into every page after rendering, where an override
//! cannot remove it, and with `--untrusted` a repository's templates may not bring in
//! script, handlers, frames, plugins or a `<base>`.

use std::sync::LazyLock;

use regex::Regex;

/// For the site: its own stylesheet, nothing that runs.
pub const SITE_CSP: &str =
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
/// For the pack: one self-contained file, styles inline, images only as data.
pub const PACK_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; base-uri 'none'; form-action 'none'";

/// A doctype, then `<html ...>` and `<head ...>` with nothing else between them
/// (attributes parsed with their quotes, so `<html x="><head>">` cannot pass for a
/// head).
static PROLOGUE: LazyLock<Regex> = LazyLock::new(|| {
    let attrs = r#"(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*"#;
    Regex::new(&format!(
        r"\A\s*(?:<!doctype\s+html\s*>\s*)?(?:<html{attrs}>\s*<head{attrs}>)?"
    ))
    .expect("valid regex")
});

/// The page with the policy as the first element the parser meets: inside `<head>`
/// when the page starts with one, otherwise right after the doctype, where the
/// parser opens the head for it.
pub fn with_csp(html: &str, policy: &str) -> String {
    // Matched in lower case (the same byte offsets), as HTML's names are.
    let at = PROLOGUE
        .find(&html.to_ascii_lowercase())
        .map_or(0, |m| m.end());
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">");
    let mut out = String::with_capacity(html.len() + meta.len() + 1);
    out.push_str(&html[..at]);
    if at > 0 {
        out.push('\n');
        out.push_str(&meta);
    } else {
        out.push_str(&meta);
        out.push('\n');
    }
    out.push_str(&html[at..]);
    out
}

/// Something a page from an untrusted repository may not contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    pub what: String,
    /// The 1-based line of the page it is on.
    pub line: usize,
}

/// The first thing in `html` that only script, a frame, a plugin or a redirect needs:
/// `<script`, an `on*=` attribute, `<meta http-equiv`, `<base`, `<iframe`,
/// `<object`, `<embed`, or a `javascript:` URL in an attribute.
pub fn forbidden(html: &str) -> Option<Forbidden> {
    let bytes = html.as_bytes();
    let line_of = |at: usize| bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + off;
        let tag = Tag::parse(html, start + 1);
        i = tag.end.max(start + 1);
        let name = tag.name.to_ascii_lowercase();
        let found = |what: String| {
            Some(Forbidden {
                what,
                line: line_of(start),
            })
        };
        match name.as_str() {
            "script" | "base" | "iframe" | "object" | "embed" | "frame" | "frameset" => {
                return found(format!("<{name}>"));
            }
            "meta"
                if tag
                    .attrs
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("http-equiv")) =>
            {
                return found("<meta http-equiv>".into());
            }
            _ => {}
        }
        for (attr, value) in &tag.attrs {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") && attr.len() > 2 {
                return found(format!("an event handler attribute `{attr}`"));
            }
            if is_script_url(value) {
                return found(format!("a javascript: URL in `{attr}`"));
            }
        }
    }
    None
}

/// `javascript:` after the entity decoding and the stripping of blanks and control
/// characters a browser does to a URL.
fn is_script_url(value: &str) -> bool {
    let decoded = decode_entities(&value.to_ascii_lowercase());
    let squeezed: String = decoded
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:") || squeezed.contains("vbscript:")
}

fn decode_entities(s: &str) -> String {
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"&#(x[0-9a-f]+|[0-9]+);?|&colon;|&tab;|&newline;").expect("valid regex")
    });
    ENTITY
        .replace_all(s, |c: &regex::Captures<'_>| match &c[0] {
            "&colon;" => ":".to_string(),
            "&tab;" | "&newline;" => String::new(),
            _ => {
                let n = &c[1];
                let code = match n.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                };
                code.and_then(char::from_u32)
                    .map(String::from)
                    .unwrap_or_default()
            }
        })
        .into_owned()
}

/// A start tag as an HTML tokenizer reads it: its name, its attributes with their
/// values, and where it ends.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    end: usize,
}

impl<'a> Tag<'a> {
    /// Reads from just after `<`; anything that is not a start tag has no name.
    fn parse(html: &'a str, from: usize) -> Tag<'a> {
        let b = html.as_bytes();
        let none = Tag {
            name: "",
            attrs: Vec::new(),
            end: from,
        };
        if from >= b.len() || !b[from].is_ascii_alphabetic() {
            return none;
        }
        let mut i = from;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = &html[from..i];
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                return Tag {
                    name,
                    attrs,
                    end: (i + 1).min(b.len()),
                };
            }
            let n0 = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'>' | b'/' | b'=')
            {
                i += 1;
            }
            // An attribute name may start with `=` in the tokenizer; take it whole.
            if i == n0 {
                i += 1;
            }
            let attr = &html[n0..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let quote = b[i];
                    let v0 = i + 1;
                    let close = memchr::memchr(quote, &b[v0..]).map_or(b.len(), |o| v0 + o);
                    value = &html[v0..close];
                    i = (close + 1).min(b.len());
                } else {
                    let v0 = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &html[v0..i];
                }
            }
            attrs.push((attr, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_goes_inside_a_plain_head() {
        let page = with_csp(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>x</title>",
            "P",
        );
        assert!(
            page.starts_with(
                "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta http-equiv=\"Content-Security-Policy\" content=\"P\">\n<title>"
            ),
            "{page}"
        );
    }

    #[test]
    fn a_head_hidden_in_an_attribute_or_comment_is_not_taken_for_one() {
        for (page, prefix) in [
            (
                "<!doctype html><html x=\"><head>\"><head><title>x</title>",
                "<!doctype html><html x=\"><head>\"><head>\n",
            ),
            (
                "<!doctype html><!-- <html><head> --><html><head>",
                "<!doctype html>\n",
            ),
            ("<!DOCTYPE html><title><head></title>", "<!DOCTYPE html>\n"),
            ("<p>no doctype</p>", ""),
        ] {
            let out = with_csp(page, "P");
            assert!(
                out.starts_with(&format!(
                    "{prefix}<meta http-equiv=\"Content-Security-Policy\""
                )),
                "{out}"
            );
        }
    }

    #[test]
    fn untrusted_markup_is_found_with_its_line() {
        let cases = [
            ("<p>\n<script>x</script>", "<script>", 2),
            (
                "<img src=x onerror=alert(1)>",
                "an event handler attribute `onerror`",
                1,
            ),
            (
                "<a href=\"java&#115;cript:alert(1)\">",
                "a javascript: URL in `href`",
                1,
            ),
            (
                "<a href=' JAVA\tSCRIPT:x'>",
                "a javascript: URL in `href`",
                1,
            ),
            (
                "\n\n<META HTTP-EQUIV=refresh content=0>",
                "<meta http-equiv>",
                3,
            ),
            ("<base href=//evil>", "<base>", 1),
            ("<iframe src=x>", "<iframe>", 1),
            ("<object data=x>", "<object>", 1),
            ("<embed src=x>", "<embed>", 1),
        ];
        for (html, what, line) in cases {
            assert_eq!(
                forbidden(html),
                Some(Forbidden {
                    what: what.into(),
                    line
                }),
                "{html}"
            );
        }
    }

    #[test]
    fn escaped_text_and_quoted_values_are_not_markup() {
        for html in [
            "<p title=\"a onload=x\">the one=two &lt;script&gt;</p>",
            "<span data-x='<script>'>x</span>",
            "<meta charset=\"utf-8\"><a href=\"https://example.com/javascript\">",
        ] {
            assert_eq!(forbidden(html), None, "{html}");
        }
    }
}
