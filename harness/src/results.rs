//! Maelstrom's results map (Maelstrom's doc/results.md) and the one-screen summary.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde_json::{json, Value};

use crate::checker::availability::{self, Availability};
use crate::checker::quantile::{quantile, REPORTED};
use crate::checker::{exceptions, stats, Checked};
use crate::history::{Op, OpType, Process, Validity};
use crate::net::stats::NetStats;
use crate::workload::TestWorkload;

/// The verdict and the results map.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Merged validity of every section.
    pub valid: Validity,
    /// The results map, with Maelstrom's section and field names.
    pub results: Value,
}

/// Client invocations: the op count of msgs-per-op (Maelstrom's doc/results.md).
pub fn op_count(history: &[Op]) -> u64 {
    history.iter().filter(|op| op.is_client() && op.kind == OpType::Invoke).count() as u64
}

/// Runs every checker over `history` and merges them as Jepsen's `compose` does.
pub fn analyze(
    workload: &dyn TestWorkload,
    history: &[Op],
    net: &NetStats,
    expected: Option<Availability>,
) -> Analysis {
    let always_valid = Checked { valid: Validity::True, result: json!({"valid?": true}) };
    let perf = json!({"latency-graph": {"valid?": true}, "rate-graph": {"valid?": true}, "valid?": true});
    let sections: Vec<(&str, Checked)> = vec![
        ("perf", Checked { valid: Validity::True, result: perf }),
        ("timeline", always_valid),
        ("exceptions", exceptions::check(history)),
        ("stats", stats::check(history)),
        ("availability", availability::check(history, expected)),
        ("net", Checked { valid: Validity::True, result: net.to_result(op_count(history)) }),
        ("workload", workload.check(history)),
    ];
    let valid = sections.iter().fold(Validity::True, |acc, (_, c)| acc.merge(c.valid));
    let mut results = serde_json::Map::new();
    for (name, checked) in sections {
        results.insert(name.to_owned(), checked.result);
    }
    results.insert("valid?".to_owned(), serde_json::to_value(valid).unwrap_or(Value::Null));
    Analysis { valid, results: Value::Object(results) }
}

/// Latencies in ms of completed client ops, by `f` (invocation to completion).
pub fn client_latencies_ms(history: &[Op]) -> BTreeMap<String, Vec<u64>> {
    let mut started: HashMap<Process, u64> = HashMap::new();
    let mut by_f: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for op in history.iter().filter(|op| op.is_client()) {
        if op.kind == OpType::Invoke {
            started.insert(op.process, op.time_ns);
        } else if let Some(t0) = started.remove(&op.process) {
            by_f.entry(op.f.clone()).or_default().push((op.time_ns - t0) / 1_000_000);
        }
    }
    by_f.values_mut().for_each(|v| v.sort_unstable());
    by_f
}

fn quantiles(sorted: &[u64]) -> String {
    REPORTED.iter().map(|&q| format!("{q}: {}", quantile(sorted, q).unwrap_or(0))).collect::<Vec<_>>().join(", ")
}

/// Maelstrom's closing line for a verdict.
pub fn verdict_line(valid: Validity) -> &'static str {
    match valid {
        Validity::True => "Everything looks good! ヽ(‘ー`)ノ",
        Validity::False => "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
        Validity::Unknown => "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
    }
}

/// The one-screen summary printed at the end of a run.
pub fn summary(analysis: &Analysis, history: &[Op]) -> String {
    let r = &analysis.results;
    let mut out = String::new();
    let w = &r["workload"];
    let _ = writeln!(out, "workload: valid? {}", w["valid?"]);
    for key in [
        "attempt-count",
        "attempted-count",
        "stable-count",
        "lost-count",
        "never-read-count",
        "stale-count",
        "acknowledged-count",
        "duplicated-count",
        "range",
        "final-reads",
        "acceptable",
        "errors",
        "lost",
        "never-read",
    ] {
        if let Some(v) = w.get(key).filter(|v| !v.is_null()) {
            let _ = writeln!(out, "  {key}: {}", truncate(&v.to_string(), 160));
        }
    }
    for key in ["stable-latencies", "lost-latencies"] {
        if let Some(v) = w.get(key) {
            let _ = writeln!(out, "  {key} (ms): {v}");
        }
    }
    for class in ["all", "clients", "servers"] {
        let c = &r["net"][class];
        let per_op = c.get("msgs-per-op").map(|v| format!(", msgs-per-op {v}")).unwrap_or_default();
        let _ = writeln!(out, "net {class}: sent {}, received {}{per_op}", c["send-count"], c["recv-count"]);
    }
    for (f, lat) in client_latencies_ms(history) {
        let _ = writeln!(out, "latency {f} (ms, {} ops): {}", lat.len(), quantiles(&lat));
    }
    let a = &r["availability"];
    let _ = writeln!(out, "availability: ok-fraction {}, valid? {}", a["ok-fraction"], a["valid?"]);
    let failing: Vec<String> = r
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| k.as_str() != "valid?" && v.get("valid?") != Some(&json!(true)))
        .map(|(k, v)| format!("{k}: {}", truncate(&v.to_string(), 300)))
        .collect();
    for reason in &failing {
        let _ = writeln!(out, "not valid: {reason}");
    }
    let _ = writeln!(out, "\n{}", verdict_line(analysis.valid));
    out
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
