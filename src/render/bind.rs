//! Every number a page shows, bound to where it comes from. A [`Fig`] is made from
//! a JSON pointer into data.json, the period the number belongs to and its unit:
//! its text is the value at that pointer written by the unit's one formatter, and
//! its markup says all three (`data-ref`, `data-period`, `data-unit`), so anyone can
//! check a page against data.json, and a page cannot show a number data.json lacks.

use serde::Serialize;
use serde_json::Value;

use super::escape;
use crate::report::Data;
use crate::story::metric::Unit;
use crate::story::{Part, Sentence};

/// data.json as the pages see it, to bind numbers from.
pub struct Bind {
    json: Value,
    currency: Option<String>,
}

/// One number on a page: its text, and its text in the element that binds it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Fig {
    pub text: String,
    /// `<span class="n" data-ref=… data-period=… data-unit=…>text</span>`.
    pub html: String,
    /// The binding attributes alone, for a chart's `<text>`.
    #[serde(skip)]
    pub attrs: String,
}

impl Bind {
    pub fn new(data: &Data) -> Bind {
        Bind {
            json: serde_json::to_value(data).unwrap_or(Value::Null),
            currency: data.cost.currency.clone(),
        }
    }

    /// Numbers bound to any JSON document (a portfolio's data.json), which holds no
    /// money.
    pub fn of(json: Value) -> Bind {
        Bind {
            json,
            currency: None,
        }
    }

    /// The number at `pointer`, written in `unit`, belonging to `period`: a quarter
    /// (`2026-Q3`), a week (`2026-W32`), `since:DAY`, `asof:DAY`, `by:DAY`, or
    /// `target`, `limit`, `estimate`, `rule` for values someone set. A null is
    /// written `–`.
    pub fn num(&self, pointer: impl Into<String>, unit: Unit, period: &str) -> Fig {
        let pointer = pointer.into();
        let value = self.json.pointer(&pointer);
        // A pointer may run through a null (no lead time at all); never past data.json.
        debug_assert!(
            value.is_some() || self.through_null(&pointer),
            "no value at {pointer} in data.json"
        );
        let text = match value.and_then(Value::as_f64) {
            Some(v) => unit.format_in(v, self.currency.as_deref()),
            None => "–".to_string(),
        };
        fig(text, &pointer, unit.name(), period)
    }

    fn through_null(&self, pointer: &str) -> bool {
        let mut at = pointer;
        while let Some((parent, _)) = at.rsplit_once('/') {
            if self.json.pointer(parent).is_some_and(Value::is_null) {
                return true;
            }
            at = parent;
        }
        false
    }

    /// The number at `pointer` when there is one there, else `None`.
    pub fn some(&self, pointer: impl Into<String>, unit: Unit, period: &str) -> Option<Fig> {
        let pointer = pointer.into();
        self.json
            .pointer(&pointer)
            .and_then(Value::as_f64)
            .map(|_| self.num(pointer, unit, period))
    }

    /// A story sentence as markup: its words escaped, its numbers bound, its tags
    /// and quoted titles marked. `at` is where data.json holds the sentence, for
    /// the numbers it holds itself (its relative change).
    pub fn sentence(&self, s: &Sentence, at: &str) -> String {
        parts_at(&s.parts, at)
    }
}

fn fig(text: String, pointer: &str, unit: &str, period: &str) -> Fig {
    let attrs = format!(
        " data-ref=\"{}\" data-period=\"{}\" data-unit=\"{}\"",
        escape(pointer),
        escape(period),
        escape(unit)
    );
    Fig {
        html: format!("<span class=\"n\"{attrs}>{}</span>", escape(&text)),
        text,
        attrs,
    }
}

/// Parts of a sentence as markup.
pub fn parts(parts: &[Part]) -> String {
    parts_at(parts, "")
}

fn parts_at(parts: &[Part], at: &str) -> String {
    let mut out = String::new();
    for p in parts {
        match (&p.pointer, p.kind) {
            (Some(pointer), _) => {
                let pointer = match pointer.starts_with('/') {
                    true => pointer.clone(),
                    false => format!("{at}/{pointer}"),
                };
                let f = fig(
                    p.text.clone(),
                    &pointer,
                    p.unit.unwrap_or_default(),
                    p.period.as_deref().unwrap_or_default(),
                );
                out.push_str(&f.html);
            }
            (None, Some(kind)) => out.push_str(&kind_span(kind, &p.text)),
            (None, None) => out.push_str(&with_human_days(&p.text)),
        }
    }
    out
}

/// Words with the days in them written as people write them, each in a `<time>`
/// that keeps its machine form ("by 2026-12-31" reads "by 31 Dec 2026").
fn with_human_days(text: &str) -> String {
    static DAY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b\d{4}-\d{2}-\d{2}\b").expect("a valid pattern")
    });
    let mut out = String::new();
    let mut from = 0;
    for m in DAY.find_iter(text) {
        out.push_str(&escape(&text[from..m.start()]));
        match super::human_day(m.as_str()) {
            Some(human) => {
                out.push_str(&format!("<time datetime=\"{}\">{human}</time>", m.as_str()))
            }
            None => out.push_str(&escape(m.as_str())),
        }
        from = m.end();
    }
    out.push_str(&escape(&text[from..]));
    out
}

/// Text that may hold digits but is not a number from the data: a tag, an id,
/// text someone wrote, an axis label.
pub fn kind_span(kind: &str, text: &str) -> String {
    format!(
        "<span data-kind=\"{}\">{}</span>",
        escape(kind),
        escape(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(json: Value) -> Bind {
        Bind {
            json,
            currency: Some("USD".into()),
        }
    }

    #[test]
    fn a_figure_is_the_value_at_its_pointer_in_its_unit() {
        let b = bind(serde_json::json!({"q": [{"n": 66, "cost": 80400.0, "none": null}]}));
        let f = b.num("/q/0/n", Unit::Number, "2026-Q3");
        assert_eq!(f.text, "66");
        assert_eq!(
            f.html,
            "<span class=\"n\" data-ref=\"/q/0/n\" data-period=\"2026-Q3\" data-unit=\"number\">66</span>"
        );
        assert_eq!(
            b.num("/q/0/cost", Unit::Money, "since:2025-01-06").text,
            "USD 80,400"
        );
        assert_eq!(b.num("/q/0/none", Unit::Duration, "2026-Q3").text, "–");
        assert!(b.some("/q/0/none", Unit::Duration, "2026-Q3").is_none());
    }

    #[test]
    fn days_in_words_are_written_as_people_write_them() {
        // Digits of other scripts are left as they are, whole.
        assert_eq!(with_human_days("٢٠٢٦-١٢-٣١"), "٢٠٢٦-١٢-٣١");
        assert_eq!(
            with_human_days("by 2026-12-31, <not> 2026-13-01"),
            "by <time datetime=\"2026-12-31\">31 Dec 2026</time>, &lt;not&gt; 2026-13-01"
        );
    }

    #[test]
    fn sentence_words_are_escaped_and_names_marked() {
        let s = crate::story::Words::new()
            .say("a <b> ")
            .tag("v1.0")
            .tone(crate::story::Tone::Neutral);
        assert_eq!(
            parts(&s.parts),
            "a &lt;b&gt; <span data-kind=\"tag\">v1.0</span>"
        );
    }
}
