//! The report written into every store folder: `index.html` linking the results, the verdict
//! and every figure; `messages.svg` (a Lamport diagram of the journaled messages);
//! `timeline.html` (each worker's ops over time); latency and rate charts; and the
//! `store/latest` link to the newest run. Maelstrom writes the same pictures
//! (<https://github.com/jepsen-io/maelstrom/blob/main/doc/results.md>).
//!
//! # Layout
//!
//! - [`faults`] closes the nemesis's recorded fault periods for drawing; every picture shades them.
//! - [`ops`] pairs invocations with completions.
//! - [`messages`] draws messages.svg, [`timeline`] writes timeline.html, [`charts`] draws the
//!   latency and rate charts with plotters, [`index`] writes index.html.
//! - [`latest`] points `store/latest` at the newest run.

pub mod charts;
pub mod faults;
pub mod index;
pub mod latest;
pub mod messages;
pub mod ops;
pub mod timeline;

use std::fs;
use std::path::Path;

use crate::history::OpType;
use crate::outcome::Report;

/// Figures drawn into every store folder, with the caption index.html gives them.
pub const FIGURES: [(&str, &str); 4] = [
    ("latency-raw.svg", "Latency of every client op, by op and outcome (log scale)"),
    ("latency-quantiles.svg", "Latency quantiles over time, by op (log scale)"),
    ("rate.svg", "Client ops completed per second, by op and outcome"),
    ("net-rate.svg", "Server messages sent per second"),
];

/// Writes the report's files into `dir`, which already holds results.json and history.json.
pub fn write(dir: &Path, report: &Report) -> std::io::Result<()> {
    let end_ns = ops::run_end_ns(&report.history);
    let faults = faults::periods(&report.faults, end_ns);
    let figures = [
        charts::latency_raw(&report.history, &faults),
        charts::latency_quantiles(&report.history, &faults),
        charts::rate(&report.history, &faults),
        charts::net_rate(&report.server_sends_per_s, &faults),
    ];
    for ((name, _), svg) in FIGURES.iter().zip(figures) {
        fs::write(dir.join(name), svg)?;
    }
    let concurrency = report.config.concurrency;
    fs::write(dir.join("messages.svg"), messages::svg(&report.messages, &report.config.node_ids, &faults))?;
    fs::write(dir.join("timeline.html"), timeline::html(&report.history, concurrency, &faults))?;
    fs::write(dir.join("index.html"), index::html(dir, report, &faults))?;
    Ok(())
}

/// Text made safe inside HTML and SVG, both in elements and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Colours told apart at a glance, for series by op and messages by type (Tableau 10).
pub const PALETTE: [(u8, u8, u8); 10] = [
    (0x4e, 0x79, 0xa7),
    (0xf2, 0x8e, 0x2b),
    (0x59, 0xa1, 0x4f),
    (0xb0, 0x7a, 0xa1),
    (0x76, 0xb7, 0xb2),
    (0xed, 0xc9, 0x48),
    (0x9c, 0x75, 0x5f),
    (0xff, 0x9d, 0xa7),
    (0xe1, 0x57, 0x59),
    (0xba, 0xb0, 0xac),
];

/// `#rrggbb` of palette entry `i` (wrapping).
pub fn palette_hex(i: usize) -> String {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Jepsen's timeline colours for each outcome (jepsen/checker/timeline.clj).
pub fn outcome_hex(kind: OpType) -> &'static str {
    match kind {
        OpType::Ok => "#6DB6FE",
        OpType::Fail => "#FEB5DA",
        OpType::Info | OpType::Invoke => "#FFAA26",
    }
}

/// The colour a fault kind is shaded in.
pub fn fault_rgb(kind: &str) -> (u8, u8, u8) {
    match kind {
        "partition" => (0xd6, 0x27, 0x28),
        "kill" => (0x55, 0x55, 0x55),
        _ => (0x94, 0x67, 0xbd),
    }
}

/// Seconds since the test started, as the pictures label time.
pub fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_both_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
