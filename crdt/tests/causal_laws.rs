//! Property tests of the lattice laws and of delta-mutators for every causal type and the
//! nestings an application uses (see `Lattice`'s doc).
//!
//! Causal states are only meaningful as replicas of one system: a dot names one update, so two
//! states must not hold different content under one dot. The generator therefore runs a small
//! system of `REPLICAS` replicas, each minting dots under its own id, with random updates,
//! full-state syncs, and deltas delivered late, out of order or twice (which leaves gaps in the
//! contexts: dot clouds). The states checked are those replicas.

use std::fmt::Debug;

mod support;

use glomer_crdt::{AwSet, Causal, EncodeStore, EwFlag, MvRegister, OrMap, ReplicaId};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestCaseError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use support::{check_order, check_order_all, check_semilattice};

/// Fixed so that every run checks the same cases; a failure prints it with the minimal case.
const SEED: u64 = 0x5eed_c0de_2026_0013;
/// Cases per property: enough for concurrent removes, re-adds and gaps in these small domains.
const CASES: u32 = 128;
/// Cases per property on large base states: each case checks states of `BASE_LEN` entries in
/// a debug build, so fewer cases keep the file to seconds.
const LARGE_CASES: u32 = 32;
/// Steps per generated system.
const STEPS_MAX: usize = 24;
/// Replicas of the generated system (each is also a `ReplicaId`).
const REPLICAS: usize = 3;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, rng_seed: RngSeed::Fixed(SEED), failure_persistence: None, ..ProptestConfig::default() }
}

/// A causal type with a delta-mutator to drive the generated system with.
trait Model: Causal + Debug + Serialize + DeserializeOwned + 'static {
    type Op: Debug + Clone + 'static;
    /// Whether postcard can decode the type (not when values are self-describing, like
    /// `serde_json::Value`: postcard's format has no type tags to decode them from).
    const POSTCARD: bool = true;
    fn op() -> BoxedStrategy<Self::Op>;
    /// Applies `op` in place as `replica` and returns the delta.
    fn apply(&mut self, replica: ReplicaId, op: &Self::Op) -> Self;
}

/// One step of the generated system.
#[derive(Debug, Clone)]
enum Step<Op> {
    /// Replica `.0` applies an update.
    Update(usize, Op),
    /// Replica `.1` joins replica `.0`'s whole state.
    Sync(usize, usize),
    /// Replica `.1` joins the delta made `.0` updates ago (modulo how many there are).
    Deliver(usize, usize),
}

fn step<M: Model>() -> impl Strategy<Value = Step<M::Op>> {
    let replica = || 0..REPLICAS;
    prop_oneof![
        4 => (replica(), M::op()).prop_map(|(r, op)| Step::Update(r, op)),
        1 => (replica(), replica()).prop_map(|(from, to)| Step::Sync(from, to)),
        2 => (0usize..8, replica()).prop_map(|(age, to)| Step::Deliver(age, to)),
    ]
}

/// The replicas after running the steps, and every delta made.
#[derive(Debug, Clone)]
struct System<M> {
    replicas: Vec<M>,
    deltas: Vec<M>,
}

/// The system with every replica starting from `base()` (made by a replica outside it).
fn system_on<M: Model>(base: fn() -> M) -> impl Strategy<Value = System<M>> {
    vec(step::<M>(), 0..STEPS_MAX).prop_map(move |steps| {
        let mut system = System { replicas: vec![base(); REPLICAS], deltas: Vec::new() };
        for step in &steps {
            match step {
                Step::Update(r, op) => {
                    let delta = system.replicas[*r].apply(ReplicaId(*r as u32), op);
                    system.deltas.push(delta);
                }
                Step::Sync(from, to) => {
                    let source = system.replicas[*from].clone();
                    system.replicas[*to].join(&source);
                }
                Step::Deliver(age, to) if !system.deltas.is_empty() => {
                    let index = system.deltas.len() - 1 - age % system.deltas.len();
                    let delta = system.deltas[index].clone();
                    system.replicas[*to].join(&delta);
                }
                Step::Deliver(..) => {}
            }
        }
        system
    })
}

