use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType::{self, *};

fn valid(h: &Hist) -> Validity {
    check(&h.ops).valid
}

#[test]
fn a_sequential_history_is_linearizable() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 1]), Ok, json!([0, 1]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 1]));
    h.call(0, "cas", json!([0, [1, 2]]), Ok, json!([0, [1, 2]]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 2]));
    let c = check(&h.ops);
    assert_eq!(c.valid, Validity::True, "{}", c.result);
    assert_eq!(c.result["failures"], json!([]));
    assert_eq!(c.result["results"]["0"]["linearizable"]["op-count"], json!(4));
}

#[test]
fn a_stale_read_is_caught_with_its_window() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 1]), Ok, json!([0, 1]));
    h.call(0, "write", json!([0, 2]), Ok, json!([0, 2]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 1]));
    let c = check(&h.ops);
    assert_eq!(c.valid, Validity::False);
    assert_eq!(c.result["failures"], json!([0]));
    let lin = &c.result["results"]["0"]["linearizable"];
    assert_eq!(lin["op"]["index"], json!(5), "{lin}");
    assert_eq!(lin["values"], json!([2]));
    assert_eq!(lin["previous-ok"]["index"], json!(3));
    let indices: Vec<u64> = lin["window"].as_array().unwrap().iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, vec![2, 3, 4, 5]);
    let svg = svg::render("0", lin["window"].as_array().unwrap(), &lin["op"]);
    assert!(svg.starts_with("<svg") && svg.contains("#e06666") && svg.contains("read 1"), "{svg}");
}

#[test]
fn concurrent_ops_may_take_effect_in_either_order() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 1]), Ok, json!([0, 1]));
    h.invoke(0, "write", json!([0, 2]));
    h.invoke(1, "read", json!([0, null]));
    h.invoke(2, "read", json!([0, null]));
    h.ok(1, "read", json!([0, 2]));
    h.ok(2, "read", json!([0, 2]));
    h.ok(0, "write", json!([0, 2]));
    assert_eq!(valid(&h), Validity::True);
    // But once a read saw 2, a later read cannot see 1 again.
    h.call(1, "read", json!([0, null]), Ok, json!([0, 1]));
    assert_eq!(valid(&h), Validity::False);
}

#[test]
fn a_cas_that_succeeds_from_a_value_the_register_does_not_hold_is_caught() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 3]), Ok, json!([0, 3]));
    h.call(0, "cas", json!([0, [4, 1]]), Ok, json!([0, [4, 1]]));
    assert_eq!(valid(&h), Validity::False);
}

#[test]
fn info_ops_may_happen_late_or_never_and_failed_ops_never() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 3]), Info, json!([0, 3]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, null]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 3]));
    h.call(1, "write", json!([0, 4]), Info, json!([0, 4]));
    assert_eq!(valid(&h), Validity::True, "an :info write may land after later ops, or never");
    h.call(2, "write", json!([0, 5]), Fail, json!([0, 5]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 5]));
    assert_eq!(valid(&h), Validity::False, "a :fail write never happened");
}

#[test]
fn keys_are_judged_independently() {
    let mut h = Hist::default();
    h.call(0, "write", json!([0, 1]), Ok, json!([0, 1]));
    h.call(0, "write", json!([1, 1]), Ok, json!([1, 1]));
    h.call(1, "read", json!([1, null]), Ok, json!([1, 2]));
    h.call(1, "read", json!([0, null]), Ok, json!([0, 1]));
    let c = check(&h.ops);
    assert_eq!(c.result["failures"], json!([1]));
    assert_eq!(c.result["results"]["0"]["valid?"], json!(true));
}

/// A recorded history of one key: `processes` clients each doing `ops` reads, writes and cas
/// against a register that takes effect at a random point of each op's interval; `stale`
/// makes every 100th read that can tell return the value before the current one.
pub(crate) fn recorded(seed: u64, processes: u64, ops: usize, stale: bool) -> Vec<Op> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // (time, process, is_completion, f, value): events of every op, then sorted by time.
    let mut events: Vec<(u64, u64, bool, &str, Value)> = Vec::new();
    let mut effects: Vec<(u64, u64, usize)> = Vec::new(); // (effect time, process, event index)
    let mut clock = vec![0u64; processes as usize];
    for i in 0..ops {
        let p = (i as u64) % processes;
        let start = clock[p as usize] + rng.gen_range(1..50);
        let end = start + rng.gen_range(1..100);
        clock[p as usize] = end;
        let (f, value) = match rng.gen_range(0..3) {
            0 => ("read", json!([0, null])),
            1 => ("write", json!([0, rng.gen_range(0..5)])),
            _ => ("cas", json!([0, [rng.gen_range(0..5), rng.gen_range(0..5)]])),
        };
        events.push((start, p, false, f, value.clone()));
        effects.push((rng.gen_range(start..end), p, events.len()));
        events.push((end, p, true, f, value));
    }
    effects.sort_unstable();
    let (mut state, mut previous) = (Value::Null, Value::Null);
    let mut kinds = vec![Ok; events.len()];
    let mut reads = 0;
    for (_, _, e) in effects {
        let (f, value) = (events[e].3, events[e].4.clone());
        reads += usize::from(f == "read" && previous != state && !previous.is_null());
        match f {
            "read" if stale && reads % 100 == 99 => {
                events[e].4 = json!([0, previous]);
                reads += 1;
            }
            "read" => events[e].4 = json!([0, state]),
            "write" => (previous, state) = (state.clone(), value[1].clone()),
            _ if value[1][0] == state => (previous, state) = (state.clone(), value[1][1].clone()),
            _ => kinds[e] = Fail,
        }
    }
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].0, events[i].2, i));
    order
        .into_iter()
        .enumerate()
        .map(|(index, i)| {
            let (time, p, done, f, value) = events[i].clone();
            let kind: OpType = if done { kinds[i] } else { Invoke };
            Op {
                index,
                time_ns: time * 1_000_000,
                kind,
                process: crate::history::Process::Client(p),
                f: f.into(),
                value,
                error: None,
                exception: None,
                is_final: false,
            }
        })
        .collect()
}

