//! seq-kv: sequentially consistent; a caller may see any retained state at or after the last
//! one it interacted with (maelstrom/service.clj;
//! [Maelstrom's services](https://github.com/jepsen-io/maelstrom/blob/main/doc/services.md)).

use std::collections::{HashMap, VecDeque};

use glomer_adapters::Body;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::kv::{apply, KvState};

/// States kept for stale reads (maelstrom/service.clj: a ring buffer of 32).
pub const RETAINED_STATES: usize = 32;

/// The seq-kv service.
#[derive(Debug)]
pub struct SeqKv {
    /// (state number, state), oldest first, at most [`RETAINED_STATES`].
    states: VecDeque<(u64, KvState)>,
    /// Caller id → number of the state it last interacted with.
    seen: HashMap<String, u64>,
}

impl Default for SeqKv {
    fn default() -> Self {
        SeqKv { states: VecDeque::from([(0, KvState::new())]), seen: HashMap::new() }
    }
}

impl SeqKv {
    /// Handles one request from `src`; `None` means no reply.
    pub fn handle(&mut self, src: &str, body: &Body, rng: &mut ChaCha8Rng) -> Option<Body> {
        let newest = self.states.back().map_or(0, |s| s.0);
        let from = self.seen.get(src).copied().unwrap_or(0).min(newest);
        let picked = rng.gen_range(from..=newest);
        let applied = apply(self.state(picked), body, true)?;
        if applied.changed.is_none() {
            self.seen.insert(src.to_owned(), picked);
            return Some(applied.reply);
        }
        // A mutation is re-evaluated against the newest state and becomes the next state.
        let applied = apply(self.state(newest), body, true)?;
        let mut number = newest;
        if let Some(next) = applied.changed {
            number += 1;
            self.states.push_back((number, next));
            if self.states.len() > RETAINED_STATES {
                self.states.pop_front();
            }
        }
        self.seen.insert(src.to_owned(), number);
        Some(applied.reply)
    }

    /// The state numbered `number`; a number older than the retained ones wraps around the
    /// ring as Maelstrom's ring buffer does.
    fn state(&self, number: u64) -> &KvState {
        let oldest = self.states.front().map_or(0, |s| s.0);
        let ring = RETAINED_STATES as u64;
        let index = if number < oldest { (number % ring + ring - oldest % ring) % ring } else { number - oldest };
        let last = self.states.len().saturating_sub(1);
        &self.states[(index as usize).min(last)].1
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::{json, Value};

    use super::*;

    /// Sends `request` from `src` and returns the reply as JSON.
    fn call(kv: &mut SeqKv, src: &str, request: Value, rng: &mut ChaCha8Rng) -> Option<Value> {
        let body: Body = serde_json::from_value(request).expect("a body");
        kv.handle(src, &body, rng).map(|reply| serde_json::to_value(reply).expect("json"))
    }

    #[test]
    fn a_writer_reads_its_own_write_but_others_may_read_stale() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut kv = SeqKv::default();
        call(&mut kv, "n0", json!({"type": "write", "key": "x", "value": 0}), &mut rng);
        call(&mut kv, "n0", json!({"type": "write", "key": "x", "value": 1}), &mut rng);
        for _ in 0..20 {
            assert_eq!(call(&mut kv, "n0", json!({"type": "read", "key": "x"}), &mut rng).unwrap()["value"], 1);
        }
        let mut stale = false;
        for _ in 0..50 {
            let reply = call(&mut kv, "n1", json!({"type": "read", "key": "x"}), &mut rng).unwrap();
            stale |= reply.get("value") != Some(&json!(1));
            kv.seen.remove("n1");
        }
        assert!(stale, "a fresh caller never saw an older state");
    }

    #[test]
    fn a_callers_view_never_goes_back() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut kv = SeqKv::default();
        for v in 0..10 {
            call(&mut kv, "n0", json!({"type": "write", "key": "x", "value": v}), &mut rng);
        }
        let mut last = -1;
        for _ in 0..100 {
            let reply = call(&mut kv, "n1", json!({"type": "read", "key": "x"}), &mut rng).unwrap();
            let v = reply.get("value").and_then(Value::as_i64).unwrap_or(-1);
            assert!(v >= last, "read {v} after {last}");
            last = v;
        }
    }

    #[test]
    fn only_the_last_states_are_retained() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut kv = SeqKv::default();
        for v in 0..100 {
            call(&mut kv, "n0", json!({"type": "write", "key": "x", "value": v}), &mut rng);
        }
        assert_eq!(kv.states.len(), RETAINED_STATES);
        for _ in 0..50 {
            let reply = call(&mut kv, "n9", json!({"type": "read", "key": "x"}), &mut rng).unwrap();
            kv.seen.remove("n9");
            assert!(reply["value"].as_i64().is_some());
        }
    }

    #[test]
    fn a_cas_is_judged_on_the_newest_state_when_it_mutates() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut kv = SeqKv::default();
        call(&mut kv, "n0", json!({"type": "write", "key": "k", "value": 1}), &mut rng);
        let reply = call(&mut kv, "n0", json!({"type": "cas", "key": "k", "from": 1, "to": 2}), &mut rng).unwrap();
        assert_eq!(reply["type"], "cas_ok");
        assert_eq!(call(&mut kv, "n0", json!({"type": "read", "key": "k"}), &mut rng).unwrap()["value"], 2);
    }
}
