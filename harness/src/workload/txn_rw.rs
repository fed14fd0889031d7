//! txn-rw-register: read/write transactions from Elle's generator, judged by Elle's rw-register
//! analysis against `--consistency-models`. No final phase; reusable client
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-txn-rw-register)).

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::keys::{KeyPool, DEFAULT_KEY_COUNT};
use super::{Generator, TestWorkload};
use crate::checker::{txn_rw, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::config::TestConfig;
use crate::history::Op;
use crate::op::OpSpec;

/// The txn-rw-register workload.
#[derive(Debug, Clone)]
pub struct TxnRw {
    keys: KeyPool,
    max_txn_length: usize,
    models: Vec<String>,
}

impl TxnRw {
    /// The workload with `config`'s key count, transaction length, writes per key and models.
    pub fn new(config: &TestConfig) -> Self {
        TxnRw {
            keys: KeyPool::new(config.key_count.unwrap_or(DEFAULT_KEY_COUNT), config.max_writes_per_key),
            max_txn_length: config.max_txn_length,
            models: config.consistency_models.clone(),
        }
    }
}

const CLIENT: SingleRpc = SingleRpc {
    request: |_, value| request("txn", &[("txn", value.clone())]),
    schema: |_| Schema { kind: "txn_ok", fields: &[("txn", Field::MicroOps(&["r", "w"]))] },
    ok_value: |_, _, body| body.get("txn").cloned().unwrap_or(Value::Null),
    outcomes: Outcomes::Rule(&[]),
};

impl Generator for TxnRw {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        Some(OpSpec::new("txn", self.keys.rw_txn(rng, self.max_txn_length)))
    }
}

impl TestWorkload for TxnRw {
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
        txn_rw::check(history, &self.models)
    }
}
