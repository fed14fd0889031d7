//! Elle's transaction generator (elle/txn.clj `wr-txns`): a pool of active keys chosen with
//! exponential weights, writes unique per key, and keys retired after a number of writes.
//! Shared by txn-rw-register and, later, kafka and txn-list-append.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Elle's `key-dist-base`: each position is twice as likely as the one before it.
const KEY_DIST_BASE: f64 = 2.0;

/// Elle's default number of active keys for the exponential distribution.
pub const DEFAULT_KEY_COUNT: usize = 10;

/// The active keys and the next value to write to each.
#[derive(Debug, Clone)]
pub struct KeyPool {
    active: Vec<u64>,
    next_value: BTreeMap<u64, u64>,
    /// Elle's `key-dist-scale`: random numbers below it map onto positions 0…count−1.
    scale: f64,
    max_writes_per_key: u64,
}

impl KeyPool {
    /// Keys 0…`key_count`−1, each written at most `max_writes_per_key` times.
    pub fn new(key_count: usize, max_writes_per_key: usize) -> Self {
        let count = key_count.max(1);
        let scale = (KEY_DIST_BASE.powi(count as i32) - 1.0) * KEY_DIST_BASE / (KEY_DIST_BASE - 1.0);
        KeyPool {
            active: (0..count as u64).collect(),
            next_value: BTreeMap::new(),
            scale,
            max_writes_per_key: max_writes_per_key as u64,
        }
    }

    /// Elle's `rand-key`: position `floor(log_base(U·scale + base) − 1)`, so position i has
    /// weight ∝ base^i.
    pub fn rand_key(&self, rng: &mut ChaCha8Rng) -> u64 {
        let x = rng.gen::<f64>() * self.scale + KEY_DIST_BASE;
        let index = (x.ln() / KEY_DIST_BASE.ln() - 1.0).floor() as usize;
        self.active[index.min(self.active.len() - 1)]
    }

    /// The value to write to `key` (1, 2, 3, …), or `None` when the key has had its writes;
    /// then the key is replaced in place by a fresh one (Elle's `fresh-key`).
    pub fn next_write(&mut self, key: u64) -> Option<u64> {
        let v = self.next_value.get(&key).copied().unwrap_or(1);
        if v > self.max_writes_per_key {
            let fresh = self.active.iter().max().map_or(0, |k| k + 1);
            if let Some(slot) = self.active.iter_mut().find(|k| **k == key) {
                *slot = fresh;
            }
            return None;
        }
        self.next_value.insert(key, v + 1);
        Some(v)
    }

    /// One read/write transaction of 1…`max_len` micro-ops `["r", k, null]` / `["w", k, v]`.
    pub fn rw_txn(&mut self, rng: &mut ChaCha8Rng, max_len: usize) -> Value {
        let len = rng.gen_range(1..=max_len.max(1));
        let mut txn = Vec::with_capacity(len);
        while txn.len() < len {
            let write = rng.gen_bool(0.5);
            let key = self.rand_key(rng);
            if !write {
                txn.push(json!(["r", key, null]));
            } else if let Some(v) = self.next_write(key) {
                txn.push(json!(["w", key, v]));
            }
        }
        Value::Array(txn)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn later_positions_are_exponentially_busier() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let pool = KeyPool::new(10, 16);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[pool.rand_key(&mut rng) as usize] += 1;
        }
        let ratio = f64::from(counts[9]) / f64::from(counts[8]);
        assert!((1.8..2.2).contains(&ratio), "{counts:?}");
        assert!(counts[0] > 0 && counts[0] < counts[1], "{counts:?}");
    }

    #[test]
    fn writes_are_unique_per_key_and_keys_retire_after_max_writes() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut pool = KeyPool::new(3, 4);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            for op in pool.rw_txn(&mut rng, 4).as_array().unwrap() {
                if op[0] == "w" {
                    let v = op[2].as_u64().unwrap();
                    assert!((1..=4).contains(&v));
                    assert!(seen.insert((op[1].as_u64().unwrap(), v)), "duplicate write {op}");
                }
            }
        }
        assert!(pool.active.iter().all(|&k| k >= 3), "keys never retired: {:?}", pool.active);
    }
}
