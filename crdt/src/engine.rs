//! The sans-IO delta anti-entropy engine.
//!
//! Delta-interval anti-entropy with per-neighbour acknowledgements (Almeida, Shoker and
//! Baquero, "Delta State Replicated Data Types", JPDC 2018, Algorithm 2), with the two
//! optimisations of Enes et al., "Efficient Synchronization of State-based CRDTs" (ICDE 2019,
//! section 4): *remove redundancy* (buffer only Δ(d, state) of a received delta `d`) and *no
//! back-propagation* (never send a delta-group back to the neighbour it came from).

use std::collections::{BTreeMap, VecDeque};

use crate::message::{Outgoing, SyncMessage};
use crate::{Lattice, ReplicaId};

/// Default [`SyncConfig::batch_interval_ms`]: Maelstrom's broadcast challenges 3d/3e run with
/// `--latency 100` (<https://fly.io/dist-sys/3d/>); batching over one network latency keeps the median
/// stable latency near 2 × 100 ms (< 400 ms target) while one message per neighbour per
/// interval carries every update of that interval (msgs-per-op < 30, then < 20).
pub const DEFAULT_BATCH_INTERVAL_MS: u64 = 100;

/// Default [`SyncConfig::retransmit_after_ms`]: an ack normally returns after the data's
/// latency (100 ms), the receiver's ack delay (100 ms) and the ack's latency (100 ms); 500 ms
/// leaves a margin of almost one more round trip before a resend, so resends are rare on a
/// healthy network and a lost message costs at most half a second.
pub const DEFAULT_RETRANSMIT_AFTER_MS: u64 = 500;

/// Default [`SyncConfig::ack_delay_ms`]: one batch interval, so an ack waits at most until the
/// next data message that could carry it before it costs a message of its own.
pub const DEFAULT_ACK_DELAY_MS: u64 = DEFAULT_BATCH_INTERVAL_MS;

/// Default [`SyncConfig::max_buffered_groups`]: local mutations between two sends coalesce into
/// one group, so the buffer grows by about one group per interval per active source; 4096
/// groups are minutes of history at 100 ms intervals, enough to ride out a Maelstrom partition
/// (a few seconds) on deltas, while bounding memory when a neighbour is gone for good.
pub const DEFAULT_MAX_BUFFERED_GROUPS: usize = 4096;

/// What travels: deltas (the default) or whole states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// Delta-interval anti-entropy: send the join of the groups a neighbour has not acked.
    #[default]
    Delta,
    /// Classic state-based gossip: whenever a neighbour lacks something, send the whole state.
    /// Same acks and timers as `Delta`; kept as the baseline for the comparison benches.
    FullState,
}

/// Tunables of the [`Engine`]; see docs/crdt.md for when to change them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// At most one data message per neighbour per interval; 0 sends at every tick.
    pub batch_interval_ms: u64,
    /// Resend from a neighbour's acked point when it has not acked anything this long after a send.
    pub retransmit_after_ms: u64,
    /// Acks ride on data messages; a standalone ack goes out only after `ack_delay_ms` without
    /// a data message to carry it. When false every data message is acked at once.
    pub piggyback_acks: bool,
    /// How long a pending ack waits for a data message to ride on.
    pub ack_delay_ms: u64,
    /// Bound on the delta buffer (at least 1); past it the oldest groups are dropped and
    /// neighbours that had not acked them get the full state.
    pub max_buffered_groups: usize,
    /// Buffer only the part of a received delta that is new (Enes et al. 2019, §4.1).
    pub remove_redundancy: bool,
    /// Never send a group back to the neighbour it came from (Enes et al. 2019, §4.1).
    pub no_back_propagation: bool,
    /// Pass received deltas on to the other neighbours. Needed unless the neighbour graph is
    /// complete: there every replica sends its own deltas to everyone, and relaying would only
    /// multiply each delta by the number of neighbours.
    pub relay: bool,
    /// Deltas or whole states.
    pub mode: SyncMode,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            batch_interval_ms: DEFAULT_BATCH_INTERVAL_MS,
            retransmit_after_ms: DEFAULT_RETRANSMIT_AFTER_MS,
            piggyback_acks: true,
            ack_delay_ms: DEFAULT_ACK_DELAY_MS,
            max_buffered_groups: DEFAULT_MAX_BUFFERED_GROUPS,
            remove_redundancy: true,
            no_back_propagation: true,
            relay: true,
            mode: SyncMode::Delta,
        }
    }
}

