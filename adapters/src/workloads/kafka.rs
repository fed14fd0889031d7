//! `kafka` (Glomers challenges 5a-5c): append-only logs with one owner per key,
//! replicated to every node as deltas of one CRDT (see docs/kafka.md).
//!
//! - Each key has one owner, chosen by rendezvous hashing over `init`'s node list (every node
//!   computes the same owner, and a key never moves during a test). `send` on the owner appends
//!   to the key's [`OpLog`] and answers with the offset at once; any other node forwards the
//!   send to the owner ([`Context::call`]) and answers when the owner has. One writer per log is
//!   what makes offsets unique, dense and increasing for every client.
//! - The logs and the committed offsets are one state, `(LatticeMap<key, OpLog>, MaxMap<key>)`,
//!   replicated by the delta sync engine ([`Replicated`]); the owner's appends reach every node as
//!   deltas.
//! - `poll` answers from the local replica's contiguous prefix only ([`OpLog::read_from`]): a
//!   replica missing an offset returns nothing past it, so a poll never skips an offset that a
//!   client may already have seen elsewhere (`:poll-skip`, `:lost-write`). Keys with nothing to
//!   return are left out: a key with an empty list makes Maelstrom's checker give up.
//! - `commit_offsets` raises the local [`MaxMap`]; `list_committed_offsets` answers from the
//!   local replica. A stale answer is a lower offset, hence a re-read (Kafka's at-least-once),
//!   which the checker allows: it never reads committed offsets, and an assign makes it forget
//!   the process's position for every newly assigned key (docs/kafka.md). Forwarding the listing to
//!   the owner would cost two messages per assign and buy no verdict.
//!
//! What it gives up: a partitioned owner's keys accept no sends from the other side (the
//! forward times out, error 0); polls and commits stay available everywhere.

use std::collections::{BTreeMap, HashMap};

use glomer_crdt::{Lattice, LatticeMap, MaxMap, OpLog};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flags::FromFlags;
use crate::gossip_config::{Flush, GossipConfig, GossipFlags, Preset};
use crate::json_element::JsonElement;
use crate::protocol::{Body, Error, ErrorCode, Message};
use crate::replicated::{Crdt, Replica, Replicated};
use crate::request;
use crate::workload::{CallId, Context, RpcError};

/// Messages one poll returns at most, over all its keys: Kafka's own `max.poll.records`
/// default. A client polling many long logs from 0 (Maelstrom's final phase: every key from the
/// start) gets its backlog over several polls, each reply a bounded size; the cut is per key at a
/// prefix, so the client simply goes on from where the reply ended.
pub const POLL_MSGS_MAX: usize = 500;

/// The replicated state: every key's log, and every key's committed offset.
pub type KafkaState = (LatticeMap<String, OpLog<JsonElement>>, MaxMap<String>);

/// The requests `kafka` serves: Maelstrom's four, and a send forwarded by a peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaRequest {
    /// Append `msg` to `key`'s log.
    Send {
        /// The log.
        key: String,
        /// Any JSON value.
        msg: Value,
    },
    /// Messages from each key's log, from the given offset on.
    Poll {
        /// Key -> first offset wanted.
        offsets: BTreeMap<String, i64>,
    },
    /// Raise each key's committed offset.
    CommitOffsets {
        /// Key -> highest offset processed.
        offsets: BTreeMap<String, i64>,
    },
    /// The committed offset of each key.
    ListCommittedOffsets {
        /// The keys.
        keys: Vec<String>,
    },
    /// A peer's `send` for a key this node owns.
    ForwardSend {
        /// The log.
        key: String,
        /// Any JSON value.
        msg: Value,
    },
}

/// `kafka`'s replies, to clients and (`forward_send_ok`) to the peer that forwarded a send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KafkaReply {
    /// The offset `msg` was appended at.
    SendOk {
        /// The offset.
        offset: u64,
    },
    /// `[offset, msg]` pairs per key, keys with nothing to return left out.
    PollOk {
        /// Key -> pairs.
        msgs: BTreeMap<String, Vec<(u64, Value)>>,
    },
    /// The commits are done.
    CommitOffsetsOk,
    /// The committed offset of each key that has one.
    ListCommittedOffsetsOk {
        /// Key -> offset.
        offsets: BTreeMap<String, u64>,
    },
    /// The owner's answer to a forwarded send.
    ForwardSendOk {
        /// The offset.
        offset: u64,
    },
}

