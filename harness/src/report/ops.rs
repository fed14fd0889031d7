//! Client ops as spans from invocation to completion, which the timeline and the latency
//! charts draw.

use std::collections::HashMap;

use crate::history::{Op, OpType, Process};

/// One client op, from its invocation to its completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Span<'a> {
    /// The invocation record.
    pub invoke: &'a Op,
    /// The completion record; `None` when the run ended first.
    pub completion: Option<&'a Op>,
}

impl Span<'_> {
    /// The process that ran the op.
    pub fn process(&self) -> u64 {
        match self.invoke.process {
            Process::Client(p) => p,
            Process::Nemesis => 0,
        }
    }

    /// The completion type, `info` for an op that never completed (Jepsen treats those alike).
    pub fn outcome(&self) -> OpType {
        self.completion.map_or(OpType::Info, |c| c.kind)
    }

    /// When the op completed, or `run_end_ns` if it never did.
    pub fn end_ns(&self, run_end_ns: u64) -> u64 {
        self.completion.map_or(run_end_ns, |c| c.time_ns)
    }

    /// Invocation to completion, in ms; `None` for an op that never completed.
    pub fn latency_ms(&self) -> Option<f64> {
        self.completion.map(|c| (c.time_ns - self.invoke.time_ns) as f64 / 1e6)
    }
}

/// The client ops of `history`, in invocation order.
pub fn spans(history: &[Op]) -> Vec<Span<'_>> {
    let mut spans: Vec<Span<'_>> = Vec::new();
    let mut open: HashMap<Process, usize> = HashMap::new();
    for op in history.iter().filter(|op| op.is_client()) {
        if op.kind == OpType::Invoke {
            open.insert(op.process, spans.len());
            spans.push(Span { invoke: op, completion: None });
        } else if let Some(at) = open.remove(&op.process) {
            spans[at].completion = Some(op);
        }
    }
    spans
}

/// The time of the last record, taken as the end of the run.
pub fn run_end_ns(history: &[Op]) -> u64 {
    history.iter().map(|op| op.time_ns).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::checker::test_support::Hist;

    #[test]
    fn completions_pair_with_their_process_invocation() {
        let mut h = Hist::default();
        h.invoke(0, "read", Value::Null);
        h.invoke(1, "read", Value::Null);
        h.ok(1, "read", Value::Null).time_ns = 3_000_000;
        h.fail(0, "read", Value::Null).time_ns = 4_000_000;
        h.invoke(1, "read", Value::Null);
        let got = spans(&h.ops);
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].outcome(), got[0].latency_ms()), (OpType::Fail, Some(4.0)));
        assert_eq!((got[1].outcome(), got[1].latency_ms()), (OpType::Ok, Some(2.0)));
        assert_eq!((got[2].outcome(), got[2].end_ns(9)), (OpType::Info, 9));
    }
}