/// Counters of what an engine did; benches and docs read overhead off them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Messages returned by `tick` and `receive` (data and standalone acks).
    pub messages_sent: u64,
    /// Their total size as measured by the sizer given to [`Engine::set_sizer`]; 0 without
    /// one, so a node that never reads the figure never pays for it.
    pub bytes_sent: u64,
    /// Data messages sent (deltas and full states).
    pub data_messages: u64,
    /// Data messages that carried the whole state.
    pub full_states: u64,
    /// Standalone ack messages sent.
    pub acks_sent: u64,
    /// Data messages that resent groups after `retransmit_after_ms` without an ack.
    pub retransmissions: u64,
    /// Data messages received.
    pub data_received: u64,
    /// Data messages received that added nothing to the state.
    pub redundant_received: u64,
    /// Delta-groups created (coalesced mutations count once).
    pub groups_buffered: u64,
    /// Groups dropped by the `max_buffered_groups` bound before every neighbour acked them.
    pub groups_evicted: u64,
}

impl SyncStats {
    /// Adds every counter of `other` to `self` (totals over a cluster).
    pub fn add(&mut self, other: &SyncStats) {
        self.messages_sent += other.messages_sent;
        self.bytes_sent += other.bytes_sent;
        self.data_messages += other.data_messages;
        self.full_states += other.full_states;
        self.acks_sent += other.acks_sent;
        self.retransmissions += other.retransmissions;
        self.data_received += other.data_received;
        self.redundant_received += other.redundant_received;
        self.groups_buffered += other.groups_buffered;
        self.groups_evicted += other.groups_evicted;
    }
}

/// A delta-group: the join of deltas buffered under one local sequence number.
#[derive(Debug, Clone)]
struct Group<L> {
    seq: u64,
    delta: L,
    /// The neighbour it was received from (`None`: a local mutation), for no back-propagation.
    origin: Option<ReplicaId>,
}

/// What this engine knows about sending to one neighbour. Invariants:
/// `confirmed <= chain <= sent <= latest`, `acked <= latest`, and every group in
/// `(confirmed, acked]` is held by the neighbour (it acked it or the group came from it).
#[derive(Debug, Clone, Default)]
struct Peer {
    /// The neighbour holds every group up to here (acked, or skipped because it was its own).
    acked: u64,
    /// The highest seq the neighbour acknowledged: its contiguous point is at least this.
    confirmed: u64,
    /// The highest seq covered by what was sent (or skipped as the neighbour's own).
    sent: u64,
    /// `to_seq` of the last data message sent: the next new delta starts from here.
    chain: u64,
    last_data_ms: Option<u64>,
    /// Since when sent groups wait for an ack without progress (`None`: nothing outstanding).
    outstanding_since_ms: Option<u64>,
}

/// What this engine knows about one sender's groups (a neighbour or not).
#[derive(Debug, Clone, Default)]
struct Inbound {
    /// Every group of the sender up to here is held: the value acknowledged.
    reached: u64,
    /// An ack is owed since this time.
    ack_pending_since_ms: Option<u64>,
}

/// A replica's CRDT state plus the delta anti-entropy protocol that keeps it in sync with its
/// neighbours. Sans-IO: the caller passes time in and delivers what `tick`/`receive` return.
pub struct Engine<L: Lattice> {
    me: ReplicaId,
    config: SyncConfig,
    state: L,
    /// Groups in increasing, contiguous `seq` order; bounded by `config.max_buffered_groups`.
    buffer: VecDeque<Group<L>>,
    next_seq: u64,
    neighbours: Vec<ReplicaId>,
    peers: BTreeMap<ReplicaId, Peer>,
    /// One entry per replica that ever sent data: bounded by the cluster size.
    inbound: BTreeMap<ReplicaId, Inbound>,
    stats: SyncStats,
    /// Measures each sent message for `stats.bytes_sent`; `None`: bytes are not counted.
    sizer: Option<Sizer<L>>,
}

