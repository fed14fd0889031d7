//! What a replica snapshot costs: after every write, hand out a snapshot that other tasks can
//! keep. A `BTreeMap`-backed state (glomer-crdt's maps) is cloned whole; an `imbl::OrdMap`
//! (a persistent B-tree) shares structure, so its clone is O(1) and its insert pays a path copy.
//!
//! `cargo bench -p glomer-benches --bench snapshot`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// A typical small JSON value in glomer-kv.
const VALUE: &str = r#"{"user":"ada","visits":12,"tags":["a","b"]}"#;

fn entries(n: usize) -> impl Iterator<Item = (String, String)> {
    (0..n).map(|i| (format!("key-{i:08}"), VALUE.to_string()))
}

fn write_then_snapshot(c: &mut Criterion) {
    let mut group = c.benchmark_group("write_then_snapshot");
    for n in [100usize, 10_000, 100_000] {
        group.bench_with_input(BenchmarkId::new("btreemap_clone", n), &n, |b, &n| {
            let mut state: BTreeMap<String, String> = entries(n).collect();
            let mut i = 0usize;
            b.iter(|| {
                i += 1;
                state.insert(format!("key-{:08}", i % n), VALUE.to_string());
                black_box(Arc::new(state.clone()))
            });
        });
        group.bench_with_input(BenchmarkId::new("imbl_ordmap", n), &n, |b, &n| {
            let mut state: imbl::OrdMap<String, String> = entries(n).collect();
            let mut i = 0usize;
            b.iter(|| {
                i += 1;
                state.insert(format!("key-{:08}", i % n), VALUE.to_string());
                black_box(Arc::new(state.clone()))
            });
        });
    }
    group.finish();
}

fn write_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("write_only");
    let n = 10_000;
    group.bench_function(BenchmarkId::new("btreemap", n), |b| {
        let mut state: BTreeMap<String, String> = entries(n).collect();
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            black_box(state.insert(format!("key-{:08}", i % n), VALUE.to_string()))
        });
    });
    group.bench_function(BenchmarkId::new("imbl_ordmap", n), |b| {
        let mut state: imbl::OrdMap<String, String> = entries(n).collect();
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            black_box(state.insert(format!("key-{:08}", i % n), VALUE.to_string()))
        });
    });
    group.finish();
}

criterion_group!(benches, write_then_snapshot, write_only);
criterion_main!(benches);
