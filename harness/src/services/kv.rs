//! The key-value semantics lin-kv, seq-kv and lww-kv share (maelstrom/service.clj;
//! [Maelstrom's services](https://github.com/jepsen-io/maelstrom/blob/main/doc/services.md)).

use std::collections::BTreeMap;

use glomer_adapters::Body;
use serde_json::Value;

/// A map state. Keys are any JSON value, compared exactly, so they are stored by their JSON
/// text (object keys come out sorted, so the text is canonical).
pub type KvState = BTreeMap<String, Value>;

/// The outcome of one request against one state.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The reply body, without `in_reply_to`.
    pub reply: Body,
    /// The new state, when the request changed it.
    pub changed: Option<KvState>,
}

fn error(code: u64, text: String) -> Body {
    Body::new("error").with("code", code).with("text", text)
}

/// Applies one request to `state`; `None` for a request type the service does not know (it
/// then sends no reply at all, Maelstrom's doc/services.md). `allow_create` enables `create_if_not_exists`.
pub fn apply(state: &KvState, body: &Body, allow_create: bool) -> Option<Applied> {
    let key = body.get("key").map(Value::to_string).unwrap_or_else(|| "null".to_owned());
    let current = state.get(&key);
    let field = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
    let unchanged = |reply| Applied { reply, changed: None };
    let set = |value: Value, reply: Body| {
        let mut next = state.clone();
        next.insert(key.clone(), value);
        let changed = (next != *state).then_some(next);
        Applied { reply, changed }
    };
    match &*body.kind {
        "read" => Some(match current {
            Some(v) => unchanged(Body::new("read_ok").with("value", v.clone())),
            None => unchanged(error(20, "key does not exist".to_owned())),
        }),
        "write" => Some(set(field("value"), Body::new("write_ok"))),
        "cas" => {
            let create = allow_create && body.get("create_if_not_exists") == Some(&Value::Bool(true));
            Some(match current {
                None if create => set(field("to"), Body::new("cas_ok")),
                None => unchanged(error(20, "key does not exist".to_owned())),
                Some(v) if *v == field("from") => set(field("to"), Body::new("cas_ok")),
                Some(v) => unchanged(error(22, format!("current value {v} is not {}", field("from")))),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Body {
        serde_json::from_value(v).expect("a body")
    }

    fn run(state: &mut KvState, request: Value, create: bool) -> Value {
        let applied = apply(state, &body(request), create).expect("known request");
        if let Some(next) = applied.changed {
            *state = next;
        }
        serde_json::to_value(applied.reply).expect("json")
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
        assert_eq!(apply(&KvState::new(), &body(json!({"type": "delete", "key": 1})), true), None);
    }
}
