//! The two transactional workloads, which share Elle's generator, a reusable client and no final
//! phase, and differ only in the write micro-op and the analysis that judges them
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md)):
//! - txn-rw-register: read/write transactions, Elle's rw-register analysis;
//! - txn-list-append: the same transactions with writes turned into appends (Elle's
//!   `append-txns`), Elle's list-append analysis.
//!
//! Both are judged against `--consistency-models`.

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::keys::{KeyPool, DEFAULT_KEY_COUNT};
use super::{Generator, TestWorkload};
use crate::checker::{list_append, txn_rw, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::config::TestConfig;
use crate::history::Op;
use crate::op::OpSpec;

/// Which transactional workload: its write micro-op and its analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// txn-rw-register: `["w", k, v]` overwrites a register.
    RwRegister,
    /// txn-list-append: `["append", k, v]` appends to a list.
    ListAppend,
}

/// A transactional workload.
#[derive(Debug, Clone)]
pub struct Txn {
    flavour: Flavour,
    keys: KeyPool,
    max_txn_length: usize,
    models: Vec<String>,
}

impl Txn {
    /// The workload with `config`'s key count, transaction length, writes per key and models.
    pub fn new(config: &TestConfig, flavour: Flavour) -> Self {
        Txn {
            flavour,
            keys: KeyPool::new(config.key_count.unwrap_or(DEFAULT_KEY_COUNT), config.max_writes_per_key),
            max_txn_length: config.max_txn_length,
            models: config.consistency_models.clone(),
        }
    }
}

const RW_CLIENT: SingleRpc = SingleRpc {
    request: |_, value| request("txn", &[("txn", value.clone())]),
    schema: |_| Schema { kind: "txn_ok", fields: &[("txn", Field::MicroOps(&["r", "w"]))] },
    ok_value: |_, _, body| body.get("txn").cloned().unwrap_or(Value::Null),
    outcomes: Outcomes::Rule(&[]),
};

const APPEND_CLIENT: SingleRpc = SingleRpc {
    schema: |_| Schema { kind: "txn_ok", fields: &[("txn", Field::MicroOps(&["r", "append"]))] },
    ..RW_CLIENT
};

impl Generator for Txn {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let mut txn = self.keys.rw_txn(rng, self.max_txn_length);
        if self.flavour == Flavour::ListAppend {
            for mop in txn.as_array_mut().into_iter().flatten() {
                if mop[0] == "w" {
                    mop[0] = "append".into();
                }
            }
        }
        Some(OpSpec::new("txn", txn))
    }
}

impl TestWorkload for Txn {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(self.clone())
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(match self.flavour {
            Flavour::RwRegister => RW_CLIENT,
            Flavour::ListAppend => APPEND_CLIENT,
        })
    }

    fn client_reusable(&self) -> bool {
        true
    }

    fn check(&self, history: &[Op]) -> Checked {
        match self.flavour {
            Flavour::RwRegister => txn_rw::check(history, &self.models),
            Flavour::ListAppend => list_append::check(history, &self.models),
        }
    }
}
