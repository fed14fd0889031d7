//! broadcast (spec 4.3): ½ `broadcast` of the next integer, ½ `read`; topology at setup; a
//! final `read` per worker; the set-full checker.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{one_final_read, topology, OpSpec, TestWorkload};
use crate::checker::{set_full, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;

/// The broadcast workload.
#[derive(Debug, Clone)]
pub struct Broadcast {
    topology: String,
    next_value: u64,
}

impl Broadcast {
    /// A broadcast workload with the named topology.
    pub fn new(topology_name: &str) -> Result<Self, String> {
        if !topology::NAMES.contains(&topology_name) {
            return Err(format!("--topology {topology_name:?} is not one of {}", topology::NAMES.join(", ")));
        }
        Ok(Broadcast { topology: topology_name.to_owned(), next_value: 0 })
    }
}

const CLIENT: SingleRpc = SingleRpc {
    request: |f, value| match f {
        "broadcast" => request("broadcast", &[("message", value.clone())]),
        _ => request("read", &[]),
    },
    schema: |f| match f {
        "broadcast" => Schema { kind: "broadcast_ok", fields: &[] },
        _ => Schema { kind: "read_ok", fields: &[("messages", Field::List)] },
    },
    ok_value: |f, value, body| match f {
        "broadcast" => value.clone(),
        _ => list_or_empty(body.get("messages")),
    },
    outcomes: Outcomes::Rule(&["read"]),
};

/// A list field, with JSON `null` read as the empty list (spec 4).
pub(crate) fn list_or_empty(field: Option<&Value>) -> Value {
    match field {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        _ => json!([]),
    }
}

impl TestWorkload for Broadcast {
    fn setup_request(&self, node_ids: &[String], _node: usize) -> Option<(Value, &'static str)> {
        let t = topology::build(&self.topology, node_ids)?;
        Some((request("topology", &[("topology", topology::to_json(&t))]), "topology_ok"))
    }

    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        if rng.gen_bool(0.5) {
            self.next_value += 1;
            Some(OpSpec::new("broadcast", json!(self.next_value - 1)))
        } else {
            Some(OpSpec::new("read", Value::Null))
        }
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, _worker: usize, done: usize, _rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        one_final_read(done, true)
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        set_full::check(history, "broadcast")
    }
}