/// Measures a message for [`SyncStats::bytes_sent`], e.g. [`crate::postcard_len`].
pub type Sizer<L> = fn(&SyncMessage<&L>) -> usize;

/// What one neighbour is sent at a tick: planned first, then lent out, so one join serves
/// every neighbour that needs the same interval.
#[derive(Debug, Clone, Copy)]
struct Planned {
    to: ReplicaId,
    payload: Payload,
    from_seq: u64,
    to_seq: u64,
    ack: Option<u64>,
    full: bool,
}

/// Where a planned message's delta lives while the tick lends it out.
#[derive(Debug, Clone, Copy)]
enum Payload {
    /// The whole state.
    State,
    /// One buffered group as it is (no copy), by its index in the buffer.
    Group(usize),
    /// A join made for this neighbour, by its index in [`TickJoins::joins`].
    Joined(usize),
    /// `prefix[i]` of the [`Sides`] at the given index: the first `i` groups after its start.
    Prefix(usize, usize),
    /// `suffix[j]` of the [`Sides`] at the given index: the groups after its start from `j` on.
    Suffix(usize, usize),
}

/// Groups after one start at most for which a tick builds [`Sides`]: a hub's interval holds
/// about one group per neighbour (a few dozen in Maelstrom's tests), while the prefix and
/// suffix joins cost memory quadratic in the group count, which a neighbour that fell far
/// behind (thousands of groups) must not pay.
const SIDES_GROUPS_MAX: usize = 64;

/// Joins made during one tick and shared by every neighbour that needs them.
struct TickJoins<L> {
    joins: Vec<L>,
    sides: Vec<Sides<L>>,
}

/// The prefix and suffix joins of the `k` groups after `start`: a neighbour whose own groups
/// form one run `[i, j)` among them needs `prefix[i] ⊔ suffix[j]`, so one pass over the groups
/// serves every neighbour of a hub instead of one pass per neighbour.
struct Sides<L> {
    start: u64,
    /// `prefix[i]`: the join of groups `0..i` (`k + 1` entries).
    prefix: Vec<L>,
    /// `suffix[j]`: the join of groups `j..k` (`k + 1` entries).
    suffix: Vec<L>,
}

impl<L: Lattice + std::fmt::Debug> std::fmt::Debug for Engine<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("me", &self.me)
            .field("state", &self.state)
            .field("buffered_groups", &self.buffer.len())
            .field("next_seq", &self.next_seq)
            .field("neighbours", &self.neighbours)
            .finish_non_exhaustive()
    }
}

impl<L: Lattice> Engine<L> {
    /// An engine at bottom state, syncing with `neighbours` (`me` is ignored if listed).
    pub fn new(me: ReplicaId, neighbours: impl IntoIterator<Item = ReplicaId>, config: SyncConfig) -> Self {
        let mut engine = Self {
            me,
            config,
            state: L::default(),
            buffer: VecDeque::new(),
            next_seq: 1,
            neighbours: Vec::new(),
            peers: BTreeMap::new(),
            inbound: BTreeMap::new(),
            stats: SyncStats::default(),
            sizer: None,
        };
        engine.config.max_buffered_groups = engine.config.max_buffered_groups.max(1);
        engine.set_neighbours(neighbours);
        engine
    }

    /// An engine starting from `state`, which is buffered as its first group so neighbours get it.
    pub fn with_state(
        me: ReplicaId,
        neighbours: impl IntoIterator<Item = ReplicaId>,
        state: L,
        config: SyncConfig,
    ) -> Self {
        let mut engine = Self::new(me, neighbours, config);
        engine.mutate(|current| {
            *current = state.clone();
            state
        });
        engine
    }

    /// This replica's id.
    pub fn id(&self) -> ReplicaId {
        self.me
    }

    /// The current CRDT state.
    pub fn state(&self) -> &L {
        &self.state
    }