/// Flags of `glomer-kafka`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "glomer-kafka",
    about = "Maelstrom kafka node: one owner per log, logs and committed offsets replicated by delta gossip",
    after_help = "Unless --flush is given, kafka batches on every node (--flush interval): at \
        Maelstrom's 1,000 ops/s a node that sends at once sends one message per op."
)]
pub struct KafkaFlags {
    /// How logs and committed offsets are replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
    /// How long a forwarded send waits for the owner before the client gets error 0; well
    /// under Maelstrom's 5 s client timeout, so the answer reaches a client that still waits.
    #[arg(long, default_value_t = DEFAULT_FORWARD_TIMEOUT_MS)]
    pub forward_timeout_ms: u64,
}

/// Two round trips of the worst latency the Glomers use (100 ms, exponential tails of a few
/// hundred ms) fit many times over, and the client (5 s) still hears the error.
const DEFAULT_FORWARD_TIMEOUT_MS: u64 = 2_000;

/// The kafka workload.
pub type Kafka = Replicated<Logs>;

/// The kafka node's own part: sends forwarded to their owner and waiting for its answer.
#[derive(Debug)]
pub struct Logs {
    forward_timeout_ms: u64,
    /// Sends forwarded to their owner, by call, with the client's request. Bounded by the
    /// calls in flight ([`crate::workload::PENDING_CALLS_MAX`]): each call ends in a reply or
    /// a timeout, and either removes its entry.
    forwarded: HashMap<CallId, Message>,
}

impl FromFlags for Kafka {
    type Flags = KafkaFlags;

    fn from_flags(flags: KafkaFlags) -> Self {
        let mut config = flags.gossip.config();
        if flags.gossip.flush.is_none() && flags.gossip.preset == Preset::default() {
            config.flush = Flush::Interval;
        }
        Logs::node(config, flags.forward_timeout_ms)
    }
}

impl Logs {
    /// A node replicating with `config`, forwarding sends with `forward_timeout_ms`.
    pub fn node(config: GossipConfig, forward_timeout_ms: u64) -> Kafka {
        Replicated::new(Self { forward_timeout_ms, forwarded: HashMap::new() }, config)
    }

    fn on_send(
        &mut self,
        replica: &mut Replica<KafkaState>,
        ctx: &mut Context,
        msg: Message,
        key: String,
        value: Value,
    ) {
        let owner = owner_of(&key, ctx.node_ids()).unwrap_or(ctx.node_id()).to_owned();
        if owner == ctx.node_id() {
            let offset = append(replica, ctx, key, value);
            ctx.reply(&msg, KafkaReply::SendOk { offset });
            return;
        }
        match Body::from_serialize(&KafkaRequest::ForwardSend { key, msg: value }) {
            Ok(forward) => {
                let call = ctx.call(&owner, forward, self.forward_timeout_ms);
                self.forwarded.insert(call, msg);
            }
            Err(err) => tracing::error!(%err, "a forward that is not a message body; not sent"),
        }
    }
}

impl Crdt for Logs {
    type State = KafkaState;
    type Request = KafkaRequest;

