//! The portfolio's page: where the services stand, key by key, with names.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::pages::{RenderError, engine, theme_file};
use super::{bounds, policy};
use crate::portfolio::model::{Distribution, KEYS, Model, NO_CI_DATA, NO_TAGS, NOT_IN_HISTORY};

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
    context.insert("page", &view(model));
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

/// "services have" after "N of M": the noun agrees with M, the verb with N.
fn services_have(n: usize, total: usize) -> String {
    format!(
        "{} {}",
        if total == 1 { "service" } else { "services" },
        if n == 1 { "has" } else { "have" }
    )
}

fn view(model: &Model) -> Value {
    let name = |id: &str| model.name_of(id);
    let href = |id: &str| -> Option<String> {
        model
            .services
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.site.clone())
    };
    let person = |id: &String| json!({"id": id, "name": name(id), "href": href(id)});
    let keys = |keys: &[Distribution]| -> Vec<Value> {
        keys.iter()
            .map(|k| {
                json!({"name": k.name,
                    "levels": k.levels.iter().map(|g| json!({"level": g.level,
                        "count": g.services.len(),
                        "names": g.services.iter().map(|s| name(s)).collect::<Vec<_>>(),
                        "services": g.services.iter().map(person).collect::<Vec<_>>()}))
                        .collect::<Vec<_>>(),
                    "too_few": k.too_few.iter().map(|u| json!({"name": name(&u.service), "note": u.note}))
                        .collect::<Vec<_>>()})
            })
            .collect()
    };
    let total = model.services.len();
    let told = model.told.as_deref().and_then(|period| {
        let i = model.quarters.iter().position(|q| q.period == period)?;
        let q = &model.quarters[i];
        let count = |reason: &str| q.gaps.iter().filter(|g| g.reason == reason).count();
        let (untagged, unseen, unbuilt) = (count(NO_TAGS), count(NOT_IN_HISTORY), count(NO_CI_DATA));
        let mut gap_sentence = Vec::new();
        if untagged > 0 {
            gap_sentence.push(format!(
                "{untagged} of {total} {} no release tags, so no band: {} not counted as low.",
                services_have(untagged, total),
                if untagged == 1 { "it is" } else { "they are" }
            ));
        }
        if unseen > 0 {
            gap_sentence.push(format!(
                "{unseen} of {total} {} no history in {period}.",
                services_have(unseen, total)
            ));
        }
        if unbuilt > 0 {
            gap_sentence.push(format!(
                "{unbuilt} of {total} {} no data from the CI matrix: {} build failed or did not run.",
                services_have(unbuilt, total),
                if unbuilt == 1 { "its" } else { "their" }
            ));
        }
        let key_name = |key: &'static str| KEYS.iter().find(|k| k.0 == key).map_or(key, |k| k.1);
        Some(json!({
            "period": period,
            "previous": model.quarters.get(i + 1).map(|p| p.period.clone()),
            "keys": keys(&q.keys),
            "gap_sentence": gap_sentence.join(" "),
            "gaps": q.gaps.iter().map(|g| json!({"name": name(&g.service), "href": href(&g.service), "reason": g.reason})).collect::<Vec<_>>(),
            "movements": q.movements.iter().map(|m| json!({"name": name(&m.service),
                "key": key_name(m.key).to_lowercase(), "from": m.from, "to": m.to, "direction": m.direction}))
                .collect::<Vec<_>>(),
        }))
    });
    let counts = |k: &Distribution| -> String {
        let levels: Vec<String> = k
            .levels
            .iter()
            .map(|g| g.services.len().to_string())
            .collect();
        format!("{}; {} too little", levels.join(" / "), k.too_few.len())
    };
    let lede = format!(
        "{total} {}, {} {}.",
        if total == 1 { "service" } else { "services" },
        model.teams.len(),
        if model.teams.len() == 1 {
            "team"
        } else {
            "teams"
        }
    );
    json!({
        "lede": lede,
        "band_set": model.band_set.name,
        "min_points": crate::config::StoryRules::default().min_points,
        "told": told,
        "teams": model.teams.iter().map(|t| json!({"team": t.team,
            "services": t.services.iter().map(|s| name(s)).collect::<Vec<_>>(),
            "gaps": t.gaps.iter().map(|g| format!("{}: {}", name(&g.service), g.reason)).collect::<Vec<_>>(),
            "keys": keys(&t.keys)})).collect::<Vec<_>>(),
        "key_names": KEYS.iter().map(|k| k.1).collect::<Vec<_>>(),
        "recent": RECENT_QUARTERS,
        "goals": model.goals.iter().map(|g| json!({"title": g.title, "owner": g.owner,
            "targets": g.targets.iter().map(|t| json!({
                "label": format!("{}: target {}{}", t.metric.replace('_', " "), t.target,
                    t.by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()),
                "measured": t.measured,
                "groups": t.statuses.iter().map(|s| json!({"status": s.status, "count": s.services.len(),
                    "names": s.services.iter().map(|id| name(id)).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                "no_data": t.no_data.iter().map(|id| name(id)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "initiatives": model.initiatives.iter().map(|i| json!({"title": i.title, "status": i.status.words(),
            "goal": model.goals.iter().find(|g| g.id == i.goal).map_or(i.goal.clone(), |g| g.title.clone()),
            "services": i.services.iter().map(|w| json!({"name": name(&w.service), "href": href(&w.service),
                "commits": w.commits, "shipped": w.shipped_commits, "releases": w.releases,
                "last_release": w.last_release, "waiting": w.unreleased_commits})).collect::<Vec<_>>(),
            "not_linked": i.not_linked.iter().map(|id| name(id)).collect::<Vec<_>>(),
            "no_data": i.no_data.iter().map(|id| name(id)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "quarters": model.quarters.iter().take(RECENT_QUARTERS).map(|q| json!({"period": q.period,
            "keys": q.keys.iter().map(|k| json!({"counts": counts(k)})).collect::<Vec<_>>(),
            "gaps": q.gaps.len()})).collect::<Vec<_>>(),
        "services": model.services.iter().map(|s| json!({"name": s.name, "href": s.site,
            "teams": s.teams, "releases": s.releases,
            "schema_version": s.schema_version.map_or_else(|| "–".to_string(), |v| v.to_string())}))
            .collect::<Vec<_>>(),
    })
}

/// Names a pack's cell or list shows before "and N more": a slide holds that many.
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
    let page = view(model);
    let told = &page["told"];
    let name = |id: &str| model.name_of(id);
    let cut = |items: Vec<String>| -> (Vec<String>, usize) {
        let more = items.len().saturating_sub(PACK_LINES);
        (items.into_iter().take(PACK_LINES).collect(), more)
    };
    let keys: Vec<Value> = q
        .keys
        .iter()
        .map(|k| {
            json!({"name": k.name, "too_few": k.too_few.len(),
                "levels": k.levels.iter().map(|g| json!({"level": g.level, "count": g.services.len(),
                    "names": g.services.iter().take(PACK_NAMES).map(|s| name(s)).collect::<Vec<_>>(),
                    "more": g.services.len().saturating_sub(PACK_NAMES)})).collect::<Vec<_>>()})
        })
        .collect();
    let (gaps, gaps_more) = cut(q
        .gaps
        .iter()
        .map(|g| format!("{}: {}", name(&g.service), g.reason))
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
        .take(PACK_LINES)
        .map(|t| {
            let cells: Vec<String> = t
                .keys
                .iter()
                .map(|k| {
                    let parts: Vec<String> = k
                        .levels
                        .iter()
                        .filter(|g| !g.services.is_empty())
                        .map(|g| format!("{} {}", g.services.len(), g.level))
                        .collect();
                    if parts.is_empty() {
                        "no band".to_string()
                    } else {
                        parts.join(", ")
                    }
                })
                .collect();
            json!({"team": t.team, "services": t.services.len(), "cells": cells})
        })
        .collect();
    let with_data = total_with_data(model, q);
    let headline = format!(
        "{with_data} of {} services had data for {period}; each key shows them by band.",
        model.services.len()
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
        "teams": teams, "teams_more": model.teams.len().saturating_sub(PACK_LINES),
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

/// Services with data for the quarter: all but its gaps.
fn total_with_data(model: &Model, q: &crate::portfolio::model::QuarterView) -> usize {
    model.services.len().saturating_sub(q.gaps.len())
}