    /// The configuration in force.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Runs a delta-mutator: `f` changes the state in place and returns its delta, which is
    /// buffered for the neighbours.
    pub fn mutate(&mut self, f: impl FnOnce(&mut L) -> L) {
        self.mutate_with(|state| (f(state), ()));
    }

    /// Like [`Engine::mutate`] for a mutator that also returns a result, e.g. an offset.
    pub fn mutate_with<R>(&mut self, f: impl FnOnce(&mut L) -> (L, R)) -> R {
        let (delta, result) = f(&mut self.state);
        debug_assert!(delta.leq(&self.state), "a delta-mutator's delta must be part of the state it produced");
        if !delta.is_bottom() {
            self.buffer_group(delta, None);
        }
        result
    }

    /// Periodic work at time `now_ms`: data messages to the neighbours that lack something
    /// (subject to the batch interval), retransmissions, and delayed standalone acks. Owned
    /// copies of [`Engine::tick_each`]'s messages, for callers that keep them (tests, the sim).
    pub fn tick(&mut self, now_ms: u64) -> Vec<Outgoing<L>> {
        let mut out = Vec::new();
        self.tick_each(now_ms, |to, message| out.push(Outgoing { to, message: message.map(L::clone) }));
        out
    }

    /// Like [`Engine::tick`], lending each message to `send` instead of copying it: a payload
    /// is one buffered group, the state, or a join shared by every neighbour that needs the
    /// same groups, so a caller that encodes each message at once copies no delta at all.
    pub fn tick_each(&mut self, now_ms: u64, mut send: impl FnMut(ReplicaId, SyncMessage<&L>)) {
        let mut joins = TickJoins { joins: Vec::new(), sides: Vec::new() };
        let mut planned = Vec::new();
        for index in 0..self.neighbours.len() {
            let to = self.neighbours[index];
            if let Some(plan) = self.plan_data(to, now_ms, &mut joins) {
                planned.push(plan);
            }
        }
        for plan in planned {
            let delta = match plan.payload {
                Payload::State => &self.state,
                Payload::Group(index) => &self.buffer[index].delta,
                Payload::Joined(index) => &joins.joins[index],
                Payload::Prefix(sides, i) => &joins.sides[sides].prefix[i],
                Payload::Suffix(sides, j) => &joins.sides[sides].suffix[j],
            };
            let Planned { to, from_seq, to_seq, ack, full, .. } = plan;
            let message = SyncMessage::Delta { from_seq, to_seq, delta, ack, full };
            count_sent(&mut self.stats, self.sizer, &message);
            send(to, message);
        }
        self.free_acked();
        self.flush_acks(now_ms, &mut send);
        self.check_invariants();
    }

    /// Handles a message from `from`: joins what is new, records acks, and returns what must go
    /// out at once (an immediate ack when acks do not piggyback).
    pub fn receive(&mut self, from: ReplicaId, message: SyncMessage<L>, now_ms: u64) -> Vec<Outgoing<L>> {
        let mut out = Vec::new();
        match message {
            SyncMessage::Ack { seq } => self.on_ack(from, seq, now_ms),
            SyncMessage::Delta { from_seq, to_seq, delta, ack, full } => {
                if let Some(seq) = ack {
                    self.on_ack(from, seq, now_ms);
                }
                self.stats.data_received += 1;
                self.absorb(from, delta);
                let inbound = self.inbound.entry(from).or_default();
                // Only a message that starts where this replica's contiguous knowledge of the
                // sender ends (or a full state) extends it; an out-of-order one is joined all
                // the same, it just is not acknowledged beyond what is held.
                if full || from_seq <= inbound.reached {
                    inbound.reached = inbound.reached.max(to_seq);
                }
                if inbound.reached > 0 {
                    if self.config.piggyback_acks {
                        inbound.ack_pending_since_ms.get_or_insert(now_ms);
                    } else {
                        let seq = inbound.reached;
                        count_sent(&mut self.stats, self.sizer, &SyncMessage::Ack { seq });
                        out.push(Outgoing { to: from, message: SyncMessage::Ack { seq } });
                    }
                }
            }
        }
        self.free_acked();
        self.check_invariants();
        out
    }

