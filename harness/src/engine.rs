//! The test itself, independent of how nodes run: start-up (spec 1.4), the main phase under
//! the rate scheduler and the nemesis, the final phase (spec 3.2), and routing of every message
//! through the network to nodes, clients and services. Both executors drive this one engine.

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::client::{Completion, Reply, Step};
use crate::config::TestConfig;
use crate::executor::{ExecError, Executor, NodeOutput};
use crate::history::{Op, OpType, Process};
use crate::nemesis::{self, Schedule, SHAPES};
use crate::net::journal::Journal;
use crate::net::latency::Latency;
use crate::net::{Envelope, Network};
use crate::services::{self, Services};
use crate::worker::{InFlight, Rotation, Worker, WorkerClient};
use crate::workload::{OpSpec, TestWorkload};

const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;
/// `init_ok` must arrive within this (maelstrom/db.clj).
const INIT_TIMEOUT_NS: u64 = 10 * NS_PER_S;
/// The broadcast topology's reply timeout (maelstrom/workload/broadcast.clj).
const SETUP_TIMEOUT_NS: u64 = 5 * NS_PER_S;
/// The wait between the heal and the final ops (maelstrom/core.clj, spec 3.2).
const RECOVERY_NS: u64 = 10 * NS_PER_S;
/// Problems kept for the report; a node that misbehaves once is muted, so this bounds only
/// pathological runs.
const PROBLEMS_MAX: usize = 100;

/// Why a test could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A node failed `init` or the workload's setup (spec 1.4: the run aborts).
    #[error("setup failed: {0}")]
    Setup(String),
    /// The executor failed (a node crashed, could not be started, …).
    #[error(transparent)]
    Exec(#[from] ExecError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Init,
    Setup,
    Main,
    Drain,
    Recover,
    Final,
    Done,
}

struct SetupCall {
    client: String,
    node: usize,
    expect: &'static str,
    deadline_ns: u64,
    answered: bool,
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
}

/// One test run in progress.
pub struct Engine {
    node_ids: Vec<String>,
    node_index: HashMap<String, usize>,
    /// Per node: why its output is ignored, once it is.
    muted: Vec<Option<String>>,
    rng: ChaCha8Rng,
    net: Network,
    services: Services,
    workload: Box<dyn TestWorkload>,
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
    /// Next op of the workload's side stream (kafka's crashes).
    next_side_ns: u64,
    /// When the final phase is cut (kafka).
    final_end_ns: u64,
    nemesis: Option<Schedule>,
    problems: Vec<String>,
}

impl Engine {
    /// A test of `workload` as `config` describes it, with every random choice drawn from `rng`.
    pub fn new(config: &TestConfig, workload: Box<dyn TestWorkload>, rng: ChaCha8Rng) -> Self {
        let mut net = Network::new(Latency { dist: config.latency_dist, mean_ms: config.latency_ms });
        net.log_send = config.log_net_send;
        net.log_recv = config.log_net_recv;
        net.journal = Journal::new(config.message_window);
        let n = config.node_ids.len();
        Engine {
            node_ids: config.node_ids.clone(),
            node_index: config.node_ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect(),
            muted: vec![None; n],
            rng,
            net,
            services: Services::default(),
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
            next_side_ns: u64::MAX,
            final_end_ns: u64::MAX,
            nemesis: config.nemesis_partition.then(|| Schedule::new(0, config.nemesis_interval_s)),
            problems: Vec::new(),
        }
    }

    /// Registers every id (spec 1.4: services and all nodes before any process starts), starts
    /// the nodes and sends each its `init` from its own init client.
    pub fn start(&mut self, exec: &mut dyn Executor) -> Result<(), EngineError> {
        for id in services::IDS.iter().copied().chain(self.node_ids.iter().map(String::as_str)) {
            self.net.register(id);
        }
        exec.start(&self.node_ids)?;
        let now = exec.now_ns();
        for node in 0..self.node_ids.len() {
            let body = json!({"type": "init", "node_id": self.node_ids[node], "node_ids": self.node_ids});
            self.setup_call(now, node, body, "init_ok", INIT_TIMEOUT_NS);
        }
        Ok(())
    }

