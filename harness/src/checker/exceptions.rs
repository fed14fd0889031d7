//! Jepsen's unhandled-exceptions checker (Maelstrom's doc/results.md): always valid; lists ops that threw.
//!
//! Upstream (jepsen checker.clj `unhandled-exceptions`) groups `:info` ops that carry an
//! `:exception` by the class of the exception's outermost cause, sorted by descending count,
//! each with one example op. Our history keeps only the exception's description; its class is
//! the part before the first `": "`, the shape of Java's `Throwable.toString()`
//! (`java.lang.IllegalStateException: bad state`), or the whole description (docs/checkers.md).

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{op_json, Checked};
use crate::history::{Op, OpType, Validity};

/// Jepsen's exceptions checker (Maelstrom's doc/results.md): always valid; lists ops that threw.
pub fn check(history: &[Op]) -> Checked {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<&Op>> = HashMap::new();
    for op in history.iter().filter(|op| op.kind == OpType::Info) {
        if let Some(class) = op.exception.as_deref().map(class_of) {
            groups.entry(class).or_insert_with(|| {
                order.push(class);
                Vec::new()
            });
            if let Some(ops) = groups.get_mut(class) {
                ops.push(op);
            }
        }
    }
    if order.is_empty() {
        return Checked { valid: Validity::True, result: json!({"valid?": true}) };
    }
    // Most frequent first; ties keep first-seen order.
    order.sort_by_key(|class| std::cmp::Reverse(groups.get(class).map_or(0, Vec::len)));
    let exceptions: Vec<Value> = order
        .iter()
        .filter_map(|class| {
            let ops = groups.get(class)?;
            Some(json!({"count": ops.len(), "class": class, "example": op_json(ops.first()?)}))
        })
        .collect();
    Checked { valid: Validity::True, result: json!({"valid?": true, "exceptions": exceptions}) }
}

/// The exception's class: its description up to the first `": "`.
fn class_of(description: &str) -> &str {
    description.split_once(": ").map_or(description, |(class, _)| class)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;

    #[test]
    fn no_exceptions_gives_a_bare_valid_map() {
        let mut h = Hist::default();
        h.call(0, "read", json!(null), Info, json!(null));
        assert_eq!(check(&h.ops).result, json!({"valid?": true}));
    }

    #[test]
    fn exceptions_are_grouped_by_class_most_frequent_first_and_stay_valid() {
        let mut h = Hist::default();
        h.call(0, "read", json!(null), Info, json!(null)).exception = Some("Malformed".into());
        h.call(1, "read", json!(null), Info, json!(null)).exception = Some("Schema: missing key".into());
        h.call(2, "read", json!(null), Info, json!(null)).exception = Some("Schema: extra key".into());
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::True);
        let list = c.result["exceptions"].as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["class"], json!("Schema"));
        assert_eq!(list[0]["count"], json!(2));
        assert_eq!(list[0]["example"]["index"], json!(3));
        assert_eq!(list[1]["class"], json!("Malformed"));
    }

    /// Jepsen's `unhandled-exceptions-test`: two IllegalArgumentExceptions with different
    /// messages group together, first example kept; most frequent class first.
    #[test]
    fn jepsen_fixture_groups_by_class_not_message() {
        let mut h = Hist::default();
        for (text, error) in [
            ("java.lang.IllegalArgumentException: bad args", json!(["Whoops!"])),
            ("java.lang.IllegalArgumentException: bad args 2", json!(["Whoops!", 2])),
            ("java.lang.IllegalStateException: bad state", json!("oh-no")),
        ] {
            let op = h.call(0, "foo", json!(1), Info, json!(1));
            op.exception = Some(text.into());
            op.error = Some(error);
        }
        let c = check(&h.ops);
        let list = c.result["exceptions"].as_array().cloned().unwrap_or_default();
        let summary: Vec<(Value, Value, Value)> =
            list.iter().map(|e| (e["class"].clone(), e["count"].clone(), e["example"]["index"].clone())).collect();
        assert_eq!(
            summary,
            vec![
                (json!("java.lang.IllegalArgumentException"), json!(2), json!(1)),
                (json!("java.lang.IllegalStateException"), json!(1), json!(5)),
            ]
        );
    }
}