    /// Replaces the tunables at run time, e.g. when a new neighbour set calls for another batch
    /// interval. State, buffer, acknowledgements and timers are kept; a smaller buffer bound
    /// evicts the oldest groups at once.
    pub fn set_config(&mut self, config: SyncConfig) {
        self.config = config;
        self.config.max_buffered_groups = self.config.max_buffered_groups.max(1);
        self.evict_beyond_bound();
        self.check_invariants();
    }

    /// Replaces the neighbour set at run time. Kept neighbours keep their progress; a new one
    /// starts from nothing acked, so it gets the buffer's groups or, when the buffer no longer
    /// reaches back to the first group, the full state.
    pub fn set_neighbours(&mut self, neighbours: impl IntoIterator<Item = ReplicaId>) {
        let mut list: Vec<ReplicaId> = neighbours.into_iter().filter(|id| *id != self.me).collect();
        list.sort_unstable();
        list.dedup();
        self.peers.retain(|id, _| list.binary_search(id).is_ok());
        for id in &list {
            self.peers.entry(*id).or_default();
        }
        for id in &list {
            self.settle(*id);
        }
        self.neighbours = list;
    }

    /// Starts over with `peer`, a replica that restarted under the same id from what it had
    /// made durable. It holds only that, so, as a new neighbour, it gets the buffered groups
    /// or the full state. And it numbers its groups from 1 again, so how far this replica held
    /// the groups of its previous run says nothing about the new ones: kept, it would be
    /// acknowledged back and cover a new group that never arrived. The host calls this when
    /// it learns of the restart, before handing on the restarted replica's first message.
    pub fn peer_restarted(&mut self, peer: ReplicaId) {
        self.inbound.remove(&peer);
        if let Some(progress) = self.peers.get_mut(&peer) {
            *progress = Peer::default();
            self.settle(peer);
        }
        self.check_invariants();
    }

    /// The current neighbours, sorted.
    pub fn neighbours(&self) -> &[ReplicaId] {
        &self.neighbours
    }

    /// Counters of messages and bytes sent and received.
    pub fn stats(&self) -> &SyncStats {
        &self.stats
    }

    /// Counts `bytes_sent` from now on, measuring each message with `sizer` (off by default:
    /// measuring costs an encoding per message, which only benches and the sim read).
    pub fn set_sizer(&mut self, sizer: Sizer<L>) {
        self.sizer = Some(sizer);
    }

    /// The newest delta-group number (0 before the first group); acks count up to it.
    pub fn latest_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// The highest group number `neighbour` is known to hold, or `None` if it is not a neighbour.
    pub fn acked_by(&self, neighbour: ReplicaId) -> Option<u64> {
        self.peers.get(&neighbour).map(|peer| peer.acked)
    }

    /// Number of delta-groups buffered (not yet acked by every neighbour).
    pub fn buffered_groups(&self) -> usize {
        self.buffer.len()
    }

    /// The time at which [`Engine::tick`] has something to send: a data message whose batch
    /// interval has passed, a retransmission, or a delayed standalone ack. Exact: a neighbour's
    /// own groups are settled as soon as they are buffered or acked, so a tick at the deadline
    /// sends, and one tick per deadline suffices. `None` when nothing is pending, so a caller
    /// can sleep until the next mutation or message instead of polling. Ticking earlier is
    /// harmless (it sends nothing that is not due); a deadline in the past means "tick now".
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let latest = self.latest_seq();
        let data = self.peers.values().filter(|peer| peer.acked < latest).filter_map(|peer| {
            let batch_ready_ms = peer.last_data_ms.map_or(0, |last| last.saturating_add(self.config.batch_interval_ms));
            if peer.sent.max(peer.acked) < latest {
                Some(batch_ready_ms)
            } else {
                let retransmit_ms = peer.outstanding_since_ms?.saturating_add(self.config.retransmit_after_ms);
                Some(retransmit_ms.max(batch_ready_ms))
            }
        });
        let acks = self.inbound.values().filter_map(|inbound| {
            inbound.ack_pending_since_ms.map(|since| since.saturating_add(self.config.ack_delay_ms))
        });
        data.chain(acks).min()
    }

    /// Whether the engine has nothing left to send unless something new happens: every
    /// neighbour acked every group and no ack is owed.
    pub fn is_idle(&self) -> bool {
        let latest = self.next_seq - 1;
        self.peers.values().all(|peer| peer.acked >= latest)
            && self.inbound.values().all(|inbound| inbound.ack_pending_since_ms.is_none())
    }
}

