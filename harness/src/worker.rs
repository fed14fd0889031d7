//! Workers, their processes and their clients (jepsen generator/interpreter.clj).

use glomer_adapters::Body;

use crate::client::Client;
use crate::op::OpSpec;

/// A worker's current client: a `c` id and the workload's client logic behind it.
pub struct WorkerClient {
    /// The client's id on the network.
    pub id: String,
    /// The workload's client.
    pub logic: Box<dyn Client>,
    /// Last `msg_id` used; each client numbers its requests 1, 2, 3, … as Maelstrom's do.
    pub last_msg_id: u64,
}

/// The op a worker is performing.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// What was invoked.
    pub spec: OpSpec,
    /// The `msg_id` of the request being waited for.
    pub msg_id: u64,
    /// When the client gives up on that request.
    pub deadline_ns: u64,
}

/// One of the `--concurrency` loops that perform one op at a time.
pub struct Worker {
    /// The node this worker always talks to: `w mod N` (maelstrom/core.clj).
    pub node: usize,
    /// Current process number (starts at `w`, grows by concurrency after `:info`).
    pub process: u64,
    /// The client, opened lazily at the first op.
    pub client: Option<WorkerClient>,
    /// Whether the client must be replaced before the next op (non-reusable after `:info`).
    pub replace_client: bool,
    /// The op in flight.
    pub op: Option<InFlight>,
    /// Whether the worker has no more final ops.
    pub finished: bool,
    /// The generator asked this worker to wait until this time for its next final op.
    pub wake_ns: u64,
}

impl Worker {
    /// Worker number `w` of a test with `node_count` nodes.
    pub fn new(w: usize, node_count: usize) -> Self {
        Worker {
            node: w % node_count.max(1),
            process: w as u64,
            client: None,
            replace_client: false,
            op: None,
            finished: false,
            wake_ns: 0,
        }
    }

    /// Whether the worker can take an op.
    pub fn is_idle(&self) -> bool {
        self.op.is_none()
    }

    /// A request body with the client's next `msg_id`, and that id.
    pub fn stamp(&mut self, mut body: Body) -> Option<(Body, u64)> {
        let client = self.client.as_mut()?;
        client.last_msg_id += 1;
        body.msg_id = Some(client.last_msg_id);
        Some((body, client.last_msg_id))
    }
}

/// Picks free workers in rotation, as Jepsen's interpreter hands ops to free threads.
#[derive(Debug, Default)]
pub struct Rotation {
    next: usize,
}

impl Rotation {
    /// The first idle worker at or after the rotation point, advancing past it.
    pub fn pick(&mut self, workers: &[Worker]) -> Option<usize> {
        let n = workers.len();
        let w = (0..n).map(|k| (self.next + k) % n).find(|&w| workers[w].is_idle())?;
        self.next = (w + 1) % n;
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn workers_talk_to_w_mod_n() {
        let nodes: Vec<usize> = (0..6).map(|w| Worker::new(w, 3).node).collect();
        assert_eq!(nodes, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn rotation_takes_free_workers_in_turn() {
        let mut workers: Vec<Worker> = (0..3).map(|w| Worker::new(w, 3)).collect();
        let mut rotation = Rotation::default();
        assert_eq!(rotation.pick(&workers), Some(0));
        assert_eq!(rotation.pick(&workers), Some(1));
        workers[2].op = Some(InFlight { spec: OpSpec::new("read", Value::Null), msg_id: 1, deadline_ns: 0 });
        assert_eq!(rotation.pick(&workers), Some(0));
        workers.iter_mut().for_each(|w| w.op = workers_op());
        assert_eq!(rotation.pick(&workers), None);
    }

    fn workers_op() -> Option<InFlight> {
        Some(InFlight { spec: OpSpec::new("read", Value::Null), msg_id: 1, deadline_ns: 0 })
    }
}
