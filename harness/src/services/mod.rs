//! Maelstrom's services (spec 5): lin-kv, seq-kv, lww-kv and lin-tso, present in every test.

pub mod kv;
pub mod seq_kv;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use self::kv::{apply, KvState};
use self::seq_kv::SeqKv;

/// Service ids, registered on the network before any node starts.
pub const IDS: [&str; 4] = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/// lww-kv's copies: the code keeps two and never merges them (spec 5.3).
const LWW_COPIES: usize = 2;

/// All four services.
#[derive(Debug, Default)]
pub struct Services {
    lin_kv: KvState,
    seq_kv: SeqKv,
    lww_kv: [KvState; LWW_COPIES],
    next_ts: u64,
}

impl Services {
    /// Handles a request to service `id` from `src`. Returns the reply body with `in_reply_to`
    /// set, or `None` when the service does not answer (unknown type or service).
    pub fn handle(&mut self, id: &str, src: &str, body: &Value, rng: &mut ChaCha8Rng) -> Option<Value> {
        let mut reply = match id {
            "lin-kv" => Self::apply_in_place(&mut self.lin_kv, body, true)?,
            "seq-kv" => self.seq_kv.handle(src, body, rng)?,
            "lww-kv" => {
                let copy = rng.gen_range(0..LWW_COPIES);
                Self::apply_in_place(&mut self.lww_kv[copy], body, false)?
            }
            "lin-tso" if body.get("type").and_then(Value::as_str) == Some("ts") => {
                self.next_ts += 1;
                json!({"type": "ts_ok", "ts": self.next_ts - 1})
            }
            _ => return None,
        };
        reply["in_reply_to"] = body.get("msg_id").cloned().unwrap_or(Value::Null);
        Some(reply)
    }

    fn apply_in_place(state: &mut KvState, body: &Value, allow_create: bool) -> Option<Value> {
        let applied = apply(state, body, allow_create)?;
        if let Some(next) = applied.changed {
            *state = next;
        }
        Some(applied.reply)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn lin_tso_counts_from_zero_across_callers() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let ts: Vec<Value> = ["n0", "n1", "n0"]
            .iter()
            .map(|src| s.handle("lin-tso", src, &json!({"type": "ts", "msg_id": 4}), &mut rng).unwrap()["ts"].clone())
            .collect();
        assert_eq!(ts, [json!(0), json!(1), json!(2)]);
    }

    #[test]
    fn replies_carry_in_reply_to_or_null() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let with = s.handle("lin-kv", "n0", &json!({"type": "read", "key": 1, "msg_id": 7}), &mut rng).unwrap();
        assert_eq!(with["in_reply_to"], 7);
        let without = s.handle("lin-kv", "n0", &json!({"type": "read", "key": 1}), &mut rng).unwrap();
        assert_eq!(without["in_reply_to"], Value::Null);
    }

    #[test]
    fn lin_kv_is_one_linearizable_map() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        s.handle("lin-kv", "n0", &json!({"type": "write", "key": "a", "value": 1}), &mut rng);
        assert_eq!(s.handle("lin-kv", "n1", &json!({"type": "read", "key": "a"}), &mut rng).unwrap()["value"], 1);
    }

    #[test]
    fn lww_kv_never_converges_and_has_no_create() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let cas = json!({"type": "cas", "key": "a", "from": 0, "to": 1, "create_if_not_exists": true});
        assert_eq!(s.handle("lww-kv", "n0", &cas, &mut rng).unwrap()["code"], 20);
        s.handle("lww-kv", "n0", &json!({"type": "write", "key": "a", "value": 1}), &mut rng);
        let misses = (0..100)
            .filter(|_| {
                s.handle("lww-kv", "n1", &json!({"type": "read", "key": "a"}), &mut rng).unwrap()["type"] == "error"
            })
            .count();
        assert!(misses > 20 && misses < 80, "{misses} of 100 reads missed the write");
    }

    #[test]
    fn services_ignore_unknown_types() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        for id in IDS {
            assert_eq!(s.handle(id, "n0", &json!({"type": "frobnicate", "msg_id": 1}), &mut rng), None);
        }
    }
}
