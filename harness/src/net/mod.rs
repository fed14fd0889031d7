//! The simulated network (maelstrom/net.clj): registered ids, per-message latency, delivery in
//! deadline order, partitions as grudges, and the journal's statistics.
//!
//! Messages are the adapters' wire type [`Message`]; the network adds only Maelstrom's sequence
//! number ([`Delivery::id`]), which it writes into a node's stdin line.

pub mod journal;
pub mod latency;
pub mod stats;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use glomer_adapters::{Body, Message};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use self::journal::{Fate, Journal};
use self::latency::Latency;
use self::stats::{is_client, NetStats};

/// A message the network hands to its recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Maelstrom's sequence number for the message (send order).
    pub id: u64,
    /// The message.
    pub msg: Message,
}

/// A node's stdin line: the message with Maelstrom's `id` first, as Maelstrom writes it.
#[derive(Serialize)]
struct StdinLine<'a> {
    id: u64,
    src: &'a str,
    dest: &'a str,
    body: &'a Body,
}

impl Delivery {
    /// The stdin line for this message (without the newline).
    pub fn to_line(&self) -> String {
        let line = StdinLine { id: self.id, src: &self.msg.src, dest: &self.msg.dest, body: &self.msg.body };
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// Why the network refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// Maelstrom asserts both ends are registered (maelstrom/net.clj `send!`).
    #[error("message to or from unregistered id {0:?}")]
    Unregistered(String),
}

#[derive(Debug)]
struct Queued {
    deadline_ns: u64,
    /// The life of the recipient the message was sent to (see [`Network::node_up`]).
    life: u32,
    delivery: Delivery,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Deadline first; the message id (send order) breaks ties, so equal deadlines keep FIFO.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline_ns, self.delivery.id).cmp(&(other.deadline_ns, other.delivery.id))
    }
}

/// The network shared by nodes, clients and services.
#[derive(Debug)]
pub struct Network {
    registered: HashSet<String>,
    queue: BinaryHeap<Reverse<Queued>>,
    latency: Latency,
    /// Recipient → senders it refuses (maelstrom/net.clj).
    grudge: BTreeMap<String, BTreeSet<String>>,
    /// Killed nodes: what arrives for them is lost.
    down: HashSet<String>,
    /// Per restarted node, how many times it was restarted: a message sent to an earlier life
    /// is lost, as Maelstrom gives a restarted node a fresh queue.
    lives: HashMap<String, u32>,
    stats: NetStats,
    next_id: u64,
    /// Server messages sent per second of the run, for the rate plot.
    server_sends_per_s: Vec<u64>,
    /// The window of messages kept for the message diagram.
    pub journal: Journal,
    /// `--log-net-send` / `--log-net-recv`.
    pub log_send: bool,
    /// See `log_send`.
    pub log_recv: bool,
}

impl Network {
    /// An empty network with this latency model.
    pub fn new(latency: Latency) -> Self {
        Network {
            registered: HashSet::new(),
            queue: BinaryHeap::new(),
            latency,
            grudge: BTreeMap::new(),
            down: HashSet::new(),
            lives: HashMap::new(),
            stats: NetStats::default(),
            next_id: 0,
            server_sends_per_s: Vec::new(),
            journal: Journal::default(),
            log_send: false,
            log_recv: false,
        }
    }

    /// Makes `id` a valid source and destination.
    pub fn register(&mut self, id: &str) {
        self.registered.insert(id.to_owned());
    }

    /// Removes `id` (a closed client); messages to it are dropped from now on.
    pub fn unregister(&mut self, id: &str) {
        self.registered.remove(id);
    }

    /// Whether `id` is registered.
    pub fn is_registered(&self, id: &str) -> bool {
        self.registered.contains(id)
    }

    /// Accepts a message: journals it and schedules its delivery `delay` from `now_ns`.
    /// Client traffic is never delayed (maelstrom/net.clj).
    pub fn send(&mut self, now_ns: u64, msg: Message, rng: &mut ChaCha8Rng) -> Result<(), NetError> {
        self.accepts(&msg)?;
        let (src, dest) = (msg.src.as_str(), msg.dest.as_str());
        let delay_ms = if is_client(src) || is_client(dest) { 0 } else { self.latency.draw_ms(rng) };
        self.stats.sent(src, dest);
        if !is_client(src) && !is_client(dest) {
            let second = (now_ns / 1_000_000_000) as usize;
            if self.server_sends_per_s.len() <= second {
                self.server_sends_per_s.resize(second + 1, 0);
            }
            self.server_sends_per_s[second] += 1;
        }
        let life = self.lives.get(msg.dest.as_str()).copied().unwrap_or(0);
        self.journal.sent_message(now_ns, self.next_id, &msg);
        let delivery = Delivery { id: self.next_id, msg };
        self.next_id += 1;
        if self.log_send {
            eprintln!("net send {}", delivery.to_line());
        }
        self.queue.push(Reverse(Queued { deadline_ns: now_ns + delay_ms * 1_000_000, life, delivery }));
        Ok(())
    }

    /// Whether [`Network::send`] would take `msg`: Maelstrom asserts both ends are registered.
    pub fn accepts(&self, msg: &Message) -> Result<(), NetError> {
        match [&msg.src, &msg.dest].into_iter().find(|id| !self.registered.contains(id.as_str())) {
            Some(id) => Err(NetError::Unregistered(id.to_string())),
            None => Ok(()),
        }
    }