    fn on_request(
        &mut self,
        replica: &mut Replica<KafkaState>,
        ctx: &mut Context,
        msg: Message,
        request: KafkaRequest,
    ) -> Result<(), Error> {
        match request {
            KafkaRequest::Send { key, msg: value } => self.on_send(replica, ctx, msg, key, value),
            KafkaRequest::ForwardSend { key, msg: value } => {
                if owner_of(&key, ctx.node_ids()) != Some(ctx.node_id()) {
                    // Nodes agree on owners unless their node lists differ; appending here
                    // would put a second writer on the log, so refuse (definite: nothing was
                    // written).
                    let text = format!("{} does not own key {key:?}", ctx.node_id());
                    return Err(Error::new(ErrorCode::TemporarilyUnavailable, text));
                }
                let offset = append(replica, ctx, key, value);
                ctx.reply(&msg, KafkaReply::ForwardSendOk { offset });
            }
            KafkaRequest::Poll { offsets } => {
                ctx.reply(&msg, KafkaReply::PollOk { msgs: poll(replica.state(), &offsets) })
            }
            KafkaRequest::CommitOffsets { offsets } => {
                replica.mutate(ctx, |state| commit(state, offsets));
                ctx.reply(&msg, KafkaReply::CommitOffsetsOk);
            }
            KafkaRequest::ListCommittedOffsets { keys } => {
                let committed = &replica.state().1;
                let offsets =
                    keys.into_iter().map(|k| (committed.get(&k), k)).filter(|(o, _)| *o > 0).map(|(o, k)| (k, o));
                ctx.reply(&msg, KafkaReply::ListCommittedOffsetsOk { offsets: offsets.collect() });
            }
        }
        Ok(())
    }

    fn on_reply(
        &mut self,
        _: &mut Replica<KafkaState>,
        ctx: &mut Context,
        call: CallId,
        reply: Result<Message, RpcError>,
    ) {
        let Some(request) = self.forwarded.remove(&call) else { return };
        match reply.map(|m| (request::parse::<KafkaReply>(&m), m)) {
            Ok((Ok(KafkaReply::ForwardSendOk { offset }), _)) => ctx.reply(&request, KafkaReply::SendOk { offset }),
            Ok((_, m)) => {
                let text = format!("owner {} answered the forwarded send with {:?}", m.src, m.body.kind);
                ctx.reply_error(&request, &Error::new(ErrorCode::Crash, text));
            }
            Err(RpcError::Remote(err)) => ctx.reply_error(&request, &err),
            Err(RpcError::Timeout) => {
                // Indefinite: the owner may have appended and its answer been lost.
                let text = format!("the key's owner did not answer within {} ms", self.forward_timeout_ms);
                ctx.reply_error(&request, &Error::new(ErrorCode::Timeout, text));
            }
        }
    }
}

/// Appends `value` to `key`'s log (this node owns it) and returns its offset.
fn append(replica: &mut Replica<KafkaState>, ctx: &mut Context, key: String, value: Value) -> u64 {
    replica.mutate_with(ctx, |(logs, _)| {
        let mut offset = 0;
        let delta = logs.update(key, |log| {
            let (at, delta) = log.append(JsonElement(value));
            offset = at;
            delta
        });
        ((delta, MaxMap::new()), offset)
    })
}

/// Each key's messages from the asked offset on, within [`POLL_MSGS_MAX`] in all.
fn poll(state: &KafkaState, offsets: &BTreeMap<String, i64>) -> BTreeMap<String, Vec<(u64, Value)>> {
    let mut msgs = BTreeMap::new();
    let mut budget = POLL_MSGS_MAX;
    for (key, &from) in offsets {
        let Some(log) = state.0.get(key) else { continue };
        let from = u64::try_from(from).unwrap_or(0);
        let pairs: Vec<(u64, Value)> =
            log.read_from(from).take(budget).map(|(offset, m)| (offset, m.0.clone())).collect();
        budget -= pairs.len();
        if !pairs.is_empty() {
            msgs.insert(key.clone(), pairs);
        }
        if budget == 0 {
            break;
        }
    }
    msgs
}

/// The delta-mutator of a commit: raises each key's committed offset.
fn commit(state: &mut KafkaState, offsets: BTreeMap<String, i64>) -> KafkaState {
    let committed = &mut state.1;
    let mut delta = MaxMap::new();
    for (key, offset) in offsets {
        // Negative offsets commit nothing; 0 is MaxMap's bottom and reads as "no commit",
        // which a client treats exactly as a commit of 0 (it starts at 0 either way).
        if let Ok(offset) = u64::try_from(offset) {
            delta.join(&committed.raise(key, offset));
        }
    }
    (LatticeMap::new(), delta)
}

