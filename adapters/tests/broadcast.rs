//! Broadcast nodes (and the gossip layer under them) in-process: a few `Node`s, a network with
//! constant latency and cuttable links, and a virtual clock that jumps from event to event.

use std::collections::BTreeMap;

use glomer_adapters::flags::{self, FromFlags};
use glomer_adapters::gossip_config::GossipFlags;
use glomer_adapters::replicated::{Crdt, Replica, Replicated};
use glomer_adapters::workloads::set::{Broadcast, BroadcastFlags};
use glomer_adapters::{Body, Context, Error, Message, Name, Node, Workload};
use glomer_crdt::{GCounter, ReplicaId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Events one `run_until` may handle before the test calls it a livelock.
const EVENTS_MAX: usize = 1_000_000;

/// Nodes `n0..`, a network of constant latency, and everything the nodes sent.
struct Cluster<W> {
    nodes: Vec<Node<W>>,
    ids: Vec<String>,
    now_ms: u64,
    latency_ms: u64,
    /// Messages in flight by (delivery time, send order).
    in_flight: BTreeMap<(u64, u64), Message>,
    sent: u64,
    /// Node-to-node messages sent (delivered or dropped).
    peer_messages: u64,
    /// Directed links `(src, dest)` that drop node-to-node messages, as a partition does.
    cut: Vec<(usize, usize)>,
    replies: Vec<Message>,
    last_peer_message_ms: u64,
}

impl<W: Workload + FromFlags> Cluster<W> {
    /// `n` nodes built from `args`, initialised, with the given network latency.
    fn new(n: usize, args: &[&str], latency_ms: u64) -> Self {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let ids: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
        let nodes = (0..n).map(|_| Node::new(W::from_args(&args))).collect();
        let mut cluster = Self {
            nodes,
            ids: ids.clone(),
            now_ms: 0,
            latency_ms,
            in_flight: BTreeMap::new(),
            sent: 0,
            peer_messages: 0,
            cut: Vec::new(),
            replies: Vec::new(),
            last_peer_message_ms: 0,
        };
        for (i, id) in ids.iter().enumerate() {
            let init = json!({"type": "init", "msg_id": 1, "node_id": id, "node_ids": ids});
            cluster.client(i, init);
        }
        cluster
    }

    /// A client request to node `i`, handled now; returns the node's reply.
    fn client(&mut self, i: usize, body: Value) -> Option<Message> {
        let msg =
            Message { src: "c1".into(), dest: Name::new(&self.ids[i]), body: serde_json::from_value(body).unwrap() };
        self.nodes[i].handle_message(msg, self.now_ms);
        self.nodes[i].tick(self.now_ms);
        self.route(i);
        self.replies.pop()
    }

    fn broadcast(&mut self, i: usize, message: Value) {
        let reply = self.client(i, json!({"type": "broadcast", "msg_id": 1, "message": message}));
        assert_eq!(reply.map(|r| r.body.kind), Some("broadcast_ok".into()));
    }

    fn read(&mut self, i: usize) -> Vec<Value> {
        let reply = self.client(i, json!({"type": "read", "msg_id": 1})).expect("read_ok");
        reply.body.get("messages").and_then(Value::as_array).cloned().expect("messages")
    }

    /// Moves node `i`'s output onto the network (or into `replies` for clients).
    fn route(&mut self, i: usize) {
        for msg in self.nodes[i].take_outbox() {
            match self.ids.iter().position(|id| *id == msg.dest) {
                Some(dest) => {
                    assert_not_empty(&msg);
                    self.peer_messages += 1;
                    self.last_peer_message_ms = self.now_ms;
                    self.sent += 1;
                    if !self.cut.contains(&(i, dest)) {
                        self.in_flight.insert((self.now_ms + self.latency_ms, self.sent), msg);
                    }
                }
                None => self.replies.push(msg),
            }
        }
    }

    /// Delivers messages and fires timers until `until_ms` (or until nothing is left).
    fn run_until(&mut self, until_ms: u64) {
        for _ in 0..EVENTS_MAX {
            let delivery = self.in_flight.keys().next().map(|(at, _)| *at);
            let timer = self.nodes.iter().filter_map(Node::next_deadline_ms).min();
            let Some(next) = delivery.into_iter().chain(timer).min().filter(|next| *next <= until_ms) else {
                self.now_ms = self.now_ms.max(until_ms);
                return;
            };
            self.now_ms = self.now_ms.max(next);
            if delivery == Some(next) {
                let Some((_, msg)) = self.in_flight.pop_first() else { continue };
                let dest = self.ids.iter().position(|id| *id == msg.dest).expect("routed to a node");
                self.nodes[dest].handle_message(msg, self.now_ms);
                self.nodes[dest].tick(self.now_ms);
                self.route(dest);
            } else {
                for i in 0..self.nodes.len() {
                    self.nodes[i].tick(self.now_ms);
                    self.route(i);
                }
            }
        }
        panic!("more than {EVENTS_MAX} events before {until_ms} ms: livelock");
    }

    /// Cuts node-to-node traffic between `side` and everyone else, both ways.
    fn partition(&mut self, side: &[usize]) {
        let n = self.nodes.len();
        self.cut = (0..n)
            .flat_map(|a| (0..n).map(move |b| (a, b)))
            .filter(|(a, b)| side.contains(a) != side.contains(b))
            .collect();
    }
}

/// Every peer message carries a sync message, and a data message carries something.
fn assert_not_empty(msg: &Message) {
    let sync: Value = msg
        .body
        .clone()
        .take_decoded("sync")
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("a peer message without a payload: {msg:?}"));
    if let Some(delta) = sync.get("Delta").and_then(|d| d.get("delta")) {
        assert_ne!(delta, &json!([]), "an empty data message: {msg:?}");
        assert_ne!(delta, &json!({}), "an empty data message: {msg:?}");
    }
}

fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|v| v.to_string());
    values
}

const PRESETS: [&str; 3] = ["latency", "balanced", "frugal"];

#[test]
fn every_broadcast_reaches_every_node_with_every_preset_and_the_network_then_goes_quiet() {
    for preset in PRESETS {
        let mut cluster: Cluster<Broadcast> = Cluster::new(5, &["--preset", preset], 100);
        for i in 0..20u64 {
            cluster.broadcast((i % 5) as usize, json!(i));
            cluster.run_until(cluster.now_ms + 37);
        }
        cluster.run_until(cluster.now_ms + 10_000);
        let expected: Vec<Value> = sorted((0..20).map(|i| json!(i)).collect());
        for node in 0..5 {
            assert_eq!(sorted(cluster.read(node)), expected, "{preset}: node n{node}");
        }
        let quiet_since = cluster.last_peer_message_ms;
        let sent_before = cluster.peer_messages;
        cluster.run_until(cluster.now_ms + 60_000);
        assert_eq!(cluster.peer_messages, sent_before, "{preset}: messages after convergence (since {quiet_since})");
        assert!(cluster.nodes.iter().all(|n| n.next_deadline_ms().is_none()), "{preset}: a timer left armed");
    }
}

#[test]
fn values_keep_their_exact_json_type() {
    let mut cluster: Cluster<Broadcast> = Cluster::new(2, &[], 10);
    let values = [json!(1), json!(1.0), json!("1"), json!([1, {"b": null, "a": 2.5}]), json!(-7), json!(null)];
    for value in &values {
        cluster.broadcast(0, value.clone());
    }
    cluster.broadcast(0, json!(1));
    cluster.run_until(5_000);
    let read = cluster.read(1);
    assert_eq!(read.len(), values.len(), "{read:?}");
    for value in &values {
        assert!(read.contains(value), "{value} missing from {read:?}");
    }
}

