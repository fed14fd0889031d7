//! A grow-only counter kept in `lin-kv` (Maelstrom's `g-counter` workload): every node adds to
//! one shared key with [`Updates`], and reads it back. `lin-kv` is linearizable, so a read
//! after every add has completed sees every add; the race between two nodes adding at once is
//! what the read-then-cas loop absorbs.

use std::collections::HashMap;

use glomer_adapters::request;
use glomer_adapters::services::{self, Kv, KvError};
use glomer_adapters::{Body, CallId, Context, Error, ErrorCode, Message, RpcError, Workload};
use serde::Deserialize;
use serde_json::Value;

use crate::update::{Step, Updates};

/// The key holding the count.
pub const KEY: &str = "example-counter";
/// Service calls time out after this: far above lin-kv's round trip even at Maelstrom's
/// 100 ms latency, below the client's own timeout so the client sees our answer.
const CALL_TIMEOUT_MS: u64 = 1_000;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Req {
    Add { delta: i64 },
    Read {},
}

/// The counter node.
pub struct Counter {
    updates: Updates<Message>,
    /// Reads in flight, with the client request each answers.
    reads: HashMap<CallId, Message>,
}

impl Default for Counter {
    fn default() -> Self {
        Counter { updates: Updates::new(Kv::Lin, CALL_TIMEOUT_MS), reads: HashMap::new() }
    }
}

/// The error a client gets for a failed service call: definite when the service certainly did
/// not apply it, so the client may record the add as failed rather than unknown.
fn error_for(why: &KvError) -> Error {
    let code = if why.is_definite() { ErrorCode::TemporarilyUnavailable } else { ErrorCode::Crash };
    Error::new(code, why.to_string())
}

impl Workload for Counter {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        match request::parse::<Req>(&msg)? {
            Req::Add { delta } => {
                let add =
                    move |current: Option<&Value>| Value::from(current.and_then(Value::as_i64).unwrap_or(0) + delta);
                self.updates.start(ctx, KEY, add, msg);
            }
            Req::Read {} => {
                let call = Kv::Lin.read(ctx, KEY, CALL_TIMEOUT_MS);
                self.reads.insert(call, msg);
            }
        }
        Ok(())
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        match self.updates.on_reply(ctx, call, reply) {
            Step::Pending => {}
            Step::Done(request, Ok(_)) => ctx.reply(&request, Body::new("add_ok")),
            Step::Done(request, Err(why)) => ctx.reply(&request, error_for(&why).to_body()),
            Step::NotMine(reply) => {
                let Some(request) = self.reads.remove(&call) else { return };
                match services::decode_read(reply) {
                    Ok(value) => ctx.reply(&request, Body::new("read_ok").with("value", value)),
                    Err(KvError::KeyDoesNotExist) => ctx.reply(&request, Body::new("read_ok").with("value", 0)),
                    Err(why) => ctx.reply(&request, error_for(&why).to_body()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use glomer_adapters::{Message, Node};
    use serde_json::json;

    use super::*;

    fn started(request: &str) -> (Node<Counter>, Vec<Message>) {
        let mut node = Node::new(Counter::default());
        node.handle_line(
            r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#,
            0,
        );
        node.take_outbox();
        node.handle_line(request, 1);
        let sent = node.take_outbox();
        (node, sent)
    }

    /// lin-kv answers `call` (the node's one outgoing message) with `body`; returns what the
    /// node sends next.
    fn answer(node: &mut Node<Counter>, call: &[Message], body: Value) -> Vec<Message> {
        assert_eq!((call.len(), call[0].dest.as_str()), (1, "lin-kv"), "{call:?}");
        let mut body = body;
        body["in_reply_to"] = json!(call[0].body.msg_id);
        node.handle_line(&json!({"src": "lin-kv", "dest": "n0", "body": body}).to_string(), 2);
        node.take_outbox()
    }

    #[test]
    fn an_add_that_loses_a_race_reads_again_and_retries() {
        let (mut node, read) = started(r#"{"src":"c1","dest":"n0","body":{"type":"add","msg_id":2,"delta":3}}"#);
        assert_eq!(read[0].body.kind, "read");
        let cas = answer(&mut node, &read, json!({"type": "read_ok", "value": 5}));
        assert_eq!((cas[0].body.get("from"), cas[0].body.get("to")), (Some(&json!(5)), Some(&json!(8))));
        let reread = answer(&mut node, &cas, json!({"type": "error", "code": 22, "text": "expected 5, had 6"}));
        assert_eq!(reread[0].body.kind, "read", "a lost cas is retried from a fresh read");
        let cas = answer(&mut node, &reread, json!({"type": "read_ok", "value": 6}));
        assert_eq!(cas[0].body.get("to"), Some(&json!(9)));
        let done = answer(&mut node, &cas, json!({"type": "cas_ok"}));
        assert_eq!((done[0].dest.as_str(), &*done[0].body.kind), ("c1", "add_ok"));
    }

    #[test]
    fn a_missing_key_reads_as_zero_and_is_created_by_the_first_add() {
        let (mut node, read) = started(r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":2}}"#);
        let reply = answer(&mut node, &read, json!({"type": "error", "code": 20, "text": "not found"}));
        assert_eq!(reply[0].body.get("value"), Some(&json!(0)));
        node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"add","msg_id":3,"delta":2}}"#, 3);
        let read = node.take_outbox();
        let cas = answer(&mut node, &read, json!({"type": "error", "code": 20, "text": "not found"}));
        assert_eq!(cas[0].body.get("create_if_not_exists"), Some(&json!(true)));
        assert_eq!(cas[0].body.get("to"), Some(&json!(2)));
    }

    #[test]
    fn a_timed_out_cas_is_reported_as_indefinite() {
        let (mut node, read) = started(r#"{"src":"c1","dest":"n0","body":{"type":"add","msg_id":2,"delta":1}}"#);
        answer(&mut node, &read, json!({"type": "read_ok", "value": 0}));
        node.tick(10 * CALL_TIMEOUT_MS);
        let out = node.take_outbox();
        assert_eq!((&*out[0].body.kind, out[0].body.get("code")), ("error", Some(&json!(13))));
    }
}