/// Encoding and decoding (JSON and postcard) gives the state back.
fn check_round_trip<M: Model + PartialEq>(x: &M) -> Result<(), TestCaseError> {
    let json = serde_json::to_string(x).expect("encodes");
    prop_assert_eq!(&serde_json::from_str::<M>(&json).expect("decodes"), x, "JSON {}", json);
    if !M::POSTCARD {
        return Ok(());
    }
    let bytes = postcard::to_allocvec(x).expect("encodes");
    prop_assert_eq!(&postcard::from_bytes::<M>(&bytes).expect("decodes"), x, "postcard");
    Ok(())
}

fn check_laws<M: Model>(system: &System<M>) -> Result<(), TestCaseError> {
    let [a, b, c] = [&system.replicas[0], &system.replicas[1], &system.replicas[2]];
    check_semilattice(a, b, c, SEED)?;
    check_order_all(a, b, c, SEED)?;
    for delta in system.deltas.iter().rev().take(3) {
        check_semilattice(delta, a, b, SEED)?;
        check_order(delta, a, SEED)?;
        check_order(a, delta, SEED)?;
    }
    for x in [a, b, c, &a.clone().joined(b)] {
        check_round_trip(x)?;
    }
    Ok(())
}

/// `old ⊔ delta = mutated`; the delta is bottom iff nothing changed; joined into any replica
/// of the system (one that has not seen all `old` has, too) it is inflationary.
fn check_mutator<M: Model>(system: &System<M>, replica: usize, op: &M::Op) -> Result<(), TestCaseError> {
    let old = &system.replicas[replica];
    let mut mutated = old.clone();
    let delta = mutated.apply(ReplicaId(replica as u32), op);
    prop_assert_eq!(old.clone().joined(&delta), mutated.clone(), "old ⊔ delta = mutated (seed {:#x})", SEED);
    prop_assert!(delta.leq(&mutated), "delta ⊑ mutated (seed {:#x})", SEED);
    prop_assert_eq!(delta.is_bottom(), old == &mutated, "delta is bottom iff nothing changed (seed {:#x})", SEED);
    for other in &system.replicas {
        let joined = other.clone().joined(&delta);
        prop_assert!(other.leq(&joined), "delta joined anywhere is inflationary (seed {:#x})", SEED);
        prop_assert!(delta.leq(&joined));
    }
    Ok(())
}

macro_rules! laws {
    ($module:ident, $ty:ty) => {
        laws!($module, $ty, <$ty>::default, CASES);
    };
    ($module:ident, $ty:ty, $base:expr, $cases:expr) => {
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(config($cases))]

                #[test]
                fn join_leq_difference_and_encoding_obey_the_laws(system in system_on::<$ty>($base)) {
                    check_laws(&system)?;
                }

                #[test]
                fn delta_joined_into_origin_gives_the_mutation_and_inflates_anywhere(
                    system in system_on::<$ty>($base), replica in 0..REPLICAS, op in <$ty as Model>::op()
                ) {
                    check_mutator(&system, replica, &op)?;
                }
            }
        }
    };
}

/// An update of a set: mostly adds and removes of a few elements, sometimes a clear.
#[derive(Debug, Clone)]
enum SetOp {
    Add(u8),
    Remove(u8),
    Clear,
}

fn set_op() -> BoxedStrategy<SetOp> {
    prop_oneof![4 => (0u8..4).prop_map(SetOp::Add), 3 => (0u8..4).prop_map(SetOp::Remove), 1 => Just(SetOp::Clear)]
        .boxed()
}

impl Model for AwSet<u8> {
    type Op = SetOp;
    fn op() -> BoxedStrategy<SetOp> {
        set_op()
    }
    fn apply(&mut self, replica: ReplicaId, op: &SetOp) -> Self {
        match op {
            SetOp::Add(value) => self.add(replica, *value),
            SetOp::Remove(value) => self.remove(value),
            SetOp::Clear => self.clear(),
        }
    }
}

