//! The simulated network (spec 6): registered ids, per-message latency, delivery in deadline
//! order, partitions as grudges, and the journal's statistics.

pub mod journal;
pub mod latency;
pub mod stats;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashSet};

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use self::journal::{Fate, Journal};
use self::latency::Latency;
use self::stats::{is_client, NetStats};

/// One message in flight, as Maelstrom writes it to a node's stdin.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Maelstrom's sequence number for the message.
    pub id: u64,
    /// Sender id.
    pub src: String,
    /// Recipient id.
    pub dest: String,
    /// The body, any JSON.
    pub body: Value,
}

impl Envelope {
    /// The stdin line for this message (without the newline).
    pub fn to_line(&self) -> String {
        json!({"id": self.id, "src": self.src, "dest": self.dest, "body": self.body}).to_string()
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
    msg: Envelope,
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
        (self.deadline_ns, self.msg.id).cmp(&(other.deadline_ns, other.msg.id))
    }
}

/// The network shared by nodes, clients and services.
#[derive(Debug)]
pub struct Network {
    registered: HashSet<String>,
    queue: BinaryHeap<Reverse<Queued>>,
    latency: Latency,
    /// Recipient → senders it refuses (spec 6.3).
    grudge: BTreeMap<String, BTreeSet<String>>,
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
    /// Client traffic is never delayed (spec 6.1).
    pub fn send(
        &mut self,
        now_ns: u64,
        src: &str,
        dest: &str,
        body: Value,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), NetError> {
        for id in [src, dest] {
            if !self.registered.contains(id) {
                return Err(NetError::Unregistered(id.to_owned()));
            }
        }
        let delay_ms = if is_client(src) || is_client(dest) { 0 } else { self.latency.draw_ms(rng) };
        self.stats.sent(src, dest);
        if !is_client(src) && !is_client(dest) {
            let second = (now_ns / 1_000_000_000) as usize;
            if self.server_sends_per_s.len() <= second {
                self.server_sends_per_s.resize(second + 1, 0);
            }
            self.server_sends_per_s[second] += 1;
        }
        self.journal.sent(now_ns, self.next_id, src, dest, &body);
        let msg = Envelope { id: self.next_id, src: src.to_owned(), dest: dest.to_owned(), body };
        self.next_id += 1;
        if self.log_send {
            eprintln!("net send {}", msg.to_line());
        }
        self.queue.push(Reverse(Queued { deadline_ns: now_ns + delay_ms * 1_000_000, msg }));
        Ok(())
    }

    /// The earliest delivery deadline, if anything is in flight.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(q)| q.deadline_ns)
    }

    /// The next message due at `now_ns`, skipping (and losing for good) messages a grudge
    /// refuses and messages to ids closed meanwhile.
    pub fn pop_due(&mut self, now_ns: u64) -> Option<Envelope> {
        while self.queue.peek().is_some_and(|Reverse(q)| q.deadline_ns <= now_ns) {
            let Reverse(Queued { msg, .. }) = self.queue.pop()?;
            let refused = self.grudge.get(&msg.dest).is_some_and(|senders| senders.contains(&msg.src));
            if refused || !self.registered.contains(&msg.dest) {
                self.journal.settled(msg.id, Fate::Dropped(now_ns));
                continue;
            }
            self.journal.settled(msg.id, Fate::Delivered(now_ns));
            self.stats.received(&msg.src, &msg.dest);
            if self.log_recv {
                eprintln!("net recv {}", msg.to_line());
            }
            return Some(msg);
        }
        None
    }

    /// Replaces the grudge (a partition starts).
    pub fn set_grudge(&mut self, grudge: BTreeMap<String, BTreeSet<String>>) {
        self.grudge = grudge;
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

    use super::latency::LatencyDist;
    use super::*;

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
        net.send(0, "n0", "n1", json!({"type": "x"}), &mut rng).unwrap();
        net.send(0, "c1", "n0", json!({"type": "y"}), &mut rng).unwrap();
        assert_eq!(net.pop_due(0).map(|m| m.src), Some("c1".to_owned()));
        assert_eq!(net.pop_due(99_999_999), None);
        assert_eq!(net.pop_due(100_000_000).map(|m| m.src), Some("n0".to_owned()));
    }

    #[test]
    fn a_grudge_drops_messages_for_good_but_they_count_as_sent() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(0);
        net.set_grudge(BTreeMap::from([("n1".to_owned(), BTreeSet::from(["n0".to_owned()]))]));
        net.send(0, "n0", "n1", json!({}), &mut rng).unwrap();
        net.send(0, "n1", "n0", json!({}), &mut rng).unwrap();
        assert_eq!(net.pop_due(0).map(|m| m.dest), Some("n0".to_owned()));
        net.heal();
        assert_eq!(net.pop_due(10), None);
        assert_eq!(net.stats().servers.send_count, 2);
        assert_eq!(net.stats().servers.recv_count, 1);
    }

    #[test]
    fn sending_to_an_unregistered_id_is_refused() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(0);
        assert_eq!(net.send(0, "n0", "n9", json!({}), &mut rng), Err(NetError::Unregistered("n9".to_owned())));
    }

    #[test]
    fn equal_deadlines_deliver_in_send_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut net = network(5);
        for i in 0..10 {
            net.send(0, "n0", "n1", json!(i), &mut rng).unwrap();
        }
        let got: Vec<Value> = std::iter::from_fn(|| net.pop_due(5_000_000)).map(|m| m.body).collect();
        assert_eq!(got, (0..10).map(|i| json!(i)).collect::<Vec<_>>());
    }
}
