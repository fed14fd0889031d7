//! The picture of a failing window, as Knossos draws `linear.svg`: one lane per process, one
//! bar per op from its invocation to its completion, the op that could not be linearized in
//! red, `:info` ops open-ended and dashed, and the window's first and last instants.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

/// Pixels per lane.
const LANE_PX: f64 = 36.0;
/// Width of the time axis.
const WIDTH_PX: f64 = 900.0;
/// Left margin for lane labels.
const LABEL_PX: f64 = 90.0;

/// Writes `independent/<key>/linear.svg` into `dir` for each key of a lin-kv result (the
/// results map's `workload` section) that has a failing window.
pub fn write_svgs(dir: &Path, workload: &Value) -> std::io::Result<()> {
    let Some(results) = workload.get("results").and_then(Value::as_object) else { return Ok(()) };
    for (key, result) in results {
        let lin = &result["linearizable"];
        let Some(window) = lin.get("window").and_then(Value::as_array) else { continue };
        let folder = dir.join("independent").join(sanitize(key));
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join("linear.svg"), render(key, window, &lin["op"]))?;
    }
    Ok(())
}

/// A key as a folder name: anything but letters, digits, `-` and `_` becomes `_`.
fn sanitize(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// One op drawn as a bar.
struct Bar {
    lane: usize,
    from_ns: u64,
    to_ns: Option<u64>,
    label: String,
    failing: bool,
}

/// The SVG of `window` (history records in order), with `failing` (a completion) in red.
pub(super) fn render(key: &str, window: &[Value], failing: &Value) -> String {
    let (bars, lanes) = bars(window, failing);
    let t0 = bars.iter().map(|b| b.from_ns).min().unwrap_or(0);
    let t1 = bars.iter().flat_map(|b| [Some(b.from_ns), b.to_ns]).flatten().max().unwrap_or(t0).max(t0 + 1);
    let lane_count = lanes.len();
    let x = |t: u64| LABEL_PX + (t - t0) as f64 / (t1 - t0) as f64 * (WIDTH_PX - LABEL_PX - 20.0);
    let height = LANE_PX * (lane_count as f64 + 1.8);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        svg,
        r#"<text x="8" y="18">key {} — not linearizable; red: the op no order explains</text>"#,
        escape(key)
    );
    for (process, lane) in &lanes {
        let y = LANE_PX * (*lane as f64 + 1.0) + LANE_PX * 0.48;
        let _ = write!(svg, r#"<text x="8" y="{y:.1}">process {}</text>"#, escape(process));
    }
    let _ = write!(
        svg,
        r#"<text x="{LABEL_PX}" y="{:.1}">{:.3} s</text><text x="{:.1}" y="{:.1}" text-anchor="end">{:.3} s</text>"#,
        height - 6.0,
        t0 as f64 / 1e9,
        WIDTH_PX - 10.0,
        height - 6.0,
        t1 as f64 / 1e9
    );
    for b in &bars {
        let y = LANE_PX * (b.lane as f64 + 1.0);
        let (x0, x1) = (x(b.from_ns), b.to_ns.map_or(WIDTH_PX - 10.0, x));
        let fill = if b.failing { "#e06666" } else { "#9fc5e8" };
        let dash = if b.to_ns.is_none() { r#" stroke-dasharray="4 3""# } else { "" };
        let _ = write!(
            svg,
            r##"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#333"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"##,
            (x1 - x0).max(2.0),
            LANE_PX * 0.7,
            x0 + 3.0,
            y + LANE_PX * 0.48,
            escape(&b.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Pairs the window's invocations and completions by process into bars, one lane a process.
fn bars(window: &[Value], failing: &Value) -> (Vec<Bar>, BTreeMap<String, usize>) {
    let mut lanes: BTreeMap<String, usize> = BTreeMap::new();
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    let mut bars: Vec<Bar> = Vec::new();
    for record in window {
        let process = record["process"].to_string();
        let time_ns = record["time"].as_u64().unwrap_or(0);
        let count = lanes.len();
        let lane = *lanes.entry(process.clone()).or_insert(count);
        if record["type"] == "invoke" {
            open.insert(process.clone(), bars.len());
            let label = format!("{} {}", record["f"].as_str().unwrap_or("?"), record["value"][1]);
            bars.push(Bar { lane, from_ns: time_ns, to_ns: None, label, failing: false });
        } else if let Some(i) = open.remove(&process) {
            let bar = &mut bars[i];
            bar.to_ns = Some(time_ns);
            bar.failing = record["index"] == failing["index"];
            if record["f"] == "read" {
                bar.label = format!("read {}", record["value"][1]);
            }
            if record["type"] == "info" {
                bar.to_ns = None;
            }
        }
    }
    (bars, lanes)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