impl Model for AwSet<u64> {
    type Op = SetOp;
    fn op() -> BoxedStrategy<SetOp> {
        set_op()
    }
    fn apply(&mut self, replica: ReplicaId, op: &SetOp) -> Self {
        match op {
            SetOp::Add(value) => self.add(replica, u64::from(*value) * 50),
            SetOp::Remove(value) => self.remove(&(u64::from(*value) * 50)),
            SetOp::Clear => self.clear(),
        }
    }
}

impl Model for MvRegister<u64> {
    type Op = u64;
    fn op() -> BoxedStrategy<u64> {
        (0u64..4).boxed()
    }
    fn apply(&mut self, replica: ReplicaId, value: &u64) -> Self {
        self.write(replica, *value)
    }
}

impl Model for MvRegister<serde_json::Value> {
    type Op = u64;
    const POSTCARD: bool = false;
    fn op() -> BoxedStrategy<u64> {
        (0u64..4).boxed()
    }
    fn apply(&mut self, replica: ReplicaId, value: &u64) -> Self {
        self.write(replica, serde_json::json!({ "v": value }))
    }
}

impl Model for EwFlag {
    type Op = bool;
    fn op() -> BoxedStrategy<bool> {
        any::<bool>().boxed()
    }
    fn apply(&mut self, replica: ReplicaId, enable: &bool) -> Self {
        if *enable {
            self.enable(replica)
        } else {
            self.disable()
        }
    }
}

/// An update of a map: a nested update of one of a few keys, a remove, or a clear.
#[derive(Debug, Clone)]
enum MapOp<Op> {
    Update(u8, Op),
    Remove(u8),
    Clear,
}

impl<V: Model + EncodeStore> Model for OrMap<String, V> {
    type Op = MapOp<V::Op>;
    fn op() -> BoxedStrategy<Self::Op> {
        prop_oneof![
            5 => (0u8..3, V::op()).prop_map(|(key, op)| MapOp::Update(key, op)),
            2 => (0u8..3).prop_map(MapOp::Remove),
            1 => Just(MapOp::Clear),
        ]
        .boxed()
    }
    fn apply(&mut self, replica: ReplicaId, op: &Self::Op) -> Self {
        match op {
            MapOp::Update(key, op) => self.update(replica, key.to_string(), |value| value.apply(replica, op)),
            MapOp::Remove(key) => self.remove(&key.to_string()),
            MapOp::Clear => self.clear(),
        }
    }
}

laws!(aw_set, AwSet<u8>);
laws!(mv_register, MvRegister<u64>);
laws!(mv_register_of_json, MvRegister<serde_json::Value>);
laws!(ew_flag, EwFlag);
laws!(or_map_of_mv_registers, OrMap<String, MvRegister<u64>>);
laws!(or_map_of_aw_sets, OrMap<String, AwSet<u64>>);
laws!(or_map_of_or_maps, OrMap<String, OrMap<String, MvRegister<u64>>>);
laws!(or_map_of_ew_flags, OrMap<String, EwFlag>);

/// The replica every base state is made by; it never updates inside the generated system.
const BASE_REPLICA: ReplicaId = ReplicaId(REPLICAS as u32);
/// Entries of a base state: enough that small deltas take the joins' sparse path (they touch
/// only their own keys) while updates also hit base entries.
const BASE_LEN: u64 = 200;

fn base_set() -> AwSet<u64> {
    let mut set = AwSet::new();
    (0..BASE_LEN).for_each(|value| drop(set.add(BASE_REPLICA, value)));
    set
}

fn base_map() -> OrMap<String, MvRegister<u64>> {
    let mut map: OrMap<String, MvRegister<u64>> = OrMap::new();
    for key in 0..BASE_LEN {
        map.update(BASE_REPLICA, key.to_string(), |reg| reg.write(BASE_REPLICA, key));
    }
    map
}

laws!(large_aw_set, AwSet<u64>, base_set, LARGE_CASES);
laws!(large_or_map, OrMap<String, MvRegister<u64>>, base_map, LARGE_CASES);
