//! A deterministic in-process network of [`Engine`]s, for tests and message-overhead benches.
//!
//! Build a [`Simulation`] from a [`SimConfig`] (node count, topology, seed, loss, duplication,
//! delay range, partitions) and a [`SyncConfig`], apply updates at nodes, run virtual time, and
//! read convergence and message counters off it. Everything random comes from one ChaCha8
//! stream seeded by `SimConfig::seed`, and the simulation is single threaded, so a seed replays
//! exactly.
//!
//! ```
//! use glomer_crdt::sim::{SimConfig, Simulation};
//! use glomer_crdt::{GSet, SyncConfig, Topology};
//!
//! let config = SimConfig { nodes: 5, topology: Topology::Ring, loss: 0.1, seed: 7, ..SimConfig::default() };
//! let mut sim: Simulation<GSet<u32>> = Simulation::new(config, SyncConfig::default());
//! sim.update(0, |set| set.insert(1));
//! sim.update(3, |set| set.insert(2));
//! assert!(sim.run_until_quiet(60_000));
//! assert!(sim.converged());
//! assert_eq!(sim.state(4).len(), 2);
//! ```

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::{postcard_len, Engine, Lattice, Outgoing, ReplicaId, SyncConfig, SyncMessage, SyncStats, Topology};

/// Messages in flight beyond which new ones are dropped (counted as `dropped`): far above what
/// a converging cluster of a few dozen nodes has in flight, it only bounds a runaway config.
pub const MAX_IN_FLIGHT_MESSAGES: usize = 1_000_000;

/// A network partition: while `start_ms <= now < end_ms` the nodes are cut into two random
/// halves (chosen from the seed) and every message across the cut is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// When the cut appears.
    pub start_ms: u64,
    /// When it heals.
    pub end_ms: u64,
}

/// The simulated cluster and network.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of replicas; node `i` is `ReplicaId(i)`.
    pub nodes: usize,
    /// Who gossips with whom.
    pub topology: Topology,
    /// Seeds the topology (for `random:K`) and every random choice of the network.
    pub seed: u64,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice (each copy with its own delay).
    pub duplicate: f64,
    /// Per-message delay, drawn uniformly from this inclusive range; a range wider than zero
    /// reorders messages.
    pub delay_ms_range: (u64, u64),
    /// Every engine ticks at this interval of virtual time.
    pub tick_interval_ms: u64,
    /// Partitions that start and heal.
    pub partitions: Vec<Partition>,
}

impl Default for SimConfig {
    /// Five fully connected nodes, no faults, Maelstrom's `--latency 100` mean delay, and a
    /// 10 ms tick (finer than the default 100 ms batch interval, so batching decides).
    fn default() -> Self {
        Self {
            nodes: 5,
            topology: Topology::Total,
            seed: 0,
            loss: 0.0,
            duplicate: 0.0,
            delay_ms_range: (50, 150),
            tick_interval_ms: 10,
            partitions: Vec::new(),
        }
    }
}

/// Totals over the cluster and the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// The engines' counters, summed.
    pub sync: SyncStats,
    /// Message copies delivered.
    pub delivered: u64,
    /// Messages lost (loss, partitions, bad destinations).
    pub dropped: u64,
    /// Extra copies made by duplication.
    pub duplicated: u64,
}

/// A message on the wire, keyed in `in_flight` by `(deliver_at_ms, send order)`.
#[derive(Debug)]
struct InFlight<L> {
    from: usize,
    to: usize,
    message: SyncMessage<L>,
}

/// N engines over a seeded faulty network with a virtual clock.
pub struct Simulation<L: Lattice> {
    config: SimConfig,
    engines: Vec<Engine<L>>,
    rng: ChaCha8Rng,
    now_ms: u64,
    next_tick_ms: u64,
    in_flight: BTreeMap<(u64, u64), InFlight<L>>,
    sent_count: u64,
    /// Per partition, which side each node is on.
    sides: Vec<Vec<bool>>,
    stats: SimStats,
}

