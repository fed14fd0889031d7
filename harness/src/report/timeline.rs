//! timeline.html: each worker's ops over time, one column per worker and one box per op from
//! invocation to completion, coloured by outcome as Jepsen's timeline colours them
//! (jepsen/checker/timeline.clj); fault periods in a column of their own and as bands.

use std::collections::HashMap;
use std::fmt::Write;

use super::faults::FaultPeriod;
use super::ops::{run_end_ns, spans, Span};
use super::{escape, fault_rgb, outcome_hex, seconds};
use crate::history::{Op, OpType};

/// Ops drawn at most: one `div` each, ~300 bytes, so the page stays under ~6 MB and opens
/// quickly; later ops are left out and the page says so.
pub const OPS_MAX: usize = 20_000;
/// The tallest page, in px: the time scale shrinks to fit.
const HEIGHT_MAX_PX: f64 = 40_000.0;
/// Room an op's box gets on average in its column in the busiest second, when the page is not
/// at its tallest.
const PX_PER_OP: f64 = 16.0;
/// The shortest box: tall enough to read the op's name in it.
const OP_MIN_PX: f64 = 11.0;
const COLUMN_PX: f64 = 110.0;
const LEFT_PX: f64 = 70.0;
const TOP_PX: f64 = 30.0;
/// A time label every this many px.
const GRID_PX: f64 = 100.0;