#[test]
fn what_a_partition_dropped_is_retransmitted_after_it_heals() {
    for preset in PRESETS {
        let mut cluster: Cluster<Broadcast> = Cluster::new(5, &["--preset", preset], 100);
        cluster.partition(&[0, 1]);
        for i in 0..10u64 {
            cluster.broadcast((i % 5) as usize, json!(i));
            cluster.run_until(cluster.now_ms + 200);
        }
        cluster.run_until(cluster.now_ms + 5_000);
        assert!(cluster.read(4).len() < 10, "{preset}: the partition should hide some values");
        cluster.cut.clear();
        cluster.run_until(cluster.now_ms + 15_000);
        for node in 0..5 {
            assert_eq!(cluster.read(node).len(), 10, "{preset}: node n{node} after the heal");
        }
    }
}

#[test]
fn peer_gossip_that_arrives_before_init_is_applied() {
    let mut node = Node::new(Broadcast::from_args(&[]));
    let early = r#"{"src":"n1","dest":"n0","body":{"type":"gossip","sync":{"Delta":{"from_seq":0,"to_seq":1,"delta":[5],"ack":null,"full":false}}}}"#;
    node.handle_line(early, 0);
    node.handle_line(
        r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#,
        1,
    );
    node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":2}}"#, 2);
    let read = node.take_outbox().into_iter().find(|m| m.body.kind == "read_ok").expect("read_ok");
    assert_eq!(read.body.get("messages"), Some(&json!([5])));
}

#[test]
fn maelstrom_topology_is_used_only_when_asked_for() {
    let line_topology =
        json!({"type": "topology", "msg_id": 1, "topology": {"n0": ["n1"], "n1": ["n0", "n2"], "n2": ["n1"]}});
    let neighbours_of_n0 = |args: &[&str]| {
        let mut cluster: Cluster<Broadcast> = Cluster::new(3, args, 10);
        let reply = cluster.client(0, line_topology.clone()).expect("topology_ok");
        assert_eq!(reply.body, Body { kind: "topology_ok".into(), ..reply.body.clone() });
        assert!(reply.body.fields.is_empty(), "topology_ok carries no fields: {:?}", reply.body);
        cluster.nodes[0].workload().replica().expect("initialised").engine().neighbours().to_vec()
    };
    assert_eq!(neighbours_of_n0(&["--topology", "maelstrom"]), vec![ReplicaId(1)]);
    assert_eq!(neighbours_of_n0(&["--topology", "total"]), vec![ReplicaId(1), ReplicaId(2)]);
}

#[test]
fn a_node_that_learns_the_maelstrom_topology_late_loses_nothing_and_ends_quiet() {
    let line = json!({"type": "topology", "msg_id": 1, "topology": {"n0": ["n1"], "n1": ["n0", "n2"], "n2": ["n1"]}});
    let mut cluster: Cluster<Broadcast> = Cluster::new(3, &["--topology", "maelstrom"], 100);
    cluster.client(0, line.clone());
    cluster.client(1, line.clone());
    cluster.broadcast(0, json!("early"));
    // Long enough for n2's ack of "early" to reach n1.
    cluster.run_until(3_000);
    assert_eq!(cluster.read(2), vec![json!("early")], "n1 relays to n2 before n2 knows its neighbours");
    cluster.client(2, line);
    cluster.broadcast(2, json!("late"));
    cluster.broadcast(0, json!("after"));
    cluster.run_until(20_000);
    let sent_before = cluster.peer_messages;
    cluster.run_until(80_000);
    assert_eq!(cluster.peer_messages, sent_before, "acks must settle: no endless retransmission");
    assert_eq!(sorted(cluster.read(2)), sorted(vec![json!("after"), json!("early"), json!("late")]));
}

#[test]
fn the_latency_preset_costs_about_one_message_per_peer_per_broadcast() {
    let mut cluster: Cluster<Broadcast> = Cluster::new(5, &["--preset", "latency"], 100);
    for i in 0..100u64 {
        cluster.broadcast((i % 5) as usize, json!(i));
        cluster.run_until(cluster.now_ms + 50);
    }
    cluster.run_until(cluster.now_ms + 10_000);
    // 4 peers per broadcast; acks ride on the reverse data flow, so few travel alone.
    let per_broadcast = cluster.peer_messages as f64 / 100.0;
    assert!((4.0..4.5).contains(&per_broadcast), "{per_broadcast} messages per broadcast");
}

