//! The `adaptive` preset: a batch interval tuned at run time to meet a median-latency target
//! with the fewest messages (docs/broadcast.md, "Adaptive preset", gives the reasoning).
//!
//! A node cannot see Maelstrom's stable latency, so it estimates it from what it sees:
//!
//! - [`AckClock`] times each of the node's own updates from the mutation until the first
//!   neighbour acknowledges it. That round trip is `wait + 2·hop + the neighbour's ack wait`;
//!   its minimum over a window is close to two hops, so half of it estimates one hop `L`.
//! - [`IntervalController`] turns the hop estimate into the interval the cost model predicts
//!   for the target, `I* = (target − hops·L) / wait_share`, and moves the interval towards it by
//!   a fixed share per step, inside [`MIN_INTERVAL_MS`, `MAX_INTERVAL_MS`]. The setpoint does
//!   not depend on the interval itself (the minimum round trip sees no batching wait), so the
//!   loop is a first-order lag that approaches it without overshoot.
//!
//! Both are sans-IO: time and observations come in as arguments. [`Adaptive`] wraps a
//! [`Replicated`] node, feeds them after every event and retunes the engine.

use std::collections::VecDeque;

use crate::protocol::{Error, Message};
use crate::replicated::{Crdt, Replica, Replicated, GOSSIP_TYPE};
use crate::workload::{CallId, Context, RpcError, Timer, Workload};

/// The shortest interval the controller sets: below it a hub's batch holds less than one
/// update at Maelstrom's 3d rate (48 updates/s reach the hub), so batching saves nothing.
pub const MIN_INTERVAL_MS: u64 = 10;

/// The longest interval the controller sets: the adaptive preset's ack delay (1 s). A longer
/// interval would send most acks alone, costing the messages batching saves.
pub const MAX_INTERVAL_MS: u64 = 1_000;

/// How long one window of round-trip samples lasts. The estimate is the minimum over the
/// current and the previous window, so it forgets a shorter path (or a healed partition's
/// backlog) within two windows, and each window holds several own updates at 2 per second.
pub const RTT_WINDOW_MS: u64 = 5_000;

/// How often the interval moves at most: several batches of a hub at the intervals in use, so
/// each step sees the effect of the previous one.
pub const STEP_EVERY_MS: u64 = 500;

/// The share of the distance to the setpoint covered per step: 1/4 reaches 90 % of a change
/// in about eight steps (4 s) and never overshoots, since each step only moves part-way.
pub const STEP_SHARE: f64 = 0.25;

/// Own updates waiting for an ack at most. A node makes about 2 per second and an ack comes
/// within a few seconds, or after a partition heals; beyond this the oldest are forgotten
/// (they only lose their sample).
pub const PENDING_UPDATES_MAX: usize = 1_024;

/// Times the node's own updates from mutation to the first acknowledgement by a neighbour, and
/// keeps the windowed minimum of those round trips.
#[derive(Debug, Clone, Default)]
pub struct AckClock {
    /// Own delta-groups not yet acked by any neighbour: `(seq, mutated at ms)`, oldest first.
    pending: VecDeque<(u64, u64)>,
    window_started_ms: u64,
    current_min_ms: Option<u64>,
    previous_min_ms: Option<u64>,
}

impl AckClock {
    /// Records that the node's own update became delta-group `seq` at `now_ms`.
    pub fn mutated(&mut self, seq: u64, now_ms: u64) {
        if self.pending.len() == PENDING_UPDATES_MAX {
            self.pending.pop_front();
        }
        self.pending.push_back((seq, now_ms));
    }

    /// Records that some neighbour now holds every group up to `acked_seq` (acks are
    /// cumulative, so every pending update up to it gets its round trip).
    pub fn acked(&mut self, acked_seq: u64, now_ms: u64) {
        while let Some(&(seq, at_ms)) = self.pending.front() {
            if seq > acked_seq {
                break;
            }
            self.pending.pop_front();
            self.sample(now_ms.saturating_sub(at_ms), now_ms);
        }
    }