impl<L: Lattice + Serialize> Simulation<L> {
    /// A cluster of `config.nodes` engines at bottom state, wired by `config.topology`.
    pub fn new(config: SimConfig, sync: SyncConfig) -> Self {
        let lists = config.topology.neighbours(config.nodes, config.seed);
        let engines = lists
            .iter()
            .enumerate()
            .map(|(i, list)| {
                let mut engine = Engine::new(replica(i), list.iter().map(|&j| replica(j)), sync.clone());
                // The overhead figures report bytes: measured as postcard would put them on a wire.
                engine.set_sizer(postcard_len::<L>);
                engine
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let sides = config.partitions.iter().map(|_| random_halves(config.nodes, &mut rng)).collect();
        Self {
            next_tick_ms: config.tick_interval_ms,
            config,
            engines,
            rng,
            now_ms: 0,
            in_flight: BTreeMap::new(),
            sent_count: 0,
            sides,
            stats: SimStats::default(),
        }
    }

    /// Applies a delta-mutator at `node` and returns the delta it produced.
    ///
    /// # Panics
    /// If `node` is not below the node count (a bug in the calling test or bench).
    pub fn update(&mut self, node: usize, f: impl FnOnce(&mut L) -> L) -> L {
        self.engines[node].mutate_with(|state| {
            let delta = f(state);
            (delta.clone(), delta)
        })
    }

    /// Rewires every engine to `topology` at run time (`Engine::set_neighbours`): new links
    /// start from the delta buffer or the full state.
    pub fn set_topology(&mut self, topology: Topology) {
        let lists = topology.neighbours(self.engines.len(), self.config.seed);
        for (engine, list) in self.engines.iter_mut().zip(lists) {
            engine.set_neighbours(list.into_iter().map(replica));
        }
        self.config.topology = topology;
    }

    /// Runs `ms` of virtual time.
    pub fn run_for(&mut self, ms: u64) {
        let until_ms = self.now_ms + ms;
        self.run_until(until_ms);
    }

    /// Runs until no message is in flight, every engine is idle and every partition has healed,
    /// or until `max_ms` of virtual time passed; returns whether it became quiet.
    pub fn run_until_quiet(&mut self, max_ms: u64) -> bool {
        let deadline_ms = self.now_ms + max_ms;
        let healed_ms = self.config.partitions.iter().map(|p| p.end_ms).max().unwrap_or(0);
        while self.now_ms < deadline_ms {
            let next_tick_ms = self.next_tick_ms;
            self.run_until(next_tick_ms.min(deadline_ms));
            let quiet = self.in_flight.is_empty() && self.engines.iter().all(Engine::is_idle);
            if quiet && self.now_ms >= healed_ms {
                return true;
            }
        }
        false
    }

    /// Whether every replica holds the same state.
    pub fn converged(&self) -> bool {
        self.engines.windows(2).all(|pair| pair[0].state() == pair[1].state())
    }

    /// The state at `node` (panics if `node` is out of range, like [`Simulation::update`]).
    pub fn state(&self, node: usize) -> &L {
        self.engines[node].state()
    }

    /// The engine at `node`.
    pub fn engine(&self, node: usize) -> &Engine<L> {
        &self.engines[node]
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.engines.len()
    }

    /// Current virtual time.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Message and byte totals of every engine plus what the network did.
    pub fn stats(&self) -> SimStats {
        let mut stats = self.stats.clone();
        for engine in &self.engines {
            stats.sync.add(engine.stats());
        }
        stats
    }

    /// Processes every delivery and tick due up to `until_ms`, in time order (deliveries
    /// before a tick at the same instant), then sets the clock to `until_ms`.
    fn run_until(&mut self, until_ms: u64) {
        loop {
            let next_delivery_ms = self.in_flight.first_key_value().map(|((at_ms, _), _)| *at_ms);
            let next_ms = next_delivery_ms.map_or(self.next_tick_ms, |at_ms| at_ms.min(self.next_tick_ms));
            if next_ms > until_ms {
                break;
            }
            self.now_ms = next_ms;
            if next_delivery_ms == Some(next_ms) {
                self.deliver_next();
            } else {
                self.tick_all();
            }
        }
        self.now_ms = until_ms;
    }

    fn tick_all(&mut self) {
        for node in 0..self.engines.len() {
            let outgoing = self.engines[node].tick(self.now_ms);
            self.send_all(node, outgoing);
        }
        self.next_tick_ms = self.now_ms + self.config.tick_interval_ms.max(1);
    }

    fn deliver_next(&mut self) {
        let Some((_, InFlight { from, to, message })) = self.in_flight.pop_first() else { return };
        self.stats.delivered += 1;
        let outgoing = self.engines[to].receive(replica(from), message, self.now_ms);
        self.send_all(to, outgoing);
    }

    /// Puts messages on the faulty network: loss, partitions, duplication, random delay.
    fn send_all(&mut self, from: usize, outgoing: Vec<Outgoing<L>>) {
        for Outgoing { to, message } in outgoing {
            let to = to.0 as usize;
            let lost = self.rng.gen_bool(self.config.loss.clamp(0.0, 1.0));
            if to >= self.engines.len() || lost || self.partitioned(from, to) {
                self.stats.dropped += 1;
                continue;
            }
            let copies = if self.rng.gen_bool(self.config.duplicate.clamp(0.0, 1.0)) { 2 } else { 1 };
            self.stats.duplicated += copies - 1;
            for _ in 0..copies {
                if self.in_flight.len() >= MAX_IN_FLIGHT_MESSAGES {
                    self.stats.dropped += 1;
                    continue;
                }
                let (low_ms, high_ms) = self.config.delay_ms_range;
                let delay_ms = self.rng.gen_range(low_ms..=high_ms.max(low_ms));
                self.sent_count += 1;
                let key = (self.now_ms + delay_ms, self.sent_count);
                self.in_flight.insert(key, InFlight { from, to, message: message.clone() });
            }
        }
    }

    fn partitioned(&self, a: usize, b: usize) -> bool {
        self.config.partitions.iter().zip(&self.sides).any(|(partition, sides)| {
            (partition.start_ms..partition.end_ms).contains(&self.now_ms) && sides.get(a) != sides.get(b)
        })
    }
}

fn replica(index: usize) -> ReplicaId {
    ReplicaId(index as u32)
}

/// A random cut of `n` nodes into two halves (sizes differ by at most one).
fn random_halves(n: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let mut sides = vec![false; n];
    for &node in order.iter().take(n / 2) {
        sides[node] = true;
    }
    sides
}