    fn open_client(&mut self) -> String {
        let id = format!("c{}", self.next_client);
        self.next_client += 1;
        self.net.register(&id);
        id
    }

    fn setup_call(&mut self, now: u64, node: usize, mut body: Value, expect: &'static str, timeout_ns: u64) {
        let client = self.open_client();
        body["msg_id"] = json!(1);
        self.send(now, &client, &self.node_ids[node].clone(), body);
        self.setup.push(SetupCall { client, node, expect, deadline_ns: now + timeout_ns, answered: false });
    }

    /// Sends from an id Maelstrom owns (a client or a service): always registered.
    fn send(&mut self, now: u64, src: &str, dest: &str, body: Value) {
        if let Err(err) = self.net.send(now, src, dest, body, &mut self.rng) {
            tracing::debug!(%err, "dropping a message of a closed client");
        }
    }

    /// Whether the test is over.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

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

    /// The time at which something is due, if anything is.
    pub fn next_wakeup_ns(&self) -> Option<u64> {
        let setup = self.setup.iter().filter(|c| !c.answered).map(|c| c.deadline_ns);
        let ops = self.workers.iter().filter_map(|w| w.op.as_ref().map(|op| op.deadline_ns));
        let phase = match self.phase {
            Phase::Main => {
                let idle = self.workers.iter().any(Worker::is_idle);
                let op = idle.then_some(self.next_op_ns.min(self.next_side_ns));
                let nemesis = self.nemesis.as_ref().map(|s| s.next_ns);
                [op, nemesis, Some(self.main_end_ns)].into_iter().flatten().min()
            }
            Phase::Recover => Some(self.recover_until_ns),
            Phase::Final => {
                let waiting = self.workers.iter().filter(|w| !w.finished && w.is_idle()).map(|w| w.not_before_ns);
                waiting.min().map(|t| t.min(self.final_end_ns))
            }
            _ => None,
        };
        setup.chain(ops).chain(phase).chain(self.net.next_deadline_ns()).min()
    }

    /// Does everything due at `now`: deliveries, timeouts, phase changes, new ops.
    pub fn advance(&mut self, now: u64, exec: &mut dyn Executor) -> Result<(), EngineError> {
        loop {
            let mut progressed = false;
            while let Some(msg) = self.net.pop_due(now) {
                self.route(now, msg, exec)?;
                progressed = true;
            }
            progressed |= self.fire_timeouts(now)?;
            progressed |= self.step_phase(now)?;
            if !progressed {
                return Ok(());
            }
        }
    }

    fn route(&mut self, now: u64, msg: Envelope, exec: &mut dyn Executor) -> Result<(), EngineError> {
        if let Some(&node) = self.node_index.get(&msg.dest) {
            exec.deliver(node, &msg)?;
        } else if services::IDS.contains(&msg.dest.as_str()) {
            if let Some(reply) = self.services.handle(&msg.dest, &msg.src, &msg.body, &mut self.rng) {
                self.send(now, &msg.dest, &msg.src, reply);
            }
        } else {
            self.client_received(now, msg)?;
        }
        Ok(())
    }
}

impl Engine {
    fn client_received(&mut self, now: u64, msg: Envelope) -> Result<(), EngineError> {
        let in_reply_to = msg.body.get("in_reply_to").and_then(Value::as_u64);
        if let Some(call) = self.setup.iter_mut().find(|c| c.client == msg.dest && !c.answered) {
            if in_reply_to != Some(1) {
                return Ok(()); // a client ignores replies to other requests (spec 1.3)
            }
            let kind = msg.body.get("type").and_then(Value::as_str).unwrap_or_default();
            if kind != call.expect {
                let node = &self.node_ids[call.node];
                return Err(EngineError::Setup(format!(
                    "node {node} answered with {} instead of {}",
                    msg.body, call.expect
                )));
            }
            call.answered = true;
            if call.expect == "init_ok" {
                self.net.unregister(&msg.dest); // init clients close once answered (spec 1.1)
            }
            return Ok(());
        }
        let Some(&w) = self.client_worker.get(&msg.dest) else { return Ok(()) };
        let waiting = self.workers[w].op.as_ref().map(|op| op.msg_id);
        if waiting.is_none() || waiting != in_reply_to {
            return Ok(()); // late reply to an abandoned request: dropped silently
        }
        self.continue_op(now, w, Reply::Body(msg.body));
        Ok(())
    }

