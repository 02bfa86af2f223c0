//! The portfolio's page: where the services stand, key by key, with names.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::bind::Bind;
use super::pages::{RenderError, engine, theme_file};
use super::{bounds, policy};
use crate::portfolio::model::{Distribution, KEYS, Model, NO_CI_DATA, NO_TAGS, NOT_IN_HISTORY};
use crate::story::metric::Unit;

/// The portfolio's files: `index.html` and its stylesheet (data.json is the
/// caller's).
pub fn portfolio(model: &Model, generator: &str) -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
    let tera = engine("default", &[])?;
    let mut context = tera::Context::new();
    context.insert(
        "site",
        &json!({"title": model.title, "generator": generator, "portfolio": true,
            "sections": {}, "value_folder": true}),
    );
    context.insert("root", "");
    context.insert("path", "index.html");
    context.insert("page", &view(&Page::new(model, generator)));
    let html = bounds::watched(|watch| watch.render(&tera, "portfolio.html", &context))?;
    let mut files = BTreeMap::new();
    files.insert(
        "index.html".to_string(),
        policy::with_csp(&html, policy::SITE_CSP).into_bytes(),
    );
    let css = theme_file("default", "style.css").unwrap_or(b"");
    files.insert("assets/style.css".into(), css.to_vec());
    files.insert(".nojekyll".into(), Vec::new());
    Ok(files)
}

/// Quarters in the quarter-by-quarter table; data.json has them all.
const RECENT_QUARTERS: usize = 8;

const SERVICES: Unit = Unit::Count {
    one: "service",
    many: "services",
};
const TEAMS: Unit = Unit::Count {
    one: "team",
    many: "teams",
};

/// The portfolio's data.json, to bind every number the page and the pack show.
fn bind(model: &Model, generator: &str) -> Bind {
    let data = crate::portfolio::model::Data {
        schema_version: crate::report::SCHEMA_VERSION,
        generator: generator.to_string(),
        model,
    };
    Bind::of(serde_json::to_value(&data).unwrap_or(Value::Null))
}

/// "services have" after "N of M": the noun agrees with M, the verb with N.
fn services_have(n: usize, total: usize) -> String {
    format!(
        "{} {}",
        if total == 1 { "service" } else { "services" },
        if n == 1 { "has" } else { "have" }
    )
}

/// Where the page and the pack take their values from, and how they bind them.
struct Page<'a> {
    model: &'a Model,
    bind: Bind,
}

impl<'a> Page<'a> {
    fn new(model: &'a Model, generator: &str) -> Page<'a> {
        Page {
            model,
            bind: bind(model, generator),
        }
    }

    fn name(&self, id: &str) -> String {
        self.model.name_of(id)
    }

    fn href(&self, id: &str) -> Option<String> {
        self.model
            .services
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.site.clone())
    }

    /// The count at `pointer`, as a plain number, of `period`.
    fn n(&self, pointer: String, period: &str) -> String {
        self.bind.num(pointer, Unit::Number, period).html
    }

    /// One key's services by band, each count bound; `at` is the list of keys.
    fn keys(&self, keys: &[Distribution], at: &str, period: &str) -> Vec<Value> {
        keys.iter()
            .enumerate()
            .map(|(k, d)| {
                json!({"name": d.name,
                    "levels": d.levels.iter().enumerate().map(|(l, g)| json!({"level": g.level,
                        "count": self.n(format!("{at}/{k}/levels/{l}/count"), period),
                        "names": g.services.iter().map(|s| self.name(s)).collect::<Vec<_>>(),
                        "services": g.services.iter().map(|id| json!({"id": id, "name": self.name(id), "href": self.href(id)}))
                            .collect::<Vec<_>>()}))
                        .collect::<Vec<_>>(),
                    "too_few_count": self.n(format!("{at}/{k}/too_few_count"), period),
                    "too_few": d.too_few.iter().map(|u| json!({"name": self.name(&u.service), "note": u.note}))
                        .collect::<Vec<_>>()})
            })
            .collect()
    }

