//! `txn-rw-register` (Glomers challenges 6a-6c): totally available
//! read/write transactions on a last-writer-wins map, replicated by delta gossip (see
//! [`crate::replicated`] and docs/txn.md).
//!
//! A transaction runs to completion inside the one event that delivers it, against the node's
//! local [`LwwMap`], so it reads one snapshot and never waits on another node:
//! - a read returns the transaction's own earlier write of the key if there is one, else the
//!   local map's value (`null` for a key never written);
//! - all its writes (the last one per key) are applied with one [`Hlc`] timestamp by
//!   [`LwwMap::apply_all`] and leave the node as one delta through the sync engine, so every
//!   other replica joins either all of them or, per key, something newer;
//! - before stamping, the clock observes the timestamps of every key the transaction touches,
//!   so its writes order after every version it read or overwrote (writes follow reads).
//!
//! Replication is batched by default (`--flush interval`, 100 ms): the number of peer messages
//! depends on time, not on the request rate. Why this gives read atomic isolation and nothing
//! stronger is argued in docs/txn.md.

use std::collections::BTreeMap;

use glomer_crdt::{Hlc, LwwMap, ReplicaId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flags::FromFlags;
use crate::gossip_config::{Flush, GossipFlags, Preset};
use crate::json_element::JsonElement;
use crate::protocol::{Error, Message};
use crate::replicated::{Crdt, Replica, Replicated};
use crate::workload::Context;

/// The replicated registers: the key's JSON text to the value, as exact JSON.
///
/// Keys are held as text because the engine's messages are JSON, where a map key must be a
/// string: a [`JsonElement`] key `1` would come back from a peer as the string `"1"`. The text
/// keeps `1` and `"1"` apart (`1` and `"\"1\""`), and a key is never read back from the map,
/// only looked up, so the text need not be parsed again.
pub type Registers = LwwMap<String, JsonElement>;

/// Micro-ops in one transaction at most. Elle's generator sends at most `--max-txn-length`
/// (default 4); a thousand is far beyond any test and keeps one request from holding the node.
pub const MICRO_OPS_MAX: usize = 1_000;

/// The requests `txn-rw-register` serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnRequest {
    /// Run the micro-ops in order and return them with the reads filled in.
    Txn {
        /// `[f, key, value]` triples; `f` is `"r"` or `"w"`.
        txn: Vec<(String, Value, Value)>,
    },
}

/// `txn-rw-register`'s reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TxnReply {
    /// The micro-ops, reads filled in.
    TxnOk {
        /// `[f, key, value]` triples.
        txn: Vec<(String, Value, Value)>,
    },
}

/// Flags of `glomer-txn-rw-register`: the shared gossip flags, with batched flushing by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "glomer-txn-rw-register",
    about = "Maelstrom txn-rw-register node: totally available transactions on a replicated LWW map",
    after_help = "Unless --flush or --preset latency is given, every node batches its gossip per \
        --interval-ms (100 ms in the default balanced preset), so peer traffic does not grow with load."
)]
pub struct TxnFlags {
    /// How the registers are replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The txn-rw-register workload.
pub type TxnRwRegister = Replicated<Transactions>;

/// The transaction node's own part: the clock that stamps its writes.
#[derive(Debug)]
pub struct Transactions {
    clock: Hlc,
}

impl FromFlags for TxnRwRegister {
    type Flags = TxnFlags;

    fn from_flags(flags: TxnFlags) -> Self {
        let mut config = flags.gossip.config();
        // Transactions arrive at up to 1,000 per second (challenges 6a-6c): the balanced
        // preset's "leaves send at once" would cost a message per transaction on two nodes.
        if flags.gossip.flush.is_none() && flags.gossip.preset != Preset::Latency {
            config.flush = Flush::Interval;
        }
        // A relay must pass a transaction's delta on whole (docs/txn.md, "Consistency").
        config.remove_redundancy = false;
        // The clock gets the replica id once `init` names the node (`on_start`).
        Replicated::new(Transactions { clock: Hlc::new(ReplicaId(0)) }, config)
    }
}

impl Crdt for Transactions {
    type State = Registers;
    type Request = TxnRequest;

    fn on_start(&mut self, replica: &Replica<Registers>) {
        // Timestamps carry the engine's replica id, so two nodes never draw the same one.
        self.clock = Hlc::new(replica.id());
        // A restarted node's wall clock starts again from zero; its recovered writes must
        // still be older than its next ones.
        let state = replica.state();
        for ts in state.iter().filter_map(|(key, _)| state.timestamp(key)) {
            self.clock.observe(ts);
        }
    }

