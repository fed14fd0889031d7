//! index.html: the verdict, the run's settings, each results section, the summary printed at
//! the end of the run, and links to every file and figure of the store folder.

use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

use super::faults::FaultPeriod;
use super::{escape, seconds, FIGURES};
use crate::history::Validity;
use crate::outcome::Report;
use crate::results::summary;

/// Pages and data files of the store folder, with what each holds.
const FILES: [(&str, &str); 4] = [
    ("timeline.html", "each worker's ops over time"),
    ("messages.svg", "Lamport diagram of the messages"),
    ("results.json", "the results map"),
    ("history.json", "every op of the history"),
];

/// The index page of the run in `dir`.
pub fn html(dir: &Path, report: &Report, faults: &[FaultPeriod]) -> String {
    let c = &report.config;
    let (verdict, colour) = match report.valid() {
        Validity::True => ("valid", "#2e7d32"),
        Validity::False => ("invalid", "#c62828"),
        Validity::Unknown => ("unknown", "#ef6c00"),
    };
    let mut s = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{w}: {verdict}</title>
<style>
body {{ font-family: sans-serif; margin: 20px; max-width: 960px; }}
#verdict {{ color: white; background: {colour}; padding: 8px 14px; display: inline-block; font-size: 20px; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 3px 8px; text-align: left; }}
.valid-true {{ color: #2e7d32; }} .valid-false {{ color: #c62828; }} .valid-unknown {{ color: #ef6c00; }}
pre {{ background: #f6f6f6; padding: 10px; overflow-x: auto; }}
figure {{ margin: 20px 0; }} img {{ max-width: 100%; border: 1px solid #ddd; }}
</style></head>
<body>
<h1>glomer test -w {w}</h1>
<p id="verdict">{verdict}</p>
"#,
        w = escape(&c.workload)
    );
    settings(&mut s, report, faults);
    sections(&mut s, &report.analysis.results);
    if !report.problems.is_empty() {
        s.push_str("<h2>Problems</h2>\n<ul id=\"problems\">\n");
        for p in &report.problems {
            let _ = writeln!(s, "<li>{}</li>", escape(p));
        }
        s.push_str("</ul>\n");
    }
    let _ = writeln!(
        s,
        "<h2>Summary</h2>\n<pre id=\"summary\">{}</pre>",
        escape(&summary(&report.analysis, &report.history))
    );
    files(&mut s, dir);
    s.push_str("<h2>Figures</h2>\n");
    for (name, caption) in FIGURES {
        let _ = writeln!(
            s,
            r#"<figure><a href="{name}"><img src="{name}" alt="{caption}"></a><figcaption>{caption}</figcaption></figure>"#
        );
    }
    s.push_str("</body></html>\n");
    s
}

fn settings(s: &mut String, report: &Report, faults: &[FaultPeriod]) {
    let c = &report.config;
    let n = &c.nemesis;
    let kinds: Vec<&str> = [("partition", n.partition), ("kill", n.kill), ("pause", n.pause)]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    let nemesis = if kinds.is_empty() {
        "none".to_owned()
    } else {
        format!("{} every ~{} s ({} fault periods)", kinds.join(", "), c.nemesis_interval_s, faults.len())
    };
    let rows = [
        ("nodes", c.node_ids.join(" ")),
        ("concurrency", c.concurrency.to_string()),
        ("rate", format!("{} ops/s", c.rate)),
        ("time limit", format!("{} s", c.time_limit_s)),
        ("latency", format!("{} ms, {}", c.latency_ms, format!("{:?}", c.latency_dist).to_lowercase())),
        ("nemesis", nemesis),
        ("executor", format!("{:?}", c.executor).to_lowercase()),
        ("seed", format!("{} (replay with --seed {})", c.seed, c.seed)),
        (
            "history",
            format!("{} records over {:.3} s", report.history.len(), seconds(super::ops::run_end_ns(&report.history))),
        ),
    ];
    s.push_str("<h2>Run</h2>\n<table id=\"settings\">\n");
    for (name, value) in rows {
        let _ = writeln!(s, "<tr><th>{name}</th><td>{}</td></tr>", escape(&value));
    }
    s.push_str("</table>\n");
}

fn sections(s: &mut String, results: &Value) {
    s.push_str("<h2>Checkers</h2>\n<table id=\"sections\">\n<tr><th>section</th><th>valid?</th></tr>\n");
    for (name, section) in results.as_object().into_iter().flatten().filter(|(k, _)| k.as_str() != "valid?") {
        let valid = match section.get("valid?") {
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::String(v)) => v.clone(),
            _ => "unknown".to_owned(),
        };
        let _ = writeln!(
            s,
            r#"<tr><td>{}</td><td class="valid-{}">{}</td></tr>"#,
            escape(name),
            escape(&valid),
            escape(&valid)
        );
    }
    s.push_str("</table>\n");
}

fn files(s: &mut String, dir: &Path) {
    s.push_str("<h2>Files</h2>\n<ul id=\"files\">\n");
    for (name, what) in FILES {
        let _ = writeln!(s, r#"<li><a href="{name}">{name}</a>: {what}</li>"#);
    }
    let mut logs: Vec<String> = std::fs::read_dir(dir.join("node-logs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    logs.sort();
    for log in logs {
        let _ = writeln!(s, r#"<li><a href="node-logs/{0}">node-logs/{0}</a>: a node's stderr</li>"#, escape(&log));
    }
    s.push_str("</ul>\n");
}
