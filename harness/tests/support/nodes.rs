//! Small test nodes, correct and deliberately faulty, that prove the checkers can fail. The
//! sim tests use them in-process; `examples/test_node.rs` runs the same code as a process.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::{Body, Context, Error, Message, Timer, Workload};
use serde_json::{json, Value};

#[path = "nodes_kv.rs"]
pub mod nodes_kv;

/// Gossip period of the test nodes.
const GOSSIP_INTERVAL_MS: u64 = 100;
const GOSSIP_TIMER: Timer = Timer::Token(1);

/// Every behaviour by name, as `test_node BEHAVIOUR` takes it.
pub fn build(name: &str) -> Option<BoxedWorkload> {
    Some(match name {
        "echo" => Box::new(Echo { wrong: false }),
        // test_node prints a non-JSON line first, then behaves as echo.
        "garbage" => Box::new(Echo { wrong: false }),
        "echo-wrong" => Box::new(Echo { wrong: true }),
        "broadcast" => Box::new(SetNode::new("broadcast", Fault::None)),
        "broadcast-drops" => Box::new(SetNode::new("broadcast", Fault::DropEveryThird)),
        "broadcast-no-gossip" => Box::new(SetNode::new("broadcast", Fault::NoGossip)),
        "broadcast-flood" => Box::new(SetNode::new("broadcast", Fault::SendOnce)),
        "g-set" => Box::new(SetNode::new("g-set", Fault::None)),
        "g-set-once" => Box::new(SetNode::new("g-set", Fault::SendOnce)),
        "counter" => Box::new(CounterNode { double: false, counts: BTreeMap::new() }),
        "counter-double" => Box::new(CounterNode { double: true, counts: BTreeMap::new() }),
        "echo-unknown-dest" => Box::new(UnknownDest),
        "echo-src" => Box::new(EchoSrc),
        "kafka" => Box::new(KafkaNode { lossy: false, logs: BTreeMap::new(), committed: BTreeMap::new() }),
        "kafka-lossy" => Box::new(KafkaNode { lossy: true, logs: BTreeMap::new(), committed: BTreeMap::new() }),
        "txn" => Box::new(TxnNode { sees_own_writes: true, state: BTreeMap::new() }),
        "txn-no-own-writes" => Box::new(TxnNode { sees_own_writes: false, state: BTreeMap::new() }),
        "echo-extra-field" => Box::new(ExtraField),
        _ => return nodes_kv::build(name),
    })
}

/// Echo; `wrong` appends a character to every answer.
#[derive(Debug)]
pub struct Echo {
    wrong: bool,
}

impl Workload for Echo {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let mut echo = msg.body.get("echo").cloned().unwrap_or(Value::Null);
        if self.wrong {
            echo = json!(format!("{}!", echo.as_str().unwrap_or_default()));
        }
        ctx.reply(&msg, Body::new("echo_ok").with("echo", echo));
        Ok(())
    }
}

/// How a set node misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Correct: stores, and gossips its whole set to every peer every interval.
    None,
    /// Acknowledges every value but forgets every third one.
    DropEveryThird,
    /// Never tells its peers anything.
    NoGossip,
    /// Tells each peer about an add once, never again: adds sent into a partition are lost.
    SendOnce,
}

/// A grow-only set node for broadcast (`messages`) or g-set (`value`).
#[derive(Debug)]
pub struct SetNode {
    workload: &'static str,
    fault: Fault,
    values: BTreeSet<String>,
    received: u64,
}

impl SetNode {
    fn new(workload: &'static str, fault: Fault) -> Self {
        SetNode { workload, fault, values: BTreeSet::new(), received: 0 }
    }

    fn read_body(&self) -> Body {
        let values: Vec<Value> = self.values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect();
        let field = if self.workload == "broadcast" { "messages" } else { "value" };
        Body::new("read_ok").with(field, values)
    }

    fn add(&mut self, ctx: &mut Context, value: &Value) {
        self.received += 1;
        if self.fault == Fault::DropEveryThird && self.received.is_multiple_of(3) {
            return;
        }
        self.values.insert(value.to_string());
        if self.fault == Fault::SendOnce {
            for peer in &peers(ctx) {
                ctx.send(peer, Body::new("gossip").with("values", vec![value.clone()]));
            }
        }
    }
}

