//! The protocol rules every workload shares, checked on the sans-IO [`Node`].

use glomer_adapters::{Body, CallId, Context, Error, ErrorCode, Message, Node, RpcError, Timer, Workload};
use serde_json::{json, Value};

/// Records what the node hands it and acts on a few request types.
#[derive(Debug, Default)]
struct Probe {
    events: Vec<String>,
}

impl Workload for Probe {
    fn on_init(&mut self, ctx: &mut Context) {
        self.events.push(format!("init {} {:?}", ctx.node_id(), ctx.node_ids()));
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        self.events.push(format!("message {} {}", msg.src, msg.body.kind));
        match &*msg.body.kind {
            "ping" => ctx.reply(&msg, Body::new("pong")),
            "call" => {
                let call = ctx.call("seq-kv", Body::new("read").with("key", 1), 100);
                self.events.push(format!("called {}", call.0));
            }
            "timers" => {
                for (after_ms, token) in [(30, 3), (10, 1), (20, 2), (10, 11)] {
                    ctx.set_timer(after_ms, Timer::Token(token));
                }
            }
            "spin" => ctx.set_timer(0, Timer::Token(0)),
            "gossip" => {}
            _ => return Err(Error::new(ErrorCode::Abort, "refused")),
        }
        Ok(())
    }

    fn on_reply(&mut self, _: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        let outcome = match reply {
            Ok(msg) => msg.body.kind.to_string(),
            Err(RpcError::Timeout) => "timeout".into(),
            Err(RpcError::Remote(err)) => format!("error {}", err.code.code()),
        };
        self.events.push(format!("reply {} {outcome}", call.0));
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        let Timer::Token(token) = timer else { panic!("only own timers are set here: {timer:?}") };
        self.events.push(format!("timer {token} at {}", ctx.now_ms()));
        if token == 0 {
            ctx.set_timer(0, Timer::Token(0));
        }
    }
}

fn line(src: &str, body: Value) -> String {
    json!({"id": 7, "src": src, "dest": "n1", "body": body}).to_string()
}

fn init_line() -> String {
    line("c0", json!({"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ["n0", "n1"]}))
}

fn node() -> Node<Probe> {
    let mut node = Node::new(Probe::default());
    node.handle_line(&init_line(), 0);
    assert_eq!(node.take_outbox().len(), 1);
    node
}

fn bodies(node: &mut Node<Probe>) -> Vec<Value> {
    node.take_outbox().into_iter().map(|m| serde_json::to_value(m.body).unwrap()).collect()
}

#[test]
fn init_is_answered_with_init_ok_then_the_workload_starts() {
    let mut node = Node::new(Probe::default());
    node.handle_line(&init_line(), 0);
    let out = node.take_outbox();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].src.as_str(), out[0].dest.as_str()), ("n1", "c0"));
    assert_eq!(serde_json::to_value(&out[0].body).unwrap(), json!({"type": "init_ok", "msg_id": 1, "in_reply_to": 1}));
    assert_eq!(node.workload().events, ["init n1 [\"n0\", \"n1\"]"]);
    assert!(node.is_initialised());
}

#[test]
fn malformed_init_is_error_12_and_leaves_the_node_uninitialised() {
    let mut node = Node::new(Probe::default());
    node.handle_line(&line("c0", json!({"type": "init", "msg_id": 4, "node_id": 3})), 0);
    assert_eq!(bodies(&mut node)[0]["code"], 12);
    assert!(!node.is_initialised());
}

#[test]
fn peer_messages_before_init_are_buffered_then_replayed_in_order() {
    let mut node = Node::new(Probe::default());
    node.handle_line(&line("n0", json!({"type": "gossip", "n": 1})), 0);
    node.handle_line(&line("n0", json!({"type": "ping", "msg_id": 5})), 0);
    assert!(node.take_outbox().is_empty());
    node.handle_line(&init_line(), 1);
    let events = &node.workload().events;
    assert_eq!(events[1..], ["message n0 gossip", "message n0 ping"]);
    let out = bodies(&mut node);
    assert_eq!(out[0]["type"], "init_ok");
    assert_eq!((out[1]["type"].as_str(), out[1]["in_reply_to"].as_u64()), (Some("pong"), Some(5)));
}

#[test]
fn client_requests_before_init_get_error_11_and_never_reach_the_workload() {
    let mut node = Node::new(Probe::default());
    node.handle_line(&line("c4", json!({"type": "ping", "msg_id": 9})), 0);
    node.handle_line(&line("c4", json!({"type": "ping"})), 0);
    let out = bodies(&mut node);
    assert_eq!(
        out,
        [json!({"type": "error", "code": 11, "text": "node not initialised yet", "in_reply_to": 9, "msg_id": 1})]
    );
    node.handle_line(&init_line(), 1);
    assert_eq!(node.workload().events.len(), 1, "only init: {:?}", node.workload().events);
}

