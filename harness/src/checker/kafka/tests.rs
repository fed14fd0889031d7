use serde_json::{json, Value};

use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType::{self, *};
use crate::history::Validity;

fn send(h: &mut Hist, p: u64, key: &str, msg: i64, offset: i64) {
    h.call(p, "send", json!([["send", key, msg]]), Ok, json!([["send", key, [offset, msg]]]));
}

fn poll(h: &mut Hist, p: u64, msgs: Value) {
    h.call(p, "poll", json!([["poll"]]), Ok, json!([["poll", msgs]]));
}

fn error_types(c: &Checked) -> Vec<String> {
    serde_json::from_value(c.result["error-types"].clone()).unwrap_or_default()
}

/// Three messages in key "0", all polled in order by process 9 at the end.
fn sent_and_read_by_all(h: &mut Hist) {
    send(h, 0, "0", 1, 0);
    send(h, 0, "0", 2, 1);
    send(h, 0, "0", 3, 2);
}

fn final_poll(h: &mut Hist) {
    poll(h, 9, json!({"0": [[0, 1], [1, 2], [2, 3]]}));
}

#[test]
fn a_clean_history_is_valid() {
    let mut h = Hist::default();
    sent_and_read_by_all(&mut h);
    poll(&mut h, 1, json!({"0": [[0, 1], [1, 2]]}));
    poll(&mut h, 1, json!({"0": [[2, 3]]}));
    final_poll(&mut h);
    let c = check(&h.ops);
    assert_eq!(error_types(&c), Vec::<String>::new());
    assert_eq!(c.valid, Validity::True);
    assert_eq!(c.result["bad-error-types"], json!([]));
    assert_eq!(c.result["info-txn-causes"], json!([]));
}

#[test]
fn a_message_below_a_polled_one_that_nobody_polled_is_a_lost_write() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 0);
    send(&mut h, 0, "0", 2, 1);
    poll(&mut h, 1, json!({"0": [[1, 2]]}));
    let c = check(&h.ops);
    assert_eq!(c.valid, Validity::False);
    assert_eq!(c.result["lost-write"]["count"], json!(1));
    assert_eq!(c.result["lost-write"]["errs"][0]["value"], json!(1));
    assert_eq!(c.result["lost-write"]["errs"][0]["max-read-index"], json!(1));
    assert!(error_types(&c).contains(&"unseen".to_string()));
}

#[test]
fn an_acknowledged_message_never_polled_is_unseen() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 0);
    send(&mut h, 0, "1", 5, 0);
    poll(&mut h, 1, json!({"0": [[0, 1]]}));
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["unseen"]);
    assert_eq!(c.valid, Validity::False);
    assert_eq!(c.result["unseen"], json!({"time": 5_000_000, "unseen": {"1": 1}, "messages": {"1": [5]}}));
}

#[test]
fn polling_a_message_whose_send_failed_is_g1a() {
    let mut h = Hist::default();
    h.call(0, "send", json!([["send", "0", 5]]), Fail, json!([["send", "0", 5]]));
    poll(&mut h, 1, json!({"0": [[0, 5]]}));
    let c = check(&h.ops);
    assert!(error_types(&c).contains(&"G1a".to_string()));
    assert_eq!(c.result["G1a"]["errs"][0]["writer"]["type"], json!("fail"));
    assert_eq!(c.valid, Validity::False);
}

#[test]
fn a_process_polling_past_a_message_is_a_poll_skip() {
    let mut h = Hist::default();
    sent_and_read_by_all(&mut h);
    poll(&mut h, 1, json!({"0": [[0, 1]]}));
    poll(&mut h, 1, json!({"0": [[2, 3]]}));
    final_poll(&mut h);
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["poll-skip"]);
    assert_eq!(c.result["poll-skip"]["errs"][0]["skipped"], json!([2]));
    assert_eq!(c.result["poll-skip"]["errs"][0]["delta"], json!(2));
}

