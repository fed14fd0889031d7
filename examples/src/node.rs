//! One node for Maelstrom's `echo` and `broadcast` workloads.
//!
//! `broadcast` values reach every other node by gossip with acknowledgements: each node keeps,
//! per peer, the values that peer has not acknowledged, and every [`GOSSIP_INTERVAL_MS`] sends
//! them in one `gossip` call; the peer answers `gossip_ok` and the values are forgotten. A call
//! lost to a partition times out and the values go again on a later tick, so every value
//! reaches every node once the network heals.

use std::collections::{BTreeSet, HashMap};

use glomer_adapters::request;
use glomer_adapters::{Body, CallId, Context, Error, Message, RpcError, Timer, Workload};
use serde::Deserialize;
use serde_json::Value;

/// How often unacknowledged values are sent again: well under Maelstrom's broadcast stability
/// window, a few network round trips at its usual 100 ms latency.
pub const GOSSIP_INTERVAL_MS: u64 = 250;
/// A gossip call unanswered for this long is given up; its values go again on a later tick.
const GOSSIP_TIMEOUT_MS: u64 = 1_000;
/// Values per gossip message: keeps each message a few kB even after a long partition; the
/// rest follow on the next ticks.
pub const GOSSIP_VALUES_MAX: usize = 1_000;
const GOSSIP_TIMER: Timer = Timer::Token(0);

/// The requests this node serves, from clients and from peers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Req {
    Echo { echo: Value },
    Broadcast { message: Value },
    Read {},
    Topology {},
    Gossip { messages: Vec<Value> },
}

/// The example node's state.
#[derive(Debug, Default)]
pub struct Example {
    /// Every broadcast value this node knows, in JSON order.
    known: BTreeSet<String>,
    /// The values as they came, by their JSON text (values are any JSON, so not `Ord`).
    values: HashMap<String, Value>,
    /// Per peer: values it has not acknowledged.
    unacked: HashMap<String, BTreeSet<String>>,
    /// Gossip calls in flight: to whom, with which values.
    in_flight: HashMap<CallId, (String, Vec<String>)>,
}

impl Example {
    /// Records `value`; when it is new, every peer but `from` still has to hear it.
    fn learn(&mut self, ctx: &Context, value: Value, from: &str) {
        let text = value.to_string();
        if !self.known.insert(text.clone()) {
            return;
        }
        self.values.insert(text.clone(), value);
        for peer in ctx.node_ids().iter().filter(|p| *p != ctx.node_id() && *p != from) {
            self.unacked.entry(peer.clone()).or_default().insert(text.clone());
        }
    }

    fn gossip(&mut self, ctx: &mut Context) {
        let busy: BTreeSet<&String> = self.in_flight.values().map(|(peer, _)| peer).collect();
        let due: Vec<(String, Vec<String>)> = self
            .unacked
            .iter()
            .filter(|(peer, values)| !values.is_empty() && !busy.contains(peer))
            .map(|(peer, values)| (peer.clone(), values.iter().take(GOSSIP_VALUES_MAX).cloned().collect()))
            .collect();
        for (peer, texts) in due {
            let messages: Vec<Value> = texts.iter().filter_map(|t| self.values.get(t).cloned()).collect();
            let call = ctx.call(&peer, Body::new("gossip").with("messages", messages), GOSSIP_TIMEOUT_MS);
            self.in_flight.insert(call, (peer, texts));
        }
    }
}

impl Workload for Example {
    fn on_init(&mut self, ctx: &mut Context) {
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        match request::parse::<Req>(&msg)? {
            Req::Echo { echo } => ctx.reply(&msg, Body::new("echo_ok").with("echo", echo)),
            Req::Broadcast { message } => {
                self.learn(ctx, message, "");
                ctx.reply(&msg, Body::new("broadcast_ok"));
            }
            Req::Read {} => {
                let messages: Vec<Value> = self.known.iter().filter_map(|t| self.values.get(t).cloned()).collect();
                ctx.reply(&msg, Body::new("read_ok").with("messages", messages));
            }
            // Every node gossips with every other, whatever topology the test suggests.
            Req::Topology {} => ctx.reply(&msg, Body::new("topology_ok")),
            Req::Gossip { messages } => {
                for value in messages {
                    self.learn(ctx, value, &msg.src);
                }
                ctx.reply(&msg, Body::new("gossip_ok"));
            }
        }
        Ok(())
    }

    fn on_reply(&mut self, _ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        let Some((peer, texts)) = self.in_flight.remove(&call) else { return };
        if reply.is_ok_and(|r| r.body.kind == "gossip_ok") {
            if let Some(unacked) = self.unacked.get_mut(&peer) {
                for text in &texts {
                    unacked.remove(text);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, _timer: Timer) {
        self.gossip(ctx);
        ctx.set_timer(GOSSIP_INTERVAL_MS, GOSSIP_TIMER);
    }
}

#[cfg(test)]
mod tests {
    use glomer_adapters::Node;
    use serde_json::json;

    use super::*;

    fn init(node: &mut Node<Example>, id: &str) {
        let init = json!({"src": "c0", "dest": id, "body": {"type": "init", "msg_id": 1, "node_id": id, "node_ids": ["n0", "n1"]}});
        node.handle_line(&init.to_string(), 0);
        node.take_outbox();
    }

    #[test]
    fn a_broadcast_is_gossiped_until_acknowledged() {
        let mut n0 = Node::new(Example::default());
        init(&mut n0, "n0");
        n0.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"broadcast","msg_id":1,"message":7}}"#, 1);
        assert_eq!(n0.take_outbox()[0].body.kind, "broadcast_ok");
        n0.tick(GOSSIP_INTERVAL_MS);
        let gossip = n0.take_outbox();
        assert_eq!((gossip[0].dest.as_str(), gossip[0].body.get("messages")), ("n1", Some(&json!([7]))));
        // Unanswered: the call times out and the value goes again.
        n0.tick(GOSSIP_INTERVAL_MS + GOSSIP_TIMEOUT_MS);
        n0.tick(GOSSIP_INTERVAL_MS + GOSSIP_TIMEOUT_MS + GOSSIP_INTERVAL_MS);
        let again = n0.take_outbox();
        assert!(again.iter().any(|m| m.body.kind == "gossip"), "{again:?}");
        let call = again.iter().find(|m| m.body.kind == "gossip").and_then(|m| m.body.msg_id);
        let ack = json!({"src": "n1", "dest": "n0", "body": {"type": "gossip_ok", "in_reply_to": call}});
        n0.handle_line(&ack.to_string(), 1_600);
        n0.tick(5_000);
        assert!(n0.take_outbox().iter().all(|m| m.body.kind != "gossip"), "acknowledged values are not sent again");
    }

    #[test]
    fn gossip_received_is_read_back_and_not_echoed_to_its_sender() {
        let mut n1 = Node::new(Example::default());
        init(&mut n1, "n1");
        n1.handle_line(r#"{"src":"n0","dest":"n1","body":{"type":"gossip","msg_id":4,"messages":[1,{"a":2}]}}"#, 1);
        n1.handle_line(r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":2}}"#, 2);
        let out = n1.take_outbox();
        assert_eq!(out[0].body.kind, "gossip_ok");
        assert_eq!(out[1].body.get("messages"), Some(&json!([1, {"a": 2}])));
        n1.tick(GOSSIP_INTERVAL_MS);
        assert!(n1.take_outbox().is_empty(), "n0 already has what it sent");
    }
}
