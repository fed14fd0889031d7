//! g-counter and pn-counter: ½ `add` with delta uniform in −5…4, ½ `read`; g-counter redraws
//! negative adds; no outcome classification; a final `read` per worker marked final
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-pn-counter)).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{FinalStep, Generator, OneFinalRead, TestWorkload};
use crate::checker::{counter, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;
use crate::op::OpSpec;

/// Deltas are drawn from this range (maelstrom/workload/pn_counter.clj: `(- (rand-int 10) 5)`).
const DELTAS: std::ops::Range<i64> = -5..5;

/// The g-counter (`allow_negative == false`) or pn-counter workload.
#[derive(Debug, Clone)]
pub struct Counter {
    allow_negative: bool,
}

impl Counter {
    /// pn-counter when `allow_negative`, else g-counter.
    pub fn new(allow_negative: bool) -> Self {
        Counter { allow_negative }
    }
}

const CLIENT: SingleRpc = SingleRpc {
    request: |f, value| match f {
        "add" => request("add", &[("delta", value.clone())]),
        _ => request("read", &[]),
    },
    schema: |f| match f {
        "add" => Schema { kind: "add_ok", fields: &[] },
        _ => Schema { kind: "read_ok", fields: &[("value", Field::Int)] },
    },
    ok_value: |f, value, body| match f {
        "add" => value.clone(),
        _ => body.get("value").cloned().unwrap_or(Value::Null),
    },
    outcomes: Outcomes::AllInfo,
};

/// The counters' generator.
#[derive(Debug, Clone)]
struct AddOrReadDelta {
    allow_negative: bool,
    finals: OneFinalRead,
}

impl Generator for AddOrReadDelta {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        // g-counter filters negative adds out of the pn stream and draws again, which leaves
        // about 1/3 adds (maelstrom/workload/g_counter.clj).
        loop {
            if rng.gen_bool(0.5) {
                let delta = rng.gen_range(DELTAS);
                if delta < 0 && !self.allow_negative {
                    continue;
                }
                return Some(OpSpec::new("add", json!(delta)));
            }
            return Some(OpSpec::new("read", Value::Null));
        }
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, worker: usize, _now_ns: u64, _rng: &mut ChaCha8Rng) -> FinalStep {
        self.finals.next(worker)
    }
}

impl TestWorkload for Counter {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(AddOrReadDelta { allow_negative: self.allow_negative, finals: OneFinalRead::new(true) })
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        counter::check(history)
    }
}
