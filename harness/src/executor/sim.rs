//! The sim executor: every node is a [`glomer_adapters::Node`] in this process, driven under a
//! virtual clock. With one seeded RNG in the test, a run replays exactly.
//!
//! Faults act on the in-process nodes as on processes: a killed node is dropped with all its
//! memory and rebuilt fresh by the factory when it restarts; a paused node gets no deliveries
//! and no timers until it resumes, when the messages held for it arrive in order.

use std::sync::atomic::{AtomicU64, Ordering};

use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::{Message, Node};

use super::{ExecError, Executor, NodeOutput};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::TestConfig;
use crate::net::Delivery;

const NS_PER_MS: u64 = 1_000_000;

/// Spreads the id seeds of successive node starts apart (an odd 64-bit constant, so every
/// start of a run gets a different seed).
const ID_SEED_STRIDE: u64 = 0x9E37_79B9_7F4A_7C15;
/// Messages held for one paused node. A pause lasts seconds and a node receives at most a few
/// thousand messages a second in any test this runner is meant for; past this bound the
/// oldest-first delivery would no longer model a pipe that fills up, so later messages are
/// dropped and logged.
pub const HELD_PER_NODE_MAX: usize = 1 << 20;

/// Makes the workload of one node.
pub type NodeFactory = Box<dyn Fn() -> BoxedWorkload + Send>;

/// One in-process node: running, paused with the messages held for it, or killed.
enum SimNode {
    Running(Node<BoxedWorkload>),
    Paused(Node<BoxedWorkload>, Vec<Message>),
    Dead,
}

/// In-process nodes under virtual time.
pub struct SimExecutor {
    factory: NodeFactory,
    nodes: Vec<SimNode>,
    now_ns: u64,
    pending: Vec<(usize, NodeOutput)>,
}

impl std::fmt::Debug for SimExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimExecutor").field("nodes", &self.nodes.len()).field("now_ns", &self.now_ns).finish()
    }
}

impl SimExecutor {
    /// Nodes made by `factory`: any [`glomer_adapters::Workload`], registered or not.
    pub fn new(factory: impl Fn() -> BoxedWorkload + Send + 'static) -> Self {
        SimExecutor { factory: Box::new(factory), nodes: Vec::new(), now_ns: 0, pending: Vec::new() }
    }

    /// Nodes of the registered workload `name` with node arguments `args`, or `None` when the
    /// adapters crate has no such workload.
    pub fn from_registry(name: &str, args: &[String]) -> Option<Self> {
        glomer_adapters::workloads::build(name, args)?;
        let (name, args) = (name.to_owned(), args.to_vec());
        Some(Self::new(move || glomer_adapters::workloads::build(&name, &args).expect("checked above")))
    }

    /// Nodes of `config`'s workload with its node arguments, or `None` when the adapters crate
    /// has no such workload. Durable nodes (arguments with `--data-dir`) keep their files in
    /// the run's own folder, `<out>/data/<node id>`, whatever directory the arguments name, so
    /// runs never share state; and every start draws its store's ids from the next number of
    /// a stream seeded by the run's seed, so a run replays exactly while no two starts share
    /// an id seed.
    pub fn for_config(config: &TestConfig) -> Option<Self> {
        let Some(at) = config.node_args.iter().position(|arg| arg == "--data-dir" || arg.starts_with("--data-dir="))
        else {
            return Self::from_registry(&config.workload, &config.node_args);
        };
        let mut args = config.node_args.clone();
        let data_dir = std::path::absolute(config.out.join("data")).unwrap_or_else(|_| config.out.join("data"));
        let data_dir = data_dir.to_string_lossy().into_owned();
        if args[at].contains('=') {
            args[at] = format!("--data-dir={data_dir}");
        } else if let Some(value) = args.get_mut(at + 1) {
            *value = data_dir;
        }
        glomer_adapters::workloads::build(&config.workload, &args)?;
        let (name, seed, starts) = (config.workload.clone(), config.seed, AtomicU64::new(0));
        Some(Self::new(move || {
            let start = starts.fetch_add(1, Ordering::Relaxed);
            let id_seed = ChaCha8Rng::seed_from_u64(seed).next_u64() ^ start.wrapping_mul(ID_SEED_STRIDE);
            let mut args = args.clone();
            args.extend(["--store-id-seed".to_owned(), id_seed.to_string()]);
            glomer_adapters::workloads::build(&name, &args).expect("checked above")
        }))
    }

