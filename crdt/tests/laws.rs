//! Property tests of the lattice laws (see `Lattice`'s doc) and of delta-mutators, for every
//! type in the crate.
//!
//! States are built by running random delta-mutators from bottom, so they are reachable
//! states; small domains (few replicas, keys, clock values) make different states overlap and
//! tie often. LWW timestamps mix realistic writes (the value is a function of the timestamp,
//! as with unique timestamps) with ties (two values under one timestamp).

use std::fmt::Debug;

mod support;

use glomer_crdt::{
    GCounter, GSet, Hlc, Lattice, LatticeMap, LwwMap, LwwRegister, MaxMap, OpLog, PNCounter, ReplicaId, Timestamp,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};
use support::{check_order_all, check_semilattice};

/// Fixed so that every run checks the same cases; a failure prints it with the minimal case.
const SEED: u64 = 0x5eed_c0de_2026_0001;
/// Cases per property: enough to hit ties and conflicts in these small domains in a debug build.
const CASES: u32 = 256;
/// Mutations per generated state.
const OPS_MAX: usize = 10;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        rng_seed: RngSeed::Fixed(SEED),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A lattice with a delta-mutator to build random states from.
trait Model: Lattice + Debug + 'static {
    type Op: Debug + Clone + 'static;
    fn op() -> BoxedStrategy<Self::Op>;
    /// Applies `op` in place and returns the delta.
    fn apply(&mut self, op: &Self::Op) -> Self;
    /// Applies `op` in place through the mutator that builds no delta, where the type has one.
    fn apply_quiet(&mut self, op: &Self::Op) {
        self.apply(op);
    }
}

fn state<M: Model>() -> impl Strategy<Value = M> {
    vec(M::op(), 0..OPS_MAX).prop_map(|ops| {
        let mut state = M::default();
        for op in &ops {
            state.apply(op);
        }
        state
    })
}

fn check_mutator<M: Model>(old: &M, op: &M::Op) -> Result<(), TestCaseError> {
    let mut mutated = old.clone();
    let delta = mutated.apply(op);
    prop_assert_eq!(old.clone().joined(&delta), mutated.clone(), "old ⊔ delta = mutated (seed {})", SEED);
    prop_assert!(delta.leq(&mutated), "delta ⊑ mutated (seed {})", SEED);
    prop_assert_eq!(delta.is_bottom(), old == &mutated, "delta is bottom iff nothing changed (seed {})", SEED);
    let mut quiet = old.clone();
    quiet.apply_quiet(op);
    prop_assert_eq!(quiet, mutated, "the mutator without a delta changes the state alike (seed {})", SEED);
    Ok(())
}

macro_rules! laws {
    ($module:ident, $ty:ty) => {
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn join_is_commutative_associative_idempotent(
                    a in state::<$ty>(), b in state::<$ty>(), c in state::<$ty>()
                ) {
                    check_semilattice(&a, &b, &c, SEED)?;
                }

                #[test]
                fn leq_and_difference_agree_with_join(
                    a in state::<$ty>(), b in state::<$ty>(), c in state::<$ty>()
                ) {
                    check_order_all(&a, &b, &c, SEED)?;
                }

                #[test]
                fn delta_joined_into_old_state_gives_mutated_state(
                    old in state::<$ty>(), op in <$ty as Model>::op()
                ) {
                    check_mutator(&old, &op)?;
                }
            }
        }
    };
}

fn replica() -> impl Strategy<Value = ReplicaId> + Clone {
    (0u32..3).prop_map(ReplicaId)
}

/// A timestamp and a value: either the value is a function of the timestamp (realistic:
/// timestamps unique per write) or free, so one timestamp carries two values (a tie).
fn stamped_value() -> impl Strategy<Value = (Timestamp, u8)> {
    let ts = (0u64..6, replica()).prop_map(|(hlc, replica)| Timestamp { hlc, replica }).boxed();
    prop_oneof![ts.clone().prop_map(|ts| (ts, (ts.hlc as u8).wrapping_mul(7) ^ ts.replica.0 as u8)), (ts, 0u8..3),]
}

