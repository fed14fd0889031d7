//! Fault periods as the pictures draw them: the spans the nemesis recorded
//! ([`crate::nemesis::FaultPeriod`]), each closed at the end of the run if it was still in force,
//! so every picture shades the same spans whatever fault produced them.

use crate::nemesis::{self, Fault};

/// One span during which a fault was in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultPeriod {
    /// What kind of fault: `partition`, `kill`, `pause`.
    pub kind: &'static str,
    /// When it began, in ns since the test started.
    pub start_ns: u64,
    /// When it ended; the end of the run if it never did.
    pub end_ns: u64,
    /// The nodes it touched (possibly none, as a partition of one node's minority-third cuts
    /// nothing).
    pub nodes: Vec<String>,
}

/// The nemesis's `recorded` periods, in start order; one still open at the end closes at
/// `run_end_ns`.
pub fn periods(recorded: &[nemesis::FaultPeriod], run_end_ns: u64) -> Vec<FaultPeriod> {
    let mut periods: Vec<FaultPeriod> = recorded
        .iter()
        .map(|p| FaultPeriod {
            kind: match p.fault {
                Fault::Partition => "partition",
                Fault::Kill => "kill",
                Fault::Pause => "pause",
            },
            start_ns: p.start_ns,
            end_ns: p.end_ns.unwrap_or(run_end_ns).max(p.start_ns),
            nodes: p.nodes.clone(),
        })
        .collect();
    periods.sort_by_key(|p| p.start_ns);
    periods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_periods_keep_their_kind_and_nodes_and_open_ones_close_at_the_end() {
        let n = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let recorded = [
            nemesis::FaultPeriod { fault: Fault::Pause, nodes: n(&["n2"]), start_ns: 6, end_ns: Some(9) },
            nemesis::FaultPeriod { fault: Fault::Kill, nodes: n(&["n1"]), start_ns: 5, end_ns: Some(8) },
            nemesis::FaultPeriod { fault: Fault::Partition, nodes: n(&[]), start_ns: 70, end_ns: None },
        ];
        let got: Vec<(&str, u64, u64, Vec<String>)> =
            periods(&recorded, 100).into_iter().map(|p| (p.kind, p.start_ns, p.end_ns, p.nodes)).collect();
        assert_eq!(got, [("kill", 5, 8, n(&["n1"])), ("pause", 6, 9, n(&["n2"])), ("partition", 70, 100, Vec::new()),]);
    }
}
