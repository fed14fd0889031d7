//! txn-list-append
//! (<https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-txn-list-append>):
//! Elle's `append-txns` generator (its read/write transactions with writes turned into appends),
//! judged by Elle's list-append analysis against `--consistency-models`. No final phase;
//! reusable client; no idempotent `f`.

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::keys::{KeyPool, DEFAULT_KEY_COUNT};
use super::{Generator, OpSpec, TestWorkload};
use crate::checker::{list_append, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::config::TestConfig;
use crate::history::Op;

/// The txn-list-append workload.
#[derive(Debug, Clone)]
pub struct ListAppend {
    keys: KeyPool,
    max_txn_length: usize,
    models: Vec<String>,
}

impl ListAppend {
    /// The workload with `config`'s key count, transaction length, appends per key and models.
    pub fn new(config: &TestConfig) -> Self {
        ListAppend {
            keys: KeyPool::new(config.key_count.unwrap_or(DEFAULT_KEY_COUNT), config.max_writes_per_key),
            max_txn_length: config.max_txn_length,
            models: config.consistency_models.clone(),
        }
    }
}

const CLIENT: SingleRpc = SingleRpc {
    request: |_, value| request("txn", &[("txn", value.clone())]),
    schema: |_| Schema { kind: "txn_ok", fields: &[("txn", Field::MicroOps(&["r", "append"]))] },
    ok_value: |_, _, body| body.get("txn").cloned().unwrap_or(Value::Null),
    outcomes: Outcomes::Rule(&[]),
};

impl Generator for ListAppend {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let mut txn = self.keys.rw_txn(rng, self.max_txn_length);
        for mop in txn.as_array_mut().into_iter().flatten() {
            if mop[0] == "w" {
                mop[0] = "append".into();
            }
        }
        Some(OpSpec::new("txn", txn))
    }
}

impl TestWorkload for ListAppend {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(self.clone())
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        true
    }

    fn check(&self, history: &[Op]) -> Checked {
        list_append::check(history, &self.models)
    }
}
