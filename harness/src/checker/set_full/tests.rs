use serde_json::json;

use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType::*;

/// A read by `p` invoked at `inv_ns` that returns `seen` at `done_ns`.
fn read_at(h: &mut Hist, p: u64, inv_ns: u64, done_ns: u64, seen: Value) {
    h.invoke(p, "read", Value::Null).time_ns = inv_ns;
    h.ok(p, "read", seen).time_ns = done_ns;
}

fn add_at(h: &mut Hist, p: u64, element: i64, inv_ns: u64, done_ns: u64, kind: OpType) {
    h.invoke(p, "broadcast", json!(element)).time_ns = inv_ns;
    h.push(kind, p, "broadcast", json!(element)).time_ns = done_ns;
}

/// Hand-computed fixture: three elements, one stale by 3 ms (the +1 ns rounds 2.999999 ms up
/// to exactly 3 ms), one stale by 1 ms after truncation, one immediately visible.
#[test]
fn stable_latencies_follow_the_plus_one_ns_and_truncation_rules() {
    let mut h = Hist::default();
    add_at(&mut h, 0, 0, 0, 1_000_000, Ok); // known at 1 ms
    add_at(&mut h, 0, 1, 1_000_000, 1_500_000, Ok); // known at 1.5 ms
    read_at(&mut h, 1, 2_999_998, 3_000_000, json!([])); // misses 0 and 1
    read_at(&mut h, 1, 3_999_999, 4_100_000, json!([1])); // misses 0 again
    read_at(&mut h, 2, 5_000_000, 5_100_000, json!([0, 1]));
    add_at(&mut h, 0, 2, 6_000_000, 6_100_000, Ok);
    read_at(&mut h, 2, 7_000_000, 7_100_000, json!([0, 1, 2]));
    let c = check(&h.ops, "broadcast");
    assert_eq!(c.valid, Validity::True);
    let r = &c.result;
    assert_eq!(r["attempt-count"], json!(3));
    assert_eq!(r["stable-count"], json!(3));
    assert_eq!(r["stale"], json!([0, 1]));
    assert_eq!(r["stale-count"], json!(2));
    // 0: 3_999_999 + 1 - 1_000_000 = exactly 3 ms; 1: 2_999_998 + 1 - 1_500_000 = 1.499999 ms,
    // truncated to 1; 2: 0. Sorted [0, 1, 3]: index floor(3q) clamped to 2.
    assert_eq!(r["stable-latencies"], json!({"0": 0, "0.5": 1, "0.95": 3, "0.99": 3, "1": 3}));
    assert_eq!(r["worst-stale"][0]["element"], json!(0));
    assert_eq!(r["worst-stale"][0]["stable-latency"], json!(3));
    assert_eq!(r["worst-stale"][0]["last-absent"]["time"], json!(3_999_999));
    assert_eq!(r["worst-stale"][1]["element"], json!(1));
    assert!(r.get("lost-latencies").is_none());
    assert_eq!(r["duplicated-count"], json!(0));
}

#[test]
fn an_acknowledged_element_missing_from_a_later_read_is_lost() {
    let mut h = Hist::default();
    add_at(&mut h, 0, 7, 0, 1_000_000, Ok);
    read_at(&mut h, 1, 2_000_000, 2_500_000, json!([7]));
    read_at(&mut h, 1, 5_000_000, 5_500_000, json!([]));
    let c = check(&h.ops, "broadcast");
    assert_eq!(c.valid, Validity::False);
    assert_eq!(c.result["lost"], json!([7]));
    // Lost latency: from known (1 ms) to the last present read's invocation (2 ms) + 1 ns.
    assert_eq!(c.result["lost-latencies"], json!({"0": 1, "0.5": 1, "0.95": 1, "0.99": 1, "1": 1}));
    assert!(c.result.get("stable-latencies").is_none());
}

