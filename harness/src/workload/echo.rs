//! echo: each op echoes `"Please echo K"`, K uniform in 0…127
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-echo)).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{Generator, TestWorkload};
use crate::checker::{echo, Checked};
use crate::client::{body_json, request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::history::Op;
use crate::op::OpSpec;

/// The echo workload.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

/// K is drawn below this (maelstrom/workload/echo.clj).
const ECHO_VALUES: u32 = 128;

const CLIENT: SingleRpc = SingleRpc {
    request: |_, value| request("echo", &[("echo", value.clone())]),
    schema: |_| Schema { kind: "echo_ok", fields: &[("echo", Field::Any)] },
    // The ok value is the whole reply body (maelstrom/workload/echo.clj).
    ok_value: |_, _, body| body_json(body),
    outcomes: Outcomes::Rule(&[]),
};

impl Generator for Echo {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        Some(OpSpec::new("echo", json!(format!("Please echo {}", rng.gen_range(0..ECHO_VALUES)))))
    }
}

impl TestWorkload for Echo {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(Echo)
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        echo::check(history)
    }
}
