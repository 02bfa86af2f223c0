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
    // HTML's own blanks only: a no-break space is text to a browser, and text
    // opens the body.
    let attrs = r#"(?:[\t\n\x0C\r ]+[^\t\n\x0C\r "'>/=]+(?:[\t\n\x0C\r ]*=[\t\n\x0C\r ]*(?:"[^"]*"|'[^']*'|[^\t\n\x0C\r "'=<>`]+))?)*[\t\n\x0C\r ]*"#;
    let blank = r"[\t\n\x0C\r ]*";
    Regex::new(&format!(
        r"\A{blank}(?:<!doctype[\t\n\x0C\r ]+html{blank}>{blank})?(?:<html{attrs}>{blank}<head{attrs}>)?"
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

/// The first thing in `html` that only script, a frame, a plugin or a redirect
/// needs: a `script`, `base`, `iframe`, `frame(set)`, `object` or `embed` element
/// (in any namespace: `<svg><script>` runs too), a `<meta http-equiv>`, an `on*`
/// attribute, or a `javascript:` URL in an attribute. The page is read by an HTML
/// parser as a browser reads it (html5ever), so comments, raw text, CDATA and
/// foreign content hide nothing; `<noscript>` and `<template>` contents are
/// inspected too.
pub fn forbidden(html: &str) -> Option<Forbidden> {
    let sink = parse(html);
    sink.found.into_inner()
}

/// Whether the first element in the page's `<head>` is the policy `policy`, as a
/// browser parses the page.
pub fn policy_leads_head(html: &str, policy: &str) -> bool {
    let sink = parse(html);
    let first = sink.head_first.into_inner();
    first.is_some_and(|node| node.policy.as_deref() == Some(policy))
}

fn parse(html: &str) -> Inspect {
    use html5ever::tendril::TendrilSink;
    let mut opts = html5ever::ParseOpts::default();
    // Parsed as with scripting off, `<noscript>` content is markup and inspected.
    opts.tree_builder.scripting_enabled = false;
    html5ever::parse_document(Inspect::default(), opts).one(html)
}

/// A node as the inspection needs it: its name, and the policy it carries when it
/// is a `<meta http-equiv="Content-Security-Policy">`.
#[derive(Debug)]
struct Node {
    name: html5ever::QualName,
    policy: Option<String>,
    annotation_xml: bool,
}

type Handle = std::rc::Rc<Node>;

/// A tree sink that builds no tree: it sees every element the parser creates, with
/// its attributes, and where the head's first element goes.
struct Inspect {
    document: Handle,
    found: std::cell::RefCell<Option<Forbidden>>,
    head_first: std::cell::RefCell<Option<Handle>>,
    head_seen: std::cell::Cell<bool>,
    line: std::cell::Cell<u64>,
}

impl Default for Inspect {
    fn default() -> Inspect {
        Inspect {
            document: node(html5ever::QualName::new(
                None,
                html5ever::ns!(),
                html5ever::local_name!(""),
            )),
            found: Default::default(),
            head_first: Default::default(),
            head_seen: Default::default(),
            line: std::cell::Cell::new(1),
        }
    }
}

fn node(name: html5ever::QualName) -> Handle {
    std::rc::Rc::new(Node {
        name,
        policy: None,
        annotation_xml: false,
    })
}

impl Inspect {
    fn flag(&self, what: String) {
        let mut found = self.found.borrow_mut();
        if found.is_none() {
            *found = Some(Forbidden {
                what,
                line: self.line.get() as usize,
            });
        }
    }

    fn check(&self, name: &html5ever::QualName, attrs: &[html5ever::Attribute]) {
        let local: &str = &name.local;
        let local = local.to_ascii_lowercase();
        match local.as_str() {
            "script" | "base" | "iframe" | "frame" | "frameset" | "object" | "embed" => {
                self.flag(format!("<{local}>"));
            }
            "meta"
                if attrs
                    .iter()
                    .any(|a| (*a.name.local).eq_ignore_ascii_case("http-equiv")) =>
            {
                self.flag("<meta http-equiv>".into());
            }
            _ => {}
        }
        for a in attrs {
            let attr = a.name.local.to_ascii_lowercase();
            if attr.starts_with("on") && attr.len() > 2 {
                self.flag(format!("an event handler attribute `{attr}`"));
            }
            if is_script_url(&a.value) {
                self.flag(format!("a javascript: URL in `{attr}`"));
            }
        }
    }

    fn appended(&self, parent: &Handle, child: &html5ever::tree_builder::NodeOrText<Handle>) {
        use html5ever::tree_builder::NodeOrText;
        if &*parent.name.local == "head"
            && parent.name.ns == html5ever::ns!(html)
            && let NodeOrText::AppendNode(child) = child
            && !self.head_seen.replace(true)
        {
            *self.head_first.borrow_mut() = Some(child.clone());
        }
    }
}

impl html5ever::tree_builder::TreeSink for Inspect {
    type Handle = Handle;
    type Output = Self;
    type ElemName<'a> = &'a html5ever::QualName;

    fn finish(self) -> Self {
        self
    }
    fn parse_error(&self, _: std::borrow::Cow<'static, str>) {}
    fn get_document(&self) -> Handle {
        self.document.clone()
    }
    fn elem_name<'a>(&'a self, target: &'a Handle) -> &'a html5ever::QualName {
        &target.name
    }
    fn create_element(
        &self,
        name: html5ever::QualName,
        attrs: Vec<html5ever::Attribute>,
        flags: html5ever::tree_builder::ElementFlags,
    ) -> Handle {
        self.check(&name, &attrs);
        let value = |n: &str| {
            attrs
                .iter()
                .find(|a| (*a.name.local).eq_ignore_ascii_case(n))
                .map(|a| a.value.to_string())
        };
        let policy = (&*name.local == "meta"
            && value("http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("content-security-policy")))
        .then(|| value("content").unwrap_or_default());
        std::rc::Rc::new(Node {
            name,
            policy,
            annotation_xml: flags.mathml_annotation_xml_integration_point,
        })
    }
    fn create_comment(&self, _: html5ever::tendril::StrTendril) -> Handle {
        node(html5ever::QualName::new(
            None,
            html5ever::ns!(),
            html5ever::local_name!(""),
        ))
    }
    fn create_pi(
        &self,
        _: html5ever::tendril::StrTendril,
        _: html5ever::tendril::StrTendril,
    ) -> Handle {
        node(html5ever::QualName::new(
            None,
            html5ever::ns!(),
            html5ever::local_name!(""),
        ))
    }
    fn append(&self, parent: &Handle, child: html5ever::tree_builder::NodeOrText<Handle>) {
        self.appended(parent, &child);
    }
    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        _: &Handle,
        child: html5ever::tree_builder::NodeOrText<Handle>,
    ) {
        self.appended(element, &child);
    }
    fn append_doctype_to_document(
        &self,
        _: html5ever::tendril::StrTendril,
        _: html5ever::tendril::StrTendril,
        _: html5ever::tendril::StrTendril,
    ) {
    }
    fn get_template_contents(&self, target: &Handle) -> Handle {
        target.clone()
    }
    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        std::rc::Rc::ptr_eq(x, y)
    }
    fn set_quirks_mode(&self, _: html5ever::tree_builder::QuirksMode) {}
    fn append_before_sibling(&self, _: &Handle, _: html5ever::tree_builder::NodeOrText<Handle>) {}
    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<html5ever::Attribute>) {
        self.check(&target.name, &attrs);
    }
    fn remove_from_parent(&self, _: &Handle) {}
    fn reparent_children(&self, _: &Handle, _: &Handle) {}
    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        handle.annotation_xml
    }
    fn set_current_line(&self, line: u64) {
        self.line.set(line);
    }
}

/// `javascript:` after the stripping of blanks and control characters a browser
/// does to a URL (the parser has already decoded character references).
fn is_script_url(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:") || squeezed.contains("vbscript:")
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

    #[test]
    fn markup_hidden_from_a_simple_tokenizer_is_found_as_a_browser_parses_it() {
        for html in [
            "<!--<a title=\"--><img src=x onerror=alert(1)>\"-->",
            "</ <a title=\"><iframe src=/x>\">",
            "<textarea><a title=\"</textarea><base href=//evil/>\">",
            "<svg><![CDATA[<a x=\"]]><script>alert(1)</script>\">]]></svg>",
            "<!--<a title=\"--><meta http-equiv=refresh content=0;url=https://evil.example>\"-->",
            "<svg><script>alert(1)</script></svg>",
            "<script/x>",
            "<noscript><iframe src=x></iframe></noscript>",
            "<template><object data=x></object></template>",
            "<math><annotation-xml encoding=\"text/html\"><embed src=x></annotation-xml></math>",
            "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
        ] {
            assert!(forbidden(html).is_some(), "{html}");
        }
    }

    #[test]
    fn the_policy_leads_the_head_as_a_browser_parses_it() {
        let policy = "default-src 'self'";
        for page in [
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>x</title>",
            "<p>no doctype</p>",
            "\u{a0}<!doctype html><html><head><title>x</title>",
            "<!doctype html><html\u{a0}lang=en><head><title>x</title>",
            "<!doctype html><!-- <html><head> --><html><head><link rel=stylesheet href=x>",
        ] {
            let out = with_csp(page, policy);
            assert!(policy_leads_head(&out, policy), "{out}");
        }
        assert!(!policy_leads_head(
            "<!doctype html><html><head><title>x</title><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">",
            policy
        ));
    }
}
