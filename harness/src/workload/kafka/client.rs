//! The kafka client (maelstrom/workload/kafka.clj `Client`): per client, the next offset to
//! poll for each assigned key; `assign` may read committed offsets; a non-empty `poll` is
//! followed by `commit_offsets`; `crash` retires the client.

use std::collections::BTreeMap;

use glomer_adapters::Body;
use serde_json::{json, Map, Value};

use crate::client::{malformed, request, Client, Field, Outcomes, Reply, Schema, Step};
use crate::op::{Completion, OpSpec};

/// Only `assign` is idempotent for the classification rule.
const OUTCOMES: Outcomes = Outcomes::Rule(&["assign"]);

#[derive(Debug, Clone, Default)]
enum Stage {
    #[default]
    Idle,
    Assign(Vec<String>),
    Poll,
    Commit(Value),
    Send(Value, Value),
}

/// One kafka client.
#[derive(Debug, Default)]
pub struct KafkaClient {
    /// Key → next offset to poll.
    offsets: BTreeMap<String, i64>,
    stage: Stage,
}

fn schema(stage: &Stage) -> Schema {
    match stage {
        Stage::Assign(_) => Schema { kind: "list_committed_offsets_ok", fields: &[("offsets", Field::Map)] },
        Stage::Poll | Stage::Idle => Schema { kind: "poll_ok", fields: &[("msgs", Field::Map)] },
        Stage::Commit(_) => Schema { kind: "commit_offsets_ok", fields: &[] },
        Stage::Send(..) => Schema { kind: "send_ok", fields: &[("offset", Field::Int)] },
    }
}

/// The highest offset per key of a poll's messages, `None` if an offset is not an integer.
fn highest_offsets(msgs: &Map<String, Value>) -> Option<BTreeMap<String, i64>> {
    let mut highest = BTreeMap::new();
    for (key, pairs) in msgs {
        for pair in pairs.as_array()? {
            let offset = pair.as_array().and_then(|p| p.first()).and_then(Value::as_i64)?;
            let entry = highest.entry(key.clone()).or_insert(0);
            *entry = (*entry).max(offset);
        }
    }
    Some(highest)
}

impl KafkaClient {
    fn poll_done(&mut self, msgs: Value) -> Step {
        let Some(map) = msgs.as_object() else { return Step::Done(Completion::ok(json!([["poll", msgs]]))) };
        let Some(highest) = highest_offsets(map) else {
            let why = format!("malformed RPC response: poll_ok offsets must be integers: {msgs}");
            return Step::Done(Completion::thrown(json!([["poll"]]), why));
        };
        for (key, offset) in &highest {
            let next = self.offsets.entry(key.clone()).or_insert(0);
            *next = (*next).max(offset + 1);
        }
        if highest.is_empty() {
            return Step::Done(Completion::ok(json!([["poll", msgs]])));
        }
        let commit = request("commit_offsets", &[("offsets", json!(highest))]);
        self.stage = Stage::Commit(msgs);
        Step::Call(commit)
    }
}

impl Client for KafkaClient {
    fn invoke(&mut self, op: &OpSpec) -> Step {
        let keys = || op.value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned);
        match op.f.as_str() {
            "crash" => Step::Done(Completion::info(Value::Null)),
            "assign" if op.seek_to_beginning => {
                self.offsets = keys().map(|k| (k, 0)).collect();
                Step::Done(Completion::ok(op.value.clone()))
            }
            "assign" => {
                self.stage = Stage::Assign(keys().collect());
                Step::Call(request("list_committed_offsets", &[("keys", op.value.clone())]))
            }
            "send" => {
                let (key, msg) = (op.value[0][1].clone(), op.value[0][2].clone());
                self.stage = Stage::Send(key.clone(), msg.clone());
                Step::Call(request("send", &[("key", key), ("msg", msg)]))
            }
            _ => {
                self.stage = Stage::Poll;
                Step::Call(request("poll", &[("offsets", json!(self.offsets))]))
            }
        }
    }

    fn on_reply(&mut self, op: &OpSpec, reply: Reply) -> Step {
        let stage = std::mem::take(&mut self.stage);
        let Reply::Body(body) = &reply else { return Step::Done(OUTCOMES.on_failure(&op.f, &op.value, &reply)) };
        if body.kind == "error" {
            return Step::Done(OUTCOMES.on_failure(&op.f, &op.value, &reply));
        }
        if let Some(why) = schema(&stage).violation(body) {
            return Step::Done(malformed(&op.value, &why, body));
        }
        match stage {
            Stage::Assign(keys) => {
                let committed = field(body, "offsets");
                self.offsets = keys
                    .into_iter()
                    .map(|k| {
                        let next = self.offsets.get(&k).copied().or_else(|| committed[&k].as_i64()).unwrap_or(0);
                        (k, next)
                    })
                    .collect();
                Step::Done(Completion::ok(op.value.clone()))
            }
            Stage::Poll | Stage::Idle => self.poll_done(field(body, "msgs").clone()),
            Stage::Commit(msgs) => Step::Done(Completion::ok(json!([["poll", msgs]]))),
            Stage::Send(key, msg) => Step::Done(Completion::ok(json!([["send", key, [field(body, "offset"), msg]]]))),
        }
    }
}