    /// "1 of 3 services has no release tags, so no band: it is not counted as low."
    fn gap_sentence(&self, i: usize) -> String {
        let q = &self.model.quarters[i];
        let total = self.model.service_count;
        let of_total = self.n("/service_count".to_string(), &q.period);
        let mut out = Vec::new();
        for (j, g) in q.gap_counts.iter().enumerate() {
            let n = self.n(format!("/quarters/{i}/gap_counts/{j}/count"), &q.period);
            let have = services_have(g.count, total);
            let rest = match g.reason {
                NO_TAGS => format!(
                    "no release tags, so no band: {} not counted as low.",
                    if g.count == 1 { "it is" } else { "they are" }
                ),
                NOT_IN_HISTORY => format!("no history in {}.", q.period),
                NO_CI_DATA => format!(
                    "no data from the CI matrix: {} build failed or did not run.",
                    if g.count == 1 { "its" } else { "their" }
                ),
                other => format!("{other}."),
            };
            out.push(format!("{n} of {of_total} {have} {rest}"));
        }
        out.join(" ")
    }

    /// Each goal's targets: the services in each status, counts bound.
    fn goals(&self, period: &str) -> Vec<Value> {
        self.model.goals.iter().enumerate().map(|(gi, g)| {
            json!({"title": g.title, "owner": g.owner,
                "targets": g.targets.iter().enumerate().map(|(ti, t)| {
                    let at = format!("/goals/{gi}/targets/{ti}");
                    let when = t.by.as_ref().map_or(period.to_string(), |b| format!("by:{b}"));
                    json!({
                        "label": format!("{}: target {}{}", t.metric.replace('_', " "), t.target,
                            t.by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()),
                        "measured": t.measured,
                        "groups": t.statuses.iter().enumerate().map(|(si, s)| json!({"status": s.status,
                            "count": self.n(format!("{at}/statuses/{si}/count"), &when),
                            "some": s.count > 0,
                            "names": s.services.iter().map(|id| self.name(id)).collect::<Vec<_>>()}))
                            .collect::<Vec<_>>(),
                        "no_data": t.no_data.iter().map(|id| self.name(id)).collect::<Vec<_>>(),
                        "no_data_count": self.n(format!("{at}/no_data_count"), &when),
                    })
                }).collect::<Vec<_>>()})
        }).collect()
    }

    /// Each initiative, service by service, counts bound to the day each service's
    /// data.json counted them on.
    fn initiatives(&self, period: &str) -> Vec<Value> {
        let model = self.model;
        model.initiatives.iter().enumerate().map(|(ii, i)| {
            json!({"title": i.title, "status": i.status.words(),
                "goal": model.goals.iter().find(|g| g.id == i.goal).map_or(i.goal.clone(), |g| g.title.clone()),
                "services": i.services.iter().enumerate().map(|(wi, w)| {
                    let at = |f: &str| format!("/initiatives/{ii}/services/{wi}/{f}");
                    let when = w.as_of.as_ref().map_or(period.to_string(), |d| format!("asof:{d}"));
                    let commits = |f: &str| self.bind.num(at(f), crate::story::metric::COMMITS, &when).html;
                    json!({"name": self.name(&w.service), "href": self.href(&w.service),
                        "commits": commits("commits"), "shipped": commits("shipped_commits"),
                        "releases": self.n(at("releases"), &when),
                        "last_release": w.last_release, "waiting": commits("unreleased_commits")})
                }).collect::<Vec<_>>(),
                "not_linked": i.not_linked.iter().map(|id| self.name(id)).collect::<Vec<_>>(),
                "no_data": i.no_data.iter().map(|id| self.name(id)).collect::<Vec<_>>(),
            })
        }).collect()
    }
}

