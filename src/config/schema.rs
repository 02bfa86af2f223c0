//! The shape of `valuestory.yaml`: which keys each mapping may hold, and whether a
//! value is a mapping, a list or a scalar. The file is checked against it through
//! the located YAML reader the value folder uses, so that every unknown key (with
//! a "did you mean") and every misplaced list or mapping is reported in one run,
//! before the typed reading stops at the first wrong scalar.

use crate::content::yaml::{self, Node, Problems, Value};
use crate::error::Located;

/// What a value may be.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// Text, a number or a boolean.
    Scalar,
    /// Anything (a band limit is read later, by its own rules).
    Any,
    List(&'static Shape),
    Map(&'static [(&'static str, Shape)]),
}

use Shape::{Any, List, Map, Scalar};

const LIMITS: &[(&str, Shape)] = &[("elite", Any), ("high", Any), ("medium", Any)];

const RELEASES: &[(&str, Shape)] = &[
    ("tag_pattern", Scalar),
    ("baseline", Scalar),
    ("hotfix_tag_pattern", Scalar),
    ("lead_time_from", Scalar),
    ("release_chore_pattern", Scalar),
    ("revert_window_days", Scalar),
    ("patch_window_days", Scalar),
    ("non_product_paths", List(&Scalar)),
    (
        "signals",
        Map(&[
            ("reverts", Scalar),
            ("patch_of_fixes", Scalar),
            ("patch_timing", Scalar),
        ]),
    ),
];

const DORA: &[(&str, Shape)] = &[
    ("bands", Scalar),
    ("lead_time", Map(LIMITS)),
    ("change_failure_rate", Map(LIMITS)),
    ("recovery_time", Map(LIMITS)),
    ("deployment_frequency", Map(LIMITS)),
];

const COMPONENT: &[(&str, Shape)] = &[
    ("id", Scalar),
    ("name", Scalar),
    ("paths", List(&Scalar)),
    ("tag_prefix", Scalar),
];

/// The whole file.
pub const CONFIG: Shape = Map(&[
    ("title", Scalar),
    ("base_url", Scalar),
    ("cname", Scalar),
    ("theme", Scalar),
    ("repository_url", Scalar),
    ("forge", Scalar),
    ("releases", Map(RELEASES)),
    (
        "commits",
        Map(&[("exclude_authors", List(&Scalar)), ("paths", List(&Scalar))]),
    ),
    ("dora", Map(DORA)),
    (
        "money",
        Map(&[("currency", Scalar), ("engineer_hour_cost", Scalar)]),
    ),
    (
        "views",
        Map(&[("personal", Scalar), ("personal_exclude", List(&Scalar))]),
    ),
    ("components", List(&Map(COMPONENT))),
    (
        "story",
        Map(&[("min_change", Scalar), ("min_points", Scalar)]),
    ),
    ("incidents_complete", Scalar),
    ("pull_requests", Scalar),
]);

/// Every place where `text` does not fit [`CONFIG`], in the order of the file.
pub fn check(path: &str, text: &str) -> Vec<Located> {
    let node = match yaml::parse(path, text) {
        Ok(node) => node,
        Err(l) => return vec![l],
    };
    let mut problems = Problems::new(path);
    fit(&node, CONFIG, "", &mut problems);
    problems.list
}

