//! Causal types against the `crdts` crate (rust-crdt 7.3): `AwSet` against `Orswot`,
//! `MvRegister` against `MVReg`, `OrMap<String, MvRegister>` against `Map<String, MVReg>`.
//!
//! Joins merge two replicas of `n` entries each that share half of them, `n` = 10^3, 10^4,
//! 10^5: a base of `n / 2` entries made by replica 0 and seen by both, then `n / 2` fresh ones
//! on each side, made by replicas 1 and 2 (two replicas that diverged). glomer's `join`
//! borrows the other replica, `crdts`' `merge` consumes it (it gets an owned copy, built
//! outside the timed part). Mutations run on a replica of 10^4 entries; for glomer the timed
//! part includes building the delta it returns, for `crdts` building the op and applying it
//! (its mutators only return the op). The `sizes` target prints the encoded state sizes of
//! docs/benchmarks.md and times nothing.
//!
//! `cargo bench -p glomer-benches --bench causal`

use std::hint::black_box;
use std::time::Duration;

use crdts::{CmRDT, CvRDT};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use glomer_crdt::{AwSet, Lattice, MvRegister, OrMap, ReplicaId};
use serde::Serialize;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;
type CrdtsMap = crdts::Map<String, crdts::MVReg<u64, u32>, u32>;
type GlomerMap = OrMap<String, MvRegister<u64>>;

/// Replica sizes of the join benches.
const SIZES: [u64; 3] = [1_000, 10_000, 100_000];
/// Entries of the replica a mutation is applied to.
const MUTATION_SIZE: u64 = 10_000;
/// Mutations per timed iteration of the benches that clone their replica first (adds and
/// removes change the size), so the clone is amortised and not timed.
const BATCH: u64 = 1_000;

/// Short measurements keep a run of this file to a few minutes on 2 cores.
fn configure(group: &mut Group<'_>) {
    group.sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
}

/// One side of a join bench: the base `0..n/2` by replica 0, then `n/2` fresh entries by
/// `replica` (1 or 2), each side's fresh keys disjoint.
fn keys(n: u64, replica: u32) -> (std::ops::Range<u64>, std::ops::Range<u64>) {
    let fresh_from = n / 2 + u64::from(replica - 1) * n;
    (0..n / 2, fresh_from..fresh_from + n / 2)
}

fn glomer_set(n: u64, replica: u32) -> AwSet<u64> {
    let (base, fresh) = keys(n, replica);
    let mut set = AwSet::new();
    base.for_each(|k| drop(set.add(ReplicaId(0), k)));
    fresh.for_each(|k| drop(set.add(ReplicaId(replica), k)));
    set
}

fn crdts_set(n: u64, replica: u32) -> crdts::Orswot<u64, u32> {
    let (base, fresh) = keys(n, replica);
    let mut set = crdts::Orswot::new();
    for (k, actor) in base.map(|k| (k, 0)).chain(fresh.map(|k| (k, replica))) {
        set.apply(set.add(k, set.read_ctx().derive_add_ctx(actor)));
    }
    set
}

fn glomer_map(n: u64, replica: u32) -> GlomerMap {
    let (base, fresh) = keys(n, replica);
    let mut map = GlomerMap::new();
    for (k, r) in base.map(|k| (k, ReplicaId(0))).chain(fresh.map(|k| (k, ReplicaId(replica)))) {
        map.update(r, k.to_string(), |reg| reg.write(r, k));
    }
    map
}

fn crdts_map(n: u64, replica: u32) -> CrdtsMap {
    let (base, fresh) = keys(n, replica);
    let mut map = CrdtsMap::new();
    for (k, actor) in base.map(|k| (k, 0)).chain(fresh.map(|k| (k, replica))) {
        map.apply(map.update(k.to_string(), map.read_ctx().derive_add_ctx(actor), |reg, ctx| reg.write(k, ctx)));
    }
    map
}