    fn on_request(
        &mut self,
        replica: &mut Replica<Registers>,
        ctx: &mut Context,
        msg: Message,
        request: TxnRequest,
    ) -> Result<(), Error> {
        let TxnRequest::Txn { txn } = request;
        let txn = self.run(replica, ctx, txn)?;
        ctx.reply(&msg, TxnReply::TxnOk { txn });
        Ok(())
    }
}

impl Transactions {
    /// Runs `txn` against the local state and returns the completed micro-ops.
    fn run(
        &mut self,
        replica: &mut Replica<Registers>,
        ctx: &mut Context,
        txn: Vec<(String, Value, Value)>,
    ) -> Result<Vec<(String, Value, Value)>, Error> {
        if txn.len() > MICRO_OPS_MAX {
            return Err(Error::malformed(format!("more than {MICRO_OPS_MAX} micro-ops")));
        }
        let state = replica.state();
        let mut writes: BTreeMap<String, JsonElement> = BTreeMap::new();
        let mut done = Vec::with_capacity(txn.len());
        for (f, key, value) in txn {
            let key_text = key.to_string();
            if let Some(ts) = state.timestamp(&key_text) {
                self.clock.observe(ts);
            }
            let value = match f.as_str() {
                "r" => writes.get(&key_text).or_else(|| state.get(&key_text)).map_or(Value::Null, |v| v.0.clone()),
                "w" => {
                    writes.insert(key_text, JsonElement(value.clone()));
                    value
                }
                other => return Err(Error::malformed(format!("unknown micro-op {other:?}"))),
            };
            done.push((f, key, value));
        }
        if !writes.is_empty() {
            let ts = self.clock.now(ctx.now_ms());
            let writes = writes.into_iter().map(|(k, v)| (k, Some(v)));
            replica.mutate(ctx, |map| map.apply_all(writes, ts));
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Body, ErrorCode, Name, Node};

    /// Nodes `n0..n{count-1}` with default flags, initialised.
    fn cluster(count: usize) -> Vec<Node<TxnRwRegister>> {
        let ids: Vec<String> = (0..count).map(|i| format!("n{i}")).collect();
        ids.iter()
            .map(|id| {
                let mut node = Node::new(TxnRwRegister::from_args(&[]));
                let init = json!({"type": "init", "msg_id": 1, "node_id": id, "node_ids": ids});
                node.handle_message(message("c0", id, init), 0);
                node.take_outbox();
                node
            })
            .collect()
    }

    fn message(src: &str, dest: &str, body: Value) -> Message {
        Message { src: Name::new(src), dest: Name::new(dest), body: serde_json::from_value(body).unwrap() }
    }

    /// Peer messages sent and not yet delivered.
    type Wire = Vec<Message>;

    /// Runs `txn` on `node` at `now_ms`; returns the reply body and puts peer messages on `wire`.
    fn txn(node: &mut Node<TxnRwRegister>, wire: &mut Wire, now_ms: u64, txn: Value) -> Body {
        let dest = node.node_id().to_owned();
        node.handle_message(message("c9", &dest, json!({"type": "txn", "msg_id": 7, "txn": txn})), now_ms);
        let (replies, peers): (Wire, Wire) = node.take_outbox().into_iter().partition(|m| m.dest == "c9");
        wire.extend(peers);
        replies.into_iter().next().expect("a reply to the client").body
    }

    /// Ticks `from` at `now_ms` and hands every gossip message on `wire` or sent now to `to`;
    /// returns how many there were.
    fn gossip(from: &mut Node<TxnRwRegister>, to: &mut Node<TxnRwRegister>, wire: &mut Wire, now_ms: u64) -> usize {
        from.tick(now_ms);
        wire.extend(from.take_outbox());
        let sent: Wire = wire.drain(..).filter(|m| m.dest == to.node_id()).collect();
        for msg in &sent {
            to.handle_message(msg.clone(), now_ms);
        }
        to.take_outbox();
        sent.len()
    }

    #[test]
    fn reads_see_the_transactions_own_earlier_writes_and_keep_json_types() {
        let (mut nodes, wire) = (cluster(1), &mut Wire::new());
        let body = txn(
            &mut nodes[0],
            wire,
            1,
            json!([["r", 1, null], ["w", 1, 5], ["r", 1, null], ["w", "k", 1.5], ["r", "k", null]]),
        );
        assert_eq!(body.kind, "txn_ok");
        assert_eq!(
            body.get("txn"),
            Some(&json!([["r", 1, null], ["w", 1, 5], ["r", 1, 5], ["w", "k", 1.5], ["r", "k", 1.5]]))
        );
        let later = txn(&mut nodes[0], wire, 2, json!([["r", 1, null], ["r", "1", null]]));
        assert_eq!(later.get("txn"), Some(&json!([["r", 1, 5], ["r", "1", null]])));
    }

    #[test]
    fn a_transactions_writes_travel_in_one_message_and_become_visible_together() {
        let mut nodes = cluster(2);
        let (left, right) = nodes.split_at_mut(1);
        let (n0, n1, wire) = (&mut left[0], &mut right[0], &mut Wire::new());
        txn(n0, wire, 1, json!([["w", 1, 1], ["w", 2, 1], ["w", 1, 2], ["w", "1", [9]]]));
        assert_eq!(gossip(n0, n1, wire, 1_000), 1);
        let seen = txn(n1, wire, 1_000, json!([["r", 1, null], ["r", 2, null], ["r", "1", null]]));
        // The intermediate write 1 never shows, and the key 1 stays apart from the key "1".
        assert_eq!(seen.get("txn"), Some(&json!([["r", 1, 2], ["r", 2, 1], ["r", "1", [9]]])));
    }

    #[test]
    fn a_write_after_a_read_wins_everywhere_even_from_a_node_whose_clock_is_behind() {
        let mut nodes = cluster(2);
        let (left, right) = nodes.split_at_mut(1);
        let (n0, n1, wire) = (&mut left[0], &mut right[0], &mut Wire::new());
        txn(n0, wire, 10_000, json!([["w", 1, 1]]));
        gossip(n0, n1, wire, 10_000);
        // n1's wall clock reads 10 s less than n0's.
        let read_then_write = txn(n1, wire, 5, json!([["r", 1, null], ["w", 1, 2]]));
        assert_eq!(read_then_write.get("txn"), Some(&json!([["r", 1, 1], ["w", 1, 2]])));
        gossip(n1, n0, wire, 10_000);
        assert_eq!(txn(n0, wire, 10_001, json!([["r", 1, null]])).get("txn"), Some(&json!([["r", 1, 2]])));
    }

    #[test]
    fn an_unknown_micro_op_is_malformed_and_applies_nothing() {
        let (mut nodes, wire) = (cluster(1), &mut Wire::new());
        let body = txn(&mut nodes[0], wire, 1, json!([["w", 1, 1], ["append", 1, 2]]));
        assert_eq!(body.kind, "error");
        assert_eq!(body.get("code"), Some(&json!(ErrorCode::MalformedRequest.code())));
        assert_eq!(txn(&mut nodes[0], wire, 2, json!([["r", 1, null]])).get("txn"), Some(&json!([["r", 1, null]])));
    }

    #[test]
    fn gossip_is_batched_per_interval_not_sent_per_transaction() {
        let mut nodes = cluster(2);
        let (left, right) = nodes.split_at_mut(1);
        let (n0, n1, wire) = (&mut left[0], &mut right[0], &mut Wire::new());
        let mut peer_messages = 0;
        for ms in 1..=1_000 {
            txn(n0, wire, ms, json!([["w", ms, ms]]));
            peer_messages += gossip(n0, n1, wire, ms);
        }
        // 100 ms batches: about ten messages for a thousand transactions.
        assert!((5..=15).contains(&peer_messages), "{peer_messages} messages");
    }

    /// Handles `msgs` at `to` at `now_ms`; returns what `to` sends in response or on its timers.
    fn deliver(to: &mut Node<TxnRwRegister>, msgs: Wire, now_ms: u64) -> Wire {
        for msg in msgs {
            to.handle_message(msg, now_ms);
        }
        to.tick(now_ms);
        to.take_outbox()
    }

    fn addressed_to(wire: &mut Wire, dest: &str) -> Wire {
        wire.drain(..).filter(|m| m.dest == dest).collect()
    }

    #[test]
    fn a_relay_never_splits_a_transaction_even_when_an_earlier_message_was_lost() {
        // A star around n0. U (on n2, whose clock is ahead) writes key 2; T (on n1, behind)
        // writes keys 1 and 2, so n0 already holds a newer key 2 when T arrives.
        let (mut nodes, wire) = (cluster(4), &mut Wire::new());
        txn(&mut nodes[2], wire, 10_000, json!([["w", 2, "u"]]));
        let to_hub = addressed_to(wire, "n0");
        deliver(&mut nodes[0], to_hub, 10_000); // the hub's relay of U is lost
        txn(&mut nodes[1], wire, 5, json!([["w", 1, "t"], ["w", 2, "t"]]));
        let to_hub = addressed_to(wire, "n0");
        let mut relayed = deliver(&mut nodes[0], to_hub, 10_200);
        let to_n3 = addressed_to(&mut relayed, "n3");
        assert!(!to_n3.is_empty(), "the hub relayed nothing");
        deliver(&mut nodes[3], to_n3, 10_200);
        let read = txn(&mut nodes[3], wire, 10_200, json!([["r", 1, null], ["r", 2, null]]));
        // Seeing T's key 1 with a key 2 older than T's would be a fractured read.
        assert_ne!(read.get("txn"), Some(&json!([["r", 1, "t"], ["r", 2, null]])));
    }
}