    fn sample(&mut self, rtt_ms: u64, now_ms: u64) {
        if now_ms.saturating_sub(self.window_started_ms) >= RTT_WINDOW_MS {
            // A window without samples keeps the last one's minimum, so a quiet spell or a
            // partition does not erase the estimate.
            self.previous_min_ms = self.current_min_ms.or(self.previous_min_ms);
            self.current_min_ms = None;
            self.window_started_ms = now_ms;
        }
        self.current_min_ms = Some(self.current_min_ms.map_or(rtt_ms, |min| min.min(rtt_ms)));
    }

    /// The estimated one-hop latency: half the smallest round trip of the last two windows;
    /// `None` before the first ack.
    pub fn hop_ms(&self) -> Option<u64> {
        let min = match (self.current_min_ms, self.previous_min_ms) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(min / 2)
    }
}

/// How the topology turns a hop latency and a batch interval into a median stable latency
/// (docs/broadcast.md, "Cost model"): `hops · L + wait_share · I`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyModel {
    /// Hops from the writer to the farthest node: 2 in a star, 1 in a complete graph.
    pub hops: u64,
    /// The median wait an update spends in batches, as a share of the interval: 1/2 in a
    /// star (one busy hub link, wait uniform on `[0, I)`), 1 in a complete graph (the latest
    /// of all `n − 1` links decides when a value is everywhere).
    pub wait_share: f64,
}

impl LatencyModel {
    /// A star: the hub batches, leaves send at once.
    pub const STAR: Self = Self { hops: 2, wait_share: 0.5 };
    /// A complete graph: everyone batches its own updates to everyone.
    pub const TOTAL: Self = Self { hops: 1, wait_share: 1.0 };

    /// The predicted median stable latency.
    pub fn median_ms(&self, hop_ms: u64, interval_ms: u64) -> f64 {
        (self.hops * hop_ms) as f64 + self.wait_share * interval_ms as f64
    }

    /// The longest interval whose predicted median stays within `target_ms`, unbounded.
    pub fn interval_for(&self, target_ms: u64, hop_ms: u64) -> f64 {
        (target_ms as f64 - (self.hops * hop_ms) as f64).max(0.0) / self.wait_share
    }
}

/// Steers the batch interval towards the model's interval for the target, part-way per step
/// and inside [`MIN_INTERVAL_MS`, `MAX_INTERVAL_MS`].
#[derive(Debug, Clone)]
pub struct IntervalController {
    target_ms: u64,
    model: LatencyModel,
    interval_ms: f64,
    last_step_ms: Option<u64>,
}

impl IntervalController {
    /// A controller for `target_ms`, starting at the interval the model gives for a hop of
    /// `assumed_hop_ms` (bounded), so the first seconds, before any round trip is measured,
    /// neither flood nor lag when the guess is right.
    pub fn new(target_ms: u64, model: LatencyModel, assumed_hop_ms: u64) -> Self {
        let interval_ms =
            model.interval_for(target_ms, assumed_hop_ms).clamp(MIN_INTERVAL_MS as f64, MAX_INTERVAL_MS as f64);
        Self { target_ms, model, interval_ms, last_step_ms: None }
    }

    /// The interval in force, in whole ms.
    pub fn interval_ms(&self) -> u64 {
        self.interval_ms.round() as u64
    }

    /// One step at `now_ms` given the current hop estimate: returns the new interval when it
    /// changed, `None` when no step was due or nothing moved.
    pub fn step(&mut self, now_ms: u64, hop_ms: Option<u64>) -> Option<u64> {
        let hop_ms = hop_ms?;
        if self.last_step_ms.is_some_and(|last| now_ms.saturating_sub(last) < STEP_EVERY_MS) {
            return None;
        }
        self.last_step_ms = Some(now_ms);
        let before = self.interval_ms();
        let setpoint = self.model.interval_for(self.target_ms, hop_ms);
        self.interval_ms += STEP_SHARE * (setpoint - self.interval_ms);
        self.interval_ms = self.interval_ms.clamp(MIN_INTERVAL_MS as f64, MAX_INTERVAL_MS as f64);
        let after = self.interval_ms();
        (after != before).then_some(after)
    }
}

/// A [`Replicated`] node whose batch interval an [`IntervalController`] tunes, or a plain one
/// when no controller is given.
pub struct Adaptive<C: Crdt> {
    node: Replicated<C>,
    controller: Option<IntervalController>,
    clock: AckClock,
}