#[test]
fn a_miss_by_a_read_concurrent_with_the_add_is_never_read_not_lost() {
    let mut h = Hist::default();
    h.invoke(1, "read", Value::Null);
    h.invoke(0, "add", json!("x"));
    h.ok(0, "add", json!("x"));
    h.ok(1, "read", json!([]));
    let c = check(&h.ops, "add");
    assert_eq!(c.result["never-read"], json!(["x"]));
    assert_eq!(c.result["lost-count"], json!(0));
    // Nothing stable: the verdict is unknown, not valid (docs/checkers.md).
    assert_eq!(c.valid, Validity::Unknown);
}

#[test]
fn an_unacknowledged_element_never_seen_is_never_read() {
    let mut h = Hist::default();
    add_at(&mut h, 0, 1, 0, 1, Info);
    add_at(&mut h, 0, 2, 2, 3, Ok);
    read_at(&mut h, 1, 4, 5, json!([2]));
    let c = check(&h.ops, "broadcast");
    assert_eq!(c.valid, Validity::True);
    assert_eq!(c.result["never-read"], json!([1]));
    assert_eq!(c.result["stable-latencies"], json!({"0": 0, "0.5": 0, "0.95": 0, "0.99": 0, "1": 0}));
}

#[test]
fn an_element_first_seen_by_a_read_is_known_from_that_read() {
    let mut h = Hist::default();
    h.invoke(0, "broadcast", json!(3)).time_ns = 0;
    read_at(&mut h, 1, 1_000_000, 2_000_000, json!([3]));
    read_at(&mut h, 2, 9_000_000, 9_500_000, json!([]));
    read_at(&mut h, 2, 10_000_000, 10_500_000, json!([3]));
    let c = check(&h.ops, "broadcast");
    // Known at 2 ms (the read's completion), last absent at 9 ms: stale by 7 ms.
    assert_eq!(c.result["stable-latencies"]["1"], json!(7));
    assert_eq!(c.valid, Validity::True);
}

#[test]
fn failed_reads_and_duplicates_in_reads_change_nothing() {
    let mut h = Hist::default();
    add_at(&mut h, 0, 1, 0, 1, Ok);
    h.invoke(1, "read", Value::Null);
    h.info(1, "read", Value::Null);
    read_at(&mut h, 2, 10, 11, json!([1, 1, 99]));
    let c = check(&h.ops, "broadcast");
    assert_eq!(c.valid, Validity::True);
    assert_eq!(c.result["attempt-count"], json!(1));
    assert_eq!(c.result["duplicated-count"], json!(0));
    assert_eq!(c.result["duplicated"], json!({}));
}

#[test]
fn worst_stale_lists_the_eight_slowest_largest_first() {
    let mut h = Hist::default();
    for e in 0..10u64 {
        add_at(&mut h, 0, e as i64, 0, 0, Ok);
    }
    // Element e is missed by a read invoked at e ms.
    for e in 0..10u64 {
        let missing: Vec<u64> = (0..10).filter(|&x| x != e).collect();
        read_at(&mut h, 1, e * 1_000_000, e * 1_000_000 + 1, json!(missing));
    }
    read_at(&mut h, 1, 20_000_000, 20_000_001, json!((0..10).collect::<Vec<u64>>()));
    let c = check(&h.ops, "broadcast");
    let worst: Vec<Value> =
        c.result["worst-stale"].as_array().cloned().unwrap_or_default().iter().map(|w| w["element"].clone()).collect();
    assert_eq!(worst, (2..10).rev().map(|e| json!(e)).collect::<Vec<_>>());
    assert_eq!(c.result["stale-count"], json!(9));
    assert_eq!(c.result["stable-latencies"], json!({"0": 0, "0.5": 5, "0.95": 9, "0.99": 9, "1": 9}));
}