#[test]
fn a_process_polling_a_message_again_is_a_nonmonotonic_poll() {
    let mut h = Hist::default();
    sent_and_read_by_all(&mut h);
    poll(&mut h, 1, json!({"0": [[0, 1], [1, 2]]}));
    poll(&mut h, 1, json!({"0": [[1, 2], [2, 3]]}));
    final_poll(&mut h);
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["nonmonotonic-poll"]);
    assert_eq!(c.result["nonmonotonic-poll"]["errs"][0]["values"], json!([2, 2]));
}

#[test]
fn an_assign_forgets_positions_of_unassigned_keys() {
    let mut h = Hist::default();
    sent_and_read_by_all(&mut h);
    poll(&mut h, 1, json!({"0": [[0, 1]]}));
    h.call(1, "assign", json!(["1"]), Ok, json!(["1"]));
    poll(&mut h, 1, json!({"0": [[2, 3]]}));
    final_poll(&mut h);
    assert_eq!(check(&h.ops).valid, Validity::True);
}

#[test]
fn gaps_and_reversals_inside_one_poll_are_internal_errors() {
    let mut h = Hist::default();
    sent_and_read_by_all(&mut h);
    poll(&mut h, 1, json!({"0": [[0, 1], [2, 3]]}));
    poll(&mut h, 2, json!({"0": [[1, 2], [0, 1]]}));
    final_poll(&mut h);
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["int-nonmonotonic-poll", "int-poll-skip"]);
    assert_eq!(c.result["int-poll-skip"]["errs"][0]["skipped"], json!([2]));
    assert_eq!(c.result["int-nonmonotonic-poll"]["errs"][0]["delta"], json!(-1));
}

#[test]
fn a_later_send_at_a_lower_offset_is_a_nonmonotonic_send() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 5);
    send(&mut h, 0, "0", 2, 3);
    poll(&mut h, 9, json!({"0": [[3, 2], [5, 1]]}));
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["nonmonotonic-send"]);
    assert_eq!(c.result["nonmonotonic-send"]["errs"][0]["delta"], json!(-1));
}

#[test]
fn a_message_at_two_offsets_is_a_duplicate() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 0);
    poll(&mut h, 9, json!({"0": [[0, 1], [1, 1]]}));
    let c = check(&h.ops);
    assert!(error_types(&c).contains(&"duplicate".to_string()));
    assert_eq!(c.result["duplicate"]["errs"][0]["offsets"], json!([0, 1]));
}

#[test]
fn two_messages_at_one_offset_are_inconsistent_offsets() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 0);
    send(&mut h, 1, "0", 2, 0);
    poll(&mut h, 9, json!({"0": [[0, 1]]}));
    poll(&mut h, 8, json!({"0": [[0, 2]]}));
    let c = check(&h.ops);
    assert!(error_types(&c).contains(&"inconsistent-offsets".to_string()));
    assert_eq!(c.result["inconsistent-offsets"]["errs"][0]["values"], json!([1, 2]));
}

#[test]
fn polling_a_message_before_its_send_began_is_g1c_realtime() {
    let mut h = Hist::default();
    poll(&mut h, 1, json!({"0": [[0, 7]]}));
    send(&mut h, 0, "0", 7, 0);
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["G1c-realtime"]);
    let steps = &c.result["G1c-realtime"]["errs"][0]["steps"];
    // The cycle starts at the poll (the lowest position): poll -realtime-> send -wr-> poll.
    assert_eq!(steps, &json!([{"type": "realtime"}, {"type": "wr", "key": "0", "value": 7}]));
    assert_eq!(c.valid, Validity::False);
}

#[test]
fn indefinite_sends_that_were_polled_count_and_their_causes_are_listed() {
    let mut h = Hist::default();
    h.call(0, "send", json!([["send", "0", 1]]), Info, json!([["send", "0", 1]])).error = Some(json!("net-timeout"));
    send(&mut h, 0, "0", 2, 1);
    poll(&mut h, 9, json!({"0": [[0, 1], [1, 2]]}));
    h.call(3, "crash", Value::Null, OpType::Info, Value::Null);
    let c = check(&h.ops);
    assert_eq!(c.valid, Validity::True);
    assert_eq!(c.result["info-txn-causes"], json!(["net-timeout"]));
}