impl Model for GSet<u8> {
    type Op = u8;
    fn op() -> BoxedStrategy<u8> {
        (0u8..8).boxed()
    }
    fn apply(&mut self, op: &u8) -> Self {
        self.insert(*op)
    }
    fn apply_quiet(&mut self, op: &u8) {
        self.insert_quiet(*op);
    }
}

impl Model for GCounter {
    type Op = (ReplicaId, u64);
    fn op() -> BoxedStrategy<Self::Op> {
        (replica(), 0u64..5).boxed()
    }
    fn apply(&mut self, (replica, by): &Self::Op) -> Self {
        self.increment(*replica, *by)
    }
    fn apply_quiet(&mut self, (replica, by): &Self::Op) {
        self.increment_quiet(*replica, *by);
    }
}

impl Model for PNCounter {
    type Op = (ReplicaId, i64);
    fn op() -> BoxedStrategy<Self::Op> {
        (replica(), -5i64..5).boxed()
    }
    fn apply(&mut self, (replica, delta): &Self::Op) -> Self {
        self.add(*replica, *delta)
    }
    fn apply_quiet(&mut self, (replica, delta): &Self::Op) {
        self.add_quiet(*replica, *delta);
    }
}

impl Model for MaxMap<u8> {
    type Op = (u8, u64);
    fn op() -> BoxedStrategy<Self::Op> {
        (0u8..4, 0u64..6).boxed()
    }
    fn apply(&mut self, (key, value): &Self::Op) -> Self {
        self.raise(*key, *value)
    }
    fn apply_quiet(&mut self, (key, value): &Self::Op) {
        self.raise_quiet(*key, *value);
    }
}

impl Model for LwwRegister<u8> {
    type Op = (Timestamp, u8);
    fn op() -> BoxedStrategy<Self::Op> {
        stamped_value().boxed()
    }
    fn apply(&mut self, (ts, value): &Self::Op) -> Self {
        self.set(*value, *ts)
    }
    fn apply_quiet(&mut self, (ts, value): &Self::Op) {
        self.set_quiet(*value, *ts);
    }
}

/// One LWW-map write set: all writes share the timestamp, a value of `None` removes.
type Writes = (Timestamp, Vec<(u8, Option<u8>)>);

impl Model for LwwMap<u8, u8> {
    type Op = Writes;
    fn op() -> BoxedStrategy<Writes> {
        let write = (0u8..4, prop::option::of(0u8..3));
        (stamped_value(), vec(write, 1..4)).prop_map(|((ts, _), writes)| (ts, writes)).boxed()
    }
    fn apply(&mut self, (ts, writes): &Writes) -> Self {
        match writes.as_slice() {
            [(key, Some(value))] => self.insert(*key, *value, *ts),
            [(key, None)] => self.remove(*key, *ts),
            _ => self.apply_all(writes.iter().copied(), *ts),
        }
    }
    fn apply_quiet(&mut self, (ts, writes): &Writes) {
        match writes.as_slice() {
            [(key, Some(value))] => {
                self.insert_quiet(*key, *value, *ts);
            }
            [(key, None)] => {
                self.remove_quiet(*key, *ts);
            }
            _ => {
                self.apply_all(writes.iter().copied(), *ts);
            }
        }
    }
}

/// An owner's append, or a write at a chosen position (a second owner, to make conflicts).
#[derive(Debug, Clone)]
enum LogOp {
    Append(u8),
    Insert(u64, u8),
}

impl Model for OpLog<u8> {
    type Op = LogOp;
    fn op() -> BoxedStrategy<LogOp> {
        prop_oneof![3 => (0u8..3).prop_map(LogOp::Append), 1 => (0u64..6, 0u8..3).prop_map(|(o, v)| LogOp::Insert(o, v))]
            .boxed()
    }
    fn apply(&mut self, op: &LogOp) -> Self {
        match op {
            LogOp::Append(value) => self.append(*value).1,
            LogOp::Insert(offset, value) => self.insert(*offset, *value),
        }
    }
}

impl Model for LatticeMap<u8, OpLog<u8>> {
    type Op = (u8, LogOp);
    fn op() -> BoxedStrategy<Self::Op> {
        (0u8..3, OpLog::<u8>::op()).boxed()
    }
    fn apply(&mut self, (key, op): &Self::Op) -> Self {
        self.update(*key, |log| log.apply(op))
    }
}