impl<L: Lattice> Engine<L> {
    /// Buffers `delta`. Deltas from the same origin coalesce into the newest group while no
    /// neighbour has been sent it yet: that is the "delta-interval" of Algorithm 2 and keeps the
    /// buffer growing per send, not per mutation. The origin itself does not count as sent:
    /// it holds every delta of its own, however they are grouped.
    fn buffer_group(&mut self, delta: L, origin: Option<ReplicaId>) {
        let skips_origin = self.config.no_back_propagation;
        let highest_sent = self
            .peers
            .iter()
            .filter(|(id, _)| !(skips_origin && origin == Some(**id)))
            .map(|(_, peer)| peer.sent.max(peer.acked))
            .max()
            .unwrap_or(0);
        match self.buffer.back_mut() {
            Some(last) if last.origin == origin && last.seq > highest_sent => last.delta.join(&delta),
            _ => {
                self.buffer.push_back(Group { seq: self.next_seq, delta, origin });
                self.next_seq += 1;
                self.stats.groups_buffered += 1;
            }
        }
        self.evict_beyond_bound();
        if let Some(from) = origin {
            self.settle(from);
        }
    }

    /// Drops the oldest groups beyond `max_buffered_groups`; neighbours that lacked them will
    /// get the full state.
    fn evict_beyond_bound(&mut self) {
        while self.buffer.len() > self.config.max_buffered_groups {
            self.buffer.pop_front();
            self.stats.groups_evicted += 1;
        }
    }

    /// Joins a received delta; buffers only what it adds when removing redundancy, the whole
    /// delta (if it adds anything) otherwise, as in Almeida et al. Algorithm 2. The delta is
    /// owned, so the part that is buffered moves there: the state's join is the one copy.
    fn absorb(&mut self, from: ReplicaId, delta: L) {
        let new = if self.config.remove_redundancy {
            delta.difference(&self.state)
        } else if delta.adds_to(&self.state) {
            delta
        } else {
            L::default()
        };
        if new.is_bottom() {
            self.stats.redundant_received += 1;
            return;
        }
        self.state.join(&new);
        if self.config.relay {
            self.buffer_group(new, Some(from));
        }
    }

    /// The seq of the oldest buffered group (`next_seq` when the buffer is empty).
    fn oldest_seq(&self) -> u64 {
        self.buffer.front().map_or(self.next_seq, |group| group.seq)
    }

    /// Whether every group after `start` is still buffered and is `to`'s own, so `to` holds
    /// them all without a message (only under no back-propagation, else they are sent back).
    fn only_own_after(&self, start: u64, to: ReplicaId) -> bool {
        if !self.config.no_back_propagation || start + 1 < self.oldest_seq() {
            return false;
        }
        let first = self.buffer.partition_point(|group| group.seq <= start);
        self.buffer.range(first..).all(|group| group.origin == Some(to))
    }

    /// Advances what `to` is known to hold past groups that are all its own. Run whenever such
    /// a group is buffered or `to` acks, this keeps every pending range holding something to
    /// send, which is what makes [`Engine::next_deadline_ms`] exact.
    fn settle(&mut self, to: ReplicaId) {
        let latest = self.latest_seq();
        let Some(peer) = self.peers.get(&to) else { return };
        let (acked, next) = (peer.acked, peer.sent.max(peer.acked));
        let holds_all = acked < latest && self.only_own_after(acked, to);
        let nothing_new = !holds_all && next < latest && self.only_own_after(next, to);
        let Some(peer) = self.peers.get_mut(&to) else { return };
        if holds_all {
            peer.acked = latest;
            peer.outstanding_since_ms = None;
        }
        if holds_all || nothing_new {
            peer.sent = latest;
        }
    }