/// Times glomer's `a ⊔ b` and crdts' `x ⊔ y` at size `n`.
fn bench_join<L: Lattice, C: CvRDT + Clone>(group: &mut Group<'_>, n: u64, (a, b): (L, L), (x, y): (C, C)) {
    group.throughput(Throughput::Elements(n));
    group.bench_function(BenchmarkId::new("join/glomer", n), |bench| {
        bench.iter_batched(|| a.clone(), |mut a| a.join(&b), BatchSize::PerIteration)
    });
    group.bench_function(BenchmarkId::new("join/crdts", n), |bench| {
        bench.iter_batched(|| (x.clone(), y.clone()), |(mut x, y)| x.merge(y), BatchSize::PerIteration)
    });
}

/// Times `BATCH` mutations `f(replica, i)` on a fresh clone of `replica` per iteration.
fn bench_batch<S: Clone>(group: &mut Group<'_>, name: &str, replica: &S, f: impl Fn(&mut S, u64)) {
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function(BenchmarkId::new(name, MUTATION_SIZE), |bench| {
        bench.iter_batched(
            || replica.clone(),
            |mut state| {
                (0..BATCH).for_each(|i| f(&mut state, i));
                state
            },
            BatchSize::PerIteration,
        )
    });
}

fn aw_set(c: &mut Criterion) {
    let mut group = c.benchmark_group("aw_set");
    configure(&mut group);
    for n in SIZES {
        bench_join(&mut group, n, (glomer_set(n, 1), glomer_set(n, 2)), (crdts_set(n, 1), crdts_set(n, 2)));
    }
    let (ours, theirs) = (glomer_set(MUTATION_SIZE, 1), crdts_set(MUTATION_SIZE, 1));
    let fresh = 10 * MUTATION_SIZE;
    bench_batch(&mut group, "add/glomer", &ours, |set, i| drop(black_box(set.add(ReplicaId(1), fresh + i))));
    bench_batch(&mut group, "add/crdts", &theirs, |set, i| {
        let op = set.add(fresh + i, set.read_ctx().derive_add_ctx(1));
        set.apply(black_box(op).clone());
    });
    bench_batch(&mut group, "remove/glomer", &ours, |set, i| drop(black_box(set.remove(&(i * 5)))));
    bench_batch(&mut group, "remove/crdts", &theirs, |set, i| {
        let op = set.rm(i * 5, set.contains(&(i * 5)).derive_rm_ctx());
        set.apply(black_box(op).clone());
    });
    group.finish();
}

fn mv_register(c: &mut Criterion) {
    let mut group = c.benchmark_group("mv_register");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    let mut ours = MvRegister::new();
    let mut value = 0u64;
    group.bench_function("write/glomer", |bench| {
        bench.iter(|| {
            value += 1;
            black_box(ours.write(ReplicaId(1), value))
        })
    });
    let mut theirs = crdts::MVReg::<u64, u32>::new();
    group.bench_function("write/crdts", |bench| {
        bench.iter(|| {
            value += 1;
            let op = theirs.write(value, theirs.read_ctx().derive_add_ctx(1));
            theirs.apply(black_box(op).clone());
        })
    });
    group.finish();
}

