//! Charts as inline SVG, computed here with precomputed scales: no JavaScript, no
//! network. Every chart is read without hovering: its axes carry their labels and
//! units, its latest value is written beside it, and a sentence under it says what
//! it shows. The numbers written on a chart are bound to data.json like every other
//! number ([`Fig`]); axis ticks are marked as such. Charts are drawn at their own
//! size, never stretched, so their text keeps its size on every screen; colors come
//! from CSS classes so the theme decides them (light and dark). Each chart has a
//! table fallback next to it in the page.
//!
//! Value-stream maps are not SVG but an HTML list (see [`stream_map`]), so that on a
//! phone their stages stack.

use std::hash::{Hash, Hasher};

use super::bind::Fig;
use super::escape;

/// Trend charts show this many periods; the table beside them holds them all.
pub const TREND_PERIODS: usize = 8;

/// One value to draw: its label (a period, a bucket), its value, and the value as
/// the page writes it.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub fig: Option<Fig>,
    /// The running period: only partly observed, drawn apart and labelled so.
    pub so_far: bool,
}

impl Point {
    pub fn new(label: impl Into<String>, value: Option<f64>, fig: Option<Fig>) -> Point {
        Point {
            label: label.into(),
            value,
            fig,
            so_far: false,
        }
    }
}

/// How values map to height: from zero, or on a log scale (durations, which span
/// minutes to months).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Duration,
}

/// A labelled value on the value axis.
type Tick = (f64, String);

/// Log-scale ticks for durations: seconds and their label.
const DURATION_TICKS: [(f64, &str); 8] = [
    (60.0, "1 minute"),
    (600.0, "10 minutes"),
    (3_600.0, "1 hour"),
    (86_400.0, "1 day"),
    (604_800.0, "1 week"),
    (2_592_000.0, "30 days"),
    (31_536_000.0, "1 year"),
    (315_360_000.0, "10 years"),
];

/// A number written on a chart, bound like every other.
fn value_label(x: f64, y: f64, anchor: &str, f: &Fig, suffix: &str) -> String {
    format!(
        "<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"><tspan{}>{}</tspan>{}</text>",
        num(x),
        num(y),
        f.attrs,
        escape(&f.text),
        escape(suffix)
    )
}

/// A label of an axis: a period, a bucket, a tick.
fn axis_label(x: f64, y: f64, anchor: &str, text: &str, class: &str) -> String {
    format!(
        "<text class=\"axis{class}\" data-kind=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
        num(x),
        num(y),
        escape(text)
    )
}

fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// An id for the sentence that describes a chart, the same on every build.
fn summary_id(name: &str, body: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    body.hash(&mut h);
    format!("chart-{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// The SVG with its title, and under it the sentence that says what it shows.
/// `last` names the last period drawn (`data-last`), for whoever checks the chart.
fn figure(
    class: &str,
    last: &str,
    w: f64,
    h: f64,
    name: &str,
    body: &str,
    summary: &str,
) -> String {
    let id = summary_id(name, body);
    format!(
        "<div class=\"chart-box\"><svg class=\"chart {class}\" data-last=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-describedby=\"{id}\"><title>{}</title>{body}</svg></div><p class=\"chart-summary\" id=\"{id}\">{summary}</p>",
        escape(last),
        escape(name),
        w = num(w),
        h = num(h),
    )
}

fn bound(f: &Option<Fig>) -> String {
    f.as_ref().map_or("–".to_string(), |f| f.html.clone())
}

/// The height of every trend.
const TREND_HEIGHT: f64 = 172.0;

/// The plotting area of a trend: the value axis at `left`, the last period at
/// `right`, values between `top` and `bottom`.
#[derive(Clone, Copy)]
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    /// A horizontal line across the frame at `y`, of `class`.
    fn rule(&self, class: &str, y: f64) -> String {
        format!(
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            num(self.left - 4.0),
            num(y),
            num(self.right + 6.0),
            num(y)
        )
    }
}

/// Value to height, with the labelled ticks of the value axis.
type ValueAxis = (Box<dyn Fn(f64) -> f64>, Vec<Tick>);

/// The value axis of values from `min` to `max`: for durations a log scale with
/// ticks at least a line apart (the lowest and highest always kept), else linear
/// from zero.
fn value_axis(scale: Scale, min: f64, max: f64, frame: Frame) -> ValueAxis {
    let Frame { top, bottom, .. } = frame;
    if scale == Scale::Linear {
        let hi = if max > 0.0 { max } else { 1.0 };
        return (
            Box::new(move |v: f64| bottom - v / hi * (bottom - top)),
            vec![(0.0, "0".to_string())],
        );
    }
    let lo_v = min.max(60.0);
    let lo = DURATION_TICKS
        .iter()
        .rev()
        .find(|t| t.0 <= lo_v)
        .map_or(60.0, |t| t.0);
    let hi = DURATION_TICKS
        .iter()
        .find(|t| t.0 >= max)
        .map_or(max, |t| t.0)
        .max(lo * 10.0);
    let (l0, l1) = (lo.log10(), hi.log10());
    let y = move |v: f64| bottom - (v.max(lo).log10() - l0) / (l1 - l0) * (bottom - top);
    let mut ticks: Vec<Tick> = Vec::new();
    let inside: Vec<_> = DURATION_TICKS
        .iter()
        .filter(|t| t.0 >= lo && t.0 <= hi)
        .collect();
    for (k, t) in inside.iter().enumerate() {
        let last = k + 1 == inside.len();
        while last && ticks.len() > 1 && ticks.last().is_some_and(|p| y(p.0) - y(t.0) < 13.0) {
            ticks.pop();
        }
        if last || ticks.last().is_none_or(|p| y(p.0) - y(t.0) >= 13.0) {
            ticks.push((t.0, t.1.to_string()));
        }
    }
    (Box::new(y), ticks)
}

/// The last [`TREND_PERIODS`] of a series over time: a line on labelled axes, the
/// running period dashed and hollow and labelled "so far", the latest value written
/// beside its mark. Durations use a log scale with labelled ticks; everything else
/// starts at zero.
pub fn trend(points: &[Point], name: &str, scale: Scale) -> String {
    let shown = &points[points.len().saturating_sub(TREND_PERIODS)..];
    let values: Vec<f64> = shown.iter().filter_map(|p| p.value).collect();
    if values.is_empty() {
        return format!(
            "<p class=\"chart-summary\">{}: no data in the periods shown.</p>",
            escape(name)
        );
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    // The value axis on the left, with room for its widest label (money can be
    // long); the latest value in a gutter on the right, as wide as it needs.
    let chars = |p: Option<&Point>| {
        p.and_then(|p| p.fig.as_ref())
            .map_or(0, |f| f.text.chars().count()) as f64
    };
    let widest = chars(shown.iter().find(|p| p.value == Some(max)));
    let latest = chars(shown.iter().rev().find(|p| p.value.is_some()));
    let left = (widest * 7.2 + 14.0).max(74.0);
    let frame = Frame {
        left,
        right: left + 178.0,
        top: 16.0,
        bottom: 120.0,
    };
    let w = frame.right + (latest * 7.2 + 18.0).max(60.0);
    let (y_of, ticks) = value_axis(scale, min, max, frame);
    let step = (frame.right - frame.left) / (shown.len().max(2) - 1) as f64;
    let x_of = |i: usize| match shown.len() {
        1 => (frame.left + frame.right) / 2.0,
        _ => frame.left + step * i as f64,
    };
    let mut body = String::new();
    // The value axis: gridlines at the ticks, and for a linear scale the highest
    // value's own figure at the top.
    for (v, label) in &ticks {
        let y = y_of(*v);
        body.push_str(&frame.rule("grid", y));
        body.push_str(&axis_label(left - 8.0, y + 4.0, "end", label, ""));
    }
    let top_fig = shown
        .iter()
        .filter(|p| p.value == Some(max))
        .find_map(|p| p.fig.as_ref());
    if scale == Scale::Linear
        && max > 0.0
        && let Some(f) = top_fig
    {
        let y = y_of(max);
        body.push_str(&frame.rule("grid", y));
        body.push_str(&value_label(left - 8.0, y + 4.0, "end", f, ""));
    }
    body.push_str(&trend_line(shown, &x_of, &*y_of));
    body.push_str(&latest_value(shown, &*y_of, frame));
    body.push_str(&frame.rule("baseline", frame.bottom));
    body.push_str(&time_axis(shown, &x_of, frame.bottom));
    let summary = trend_summary(name, points, shown);
    let last = shown.last().map_or("", |p| p.label.as_str());
    figure("trend", last, w, TREND_HEIGHT, name, &body, &summary)
}

/// The line joining ended periods, and a mark at each value; the running period
/// stands apart, hollow, since part of a quarter is not comparable with a whole one.
fn trend_line(shown: &[Point], x_of: &dyn Fn(usize) -> f64, y_of: &dyn Fn(f64) -> f64) -> String {
    let mut solid = String::new();
    for (i, p) in shown.iter().enumerate() {
        let Some(v) = p.value.filter(|_| !p.so_far) else {
            continue;
        };
        let step = if solid.is_empty() { "M" } else { "L" };
        solid.push_str(&format!("{step}{},{} ", num(x_of(i)), num(y_of(v))));
    }
    let mut body = String::new();
    if !solid.is_empty() {
        body.push_str(&format!(
            "<path class=\"line\" d=\"{}\" fill=\"none\"/>",
            solid.trim_end()
        ));
    }
    for (i, p) in shown.iter().enumerate() {
        let Some(v) = p.value else { continue };
        body.push_str(&format!(
            "<circle class=\"mark{}\" cx=\"{}\" cy=\"{}\" r=\"3\"><title data-kind=\"axis\">{}</title></circle>",
            if p.so_far { " so-far" } else { "" },
            num(x_of(i)),
            num(y_of(v)),
            escape(&p.label)
        ));
    }
    body
}

/// The latest value, written in the gutter level with its mark.
fn latest_value(shown: &[Point], y_of: &dyn Fn(f64) -> f64, frame: Frame) -> String {
    let Some(p) = shown.iter().rev().find(|p| p.value.is_some()) else {
        return String::new();
    };
    let (Some(v), Some(f)) = (p.value, &p.fig) else {
        return String::new();
    };
    let y = (y_of(v) + 4.0).clamp(frame.top, frame.bottom);
    let mut out = value_label(frame.right + 10.0, y, "start", f, "");
    if p.so_far {
        out.push_str(&axis_label(
            frame.right + 10.0,
            y + 13.0,
            "start",
            "so far",
            " so-far",
        ));
    }
    out
}

/// The time axis: every quarter by its number, the year under the first and under
/// each Q1, and the running quarter marked "so far".
fn time_axis(shown: &[Point], x_of: &dyn Fn(usize) -> f64, bottom: f64) -> String {
    let mut out = String::new();
    for (i, p) in shown.iter().enumerate() {
        let x = x_of(i);
        match p.label.split_once("-Q") {
            Some((year, q)) if year.len() == 4 && q.len() == 1 => {
                out.push_str(&axis_label(
                    x,
                    bottom + 15.0,
                    "middle",
                    &format!("Q{q}"),
                    "",
                ));
                if i == 0 || q == "1" {
                    out.push_str(&axis_label(x, bottom + 29.0, "middle", year, ""));
                }
            }
            _ if i == 0 || i + 1 == shown.len() => {
                let anchor = if i == 0 { "start" } else { "end" };
                out.push_str(&axis_label(x, bottom + 15.0, anchor, &p.label, ""));
            }
            _ => {}
        }
        if p.so_far {
            out.push_str(&axis_label(x, bottom + 43.0, "middle", "so far", " so-far"));
        }
    }
    out
}

/// "Median lead time by quarter, 2025-Q1 to 2026-Q4: 45.0 days in 2025-Q1, 10.0
/// hours in 2026-Q3 and 4.2 hours so far in 2026-Q4."
fn trend_summary(name: &str, all: &[Point], shown: &[Point]) -> String {
    let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
        return String::new();
    };
    let ended = shown.iter().rev().find(|p| !p.so_far && p.value.is_some());
    let start = shown.iter().find(|p| p.value.is_some());
    let mut s = format!(
        "{} by quarter, {} to {}",
        escape(name),
        escape(&first.label),
        escape(&last.label)
    );
    if all.len() > shown.len() {
        s.push_str(&format!(
            " (the last {} of {}; the table has them all)",
            shown.len(),
            all.len()
        ));
    }
    let mut said = Vec::new();
    if let Some(p) = start {
        said.push(format!("{} in {}", bound(&p.fig), escape(&p.label)));
    }
    if let Some(p) = ended
        && start.is_some_and(|s| !std::ptr::eq(s, p))
    {
        said.push(format!("{} in {}", bound(&p.fig), escape(&p.label)));
    }
    if last.so_far && last.value.is_some() {
        said.push(format!(
            "{} so far in {}",
            bound(&last.fig),
            escape(&last.label)
        ));
    }
    if !said.is_empty() {
        s.push_str(": ");
        s.push_str(&join(&said));
    }
    s.push('.');
    s
}

fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Vertical bars from zero with their labels under them and their values above,
/// and a value axis. Partial periods (a week cut by the quarter's edge) are drawn
/// lighter and their label says so.
pub fn bars(points: &[Point], name: &str, partial: &[bool]) -> String {
    let n = points.len().max(1) as f64;
    let widest = points
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let slot = (widest * 6.6 + 8.0).clamp(30.0, 110.0);
    let left = 30.0;
    let (w, h, top, bottom) = (left + n * slot + 4.0, 170.0, 20.0, 128.0);
    let max = points.iter().filter_map(|p| p.value).fold(0.0, f64::max);
    let scale = if max > 0.0 { (bottom - top) / max } else { 0.0 };
    let rule = |class: &str, y: f64| {
        format!(
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            num(left - 2.0),
            num(y),
            num(w),
            num(y)
        )
    };
    let mut body = String::new();
    body.push_str(&axis_label(left - 6.0, bottom + 4.0, "end", "0", ""));
    let highest = points
        .iter()
        .filter(|p| max > 0.0 && p.value == Some(max))
        .find_map(|p| p.fig.as_ref().map(|f| (p, f)));
    if let Some((_, f)) = highest {
        let y = bottom - max * scale;
        body.push_str(&rule("grid", y));
        body.push_str(&value_label(left - 6.0, y + 4.0, "end", f, ""));
    }
    for (i, p) in points.iter().enumerate() {
        let part = partial.get(i).copied().unwrap_or(false);
        let x0 = left + slot * i as f64;
        body.push_str(&bar(p, part, x0, slot, bottom, scale));
    }
    body.push_str(&rule("baseline", bottom));
    let mut summary = escape(name);
    if let Some((p, f)) = highest {
        let first = if points.iter().filter(|p| p.value == Some(max)).count() > 1 {
            "first "
        } else {
            ""
        };
        summary.push_str(&format!(
            ": the most, {}, {first}in <span data-kind=\"axis\">{}</span>",
            f.html,
            escape(&p.label)
        ));
    } else {
        summary.push_str(": none");
    }
    summary.push('.');
    if partial.iter().any(|&p| p) {
        summary.push_str(
            " Each week is named by its first day in the quarter; weeks marked “part” lie partly outside it and count only its days.",
        );
    }
    let last = points.last().map_or("", |p| p.label.as_str());
    figure("bars", last, w, h, name, &body, &summary)
}

/// One bar of a slot starting at `x0`, with its value over it (none when empty:
/// the axis says where zero is) and its label under it, "part" under a cut week.
fn bar(p: &Point, part: bool, x0: f64, slot: f64, bottom: f64, scale: f64) -> String {
    let v = p.value.unwrap_or(0.0);
    let bh = v * scale;
    let middle = x0 + slot / 2.0;
    let mut out = format!(
        "<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title data-kind=\"axis\">{}{}</title></rect>",
        if part { " partial" } else { "" },
        num(x0 + slot * 0.15),
        num(bottom - bh),
        num(slot * 0.7),
        num(bh),
        escape(&p.label),
        if part {
            " (the quarter's part of the week)"
        } else {
            ""
        }
    );
    if let Some(f) = p.fig.as_ref().filter(|_| v > 0.0) {
        out.push_str(&value_label(middle, bottom - bh - 4.0, "middle", f, ""));
    }
    out.push_str(&axis_label(middle, bottom + 16.0, "middle", &p.label, ""));
    if part {
        out.push_str(&axis_label(middle, bottom + 30.0, "middle", "part", ""));
    }
    out
}

/// One horizontal bar per period, split by kind: each period's total is the full
/// width, so the bars compare shares. `kinds` names the parts, in order; a
/// period's parts are its values with their figures. The legend names the kinds;
/// the summary gives the last period's counts.
pub fn stacked(rows: &[(String, Vec<(f64, Fig)>)], kinds: &[&str], name: &str) -> String {
    let (label_w, bar_w, row_h, top) = (64.0, 560.0, 30.0, 30.0);
    let w = label_w + bar_w + 8.0;
    let h = top + rows.len() as f64 * row_h + 4.0;
    let mut body = String::new();
    // The legend, across the top.
    let mut x = label_w;
    for (k, kind) in kinds.iter().enumerate() {
        body.push_str(&format!(
            "<rect class=\"part part-{k}\" x=\"{}\" y=\"6\" width=\"12\" height=\"12\"/>",
            num(x)
        ));
        body.push_str(&axis_label(x + 16.0, 16.0, "start", kind, ""));
        x += 30.0 + kind.chars().count() as f64 * 7.0;
    }
    for (r, (label, parts)) in rows.iter().enumerate() {
        let y = top + r as f64 * row_h;
        body.push_str(&axis_label(
            label_w - 8.0,
            y + row_h / 2.0 + 4.0,
            "end",
            label,
            "",
        ));
        let total: f64 = parts.iter().map(|p| p.0).sum();
        let mut x = label_w;
        for (k, (v, f)) in parts.iter().enumerate() {
            if total <= 0.0 || *v <= 0.0 {
                continue;
            }
            let pw = v / total * bar_w;
            body.push_str(&format!(
                "<rect class=\"part part-{k}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title data-kind=\"axis\">{} {}: {}</title></rect>",
                num(x),
                num(y + 4.0),
                num(pw),
                num(row_h - 8.0),
                escape(label),
                escape(kinds.get(k).copied().unwrap_or("")),
                escape(&f.text)
            ));
            x += pw;
        }
    }
    let mut summary = format!("{}: each bar is one quarter's whole", escape(name));
    if let Some((label, parts)) = rows.last() {
        let said: Vec<String> = kinds
            .iter()
            .zip(parts)
            .map(|(k, (_, f))| format!("{} {}", escape(k), f.html))
            .collect();
        summary.push_str(&format!("; in {}, {}", escape(label), join(&said)));
    }
    summary.push('.');
    let last = rows.last().map_or("", |r| r.0.as_str());
    figure("stacked", last, w, h, name, &body, &summary)
}

/// A stage of a value-stream map: its name, and its process and wait times with
/// their figures.
pub struct Stage {
    pub name: String,
    pub process: Option<(i64, Fig)>,
    pub wait: Option<(i64, Fig)>,
}

/// A value-stream map as a list: each stage a box with its process and wait times
/// as bars on one linear scale, `longest` seconds filling the bar's width, shared by
/// every map of the stream (current and future) so they compare at a glance. The
/// legend says which is which and what the full width is. The stages run left to
/// right, and stack on a narrow screen.
pub fn stream_map(stages: &[Stage], name: &str, longest: (i64, &Fig)) -> String {
    let max = longest.0.max(1) as f64;
    let bar = |class: &str, word: &str, stage: &str, v: &Option<(i64, Fig)>| match v {
        Some((s, f)) => {
            let id = summary_id(&format!("{name}/{stage}/{word}"), &f.text);
            format!(
                "<div class=\"vsm-row\"><span class=\"vsm-word\">{word}</span><svg class=\"vsm-track\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" role=\"img\" aria-describedby=\"{id}\"><title>{}: {word}</title><rect class=\"track\" width=\"100\" height=\"6\"/><rect class=\"{class}\" width=\"{}\" height=\"6\"/></svg><span class=\"vsm-value\" id=\"{id}\">{}</span></div>",
                escape(stage),
                num((*s as f64 / max * 100.0).clamp(0.5, 100.0)),
                f.html
            )
        }
        None => format!(
            "<div class=\"vsm-row\"><span class=\"vsm-word\">{word}</span><span class=\"vsm-value muted\">not measured</span></div>"
        ),
    };
    let mut out = format!(
        "<div class=\"vsm\"><p class=\"vsm-legend\"><span class=\"swatch process\"></span> process (hands-on work) <span class=\"swatch wait\"></span> wait (queued) · one scale on every map of this stream: a full bar is {}</p><ol class=\"vsm-stages\" aria-label=\"{}\">",
        longest.1.html,
        escape(name)
    );
    for stage in stages {
        out.push_str(&format!(
            "<li class=\"vsm-stage\"><div class=\"vsm-name\" data-kind=\"quote\">{}</div>{}{}</li>",
            escape(&stage.name),
            bar("process", "process", &stage.name, &stage.process),
            bar("wait", "wait", &stage.name, &stage.wait)
        ));
    }
    out.push_str("</ol></div>");
    out
}

/// A tile's small trend: the line alone, no text (the tile says the numbers).
pub fn mini(points: &[Point], name: &str, scale: Scale, described_by: &str) -> String {
    let shown = &points[points.len().saturating_sub(TREND_PERIODS)..];
    let values: Vec<f64> = shown.iter().filter_map(|p| p.value).collect();
    if values.len() < 2 {
        return String::new();
    }
    let (w, h, pad) = (120.0, 32.0, 4.0);
    let f = |v: f64| match scale {
        Scale::Duration => v.max(60.0).log10(),
        Scale::Linear => v,
    };
    let max = values.iter().copied().map(f).fold(f64::MIN, f64::max);
    let min = match scale {
        Scale::Linear => 0.0,
        Scale::Duration => values.iter().copied().map(f).fold(f64::MAX, f64::min),
    };
    let span = if (max - min).abs() < f64::EPSILON {
        1.0
    } else {
        max - min
    };
    let step = (w - 2.0 * pad) / (shown.len().max(2) - 1) as f64;
    let mut solid = String::new();
    let mut dashed = String::new();
    let mut last = None;
    for (i, p) in shown.iter().enumerate() {
        let Some(v) = p.value else { continue };
        let (x, y) = (
            pad + step * i as f64,
            h - pad - (f(v) - min) / span * (h - 2.0 * pad),
        );
        if p.so_far {
            if let Some((lx, ly)) = last {
                dashed = format!("M{},{} L{},{}", num(lx), num(ly), num(x), num(y));
            }
        } else {
            solid.push_str(&format!(
                "{}{},{} ",
                if solid.is_empty() { "M" } else { "L" },
                num(x),
                num(y)
            ));
            last = Some((x, y));
        }
    }
    format!(
        "<svg class=\"chart mini\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-describedby=\"{}\"><title>{} over the last quarters</title><path class=\"line\" d=\"{}\" fill=\"none\"/>{}</svg>",
        escape(described_by),
        escape(name),
        solid.trim_end(),
        if dashed.is_empty() {
            String::new()
        } else {
            format!("<path class=\"line so-far\" d=\"{dashed}\" fill=\"none\"/>")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: &str, v: Option<f64>) -> Point {
        Point::new(label, v, None)
    }

    #[test]
    fn every_mark_has_a_title_and_text_is_escaped() {
        let points = vec![p("<b>Q1</b>", Some(1.0)), p("Q2", None), p("Q3", Some(3.0))];
        let s = trend(&points, "x", Scale::Linear);
        assert_eq!(s.matches("<circle").count(), 2);
        assert_eq!(s.matches("<title data-kind").count(), 2);
        assert!(s.contains("&lt;b&gt;Q1&lt;/b&gt;"));
        assert!(s.contains("role=\"img\"") && s.contains("<title>x</title>"));
        let b = bars(&points, "y", &[]);
        assert_eq!(b.matches("<rect").count(), 3);
        assert_eq!(b.matches("<title data-kind").count(), 3);
    }

    #[test]
    fn a_trend_shows_the_last_eight_periods_and_marks_the_running_one() {
        let mut points: Vec<Point> = (0..20)
            .map(|i| p(&format!("{}-Q{}", 2020 + i / 4, i % 4 + 1), Some(i as f64)))
            .collect();
        points.last_mut().unwrap().so_far = true;
        let s = trend(&points, "x", Scale::Linear);
        assert_eq!(s.matches("<circle").count(), TREND_PERIODS);
        // 2023-Q1 to 2024-Q4: every quarter by its number, the years under the
        // first and under each Q1.
        assert!(
            s.contains(">2023-Q1</title>") && !s.contains(">2022-Q4</title>"),
            "{s}"
        );
        assert_eq!(s.matches(">Q4</text>").count(), 2);
        assert!(s.contains(">2023</text>") && s.contains(">2024</text>"));
        assert!(s.contains("data-last=\"2024-Q4\""));
        // The running quarter stands apart from the line, hollow and labelled.
        assert_eq!(s.matches("class=\"mark so-far\"").count(), 1);
        assert_eq!(s.matches("<path class=\"line\"").count(), 1);
        assert!(s.contains("class=\"axis so-far\" data-kind=\"axis\""));
        assert!(s.contains(">so far</text>"));
    }

    #[test]
    fn durations_are_drawn_on_a_log_scale_with_labelled_ticks() {
        // 45 days and 10 hours: on a linear scale 10 hours sits at 1% of the height.
        let points = vec![p("A", Some(45.0 * 86_400.0)), p("B", Some(36_000.0))];
        let s = trend(&points, "x", Scale::Duration);
        for tick in ["1 hour", "1 day", "1 week", "30 days"] {
            assert!(s.contains(&format!(">{tick}<")), "{tick}: {s}");
        }
        let ys: Vec<f64> = s
            .split("<circle")
            .skip(1)
            .map(|c| {
                let at = c.find("cy=\"").unwrap() + 4;
                c[at..at + c[at..].find('"').unwrap()].parse().unwrap()
            })
            .collect();
        // 10 hours lies well above the bottom of the plot (120).
        assert!(ys[1] < 100.0, "{ys:?}");
    }
}