fn view(page: &Page<'_>) -> Value {
    let model = page.model;
    // Counts of the whole portfolio belong to the quarter it tells (else the latest).
    let period = model
        .told
        .clone()
        .or_else(|| model.quarters.first().map(|q| q.period.clone()));
    let told = model.told.as_deref().and_then(|period| {
        let i = model.quarters.iter().position(|q| q.period == period)?;
        let q = &model.quarters[i];
        let key_name = |key: &'static str| KEYS.iter().find(|k| k.0 == key).map_or(key, |k| k.1);
        Some(json!({
            "period": period,
            "index": i,
            "previous": model.quarters.get(i + 1).map(|p| p.period.clone()),
            "keys": page.keys(&q.keys, &format!("/quarters/{i}/keys"), period),
            "gap_sentence": page.gap_sentence(i),
            "gaps": q.gaps.iter().map(|g| json!({"name": page.name(&g.service), "href": page.href(&g.service), "reason": g.reason})).collect::<Vec<_>>(),
            "movements": q.movements.iter().map(|m| json!({"name": page.name(&m.service),
                "key": key_name(m.key).to_lowercase(), "from": m.from, "to": m.to, "direction": m.direction}))
                .collect::<Vec<_>>(),
        }))
    });
    let lede = period.as_deref().map(|p| {
        format!(
            "{}, {}.",
            page.bind.num("/service_count", SERVICES, p).html,
            page.bind.num("/team_count", TEAMS, p).html
        )
    });
    let told_period = model.told.clone().unwrap_or_default();
    json!({
        "lede": lede,
        "band_set": model.band_set.name,
        "min_points": crate::config::StoryRules::default().min_points,
        "told": told,
        "teams": model.teams.iter().enumerate().map(|(t, team)| json!({"team": team.team,
            "services": team.services.iter().map(|s| page.name(s)).collect::<Vec<_>>(),
            "service_count": page.n(format!("/teams/{t}/service_count"), &told_period),
            "gaps": team.gaps.iter().map(|g| format!("{}: {}", page.name(&g.service), g.reason)).collect::<Vec<_>>(),
            "keys": page.keys(&team.keys, &format!("/teams/{t}/keys"), &told_period)})).collect::<Vec<_>>(),
        "key_names": KEYS.iter().map(|k| k.1).collect::<Vec<_>>(),
        "recent": RECENT_QUARTERS,
        "goals": page.goals(period.as_deref().unwrap_or_default()),
        "initiatives": page.initiatives(period.as_deref().unwrap_or_default()),
        "quarters": model.quarters.iter().enumerate().take(RECENT_QUARTERS).map(|(i, q)| json!({"period": q.period,
            "keys": q.keys.iter().enumerate().map(|(k, d)| json!({
                "levels": (0..d.levels.len()).map(|l| page.n(format!("/quarters/{i}/keys/{k}/levels/{l}/count"), &q.period)).collect::<Vec<_>>(),
                "too_few": page.n(format!("/quarters/{i}/keys/{k}/too_few_count"), &q.period)})).collect::<Vec<_>>(),
            "gaps": page.n(format!("/quarters/{i}/gap_count"), &q.period)})).collect::<Vec<_>>(),
        "services": model.services.iter().enumerate().map(|(k, s)| json!({"name": s.name, "href": s.site,
            "teams": s.teams,
            "releases": page.bind.num(format!("/services/{k}/releases"), RELEASES,
                &s.as_of.as_ref().map_or(told_period.clone(), |d| format!("asof:{d}"))).html,
            "schema_version": s.schema_version.map_or_else(|| "–".to_string(), |v| v.to_string())}))
            .collect::<Vec<_>>(),
    })
}

const RELEASES: Unit = crate::story::metric::DEPLOYMENTS.unit;

/// Names a pack's cell or list shows before "and the rest": a slide holds that many.
const PACK_NAMES: usize = 6;
const PACK_LINES: usize = 10;

