//! The phases of a test (maelstrom/core.clj): every node gets `init` (10 s), then the
//! workload's setup (broadcast's `topology`, 5 s), then the main phase for `--time-limit`
//! seconds from its first op; the test drains the ops in flight and, for workloads with a
//! final phase, heals the network, waits 10 s and runs the final ops.

use glomer_adapters::Body;
use rand::Rng;

use super::{Test, TestError, NS_PER_S};
use crate::executor::Executor;
use crate::worker::Worker;

/// `init_ok` must arrive within this (maelstrom/db.clj).
const INIT_TIMEOUT_NS: u64 = 10 * NS_PER_S;
/// The broadcast topology's reply timeout (maelstrom/workload/broadcast.clj).
const SETUP_TIMEOUT_NS: u64 = 5 * NS_PER_S;
/// The wait between the heal and the final ops (maelstrom/core.clj).
const RECOVERY_NS: u64 = 10 * NS_PER_S;

/// Where a test is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Init,
    Setup,
    Main,
    Drain,
    Recover,
    Final,
    Done,
}

/// A request of the start-up, from its own client, that must be answered with `expect`.
pub(super) struct SetupCall {
    pub(super) client: String,
    pub(super) node: usize,
    pub(super) expect: &'static str,
    pub(super) deadline_ns: u64,
    pub(super) answered: bool,
}

impl Test {
    /// The fraction of the main phase behind us, for a progress bar.
    pub fn progress(&self, now: u64) -> f64 {
        match self.phase {
            Phase::Init | Phase::Setup => 0.0,
            Phase::Main => 1.0 - (self.main_end_ns.saturating_sub(now) as f64 / self.time_limit_ns.max(1) as f64),
            _ => 1.0,
        }
    }

    /// The short name of the current phase.
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Init => "init",
            Phase::Setup => "setup",
            Phase::Main => "main",
            Phase::Drain => "draining",
            Phase::Recover => "recovering",
            Phase::Final => "final",
            Phase::Done => "done",
        }
    }

    /// Sends node `node` its `init` from a fresh init client.
    pub(super) fn send_init(&mut self, now: u64, node: usize) {
        self.setup_call(now, node, self.init_body(node), "init_ok", INIT_TIMEOUT_NS);
    }

    /// Sends restarted node `node` a fresh `init` from a fresh init client. Unlike start-up, a
    /// restarted node that does not answer does not abort the run: the ops it misses say so.
    pub(super) fn restart_init(&mut self, now: u64, node: usize) {
        let client = self.open_client();
        let mut body = self.init_body(node);
        body.msg_id = Some(1);
        self.send(now, &client, &self.node_ids[node].clone(), body);
        self.restart_inits.insert(client, node);
    }

    fn init_body(&self, node: usize) -> Body {
        Body::new("init").with("node_id", self.node_ids[node].clone()).with("node_ids", self.node_ids.clone())
    }

    fn setup_call(&mut self, now: u64, node: usize, mut body: Body, expect: &'static str, timeout_ns: u64) {
        let client = self.open_client();
        body.msg_id = Some(1);
        self.send(now, &client, &self.node_ids[node].clone(), body);
        self.setup.push(SetupCall { client, node, expect, deadline_ns: now + timeout_ns, answered: false });
    }

    /// The wake-up the current phase needs, if any.
    pub(super) fn phase_wakeup_ns(&self) -> Option<u64> {
        match self.phase {
            Phase::Main => {
                let idle = self.workers.iter().any(Worker::is_idle);
                let op = idle.then_some(self.next_op_ns.min(self.next_side_ns));
                let partitions = self.partitions.as_ref().map(|s| s.next_ns);
                let processes = self.process_schedule.as_ref().map(|s| s.next_ns);
                [op, partitions, processes, Some(self.main_end_ns)].into_iter().flatten().min()
            }
            Phase::Recover => Some(self.recover_until_ns),
            Phase::Final => self.workers.iter().filter(|w| !w.finished && w.is_idle()).map(|w| w.wake_ns).min(),
            _ => None,
        }
    }

    /// A setup call not answered in time aborts the run, as in Maelstrom.
    pub(super) fn check_setup_deadlines(&self, now: u64) -> Result<(), TestError> {
        let Some(call) = self.setup.iter().find(|c| !c.answered && c.deadline_ns <= now) else { return Ok(()) };
        let node = &self.node_ids[call.node];
        let why = self.muted[call.node].as_ref().map(|m| format!(": {m}")).unwrap_or_default();
        Err(TestError::Setup(format!("node {node} did not answer with {} in time{why}", call.expect)))
    }

    /// Moves to the next phase when the current one is over, and runs the phase's work.
    pub(super) fn step_phase(&mut self, now: u64, exec: &mut dyn Executor) -> Result<bool, TestError> {
        let all_answered = self.setup.iter().all(|c| c.answered);
        let all_idle = self.workers.iter().all(Worker::is_idle);
        match self.phase {
            Phase::Init if all_answered => self.start_setup(now),
            Phase::Setup if all_answered => self.start_main(now),
            Phase::Main => return self.step_main(now, exec),
            Phase::Drain if all_idle => {
                if self.generator.has_final_phase() {
                    self.heal_all(now, exec)?;
                    self.recover_until_ns = now + RECOVERY_NS;
                    self.phase = Phase::Recover;
                } else {
                    self.phase = Phase::Done;
                }
            }
            Phase::Recover if now >= self.recover_until_ns => self.phase = Phase::Final,
            Phase::Final => return Ok(self.step_final(now)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn start_setup(&mut self, now: u64) {
        self.phase = Phase::Setup;
        for node in 0..self.node_ids.len() {
            match self.workload.setup_request(&self.node_ids, node) {
                Some((body, expect)) => self.setup_call(now, node, body, expect, SETUP_TIMEOUT_NS),
                None => {
                    self.open_client(); // every node gets a setup client, as in Maelstrom
                }
            }
        }
    }

    fn start_main(&mut self, now: u64) {
        self.phase = Phase::Main;
        self.next_op_ns = self.gap(now);
        // The time limit counts from the first op of the nemesis and client streams together
        // (maelstrom/core.clj wraps both in one `time-limit`): the nemesis acts at once; without
        // it, the first client op; without either, now.
        let nemesis = self.partitions.is_some() || self.process_schedule.is_some();
        let first = if self.rate > 0.0 && !nemesis { self.next_op_ns } else { now };
        self.main_end_ns = first + self.time_limit_ns;
        for schedule in [self.partitions.as_mut(), self.process_schedule.as_mut()].into_iter().flatten() {
            schedule.next_ns = now;
        }
        self.side = self.generator.side_stream(self.workers.len());
        if let Some(side) = &self.side {
            self.next_side_ns = now + self.rng.gen_range(0..side.max_gap_ns.max(1));
        }
    }
}
