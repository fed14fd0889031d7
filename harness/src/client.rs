//! Maelstrom's client side of an op: requests, reply schemas and how a reply (or its absence)
//! becomes a completion (maelstrom/client.clj; the error rules of
//! [Maelstrom's protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md#errors)).

use glomer_adapters::{Body, ErrorCode};
use serde_json::{json, Value};

use crate::history::OpType;
use crate::op::{Completion, OpSpec};

/// What a client does next for its op.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this request body (the test adds `msg_id`) and wait for its reply.
    Call(Body),
    /// The op is over.
    Done(Completion),
}

/// What came back for a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A reply body (success or `"type":"error"`).
    Body(Body),
    /// Nothing before the client timeout.
    Timeout,
}

/// One workload client: the logic behind one op, possibly several RPCs long (kafka's poll then
/// commit). A client lives as long as its `c` id (Jepsen's interpreter).
pub trait Client: Send {
    /// Starts `op`.
    fn invoke(&mut self, op: &OpSpec) -> Step;
    /// Continues `op` with the reply to its last request.
    fn on_reply(&mut self, op: &OpSpec, reply: Reply) -> Step;
}

/// The type of one field in a reply schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Any JSON value.
    Any,
    /// A JSON integer.
    Int,
    /// A list (JSON `null` accepted as empty).
    List,
    /// An object.
    Map,
    /// A transaction: a list (or `null`) of `[f, key, value]` micro-ops whose `f` is one of
    /// these (maelstrom/workload/txn_rw_register.clj `ReadRes`/`Write`).
    MicroOps(&'static [&'static str]),
}

/// A closed reply schema: exactly this `type`, these fields (all required), plus `msg_id` and
/// `in_reply_to`; anything else is malformed (maelstrom/client.clj checks replies against the
/// workload's schema).
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The reply's `type`.
    pub kind: &'static str,
    /// Required fields and their types.
    pub fields: &'static [(&'static str, Field)],
}

impl Schema {
    /// Why `body` does not match, if it does not.
    pub fn violation(&self, body: &Body) -> Option<String> {
        if body.kind != self.kind {
            return Some(format!("expected type {:?}, got {:?}", self.kind, body.kind));
        }
        for (name, field) in self.fields {
            let Some(v) = body.get(name) else { return Some(format!("missing field {name:?}")) };
            let fits = match field {
                Field::Any => true,
                Field::Int => v.is_i64() || v.is_u64(),
                Field::List => v.is_array() || v.is_null(),
                Field::Map => v.is_object(),
                Field::MicroOps(fs) => {
                    v.is_null() || v.as_array().is_some_and(|ops| ops.iter().all(|op| is_micro_op(op, fs)))
                }
            };
            if !fits {
                return Some(format!("field {name:?} has the wrong type: {v}"));
            }
        }
        let allowed = |k: &str| self.fields.iter().any(|f| f.0 == k);
        body.fields.keys().find(|k| !allowed(k)).map(|k| format!("unexpected field {k:?}"))
    }
}

fn is_micro_op(op: &Value, fs: &[&str]) -> bool {
    match op.as_array().map(Vec::as_slice) {
        Some([f, _, _]) => f.as_str().is_some_and(|f| fs.contains(&f)),
        _ => false,
    }
}

/// How a workload's client turns errors and timeouts into completions (maelstrom/client.clj
/// `with-errors`).
#[derive(Debug, Clone, Copy)]
pub enum Outcomes {
    /// Maelstrom's classification rule, with these idempotent `f`s.
    Rule(&'static [&'static str]),
    /// No classification: every timeout and error reply is an exception, hence `:info`.
    AllInfo,
}

impl Outcomes {
    /// The completion of op `f` (invocation value `value`) whose RPC gave no usable success
    /// reply: a timeout or an error body (maelstrom/client.clj `with-errors`: a timeout is
    /// `:error :net-timeout`, an error reply `:error [name text]`).
    pub fn on_failure(&self, f: &str, value: &Value, reply: &Reply) -> Completion {
        let (error, definite, thrown) = match reply {
            Reply::Timeout => (json!("net-timeout"), false, "Client read timeout".to_owned()),
            Reply::Body(body) => {
                let code = body.get("code").and_then(Value::as_u64).map(ErrorCode::from_code);
                let text = body.get("text").cloned().unwrap_or(Value::Null);
                let code = code.unwrap_or(ErrorCode::Other(u64::MAX));
                let thrown = json!({"type": "rpc-error", "code": code.code(), "name": code.name(),
                    "definite?": code.is_definite(), "body": body_json(body)});
                (json!([code.name(), text]), code.is_definite(), format!("throw+: {thrown}"))
            }
        };
        match self {
            // The client's exception escapes to Jepsen's interpreter, which records `:info`.
            Outcomes::AllInfo => Completion::thrown(value.clone(), thrown),
            Outcomes::Rule(idempotent) => {
                let kind = if definite || idempotent.contains(&f) { OpType::Fail } else { OpType::Info };
                Completion { kind, value: value.clone(), error: Some(error), exception: None }
            }
        }
    }
}