    /// Decides the data message for neighbour `to` at this tick, if it lacks anything and its
    /// batch interval has passed, and moves its progress on as if it were sent.
    fn plan_data(&mut self, to: ReplicaId, now_ms: u64, joins: &mut TickJoins<L>) -> Option<Planned> {
        let latest = self.latest_seq();
        let peer = self.peers.get(&to)?.clone();
        let batch_due = match peer.last_data_ms {
            Some(last_ms) => now_ms >= last_ms.saturating_add(self.config.batch_interval_ms),
            None => true,
        };
        if peer.acked >= latest || !batch_due {
            return None;
        }
        let retransmit = peer.sent > peer.acked
            && peer
                .outstanding_since_ms
                .is_some_and(|since| now_ms >= since.saturating_add(self.config.retransmit_after_ms));
        let start = if retransmit { peer.acked } else { peer.sent.max(peer.acked) };
        if start >= latest {
            return None;
        }
        if self.only_own_after(start, to) {
            // Settled when buffered; kept so a tick never sends an empty delta.
            self.settle(to);
            return None;
        }
        // The buffer no longer holds every group after `start`: only the state covers them.
        let evicted = start + 1 < self.oldest_seq();
        let full = evicted || self.config.mode == SyncMode::FullState;
        let payload = if full { Payload::State } else { self.join_for(start, to, joins) };
        let from_seq = match (full, retransmit) {
            (true, _) => 0,
            (false, true) => peer.confirmed,
            (false, false) => peer.chain,
        };
        let ack = self.take_ack(to);
        let peer = self.peers.get_mut(&to)?;
        peer.sent = latest;
        peer.chain = latest;
        peer.last_data_ms = Some(now_ms);
        if retransmit || peer.outstanding_since_ms.is_none() {
            peer.outstanding_since_ms = Some(now_ms);
        }
        self.stats.retransmissions += u64::from(retransmit);
        self.stats.full_states += u64::from(full);
        Some(Planned { to, payload, from_seq, to_seq: latest, ack, full })
    }

    /// The join of the groups after `start` that `to` needs (all but its own when not
    /// back-propagating): one group is lent as it is; otherwise the tick's [`Sides`] of `start`
    /// serve every neighbour whose own groups are one run, and only a neighbour with several
    /// runs of its own gets a join of its own.
    fn join_for(&self, start: u64, to: ReplicaId, tick: &mut TickJoins<L>) -> Payload {
        let first = self.buffer.partition_point(|group| group.seq <= start);
        let groups = self.buffer.range(first..);
        let count = groups.len();
        let own: Vec<usize> = groups
            .enumerate()
            .filter(|(_, group)| self.config.no_back_propagation && group.origin == Some(to))
            .map(|(at, _)| at)
            .collect();
        if count - own.len() == 1 {
            let only = (0..count).find(|at| !own.contains(at)).unwrap_or_default();
            return Payload::Group(first + only);
        }
        let run = match (own.first(), own.last()) {
            (Some(&i), Some(&last)) if last + 1 - i == own.len() => Some((i, last + 1)),
            (None, None) => Some((count, count)),
            _ => None,
        };
        let Some((i, j)) = run.filter(|_| count <= SIDES_GROUPS_MAX) else {
            let needed = self.buffer.range(first..).enumerate().filter(|(at, _)| !own.contains(at));
            let mut needed = needed.map(|(_, group)| &group.delta);
            let mut delta = needed.next().cloned().unwrap_or_default();
            needed.for_each(|group| delta.join(group));
            tick.joins.push(delta);
            return Payload::Joined(tick.joins.len() - 1);
        };
        let sides = match tick.sides.iter().position(|sides| sides.start == start) {
            Some(at) => at,
            None => {
                tick.sides.push(self.sides(start, first));
                tick.sides.len() - 1
            }
        };
        match (i, j) {
            (0, j) => Payload::Suffix(sides, j),
            (i, j) if j == count => Payload::Prefix(sides, i),
            (i, j) => {
                let parts = &tick.sides[sides];
                tick.joins.push(parts.prefix[i].clone().joined(&parts.suffix[j]));
                Payload::Joined(tick.joins.len() - 1)
            }
        }
    }