#[test]
fn a_polled_message_that_was_never_sent_makes_the_checker_give_up() {
    let mut h = Hist::default();
    poll(&mut h, 1, json!({"0": [[0, 99]]}));
    assert_eq!(check(&h.ops).valid, Validity::Unknown);
}

#[test]
fn condensed_skips_keep_the_largest_deltas() {
    let errs: Vec<Value> = (0..10).map(|d| json!({"delta": d})).collect();
    let c = cases::condense("poll-skip", Value::Array(errs));
    assert_eq!(c["count"], json!(10));
    assert_eq!(c["errs"][0]["delta"], json!(2));
    assert_eq!(c["errs"].as_array().map(Vec::len), Some(8));
}

#[test]
fn a_key_only_ever_polled_empty_makes_the_checker_give_up_as_upstream_does() {
    let mut h = Hist::default();
    send(&mut h, 0, "0", 1, 0);
    poll(&mut h, 9, json!({"0": [[0, 1]], "1": []}));
    assert_eq!(check(&h.ops).valid, Validity::Unknown);
}

#[test]
fn the_worst_realtime_lag_is_measured_from_when_a_newer_offset_existed() {
    let mut h = Hist::default();
    h.call(1, "assign", json!(["0"]), Ok, json!(["0"]));
    send(&mut h, 0, "0", 1, 0); // offset 0 known at 3 ms (the send completes)
    poll(&mut h, 1, json!({})); // invoked at 4 ms, still at offset -1: 1 ms behind
    poll(&mut h, 9, json!({"0": [[0, 1]]}));
    let c = check(&h.ops);
    assert_eq!(c.result["worst-realtime-lag"], json!({"time": 0.004, "process": 1, "key": "0", "lag": 0.001}));
}

#[test]
fn sends_inside_one_op_are_checked_and_only_skips_are_allowed() {
    // Maelstrom never sends twice in one op; a multi-send `txn` op exercises the finders.
    let mut h = Hist::default();
    send(&mut h, 0, "0", 2, 1);
    let skip = json!([["send", "0", [0, 1]], ["send", "0", [2, 3]]]);
    h.call(1, "txn", json!([["send", "0", 1], ["send", "0", 3]]), Ok, skip);
    poll(&mut h, 9, json!({"0": [[0, 1], [1, 2], [2, 3]]}));
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["int-send-skip"]);
    assert_eq!(c.valid, Validity::True);
    let backwards = json!([["send", "0", [2, 3]], ["send", "0", [0, 1]]]);
    let mut h = Hist::default();
    send(&mut h, 0, "0", 2, 1);
    h.call(1, "txn", json!([["send", "0", 3], ["send", "0", 1]]), Ok, backwards);
    poll(&mut h, 9, json!({"0": [[0, 1], [1, 2], [2, 3]]}));
    let c = check(&h.ops);
    assert_eq!(error_types(&c), vec!["int-nonmonotonic-send"]);
    assert_eq!(c.valid, Validity::False);
}

/// Appends an invocation and its completion with explicit values (Jepsen's kafka tests allow
/// several micro-ops per op and offsets on indefinite sends).
fn pair(h: &mut Hist, p: u64, f: &str, invoke: Value, kind: OpType, done: Value) {
    h.call(p, f, invoke, kind, done);
}

fn errs(c: &Checked, kind: &str) -> Vec<Value> {
    c.result[kind]["errs"].as_array().cloned().unwrap_or_default()
}

/// Jepsen's `kafka_test.clj` `inconsistent-offsets-test` "info conflicts": an `:info` send's
/// offsets only count once a poll proves that send committed.
#[test]
fn jepsen_fixture_info_conflicts() {
    let mut h = Hist::default();
    pair(
        &mut h,
        0,
        "send",
        json!([["send", "x", 1], ["send", "y", 1]]),
        Info,
        json!([["send", "x", [0, 1]], ["send", "y", 1]]),
    );
    pair(&mut h, 1, "send", json!([["send", "x", 2]]), Ok, json!([["send", "x", [0, 2]]]));
    assert!(!error_types(&check(&h.ops)).contains(&"inconsistent-offsets".to_string()));
    poll(&mut h, 2, json!({"y": [[5, 1]]}));
    let c = check(&h.ops);
    assert_eq!(errs(&c, "inconsistent-offsets"), vec![json!({"key": "x", "index": 0, "offset": 0, "values": [1, 2]})]);
}

