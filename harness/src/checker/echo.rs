//! The echo checker (Maelstrom's doc/workloads.md; maelstrom workload/echo.clj).
//!
//! History values: the invocation's value is the string to echo; an `:ok` completion's value is
//! the whole reply body (`{"type":"echo_ok","echo":…,…}`).

use serde_json::{json, Value};

use super::{pair_positions, Checked};
use crate::history::{Op, OpType};

/// The echo checker (Maelstrom's doc/workloads.md): every completion echoes its invocation's value.
///
/// Upstream compares each invocation's value with the `echo` field of its completion's value; a
/// completion that is not an object (every `:fail`/`:info`), or a missing completion, has no
/// `echo` and so counts as a mismatch. Each error is
/// `["Expected a message with :echo", expected, "But received", received]`.
pub fn check(history: &[Op]) -> Checked {
    let partner = pair_positions(history);
    let errors: Vec<Value> = history
        .iter()
        .enumerate()
        .filter(|(_, op)| op.is_client() && op.kind == OpType::Invoke)
        .filter_map(|(pos, invoke)| {
            let completion = partner.get(pos).copied().flatten().and_then(|c| history.get(c));
            let echoed = completion.and_then(|c| c.value.get("echo")).unwrap_or(&Value::Null);
            (echoed != &invoke.value).then(|| {
                let received = completion.map_or(Value::Null, |c| c.value.clone());
                json!(["Expected a message with :echo", invoke.value, "But received", received])
            })
        })
        .collect();
    let valid = errors.is_empty();
    Checked { valid: valid.into(), result: json!({"valid?": valid, "errors": errors}) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;
    use crate::history::Validity;

    #[test]
    fn matching_echoes_are_valid() {
        let mut h = Hist::default();
        h.call(0, "echo", json!("Please echo 5"), Ok, json!({"type": "echo_ok", "echo": "Please echo 5"}));
        assert_eq!(check(&h.ops).result, json!({"valid?": true, "errors": []}));
    }

    #[test]
    fn a_wrong_echo_is_reported_with_what_was_received() {
        let mut h = Hist::default();
        h.call(0, "echo", json!("Please echo 5"), Ok, json!({"type": "echo_ok", "echo": "Please echo 6"}));
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::False);
        assert_eq!(
            c.result["errors"],
            json!([["Expected a message with :echo", "Please echo 5", "But received",
                    {"type": "echo_ok", "echo": "Please echo 6"}]])
        );
    }

    #[test]
    fn timeouts_and_unfinished_ops_count_as_mismatches() {
        let mut h = Hist::default();
        h.call(0, "echo", json!("Please echo 1"), Info, json!("Please echo 1"));
        h.invoke(1, "echo", json!("Please echo 2"));
        let c = check(&h.ops);
        assert_eq!(c.result["errors"].as_array().map(Vec::len), Some(2));
        assert_eq!(c.valid, Validity::False);
    }

    #[test]
    fn echoes_compare_exact_json_values() {
        let mut h = Hist::default();
        h.call(0, "echo", json!(1), Ok, json!({"type": "echo_ok", "echo": 1.0}));
        assert_eq!(check(&h.ops).valid, Validity::False);
    }
}
