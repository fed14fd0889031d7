//! Engine properties checked by driving engines by hand, with a Vec of messages as the network.

use glomer_crdt::{Engine, GSet, Outgoing, ReplicaId, SyncConfig, SyncMessage, SyncMode};

type Set = GSet<u32>;

const A: ReplicaId = ReplicaId(0);
const B: ReplicaId = ReplicaId(1);
const C: ReplicaId = ReplicaId(2);

/// Acks go out at once and every tick may send, so one `exchange` settles everything.
fn eager() -> SyncConfig {
    SyncConfig { batch_interval_ms: 0, piggyback_acks: false, ..SyncConfig::default() }
}

fn engine(me: ReplicaId, neighbours: &[ReplicaId], config: SyncConfig) -> Engine<Set> {
    Engine::new(me, neighbours.iter().copied(), config)
}

/// Ticks every engine at `now_ms` and delivers everything (and every reply) until no message
/// is left; engine `i` is `ReplicaId(i)`. Returns every message delivered, with its sender.
fn exchange(engines: &mut [&mut Engine<Set>], now_ms: u64) -> Vec<(ReplicaId, Outgoing<Set>)> {
    let mut wire: Vec<(ReplicaId, Outgoing<Set>)> = Vec::new();
    for engine in engines.iter_mut() {
        let from = engine.id();
        wire.extend(engine.tick(now_ms).into_iter().map(|out| (from, out)));
    }
    let mut delivered = Vec::new();
    while let Some((from, out)) = wire.pop() {
        if let Some(target) = engines.iter_mut().find(|engine| engine.id() == out.to) {
            let to = target.id();
            wire.extend(target.receive(from, out.message.clone(), now_ms).into_iter().map(|reply| (to, reply)));
        }
        delivered.push((from, out));
    }
    delivered
}

fn data_to(messages: &[(ReplicaId, Outgoing<Set>)], to: ReplicaId) -> Vec<(Set, bool)> {
    messages
        .iter()
        .filter(|(_, out)| out.to == to)
        .filter_map(|(_, out)| match &out.message {
            SyncMessage::Delta { delta, full, .. } => Some((delta.clone(), *full)),
            SyncMessage::Ack { .. } => None,
        })
        .collect()
}

fn set(values: &[u32]) -> Set {
    values.iter().copied().collect()
}

#[test]
fn delta_buffer_stays_bounded_when_every_neighbour_keeps_acking() {
    let mut a = engine(A, &[B, C], eager());
    let mut b = engine(B, &[A], eager());
    let mut c = engine(C, &[A], eager());
    for i in 0..10_000u32 {
        a.mutate(|s| s.insert(i));
        exchange(&mut [&mut a, &mut b, &mut c], u64::from(i));
        assert!(a.buffered_groups() <= 1, "after {i} mutations the buffer holds {}", a.buffered_groups());
    }
    exchange(&mut [&mut a, &mut b, &mut c], 10_000);
    assert_eq!(a.buffered_groups(), 0);
    assert_eq!(a.acked_by(B), Some(a.latest_seq()));
    assert_eq!(a.acked_by(A), None, "an engine is not its own neighbour");
    assert_eq!(b.state().len(), 10_000);
    assert_eq!(c.state(), a.state());
}

#[test]
fn delta_messages_are_smaller_than_full_state_once_state_is_large() {
    let bytes_for = |mode: SyncMode| {
        let large: Set = (0..1_000).collect();
        let config = SyncConfig { mode, ..eager() };
        let mut a = Engine::with_state(A, [B], large.clone(), config.clone());
        let mut b = Engine::with_state(B, [A], large, config);
        a.set_sizer(glomer_crdt::postcard_len::<Set>);
        exchange(&mut [&mut a, &mut b], 0);
        let before = a.stats().bytes_sent;
        for i in 0..10u32 {
            a.mutate(|s| s.insert(10_000 + i));
            exchange(&mut [&mut a, &mut b], u64::from(i) + 1);
        }
        assert_eq!(a.state(), b.state());
        a.stats().bytes_sent - before
    };
    let delta_bytes = bytes_for(SyncMode::Delta);
    let full_bytes = bytes_for(SyncMode::FullState);
    assert!(delta_bytes * 50 < full_bytes, "delta {delta_bytes} bytes vs full state {full_bytes} bytes");
}

