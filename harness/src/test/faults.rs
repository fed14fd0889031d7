//! The nemesis's ops: partitions of the network (jepsen nemesis/combined.clj, maelstrom
//! nemesis.clj), recorded in the history as `:nemesis` info ops.

use rand::Rng;
use serde_json::{json, Value};

use super::Test;
use crate::history::{OpType, Process};
use crate::nemesis::{self, SHAPES};
use crate::op::OpSpec;

impl Test {
    /// Runs the nemesis op that is due, if one is.
    pub(super) fn step_nemesis(&mut self, now: u64) -> bool {
        if self.nemesis.as_ref().is_none_or(|s| s.next_ns > now) {
            return false;
        }
        let start = !self.nemesis.as_ref().is_some_and(|s| s.partitioned);
        self.nemesis_op(now, start);
        true
    }

    /// Ends every fault before the final phase (Jepsen's final generator).
    pub(super) fn heal_all(&mut self, now: u64) {
        if self.nemesis.is_some() {
            self.nemesis_op(now, false);
        }
    }

    /// Runs one nemesis op: a partition of a random shape, or a heal.
    fn nemesis_op(&mut self, now: u64, start: bool) {
        let (f, invoke_value, done_value) = if start {
            let shape = SHAPES[self.rng.gen_range(0..SHAPES.len())];
            let grudge = nemesis::grudge(shape, &self.node_ids, &mut self.rng);
            let done = nemesis::grudge_value(&grudge);
            self.net.set_grudge(grudge);
            ("start-partition", json!(shape.name()), done)
        } else {
            self.net.heal();
            ("stop-partition", Value::Null, json!("network-healed"))
        };
        let spec = OpSpec::new(f, invoke_value.clone());
        self.record(now, Process::Nemesis, OpType::Info, &spec, invoke_value, None, None);
        self.record(now, Process::Nemesis, OpType::Info, &spec, done_value, None, None);
        if let Some(schedule) = self.nemesis.as_mut() {
            schedule.partitioned = start;
            schedule.advance(now, &mut self.rng);
        }
    }
}