impl<C: Crdt> std::fmt::Debug for Adaptive<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adaptive").field("controller", &self.controller).finish_non_exhaustive()
    }
}

impl<C: Crdt> Adaptive<C> {
    /// `node`, tuned by `controller` when there is one.
    pub fn new(node: Replicated<C>, controller: Option<IntervalController>) -> Self {
        Self { node, controller, clock: AckClock::default() }
    }

    /// The replicated node inside.
    pub fn node(&self) -> &Replicated<C> {
        &self.node
    }

    /// The replica (`None` before `init`).
    pub fn replica(&self) -> Option<&Replica<C::State>> {
        self.node.replica()
    }

    /// The controller, if the interval adapts.
    pub fn controller(&self) -> Option<&IntervalController> {
        self.controller.as_ref()
    }

    fn latest_seq(&self) -> u64 {
        self.node.replica().map_or(0, |replica| replica.engine().latest_seq())
    }

    /// After an event: times new own updates and fresh acks, steps the controller, and
    /// retunes the engine. Nodes that do not batch (leaves of a star) only keep time.
    fn observe(&mut self, now_ms: u64, seq_before: u64, own: bool) {
        let Some(controller) = self.controller.as_mut() else { return };
        let Some(replica) = self.node.replica_mut() else { return };
        let engine = replica.engine();
        if own {
            for seq in seq_before + 1..=engine.latest_seq() {
                self.clock.mutated(seq, now_ms);
            }
        }
        let acked = engine.neighbours().iter().filter_map(|&n| engine.acked_by(n)).max();
        if let Some(acked) = acked {
            self.clock.acked(acked, now_ms);
        }
        if engine.config().batch_interval_ms == 0 {
            return;
        }
        if let Some(interval_ms) = controller.step(now_ms, self.clock.hop_ms()) {
            let mut config = engine.config().clone();
            config.batch_interval_ms = interval_ms;
            tracing::debug!(interval_ms, hop_ms = ?self.clock.hop_ms(), "batch interval retuned");
            replica.engine_mut().set_config(config);
        }
    }
}