#[test]
fn a_delta_received_from_a_neighbour_is_never_sent_back_to_it() {
    for no_back_propagation in [true, false] {
        let config = SyncConfig { no_back_propagation, ..eager() };
        let mut a = engine(A, &[B], config.clone());
        let mut b = engine(B, &[A, C], config.clone());
        let mut c = engine(C, &[B], config);
        a.mutate(|s| s.insert(1));
        let first = exchange(&mut [&mut a, &mut b, &mut c], 0);
        let second = exchange(&mut [&mut a, &mut b, &mut c], 1);
        let back_to_a: Vec<_> = first.iter().chain(&second).filter(|(from, _)| *from == B).cloned().collect();
        let echoed = data_to(&back_to_a, A).iter().any(|(delta, _)| delta.contains(&1));
        assert_eq!(echoed, !no_back_propagation, "no_back_propagation = {no_back_propagation}");
        assert!(c.state().contains(&1));
    }
}

#[test]
fn only_the_new_part_of_a_received_delta_is_buffered() {
    for remove_redundancy in [true, false] {
        let config = SyncConfig { remove_redundancy, ..eager() };
        let mut b = engine(B, &[C], config.clone());
        let mut c = engine(C, &[B], config);
        b.mutate(|s| s.insert(1));
        exchange(&mut [&mut b, &mut c], 0);
        // A is not a neighbour of B: its deltas are joined and acked but never sent to.
        b.receive(A, SyncMessage::Delta { from_seq: 0, to_seq: 1, delta: set(&[1]), ack: None, full: false }, 1);
        assert_eq!(b.buffered_groups(), 0, "a delta already known is not buffered");
        assert_eq!(b.stats().redundant_received, 1);
        b.receive(A, SyncMessage::Delta { from_seq: 1, to_seq: 2, delta: set(&[1, 2]), ack: None, full: false }, 2);
        let sent = exchange(&mut [&mut b, &mut c], 3);
        let expected = if remove_redundancy { set(&[2]) } else { set(&[1, 2]) };
        assert_eq!(data_to(&sent, C), vec![(expected, false)], "remove_redundancy = {remove_redundancy}");
    }
}

#[test]
fn a_new_neighbour_gets_full_state_after_the_buffer_was_freed() {
    let mut a = engine(A, &[B], eager());
    let mut b = engine(B, &[A], eager());
    let mut c = engine(C, &[A], eager());
    a.mutate(|s| s.insert(1));
    a.mutate(|s| s.insert(2));
    exchange(&mut [&mut a, &mut b], 0);
    assert_eq!(a.buffered_groups(), 0);
    a.set_neighbours([B, C]);
    let sent = exchange(&mut [&mut a, &mut b, &mut c], 1);
    assert_eq!(data_to(&sent, C), vec![(set(&[1, 2]), true)]);
    assert_eq!(c.state(), a.state());
    assert!(a.is_idle());
}

#[test]
fn a_new_neighbour_gets_the_buffer_while_it_reaches_back_to_the_first_group() {
    let mut a = engine(A, &[B], eager());
    let mut c = engine(C, &[A], eager());
    a.mutate(|s| s.insert(1));
    a.set_neighbours([B, C]);
    let sent = exchange(&mut [&mut a, &mut c], 0);
    assert_eq!(data_to(&sent, C), vec![(set(&[1]), false)]);
    // With no neighbour a tick frees every group, so a later neighbour needs the full state.
    let mut a = engine(A, &[], eager());
    let mut c = engine(C, &[A], eager());
    a.mutate(|s| s.insert(1));
    assert!(a.tick(0).is_empty());
    assert_eq!(a.buffered_groups(), 0);
    a.set_neighbours([C]);
    let sent = exchange(&mut [&mut a, &mut c], 1);
    assert_eq!(data_to(&sent, C), vec![(set(&[1]), true)]);
}

