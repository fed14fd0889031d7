//! lin-kv (<https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-lin-kv>):
//! Jepsen's `linearizable-register` test over independent keys, judged per key by the
//! [`crate::checker::linearizable`] checker. No final phase; reusable client; `read` is
//! idempotent.
//!
//! The generator is Jepsen's `independent/concurrent-generator` as Maelstrom 0.2 runs it:
//! workers form groups of 2N (N nodes), each group works on one key at a time, handed out
//! 0, 1, 2, …; the first N workers of a group only read, the others write (⅓, a value in 0…4)
//! or compare-and-set (⅔, both values in 0…4). A group moves to the next unused key once its
//! workers have held more than [`PROCESSES_PER_KEY_MAX`] distinct process ids on the key
//! (`gen/process-limit`): each op that ends `:info` gives its worker a new process.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{Generator, OpSpec, TestWorkload};
use crate::checker::{linearizable, Checked};
use crate::client::{request, Client, Field, Outcomes, Schema, SingleRpc};
use crate::config::TestConfig;
use crate::history::{Op, OpType};
use crate::op::Completion;

/// Jepsen's `gen/process-limit` in lin-kv's generator: distinct processes per key.
pub const PROCESSES_PER_KEY_MAX: usize = 20;

/// Values are drawn from 0…VALUES−1 (`rand-int 5` in Jepsen's `linearizable-register`).
const VALUES: u64 = 5;

/// Maelstrom's lin-kv client timeout floor: `max(1000, 10 × latency)` ms (lin_kv.clj).
const TIMEOUT_MS_MIN: u64 = 1_000;

/// One group of 2N workers and the key it works on.
#[derive(Debug, Clone)]
struct Group {
    key: u64,
    /// Distinct process ids its workers have held on `key`.
    processes: usize,
    /// Workers whose next op runs under a new process (their last op ended `:info`).
    renamed: Vec<bool>,
}

/// The lin-kv workload.
#[derive(Debug, Clone)]
pub struct LinKv {
    node_count: usize,
    groups: Vec<Group>,
    next_key: u64,
    timeout_ms: u64,
}

impl LinKv {
    /// The workload for `config`; `Err` unless `--concurrency` is a multiple of 2N, as
    /// Jepsen's `concurrent-generator` requires.
    pub fn new(config: &TestConfig) -> Result<Self, String> {
        let n = config.node_ids.len().max(1);
        if config.concurrency == 0 || !config.concurrency.is_multiple_of(2 * n) {
            return Err(format!(
                "lin-kv needs --concurrency to be a multiple of 2 × the node count ({}), got {}; try --concurrency 2n",
                2 * n,
                config.concurrency
            ));
        }
        let groups = config.concurrency / (2 * n);
        let group = |key| Group { key, processes: 2 * n, renamed: vec![false; 2 * n] };
        Ok(LinKv {
            node_count: n,
            groups: (0..groups as u64).map(group).collect(),
            next_key: groups as u64,
            timeout_ms: TIMEOUT_MS_MIN.max(10 * config.latency_ms),
        })
    }
}

const CLIENT: SingleRpc = SingleRpc {
    request: |f, value| {
        let key = value[0].clone();
        match f {
            "read" => request("read", &[("key", key)]),
            "write" => request("write", &[("key", key), ("value", value[1].clone())]),
            _ => request("cas", &[("key", key), ("from", value[1][0].clone()), ("to", value[1][1].clone())]),
        }
    },
    schema: |f| match f {
        "read" => Schema { kind: "read_ok", fields: &[("value", Field::Any)] },
        "write" => Schema { kind: "write_ok", fields: &[] },
        _ => Schema { kind: "cas_ok", fields: &[] },
    },
    ok_value: |f, value, body| match f {
        "read" => json!([value[0], body.get("value").cloned().unwrap_or(Value::Null)]),
        _ => value.clone(),
    },
    outcomes: Outcomes::Rule(&["read"]),
};

impl Generator for LinKv {
    fn next_op(&mut self, worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let width = 2 * self.node_count;
        let group = &mut self.groups[worker / width];
        let slot = worker % width;
        if std::mem::take(&mut group.renamed[slot]) {
            group.processes += 1;
            if group.processes > PROCESSES_PER_KEY_MAX {
                group.key = self.next_key;
                self.next_key += 1;
                group.processes = width;
            }
        }
        let k = group.key;
        Some(if slot < self.node_count {
            OpSpec::new("read", json!([k, null]))
        } else if rng.gen_range(0..3) == 0 {
            OpSpec::new("write", json!([k, rng.gen_range(0..VALUES)]))
        } else {
            OpSpec::new("cas", json!([k, [rng.gen_range(0..VALUES), rng.gen_range(0..VALUES)]]))
        })
    }

    fn update(&mut self, worker: usize, _op: &OpSpec, completion: &Completion, _now_ns: u64, _rng: &mut ChaCha8Rng) {
        if completion.kind == OpType::Info {
            let width = 2 * self.node_count;
            self.groups[worker / width].renamed[worker % width] = true;
        }
    }
}

impl TestWorkload for LinKv {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(self.clone())
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(CLIENT)
    }

    fn client_reusable(&self) -> bool {
        true
    }

    fn timeout_ms(&self) -> u64 {
        self.timeout_ms
    }

    fn check(&self, history: &[Op]) -> Checked {
        linearizable::check(history)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn readers_read_writers_mix_one_write_to_two_cas_and_infos_move_the_key_on() {
        let mut config = TestConfig::new("lin-kv", 2);
        config.concurrency = 8;
        let mut w = LinKv::new(&config).expect("8 is a multiple of 4");
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut fs = std::collections::BTreeMap::new();
        for _ in 0..3000 {
            for worker in 0..8 {
                let op = w.next_op(worker, &mut rng).expect("endless");
                assert_eq!(op.value[0], json!(worker / 4), "group {} works on its own key", worker / 4);
                if worker % 4 < 2 {
                    assert_eq!(op.f, "read");
                } else {
                    *fs.entry(op.f.clone()).or_insert(0) += 1;
                }
            }
        }
        let (cas, write) = (f64::from(fs["cas"]), f64::from(fs["write"]));
        assert!((1.8..2.2).contains(&(cas / write)), "{fs:?}");
        let info = Completion { kind: OpType::Info, value: Value::Null, error: None, exception: None };
        // Four processes to begin with; the 17th :info makes the 21st.
        for round in 0..=PROCESSES_PER_KEY_MAX - 4 {
            w.update(2, &OpSpec::new("write", json!([0, 1])), &info, 0, &mut rng);
            let key = w.next_op(2, &mut rng).expect("endless").value[0].clone();
            assert_eq!(key, json!(if round < PROCESSES_PER_KEY_MAX - 4 { 0 } else { 2 }), "round {round}");
        }
        assert!(LinKv::new(&TestConfig::new("lin-kv", 2)).is_err(), "concurrency 2 with 2 nodes refused");
    }
}