fn fit(node: &Node, shape: Shape, name: &str, problems: &mut Problems<'_>) {
    let what = if name.is_empty() {
        "the file".to_string()
    } else {
        format!("`{name}`")
    };
    match (&node.value, shape) {
        (Value::Null, _) | (_, Any) => {}
        (Value::Map(entries), Map(keys)) => {
            for (k, v) in entries {
                let key = k.as_text().unwrap_or_default();
                let full = if name.is_empty() {
                    key.clone()
                } else {
                    format!("{name}.{key}")
                };
                match keys.iter().find(|(n, _)| *n == key) {
                    Some((_, s)) => fit(v, *s, &full, problems),
                    None => {
                        let known: Vec<&str> = keys.iter().map(|(n, _)| *n).collect();
                        let place = if name.is_empty() {
                            String::new()
                        } else {
                            format!(" in `{name}`")
                        };
                        problems.add(
                            k.at,
                            format!(
                                "unknown field `{key}`{place}{}; expected one of {}",
                                yaml::hint(&key, &known),
                                yaml::quoted(&known)
                            ),
                        );
                    }
                }
            }
        }
        (Value::Seq(items), List(item)) => {
            for v in items {
                fit(v, *item, name, problems);
            }
        }
        (Value::Map(_) | Value::Seq(_), Scalar) => {
            problems.add(
                node.at,
                format!("{what} is {}, expected a single value", node.value.kind()),
            );
        }
        (_, Map(_)) => problems.add(
            node.at,
            format!("{what} is {}, expected a mapping", node.value.kind()),
        ),
        (_, List(_)) => problems.add(
            node.at,
            format!("{what} is {}, expected a list", node.value.kind()),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys serde accepts where `prefix` leads (a document `prefix` +
    /// `zzz_unknown: 1`), from its "expected one of" list.
    fn serde_keys(prefix: &str, indent: &str) -> Vec<String> {
        let text = format!("{prefix}{indent}zzz_unknown: 1\n");
        let e = crate::config::parse_typed("c.yaml", &text).expect_err("an unknown key");
        let msg = e.message;
        let list = msg
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("{msg}"));
        let list = list.split(" (did you mean").next().unwrap_or(list);
        let mut keys: Vec<String> = list
            .split(", ")
            .map(|k| k.trim().trim_matches('`').to_string())
            .collect();
        keys.sort();
        keys
    }

    fn shape_keys(shape: Shape) -> Vec<String> {
        let Map(keys) = shape else {
            panic!("not a mapping")
        };
        let mut keys: Vec<String> = keys.iter().map(|(k, _)| k.to_string()).collect();
        keys.sort();
        keys
    }

    /// The shape and the typed reading name the same keys at every level, so that
    /// neither can gain a key the other refuses.
    #[test]
    fn the_shape_names_the_keys_the_typed_reading_takes() {
        assert_eq!(serde_keys("", ""), shape_keys(CONFIG));
        let Map(top) = CONFIG else { unreachable!() };
        for (key, shape) in top {
            match shape {
                Map(_) => assert_eq!(
                    serde_keys(&format!("{key}:\n"), "  "),
                    shape_keys(*shape),
                    "{key}"
                ),
                List(Map(_)) => assert_eq!(
                    serde_keys(&format!("{key}:\n  - id: x\n"), "    "),
                    shape_keys(**match shape {
                        List(s) => s,
                        _ => unreachable!(),
                    }),
                    "{key}"
                ),
                _ => {}
            }
        }
        assert_eq!(
            serde_keys("releases:\n  signals:\n", "    "),
            shape_keys(RELEASES.iter().find(|(k, _)| *k == "signals").unwrap().1)
        );
        assert_eq!(
            serde_keys("dora:\n  lead_time:\n", "    "),
            shape_keys(Map(LIMITS))
        );
    }

    #[test]
    fn every_misfit_is_reported_at_once_with_hints() {
        let text = "titel: x\nreleases:\n  tag_patern: v\n  signals: [1]\ncomponents:\n  - id: a\n    pahts: [x]\nstory: 3\n";
        let found: Vec<String> = check("valuestory.yaml", text)
            .iter()
            .map(|l| {
                l.to_string()
                    .split("; expected")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            found,
            [
                "valuestory.yaml:1:1: unknown field `titel` (did you mean `title`?)",
                "valuestory.yaml:3:3: unknown field `tag_patern` in `releases` (did you mean `tag_pattern`?)",
                "valuestory.yaml:4:12: `releases.signals` is a list, expected a mapping",
                "valuestory.yaml:7:5: unknown field `pahts` in `components` (did you mean `paths`?)",
                "valuestory.yaml:8:8: `story` is a number, expected a mapping",
            ]
        );
    }
}