/// The whole client of a workload whose every op is one RPC.
#[derive(Debug, Clone, Copy)]
pub struct SingleRpc {
    /// The request body of op `f` with invocation value `value`.
    pub request: fn(f: &str, value: &Value) -> Body,
    /// The reply schema of op `f`.
    pub schema: fn(f: &str) -> Schema,
    /// The `:ok` value of op `f` from its invocation value and reply body.
    pub ok_value: fn(f: &str, value: &Value, body: &Body) -> Value,
    /// Error classification.
    pub outcomes: Outcomes,
}

impl Client for SingleRpc {
    fn invoke(&mut self, op: &OpSpec) -> Step {
        Step::Call((self.request)(&op.f, &op.value))
    }

    fn on_reply(&mut self, op: &OpSpec, reply: Reply) -> Step {
        let (f, value) = (op.f.as_str(), &op.value);
        let Reply::Body(body) = &reply else { return Step::Done(self.outcomes.on_failure(f, value, &reply)) };
        if body.kind == "error" {
            return Step::Done(self.outcomes.on_failure(f, value, &reply));
        }
        match (self.schema)(f).violation(body) {
            Some(why) => Step::Done(malformed(value, &why, body)),
            None => Step::Done(Completion::ok((self.ok_value)(f, value, body))),
        }
    }
}

/// A request body `{"type": kind, ...fields}`.
pub fn request(kind: &'static str, fields: &[(&str, Value)]) -> Body {
    let mut body = Body::new(kind);
    for (k, v) in fields {
        body.fields.insert((*k).to_owned(), v.clone());
    }
    body
}

/// A body as the JSON value Maelstrom's clients record (keys sorted, as in the history).
pub fn body_json(body: &Body) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The `:info` completion of a reply that breaks its schema.
pub fn malformed(value: &Value, why: &str, body: &Body) -> Completion {
    Completion::thrown(value.clone(), format!("malformed RPC response: {why}: {}", body_json(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Body {
        serde_json::from_value(v).expect("a body")
    }

    const READ_OK: Schema = Schema { kind: "read_ok", fields: &[("messages", Field::List)] };

    #[test]
    fn schema_accepts_exact_reply_and_null_lists() {
        assert_eq!(
            READ_OK.violation(&body(json!({"type": "read_ok", "messages": [1], "in_reply_to": 1, "msg_id": 3}))),
            None
        );
        assert_eq!(READ_OK.violation(&body(json!({"type": "read_ok", "messages": null}))), None);
    }

    #[test]
    fn schema_rejects_extra_field_wrong_type_and_missing_field() {
        assert!(READ_OK.violation(&body(json!({"type": "read_ok", "messages": [], "extra": 1}))).is_some());
        assert!(READ_OK.violation(&body(json!({"type": "read_ok", "messages": 3}))).is_some());
        assert!(READ_OK.violation(&body(json!({"type": "read_ok"}))).is_some());
        assert!(READ_OK.violation(&body(json!({"type": "read", "messages": []}))).is_some());
    }

    #[test]
    fn micro_op_lists_need_three_element_ops_with_known_functions() {
        const TXN_OK: Schema = Schema { kind: "txn_ok", fields: &[("txn", Field::MicroOps(&["r", "w"]))] };
        assert_eq!(TXN_OK.violation(&body(json!({"type": "txn_ok", "txn": [["r", 1, null], ["w", 2, 3]]}))), None);
        assert!(TXN_OK.violation(&body(json!({"type": "txn_ok", "txn": [["r", 1]]}))).is_some());
        assert!(TXN_OK.violation(&body(json!({"type": "txn_ok", "txn": [["append", 1, 2]]}))).is_some());
    }

    #[test]
    fn rule_fails_definite_errors_and_idempotent_timeouts_and_infos_the_rest() {
        let rule = Outcomes::Rule(&["read"]);
        let v = json!(null);
        assert_eq!(rule.on_failure("read", &v, &Reply::Timeout).kind, OpType::Fail);
        assert_eq!(rule.on_failure("broadcast", &v, &Reply::Timeout).kind, OpType::Info);
        let definite = Reply::Body(body(json!({"type": "error", "code": 22, "text": "no"})));
        assert_eq!(rule.on_failure("echo", &v, &Reply::Timeout).error, Some(json!("net-timeout")));
        let done = rule.on_failure("broadcast", &v, &definite);
        assert_eq!((done.kind, done.error), (OpType::Fail, Some(json!(["precondition-failed", "no"]))));
        let crash = Reply::Body(body(json!({"type": "error", "code": 13})));
        assert_eq!(rule.on_failure("broadcast", &v, &crash).kind, OpType::Info);
    }

    #[test]
    fn all_info_turns_even_definite_errors_into_info_with_an_exception() {
        let definite = Reply::Body(body(json!({"type": "error", "code": 11, "text": "down"})));
        let done = Outcomes::AllInfo.on_failure("add", &json!(3), &definite);
        assert_eq!(done.kind, OpType::Info);
        assert!(done.exception.is_some());
    }
}