/// The owner of `key` among `nodes` by rendezvous (highest random weight) hashing: every node
/// scores `hash(key, node)` and the highest wins (Thaler and Ravishankar, "A name-based mapping
/// scheme for rendezvous", 1996). Each node computes it alone from `init`'s list, and keys
/// spread evenly.
pub fn owner_of<'a>(key: &str, nodes: &'a [String]) -> Option<&'a str> {
    nodes.iter().max_by_key(|node| rendezvous_score(key, node)).map(String::as_str)
}

/// FNV-1a over `key`, a separator and `node`, finished by SplitMix64's mixer so that nearby
/// inputs give unrelated scores. A fixed function, unlike `std`'s hasher, so every build of the
/// binary agrees on owners.
fn rendezvous_score(key: &str, node: &str) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = key.bytes().chain(std::iter::once(0xff)).chain(node.bytes());
    let mut h = bytes.fold(FNV_OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME));
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Name, Node};

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn owners_spread_evenly_and_do_not_depend_on_list_order() {
        let list = nodes(5);
        let mut reversed = list.clone();
        reversed.reverse();
        let mut counts = HashMap::new();
        for k in 0..5_000 {
            let key = k.to_string();
            let owner = owner_of(&key, &list).unwrap();
            assert_eq!(Some(owner), owner_of(&key, &reversed));
            *counts.entry(owner).or_insert(0) += 1;
        }
        assert!(counts.values().all(|c| (800..1200).contains(c)), "{counts:?}");
    }

    fn node(id: &str, all: &[String]) -> Node<Kafka> {
        let mut node = Node::new(Logs::node(GossipConfig::default(), 1_000));
        let mut body = Body::new("init").with("node_id", id).with("node_ids", all.to_vec());
        body.msg_id = Some(1);
        node.handle_message(Message { src: "c0".into(), dest: Name::new(id), body }, 0);
        node.take_outbox();
        node
    }

    fn request(node: &mut Node<Kafka>, body: Body, msg_id: u64) -> Vec<Message> {
        let mut body = body;
        body.msg_id = Some(msg_id);
        let dest = node.node_id().to_owned();
        node.handle_message(Message { src: "c9".into(), dest: dest.into(), body }, 0);
        node.take_outbox()
    }

    #[test]
    fn one_node_assigns_dense_offsets_and_polls_omit_empty_keys() {
        let all = nodes(1);
        let mut n = node("n0", &all);
        for (i, m) in [5, 6, 7].into_iter().enumerate() {
            let out = request(&mut n, Body::new("send").with("key", "1").with("msg", m), i as u64 + 1);
            assert_eq!(out[0].body.get("offset"), Some(&json!(i)));
        }
        let out = request(&mut n, Body::new("poll").with("offsets", json!({"1": 1, "2": 0})), 9);
        assert_eq!(out[0].body.get("msgs"), Some(&json!({"1": [[1, 6], [2, 7]]})));
    }

    #[test]
    fn a_poll_returns_at_most_its_bound_as_prefixes_of_each_log() {
        let all = nodes(1);
        let mut n = node("n0", &all);
        for i in 0..POLL_MSGS_MAX as u64 + 10 {
            request(&mut n, Body::new("send").with("key", if i % 2 == 0 { "a" } else { "b" }).with("msg", i), i + 1);
        }
        let out = request(&mut n, Body::new("poll").with("offsets", json!({"a": 0, "b": 3})), 9_999);
        let msgs = out[0].body.get("msgs").and_then(Value::as_object).unwrap();
        let (a, b) = (msgs["a"].as_array().unwrap(), msgs["b"].as_array().unwrap());
        assert_eq!(a.len() + b.len(), POLL_MSGS_MAX);
        assert_eq!((a[0][0].as_u64(), b[0][0].as_u64()), (Some(0), Some(3)));
        assert!(b.windows(2).all(|w| w[1][0].as_u64() == w[0][0].as_u64().map(|o| o + 1)));
    }

    #[test]
    fn commits_only_rise_and_zero_reads_as_absent() {
        let all = nodes(1);
        let mut n = node("n0", &all);
        request(&mut n, Body::new("commit_offsets").with("offsets", json!({"a": 4, "b": 0})), 1);
        request(&mut n, Body::new("commit_offsets").with("offsets", json!({"a": 2})), 2);
        let out = request(&mut n, Body::new("list_committed_offsets").with("keys", json!(["a", "b", "c"])), 3);
        assert_eq!(out[0].body.get("offsets"), Some(&json!({"a": 4})));
    }

    #[test]
    fn a_send_to_a_non_owner_is_forwarded_and_answered_when_the_owner_replies() {
        let all = nodes(2);
        let key = (0..).map(|k: u32| k.to_string()).find(|k| owner_of(k, &all) == Some("n1")).unwrap();
        let (mut n0, mut n1) = (node("n0", &all), node("n1", &all));
        let out = request(&mut n0, Body::new("send").with("key", key.clone()).with("msg", 3), 1);
        let forward = out.into_iter().find(|m| m.body.kind == "forward_send").expect("forwarded to the owner");
        assert_eq!(forward.dest, "n1");
        n1.handle_message(forward, 1);
        let reply = n1.take_outbox().into_iter().find(|m| m.dest == "n0" && m.body.in_reply_to.is_some()).unwrap();
        n0.handle_message(reply, 2);
        let out = n0.take_outbox();
        let answer = out.iter().find(|m| m.dest == "c9").expect("client answered");
        assert_eq!((&*answer.body.kind, answer.body.get("offset")), ("send_ok", Some(&json!(0))));
    }

    #[test]
    fn a_forward_the_owner_never_answers_ends_in_an_indefinite_timeout() {
        let all = nodes(2);
        let key = (0..).map(|k: u32| k.to_string()).find(|k| owner_of(k, &all) == Some("n1")).unwrap();
        let mut n0 = node("n0", &all);
        request(&mut n0, Body::new("send").with("key", key).with("msg", 3), 1);
        n0.tick(1_001);
        let out = n0.take_outbox();
        let answer = out.iter().find(|m| m.dest == "c9").expect("client answered");
        assert_eq!((&*answer.body.kind, answer.body.get("code")), ("error", Some(&json!(0))));
    }

    /// Delivers every peer message between `nodes` and ticks their timers, for `ms` of time.
    fn exchange(nodes: &mut [Node<Kafka>], ms: u64) {
        for now in 1..=ms {
            let mut mail = Vec::new();
            for n in nodes.iter_mut() {
                n.tick(now);
                mail.extend(n.take_outbox().into_iter().filter(|m| m.dest.starts_with('n')));
            }
            for m in mail {
                if let Some(n) = nodes.iter_mut().find(|n| n.node_id() == m.dest) {
                    n.handle_message(m, now);
                }
            }
        }
    }

    #[test]
    fn appends_and_commits_reach_the_other_node_through_gossip() {
        let all = nodes(2);
        let mut pair = [node("n0", &all), node("n1", &all)];
        let key = (0..).map(|k: u32| k.to_string()).find(|k| owner_of(k, &all) == Some("n0")).unwrap();
        let mut out = request(&mut pair[0], Body::new("send").with("key", key.clone()).with("msg", 8), 1);
        out.extend(request(&mut pair[0], Body::new("commit_offsets").with("offsets", json!({"x": 3})), 2));
        for gossip in out.into_iter().filter(|m| m.dest == "n1") {
            pair[1].handle_message(gossip, 0);
        }
        exchange(&mut pair, 1_000);
        let out = request(&mut pair[1], Body::new("poll").with("offsets", json!({key.clone(): 0})), 3);
        assert_eq!(out[0].body.get("msgs"), Some(&json!({key: [[0, 8]]})));
        let out = request(&mut pair[1], Body::new("list_committed_offsets").with("keys", json!(["x"])), 4);
        assert_eq!(out[0].body.get("offsets"), Some(&json!({"x": 3})));
    }
}