/// The portfolio's review pack for the told quarter, in the deck format: one
/// self-contained HTML file, a slide a message. `None` when no quarter is told.
pub fn portfolio_pack(model: &Model, generator: &str) -> Result<Option<String>, RenderError> {
    let Some(period) = model.told.as_deref() else {
        return Ok(None);
    };
    let Some(i) = model.quarters.iter().position(|q| q.period == period) else {
        return Ok(None);
    };
    let q = &model.quarters[i];
    let bound = Page::new(model, generator);
    let page = view(&bound);
    let told = &page["told"];
    let cut = |items: Vec<String>| -> (Vec<String>, bool) {
        let more = items.len() > PACK_LINES;
        (items.into_iter().take(PACK_LINES).collect(), more)
    };
    let keys: Vec<Value> = told["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|k| {
                    json!({"name": k["name"], "too_few": k["too_few_count"],
                        "levels": k["levels"].as_array().map(|ls| ls.iter().map(|g| {
                            let names: Vec<Value> = g["names"].as_array().cloned().unwrap_or_default();
                            json!({"level": g["level"], "count": g["count"],
                                "names": names.iter().take(PACK_NAMES).collect::<Vec<_>>(),
                                "more": names.len() > PACK_NAMES})
                        }).collect::<Vec<_>>()).unwrap_or_default()})
                })
                .collect()
        })
        .unwrap_or_default();
    let (gaps, gaps_more) = cut(q
        .gaps
        .iter()
        .map(|g| format!("{}: {}", bound.name(&g.service), g.reason))
        .collect());
    let movements = told["movements"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| {
                    format!(
                        "{}: {} moved {}, from {} to {}.",
                        m["name"].as_str().unwrap_or(""),
                        m["key"].as_str().unwrap_or(""),
                        m["direction"].as_str().unwrap_or(""),
                        m["from"].as_str().unwrap_or(""),
                        m["to"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let (movements, movements_more) = cut(movements);
    let teams: Vec<Value> = model
        .teams
        .iter()
        .enumerate()
        .take(PACK_LINES)
        .map(|(t, team)| {
            let cells: Vec<String> = team
                .keys
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let parts: Vec<String> = d
                        .levels
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| !g.services.is_empty())
                        .map(|(l, g)| {
                            let n = bound.n(format!("/teams/{t}/keys/{k}/levels/{l}/count"), period);
                            format!("{n} {}", g.level)
                        })
                        .collect();
                    if parts.is_empty() {
                        "no band".to_string()
                    } else {
                        parts.join(", ")
                    }
                })
                .collect();
            json!({"team": team.team, "services": bound.n(format!("/teams/{t}/service_count"), period), "cells": cells})
        })
        .collect();
    let headline = format!(
        "{} of {} had data for {period}; each key shows them by band.",
        bound.n(format!("/quarters/{i}/with_data"), period),
        bound.bind.num("/service_count", SERVICES, period).html,
    );
    let view = json!({
        "period": period,
        "lede": page["lede"],
        "headline": headline,
        "keys": keys,
        "key_names": page["key_names"],
        "gap_sentence": told["gap_sentence"],
        "gaps": gaps, "gaps_more": gaps_more,
        "previous": told["previous"],
        "movements": movements, "movements_more": movements_more,
        "teams": teams, "teams_more": model.teams.len() > PACK_LINES,
        "band_set": page["band_set"],
        "min_points": page["min_points"],
        "goals": page["goals"],
        "initiatives": page["initiatives"],
    });
    let tera = engine("default", &[])?;
    let css = theme_file("default", "style.css").unwrap_or(b"");
    let mut context = tera::Context::new();
    context.insert(
        "site",
        &json!({"title": model.title, "generator": generator}),
    );
    context.insert("css", &String::from_utf8_lossy(css));
    context.insert("page", &view);
    let html = bounds::watched(|watch| watch.render(&tera, "portfolio_pack.html", &context))?;
    Ok(Some(policy::with_csp(&html, policy::PACK_CSP)))
}