    /// The earliest delivery deadline, if anything is in flight.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(q)| q.deadline_ns)
    }

    /// The next message due at `now_ns`, skipping (and losing for good) messages a grudge
    /// refuses, messages to ids closed meanwhile, and messages to a killed node or to an
    /// earlier life of a restarted one.
    pub fn pop_due(&mut self, now_ns: u64) -> Option<Delivery> {
        while self.queue.peek().is_some_and(|Reverse(q)| q.deadline_ns <= now_ns) {
            let Reverse(Queued { delivery, life, .. }) = self.queue.pop()?;
            let msg = &delivery.msg;
            let refused = self.grudge.get(msg.dest.as_str()).is_some_and(|senders| senders.contains(msg.src.as_str()));
            let lost = self.down.contains(msg.dest.as_str())
                || self.lives.get(msg.dest.as_str()).is_some_and(|&now| now != life);
            if refused || lost || !self.registered.contains(msg.dest.as_str()) {
                self.journal.settled(delivery.id, Fate::Dropped(now_ns));
                continue;
            }
            self.journal.settled(delivery.id, Fate::Delivered(now_ns));
            self.stats.received(&msg.src, &msg.dest);
            if self.log_recv {
                eprintln!("net recv {}", delivery.to_line());
            }
            return Some(delivery);
        }
        None
    }

    /// Replaces the grudge (a partition starts).
    pub fn set_grudge(&mut self, grudge: BTreeMap<String, BTreeSet<String>>) {
        self.grudge = grudge;
    }

    /// Marks node `id` killed: it stays registered (Maelstrom does not unregister it), and
    /// everything that arrives for it is lost.
    pub fn node_down(&mut self, id: &str) {
        self.down.insert(id.to_owned());
    }

    /// Marks node `id` restarted: it receives again, and nothing sent to its earlier life is
    /// delivered.
    pub fn node_up(&mut self, id: &str) {
        self.down.remove(id);
        *self.lives.entry(id.to_owned()).or_insert(0) += 1;
    }

    /// Empties every grudge.
    pub fn heal(&mut self) {
        self.grudge.clear();
    }

    /// The journal's counts so far.
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Server messages sent in each second of the run.
    pub fn server_sends_per_s(&self) -> &[u64] {
        &self.server_sends_per_s
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::{json, Value};

    use super::latency::LatencyDist;
    use super::*;

    fn msg(src: &'static str, dest: &'static str, n: i64) -> Message {
        Message { src: src.into(), dest: dest.into(), body: Body::new("x").with("n", n) }
    }

    fn network(mean_ms: u64) -> Network {
        let mut net = Network::new(Latency { dist: LatencyDist::Constant, mean_ms });
        for id in ["n0", "n1", "c1"] {
            net.register(id);
        }
        net
    }

    #[test]
    fn client_messages_are_not_delayed_and_server_messages_are() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(100);
        net.send(0, msg("n0", "n1", 0), &mut rng).unwrap();
        net.send(0, msg("c1", "n0", 1), &mut rng).unwrap();
        assert_eq!(net.pop_due(0).map(|d| d.msg.src), Some("c1".into()));
        assert_eq!(net.pop_due(99_999_999), None);
        assert_eq!(net.pop_due(100_000_000).map(|d| d.msg.src), Some("n0".into()));
    }

    #[test]
    fn a_grudge_drops_messages_for_good_but_they_count_as_sent() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(0);
        net.set_grudge(BTreeMap::from([("n1".to_owned(), BTreeSet::from(["n0".to_owned()]))]));
        net.send(0, msg("n0", "n1", 0), &mut rng).unwrap();
        net.send(0, msg("n1", "n0", 0), &mut rng).unwrap();
        assert_eq!(net.pop_due(0).map(|d| d.msg.dest), Some("n0".into()));
        net.heal();
        assert_eq!(net.pop_due(10), None);
        assert_eq!(net.stats().servers.send_count, 2);
        assert_eq!(net.stats().servers.recv_count, 1);
    }

    #[test]
    fn sending_to_an_unregistered_id_is_refused() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(0);
        assert_eq!(net.send(0, msg("n0", "n9", 0), &mut rng), Err(NetError::Unregistered("n9".to_owned())));
    }

    #[test]
    fn equal_deadlines_deliver_in_send_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(5);
        for i in 0..10 {
            net.send(0, msg("n0", "n1", i), &mut rng).unwrap();
        }
        let got: Vec<Value> =
            std::iter::from_fn(|| net.pop_due(5_000_000)).map(|d| d.msg.body.fields["n"].clone()).collect();
        assert_eq!(got, (0..10).map(|i| json!(i)).collect::<Vec<_>>());
    }

    #[test]
    fn messages_to_a_killed_node_and_to_its_earlier_life_are_lost() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(10);
        net.send(0, msg("n0", "n1", 1), &mut rng).unwrap();
        net.node_down("n1");
        net.send(0, msg("n0", "n1", 2), &mut rng).unwrap();
        assert_eq!(net.pop_due(10_000_000), None, "delivered to a dead node");
        net.send(20_000_000, msg("n0", "n1", 3), &mut rng).unwrap();
        net.node_up("n1");
        net.send(20_000_000, msg("n0", "n1", 4), &mut rng).unwrap();
        let got: Vec<Value> =
            std::iter::from_fn(|| net.pop_due(40_000_000)).map(|d| d.msg.body.fields["n"].clone()).collect();
        assert_eq!(got, [json!(4)], "only what was sent to the new life arrives");
        assert_eq!((net.stats().servers.send_count, net.stats().servers.recv_count), (4, 1));
    }

    #[test]
    fn a_stdin_line_puts_maelstroms_id_before_the_message() {
        let d = Delivery { id: 7, msg: msg("c1", "n0", 3) };
        assert_eq!(d.to_line(), r#"{"id":7,"src":"c1","dest":"n0","body":{"type":"x","n":3}}"#);
    }
}
