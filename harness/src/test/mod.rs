//! The test itself, independent of how nodes run. Both executors drive one [`Test`]:
//!
//! - `phases`: start-up (`init`, the workload's setup), the main phase, draining, the heal
//!   and recovery wait, the final phase (maelstrom/core.clj);
//! - `schedule`: which worker performs which op when: the rate-paced main stream, a
//!   workload's side stream, the final ops, client timeouts;
//! - `faults`: the nemesis's ops on the network (partitions) and the nodes (kill, pause);
//! - `route`: every message through the network to nodes, clients and services, and every
//!   line a node writes back.

mod faults;
mod phases;
mod route;
mod schedule;

use std::collections::HashMap;

use glomer_adapters::{Body, Message, Name};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use self::phases::{Phase, SetupCall};
use crate::config::TestConfig;
use crate::executor::{ExecError, Executor};
use crate::history::{Op, OpType, Process};
use crate::nemesis::process::ProcessFaults;
use crate::nemesis::{FaultPeriod, Schedule};
use crate::net::journal::Journal;
use crate::net::latency::Latency;
use crate::net::Network;
use crate::op::OpSpec;
use crate::services::{self, Services};
use crate::worker::{Rotation, Worker};
use crate::workload::{Generator, SideStream, TestWorkload};

const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// Why a test could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// A node failed `init` or the workload's setup (Maelstrom aborts the run).
    #[error("setup failed: {0}")]
    Setup(String),
    /// The executor failed (a node crashed, could not be started, …).
    #[error(transparent)]
    Exec(#[from] ExecError),
}

/// What a finished test leaves for the analysis.
pub struct Outcome {
    /// The history.
    pub history: Vec<Op>,
    /// The network, with its journal.
    pub net: Network,
    /// Diagnostics: muted nodes and why.
    pub problems: Vec<String>,
    /// The workload, whose checker judges the history.
    pub workload: Box<dyn TestWorkload>,
    /// When each fault was in force.
    pub faults: Vec<FaultPeriod>,
}

/// Whether a node runs, as the nemesis left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    Up,
    Paused,
    Down,
}

/// One test run in progress.
pub struct Test {
    node_ids: Vec<String>,
    node_index: HashMap<String, usize>,
    /// Per node: why its output is ignored, once it is.
    muted: Vec<Option<String>>,
    rng: ChaCha8Rng,
    net: Network,
    services: Services,
    workload: Box<dyn TestWorkload>,
    generator: Box<dyn Generator>,
    history: Vec<Op>,
    phase: Phase,
    setup: Vec<SetupCall>,
    workers: Vec<Worker>,
    client_worker: HashMap<String, usize>,
    next_client: u64,
    rotation: Rotation,
    rate: f64,
    time_limit_ns: u64,
    next_op_ns: u64,
    /// Whether the due op had to wait for a free worker.
    op_blocked: bool,
    main_end_ns: u64,
    recover_until_ns: u64,
    /// The workload's side stream (kafka's crashes), once the main phase started.
    side: Option<SideStream>,
    /// Next op of the side stream.
    next_side_ns: u64,
    /// The partition package's schedule, with `--nemesis partition`.
    partitions: Option<Schedule>,
    /// Whether a partition is in force (so the next partition op is a heal).
    partitioned: bool,
    /// The process package's schedule, with `--nemesis kill` or `pause`.
    process_schedule: Option<Schedule>,
    process_faults: ProcessFaults,
    node_states: Vec<NodeState>,
    /// Init clients of restarted nodes, still waiting for `init_ok`, and their node.
    restart_inits: HashMap<String, usize>,
    /// Whether a message to a retired client is dropped rather than muting its node (see
    /// docs/harness.md: the paused-node late-reply hazard).
    drop_late_replies: bool,
    fault_periods: Vec<FaultPeriod>,
    problems: Vec<String>,
}

