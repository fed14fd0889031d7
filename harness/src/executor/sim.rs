//! The sim executor: every node is a [`glomer_adapters::Node`] in this process, driven under a
//! virtual clock. With one seeded RNG in the test, a run replays exactly.

use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::Node;

use super::{ExecError, Executor, NodeOutput};
use crate::net::Delivery;

const NS_PER_MS: u64 = 1_000_000;

/// Makes the workload of one node.
pub type NodeFactory = Box<dyn Fn() -> BoxedWorkload + Send>;

/// In-process nodes under virtual time.
pub struct SimExecutor {
    factory: NodeFactory,
    nodes: Vec<Node<BoxedWorkload>>,
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

    fn collect(&mut self, node: usize) {
        if let Some(n) = self.nodes.get_mut(node) {
            self.pending.extend(n.take_outbox().into_iter().map(|msg| (node, NodeOutput::Message(msg))));
        }
    }

    fn now_ms(&self) -> u64 {
        self.now_ns / NS_PER_MS
    }
}

impl Executor for SimExecutor {
    fn start(&mut self, node_ids: &[String]) -> Result<(), ExecError> {
        self.nodes = node_ids.iter().map(|_| Node::new((self.factory)())).collect();
        Ok(())
    }

    fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn deliver(&mut self, node: usize, delivery: Delivery) -> Result<(), ExecError> {
        let now_ms = self.now_ms();
        if let Some(n) = self.nodes.get_mut(node) {
            n.handle_message(delivery.msg, now_ms);
        }
        self.collect(node);
        Ok(())
    }

    fn wait(&mut self, until_ns: Option<u64>) -> Result<Vec<(usize, NodeOutput)>, ExecError> {
        if !self.pending.is_empty() {
            return Ok(std::mem::take(&mut self.pending));
        }
        let timer_ns = self.nodes.iter().filter_map(|n| n.next_deadline_ms()).min().map(|ms| ms * NS_PER_MS);
        let next = match (until_ns, timer_ns) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).ok_or(ExecError::Stalled)?,
        };
        self.now_ns = self.now_ns.max(next);
        let now_ms = self.now_ms();
        for i in 0..self.nodes.len() {
            if self.nodes[i].next_deadline_ms().is_some_and(|due| due <= now_ms) {
                self.nodes[i].tick(now_ms);
                self.collect(i);
            }
        }
        Ok(std::mem::take(&mut self.pending))
    }

    fn shutdown(&mut self) -> Result<(), ExecError> {
        self.nodes.clear();
        Ok(())
    }

    fn is_real_time(&self) -> bool {
        false
    }
}
