//! Charts as inline SVG, computed here with precomputed scales: no JavaScript, no
//! network. Every mark has a `<title>`; colors come from CSS classes so the theme
//! decides them (and they follow light and dark schemes). Each chart has a table
//! fallback next to it in the page.

use super::escape;

/// One value to draw, with its label and the text of its `<title>`.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub title: String,
}

fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A small line over time; missing values break nothing, they are just not drawn.
pub fn sparkline(points: &[Point], label: &str) -> String {
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
            "<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"2.5\"><title>{}</title></circle>",
            num(x),
            num(y),
            escape(&p.title)
        ));
    }
    format!(
        "<svg class=\"chart sparkline\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"><path class=\"line\" d=\"{}\" fill=\"none\"/>{marks}</svg>",
        escape(label),
        path.trim_end()
    )
}

/// Vertical bars with their labels under them.
pub fn bars(points: &[Point], label: &str) -> String {
    let n = points.len().max(1) as f64;
    let (w, h, top, bottom) = ((n * 28.0).clamp(200.0, 720.0), 140.0, 8.0, 28.0);
    let max = points.iter().filter_map(|p| p.value).fold(0.0, f64::max);
    let scale = if max > 0.0 {
        (h - top - bottom) / max
    } else {
        0.0
    };
    let slot = w / n;
    let mut marks = String::new();
    for (i, p) in points.iter().enumerate() {
        let v = p.value.unwrap_or(0.0);
        let bh = v * scale;
        let x = slot * i as f64 + slot * 0.15;
        marks.push_str(&format!(
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
            num(x),
            num(h - bottom - bh),
            num(slot * 0.7),
            num(bh),
            escape(&p.title)
        ));
        if points.len() <= 16 || i % (points.len() / 8).max(1) == 0 {
            marks.push_str(&format!(
                "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                num(slot * i as f64 + slot / 2.0),
                num(h - bottom + 14.0),
                escape(&p.label)
            ));
        }
    }
    format!(
        "<svg class=\"chart bars\" viewBox=\"0 0 {} {h}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"{}\"><line class=\"baseline\" x1=\"0\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>{marks}</svg>",
        num(w),
        escape(label),
        num(h - bottom),
        num(w),
        num(h - bottom)
    )
}

/// A value-stream map: one box per stage, and under it the timeline ladder of
/// process (up) and wait (down) times, drawn on a square-root scale so short
/// process steps stay visible beside long waits.
pub fn stream_map(
    stages: &[(String, Option<i64>, Option<i64>)],
    label: &str,
    human: impl Fn(i64) -> String,
) -> String {
    let n = stages.len().max(1) as f64;
    let (bw, gap, h) = (150.0, 24.0, 170.0);
    let w = n * bw + (n - 1.0) * gap;
    let max = stages
        .iter()
        .flat_map(|(_, p, wt)| [p.unwrap_or(0), wt.unwrap_or(0)])
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let ladder = |v: i64| (v as f64 / max).sqrt() * 40.0;
    let mut out = String::new();
    for (i, (name, process, wait)) in stages.iter().enumerate() {
        let x = i as f64 * (bw + gap);
        out.push_str(&format!(
            "<g><rect class=\"stage\" x=\"{}\" y=\"8\" width=\"{bw}\" height=\"44\" rx=\"6\"><title>{}</title></rect><text class=\"stage-name\" x=\"{}\" y=\"35\" text-anchor=\"middle\">{}</text>",
            num(x),
            escape(name),
            num(x + bw / 2.0),
            escape(name)
        ));
        if i + 1 < stages.len() {
            out.push_str(&format!(
                "<path class=\"arrow\" d=\"M{},30 L{},30\"/>",
                num(x + bw + 2.0),
                num(x + bw + gap - 4.0)
            ));
        }
        let mid = 110.0;
        if let Some(p) = process {
            let ph = ladder(*p);
            out.push_str(&format!(
                "<rect class=\"process\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: process {}</title></rect>",
                num(x + 20.0),
                num(mid - ph),
                num(bw - 40.0),
                num(ph.max(1.0)),
                escape(name),
                escape(&human(*p))
            ));
        }
        if let Some(wt) = wait {
            let wh = ladder(*wt);
            out.push_str(&format!(
                "<rect class=\"wait\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: wait {}</title></rect>",
                num(x + 20.0),
                num(mid),
                num(bw - 40.0),
                num(wh.max(1.0)),
                escape(name),
                escape(&human(*wt))
            ));
        }
        let text = match (process, wait) {
            (Some(p), Some(wt)) => format!("{} / {}", human(*p), human(*wt)),
            (Some(p), None) => human(*p),
            _ => "not measured".to_string(),
        };
        out.push_str(&format!(
            "<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            num(x + bw / 2.0),
            num(h - 4.0),
            escape(&text)
        ));
    }
    format!(
        "<svg class=\"chart map\" viewBox=\"0 0 {} {h}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-label=\"{}\"><line class=\"baseline\" x1=\"0\" y1=\"110\" x2=\"{}\" y2=\"110\"/>{out}</svg>",
        num(w),
        escape(label),
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
                label: "Q1".into(),
                value: Some(1.0),
                title: "<b>1</b>".into(),
            },
            Point {
                label: "Q2".into(),
                value: None,
                title: "none".into(),
            },
            Point {
                label: "Q3".into(),
                value: Some(3.0),
                title: "3".into(),
            },
        ];
        let s = sparkline(&points, "x");
        assert_eq!(s.matches("<circle").count(), 2);
        assert_eq!(s.matches("<title>").count(), 2);
        assert!(s.contains("&lt;b&gt;1&lt;/b&gt;"));
        let b = bars(&points, "y");
        assert_eq!(b.matches("<rect").count(), 3);
        assert_eq!(b.matches("<title>").count(), 3);
    }
}