impl Model for (GCounter, GSet<u8>) {
    type Op = Result<<GCounter as Model>::Op, u8>;
    fn op() -> BoxedStrategy<Self::Op> {
        prop_oneof![GCounter::op().prop_map(Ok), GSet::<u8>::op().prop_map(Err)].boxed()
    }
    fn apply(&mut self, op: &Self::Op) -> Self {
        match op {
            Ok(op) => (self.0.apply(op), GSet::new()),
            Err(op) => (GCounter::new(), self.1.apply(op)),
        }
    }
}

laws!(gset, GSet<u8>);
laws!(gcounter, GCounter);
laws!(pncounter, PNCounter);
laws!(maxmap, MaxMap<u8>);
laws!(lww_register, LwwRegister<u8>);
laws!(lww_map, LwwMap<u8, u8>);
laws!(oplog, OpLog<u8>);
laws!(lattice_map_of_oplogs, LatticeMap<u8, OpLog<u8>>);
laws!(product, (GCounter, GSet<u8>));

/// The visible prefix computed from scratch: positions from 0 with exactly one entry each.
fn visible_len_naive(log: &OpLog<u8>) -> u64 {
    (0..).take_while(|&pos| log.entries_at(pos).len() == 1).count() as u64
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn oplog_visible_prefix_is_the_run_of_single_entries_from_zero(
        a in state::<OpLog<u8>>(), b in state::<OpLog<u8>>()
    ) {
        for log in [a.clone(), b.clone(), a.clone().joined(&b), a.difference(&b)] {
            let len = visible_len_naive(&log);
            prop_assert_eq!(log.contiguous_len(), len, "seed {}", SEED);
            prop_assert_eq!(log.read_from(0).count() as u64, len);
            prop_assert!(log.conflicts().all(|pos| pos >= len && log.get(pos).is_none()));
        }
    }

    #[test]
    fn hlc_is_strictly_monotonic_and_after_everything_observed(
        events in vec((any::<bool>(), 0u64..5, 0u64..(1 << 20)), 0..40)
    ) {
        let mut clock = Hlc::new(ReplicaId(0));
        let mut highest = Timestamp::default();
        for (observe, wall_ms, hlc) in events {
            if observe {
                let ts = Timestamp { hlc, replica: ReplicaId(1) };
                clock.observe(ts);
                highest = highest.max(ts);
            } else {
                let ts = clock.now(wall_ms);
                prop_assert!(ts > highest, "{} after {} (seed {})", ts, highest, SEED);
                prop_assert!(ts.physical_ms() >= wall_ms);
                highest = ts;
            }
        }
    }
}

#[test]
fn oplog_same_offset_appended_on_two_replicas_is_a_reported_hidden_conflict() {
    let (mut a, mut b) = (OpLog::new(), OpLog::new());
    a.append(10u8);
    b.append(20u8);
    let (_, a1) = a.append(11);
    let joined = a.clone().joined(&b);
    assert_eq!(joined, b.clone().joined(&a), "join stays commutative under a conflict");
    assert_eq!(joined.conflicts().collect::<Vec<_>>(), vec![0]);
    assert_eq!(joined.entries_at(0), &[10, 20]);
    assert_eq!(joined.contiguous_len(), 0);
    assert_eq!(joined.read_from(0).count(), 0);
    assert_eq!(joined.get(0), None);
    assert_eq!(joined.get(1), None, "entries after a conflict stay hidden");
    assert!(a1.leq(&joined));
}

#[test]
fn oplog_conflict_arriving_after_a_position_was_visible_shrinks_the_prefix() {
    let mut log = OpLog::new();
    for value in 0u8..4 {
        log.append(value);
    }
    assert_eq!(log.contiguous_len(), 4);
    let mut rewrite = OpLog::new();
    rewrite.insert(2, 99u8);
    log.join(&rewrite);
    assert_eq!(log.contiguous_len(), 2);
    assert_eq!(log.conflicts().collect::<Vec<_>>(), vec![2]);
    assert_eq!(log.next_offset(), 4, "the owner never reuses a taken position");
}