    fn fresh_node(&self) -> SimNode {
        SimNode::Running(Node::new((self.factory)()))
    }

    fn running(&mut self, node: usize) -> Option<&mut Node<BoxedWorkload>> {
        match self.nodes.get_mut(node) {
            Some(SimNode::Running(n)) => Some(n),
            _ => None,
        }
    }

    fn collect(&mut self, node: usize) {
        if let Some(n) = self.running(node) {
            let outbox = n.take_outbox();
            self.pending.extend(outbox.into_iter().map(|msg| (node, NodeOutput::Message(msg))));
        }
    }

    fn now_ms(&self) -> u64 {
        self.now_ns / NS_PER_MS
    }
}

impl Executor for SimExecutor {
    fn start(&mut self, node_ids: &[String]) -> Result<(), ExecError> {
        self.nodes = node_ids.iter().map(|_| self.fresh_node()).collect();
        Ok(())
    }

    fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn deliver(&mut self, node: usize, delivery: Delivery) -> Result<(), ExecError> {
        let now_ms = self.now_ms();
        match self.nodes.get_mut(node) {
            Some(SimNode::Running(n)) => n.handle_message(delivery.msg, now_ms),
            Some(SimNode::Paused(_, held)) if held.len() < HELD_PER_NODE_MAX => held.push(delivery.msg),
            Some(SimNode::Paused(..)) => tracing::warn!(node, "dropping a message for a paused node: too many held"),
            Some(SimNode::Dead) | None => {}
        }
        self.collect(node);
        Ok(())
    }

    fn wait(&mut self, until_ns: Option<u64>) -> Result<Vec<(usize, NodeOutput)>, ExecError> {
        if !self.pending.is_empty() {
            return Ok(std::mem::take(&mut self.pending));
        }
        let deadline_ms = |n: &SimNode| match n {
            SimNode::Running(n) => n.next_deadline_ms(),
            _ => None,
        };
        let timer_ns = self.nodes.iter().filter_map(deadline_ms).min().map(|ms| ms * NS_PER_MS);
        let next = match (until_ns, timer_ns) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).ok_or(ExecError::Stalled)?,
        };
        self.now_ns = self.now_ns.max(next);
        let now_ms = self.now_ms();
        for i in 0..self.nodes.len() {
            if let Some(n) = self.running(i).filter(|n| n.next_deadline_ms().is_some_and(|due| due <= now_ms)) {
                n.tick(now_ms);
                self.collect(i);
            }
        }
        Ok(std::mem::take(&mut self.pending))
    }

    fn kill(&mut self, node: usize) -> Result<(), ExecError> {
        if let Some(slot) = self.nodes.get_mut(node) {
            *slot = SimNode::Dead;
        }
        Ok(())
    }

    fn restart(&mut self, node: usize) -> Result<(), ExecError> {
        if matches!(self.nodes.get(node), Some(SimNode::Dead)) {
            self.nodes[node] = self.fresh_node();
        }
        Ok(())
    }

    fn pause(&mut self, node: usize) -> Result<(), ExecError> {
        if let Some(slot) = self.nodes.get_mut(node) {
            *slot = match std::mem::replace(slot, SimNode::Dead) {
                SimNode::Running(n) => SimNode::Paused(n, Vec::new()),
                other => other,
            };
        }
        Ok(())
    }

    fn resume(&mut self, node: usize) -> Result<(), ExecError> {
        let now_ms = self.now_ms();
        let Some(slot) = self.nodes.get_mut(node) else { return Ok(()) };
        *slot = match std::mem::replace(slot, SimNode::Dead) {
            SimNode::Paused(mut n, held) => {
                // A resumed process reads what waited in its stdin; its overdue timers fire at
                // the next wait.
                for msg in held {
                    n.handle_message(msg, now_ms);
                }
                SimNode::Running(n)
            }
            other => other,
        };
        self.collect(node);
        Ok(())
    }

    fn shutdown(&mut self) -> Result<(), ExecError> {
        self.nodes.clear();
        Ok(())
    }

    fn is_real_time(&self) -> bool {
        false
    }
}
