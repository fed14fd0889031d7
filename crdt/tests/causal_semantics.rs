//! What the causal types promise an application: add wins over a concurrent remove, a remove
//! that has seen an add wins everywhere, concurrent register writes are all kept until a write
//! that saw them replaces them, a map's remove keeps a concurrent nested update, and removed
//! content leaves nothing behind.

use glomer_crdt::{AwSet, CausalContext, Dot, EwFlag, Lattice, MvRegister, OrMap, ReplicaId};

const A: ReplicaId = ReplicaId(0);
const B: ReplicaId = ReplicaId(1);
const C: ReplicaId = ReplicaId(2);

/// Joins each delta into every replica, in a different order per replica.
fn deliver<L: Lattice>(replicas: &mut [&mut L], deltas: &[L]) {
    for (i, replica) in replicas.iter_mut().enumerate() {
        for k in 0..deltas.len() {
            replica.join(&deltas[(k + i) % deltas.len()]);
        }
    }
}

#[test]
fn aw_set_add_concurrent_with_remove_is_present_everywhere() {
    let mut a = AwSet::new();
    let first = a.add(A, 7u64);
    let (mut b, mut c) = (AwSet::new(), AwSet::new());
    deliver(&mut [&mut b, &mut c], &[first]);
    let remove = a.remove(&7);
    let add = b.add(B, 7);
    deliver(&mut [&mut a, &mut b, &mut c], &[remove, add]);
    for replica in [&a, &b, &c] {
        assert!(replica.contains(&7), "{replica:?}");
    }
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[test]
fn aw_set_remove_after_observing_every_add_is_absent_everywhere() {
    let (mut a, mut b, mut c) = (AwSet::new(), AwSet::new(), AwSet::new());
    let adds = [a.add(A, "x"), b.add(B, "x"), c.add(C, "y")];
    deliver(&mut [&mut a, &mut b, &mut c], &adds);
    let remove = c.remove(&"x");
    // The remove travels alone; the adds it removes are redelivered late and twice.
    deliver(&mut [&mut a, &mut b], std::slice::from_ref(&remove));
    deliver(&mut [&mut a, &mut b, &mut c], &adds);
    deliver(&mut [&mut a, &mut b, &mut c], &[remove]);
    for replica in [&a, &b, &c] {
        assert!(!replica.contains(&"x") && replica.contains(&"y"), "{replica:?}");
        assert_eq!(replica.len(), 1);
    }
}

#[test]
fn aw_set_clear_removes_only_what_it_observed() {
    let mut a = AwSet::new();
    let seen = a.add(A, 1u64);
    let mut b = AwSet::new();
    b.join(&seen);
    let unseen = b.add(B, 2);
    let clear = a.clear();
    deliver(&mut [&mut a, &mut b], &[clear, unseen]);
    assert_eq!(a.iter().collect::<Vec<_>>(), vec![&2]);
    assert_eq!(a, b);
}

#[test]
fn mv_register_keeps_concurrent_writes_until_a_write_that_saw_them() {
    let (mut a, mut b, mut c) = (MvRegister::new(), MvRegister::new(), MvRegister::new());
    let writes = [a.write(A, 1u64), b.write(B, 2)];
    deliver(&mut [&mut a, &mut b, &mut c], &writes);
    for replica in [&a, &b, &c] {
        let mut values: Vec<u64> = replica.read().into_iter().copied().collect();
        values.sort();
        assert_eq!(values, vec![1, 2], "both concurrent writes read back");
    }
    let resolve = c.write(C, 3);
    // A write concurrent with the resolving one survives next to it.
    let late = a.write(A, 4);
    deliver(&mut [&mut a, &mut b, &mut c], &[resolve.clone(), late.clone()]);
    assert_eq!(a, b);
    let mut values: Vec<u64> = b.read().into_iter().copied().collect();
    values.sort();
    assert_eq!(values, vec![3, 4]);
    let last = b.write(B, 5);
    deliver(&mut [&mut a, &mut c], &[last, resolve, late]);
    assert_eq!(a.read(), vec![&5], "a write that saw both leaves one value");
    assert_eq!(c.read(), vec![&5]);
}

#[test]
fn ew_flag_enable_wins_over_a_concurrent_disable_and_a_seen_disable_wins() {
    let mut a = EwFlag::new();
    let on = a.enable(A);
    let mut b = EwFlag::new();
    b.join(&on);
    let off = a.disable();
    let again = b.enable(B);
    deliver(&mut [&mut a, &mut b], &[off, again]);
    assert!(a.value() && b.value());
    let off = b.disable();
    a.join(&off);
    assert!(!a.value() && !b.value());
}

#[test]
fn or_map_remove_concurrent_with_a_nested_update_keeps_the_update() {
    let key = || "cart".to_string();
    let mut a: OrMap<String, AwSet<u64>> = OrMap::new();
    let created = a.update(A, key(), |set| set.add(A, 1));
    let mut b = OrMap::new();
    b.join(&created);
    let remove = a.remove(&key());
    let update = b.update(B, key(), |set| set.add(B, 2));
    deliver(&mut [&mut a, &mut b], &[remove, update]);
    assert_eq!(a, b);
    let cart = a.get(&key()).expect("the concurrent update keeps the key");
    assert_eq!(cart.iter().collect::<Vec<_>>(), vec![&2], "only what the remover had not observed");
}

#[test]
fn or_map_remove_after_observing_removes_nested_maps_everywhere() {
    type Nested = OrMap<String, OrMap<String, MvRegister<u64>>>;
    let (mut a, mut b): (Nested, Nested) = (OrMap::new(), OrMap::new());
    let writes = [
        a.update(A, "user".into(), |user| user.update(A, "name".into(), |reg| reg.write(A, 1))),
        b.update(B, "user".into(), |user| user.update(B, "age".into(), |reg| reg.write(B, 2))),
    ];
    deliver(&mut [&mut a, &mut b], &writes);
    assert_eq!(a.get(&"user".into()).map(OrMap::len), Some(2));
    let remove = b.remove(&"user".into());
    deliver(&mut [&mut a], &[remove]);
    assert!(a.is_empty() && b.is_empty());
    assert_eq!(a, b);
}

#[test]
fn or_map_of_registers_reads_siblings_per_key() {
    let mut a: OrMap<String, MvRegister<serde_json::Value>> = OrMap::new();
    let mut b = a.clone();
    let writes = [
        a.update(A, "k".into(), |reg| reg.write(A, serde_json::json!({"n": 1}))),
        b.update(B, "k".into(), |reg| reg.write(B, serde_json::json!([2]))),
    ];
    deliver(&mut [&mut a, &mut b], &writes);
    let siblings = a.get(&"k".into()).map(MvRegister::read).unwrap_or_default();
    assert_eq!(siblings.len(), 2);
    assert_eq!(a.keys().collect::<Vec<_>>(), vec!["k"]);
}

/// After `N` adds and `N / 2` removes (by three replicas, fully synced) the state is the live
/// elements plus a version vector: no entry, dot or byte per removed element.
#[test]
fn aw_set_keeps_no_tombstones() {
    const N: u64 = 1_000;
    let mut replicas = [AwSet::new(), AwSet::new(), AwSet::new()];
    let mut deltas = Vec::new();
    for value in 0..N {
        let r = (value % 3) as usize;
        deltas.push(replicas[r].add(ReplicaId(r as u32), value));
    }
    for replica in replicas.iter_mut() {
        deltas.iter().for_each(|delta| replica.join(delta));
    }
    let mut removes = Vec::new();
    for value in (0..N).step_by(2) {
        removes.push(replicas[(value % 3) as usize].remove(&value));
    }
    for replica in replicas.iter_mut() {
        removes.iter().for_each(|delta| replica.join(delta));
    }
    assert!(replicas[1] == replicas[0] && replicas[2] == replicas[0]);
    let state = &replicas[0];
    assert_eq!(state.len() as u64, N / 2);
    assert!(state.iter().all(|value| value % 2 == 1));
    let context: &CausalContext = glomer_crdt::Causal::context(state);
    assert_eq!(context.cloud().count(), 0, "every dot folded into the version vector");
    assert_eq!(context.version_vector().count(), 3);
    // The encoding is exactly what a set built from the live elements alone would encode.
    let mut live_only = AwSet::new();
    for value in state.iter() {
        live_only.add(ReplicaId(0), *value);
    }
    let dots_held: u64 = glomer_crdt::Causal::state(state).store().iter().map(|(_, dots)| dots.len() as u64).sum();
    assert_eq!(dots_held, N / 2, "one dot per live element");
    let (json, live_json) = (serde_json::to_vec(state).unwrap(), serde_json::to_vec(&live_only).unwrap());
    let removed_overhead = json.len() as i64 - live_json.len() as i64;
    assert!(removed_overhead.abs() < 2_000, "{} bytes against {} for the live elements", json.len(), live_json.len());
    let next = context.next_dot(ReplicaId(1));
    assert_eq!(next, Dot::new(ReplicaId(1), context.max(ReplicaId(1)) + 1));
}

#[test]
fn a_restarted_replica_takes_an_id_no_peer_has_seen() {
    let mut peer = AwSet::new();
    peer.add(A, 1u64);
    peer.add(C, 2);
    // A replica that lost its state and came back as `A` would mint A's dot 1 again, which the
    // peer has seen: the peer would drop the new add as an old, removed one.
    let mut reused = AwSet::new();
    let lost = reused.add(A, 3);
    let mut joined = peer.clone();
    joined.join(&lost);
    assert!(!joined.contains(&3), "the reused dot is taken for an old one");
    // Under a fresh id the add survives.
    let fresh = glomer_crdt::Causal::context(&peer).unused_replica();
    assert_eq!(fresh, ReplicaId(3));
    let mut restarted = AwSet::new();
    peer.join(&restarted.add(fresh, 3));
    assert!(peer.contains(&3));
}
