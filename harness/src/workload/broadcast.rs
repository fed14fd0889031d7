//! broadcast: ½ `broadcast` of the next integer, ½ `read`; topology at setup; a final `read`
//! per worker; the set-full checker
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-broadcast)).

use glomer_adapters::Body;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{topology, FinalStep, Generator, OneFinalRead, TestWorkload};
use crate::checker::{set_full, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;
use crate::op::OpSpec;

/// The broadcast workload.
#[derive(Debug, Clone)]
pub struct Broadcast {
    topology: String,
}

impl Broadcast {
    /// A broadcast workload with the named topology.
    pub fn new(topology_name: &str) -> Result<Self, String> {
        if !topology::NAMES.contains(&topology_name) {
            return Err(format!("--topology {topology_name:?} is not one of {}", topology::NAMES.join(", ")));
        }
        Ok(Broadcast { topology: topology_name.to_owned() })
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

/// A list field, with JSON `null` read as the empty list (Maelstrom's schemas accept `null` for
/// an empty list).
pub(crate) fn list_or_empty(field: Option<&Value>) -> Value {
    match field {
        Some(Value::Array(items)) => Value::Array(items.clone()),
        _ => json!([]),
    }
}

/// Broadcast's and g-set's generator: ½ `f` of the next integer, ½ `read`; one final read.
#[derive(Debug, Clone)]
pub(crate) struct AddOrRead {
    f: &'static str,
    next_value: u64,
    finals: OneFinalRead,
}

impl AddOrRead {
    /// Adds by `f` (`broadcast`, `add`); final reads marked `:final? true` when `marked`.
    pub(crate) fn new(f: &'static str, marked: bool) -> Self {
        AddOrRead { f, next_value: 0, finals: OneFinalRead::new(marked) }
    }
}

impl Generator for AddOrRead {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        if rng.gen_bool(0.5) {
            self.next_value += 1;
            Some(OpSpec::new(self.f, json!(self.next_value - 1)))
        } else {
            Some(OpSpec::new("read", Value::Null))
        }
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, worker: usize, _now_ns: u64, _rng: &mut ChaCha8Rng) -> FinalStep {
        self.finals.next(worker)
    }
}

impl TestWorkload for Broadcast {
    fn setup_request(&self, node_ids: &[String], _node: usize) -> Option<(Body, &'static str)> {
        let t = topology::build(&self.topology, node_ids)?;
        Some((request("topology", &[("topology", topology::to_json(&t))]), "topology_ok"))
    }

    fn generator(&self) -> Box<dyn Generator> {
        Box::new(AddOrRead::new("broadcast", true))
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