/// Jepsen's `lost-write-test` "consistent": a poll of c at offset 2 implies a and b (offsets 0
/// and 1) should have been read; d (offset 3) need not.
#[test]
fn jepsen_fixture_lost_write_consistent() {
    let mut h = Hist::default();
    pair(&mut h, 0, "send", json!([["send", "x", "a"]]), Ok, json!([["send", "x", [0, "a"]]]));
    let bd = json!([["send", "x", [1, "b"]], ["send", "x", [3, "d"]]]);
    pair(&mut h, 0, "send", json!([["send", "x", "b"], ["send", "x", "d"]]), Ok, bd);
    pair(&mut h, 1, "send", json!([["send", "x", "c"]]), Info, json!([["send", "x", "c"]]));
    poll(&mut h, 0, json!({"x": [[2, "c"]]}));
    let c = check(&h.ops);
    let lost: Vec<(Value, Value, Value, Value, Value)> = errs(&c, "lost-write")
        .iter()
        .map(|e| {
            (
                e["value"].clone(),
                e["index"].clone(),
                e["max-read-index"].clone(),
                e["writer"]["index"].clone(),
                e["max-read"]["index"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lost,
        vec![
            (json!("a"), json!(0), json!(2), json!(1), json!(7)),
            (json!("b"), json!(1), json!(2), json!(3), json!(7))
        ]
    );
}

/// Jepsen's `lost-write-test` "inconsistent": b overwrote a at offset 0; reading b and c still
/// means a was lost, with max-read-index 1 (dense indices skip the hole at offset 1).
#[test]
fn jepsen_fixture_lost_write_inconsistent() {
    let mut h = Hist::default();
    pair(&mut h, 0, "send", json!([["send", "x", "a"]]), Ok, json!([["send", "x", [0, "a"]]]));
    let bc = json!([["send", "x", [0, "b"]], ["send", "x", [2, "c"]]]);
    pair(&mut h, 0, "send", json!([["send", "x", "b"], ["send", "x", "c"]]), Ok, bc);
    poll(&mut h, 0, json!({"x": [[0, "b"], [2, "c"]]}));
    let c = check(&h.ops);
    let lost = errs(&c, "lost-write");
    assert_eq!(lost.len(), 1);
    assert_eq!(
        (lost[0]["value"].clone(), lost[0]["index"].clone(), lost[0]["max-read-index"].clone()),
        (json!("a"), json!(0), json!(1))
    );
}

/// Jepsen's `lost-write-test` "atomic": an `:info` send counts as committed once any of its
/// messages is polled, and then its other messages can be lost.
#[test]
fn jepsen_fixture_lost_write_atomic() {
    let build = |with_poll_of_a: bool| {
        let mut h = Hist::default();
        let ab = json!([["send", "x", "a"], ["send", "y", [0, "b"]]]);
        pair(&mut h, 0, "send", json!([["send", "x", "a"], ["send", "y", "b"]]), Info, ab);
        pair(&mut h, 1, "send", json!([["send", "y", "c"]]), Info, json!([["send", "y", "c"]]));
        if with_poll_of_a {
            poll(&mut h, 2, json!({"x": [[0, "a"]]}));
        }
        poll(&mut h, 3, json!({"y": [[1, "c"]]}));
        check(&h.ops)
    };
    assert!(errs(&build(false), "lost-write").is_empty());
    let lost = errs(&build(true), "lost-write");
    assert_eq!(lost.len(), 1);
    assert_eq!(
        (lost[0]["key"].clone(), lost[0]["value"].clone(), lost[0]["max-read-index"].clone()),
        (json!("y"), json!("b"), json!(1))
    );
}

/// Jepsen's `poll-skip-test`: process 0 reads offsets 1-2, 4, then 7 while 3 and 6 are known to
/// exist: two skips; an `:info` assign without x in between forgets the position.
#[test]
fn jepsen_fixture_poll_skip() {
    let build = |assign_y_between: bool| {
        let mut h = Hist::default();
        poll(&mut h, 0, json!({"x": [[1, "a"], [2, "b"]]}));
        poll(&mut h, 1, json!({"x": [[3, "c"]]}));
        poll(&mut h, 0, json!({"x": [[4, "d"]]}));
        if assign_y_between {
            pair(&mut h, 0, "assign", json!(["y"]), Info, json!(["y"]));
        }
        pair(&mut h, 2, "send", json!([["send", "x", "f"]]), Ok, json!([["send", "x", [6, "f"]]]));
        poll(&mut h, 0, json!({"x": [[7, "g"]]}));
        let all =
            json!([["send", "x", "a"], ["send", "x", "b"], ["send", "x", "c"], ["send", "x", "d"], ["send", "x", "g"]]);
        pair(&mut h, 3, "send", all.clone(), Info, all);
        check(&h.ops)
    };
    let skips: Vec<(Value, Value)> =
        errs(&build(false), "poll-skip").iter().map(|e| (e["delta"].clone(), e["skipped"].clone())).collect();
    assert_eq!(skips, vec![(json!(2), json!(["c"])), (json!(2), json!(["f"]))]);
    assert_eq!(errs(&build(true), "poll-skip").len(), 1);
}

/// Jepsen's `nonmonotonic-send-test`: sends at offsets 3, 4 then 1, 2 by one process.
#[test]
fn jepsen_fixture_nonmonotonic_send() {
    let mut h = Hist::default();
    let cd = json!([["send", "x", [3, "c"]], ["send", "x", [4, "d"]]]);
    pair(&mut h, 0, "send", json!([["send", "x", "c"], ["send", "x", "d"]]), Ok, cd);
    let ab = json!([["send", "x", [1, "a"]], ["send", "x", [2, "b"]]]);
    pair(&mut h, 0, "send", json!([["send", "x", 1], ["send", "x", 2]]), Ok, ab);
    let found = errs(&check(&h.ops), "nonmonotonic-send");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0]["values"].clone(), found[0]["delta"].clone()), (json!(["d", "a"]), json!(-3)));
}