    fn fire_timeouts(&mut self, now: u64) -> Result<bool, EngineError> {
        if let Some(call) = self.setup.iter().find(|c| !c.answered && c.deadline_ns <= now) {
            let node = &self.node_ids[call.node];
            let why = self.muted[call.node].as_ref().map(|m| format!(": {m}")).unwrap_or_default();
            return Err(EngineError::Setup(format!("node {node} did not answer with {} in time{why}", call.expect)));
        }
        let due: Vec<usize> = (0..self.workers.len())
            .filter(|&w| self.workers[w].op.as_ref().is_some_and(|op| op.deadline_ns <= now))
            .collect();
        for &w in &due {
            self.continue_op(now, w, Reply::Timeout);
        }
        Ok(!due.is_empty())
    }

    fn continue_op(&mut self, now: u64, w: usize, reply: Reply) {
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
            // spec 2.4: the worker's next op runs as a new process, on a new client unless the
            // workload's client is reusable.
            self.workers[w].process += self.workers.len() as u64;
            self.workers[w].replace_client = !self.workload.client_reusable();
        }
        if self.phase == Phase::Final {
            self.workers[w].finals_done += 1;
            self.workers[w].not_before_ns = now + self.workload.final_op_delay_ns(&mut self.rng);
        }
        self.workload.observe(w, &spec, &done);
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

impl Engine {
    fn step_phase(&mut self, now: u64) -> Result<bool, EngineError> {
        let all_answered = self.setup.iter().all(|c| c.answered);
        let all_idle = self.workers.iter().all(Worker::is_idle);
        match self.phase {
            Phase::Init if all_answered => self.start_setup(now),
            Phase::Setup if all_answered => self.start_main(now),
            Phase::Main => return Ok(self.step_main(now)),
            Phase::Drain if all_idle => {
                if self.workload.has_final_phase() {
                    if self.nemesis.is_some() {
                        self.nemesis_op(now, false);
                    }
                    self.recover_until_ns = now + RECOVERY_NS;
                    self.phase = Phase::Recover;
                } else {
                    self.phase = Phase::Done;
                }
            }
            Phase::Recover if now >= self.recover_until_ns => {
                self.phase = Phase::Final;
                self.final_end_ns = self.workload.final_phase_limit_ns().map_or(u64::MAX, |limit| now + limit);
            }
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
                    self.open_client(); // every node gets a setup client (spec 1.1)
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
        let first = if self.rate > 0.0 && self.nemesis.is_none() { self.next_op_ns } else { now };
        self.main_end_ns = first + self.time_limit_ns;
        if let Some(schedule) = self.nemesis.as_mut() {
            schedule.next_ns = now;
        }
        if let Some(max_gap_ns) = self.workload.side_op_max_gap_ns(self.workers.len()) {
            self.next_side_ns = now + self.rng.gen_range(0..max_gap_ns.max(1));
        }
    }

    /// `from_ns` plus a gap U[0, 2/rate) s (jepsen generator `stagger`).
    fn gap(&mut self, from_ns: u64) -> u64 {
        if self.rate <= 0.0 {
            return u64::MAX;
        }
        let max_gap_ns = ((2.0 / self.rate) * NS_PER_S as f64) as u64;
        from_ns + self.rng.gen_range(0..max_gap_ns.max(1))
    }

    fn step_main(&mut self, now: u64) -> bool {
        if now >= self.main_end_ns {
            self.phase = Phase::Drain;
            return true;
        }
        let mut progressed = false;
        if self.nemesis.as_ref().is_some_and(|s| s.next_ns <= now) {
            let start = !self.nemesis.as_ref().is_some_and(|s| s.partitioned);
            self.nemesis_op(now, start);
            progressed = true;
        }
        while self.next_op_ns <= now && self.next_op_ns < self.main_end_ns {
            let Some(w) = self.rotation.pick(&self.workers) else {
                self.op_blocked = true;
                break;
            };
            let Some(spec) = self.workload.next_op(w, &mut self.rng) else {
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
        progressed | self.step_side_stream(now)
    }

    fn step_side_stream(&mut self, now: u64) -> bool {
        if self.next_side_ns > now {
            return false;
        }
        let Some(w) = self.rotation.pick(&self.workers) else { return false };
        if let Some(spec) = self.workload.side_op(&mut self.rng) {
            self.invoke(now, w, spec);
        }
        let max_gap_ns = self.workload.side_op_max_gap_ns(self.workers.len()).unwrap_or(u64::MAX);
        self.next_side_ns = self.next_side_ns.saturating_add(self.rng.gen_range(0..max_gap_ns.max(1)));
        true
    }

    fn step_final(&mut self, now: u64) -> bool {
        let mut progressed = false;
        for w in 0..self.workers.len() {
            let worker = &self.workers[w];
            if worker.finished || !worker.is_idle() || (worker.not_before_ns > now && now < self.final_end_ns) {
                continue;
            }
            progressed = true;
            let next = if now < self.final_end_ns {
                self.workload.final_op(w, self.workers[w].finals_done, &mut self.rng)
            } else {
                None
            };
            match next {
                Some(spec) => self.invoke(now, w, spec),
                None => self.workers[w].finished = true,
            }
        }
        if self.workers.iter().all(|w| w.finished) {
            self.phase = Phase::Done;
            return true;
        }
        progressed
    }

    /// Runs one nemesis op: a partition of a random shape, or a heal (spec 6.3).
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

    /// Takes one output of node `node`: a message goes onto the network; a malformed line or a
    /// message to an unknown id mutes the node for the rest of the test, as Maelstrom does
    /// (spec 1.6), and is reported.
    pub fn node_output(&mut self, now: u64, node: usize, output: NodeOutput) {
        if self.muted.get(node).is_none_or(Option::is_some) {
            return;
        }
        let (parsed, line) = match output {
            NodeOutput::Line(line) => (serde_json::from_str::<Value>(&line).map_err(|e| e.to_string()), line),
            NodeOutput::Message(v) => (Ok(v.clone()), v.to_string()),
        };
        let result = parsed.and_then(|v| envelope(&v)).and_then(|(src, dest, body)| {
            self.net.send(now, &src, &dest, body, &mut self.rng).map_err(|e| e.to_string())
        });
        if let Err(why) = result {
            let problem = format!(
                "node {} wrote a line Maelstrom rejects ({why}); its output is muted from now on, as Maelstrom stops reading it: {line}",
                self.node_ids[node]
            );
            tracing::error!("{problem}");
            if self.problems.len() < PROBLEMS_MAX {
                self.problems.push(problem.clone());
            }
            self.muted[node] = Some(problem);
        }
    }

    /// Ends the test and hands over what the analysis needs.
    pub fn finish(self) -> Outcome {
        Outcome { history: self.history, net: self.net, problems: self.problems, workload: self.workload }
    }
}

/// Checks an envelope as Maelstrom's process reader does (spec 1.2): an object with string
/// `src` and `dest`, a `body`, optionally an integer `id`, and nothing else.
fn envelope(v: &Value) -> Result<(String, String, Value), String> {
    let map = v.as_object().ok_or("not a JSON object")?;
    if let Some(extra) = map.keys().find(|k| !matches!(k.as_str(), "src" | "dest" | "body" | "id")) {
        return Err(format!("unexpected top-level key {extra:?}"));
    }
    let src = map.get("src").and_then(Value::as_str).ok_or("missing or non-string src")?;
    let dest = map.get("dest").and_then(Value::as_str).ok_or("missing or non-string dest")?;
    let body = map.get("body").ok_or("missing body")?;
    Ok((src.to_owned(), dest.to_owned(), body.clone()))
}
