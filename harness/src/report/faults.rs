//! Fault periods, read back from the nemesis ops of the history, so every picture shades the
//! same spans whatever fault produced them.

use serde_json::Value;

use crate::history::{Op, Process};

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
    /// nothing); `None` when the nemesis ops did not say.
    pub nodes: Option<Vec<String>>,
}

/// Nemesis `f`s that open and close each kind of fault, as Jepsen's combined nemesis names
/// them (jepsen/nemesis/combined.clj): partitions, killed processes, paused processes.
const FAULTS: [(&str, &str, &str); 3] =
    [("start-partition", "stop-partition", "partition"), ("kill", "start", "kill"), ("pause", "resume", "pause")];

/// The fault periods of `history`, in start order; one still open at the end closes at
/// `run_end_ns`.
pub fn periods(history: &[Op], run_end_ns: u64) -> Vec<FaultPeriod> {
    let mut open: Vec<Option<FaultPeriod>> = vec![None; FAULTS.len()];
    let mut done = Vec::new();
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        for (k, &(start, stop, kind)) in FAULTS.iter().enumerate() {
            if op.f == start {
                // The invocation opens the period; its completion names the nodes it touched.
                let period =
                    open[k].get_or_insert(FaultPeriod { kind, start_ns: op.time_ns, end_ns: run_end_ns, nodes: None });
                if let Some(nodes) = nodes_of(&op.value) {
                    period.nodes = Some(nodes);
                }
            } else if op.f == stop {
                if let Some(mut period) = open[k].take() {
                    period.end_ns = op.time_ns;
                    done.push(period);
                }
            }
        }
    }
    done.extend(open.into_iter().flatten());
    done.sort_by_key(|p| p.start_ns);
    done
}

/// Node ids named by a nemesis value: a partition's `["isolated", {node: [senders]}]`, a list
/// of nodes, or a map keyed by node; `None` for a value that names no nodes (a shape name).
fn nodes_of(value: &Value) -> Option<Vec<String>> {
    let mut nodes: Vec<String> = match value {
        Value::Array(items) if items.first().and_then(Value::as_str) == Some("isolated") => {
            items.get(1).and_then(nodes_of).unwrap_or_default()
        }
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| {
                std::iter::once(k.clone())
                    .chain(v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)))
            })
            .collect(),
        _ => return None,
    };
    nodes.sort();
    nodes.dedup();
    Some(nodes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checker::test_support::Hist;

    fn nemesis(h: &mut Hist, time_ns: u64, f: &str, value: Value) {
        let op = h.info(0, f, value);
        op.process = Process::Nemesis;
        op.time_ns = time_ns;
    }

    #[test]
    fn a_partition_spans_start_to_stop_and_names_its_nodes() {
        let mut h = Hist::default();
        nemesis(&mut h, 10, "start-partition", json!("majority"));
        nemesis(&mut h, 10, "start-partition", json!(["isolated", {"n1": ["n2", "n3"], "n2": ["n1"]}]));
        nemesis(&mut h, 50, "stop-partition", Value::Null);
        nemesis(&mut h, 50, "stop-partition", json!("network-healed"));
        nemesis(&mut h, 70, "start-partition", json!("one"));
        let got = periods(&h.ops, 100);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].kind, got[0].start_ns, got[0].end_ns), ("partition", 10, 50));
        assert_eq!(got[0].nodes, Some(vec!["n1".to_owned(), "n2".to_owned(), "n3".to_owned()]));
        assert_eq!(got[1].nodes, None, "a shape name says nothing of the nodes");
        assert_eq!((got[1].start_ns, got[1].end_ns), (70, 100), "an open partition lasts to the end");
    }

    #[test]
    fn a_partition_that_cuts_nothing_touches_no_node() {
        let mut h = Hist::default();
        nemesis(&mut h, 10, "start-partition", json!("minority-third"));
        nemesis(&mut h, 10, "start-partition", json!(["isolated", {}]));
        assert_eq!(periods(&h.ops, 100)[0].nodes, Some(Vec::new()));
    }

    #[test]
    fn kills_and_pauses_are_periods_of_their_own_kind() {
        let mut h = Hist::default();
        nemesis(&mut h, 5, "kill", json!(["n1"]));
        nemesis(&mut h, 6, "pause", json!({"n2": "paused"}));
        nemesis(&mut h, 8, "start", json!(["n1"]));
        nemesis(&mut h, 9, "resume", json!(["n2"]));
        let got = periods(&h.ops, 100);
        let kinds: Vec<(&str, u64, u64, Option<Vec<String>>)> =
            got.into_iter().map(|p| (p.kind, p.start_ns, p.end_ns, p.nodes)).collect();
        let n = |id: &str| Some(vec![id.to_owned()]);
        assert_eq!(kinds, [("kill", 5, 8, n("n1")), ("pause", 6, 9, n("n2"))]);
    }
}
