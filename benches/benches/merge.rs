//! Join and mutation speed of glomer's types side by side with the `crdts` crate (rust-crdt),
//! the field's Rust baseline: one criterion group per type.
//!
//! Joins merge two replicas of `n` entries each that share half of them (two replicas that
//! diverged), `n` = 10^3, 10^4, 10^5. Each side gets its inputs as its API takes them, built
//! outside the timed part: glomer's `join(&other)` borrows the other replica, `crdts`'
//! `merge(other)` consumes it (so it gets an owned copy for free). Mutations are single
//! delta-mutations on a replica of 10^4 entries; for glomer the timed part includes building
//! the delta it returns, for `crdts` the op it returns where it has one.
//!
//! `cargo bench -p glomer-benches --bench merge`

#[path = "support/cpu_time.rs"]
mod cpu_time;

use cpu_time::ThreadCpuTime;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use crdts::{CmRDT, CvRDT, LWWReg};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use glomer_crdt::{GCounter, GSet, Lattice, LwwMap, PNCounter, ReplicaId, Timestamp};

/// Replica sizes of the join benches.
const SIZES: [u64; 3] = [1_000, 10_000, 100_000];

/// Entries of the replica a single mutation is applied to.
const MUTATION_SIZE: u64 = 10_000;

/// Fresh inserts per timed iteration of the growing types (sets), so the replica is cloned
/// once per iteration outside the timing and does not grow without bound.
const INSERTS: u64 = 1_000;

/// Short measurements: 4 types × 3 sizes × 2 libraries plus mutations, each measured in thread
/// CPU time, which on a shared machine takes several times as long in wall time; ten samples
/// of one second keep a run to a few minutes, and scripts/bench-merge.sh repeats runs to show
/// the spread.
fn configure(group: &mut BenchmarkGroup<'_, ThreadCpuTime>) {
    group.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
}

/// Replica A holds keys `0..n`, replica B keys `n/2..3n/2`: they share half.
fn halves(n: u64) -> (std::ops::Range<u64>, std::ops::Range<u64>) {
    (0..n, n / 2..n + n / 2)
}

