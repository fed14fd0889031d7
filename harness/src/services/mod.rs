//! Maelstrom's services, present in every test: lin-kv, seq-kv, lww-kv and lin-tso
//! ([Maelstrom's services](https://github.com/jepsen-io/maelstrom/blob/main/doc/services.md)).

pub mod kv;
pub mod seq_kv;

use glomer_adapters::Body;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use self::kv::{apply, KvState};
use self::seq_kv::SeqKv;

/// Service ids, registered on the network before any node starts.
pub const IDS: [&str; 4] = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/// lww-kv's copies: maelstrom/service.clj keeps two and never merges them.
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
    pub fn handle(&mut self, id: &str, src: &str, body: &Body, rng: &mut ChaCha8Rng) -> Option<Body> {
        let mut reply = match id {
            "lin-kv" => Self::apply_in_place(&mut self.lin_kv, body, true)?,
            "seq-kv" => self.seq_kv.handle(src, body, rng)?,
            "lww-kv" => {
                let copy = rng.gen_range(0..LWW_COPIES);
                Self::apply_in_place(&mut self.lww_kv[copy], body, false)?
            }
            "lin-tso" if body.kind == "ts" => {
                self.next_ts += 1;
                Body::new("ts_ok").with("ts", self.next_ts - 1)
            }
            _ => return None,
        };
        reply.in_reply_to = body.msg_id;
        if body.msg_id.is_none() {
            // Maelstrom copies the request's `msg_id`, so a request without one gets an explicit
            // `"in_reply_to": null`.
            reply.fields.insert("in_reply_to".to_owned(), Value::Null);
        }
        Some(reply)
    }

    fn apply_in_place(state: &mut KvState, body: &Body, allow_create: bool) -> Option<Body> {
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
    use serde_json::json;

    use super::*;

    /// Sends `request` to service `id` from `src` and returns the reply as JSON.
    fn call(s: &mut Services, id: &str, src: &str, request: Value, rng: &mut ChaCha8Rng) -> Option<Value> {
        let body: Body = serde_json::from_value(request).expect("a body");
        s.handle(id, src, &body, rng).map(|reply| serde_json::to_value(reply).expect("json"))
    }

    #[test]
    fn lin_tso_counts_from_zero_across_callers() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let ts: Vec<Value> = ["n0", "n1", "n0"]
            .iter()
            .map(|src| {
                call(&mut s, "lin-tso", src, json!({"type": "ts", "msg_id": 4}), &mut rng).unwrap()["ts"].clone()
            })
            .collect();
        assert_eq!(ts, [json!(0), json!(1), json!(2)]);
    }

    #[test]
    fn replies_carry_in_reply_to_or_null() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let with = call(&mut s, "lin-kv", "n0", json!({"type": "read", "key": 1, "msg_id": 7}), &mut rng).unwrap();
        assert_eq!(with["in_reply_to"], 7);
        let without = call(&mut s, "lin-kv", "n0", json!({"type": "read", "key": 1}), &mut rng).unwrap();
        assert_eq!(without["in_reply_to"], Value::Null);
    }

    #[test]
    fn lin_kv_is_one_linearizable_map() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        call(&mut s, "lin-kv", "n0", json!({"type": "write", "key": "a", "value": 1}), &mut rng);
        assert_eq!(call(&mut s, "lin-kv", "n1", json!({"type": "read", "key": "a"}), &mut rng).unwrap()["value"], 1);
    }

    #[test]
    fn lww_kv_never_converges_and_has_no_create() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        let cas = json!({"type": "cas", "key": "a", "from": 0, "to": 1, "create_if_not_exists": true});
        assert_eq!(call(&mut s, "lww-kv", "n0", cas.clone(), &mut rng).unwrap()["code"], 20);
        call(&mut s, "lww-kv", "n0", json!({"type": "write", "key": "a", "value": 1}), &mut rng);
        let misses = (0..100)
            .filter(|_| {
                call(&mut s, "lww-kv", "n1", json!({"type": "read", "key": "a"}), &mut rng).unwrap()["type"] == "error"
            })
            .count();
        assert!(misses > 20 && misses < 80, "{misses} of 100 reads missed the write");
    }

    #[test]
    fn services_ignore_unknown_types() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut s = Services::default();
        for id in IDS {
            assert_eq!(call(&mut s, id, "n0", json!({"type": "frobnicate", "msg_id": 1}), &mut rng), None);
        }
    }
}
