//! g-set (spec 4.4): ½ `add` of the next integer, ½ `read` (field `value`); no outcome
//! classification; a final `read` per worker (not marked final); the set-full checker.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::broadcast::list_or_empty;
use super::{one_final_read, OpSpec, TestWorkload};
use crate::checker::{set_full, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;

/// The g-set workload.
#[derive(Debug, Clone, Default)]
pub struct GSet {
    next_value: u64,
}

const CLIENT: SingleRpc = SingleRpc {
    request: |f, value| match f {
        "add" => request("add", &[("element", value.clone())]),
        _ => request("read", &[]),
    },
    schema: |f| match f {
        "add" => Schema { kind: "add_ok", fields: &[] },
        _ => Schema { kind: "read_ok", fields: &[("value", Field::List)] },
    },
    ok_value: |f, value, body| match f {
        "add" => value.clone(),
        _ => list_or_empty(body.get("value")),
    },
    outcomes: Outcomes::AllInfo,
};

impl TestWorkload for GSet {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        if rng.gen_bool(0.5) {
            self.next_value += 1;
            Some(OpSpec::new("add", json!(self.next_value - 1)))
        } else {
            Some(OpSpec::new("read", Value::Null))
        }
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, _worker: usize, done: usize, _rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        one_final_read(done, false)
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        set_full::check(history, "add")
    }
}