/// A field of a reply whose schema was checked (so present), `null` otherwise.
fn field<'a>(body: &'a Body, name: &str) -> &'a Value {
    body.get(name).unwrap_or(&Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Body {
        serde_json::from_value(v).expect("a body")
    }

    fn reply(v: Value) -> Reply {
        Reply::Body(body(v))
    }

    #[test]
    fn a_fresh_client_polls_with_no_offsets_and_commits_what_it_read() {
        let mut c = KafkaClient::default();
        let poll = OpSpec::new("poll", json!([["poll"]]));
        assert_eq!(c.invoke(&poll), Step::Call(body(json!({"type": "poll", "offsets": {}}))));
        let got = c.on_reply(&poll, reply(json!({"type": "poll_ok", "msgs": {"1": [[3, 9], [4, 10]]}})));
        assert_eq!(got, Step::Call(body(json!({"type": "commit_offsets", "offsets": {"1": 4}}))));
        let done = c.on_reply(&poll, reply(json!({"type": "commit_offsets_ok"})));
        assert_eq!(done, Step::Done(Completion::ok(json!([["poll", {"1": [[3, 9], [4, 10]]}]]))));
        assert_eq!(c.invoke(&poll), Step::Call(body(json!({"type": "poll", "offsets": {"1": 5}}))));
    }

    #[test]
    fn an_empty_poll_is_ok_without_a_commit() {
        let mut c = KafkaClient::default();
        let poll = OpSpec::new("poll", json!([["poll"]]));
        c.invoke(&poll);
        let done = c.on_reply(&poll, reply(json!({"type": "poll_ok", "msgs": {"1": []}})));
        assert_eq!(done, Step::Done(Completion::ok(json!([["poll", {"1": []}]]))));
    }

    #[test]
    fn assign_keeps_known_offsets_else_takes_committed_else_zero() {
        let mut c = KafkaClient { offsets: BTreeMap::from([("1".to_owned(), 7)]), stage: Stage::Idle };
        let assign = OpSpec::new("assign", json!(["1", "2", "3"]));
        assert_eq!(
            c.invoke(&assign),
            Step::Call(body(json!({"type": "list_committed_offsets", "keys": ["1", "2", "3"]})))
        );
        let done =
            c.on_reply(&assign, reply(json!({"type": "list_committed_offsets_ok", "offsets": {"1": 2, "2": 4}})));
        assert_eq!(done, Step::Done(Completion::ok(json!(["1", "2", "3"]))));
        assert_eq!(c.offsets, BTreeMap::from([("1".to_owned(), 7), ("2".to_owned(), 4), ("3".to_owned(), 0)]));
    }

    #[test]
    fn send_records_its_offset_and_a_timeout_is_info() {
        let mut c = KafkaClient::default();
        let send = OpSpec::new("send", json!([["send", "5", 3]]));
        assert_eq!(c.invoke(&send), Step::Call(body(json!({"type": "send", "key": "5", "msg": 3}))));
        let done = c.on_reply(&send, reply(json!({"type": "send_ok", "offset": 12})));
        assert_eq!(done, Step::Done(Completion::ok(json!([["send", "5", [12, 3]]]))));
        c.invoke(&send);
        let Step::Done(timed_out) = c.on_reply(&send, Reply::Timeout) else { panic!("not done") };
        assert_eq!((timed_out.kind, timed_out.value), (crate::history::OpType::Info, json!([["send", "5", 3]])));
    }
}
