//! unique-ids: an endless stream of `generate` ops
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-unique-ids)).

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::{Generator, TestWorkload};
use crate::checker::{unique_ids, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;
use crate::op::OpSpec;

/// The unique-ids workload.
#[derive(Debug, Clone, Copy, Default)]
pub struct UniqueIds;

const CLIENT: SingleRpc = SingleRpc {
    request: |_, _| request("generate", &[]),
    schema: |_| Schema { kind: "generate_ok", fields: &[("id", Field::Any)] },
    ok_value: |_, _, body| body.get("id").cloned().unwrap_or(Value::Null),
    outcomes: Outcomes::Rule(&[]),
};

impl Generator for UniqueIds {
    fn next_op(&mut self, _worker: usize, _rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        Some(OpSpec::new("generate", Value::Null))
    }
}

impl TestWorkload for UniqueIds {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(UniqueIds)
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        true
    }

    fn check(&self, history: &[Op]) -> Checked {
        unique_ids::check(history)
    }
}