#[test]
fn replies_are_matched_by_in_reply_to_and_error_replies_become_remote_errors() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "call", "msg_id": 1})), 1);
    node.handle_line(&line("c2", json!({"type": "call", "msg_id": 1})), 1);
    let calls: Vec<u64> = bodies(&mut node).iter().map(|b| b["msg_id"].as_u64().unwrap()).collect();
    node.handle_line(&line("seq-kv", json!({"type": "error", "code": 20, "in_reply_to": calls[1]})), 2);
    node.handle_line(&line("seq-kv", json!({"type": "read_ok", "value": 3, "in_reply_to": calls[0]})), 2);
    let events = &node.workload().events;
    assert_eq!(events[events.len() - 2..], ["reply 2 error 20", "reply 1 read_ok"]);
}

#[test]
fn unmatched_and_late_replies_are_dropped_silently() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "call", "msg_id": 1})), 0);
    let call_msg_id = bodies(&mut node)[0]["msg_id"].clone();
    node.tick(100);
    node.handle_line(&line("seq-kv", json!({"type": "read_ok", "value": 1, "in_reply_to": call_msg_id})), 101);
    node.handle_line(&line("n0", json!({"type": "whatever_ok", "in_reply_to": 999})), 101);
    node.handle_line(&line("n0", json!({"type": "error", "code": 13, "in_reply_to": 998})), 101);
    assert!(node.take_outbox().is_empty());
    let events = &node.workload().events;
    assert_eq!(events[events.len() - 1], "reply 1 timeout");
    assert_eq!(events.iter().filter(|e| e.starts_with("reply")).count(), 1);
}

#[test]
fn calls_time_out_at_their_deadline_and_not_before() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "call", "msg_id": 1})), 10);
    assert_eq!(node.next_deadline_ms(), Some(110));
    node.tick(109);
    assert!(!node.workload().events.iter().any(|e| e.contains("timeout")));
    node.tick(110);
    assert!(node.workload().events.iter().any(|e| e == "reply 1 timeout"));
}

#[test]
fn timers_fire_in_due_order_and_ties_in_the_order_set() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "timers", "msg_id": 1})), 0);
    assert_eq!(node.next_deadline_ms(), Some(10));
    node.tick(25);
    node.tick(40);
    let timers: Vec<&String> = node.workload().events.iter().filter(|e| e.starts_with("timer")).collect();
    assert_eq!(timers, ["timer 1 at 25", "timer 11 at 25", "timer 2 at 25", "timer 3 at 40"]);
    assert_eq!(node.next_deadline_ms(), None);
}

#[test]
fn a_zero_delay_timer_rearmed_in_its_handler_waits_for_the_next_tick() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "spin", "msg_id": 1})), 0);
    node.tick(0);
    node.tick(0);
    assert_eq!(node.workload().events.iter().filter(|e| e.starts_with("timer 0")).count(), 2);
}

#[test]
fn workload_errors_answer_only_requests_with_a_msg_id_and_never_error_bodies() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "nonsense", "msg_id": 3})), 0);
    node.handle_line(&line("c1", json!({"type": "nonsense"})), 0);
    node.handle_line(&line("n0", json!({"type": "error", "code": 10, "msg_id": 4})), 0);
    let out = bodies(&mut node);
    assert_eq!(out, [json!({"type": "error", "code": 14, "text": "refused", "in_reply_to": 3, "msg_id": 2})]);
}

#[test]
fn unknown_fields_anywhere_never_stop_a_message() {
    let mut node = node();
    let text = r#"{"id":3,"extra":[1],"src":"c1","dest":"n1","body":{"type":"ping","msg_id":2,"new":{"x":1}}}"#;
    node.handle_line(text, 0);
    assert_eq!(bodies(&mut node), [json!({"type": "pong", "msg_id": 2, "in_reply_to": 2})]);
}

#[test]
fn lines_that_are_not_messages_are_skipped() {
    let mut node = node();
    for bad in
        ["", "   ", "nope", "[1,2]", "{\"src\":\"c1\"}", "{\"src\":1,\"dest\":\"n1\",\"body\":{\"type\":\"ping\"}}"]
    {
        node.handle_line(bad, 0);
    }
    assert!(node.take_outbox().is_empty());
    assert_eq!(node.workload().events.len(), 1);
}

#[test]
fn reply_envelopes_have_only_src_dest_and_body() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "ping", "msg_id": 2})), 0);
    let out = serde_json::to_value(&node.take_outbox()[0]).unwrap();
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["body", "dest", "src"]);
}

#[test]
fn a_reply_from_someone_other_than_the_callee_does_not_complete_the_call() {
    let mut node = node();
    node.handle_line(&line("c1", json!({"type": "call", "msg_id": 1})), 0);
    let call_msg_id = bodies(&mut node)[0]["msg_id"].clone();
    node.handle_line(&line("n0", json!({"type": "read_ok", "value": 1, "in_reply_to": call_msg_id})), 1);
    assert!(!node.workload().events.iter().any(|e| e.starts_with("reply")));
    node.handle_line(&line("seq-kv", json!({"type": "read_ok", "value": 1, "in_reply_to": call_msg_id})), 2);
    assert_eq!(node.workload().events.last().map(String::as_str), Some("reply 1 read_ok"));
}
