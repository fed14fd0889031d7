//! The nemesis's ops (jepsen nemesis/combined.clj, maelstrom/nemesis.clj): partitions of the
//! network, and kills and pauses of nodes, each recorded in the history as a pair of `:nemesis`
//! info ops and as a [`FaultPeriod`] for results and plots.

use rand::Rng;
use serde_json::{json, Map, Value};

use super::{NodeState, Test, TestError};
use crate::executor::Executor;
use crate::history::{OpType, Process};
use crate::nemesis::process::ProcessOp;
use crate::nemesis::{self, Fault, FaultPeriod, SHAPES};
use crate::op::OpSpec;

impl Test {
    /// Runs the nemesis ops that are due: the partition package's and the process package's,
    /// each on its own schedule.
    pub(super) fn step_nemesis(&mut self, now: u64, exec: &mut dyn Executor) -> Result<bool, TestError> {
        let mut progressed = false;
        if self.partitions.as_ref().is_some_and(|s| s.next_ns <= now) {
            self.partition_op(now, !self.partitioned);
            progressed = true;
        }
        if self.process_schedule.as_ref().is_some_and(|s| s.next_ns <= now) {
            if let Some(op) = self.process_faults.next(&mut self.rng) {
                self.process_op(now, op, exec)?;
            }
            if let Some(schedule) = self.process_schedule.as_mut() {
                schedule.advance(now, &mut self.rng);
            }
            progressed = true;
        }
        Ok(progressed)
    }

    /// Ends every fault before the final phase, in the order of Jepsen's final generators: heal,
    /// resume, start.
    pub(super) fn heal_all(&mut self, now: u64, exec: &mut dyn Executor) -> Result<(), TestError> {
        if self.partitions.is_some() {
            self.partition_op(now, false);
        }
        for op in self.process_faults.undo_all() {
            self.process_op(now, op, exec)?;
        }
        Ok(())
    }

    /// Runs one partition op: a partition of a random shape, or a heal.
    fn partition_op(&mut self, now: u64, start: bool) {
        let (f, invoke_value, done_value) = if start {
            let shape = SHAPES[self.rng.gen_range(0..SHAPES.len())];
            let grudge = nemesis::grudge(shape, &self.node_ids, &mut self.rng);
            let done = nemesis::grudge_value(&grudge);
            self.open_period(now, Fault::Partition, grudge.keys().cloned().collect());
            self.net.set_grudge(grudge);
            ("start-partition", json!(shape.name()), done)
        } else {
            self.net.heal();
            self.close_periods(now, Fault::Partition);
            ("stop-partition", Value::Null, json!("network-healed"))
        };
        self.record_nemesis(now, f, invoke_value, done_value);
        self.partitioned = start;
        if let Some(schedule) = self.partitions.as_mut() {
            schedule.advance(now, &mut self.rng);
        }
    }

    /// Runs one kill, start, pause or resume; the completion's value maps each targeted node to
    /// what happened to it.
    fn process_op(&mut self, now: u64, op: ProcessOp, exec: &mut dyn Executor) -> Result<(), TestError> {
        let n = self.node_ids.len();
        let (targets, invoke_value) = match op {
            ProcessOp::Kill(spec) | ProcessOp::Pause(spec) => (spec.pick(n, &mut self.rng), json!(spec.name())),
            ProcessOp::Start | ProcessOp::Resume => ((0..n).collect(), json!("all")),
        };
        let mut results = Map::new();
        let mut hit = Vec::new();
        for node in targets {
            let result = self.process_step(now, op, node, exec)?;
            if matches!(result, "killed" | "paused") {
                hit.push(self.node_ids[node].clone());
            }
            results.insert(self.node_ids[node].clone(), json!(result));
        }
        match op {
            ProcessOp::Kill(_) if !hit.is_empty() => self.open_period(now, Fault::Kill, hit),
            ProcessOp::Pause(_) if !hit.is_empty() => self.open_period(now, Fault::Pause, hit),
            ProcessOp::Start => self.close_periods(now, Fault::Kill),
            ProcessOp::Resume => self.close_periods(now, Fault::Pause),
            _ => {}
        }
        self.record_nemesis(now, op.f(), invoke_value, Value::Object(results));
        Ok(())
    }

    /// Applies `op` to one node; returns what happened, as the history records it.
    fn process_step(
        &mut self,
        now: u64,
        op: ProcessOp,
        node: usize,
        exec: &mut dyn Executor,
    ) -> Result<&'static str, TestError> {
        let id = self.node_ids[node].clone();
        let state = self.node_states[node];
        let (next, result) = match (op, state) {
            (ProcessOp::Kill(_), NodeState::Down) => (state, "dead"),
            (ProcessOp::Kill(_), _) => {
                exec.kill(node)?;
                // Maelstrom keeps the id registered; what is queued for it is lost.
                self.net.node_down(&id);
                (NodeState::Down, "killed")
            }
            (ProcessOp::Start, NodeState::Down) => {
                exec.restart(node)?;
                self.net.node_up(&id);
                self.muted[node] = None;
                self.restart_init(now, node);
                (NodeState::Up, "started")
            }
            (ProcessOp::Pause(_), NodeState::Up) => {
                exec.pause(node)?;
                (NodeState::Paused, "paused")
            }
            (ProcessOp::Resume, NodeState::Paused) => {
                exec.resume(node)?;
                (NodeState::Up, "resumed")
            }
            (ProcessOp::Pause(_), NodeState::Paused) => (state, "paused"),
            (_, NodeState::Down) => (state, "dead"),
            (_, _) => (state, "running"),
        };
        self.node_states[node] = next;
        Ok(result)
    }

    fn record_nemesis(&mut self, now: u64, f: &str, invoke_value: Value, done_value: Value) {
        let spec = OpSpec::new(f, invoke_value.clone());
        self.record(now, Process::Nemesis, OpType::Info, &spec, invoke_value, None, None);
        self.record(now, Process::Nemesis, OpType::Info, &spec, done_value, None, None);
    }

    fn open_period(&mut self, now: u64, fault: Fault, nodes: Vec<String>) {
        self.fault_periods.push(FaultPeriod { fault, nodes, start_ns: now, end_ns: None });
    }

    fn close_periods(&mut self, now: u64, fault: Fault) {
        for period in self.fault_periods.iter_mut().filter(|p| p.fault == fault && p.end_ns.is_none()) {
            period.end_ns = Some(now);
        }
    }
}