#[test]
fn acks_piggyback_on_data_and_standalone_acks_wait_for_the_ack_delay() {
    let config = SyncConfig { batch_interval_ms: 0, piggyback_acks: true, ack_delay_ms: 50, ..SyncConfig::default() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config);
    a.mutate(|s| s.insert(1));
    b.mutate(|s| s.insert(2));
    let from_a = a.tick(0);
    assert_eq!(from_a.len(), 1);
    assert!(b.receive(A, from_a[0].message.clone(), 0).is_empty(), "no immediate ack when piggybacking");
    let from_b = b.tick(10);
    assert!(matches!(from_b.as_slice(), [Outgoing { message: SyncMessage::Delta { ack: Some(1), .. }, .. }]));
    // B now has nothing to send: A's next delta is acked standalone, only after the delay.
    // A's groups: 1 = {1}, 2 = {2} (from B, so skipped for B), 3 = {3}.
    a.receive(B, from_b[0].message.clone(), 10);
    a.mutate(|s| s.insert(3));
    let from_a = a.tick(20);
    let data: Vec<_> = from_a.iter().filter(|out| out.message.is_data()).collect();
    assert_eq!(data.len(), 1);
    assert!(b.receive(A, data[0].message.clone(), 20).is_empty());
    assert!(b.tick(69).is_empty(), "a standalone ack waits ack_delay_ms");
    assert_eq!(b.tick(70), vec![Outgoing { to: A, message: SyncMessage::Ack { seq: 3 } }]);
    assert_eq!(b.stats().acks_sent, 1);
}

#[test]
fn without_piggybacking_every_data_message_is_acked_at_once() {
    let mut a = engine(A, &[B], eager());
    let mut b = engine(B, &[A], eager());
    a.mutate(|s| s.insert(1));
    let from_a = a.tick(0);
    let replies = b.receive(A, from_a[0].message.clone(), 0);
    assert_eq!(replies, vec![Outgoing { to: A, message: SyncMessage::Ack { seq: 1 } }]);
}

#[test]
fn an_out_of_order_delta_is_joined_but_not_acked_until_the_gap_is_resent() {
    let config = SyncConfig { retransmit_after_ms: 100, ..eager() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config);
    a.mutate(|s| s.insert(1));
    let lost = a.tick(0);
    assert_eq!(lost.len(), 1);
    a.mutate(|s| s.insert(2));
    let second = a.tick(10);
    assert!(matches!(second[0].message, SyncMessage::Delta { from_seq: 1, to_seq: 2, .. }));
    assert!(b.receive(A, second[0].message.clone(), 10).is_empty(), "nothing contiguous to ack yet");
    assert!(b.state().contains(&2));
    assert!(a.tick(50).is_empty(), "no resend before retransmit_after_ms");
    let resent = a.tick(100);
    assert!(
        matches!(&resent[0].message, SyncMessage::Delta { from_seq: 0, to_seq: 2, delta, .. } if *delta == set(&[1, 2]))
    );
    assert_eq!(a.stats().retransmissions, 1);
    let acks = b.receive(A, resent[0].message.clone(), 100);
    assert_eq!(acks, vec![Outgoing { to: A, message: SyncMessage::Ack { seq: 2 } }]);
    a.receive(B, acks[0].message.clone(), 100);
    assert!(a.is_idle());
    assert_eq!(a.buffered_groups(), 0);
}

#[test]
fn a_neighbour_whose_ack_fell_behind_the_evicted_buffer_gets_full_state() {
    let config = SyncConfig { max_buffered_groups: 2, ..eager() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config);
    for i in 0..5u32 {
        a.mutate(|s| s.insert(i));
        let _lost = a.tick(u64::from(i));
    }
    assert_eq!(a.buffered_groups(), 2);
    assert!(a.stats().groups_evicted >= 3);
    let sent = exchange(&mut [&mut a, &mut b], 1_000);
    assert_eq!(data_to(&sent, B), vec![(set(&[0, 1, 2, 3, 4]), true)]);
    assert_eq!(b.state(), a.state());
}

#[test]
fn local_mutations_between_sends_coalesce_into_one_group() {
    let mut a = engine(A, &[B], eager());
    for i in 0..100u32 {
        a.mutate(|s| s.insert(i));
    }
    assert_eq!(a.buffered_groups(), 1);
    assert_eq!(a.stats().groups_buffered, 1);
}