impl<C: Crdt> Workload for Adaptive<C> {
    fn on_init(&mut self, ctx: &mut Context) {
        self.node.on_init(ctx);
        if let (Some(controller), Some(replica)) = (self.controller.as_ref(), self.node.replica_mut()) {
            let mut config = replica.engine().config().clone();
            if config.batch_interval_ms > 0 {
                config.batch_interval_ms = controller.interval_ms();
                replica.engine_mut().set_config(config);
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let seq_before = self.latest_seq();
        let own = msg.body.kind != GOSSIP_TYPE;
        let result = self.node.on_message(ctx, msg);
        self.observe(ctx.now_ms(), seq_before, own);
        result
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        let seq_before = self.latest_seq();
        self.node.on_reply(ctx, call, reply);
        self.observe(ctx.now_ms(), seq_before, true);
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        let seq_before = self.latest_seq();
        self.node.on_timer(ctx, timer);
        self.observe(ctx.now_ms(), seq_before, false);
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.node.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic star: an own update every 500 ms, acked `2·hop + wait` later, where the wait
    /// (the neighbour's, before its next message carries the ack) cycles through `[0, 300)`.
    /// Returns every interval the controller set and its final hop estimate.
    fn run_star(target_ms: u64, hop_ms: u64, seconds: u64) -> (Vec<u64>, Option<u64>) {
        // The controller guesses a hop 2.5 times too long, so it starts far below the setpoint.
        let mut clock = AckClock::default();
        let mut controller = IntervalController::new(target_ms, LatencyModel::STAR, 250);
        let mut intervals = Vec::new();
        let mut seq = 0;
        let mut ack_at_ms = None;
        for now_ms in (0..seconds * 1_000).step_by(10) {
            if now_ms % 500 == 0 {
                seq += 1;
                clock.mutated(seq, now_ms);
                ack_at_ms = Some(now_ms + 2 * hop_ms + (seq * 37) % 300);
            }
            if ack_at_ms.is_some_and(|at| at <= now_ms) {
                clock.acked(seq, now_ms);
                ack_at_ms = None;
            }
            if let Some(interval) = controller.step(now_ms, clock.hop_ms()) {
                intervals.push(interval);
            }
        }
        (intervals, clock.hop_ms())
    }

    #[test]
    fn the_interval_converges_on_the_models_setpoint_without_overshoot() {
        let (intervals, hop_ms) = run_star(600, 100, 60);
        let hop_ms = hop_ms.expect("acks were timed");
        assert!((100..120).contains(&hop_ms), "the windowed minimum is near one hop: {hop_ms}");
        let last = *intervals.last().expect("the controller moved");
        let setpoint = LatencyModel::STAR.interval_for(600, hop_ms);
        assert!((last as f64 - setpoint).abs() <= 0.05 * setpoint, "ended at {last}, setpoint {setpoint}");
        // The approach is monotone; once there, only the hop estimate's window-to-window
        // changes move it, by a few per cent, with no swing beyond them.
        let arrived = intervals.iter().position(|&i| i as f64 >= 0.9 * setpoint).expect("arrived");
        assert!(intervals[..=arrived].windows(2).all(|w| w[1] >= w[0]), "monotone approach: {intervals:?}");
        let settled = &intervals[arrived..];
        assert!(settled.iter().all(|&i| (i as f64 - setpoint).abs() <= 0.1 * setpoint), "no swing: {intervals:?}");
    }

    #[test]
    fn the_interval_stays_inside_its_bounds() {
        let mut loose = IntervalController::new(100_000, LatencyModel::STAR, 100);
        let mut tight = IntervalController::new(300, LatencyModel::STAR, 100);
        for step in 0..100 {
            loose.step(step * STEP_EVERY_MS, Some(100));
            tight.step(step * STEP_EVERY_MS, Some(1_000));
            assert!((MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&loose.interval_ms()));
            assert!((MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&tight.interval_ms()));
        }
        assert_eq!(loose.interval_ms(), MAX_INTERVAL_MS, "a loose target stops at the longest");
        assert_eq!(tight.interval_ms(), MIN_INTERVAL_MS, "an unreachable target keeps the shortest");
    }

    #[test]
    fn no_step_before_a_round_trip_is_measured_or_before_it_is_due() {
        let mut controller = IntervalController::new(300, LatencyModel::STAR, 100);
        assert_eq!(controller.step(0, None), None);
        assert_eq!(controller.interval_ms(), 200, "starts at the model's interval for the assumed hop");
        assert!(controller.step(0, Some(120)).is_some());
        assert_eq!(controller.step(STEP_EVERY_MS - 1, Some(120)), None);
        assert!(controller.step(STEP_EVERY_MS, Some(120)).is_some());
    }

    #[test]
    fn the_hop_estimate_is_half_the_windowed_minimum_and_survives_a_quiet_window() {
        let mut clock = AckClock::default();
        assert_eq!(clock.hop_ms(), None);
        clock.mutated(1, 0);
        clock.mutated(2, 100);
        clock.acked(2, 400);
        assert_eq!(clock.hop_ms(), Some(150), "min(400, 300) / 2");
        // A much later, slower sample (after a partition) opens a new window; the old
        // minimum still counts for one more window.
        clock.mutated(3, 20_000);
        clock.acked(3, 22_000);
        assert_eq!(clock.hop_ms(), Some(150));
        clock.mutated(4, 30_000);
        clock.acked(4, 30_240);
        assert_eq!(clock.hop_ms(), Some(120));
    }

    #[test]
    fn pending_updates_are_bounded() {
        let mut clock = AckClock::default();
        for seq in 0..(PENDING_UPDATES_MAX as u64 + 10) {
            clock.mutated(seq, seq);
        }
        assert_eq!(clock.pending.len(), PENDING_UPDATES_MAX);
    }

    #[test]
    fn the_model_matches_the_measured_star() {
        // docs/broadcast.md: star-hubs-200 predicted 300 ms median.
        assert_eq!(LatencyModel::STAR.median_ms(100, 200), 300.0);
        assert_eq!(LatencyModel::STAR.interval_for(300, 100), 200.0);
        assert_eq!(LatencyModel::TOTAL.interval_for(150, 100), 50.0);
    }
}
