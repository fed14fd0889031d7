//! Markdown tables of the overhead and size figures, as docs/benchmarks.md shows them.

use std::fmt::Write as _;
use std::time::Instant;

use glomer_crdt::{GSet, Hlc, LwwMap, PNCounter, ReplicaId, Topology};

use crate::overhead::{self, Overhead, OverheadError, Protocol, TOPOLOGIES};
use crate::sizes::{self, DeltaSize};
use crate::workload::{replica, Workload};

/// Seed of every overhead run (topology `random:4` and the network's delays).
pub const SEED: u64 = 1;

/// Which runs to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Update counts, e.g. 100, 1 000, 10 000.
    pub updates: Vec<u64>,
    /// Full-state and classic delta runs only up to this many updates: without the
    /// optimisations messages carry (nearly) the whole, growing state, so their simulation cost
    /// grows with the square of the update count.
    pub unoptimised_updates_max: u64,
    /// Topologies, as `Topology` parses them.
    pub topologies: Vec<String>,
}

/// One table row: a topology and update count under each protocol of the table.
struct Row {
    topology: String,
    updates: u64,
    runs: Vec<Option<Overhead>>,
}

/// The message-overhead table of workload `W` under full state, classic δ and BP+RR δ, with
/// the cut in bytes that the optimisations give. Progress and wall times go to stderr.
pub fn overhead_table<W: Workload>(plan: &Plan) -> Result<String, OverheadError> {
    let rows = run_rows::<W>(plan, &Protocol::ALL)?;
    Ok(format_overhead(&format!("{}: messages and bytes per update", W::NAME), &Protocol::ALL, &rows))
}

/// The same runs with the two optimisations apart: classic δ, BP only, RR only, BP+RR.
pub fn apart_table<W: Workload>(plan: &Plan) -> Result<String, OverheadError> {
    let rows = run_rows::<W>(plan, &Protocol::APART)?;
    Ok(format_overhead(
        &format!("{}: BP and RR apart, messages and bytes per update", W::NAME),
        &Protocol::APART,
        &rows,
    ))
}

fn run_rows<W: Workload>(plan: &Plan, protocols: &[Protocol]) -> Result<Vec<Row>, OverheadError> {
    let mut rows = Vec::new();
    for name in &plan.topologies {
        let Ok(topology) = name.parse::<Topology>() else { continue };
        for &updates in &plan.updates {
            let mut runs = Vec::new();
            for &protocol in protocols {
                if protocol.is_quadratic() && updates > plan.unoptimised_updates_max {
                    runs.push(None);
                    continue;
                }
                let started = Instant::now();
                let run = overhead::measure::<W>(&topology, protocol, updates, SEED)?;
                eprintln!("{} {name} {updates} {protocol}: {:.1?}", W::NAME, started.elapsed());
                runs.push(Some(run));
            }
            rows.push(Row { topology: name.clone(), updates, runs });
        }
    }
    Ok(rows)
}

/// Column heading of a protocol.
fn heading(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::FullState => "full state",
        Protocol::ClassicDelta => "classic δ",
        Protocol::BackPropagationOnly => "BP only δ",
        Protocol::RedundancyOnly => "RR only δ",
        Protocol::OptimisedDelta => "BP+RR δ",
    }
}

fn format_overhead(title: &str, protocols: &[Protocol], rows: &[Row]) -> String {
    let mut out = format!("### {title}, {} replicas\n\n| topology | updates ", overhead::NODES);
    for &protocol in protocols {
        let _ = write!(out, "| {0} msgs | {0} bytes ", heading(protocol));
    }
    out.push_str("| BP+RR bytes vs classic |\n|---|---:");
    out.push_str(&"|---:|---:".repeat(protocols.len()));
    out.push_str("|---:|\n");
    let classic = protocols.iter().position(|p| *p == Protocol::ClassicDelta);
    let optimised = protocols.iter().position(|p| *p == Protocol::OptimisedDelta);
    for row in rows {
        let _ = write!(out, "| {} | {} ", row.topology, row.updates);
        for run in &row.runs {
            match run {
                Some(run) => {
                    let _ = write!(out, "| {:.1} | {:.0} ", run.messages_per_update(), run.bytes_per_update());
                }
                None => out.push_str("| – | – "),
            }
        }
        let pick = |index: Option<usize>| index.and_then(|i| row.runs[i]);
        let _ = writeln!(out, "| {} |", cut(pick(classic), pick(optimised)));
    }
    out
}

/// The optimised protocol's bytes relative to the classic one's, as a signed percentage.
fn cut(classic: Option<Overhead>, optimised: Option<Overhead>) -> String {
    match (classic, optimised) {
        (Some(classic), Some(optimised)) if classic.bytes_sent > 0 => {
            let change_pct = (optimised.bytes_sent as f64 / classic.bytes_sent as f64 - 1.0) * 100.0;
            // One decimal near -100 %, where rounding to whole percent would read as "all".
            if change_pct < -99.0 {
                format!("{change_pct:+.1} %")
            } else {
                format!("{change_pct:+.0} %")
            }
        }
        _ => "–".to_string(),
    }
}

/// Postcard and JSON bytes of a delta-group of [`sizes::GROUP_MUTATIONS`] mutations against
/// the whole state, for each type at each element count.
pub fn sizes_table(elements: &[u64]) -> String {
    let mut out =
        String::from("| type | elements | state bytes | δ-group bytes | δ / state | state JSON | δ-group JSON |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for &n in elements {
        size_row(&mut out, "GSet", sizes::measure(n, |set: &mut GSet<u64>, k| set.insert(k)));
    }
    for &n in elements {
        // n distinct keys; the group writes fresh keys at later timestamps.
        let mut clock = Hlc::new(ReplicaId(0));
        let size = sizes::measure(n, |map: &mut LwwMap<u64, u64>, k| map.insert(k, k, clock.now(k)));
        size_row(&mut out, "LwwMap", size);
    }
    for &n in elements {
        // n replicas with an entry each; the group is increments by 25 of them.
        let size = sizes::measure(n, |counter: &mut PNCounter, k| counter.add(replica((k % n.max(1)) as usize), 1));
        size_row(&mut out, "PNCounter (elements = replicas)", size);
    }
    out
}

fn size_row(out: &mut String, name: &str, size: DeltaSize) {
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {} | {:.2e} | {} | {} |",
        size.elements,
        size.state_bytes,
        size.group_bytes,
        size.ratio(),
        size.state_json_bytes,
        size.group_json_bytes
    );
}

/// The default plan over every topology of [`TOPOLOGIES`].
pub fn plan(updates: Vec<u64>, unoptimised_updates_max: u64) -> Plan {
    Plan { updates, unoptimised_updates_max, topologies: TOPOLOGIES.iter().map(|t| t.to_string()).collect() }
}