#[test]
fn wire_format_is_pinned() {
    let delta: SyncMessage<Set> =
        SyncMessage::Delta { from_seq: 1, to_seq: 3, delta: set(&[7]), ack: Some(2), full: false };
    let json = serde_json::to_string(&delta).expect("serialises");
    assert_eq!(json, r#"{"Delta":{"from_seq":1,"to_seq":3,"delta":[7],"ack":2,"full":false}}"#);
    let ack: SyncMessage<Set> = SyncMessage::Ack { seq: 4 };
    assert_eq!(serde_json::to_string(&ack).expect("serialises"), r#"{"Ack":{"seq":4}}"#);
}

#[test]
fn groups_a_silent_neighbour_holds_back_are_freed_once_it_is_removed() {
    let mut a = engine(A, &[B, C], eager());
    let mut b = engine(B, &[A], eager());
    a.mutate(|s| s.insert(1));
    exchange(&mut [&mut a, &mut b], 0);
    assert_eq!(a.buffered_groups(), 1, "C has not acked");
    assert!(!a.is_idle());
    a.set_neighbours([B]);
    assert!(a.tick(1).is_empty());
    assert_eq!(a.buffered_groups(), 0);
    assert!(a.is_idle());
    assert_eq!(a.neighbours(), &[B]);
}

#[test]
fn the_sizer_decides_bytes_sent() {
    let mut a = engine(A, &[B], eager());
    a.set_sizer(|message| if message.is_data() { 1_000 } else { 1 });
    a.mutate(|s| s.insert(1));
    let _ = a.tick(0);
    a.receive(B, SyncMessage::Delta { from_seq: 0, to_seq: 1, delta: set(&[2]), ack: Some(1), full: false }, 1);
    assert_eq!(a.stats().messages_sent, 2);
    assert_eq!(a.stats().bytes_sent, 1_001);
    assert_eq!(a.stats().acks_sent, 1);
}

#[test]
fn next_deadline_is_none_when_idle_and_now_for_a_fresh_mutation() {
    let mut a = engine(A, &[B], SyncConfig::default());
    assert_eq!(a.next_deadline_ms(), None, "nothing to send before any mutation");
    a.mutate(|s| s.insert(1));
    assert_eq!(a.next_deadline_ms(), Some(0), "a first send is due at once");
}

#[test]
fn next_deadline_follows_batch_interval_retransmit_and_ack_delay() {
    let config =
        SyncConfig { batch_interval_ms: 100, retransmit_after_ms: 500, ack_delay_ms: 70, ..SyncConfig::default() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config);
    a.mutate(|s| s.insert(1));
    let sent = a.tick(1_000);
    assert_eq!(sent.len(), 1);
    // Sent, unacked, nothing new: the next thing due is the retransmission.
    assert_eq!(a.next_deadline_ms(), Some(1_500));
    a.mutate(|s| s.insert(2));
    assert_eq!(a.next_deadline_ms(), Some(1_100), "new data waits for the batch interval only");
    // The receiver owes a piggybacked ack: due after the ack delay.
    for out in sent {
        assert!(b.receive(A, out.message, 1_010).is_empty());
    }
    // b buffered a's delta for its other neighbours (none but a): a's own group is settled
    // at once, so the deadline is exactly the ack's, never an early wake-up that sends nothing.
    assert_eq!(b.next_deadline_ms(), Some(1_080));
    assert!(b.tick(1_079).is_empty(), "ticking before the deadline sends nothing");
    let acks = b.tick(1_080);
    assert_eq!(acks.len(), 1);
    assert_eq!(b.next_deadline_ms(), None);
}

#[test]
fn ticking_at_each_next_deadline_converges_and_ends_quiet() {
    let config = SyncConfig { batch_interval_ms: 50, ..SyncConfig::default() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config);
    a.mutate(|s| s.insert(1));
    b.mutate(|s| s.insert(2));
    let mut now_ms = 0;
    let mut ticks = 0;
    while let Some(due) = a.next_deadline_ms().into_iter().chain(b.next_deadline_ms()).min() {
        now_ms = now_ms.max(due);
        exchange(&mut [&mut a, &mut b], now_ms);
        ticks += 1;
        assert!(ticks < 20, "still busy after {ticks} deadlines at {now_ms} ms");
    }
    assert_eq!(a.state(), &set(&[1, 2]));
    assert_eq!(a.state(), b.state());
    assert!(a.is_idle() && b.is_idle());
}

#[test]
fn without_relay_received_deltas_are_joined_but_not_forwarded() {
    let config = SyncConfig { relay: false, ..eager() };
    let mut a = engine(A, &[B, C], config.clone());
    let mut b = engine(B, &[A, C], config.clone());
    let mut c = engine(C, &[A, B], config);
    a.mutate(|s| s.insert(1));
    let delivered = exchange(&mut [&mut a, &mut b, &mut c], 0);
    let data_from_b: Vec<_> = delivered.iter().filter(|(from, out)| *from == B && out.message.is_data()).collect();
    assert!(data_from_b.is_empty(), "b relayed a's delta: {data_from_b:?}");
    assert_eq!(b.state(), &set(&[1]));
    assert_eq!(c.state(), &set(&[1]));
    assert_eq!(b.buffered_groups(), 0);
}

/// Messages one engine returned, tagged with their sender as `exchange` returns them.
fn tagged(from: ReplicaId, out: Vec<Outgoing<Set>>) -> Vec<(ReplicaId, Outgoing<Set>)> {
    out.into_iter().map(|message| (from, message)).collect()
}

#[test]
fn a_new_config_keeps_state_and_acknowledgements_and_takes_effect_at_once() {
    let mut a = engine(A, &[B], eager());
    let mut b = engine(B, &[A], eager());
    a.mutate(|s| s.insert(1));
    exchange(&mut [&mut a, &mut b], 0);
    assert_eq!(a.acked_by(B), Some(1));
    a.set_config(SyncConfig { batch_interval_ms: 1_000, ..eager() });
    assert_eq!(a.acked_by(B), Some(1), "progress survives a new config");
    assert_eq!(a.state(), &set(&[1]));
    a.mutate(|s| s.insert(2));
    assert_eq!(a.next_deadline_ms(), Some(1_000), "the new batch interval counts from the last send");
    assert!(a.tick(999).is_empty());
    assert_eq!(data_to(&tagged(A, a.tick(1_000)), B), vec![(set(&[2]), false)]);
}

#[test]
fn a_smaller_buffer_bound_evicts_at_once_and_falls_back_to_full_state() {
    let mut a = engine(A, &[B], eager());
    for i in 0..5 {
        a.mutate(|s| s.insert(i));
        a.tick(u64::from(i));
    }
    assert_eq!(a.buffered_groups(), 5, "nothing acked yet");
    a.set_config(SyncConfig { max_buffered_groups: 2, retransmit_after_ms: 0, ..eager() });
    assert_eq!(a.buffered_groups(), 2);
    assert_eq!(data_to(&tagged(A, a.tick(100)), B), vec![(set(&[0, 1, 2, 3, 4]), true)]);
}

/// A star around `A` with leaves `B`, `C`, `D` under the default (piggybacked, batched)
/// settings, driven only at each engine's `next_deadline_ms` or a delivery, with 30 ms of
/// latency: every tick at a deadline must send something, or the deadline was early.
#[test]
fn a_tick_at_the_next_deadline_always_sends_something() {
    const D: ReplicaId = ReplicaId(3);
    let config =
        SyncConfig { batch_interval_ms: 40, ack_delay_ms: 60, retransmit_after_ms: 300, ..SyncConfig::default() };
    let mut engines = [
        engine(A, &[B, C, D], config.clone()),
        engine(B, &[A], config.clone()),
        engine(C, &[A], config.clone()),
        engine(D, &[A], config),
    ];
    let mut wire: Vec<(u64, ReplicaId, Outgoing<Set>)> = Vec::new();
    for now_ms in 0..3_000u64 {
        if now_ms % 7 == 0 && now_ms < 2_000 {
            let at = (now_ms / 7 % 4) as usize;
            engines[at].mutate(|s| s.insert(now_ms as u32));
        }
        let due: Vec<_> = wire.iter().filter(|(at, _, _)| *at == now_ms).cloned().collect();
        wire.retain(|(at, _, _)| *at != now_ms);
        for (_, from, out) in due {
            let to = out.to;
            let replies = engines[to.0 as usize].receive(from, out.message, now_ms);
            wire.extend(replies.into_iter().map(|reply| (now_ms + 30, to, reply)));
        }
        for engine in engines.iter_mut() {
            if engine.next_deadline_ms().is_some_and(|due| due <= now_ms) {
                let from = engine.id();
                let sent = engine.tick(now_ms);
                assert!(!sent.is_empty(), "{from} ticked at its deadline {now_ms} ms and sent nothing");
                wire.extend(sent.into_iter().map(|out| (now_ms + 30, from, out)));
            }
        }
    }
    assert!(engines.iter().all(|engine| engine.state() == engines[0].state() && engine.is_idle()));
}

/// A hub relaying groups from two leaves to three others: the leaves that need the same
/// groups are lent the very same join, and a single group is lent without a copy.
#[test]
fn one_join_serves_every_neighbour_that_needs_the_same_groups() {
    const D: ReplicaId = ReplicaId(3);
    const E: ReplicaId = ReplicaId(4);
    let mut hub = engine(A, &[B, C, D, E], SyncConfig { batch_interval_ms: 100, ..SyncConfig::default() });
    let delta =
        |values: &[u32]| SyncMessage::Delta { from_seq: 0, to_seq: 1, delta: set(values), ack: None, full: false };
    hub.receive(B, delta(&[1]), 0);
    hub.receive(C, delta(&[2]), 0);
    let mut lent: Vec<(ReplicaId, *const Set, Set)> = Vec::new();
    hub.tick_each(100, |to, message| {
        if let SyncMessage::Delta { delta, .. } = message {
            lent.push((to, delta as *const Set, delta.clone()));
        }
    });
    let payload = |id: ReplicaId| lent.iter().find(|(to, _, _)| *to == id).cloned().expect("a message");
    assert_eq!(payload(B).2, set(&[2]), "B is not sent its own group");
    assert_eq!(payload(C).2, set(&[1]));
    assert_eq!(payload(D).2, set(&[1, 2]));
    assert_eq!(payload(D).1, payload(E).1, "D and E share one join");
}

/// `b` restarts from its state (a fresh engine under the same id, numbering its groups from 1
/// again); its first new group is lost on the way to `a`, its second arrives. Returns `a` once
/// every message has settled, with `a` told of the restart or not.
fn a_restart_that_loses_its_first_new_group(told: bool) -> Engine<Set> {
    let config = SyncConfig { retransmit_after_ms: 10, ..eager() };
    let mut a = engine(A, &[B], config.clone());
    let mut b = engine(B, &[A], config.clone());
    for value in 0..5 {
        b.mutate(|s| s.insert(value));
        exchange(&mut [&mut a, &mut b], 0);
    }
    assert_eq!(a.state(), &set(&[0, 1, 2, 3, 4]));
    let mut b = Engine::with_state(B, [A], b.state().clone(), config);
    if told {
        a.peer_restarted(B);
    }
    b.mutate(|s| s.insert(10));
    let lost: Vec<_> = b.tick(1).into_iter().map(|out| (B, out)).collect();
    assert!(data_to(&lost, A).iter().any(|(delta, _)| delta.contains(&10)), "{lost:?}");
    b.mutate(|s| s.insert(11));
    for now_ms in (2..200).step_by(10) {
        exchange(&mut [&mut a, &mut b], now_ms);
    }
    a
}

#[test]
fn a_restarted_neighbours_lost_group_is_resent_once_its_restart_is_known() {
    let a = a_restart_that_loses_its_first_new_group(true);
    assert!(a.state().contains(&10), "{:?}", a.state());
    // Without the reset, `a` acknowledges the new groups as far as it held the old ones, and
    // the restarted replica never sends the lost group again.
    let a = a_restart_that_loses_its_first_new_group(false);
    assert!(!a.state().contains(&10) && a.state().contains(&11), "{:?}", a.state());
}

#[test]
fn a_restarted_neighbour_gets_everything_again() {
    let mut a = engine(A, &[B], eager());
    let mut b = engine(B, &[A], eager());
    for value in 0..5 {
        a.mutate(|s| s.insert(value));
        exchange(&mut [&mut a, &mut b], 0);
    }
    assert_eq!(a.acked_by(B), Some(a.latest_seq()));
    // `b` comes back with nothing it had received (it was never made durable).
    let mut b = engine(B, &[A], eager());
    a.peer_restarted(B);
    assert_eq!(a.acked_by(B), Some(0));
    exchange(&mut [&mut a, &mut b], 1);
    assert_eq!(b.state(), a.state());
}