#[test]
fn immediate_acks_cost_one_ack_per_data_message() {
    let mut cluster: Cluster<Broadcast> = Cluster::new(3, &["--preset", "latency", "--acks", "immediate"], 100);
    for i in 0..30u64 {
        cluster.broadcast((i % 3) as usize, json!(i));
        cluster.run_until(cluster.now_ms + 50);
    }
    cluster.run_until(cluster.now_ms + 10_000);
    // 30 broadcasts to 2 peers each, and as many acks.
    assert_eq!(cluster.peer_messages, 120);
    assert_eq!(cluster.read(2).len(), 30);
}

#[test]
fn help_documents_every_flag_and_preset() {
    let help = flags::parse::<BroadcastFlags>(&["--help".to_string()]).unwrap_err().0;
    let words = ["--preset", "--topology", "--flush", "--interval-ms", "--acks", "--ack-delay-ms", "--retransmit-ms"];
    for word in words.iter().chain(&["latency", "balanced", "frugal", "maelstrom", "tree:K", "random:K", "piggyback"]) {
        assert!(help.contains(word), "--help does not mention {word}:\n{help}");
    }
}

/// A grow-only counter over the same replicated workload: `add {delta}` and `read`.
struct Counter;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum CounterRequest {
    Add { delta: u64 },
    Read,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum CounterReply {
    AddOk,
    ReadOk { value: u64 },
}

impl Crdt for Counter {
    type State = GCounter;
    type Request = CounterRequest;

    fn on_request(
        &mut self,
        replica: &mut Replica<GCounter>,
        ctx: &mut Context,
        msg: Message,
        request: CounterRequest,
    ) -> Result<(), Error> {
        match request {
            CounterRequest::Add { delta } => {
                let me = replica.id();
                replica.mutate(ctx, |counter| counter.increment(me, delta));
                ctx.reply(&msg, CounterReply::AddOk);
            }
            CounterRequest::Read => ctx.reply(&msg, CounterReply::ReadOk { value: replica.state().value() }),
        }
        Ok(())
    }
}

#[derive(Debug, Clone, clap::Parser)]
struct CounterFlags {
    #[command(flatten)]
    gossip: GossipFlags,
}

/// The counter node, wrapped so this test can give it flags.
struct CounterNode(Replicated<Counter>);

impl FromFlags for CounterNode {
    type Flags = CounterFlags;
    fn from_flags(flags: CounterFlags) -> Self {
        Self(Replicated::new(Counter, flags.gossip.config()))
    }
}

impl Workload for CounterNode {
    fn on_init(&mut self, ctx: &mut Context) {
        self.0.on_init(ctx);
    }
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        self.0.on_message(ctx, msg)
    }
    fn on_timer(&mut self, ctx: &mut Context, timer: glomer_adapters::Timer) {
        self.0.on_timer(ctx, timer);
    }
}

#[test]
fn any_lattice_converges_over_gossip_across_a_partition_with_every_topology() {
    for topology in ["total", "star", "tree:2", "grid", "ring", "line", "random:2"] {
        let mut cluster: Cluster<CounterNode> = Cluster::new(7, &["--topology", topology], 50);
        cluster.partition(&[2, 3]);
        for i in 0..21u64 {
            cluster.client((i % 7) as usize, json!({"type": "add", "msg_id": 1, "delta": i}));
            cluster.run_until(cluster.now_ms + 30);
        }
        cluster.run_until(cluster.now_ms + 3_000);
        cluster.cut.clear();
        cluster.run_until(cluster.now_ms + 20_000);
        for node in 0..7 {
            let reply = cluster.client(node, json!({"type": "read", "msg_id": 2})).expect("read_ok");
            assert_eq!(reply.body.get("value"), Some(&json!(210)), "{topology}: node n{node}");
        }
    }
}
