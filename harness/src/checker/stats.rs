//! Jepsen's stats checker (Maelstrom's doc/results.md): every f but `crash` has an ok.
//!
//! Maelstrom composes `jepsen.checker/stats` with `jepsen.tests.kafka/stats-checker`
//! (maelstrom core.clj), for every workload: a by-f entry is valid iff it has an `:ok`; the
//! section is valid iff every entry except `crash` and `debug-topic-partitions` is.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Checked;
use crate::history::{Op, OpType};

/// The functions whose lack of `:ok` completions never fails the section (kafka.clj
/// `stats-checker`): Kafka's `crash` always completes `:info`.
const EXEMPT_FS: [&str; 2] = ["crash", "debug-topic-partitions"];

#[derive(Default, Clone, Copy)]
struct Counts {
    ok: u64,
    fail: u64,
    info: u64,
}

impl Counts {
    fn add(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }

    fn valid(&self) -> bool {
        self.ok > 0
    }

    fn json(&self) -> Value {
        json!({
            "valid?": self.valid(),
            "count": self.ok + self.fail + self.info,
            "ok-count": self.ok,
            "fail-count": self.fail,
            "info-count": self.info,
        })
    }
}

/// Jepsen's stats checker (Maelstrom's doc/results.md): counts of client completions overall and by `f`; valid
/// iff every `f` except `crash` and `debug-topic-partitions` has at least one `:ok`.
pub fn check(history: &[Op]) -> Checked {
    let mut all = Counts::default();
    let mut by_f: BTreeMap<&str, Counts> = BTreeMap::new();
    for op in history.iter().filter(|op| op.is_client() && op.kind != OpType::Invoke) {
        all.add(op.kind);
        by_f.entry(op.f.as_str()).or_default().add(op.kind);
    }
    // kafka.clj stats-checker: true when every non-exempt f is valid, else Jepsen's
    // merge-valid over all entries, which is then false.
    let valid = by_f.iter().all(|(f, c)| c.valid() || EXEMPT_FS.contains(f));
    let mut result = all.json();
    result["valid?"] = json!(valid);
    result["by-f"] = by_f.iter().map(|(f, c)| (f.to_string(), c.json())).collect::<serde_json::Map<_, _>>().into();
    Checked { valid: valid.into(), result }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;
    use crate::history::Validity;

    #[test]
    fn counts_completions_overall_and_by_f() {
        let mut h = Hist::default();
        h.call(0, "read", json!(null), Ok, json!([1]));
        h.call(1, "broadcast", json!(1), Info, json!(1));
        h.call(1, "broadcast", json!(2), Ok, json!(2));
        h.call(0, "read", json!(null), Fail, json!(null));
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::True);
        assert_eq!(
            c.result,
            json!({"valid?": true, "count": 4, "ok-count": 2, "fail-count": 1, "info-count": 1,
                   "by-f": {
                       "broadcast": {"valid?": true, "count": 2, "ok-count": 1, "fail-count": 0, "info-count": 1},
                       "read": {"valid?": true, "count": 2, "ok-count": 1, "fail-count": 1, "info-count": 0}}})
        );
    }

    #[test]
    fn an_f_without_any_ok_fails_the_section() {
        let mut h = Hist::default();
        h.call(0, "read", json!(null), Ok, json!(1));
        h.call(0, "cas", json!([1, 2]), Fail, json!([1, 2]));
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::False);
        assert_eq!(c.result["by-f"]["cas"]["valid?"], json!(false));
    }

    #[test]
    fn crash_ops_without_ok_do_not_fail_the_section() {
        let mut h = Hist::default();
        h.call(0, "poll", json!(null), Ok, json!([]));
        h.call(0, "crash", json!(null), Info, json!(null));
        assert_eq!(check(&h.ops).valid, Validity::True);
    }

    #[test]
    fn an_empty_history_is_valid() {
        assert_eq!(check(&[]).valid, Validity::True);
    }

    /// Jepsen's `stats-test`, field for field (the kafka wrapper changes nothing here).
    #[test]
    fn jepsen_fixture() {
        let mut h = Hist::default();
        h.ok(1, "foo", Value::Null);
        h.fail(2, "foo", Value::Null);
        h.info(3, "bar", Value::Null);
        h.fail(4, "bar", Value::Null);
        h.fail(5, "bar", Value::Null);
        assert_eq!(
            check(&h.ops).result,
            json!({"valid?": false, "count": 5, "fail-count": 3, "info-count": 1, "ok-count": 1,
                   "by-f": {"foo": {"valid?": true, "count": 2, "ok-count": 1, "fail-count": 1, "info-count": 0},
                            "bar": {"valid?": false, "count": 3, "ok-count": 0, "fail-count": 2, "info-count": 1}}})
        );
    }
}
