//! Which worker performs which op, and when (jepsen generator.clj and interpreter.clj): the
//! main stream paced at `--rate` by Jepsen's `stagger`, a workload's side stream, the final
//! ops, and each op's requests, replies and client timeout.

use rand::Rng;

use super::phases::Phase;
use super::{Test, TestError, NS_PER_MS, NS_PER_S};
use crate::client::{Reply, Step};
use crate::executor::Executor;
use crate::history::{OpType, Process};
use crate::op::{Completion, OpSpec};
use crate::worker::{InFlight, WorkerClient};
use crate::workload::FinalStep;

impl Test {
    /// `from_ns` plus a gap U[0, 2/rate) s (jepsen generator `stagger`).
    pub(super) fn gap(&mut self, from_ns: u64) -> u64 {
        if self.rate <= 0.0 {
            return u64::MAX;
        }
        let max_gap_ns = ((2.0 / self.rate) * NS_PER_S as f64) as u64;
        from_ns + self.rng.gen_range(0..max_gap_ns.max(1))
    }

    /// The main phase: nemesis ops, the rate-paced stream and the side stream.
    pub(super) fn step_main(&mut self, now: u64, exec: &mut dyn Executor) -> Result<bool, TestError> {
        if now >= self.main_end_ns {
            self.phase = Phase::Drain;
            return Ok(true);
        }
        let mut progressed = self.step_nemesis(now, exec)?;
        while self.next_op_ns <= now && self.next_op_ns < self.main_end_ns {
            let Some(w) = self.rotation.pick(&self.workers) else {
                self.op_blocked = true;
                break;
            };
            let Some(spec) = self.generator.next_op(w, &mut self.rng) else {
                self.next_op_ns = u64::MAX;
                break;
            };
            self.invoke(now, w, spec);
            // Jepsen's `stagger`: an op issued on schedule sets the next one a gap after its
            // scheduled time; an op that waited for a free worker, a gap after it was issued,
            // so a backlog is not caught up in a burst.
            let base = if std::mem::take(&mut self.op_blocked) { now } else { self.next_op_ns };
            self.next_op_ns = self.gap(base);
            progressed = true;
        }
        Ok(progressed | self.step_side_stream(now))
    }

    fn step_side_stream(&mut self, now: u64) -> bool {
        if self.next_side_ns > now {
            return false;
        }
        let Some(side) = self.side.clone() else { return false };
        let Some(w) = self.rotation.pick(&self.workers) else { return false };
        self.invoke(now, w, side.op);
        self.next_side_ns = self.next_side_ns.saturating_add(self.rng.gen_range(0..side.max_gap_ns.max(1)));
        true
    }

    /// The final phase: each idle worker asks the generator for its next final op.
    pub(super) fn step_final(&mut self, now: u64) -> bool {
        let mut progressed = false;
        for w in 0..self.workers.len() {
            let worker = &self.workers[w];
            if worker.finished || !worker.is_idle() || worker.wake_ns > now {
                continue;
            }
            match self.generator.final_op(w, now, &mut self.rng) {
                FinalStep::Op(spec) => self.invoke(now, w, spec),
                FinalStep::Wait(until_ns) => {
                    self.workers[w].wake_ns = until_ns;
                    continue;
                }
                FinalStep::Done => self.workers[w].finished = true,
            }
            progressed = true;
        }
        if self.workers.iter().all(|w| w.finished) {
            self.phase = Phase::Done;
            return true;
        }
        progressed
    }

    /// Setup deadlines abort the run; op deadlines complete the op as a timeout.
    pub(super) fn fire_timeouts(&mut self, now: u64) -> Result<bool, TestError> {
        self.check_setup_deadlines(now)?;
        let due: Vec<usize> = (0..self.workers.len())
            .filter(|&w| self.workers[w].op.as_ref().is_some_and(|op| op.deadline_ns <= now))
            .collect();
        for &w in &due {
            self.continue_op(now, w, Reply::Timeout);
        }
        Ok(!due.is_empty())
    }

    /// Hands a reply (or its absence) to worker `w`'s client.
    pub(super) fn continue_op(&mut self, now: u64, w: usize, reply: Reply) {
        let Some(op) = self.workers[w].op.take() else { return };
        let Some(client) = self.workers[w].client.as_mut() else { return };
        let step = client.logic.on_reply(&op.spec, reply);
        self.take_step(now, w, op.spec, step);
    }

    fn invoke(&mut self, now: u64, w: usize, spec: OpSpec) {
        let worker = &self.workers[w];
        if worker.client.is_none() || worker.replace_client {
            if let Some(old) = self.workers[w].client.take() {
                self.net.unregister(&old.id);
                self.client_worker.remove(&old.id);
            }
            let id = self.open_client();
            self.client_worker.insert(id.clone(), w);
            self.workers[w].client = Some(WorkerClient { id, logic: self.workload.client(), last_msg_id: 0 });
            self.workers[w].replace_client = false;
        }
        let process = Process::Client(self.workers[w].process);
        self.record(now, process, OpType::Invoke, &spec, spec.value.clone(), None, None);
        let Some(client) = self.workers[w].client.as_mut() else { return };
        let step = client.logic.invoke(&spec);
        self.take_step(now, w, spec, step);
    }

    fn take_step(&mut self, now: u64, w: usize, spec: OpSpec, step: Step) {
        match step {
            Step::Call(body) => {
                let Some((body, msg_id)) = self.workers[w].stamp(body) else { return };
                let client = self.workers[w].client.as_ref().map(|c| c.id.clone()).unwrap_or_default();
                let node = self.node_ids[self.workers[w].node].clone();
                self.send(now, &client, &node, body);
                let deadline_ns = now + self.workload.timeout_ms() * NS_PER_MS;
                self.workers[w].op = Some(InFlight { spec, msg_id, deadline_ns });
            }
            Step::Done(done) => self.complete(now, w, spec, done),
        }
    }

    fn complete(&mut self, now: u64, w: usize, spec: OpSpec, done: Completion) {
        let process = Process::Client(self.workers[w].process);
        self.record(now, process, done.kind, &spec, done.value.clone(), done.error.clone(), done.exception.clone());
        if done.kind == OpType::Info {
            // Jepsen's interpreter: the worker's next op runs as a new process, on a new client
            // unless the workload's client is reusable.
            self.workers[w].process += self.workers.len() as u64;
            self.workers[w].replace_client = !self.workload.client_reusable();
        }
        self.generator.update(w, &spec, &done, now, &mut self.rng);
    }
}