/// Jepsen's `realtime-lag-test`: the worst lag is 17 (time units of the test, here ms) at the
/// poll invoked at 22 after process 0 was re-assigned x and rewound.
#[test]
fn jepsen_fixture_worst_realtime_lag() {
    let mut h = Hist::default();
    let mut at = |p: u64, kind: OpType, f: &str, value: Value| {
        let t = h.ops.len() as u64 * 1_000_000;
        h.push(kind, p, f, value).time_ns = t;
    };
    let steps: Vec<(u64, OpType, &str, Value)> = vec![
        (0, Invoke, "assign", json!(["x"])),
        (0, Ok, "assign", json!(["x"])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll", {"x": []}]])),
        (0, Invoke, "send", json!([["send", "x", "a"]])),
        (0, Ok, "send", json!([["send", "x", [0, "a"]]])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll", {"x": []}]])),
        (1, Invoke, "send", json!([["send", "x", "c"], ["send", "x", "d"]])),
        (1, Ok, "send", json!([["send", "x", [2, "c"]], ["send", "x", [3, "d"]]])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll"]])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll", {"x": [[0, "a"], [1, "b"]]}]])),
        (0, Invoke, "assign", json!(["x", "y"])),
        (0, Ok, "assign", json!(["x", "y"])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll", {}]])),
        (0, Invoke, "assign", json!(["y"])),
        (0, Ok, "assign", json!(["y"])),
        (0, Invoke, "assign", json!(["x"])),
        (0, Ok, "assign", json!(["x"])),
        (0, Invoke, "poll", json!([["poll"]])),
        (0, Ok, "poll", json!([["poll", {}]])),
        (0, Invoke, "poll", json!([["poll"], ["poll"]])),
        (0, Ok, "poll", json!([["poll", {"x": [[0, "a"], [1, "b"]]}], ["poll", {"x": [[2, "c"], [3, "d"]]}]])),
        (1, Invoke, "send", json!([["send", "x", "b"]])),
        (1, Info, "send", json!([["send", "x", "b"]])),
    ];
    for (p, kind, f, value) in steps {
        at(p, kind, f, value);
    }
    let c = check(&h.ops);
    assert_eq!(c.result["worst-realtime-lag"], json!({"time": 0.022, "process": 0, "key": "x", "lag": 0.017}));
}