#[test]
fn a_recorded_linearizable_history_of_ten_thousand_ops_is_valid_and_a_stale_one_is_not() {
    for seed in 0..2 {
        let good = check(&recorded(seed, 10, 10_000, false));
        assert_eq!(good.valid, Validity::True, "seed {seed}: {}", good.result);
        let bad = check(&recorded(seed, 3, 2_000, true));
        assert_eq!(bad.valid, Validity::False, "seed {seed}");
    }
}

/// Checker speed on recorded histories; run with
/// `cargo test -p glomer-harness --release --lib linearizable::tests::speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn speed() {
    for processes in [5, 10, 20] {
        let mut ops = 1_000;
        loop {
            let history = recorded(1, processes, ops, false);
            let t = std::time::Instant::now();
            let c = check(&history);
            let s = t.elapsed().as_secs_f64();
            println!("{processes} processes, {ops} ops: {:?} in {s:.3} s ({:.0} ops/s)", c.valid, ops as f64 / s);
            if s > 10.0 || ops >= 1_000_000 {
                break;
            }
            ops *= 2;
        }
    }
    for ops in [10_000, 100_000] {
        let history = recorded(1, 10, ops, true);
        let t = std::time::Instant::now();
        let c = check(&history);
        println!("10 processes, {ops} ops, stale reads: {:?} in {:.3} s", c.valid, t.elapsed().as_secs_f64());
    }
}

#[test]
fn the_window_is_the_smallest_that_still_fails_on_its_own() {
    let mut h = Hist::default();
    for v in 0..50 {
        h.call(v % 3, "write", json!([0, v % 5]), Ok, json!([0, v % 5]));
        h.call(3, "read", json!([0, null]), Ok, json!([0, v % 5]));
    }
    // An :info write long ago may still land at any moment, so it belongs in the window.
    h.call(9, "write", json!([0, 7]), Info, json!([0, 7]));
    h.call(0, "write", json!([0, 1]), Ok, json!([0, 1]));
    h.call(1, "cas", json!([0, [1, 2]]), Ok, json!([0, [1, 2]]));
    h.call(3, "read", json!([0, null]), Ok, json!([0, 1]));
    let c = check(&h.ops);
    let lin = &c.result["results"]["0"]["linearizable"];
    let indices: Vec<u64> = lin["window"].as_array().unwrap().iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, vec![200, 204, 205, 206, 207], "{lin}");
}

/// Whether some order of `ops` (each `:ok` op, and any of the `:info` ones, once, respecting
/// real time) explains every result: the definition, by exhaustive search.
fn brute_force(ops: &[KeyOp], done: u32, state: u32) -> bool {
    let pending = |j: usize| done & (1 << j) == 0;
    if (0..ops.len()).all(|j| !pending(j) || ops[j].returned.is_none()) {
        return true;
    }
    (0..ops.len()).filter(|&i| pending(i)).any(|i| {
        let blocked = (0..ops.len()).any(|j| pending(j) && ops[j].returned.is_some_and(|r| r < ops[i].invoked));
        !blocked && ops[i].call.step(state).is_some_and(|next| brute_force(ops, done | 1 << i, next))
    })
}

/// A random history of up to seven ops on values 0…2 (0 is `null`), some `:info`.
fn tiny_history(seed: u64) -> Vec<KeyOp> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.gen_range(1..=7);
    let mut slots: Vec<usize> = (0..2 * n).collect();
    for i in (1..slots.len()).rev() {
        slots.swap(i, rng.gen_range(0..=i));
    }
    (0..n)
        .map(|i| {
            let (a, b) = (slots[2 * i].min(slots[2 * i + 1]), slots[2 * i].max(slots[2 * i + 1]));
            let call = match rng.gen_range(0..3) {
                0 => Call::Read(rng.gen_range(0..3)),
                1 => Call::Write(rng.gen_range(1..3)),
                _ => Call::Cas(rng.gen_range(0..3), rng.gen_range(1..3)),
            };
            let info = rng.gen_bool(0.2) && !matches!(call, Call::Read(_));
            KeyOp { call, invoked: a, returned: (!info).then_some(b) }
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// The memoised search agrees with exhaustive search on every small history.
    #[test]
    fn the_search_agrees_with_exhaustive_search(seed: u64) {
        let ops = tiny_history(seed);
        let expected = brute_force(&ops, 0, wgl::NULL);
        let found = wgl::search(&ops, wgl::NULL);
        proptest::prop_assert_eq!(found == Verdict::Linearizable, expected, "seed {} ops {:?}", seed, ops);
        // The reported window fails on its own, from every value the register could hold.
        if let Verdict::Violation { op, .. } = found {
            let start = window::smallest_start(&ops, op, 3);
            let end = ops[op].returned.unwrap_or(ops[op].invoked);
            let window: Vec<KeyOp> = window::ops_in(&ops, start, end).into_iter().map(|(_, o)| o).collect();
            let initials = if start == 0 { 0..1 } else { 0..3 };
            for initial in initials {
                proptest::prop_assert!(!brute_force(&window, 0, initial), "seed {} window from {}", seed, start);
            }
        }
    }
}