impl Workload for SetNode {
    fn on_init(&mut self, ctx: &mut Context) {
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        match &*msg.body.kind {
            "topology" => ctx.reply(&msg, Body::new("topology_ok")),
            "broadcast" | "add" => {
                let field = if msg.body.kind == "broadcast" { "message" } else { "element" };
                let value = msg.body.get(field).cloned().unwrap_or(Value::Null);
                self.add(ctx, &value);
                ctx.reply(&msg, Body::new(format!("{}_ok", msg.body.kind)));
            }
            "read" => ctx.reply(&msg, self.read_body()),
            "gossip" => {
                let values = msg.body.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
                self.values.extend(values.iter().map(Value::to_string));
            }
            other => return Err(Error::not_supported(other)),
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Context, _timer: Timer) {
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
        if matches!(self.fault, Fault::NoGossip | Fault::SendOnce) || self.values.is_empty() {
            return;
        }
        let values: Vec<Value> = self.values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect();
        for peer in &peers(ctx) {
            ctx.send(peer, Body::new("gossip").with("values", values.clone()));
        }
    }
}

/// A state-based counter (per-node totals, gossiped whole); `double` counts every add twice.
#[derive(Debug)]
pub struct CounterNode {
    double: bool,
    counts: BTreeMap<String, i64>,
}

impl Workload for CounterNode {
    fn on_init(&mut self, ctx: &mut Context) {
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        match &*msg.body.kind {
            "add" => {
                let delta = msg.body.get("delta").and_then(Value::as_i64).unwrap_or(0);
                let times = if self.double { 2 } else { 1 };
                *self.counts.entry(ctx.node_id().to_owned()).or_default() += delta * times;
                ctx.reply(&msg, Body::new("add_ok"));
            }
            "read" => ctx.reply(&msg, Body::new("read_ok").with("value", self.counts.values().sum::<i64>())),
            "gossip" => {
                // Each node resends its own total every interval; with constant latency a
                // recipient gets them in order, so the last one received is the newest.
                let node = msg.src.to_string();
                if let Some(v) = msg.body.get("total").and_then(Value::as_i64) {
                    self.counts.insert(node, v);
                }
            }
            other => return Err(Error::not_supported(other)),
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Context, _timer: Timer) {
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
        let own = self.counts.get(ctx.node_id()).copied().unwrap_or(0);
        for peer in &peers(ctx) {
            ctx.send(peer, Body::new("gossip").with("total", own));
        }
    }
}

/// Echo that also messages a node that does not exist, which makes Maelstrom stop reading it.
#[derive(Debug)]
pub struct UnknownDest;

impl Workload for UnknownDest {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        ctx.send("n99", Body::new("hello"));
        Echo { wrong: false }.on_message(ctx, msg)
    }
}

/// Every other node of the test.
fn peers(ctx: &Context) -> Vec<String> {
    ctx.node_ids().iter().filter(|p| p.as_str() != ctx.node_id()).cloned().collect()
}

/// Echo that answers with the requesting client's id, so tests can see client allocation.
#[derive(Debug)]
pub struct EchoSrc;

impl Workload for EchoSrc {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let src = msg.src.to_string();
        ctx.reply(&msg, Body::new("echo_ok").with("echo", src));
        Ok(())
    }
}

/// Echo whose replies carry a field the schema does not allow.
#[derive(Debug)]
pub struct ExtraField;

impl Workload for ExtraField {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let echo = msg.body.get("echo").cloned().unwrap_or(Value::Null);
        ctx.reply(&msg, Body::new("echo_ok").with("echo", echo).with("extra", 1));
        Ok(())
    }
}

/// A single-copy transactional register map; `sees_own_writes == false` answers reads from the
/// state before the transaction, hiding its own earlier writes (Elle's `internal` anomaly).
#[derive(Debug)]
pub struct TxnNode {
    sees_own_writes: bool,
    state: BTreeMap<String, Value>,
}

impl Workload for TxnNode {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let txn = msg.body.get("txn").and_then(Value::as_array).cloned().unwrap_or_default();
        let before = self.state.clone();
        let mut done = Vec::with_capacity(txn.len());
        for op in txn {
            let (f, k, v) = (op[0].clone(), op[1].clone(), op[2].clone());
            let key = k.to_string();
            if f == "w" {
                self.state.insert(key, v.clone());
                done.push(json!([f, k, v]));
            } else {
                let view = if self.sees_own_writes { &self.state } else { &before };
                done.push(json!([f, k, view.get(&key).cloned().unwrap_or(Value::Null)]));
            }
        }
        ctx.reply(&msg, Body::new("txn_ok").with("txn", done));
        Ok(())
    }
}

/// A single-node log per key; `lossy` never returns the message at every fifth offset to a
/// poll, so acknowledged sends are lost to readers.
#[derive(Debug)]
pub struct KafkaNode {
    lossy: bool,
    logs: BTreeMap<String, Vec<Value>>,
    committed: BTreeMap<String, Value>,
}

impl Workload for KafkaNode {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let field = |name: &str| msg.body.get(name).cloned().unwrap_or(Value::Null);
        let reply = match &*msg.body.kind {
            "send" => {
                let log = self.logs.entry(field("key").as_str().unwrap_or_default().to_owned()).or_default();
                let offset = log.len();
                log.push(field("msg"));
                Body::new("send_ok").with("offset", offset)
            }
            "poll" => {
                let offsets = field("offsets").as_object().cloned().unwrap_or_default();
                let msgs: serde_json::Map<String, Value> = offsets
                    .iter()
                    .map(|(k, from)| {
                        let from = from.as_u64().unwrap_or(0) as usize;
                        let log = self.logs.get(k).map(Vec::as_slice).unwrap_or_default();
                        let hidden = |o: usize| self.lossy && (o + 1).is_multiple_of(5);
                        let pairs: Vec<Value> = log
                            .iter()
                            .enumerate()
                            .skip(from)
                            .filter(|(o, _)| !hidden(*o))
                            .map(|(o, m)| json!([o, m]))
                            .collect();
                        (k.clone(), Value::from(pairs))
                    })
                    .collect();
                Body::new("poll_ok").with("msgs", msgs)
            }
            "commit_offsets" => {
                for (k, o) in field("offsets").as_object().cloned().unwrap_or_default() {
                    self.committed.insert(k, o);
                }
                Body::new("commit_offsets_ok")
            }
            "list_committed_offsets" => {
                let keys = field("keys").as_array().cloned().unwrap_or_default();
                let offsets: serde_json::Map<String, Value> = keys
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(|k| self.committed.get(k).map(|o| (k.to_owned(), o.clone())))
                    .collect();
                Body::new("list_committed_offsets_ok").with("offsets", offsets)
            }
            other => return Err(Error::not_supported(other)),
        };
        ctx.reply(&msg, reply);
        Ok(())
    }
}