/// Jepsen's `duplicate-test` "basic" and "aborted txns": a message at two offsets is a duplicate,
/// counting offsets seen by failed polls but not those of failed sends.
#[test]
fn jepsen_fixture_duplicates() {
    let mut h = Hist::default();
    pair(&mut h, 0, "send", json!([["send", "x", "a"]]), Ok, json!([["send", "x", [1, "a"]]]));
    pair(&mut h, 1, "send", json!([["send", "x", "b"]]), Info, json!([["send", "x", "b"]]));
    poll(&mut h, 2, json!({"x": [[2, "b"], [3, "a"]]}));
    assert_eq!(
        errs(&check(&h.ops), "duplicate"),
        vec![json!({"key": "x", "value": "a", "count": 2, "offsets": [1, 3]})]
    );

    let mut h = Hist::default();
    pair(&mut h, 0, "send", json!([["send", "x", 0]]), Ok, json!([["send", "x", [1, 0]]]));
    pair(&mut h, 0, "send", json!([["send", "x", 1]]), Fail, json!([["send", "x", [2, 1]]]));
    pair(&mut h, 1, "poll", json!([["poll"]]), Fail, json!([["poll", {"x": [[11, 0], [12, 1]]}]]));
    assert_eq!(
        errs(&check(&h.ops), "duplicate"),
        vec![json!({"key": "x", "value": 0, "count": 2, "offsets": [1, 11]})]
    );
}

/// Jepsen's `duplicate-test` "hash-insensitive": ten messages each at offsets 0 and 1 are all
/// duplicates, and both offsets are inconsistent with all ten values.
#[test]
fn jepsen_fixture_duplicates_are_hash_insensitive() {
    let mut h = Hist::default();
    for v in 0..10 {
        pair(&mut h, 0, "send", json!([["send", "x", v]]), Ok, json!([["send", "x", [0, v]]]));
        poll(&mut h, 1, json!({"x": [[1, v]]}));
    }
    let c = check(&h.ops);
    assert_eq!(c.result["duplicate"]["count"], json!(10));
    let all: Vec<i64> = (0..10).collect();
    assert_eq!(
        errs(&c, "inconsistent-offsets"),
        vec![
            json!({"key": "x", "offset": 0, "index": 0, "values": all}),
            json!({"key": "x", "offset": 1, "index": 1, "values": all})
        ]
    );
}

/// Jepsen's `g1c-pure-wr-test`: two transactions that each poll the other's send.
#[test]
fn jepsen_fixture_g1c_pure_wr() {
    let mut h = Hist::default();
    h.invoke(0, "txn", json!([["send", "x", "a"], ["poll"]]));
    h.invoke(1, "txn", json!([["send", "y", "b"], ["poll"]]));
    h.ok(0, "txn", json!([["send", "x", [0, "a"]], ["poll", {"y": [[0, "b"]]}]]));
    h.ok(1, "txn", json!([["send", "y", [0, "b"]], ["poll", {"x": [[0, "a"]]}]]));
    let c = check(&h.ops);
    // Jepsen's cycle starts at the second transaction, ours at the first: the same cycle.
    let cycle = &errs(&c, "G1c")[0];
    assert_eq!(
        cycle["steps"],
        json!([{"type": "wr", "key": "x", "value": "a"}, {"type": "wr", "key": "y", "value": "b"}])
    );
}

/// Jepsen's `empty-history-test`: a history with no sends or polls has an empty transaction
/// graph, which is not an allowed error: invalid.
#[test]
fn jepsen_fixture_empty_history_is_invalid() {
    let mut h = Hist::default();
    pair(&mut h, 0, "assign", json!(["x"]), Ok, json!(["x"]));
    let c = check(&h.ops);
    assert_eq!(c.result["empty-transaction-graph"], json!({"count": 1, "errs": true}));
    assert_eq!(c.valid, Validity::False);
}
