//! Charts as inline SVG, computed here with precomputed scales: no JavaScript, no
//! network. Every mark has a `<title>` naming it; the numbers written on a chart are
//! bound to data.json like every other number ([`Fig`]), and axis labels are marked
//! as such. Colors come from CSS classes so the theme decides them (and they follow
//! light and dark schemes). Each chart has a table fallback next to it in the page.

use super::bind::Fig;
use super::escape;

/// One value to draw: its label (a period, a bucket), its value, and the value as
/// the page writes it.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub fig: Option<Fig>,
}

/// A stage of a value-stream map: its name, and its process and wait times with
/// their figures.
pub struct Stage {
    pub name: String,
    pub process: Option<(i64, Fig)>,
    pub wait: Option<(i64, Fig)>,
}

/// A number written on a chart, bound like every other.
fn label(x: f64, y: f64, anchor: &str, f: &Fig) -> String {
    format!(
        "<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\"{}>{}</text>",
        num(x),
        num(y),
        f.attrs,
        escape(&f.text)
    )
}

fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A small line over time; missing values break nothing, they are just not drawn.
pub fn sparkline(points: &[Point], name: &str) -> String {
    let (w, h, pad) = (240.0, 48.0, 5.0);
    let values: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let span = if (max - min).abs() < f64::EPSILON {
        1.0
    } else {
        max - min
    };
    let step = if points.len() > 1 {
        (w - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let xy = |i: usize, v: f64| {
        (
            pad + step * i as f64,
            h - pad - (v - min) / span * (h - 2.0 * pad),
        )
    };
    let mut path = String::new();
    let mut marks = String::new();
    for (i, p) in points.iter().enumerate() {
        let Some(v) = p.value else { continue };
        let (x, y) = xy(i, v);
        path.push_str(&format!(
            "{}{},{} ",
            if path.is_empty() { "M" } else { "L" },
            num(x),
            num(y)
        ));
        marks.push_str(&format!(
            "<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"2.5\"><title data-kind=\"axis\">{}</title></circle>",
            num(x),
            num(y),
            escape(&p.label)
        ));
    }
    // The latest value is written beside its mark.
    if let Some((i, p)) = points
        .iter()
        .enumerate()
        .rev()
        .find(|(_, p)| p.value.is_some())
        && let (Some(v), Some(f)) = (p.value, &p.fig)
    {
        let (x, y) = xy(i, v);
        marks.push_str(&label(x, (y - 6.0).max(10.0), "end", f));
    }
    format!(
        "<svg class=\"chart sparkline\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\" aria-label=\"{}\"><path class=\"line\" d=\"{}\" fill=\"none\"/>{marks}</svg>",
        h,
        h,
        escape(name),
        path.trim_end()
    )
}

/// Vertical bars with their labels under them.
pub fn bars(points: &[Point], name: &str) -> String {
    // Drawn at its own size (never stretched, so text keeps its size): a slot wide
    // enough for its label, room above the bars for their values.
    let n = points.len().max(1) as f64;
    let widest = points
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let slot = (widest * 6.5 + 12.0).clamp(28.0, 110.0);
    let (w, h, top, bottom) = (n * slot, 150.0, 18.0, 28.0);
    let max = points.iter().filter_map(|p| p.value).fold(0.0, f64::max);
    let scale = if max > 0.0 {
        (h - top - bottom) / max
    } else {
        0.0
    };
    let mut marks = String::new();
    for (i, p) in points.iter().enumerate() {
        let v = p.value.unwrap_or(0.0);
        let bh = v * scale;
        let x = slot * i as f64 + slot * 0.15;
        marks.push_str(&format!(
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title data-kind=\"axis\">{}</title></rect>",
            num(x),
            num(h - bottom - bh),
            num(slot * 0.7),
            num(bh),
            escape(&p.label)
        ));
        if let Some(f) = &p.fig {
            marks.push_str(&label(
                slot * i as f64 + slot / 2.0,
                h - bottom - bh - 3.0,
                "middle",
                f,
            ));
        }
        if points.len() <= 16 || i % (points.len() / 8).max(1) == 0 {
            marks.push_str(&format!(
                "<text class=\"axis\" data-kind=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                num(slot * i as f64 + slot / 2.0),
                num(h - bottom + 14.0),
                escape(&p.label)
            ));
        }
    }
    format!(
        "<svg class=\"chart bars\" viewBox=\"0 0 {} {h}\" width=\"{}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"><line class=\"baseline\" x1=\"0\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>{marks}</svg>",
        num(w),
        num(w),
        escape(name),
        num(h - bottom),
        num(w),
        num(h - bottom)
    )
}

/// A value-stream map: one box per stage, and under it the timeline ladder of
/// process (up) and wait (down) times, drawn on a square-root scale so short
/// process steps stay visible beside long waits.
pub fn stream_map(stages: &[Stage], name: &str) -> String {
    let n = stages.len().max(1) as f64;
    let (bw, gap, h) = (150.0, 24.0, 170.0);
    let w = n * bw + (n - 1.0) * gap;
    let max = stages
        .iter()
        .flat_map(|s| {
            [
                s.process.as_ref().map_or(0, |p| p.0),
                s.wait.as_ref().map_or(0, |p| p.0),
            ]
        })
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let ladder = |v: i64| (v as f64 / max).sqrt() * 40.0;
    let mut out = String::new();
    for (i, stage) in stages.iter().enumerate() {
        let x = i as f64 * (bw + gap);
        out.push_str(&format!(
            "<g><rect class=\"stage\" x=\"{}\" y=\"8\" width=\"{bw}\" height=\"44\" rx=\"6\"><title data-kind=\"axis\">{}</title></rect><text class=\"stage-name\" data-kind=\"quote\" x=\"{}\" y=\"35\" text-anchor=\"middle\">{}</text>",
            num(x),
            escape(&stage.name),
            num(x + bw / 2.0),
            escape(&stage.name)
        ));
        if i + 1 < stages.len() {
            out.push_str(&format!(
                "<path class=\"arrow\" d=\"M{},30 L{},30\"/>",
                num(x + bw + 2.0),
                num(x + bw + gap - 4.0)
            ));
        }
        let mid = 110.0;
        if let Some((p, _)) = &stage.process {
            let ph = ladder(*p);
            out.push_str(&format!(
                "<rect class=\"process\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title data-kind=\"quote\">{}: process</title></rect>",
                num(x + 20.0),
                num(mid - ph),
                num(bw - 40.0),
                num(ph.max(1.0)),
                escape(&stage.name),
            ));
        }
        if let Some((wt, _)) = &stage.wait {
            let wh = ladder(*wt);
            out.push_str(&format!(
                "<rect class=\"wait\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title data-kind=\"quote\">{}: wait</title></rect>",
                num(x + 20.0),
                num(mid),
                num(bw - 40.0),
                num(wh.max(1.0)),
                escape(&stage.name),
            ));
        }
        let y = num(h - 4.0);
        let cx = num(x + bw / 2.0);
        match (&stage.process, &stage.wait) {
            (Some((_, p)), Some((_, wt))) => out.push_str(&format!(
                "<text class=\"axis\" x=\"{cx}\" y=\"{y}\" text-anchor=\"middle\"><tspan{}>{}</tspan> / <tspan{}>{}</tspan></text></g>",
                p.attrs,
                escape(&p.text),
                wt.attrs,
                escape(&wt.text)
            )),
            (Some((_, p)), None) => out.push_str(&format!(
                "<text class=\"axis\" x=\"{cx}\" y=\"{y}\" text-anchor=\"middle\"><tspan{}>{}</tspan></text></g>",
                p.attrs,
                escape(&p.text)
            )),
            _ => out.push_str(&format!(
                "<text class=\"axis\" x=\"{cx}\" y=\"{y}\" text-anchor=\"middle\">not measured</text></g>"
            )),
        }
    }
    format!(
        "<svg class=\"chart map\" viewBox=\"0 0 {} {h}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"{}\"><line class=\"baseline\" x1=\"0\" y1=\"110\" x2=\"{}\" y2=\"110\"/>{out}</svg>",
        num(w),
        escape(name),
        num(w)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_has_a_title_and_text_is_escaped() {
        let points = vec![
            Point {
                label: "<b>Q1</b>".into(),
                value: Some(1.0),
                fig: None,
            },
            Point {
                label: "Q2".into(),
                value: None,
                fig: None,
            },
            Point {
                label: "Q3".into(),
                value: Some(3.0),
                fig: None,
            },
        ];
        let s = sparkline(&points, "x");
        assert_eq!(s.matches("<circle").count(), 2);
        assert_eq!(s.matches("<title ").count(), 2);
        assert!(s.contains("&lt;b&gt;Q1&lt;/b&gt;"));
        let b = bars(&points, "y");
        assert_eq!(b.matches("<rect").count(), 3);
        assert_eq!(b.matches("<title ").count(), 3);
    }
}