/// Published expectations: Jepsen's own `set-full-test` (jepsen `test/jepsen/checker_test.clj`,
/// "write, present, missing"), where each record's time is its index in ms. Processes: adds by
/// 0 and 1, reads by 2.
#[test]
fn jepsen_fixture_write_present_missing() {
    let mut h = Hist::default();
    h.invoke(0, "add", json!(0));
    h.invoke(1, "add", json!(1));
    h.invoke(2, "read", Value::Null);
    h.ok(2, "read", json!([1]));
    h.ok(0, "add", json!(0));
    h.ok(1, "add", json!(1));
    for seen in [json!([0, 1]), json!([0]), json!([])] {
        h.invoke(2, "read", Value::Null);
        h.ok(2, "read", seen);
    }
    let c = check(&h.ops, "add");
    assert_eq!(
        c.result,
        json!({"valid?": false, "attempt-count": 2, "lost": [0, 1], "lost-count": 2, "never-read": [],
               "never-read-count": 0, "stale-count": 0, "stale": [], "worst-stale": [], "stable-count": 0,
               "duplicated-count": 0, "duplicated": {},
               "lost-latencies": {"0": 3, "0.5": 4, "0.95": 4, "0.99": 4, "1": 4}})
    );
}

/// Published expectations: Jepsen's `set-full-test` "write, flutter, stable/lost": 1 is known
/// at 4 ms (a read sees it before its add completes), missing at 6 ms and back at 7 ms; 0 is lost.
#[test]
fn jepsen_fixture_write_flutter_stable_lost() {
    let mut h = Hist::default();
    h.invoke(0, "add", json!(0));
    h.ok(0, "add", json!(0));
    h.invoke(1, "add", json!(1));
    h.invoke(2, "read", Value::Null);
    h.ok(2, "read", json!([1]));
    h.ok(1, "add", json!(1));
    h.invoke(2, "read", Value::Null);
    h.invoke(3, "read", Value::Null);
    h.ok(3, "read", json!([1]));
    h.ok(2, "read", json!([0]));
    let c = check(&h.ops, "add");
    let r = &c.result;
    assert_eq!(c.valid, Validity::False);
    assert_eq!((r["lost"].clone(), r["stale"].clone(), r["stable-count"].clone()), (json!([0]), json!([1]), json!(1)));
    assert_eq!(r["lost-latencies"], json!({"0": 5, "0.5": 5, "0.95": 5, "0.99": 5, "1": 5}));
    assert_eq!(r["stable-latencies"], json!({"0": 2, "0.5": 2, "0.95": 2, "0.99": 2, "1": 2}));
    let worst = &r["worst-stale"][0];
    assert_eq!((worst["element"].clone(), worst["stable-latency"].clone()), (json!(1), json!(2)));
    assert_eq!((worst["outcome"].clone(), worst["lost-latency"].clone()), (json!("stable"), Value::Null));
    assert_eq!((worst["known"]["index"].clone(), worst["known"]["time"].clone()), (json!(4), json!(4_000_000)));
    assert_eq!(
        (worst["last-absent"]["index"].clone(), worst["last-absent"]["time"].clone()),
        (json!(6), json!(6_000_000))
    );
}

/// Published expectations: Jepsen's `set-full-test` concurrency cases: a read concurrent with
/// the add that sees the element makes it stable with latency 0; one that misses it leaves the
/// element never-read (and the verdict unknown).
#[test]
fn jepsen_fixture_concurrent_reads() {
    // Orders of [add invoke a, add ok a', read invoke r, read ok r±], as in the Jepsen test.
    let orders = [
        ["r", "a", "r+", "a'"],
        ["r", "a", "a'", "r+"],
        ["a", "r", "r+", "a'"],
        ["a", "r", "a'", "r+"],
        ["a", "a'", "r", "r+"],
    ];
    for order in orders {
        for present in [true, false] {
            let mut h = Hist::default();
            for step in order {
                match step {
                    "a" => drop(h.invoke(0, "add", json!(0))),
                    "a'" => drop(h.ok(0, "add", json!(0))),
                    "r" => drop(h.invoke(1, "read", Value::Null)),
                    _ => drop(h.ok(1, "read", if present { json!([0]) } else { json!([]) })),
                }
            }
            let c = check(&h.ops, "add");
            let subsequent_miss = order == ["a", "a'", "r", "r+"] && !present;
            let expected = match (present, subsequent_miss) {
                (true, _) => (Validity::True, "stable-count"),
                (false, true) => (Validity::False, "lost-count"),
                (false, false) => (Validity::Unknown, "never-read-count"),
            };
            assert_eq!((c.valid, &c.result[expected.1]), (expected.0, &json!(1)), "order {order:?} present {present}");
        }
    }
}
