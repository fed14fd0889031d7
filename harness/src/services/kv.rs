//! The key-value semantics lin-kv, seq-kv and lww-kv share (spec 5.1; maelstrom/service.clj).

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// A map state. Keys are any JSON value, compared exactly, so they are stored by their JSON
/// text (object keys come out sorted, so the text is canonical).
pub type KvState = BTreeMap<String, Value>;

/// The outcome of one request against one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The reply body, without `in_reply_to`.
    pub reply: Value,
    /// The new state, when the request changed it.
    pub changed: Option<KvState>,
}

fn error(code: u64, text: String) -> Value {
    json!({"type": "error", "code": code, "text": text})
}

/// Applies one request to `state`; `None` for a request type the service does not know (it
/// then sends no reply at all, spec 5). `allow_create` enables `create_if_not_exists`.
pub fn apply(state: &KvState, body: &Value, allow_create: bool) -> Option<Applied> {
    let key = body.get("key").map(Value::to_string).unwrap_or_else(|| "null".to_owned());
    let current = state.get(&key);
    let field = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
    let unchanged = |reply| Applied { reply, changed: None };
    let set = |value: Value, reply: Value| {
        let mut next = state.clone();
        next.insert(key.clone(), value);
        let changed = (next != *state).then_some(next);
        Applied { reply, changed }
    };
    match body.get("type").and_then(Value::as_str)? {
        "read" => Some(match current {
            Some(v) => unchanged(json!({"type": "read_ok", "value": v})),
            None => unchanged(error(20, "key does not exist".to_owned())),
        }),
        "write" => Some(set(field("value"), json!({"type": "write_ok"}))),
        "cas" => {
            let create = allow_create && body.get("create_if_not_exists") == Some(&Value::Bool(true));
            Some(match current {
                None if create => set(field("to"), json!({"type": "cas_ok"})),
                None => unchanged(error(20, "key does not exist".to_owned())),
                Some(v) if *v == field("from") => set(field("to"), json!({"type": "cas_ok"})),
                Some(v) => unchanged(error(22, format!("current value {v} is not {}", field("from")))),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: &mut KvState, body: Value, create: bool) -> Value {
        let applied = apply(state, &body, create).expect("known request");
        if let Some(next) = applied.changed {
            *state = next;
        }
        applied.reply
    }

    #[test]
    fn read_write_cas_behave_as_a_register_map() {
        let mut s = KvState::new();
        assert_eq!(run(&mut s, json!({"type": "read", "key": 1}), true)["code"], 20);
        assert_eq!(run(&mut s, json!({"type": "write", "key": 1, "value": 3}), true)["type"], "write_ok");
        assert_eq!(run(&mut s, json!({"type": "read", "key": 1}), true)["value"], 3);
        assert_eq!(run(&mut s, json!({"type": "read", "key": "1"}), true)["code"], 20);
        assert_eq!(run(&mut s, json!({"type": "cas", "key": 1, "from": 4, "to": 5}), true)["code"], 22);
        assert_eq!(run(&mut s, json!({"type": "cas", "key": 1, "from": 3, "to": 5}), true)["type"], "cas_ok");
        assert_eq!(run(&mut s, json!({"type": "read", "key": 1}), true)["value"], 5);
    }

    #[test]
    fn create_if_not_exists_creates_only_when_allowed() {
        let mut s = KvState::new();
        let cas = json!({"type": "cas", "key": "k", "from": 0, "to": 1, "create_if_not_exists": true});
        assert_eq!(run(&mut s, cas.clone(), false)["code"], 20);
        assert_eq!(run(&mut s, cas, true)["type"], "cas_ok");
        assert_eq!(s.get("\"k\""), Some(&json!(1)));
    }

    #[test]
    fn unknown_request_types_get_no_reply() {
        assert_eq!(apply(&KvState::new(), &json!({"type": "delete", "key": 1}), true), None);
    }
}