/// Times `join` of glomer replicas `a ⊔ b` and `merge` of crdts replicas `x ⊔ y` at size `n`.
fn bench_join<L: Lattice, C: CvRDT + Clone>(
    group: &mut BenchmarkGroup<'_, ThreadCpuTime>,
    n: u64,
    (a, b): (L, L),
    (x, y): (C, C),
) {
    group.throughput(Throughput::Elements(n));
    group.bench_function(BenchmarkId::new("join/glomer", n), |bench| {
        bench.iter_batched(
            || a.clone(),
            |mut a| {
                a.join(&b);
                a
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(BenchmarkId::new("join/crdts", n), |bench| {
        bench.iter_batched(
            || (x.clone(), y.clone()),
            |(mut x, y)| {
                x.merge(y);
                x
            },
            BatchSize::PerIteration,
        )
    });
}

/// Join benches at every size of [`SIZES`]; `replicas(keys, side)` builds the glomer and the
/// crdts replica of one side (0 or 3) holding `keys`.
fn bench_joins<L: Lattice, C: CvRDT + Clone>(
    group: &mut BenchmarkGroup<'_, ThreadCpuTime>,
    replicas: impl Fn(std::ops::Range<u64>, u64) -> (L, C),
) {
    for n in SIZES {
        let (keys_a, keys_b) = halves(n);
        let ((a, x), (b, y)) = (replicas(keys_a, 0), replicas(keys_b, 3));
        bench_join(group, n, (a, b), (x, y));
    }
}

fn gset(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("gset");
    configure(&mut group);
    bench_joins(&mut group, |keys, _| (keys.clone().collect::<GSet<u64>>(), crdts_gset(keys)));
    group.throughput(Throughput::Elements(INSERTS));
    let fresh = MUTATION_SIZE..MUTATION_SIZE + INSERTS;
    let ours: GSet<u64> = (0..MUTATION_SIZE).collect();
    group.bench_function(BenchmarkId::new("insert/glomer", MUTATION_SIZE), |bench| {
        let fresh = fresh.clone();
        bench.iter_batched(
            || ours.clone(),
            |mut set| {
                fresh.clone().for_each(|k| drop(black_box(set.insert(k))));
                set
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(BenchmarkId::new("insert_quiet/glomer", MUTATION_SIZE), |bench| {
        let fresh = fresh.clone();
        bench.iter_batched(
            || ours.clone(),
            |mut set| {
                fresh.clone().for_each(|k| {
                    black_box(set.insert_quiet(k));
                });
                set
            },
            BatchSize::PerIteration,
        )
    });
    let theirs = crdts_gset(0..MUTATION_SIZE);
    group.bench_function(BenchmarkId::new("insert/crdts", MUTATION_SIZE), |bench| {
        let fresh = fresh.clone();
        bench.iter_batched(
            || theirs.clone(),
            |mut set| {
                fresh.clone().for_each(|k| set.apply(black_box(k)));
                set
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn crdts_gset(keys: impl Iterator<Item = u64>) -> crdts::GSet<u64> {
    let mut set = crdts::GSet::new();
    keys.for_each(|k| set.insert(k));
    set
}

/// A counter with one entry per replica in `replicas`; entry `r` is `r + bump` so replicas
/// present in both sides differ (odd ones larger on one side, even ones on the other).
fn gcounters(replicas: std::ops::Range<u64>, bump: u64) -> (GCounter, crdts::GCounter<u32>) {
    let (mut ours, mut theirs) = (GCounter::new(), crdts::GCounter::new());
    for r in replicas {
        let by = r + 1 + if r % 2 == bump % 2 { bump } else { 0 };
        let id = r as u32;
        ours.increment(ReplicaId(id), by);
        theirs.apply(theirs.inc_many(id, by));
    }
    (ours, theirs)
}

fn gcounter(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("gcounter");
    configure(&mut group);
    bench_joins(&mut group, gcounters);
    group.throughput(Throughput::Elements(1));
    let (mut ours, mut theirs) = gcounters(0..MUTATION_SIZE, 0);
    let me = ReplicaId(7);
    group.bench_function(BenchmarkId::new("increment/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| black_box(ours.increment(me, 1)))
    });
    group.bench_function(BenchmarkId::new("increment_quiet/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| ours.increment_quiet(me, black_box(1)))
    });
    group.bench_function(BenchmarkId::new("increment/crdts", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            let dot = theirs.inc(7);
            theirs.apply(dot);
            black_box(dot)
        })
    });
    group.finish();
}

fn pncounters(replicas: std::ops::Range<u64>, bump: u64) -> (PNCounter, crdts::PNCounter<u32>) {
    let (mut ours, mut theirs) = (PNCounter::new(), crdts::PNCounter::new());
    for r in replicas {
        let by = r + 1 + if r % 2 == bump % 2 { bump } else { 0 };
        let id = r as u32;
        ours.add(ReplicaId(id), by as i64);
        ours.add(ReplicaId(id), -((by / 2) as i64));
        theirs.apply(theirs.inc_many(id, by));
        theirs.apply(theirs.dec_many(id, by / 2));
    }
    (ours, theirs)
}

fn pncounter(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("pncounter");
    configure(&mut group);
    bench_joins(&mut group, pncounters);
    group.throughput(Throughput::Elements(1));
    let (mut ours, mut theirs) = pncounters(0..MUTATION_SIZE, 0);
    let me = ReplicaId(7);
    group.bench_function(BenchmarkId::new("add/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| black_box(ours.add(me, 1)))
    });
    group.bench_function(BenchmarkId::new("add_quiet/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| ours.add_quiet(me, black_box(1)))
    });
    group.bench_function(BenchmarkId::new("add/crdts", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            let op = theirs.inc(7);
            theirs.apply(op.clone());
            black_box(op)
        })
    });
    group.finish();
}

/// The natural LWW map on `crdts`: its `Map` is an observed-remove map whose values must
/// implement `ResetRemove`, which `LWWReg` does not, so a user keeps a `BTreeMap` of `LWWReg`s
/// and merges entry by entry with `LWWReg::merge`.
#[derive(Debug, Clone, Default)]
struct CrdtsLwwMap(BTreeMap<u64, LWWReg<u64, (u64, u32)>>);

impl CvRDT for CrdtsLwwMap {
    type Validation = std::convert::Infallible;

    fn validate_merge(&self, _other: &Self) -> Result<(), Self::Validation> {
        Ok(())
    }

    fn merge(&mut self, other: Self) {
        for (key, reg) in other.0 {
            self.0.entry(key).or_insert_with(|| LWWReg { val: 0, marker: (0, 0) }).merge(reg);
        }
    }
}

/// A map with keys `keys`; the write of key `k` is stamped `k + skew` at replica `replica`, so
/// two sides disagree on shared keys and each wins half of them.
fn lww_maps(keys: std::ops::Range<u64>, skew: u64, replica: u32) -> (LwwMap<u64, u64>, CrdtsLwwMap) {
    let (mut ours, mut theirs) = (LwwMap::new(), CrdtsLwwMap::default());
    for k in keys {
        let hlc = k * 2 + if k % 2 == skew % 2 { skew } else { 0 };
        ours.insert(k, k, Timestamp { hlc, replica: ReplicaId(replica) });
        theirs.0.insert(k, LWWReg { val: k, marker: (hlc, replica) });
    }
    (ours, theirs)
}

fn lww_map(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("lww_map");
    configure(&mut group);
    bench_joins(&mut group, |keys, side| lww_maps(keys, side, 1 + side as u32));
    group.throughput(Throughput::Elements(1));
    let (mut ours, mut theirs) = lww_maps(0..MUTATION_SIZE, 0, 1);
    // Overwrites of existing keys with ever newer timestamps: the map does not grow.
    let mut hlc = MUTATION_SIZE * 4;
    group.bench_function(BenchmarkId::new("write/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            hlc += 1;
            let ts = Timestamp { hlc, replica: ReplicaId(1) };
            black_box(ours.insert(hlc % MUTATION_SIZE, hlc, ts))
        })
    });
    group.bench_function(BenchmarkId::new("write_quiet/glomer", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            hlc += 1;
            let ts = Timestamp { hlc, replica: ReplicaId(1) };
            black_box(ours.insert_quiet(hlc % MUTATION_SIZE, hlc, ts))
        })
    });
    let mut hlc = MUTATION_SIZE * 4;
    group.bench_function(BenchmarkId::new("write/crdts", MUTATION_SIZE), |bench| {
        bench.iter(|| {
            hlc += 1;
            let op = LWWReg { val: hlc, marker: (hlc, 1) };
            theirs.0.entry(hlc % MUTATION_SIZE).or_insert_with(|| LWWReg { val: 0, marker: (0, 0) }).apply(op.clone());
            black_box(op)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = cpu_time::criterion();
    targets = gset, gcounter, pncounter, lww_map
}
criterion_main!(benches);