impl Test {
    /// A test of `workload` as `config` describes it, with every random choice drawn from `rng`.
    pub fn new(config: &TestConfig, workload: Box<dyn TestWorkload>, rng: ChaCha8Rng) -> Self {
        let mut net = Network::new(Latency { dist: config.latency_dist, mean_ms: config.latency_ms });
        net.log_send = config.log_net_send;
        net.log_recv = config.log_net_recv;
        net.journal = Journal::new(config.message_window);
        let n = config.node_ids.len();
        Test {
            node_ids: config.node_ids.clone(),
            node_index: config.node_ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect(),
            muted: vec![None; n],
            rng,
            net,
            services: Services::default(),
            generator: workload.generator(),
            workload,
            history: Vec::new(),
            phase: Phase::Init,
            setup: Vec::new(),
            workers: (0..config.concurrency).map(|w| Worker::new(w, n)).collect(),
            client_worker: HashMap::new(),
            next_client: 0,
            rotation: Rotation::default(),
            rate: config.rate,
            time_limit_ns: (config.time_limit_s * NS_PER_S as f64) as u64,
            next_op_ns: u64::MAX,
            op_blocked: false,
            main_end_ns: u64::MAX,
            recover_until_ns: 0,
            side: None,
            next_side_ns: u64::MAX,
            partitions: config.nemesis.partition.then(|| Schedule::new(0, config.nemesis_interval_s)),
            partitioned: false,
            process_schedule: (config.nemesis.kill || config.nemesis.pause)
                .then(|| Schedule::new(0, config.nemesis_interval_s)),
            process_faults: ProcessFaults::new(config.nemesis.kill, config.nemesis.pause),
            node_states: vec![NodeState::Up; n],
            restart_inits: HashMap::new(),
            drop_late_replies: config.nemesis.pause,
            fault_periods: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Registers every id (services and all nodes before any process starts, as
    /// maelstrom/db.clj does), starts the nodes and sends each its `init` from its own init
    /// client.
    pub fn start(&mut self, exec: &mut dyn Executor) -> Result<(), TestError> {
        for id in services::IDS.iter().copied().chain(self.node_ids.iter().map(String::as_str)) {
            self.net.register(id);
        }
        exec.start(&self.node_ids)?;
        let now = exec.now_ns();
        for node in 0..self.node_ids.len() {
            self.send_init(now, node);
        }
        Ok(())
    }

    /// Whether the test is over.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Does everything due at `now`: deliveries, timeouts, phase changes, new ops.
    pub fn advance(&mut self, now: u64, exec: &mut dyn Executor) -> Result<(), TestError> {
        loop {
            let mut progressed = false;
            while let Some(delivery) = self.net.pop_due(now) {
                self.route(now, delivery, exec)?;
                progressed = true;
            }
            progressed |= self.fire_timeouts(now)?;
            progressed |= self.step_phase(now, exec)?;
            if !progressed {
                return Ok(());
            }
        }
    }

    /// The time at which something is due, if anything is.
    pub fn next_wakeup_ns(&self) -> Option<u64> {
        let setup = self.setup.iter().filter(|c| !c.answered).map(|c| c.deadline_ns);
        let ops = self.workers.iter().filter_map(|w| w.op.as_ref().map(|op| op.deadline_ns));
        setup.chain(ops).chain(self.phase_wakeup_ns()).chain(self.net.next_deadline_ns()).min()
    }

    /// Ends the test and hands over what the analysis needs.
    pub fn finish(self) -> Outcome {
        Outcome {
            history: self.history,
            net: self.net,
            problems: self.problems,
            workload: self.workload,
            faults: self.fault_periods,
        }
    }

    fn open_client(&mut self) -> String {
        let id = format!("c{}", self.next_client);
        self.next_client += 1;
        self.net.register(&id);
        id
    }

    /// Sends from an id Maelstrom owns (a client or a service): always registered.
    fn send(&mut self, now: u64, src: &str, dest: &str, body: Body) {
        let msg = Message { src: Name::new(src), dest: Name::new(dest), body };
        if let Err(err) = self.net.send(now, msg, &mut self.rng) {
            tracing::debug!(%err, "dropping a message of a closed client");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        now: u64,
        process: Process,
        kind: OpType,
        spec: &OpSpec,
        value: Value,
        error: Option<Value>,
        exception: Option<String>,
    ) {
        let index = self.history.len();
        let is_final = spec.is_final;
        self.history.push(Op {
            index,
            time_ns: now,
            kind,
            process,
            f: spec.f.clone(),
            value,
            error,
            exception,
            is_final,
        });
    }
}