/// The timeline page of `history`, whose client processes map to `concurrency` workers.
pub fn html(history: &[Op], concurrency: usize, faults: &[FaultPeriod]) -> String {
    let all = spans(history);
    let shown = &all[..all.len().min(OPS_MAX)];
    let workers = concurrency.max(1);
    let end_ns = run_end_ns(history).max(1);
    let px_per_ns = scale(shown, workers, end_ns);
    let y = |t: u64| TOP_PX + t as f64 * px_per_ns;
    let height = y(end_ns) + 20.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Timeline</title>
<style>
body {{ font-family: sans-serif; font-size: 12px; margin: 10px; }}
#ops {{ position: relative; height: {height:.0}px; width: {:.0}px; }}
.op, .fault, .grid, .head {{ position: absolute; box-sizing: border-box; }}
.op {{ width: {:.0}px; border: 1px solid rgba(0,0,0,0.25); overflow: hidden; font-size: 10px; padding: 0 2px; white-space: nowrap; }}
.ok {{ background: {}; }} .info {{ background: {}; }} .fail {{ background: {}; }}
.grid {{ left: 0; right: 0; border-top: 1px solid #eee; color: #777; }}
.head {{ top: 0; font-weight: bold; text-align: center; width: {COLUMN_PX}px; }}
.fault {{ left: {LEFT_PX}px; right: 0; }}
</style></head>
<body>
<p>{} of {} client ops, each a box from invocation to completion: <span class="ok">&nbsp;ok&nbsp;</span> <span class="info">&nbsp;info&nbsp;</span> <span class="fail">&nbsp;fail&nbsp;</span>. Hover a box for the op. {}</p>
<div id="ops">
"#,
        LEFT_PX + COLUMN_PX * (workers + 1) as f64,
        COLUMN_PX - 4.0,
        outcome_hex(OpType::Ok),
        outcome_hex(OpType::Info),
        outcome_hex(OpType::Fail),
        shown.len(),
        all.len(),
        if shown.len() < all.len() { format!("Only the first {OPS_MAX} are drawn.") } else { String::new() },
    );
    grid(&mut s, end_ns, px_per_ns);
    for w in 0..workers {
        let _ = writeln!(s, r#"<div class="head" style="left:{:.0}px">worker {w}</div>"#, column_x(w));
    }
    let _ = writeln!(s, r#"<div class="head" style="left:{:.0}px">nemesis</div>"#, column_x(workers));
    for fault in faults {
        band(&mut s, fault, workers, &y);
    }
    for span in shown {
        op_box(&mut s, span, workers, end_ns, &y);
    }
    s.push_str("</div>\n</body></html>\n");
    s
}

/// ns → px: in the busiest second, each worker's ops get [`PX_PER_OP`] each on average, so
/// their names can be read; the page stays within [`HEIGHT_MAX_PX`] and is at least 400 px.
fn scale(shown: &[Span<'_>], workers: usize, end_ns: u64) -> f64 {
    let mut per_second: HashMap<u64, usize> = HashMap::new();
    for span in shown {
        *per_second.entry(span.invoke.time_ns / 1_000_000_000).or_default() += 1;
    }
    let busiest = per_second.values().copied().max().unwrap_or(0) as f64 / workers as f64;
    let wanted_px = (busiest * PX_PER_OP * seconds(end_ns)).clamp(400.0, HEIGHT_MAX_PX);
    wanted_px / end_ns as f64
}

fn column_x(column: usize) -> f64 {
    LEFT_PX + COLUMN_PX * column as f64
}

fn grid(s: &mut String, end_ns: u64, px_per_ns: f64) {
    let step_ns = (GRID_PX / px_per_ns).max(1.0);
    let mut t = 0.0;
    while t <= end_ns as f64 {
        let _ = writeln!(
            s,
            r#"<div class="grid" style="top:{:.0}px">{:.3} s</div>"#,
            TOP_PX + t * px_per_ns,
            seconds(t as u64)
        );
        t += step_ns;
    }
}

fn band(s: &mut String, fault: &FaultPeriod, workers: usize, y: &impl Fn(u64) -> f64) {
    let (r, g, b) = fault_rgb(fault.kind);
    let (top, bottom) = (y(fault.start_ns), y(fault.end_ns).max(y(fault.start_ns) + 2.0));
    let what = format!(
        "{} {}{:.3} s to {:.3} s",
        fault.kind,
        fault.nodes.iter().map(|n| format!("{n} ")).collect::<String>(),
        seconds(fault.start_ns),
        seconds(fault.end_ns)
    );
    let _ = writeln!(
        s,
        r#"<div class="fault" style="top:{top:.0}px;height:{:.0}px;background:rgba({r},{g},{b},0.07)"></div><div class="op" style="left:{:.0}px;top:{top:.0}px;height:{:.0}px;background:rgba({r},{g},{b},0.5)" title="{}">{}</div>"#,
        bottom - top,
        column_x(workers) + 2.0,
        bottom - top,
        escape(&what),
        escape(&what)
    );
}

fn op_box(s: &mut String, span: &Span<'_>, workers: usize, end_ns: u64, y: &impl Fn(u64) -> f64) {
    let worker = (span.process() % workers as u64) as usize;
    let top = y(span.invoke.time_ns);
    let height = (y(span.end_ns(end_ns)) - top).max(OP_MIN_PX);
    let class = match span.outcome() {
        OpType::Ok => "ok",
        OpType::Fail => "fail",
        _ => "info",
    };
    let mut title = format!(
        "process {} · {} · {class}\ninvoked {:.4} s",
        span.process(),
        span.invoke.f,
        seconds(span.invoke.time_ns)
    );
    match (span.completion, span.latency_ms()) {
        (Some(done), Some(ms)) => {
            let _ = write!(title, ", {ms:.3} ms\nvalue: {}", done.value);
            if let Some(error) = &done.error {
                let _ = write!(title, "\nerror: {error}");
            }
        }
        _ => {
            let _ = write!(title, ", never completed\nvalue: {}", span.invoke.value);
        }
    }
    let label = format!("{} {}", span.invoke.f, span.completion.map_or(&span.invoke.value, |c| &c.value));
    let _ = writeln!(
        s,
        r#"<div class="op {class}" style="left:{:.0}px;top:{top:.1}px;height:{height:.1}px" title="{}">{}</div>"#,
        column_x(worker) + 2.0,
        escape(&title),
        escape(&label.chars().take(40).collect::<String>())
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::checker::test_support::Hist;

    #[test]
    fn each_op_is_one_box_in_its_workers_column_coloured_by_outcome() {
        let mut h = Hist::default();
        h.invoke(0, "read", Value::Null);
        h.invoke(3, "read", Value::Null);
        h.ok(0, "read", json!(["<b>"]));
        h.info(3, "read", Value::Null);
        let page = html(&h.ops, 2, &[]);
        assert_eq!(page.matches(r#"<div class="op ok""#).count(), 1);
        assert_eq!(page.matches(r#"<div class="op info""#).count(), 1);
        // process 3 of 2 workers is worker 1's second process
        assert!(page.contains(&format!(r#"class="op info" style="left:{:.0}px"#, column_x(1) + 2.0)));
        assert!(page.contains("&lt;b&gt;") && !page.contains("<b>"));
    }
}
