//! SVG plots: client latency over time by op type and outcome, and messages per second.

use std::fmt::Write;

use crate::history::{Op, OpType, Process};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 400.0;
const MARGIN: f64 = 50.0;

fn frame(title: &str, x_label: &str, y_label: &str, x_max: f64, y_max: f64) -> String {
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="20" text-anchor="middle" font-size="14">{title}</text>
<line x1="{MARGIN}" y1="{}" x2="{}" y2="{}" stroke="black"/>
<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{}" stroke="black"/>
<text x="{}" y="{}" text-anchor="middle">{x_label} (max {x_max:.1})</text>
<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">{y_label} (max {y_max:.0})</text>
"#,
        WIDTH / 2.0,
        HEIGHT - MARGIN,
        WIDTH - MARGIN,
        HEIGHT - MARGIN,
        HEIGHT - MARGIN,
        WIDTH / 2.0,
        HEIGHT - 12.0,
        HEIGHT / 2.0,
        HEIGHT / 2.0
    );
    s.push('\n');
    s
}

fn x_of(x: f64, x_max: f64) -> f64 {
    MARGIN + x / x_max.max(1e-9) * (WIDTH - 2.0 * MARGIN)
}

fn y_of(y: f64, y_max: f64) -> f64 {
    HEIGHT - MARGIN - y / y_max.max(1e-9) * (HEIGHT - 2.0 * MARGIN)
}

fn color(kind: OpType) -> &'static str {
    match kind {
        OpType::Ok => "#2a7ab0",
        OpType::Fail => "#d9534f",
        _ => "#f0ad4e",
    }
}

/// Latency of every client op against its invocation time; colour = outcome, shape = `f`.
pub fn latency_svg(history: &[Op]) -> String {
    let mut started = std::collections::HashMap::new();
    let mut points = Vec::new();
    let mut fs: Vec<String> = Vec::new();
    for op in history.iter().filter(|op| matches!(op.process, Process::Client(_))) {
        if op.kind == OpType::Invoke {
            started.insert(op.process, op.time_ns);
        } else if let Some(t0) = started.remove(&op.process) {
            if !fs.contains(&op.f) {
                fs.push(op.f.clone());
            }
            points.push((t0 as f64 / 1e9, (op.time_ns - t0) as f64 / 1e6, op.kind, op.f.clone()));
        }
    }
    let x_max = points.iter().map(|p| p.0).fold(1.0, f64::max);
    let y_max = points.iter().map(|p| p.1).fold(1.0, f64::max);
    let mut s = frame("Latency by op (ok blue, fail red, info orange)", "time (s)", "latency (ms)", x_max, y_max);
    for (t, lat, kind, f) in &points {
        let (x, y, c) = (x_of(*t, x_max), y_of(*lat, y_max), color(*kind));
        let shape = fs.iter().position(|g| g == f).unwrap_or(0);
        let _ = match shape % 2 {
            0 => writeln!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2" fill="{c}"/>"#),
            _ => writeln!(s, r#"<rect x="{:.1}" y="{:.1}" width="4" height="4" fill="{c}"/>"#, x - 2.0, y - 2.0),
        };
    }
    for (i, f) in fs.iter().enumerate() {
        let marker = if i % 2 == 0 { "●" } else { "■" };
        let _ = writeln!(s, r#"<text x="{}" y="{}">{marker} {f}</text>"#, WIDTH - 140.0, MARGIN + 16.0 * i as f64);
    }
    s.push_str("</svg>\n");
    s
}

/// Server messages sent per second of the run.
pub fn rate_svg(server_sends_per_s: &[u64]) -> String {
    let x_max = server_sends_per_s.len().max(1) as f64;
    let y_max = server_sends_per_s.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut s = frame("Server messages per second", "time (s)", "messages/s", x_max, y_max);
    let points: Vec<String> = server_sends_per_s
        .iter()
        .enumerate()
        .map(|(i, &n)| format!("{:.1},{:.1}", x_of(i as f64, x_max), y_of(n as f64, y_max)))
        .collect();
    let _ = writeln!(s, r##"<polyline fill="none" stroke="#2a7ab0" points="{}"/>"##, points.join(" "));
    s.push_str("</svg>\n");
    s
}
