//! g-set: ½ `add` of the next integer, ½ `read` (field `value`); no outcome classification; a
//! final `read` per worker (not marked final); the set-full checker
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-g-set)).

use super::broadcast::{list_or_empty, AddOrRead};
use super::{Generator, TestWorkload};
use crate::checker::{set_full, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;

/// The g-set workload.
#[derive(Debug, Clone, Copy, Default)]
pub struct GSet;

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
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(AddOrRead::new("add", false))
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