fn or_map(c: &mut Criterion) {
    let mut group = c.benchmark_group("or_map");
    configure(&mut group);
    for n in SIZES {
        bench_join(&mut group, n, (glomer_map(n, 1), glomer_map(n, 2)), (crdts_map(n, 1), crdts_map(n, 2)));
    }
    group.throughput(Throughput::Elements(1));
    // Overwrites of existing keys: the map does not grow.
    let (mut ours, mut theirs) = (glomer_map(MUTATION_SIZE, 1), crdts_map(MUTATION_SIZE, 1));
    let mut count = 0u64;
    group.bench_function(BenchmarkId::new("write/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            count += 1;
            let key = (count % MUTATION_SIZE).to_string();
            black_box(ours.update(ReplicaId(1), key, |reg| reg.write(ReplicaId(1), count)))
        })
    });
    group.bench_function(BenchmarkId::new("write/crdts", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            count += 1;
            let key = (count % MUTATION_SIZE).to_string();
            let op = theirs.update(key, theirs.read_ctx().derive_add_ctx(1), |reg, ctx| reg.write(count, ctx));
            theirs.apply(black_box(op).clone());
        })
    });
    let (ours, theirs) = (glomer_map(MUTATION_SIZE, 1), crdts_map(MUTATION_SIZE, 1));
    bench_batch(&mut group, "remove/glomer", &ours, |map, i| drop(black_box(map.remove(&(i * 5).to_string()))));
    bench_batch(&mut group, "remove/crdts", &theirs, |map, i| {
        let key = (i * 5).to_string();
        let op = map.rm(key.clone(), map.get(&key).derive_rm_ctx());
        map.apply(black_box(op).clone());
    });
    group.finish();
}

/// JSON and postcard sizes of a state, in bytes.
fn encoded_sizes<T: Serialize>(state: &T) -> (usize, usize) {
    let json = serde_json::to_vec(state).expect("states encode to JSON");
    let postcard = postcard::to_allocvec(state).expect("states encode to postcard");
    (json.len(), postcard.len())
}

/// After `n` adds (round robin over replicas 0..3) and `n / 2` removes (of the even elements,
/// each by the replica that added it), the state of one replica that has seen everything.
fn sets_after_adds_and_removes(n: u64) -> (AwSet<u64>, crdts::Orswot<u64, u32>) {
    let (mut ours, mut theirs) = (AwSet::new(), crdts::Orswot::new());
    for k in 0..n {
        let actor = (k % 3) as u32;
        ours.add(ReplicaId(actor), k);
        theirs.apply(theirs.add(k, theirs.read_ctx().derive_add_ctx(actor)));
    }
    for k in (0..n).step_by(2) {
        ours.remove(&k);
        theirs.apply(theirs.rm(k, theirs.contains(&k).derive_rm_ctx()));
    }
    (ours, theirs)
}

/// The same for maps: `n` writes to distinct keys, then `n / 2` key removes.
fn maps_after_writes_and_removes(n: u64) -> (GlomerMap, CrdtsMap) {
    let (mut ours, mut theirs) = (GlomerMap::new(), CrdtsMap::new());
    for k in 0..n {
        let actor = (k % 3) as u32;
        let r = ReplicaId(actor);
        ours.update(r, k.to_string(), |reg| reg.write(r, k));
        theirs
            .apply(theirs.update(k.to_string(), theirs.read_ctx().derive_add_ctx(actor), |reg, ctx| reg.write(k, ctx)));
    }
    for k in (0..n).step_by(2) {
        ours.remove(&k.to_string());
        theirs.apply(theirs.rm(k.to_string(), theirs.get(&k.to_string()).derive_rm_ctx()));
    }
    (ours, theirs)
}

/// Prints the size table of docs/benchmarks.md (nothing is timed).
fn sizes(_: &mut Criterion) {
    println!("\n| state | n | glomer JSON | crdts JSON | glomer postcard | crdts postcard |");
    println!("|---|---:|---:|---:|---:|---:|");
    for n in SIZES {
        let (ours, theirs) = sets_after_adds_and_removes(n);
        let ((oj, op), (tj, tp)) = (encoded_sizes(&ours), encoded_sizes(&theirs));
        println!("| AwSet / Orswot, {n} adds, {} removes | {n} | {oj} | {tj} | {op} | {tp} |", n / 2);
        let (ours, theirs) = maps_after_writes_and_removes(n);
        let ((oj, op), (tj, tp)) = (encoded_sizes(&ours), encoded_sizes(&theirs));
        println!("| OrMap / Map of registers, {n} writes, {} removes | {n} | {oj} | {tj} | {op} | {tp} |", n / 2);
    }
    println!();
}

criterion_group!(benches, sizes, aw_set, mv_register, or_map);
criterion_main!(benches);
