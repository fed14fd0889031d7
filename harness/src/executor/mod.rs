//! Executors run the nodes: as child processes in real time ([`process`]) or in-process under a
//! virtual clock ([`sim`]). The test drives either through [`Executor`].

pub mod process;
pub mod sim;

use glomer_adapters::Message;

use crate::net::Delivery;

/// What a node produced.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeOutput {
    /// One stdout line, still to be parsed and checked (process executor).
    Line(String),
    /// A message of an in-process node (sim executor).
    Message(Message),
}

/// Why an executor could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// A node binary could not be started.
    #[error("could not start node {node} ({bin}): {source}")]
    Spawn {
        /// Node id.
        node: String,
        /// The binary.
        bin: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A node exited during the test (Maelstrom aborts with "node crashed", see docs/harness.md).
    #[error("node {node} crashed (exit status {status}); last lines of its stderr:\n{stderr_tail}")]
    NodeCrashed {
        /// Node id.
        node: String,
        /// How it exited.
        status: String,
        /// Its last stderr lines.
        stderr_tail: String,
    },
    /// Nothing can ever happen again: no timers, no messages, no deadline.
    #[error("the simulation stalled: nothing is scheduled")]
    Stalled,
    /// I/O on the store directory.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Runs the nodes of one test; time is nanoseconds since the executor started.
pub trait Executor {
    /// Starts one node per id, all ids already registered on the network (as
    /// maelstrom/db.clj does before any process starts).
    fn start(&mut self, node_ids: &[String]) -> Result<(), ExecError>;
    /// The current time.
    fn now_ns(&self) -> u64;
    /// Hands a message to node number `node` (its stdin).
    fn deliver(&mut self, node: usize, delivery: Delivery) -> Result<(), ExecError>;
    /// Waits until `until_ns` (or forever when `None`) or until some node produced output,
    /// whichever is first; returns what the nodes produced, in order.
    fn wait(&mut self, until_ns: Option<u64>) -> Result<Vec<(usize, NodeOutput)>, ExecError>;
    /// Kills node `node` (SIGKILL): it loses everything it held in memory, and stays down
    /// until [`Executor::restart`].
    fn kill(&mut self, node: usize) -> Result<(), ExecError>;
    /// Starts a fresh node in place of killed node `node`: same id, same working directory.
    /// The test then sends it a fresh `init`.
    fn restart(&mut self, node: usize) -> Result<(), ExecError>;
    /// Pauses node `node` (SIGSTOP): it handles nothing and its timers wait; messages for it
    /// wait until it resumes.
    fn pause(&mut self, node: usize) -> Result<(), ExecError>;
    /// Resumes paused node `node` (SIGCONT).
    fn resume(&mut self, node: usize) -> Result<(), ExecError>;
    /// Stops every node (SIGKILL for processes, as Maelstrom's teardown does).
    fn shutdown(&mut self) -> Result<(), ExecError>;
    /// Whether time is the wall clock (then a progress bar is worth drawing).
    fn is_real_time(&self) -> bool;
}