    /// The prefix and suffix joins of the groups from buffer index `first` on.
    fn sides(&self, start: u64, first: usize) -> Sides<L> {
        let groups: Vec<&L> = self.buffer.range(first..).map(|group| &group.delta).collect();
        let mut prefix = vec![L::default()];
        for group in &groups {
            let next = prefix.last().cloned().unwrap_or_default().joined(group);
            prefix.push(next);
        }
        let mut suffix = vec![L::default()];
        for group in groups.iter().rev() {
            let next = suffix.last().cloned().unwrap_or_default().joined(group);
            suffix.push(next);
        }
        suffix.reverse();
        Sides { start, prefix, suffix }
    }

    /// The ack to piggyback on a data message to `to`; always attached once anything is held,
    /// so a lost standalone ack is repaired by the next data message.
    fn take_ack(&mut self, to: ReplicaId) -> Option<u64> {
        if !self.config.piggyback_acks {
            return None;
        }
        let inbound = self.inbound.get_mut(&to)?;
        inbound.ack_pending_since_ms = None;
        (inbound.reached > 0).then_some(inbound.reached)
    }

    /// Records an ack from `from`; acks of seqs never sent (beyond `chain`) are clamped.
    fn on_ack(&mut self, from: ReplicaId, seq: u64, now_ms: u64) {
        let Some(peer) = self.peers.get_mut(&from) else { return };
        let seq = seq.min(peer.chain);
        peer.confirmed = peer.confirmed.max(seq);
        if seq > peer.acked {
            peer.acked = seq;
            // Progress restarts the retransmission timer for whatever is still unacked.
            peer.outstanding_since_ms = (peer.acked < peer.sent).then_some(now_ms);
            self.settle(from);
        }
    }

    /// Frees the groups every neighbour acked.
    fn free_acked(&mut self) {
        let latest = self.latest_seq();
        let everyone_has = self.peers.values().map(|peer| peer.acked).min().unwrap_or(latest);
        while self.buffer.front().is_some_and(|group| group.seq <= everyone_has) {
            self.buffer.pop_front();
        }
    }

    /// Standalone acks that waited `ack_delay_ms` without a data message to ride on.
    fn flush_acks(&mut self, now_ms: u64, send: &mut impl FnMut(ReplicaId, SyncMessage<&L>)) {
        let ack_delay_ms = self.config.ack_delay_ms;
        for (to, inbound) in &mut self.inbound {
            if inbound.ack_pending_since_ms.is_some_and(|since| now_ms >= since.saturating_add(ack_delay_ms)) {
                inbound.ack_pending_since_ms = None;
                let message = SyncMessage::Ack { seq: inbound.reached };
                count_sent(&mut self.stats, self.sizer, &message);
                send(*to, message);
            }
        }
    }

    /// Cheap checks of the invariants the protocol relies on (debug builds only).
    fn check_invariants(&self) {
        let latest = self.latest_seq();
        debug_assert!(self.buffer.len() <= self.config.max_buffered_groups);
        if let (Some(front), Some(back)) = (self.buffer.front(), self.buffer.back()) {
            debug_assert_eq!(back.seq - front.seq + 1, self.buffer.len() as u64, "buffer seqs are contiguous");
            debug_assert_eq!(back.seq, latest, "the newest group is the newest seq");
        }
        for peer in self.peers.values() {
            debug_assert!(peer.confirmed <= peer.chain && peer.chain <= peer.sent && peer.sent <= latest);
            debug_assert!(peer.acked <= latest);
        }
    }
}

/// Counts one sent message in `stats`, measuring it when a sizer is set.
fn count_sent<L>(stats: &mut SyncStats, sizer: Option<Sizer<L>>, message: &SyncMessage<&L>) {
    stats.messages_sent += 1;
    if let Some(sizer) = sizer {
        stats.bytes_sent += sizer(message) as u64;
    }
    if message.is_data() {
        stats.data_messages += 1;
    } else {
        stats.acks_sent += 1;
    }
}
