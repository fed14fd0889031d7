//! The unique-ids checker (Maelstrom's doc/workloads.md; jepsen checker.clj `unique-ids`).
//!
//! History values: a `generate` invocation's value is null; its `:ok` completion's value is the
//! id the node returned.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{cmp_json, key_text, Checked};
use crate::history::{Op, OpType};

/// How many duplicated ids the result lists (upstream `(take 48)`), most frequent first.
const DUPLICATES_SHOWN: usize = 48;

/// The unique-ids checker (Maelstrom's doc/workloads.md): no id is returned twice.
///
/// Ids are told apart by exact JSON value (docs/checkers.md). The `range` needs ids that Clojure can
/// compare with each other: all numbers, all strings or all booleans; any other mix makes the
/// checker give up with `valid? unknown`, as upstream's checker throws. With no ids, `range`
/// is `[null, null]`.
pub fn check(history: &[Op]) -> Checked {
    let generates = history.iter().filter(|op| op.is_client() && op.f == "generate");
    let attempted = generates.clone().filter(|op| op.kind == OpType::Invoke).count();
    let ids: Vec<&Value> = generates.filter(|op| op.kind == OpType::Ok).map(|op| &op.value).collect();
    if !mutually_comparable(&ids) {
        return super::Checked::unknown("ids are not mutually comparable (mixed JSON types)");
    }
    // Frequencies by exact value; first occurrence kept for reporting.
    let mut counts: HashMap<String, (&Value, usize)> = HashMap::new();
    for id in &ids {
        counts.entry(id.to_string()).or_insert((id, 0)).1 += 1;
    }
    let mut dups: Vec<(&Value, usize)> = counts.values().filter(|(_, n)| *n > 1).copied().collect();
    let duplicated_count = dups.len();
    // Upstream sorts the duplicates by id, then stably by count, reverses and takes 48: the
    // most frequent, and among equally frequent ones the largest ids. Shown sorted by id.
    dups.sort_by(|a, b| cmp_json(a.0, b.0));
    dups.sort_by_key(|d| d.1);
    dups.reverse();
    dups.truncate(DUPLICATES_SHOWN);
    dups.sort_by(|a, b| cmp_json(a.0, b.0));
    let duplicated: Map<String, Value> = dups.iter().map(|(id, n)| (key_text(id), json!(n))).collect();
    let range =
        match (ids.iter().copied().min_by(|a, b| cmp_json(a, b)), ids.iter().copied().max_by(|a, b| cmp_json(a, b))) {
            (Some(lo), Some(hi)) => json!([lo, hi]),
            // Upstream's `range` of no ids is `[nil nil]`.
            _ => json!([null, null]),
        };
    let valid = duplicated_count == 0;
    Checked {
        valid: valid.into(),
        result: json!({
            "valid?": valid,
            "attempted-count": attempted,
            "acknowledged-count": ids.len(),
            "duplicated-count": duplicated_count,
            "duplicated": duplicated,
            "range": range,
        }),
    }
}

fn mutually_comparable(ids: &[&Value]) -> bool {
    let kind = |v: &Value| match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        _ => 3,
    };
    match ids.first() {
        None => true,
        Some(first) => kind(first) != 3 && ids.iter().all(|id| kind(id) == kind(first)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;
    use crate::history::Validity;

    fn generate(h: &mut Hist, id: Value) {
        h.call(0, "generate", Value::Null, Ok, id);
    }

    #[test]
    fn distinct_ids_are_valid_with_counts_and_range() {
        let mut h = Hist::default();
        for id in [json!(3), json!(1), json!(2)] {
            generate(&mut h, id);
        }
        h.call(1, "generate", Value::Null, Info, Value::Null);
        let c = check(&h.ops);
        assert_eq!(
            c.result,
            json!({"valid?": true, "attempted-count": 4, "acknowledged-count": 3, "duplicated-count": 0,
                   "duplicated": {}, "range": [1, 3]})
        );
    }

    #[test]
    fn a_repeated_id_is_a_duplicate() {
        let mut h = Hist::default();
        for id in ["a", "b", "a", "a", "b", "c"] {
            generate(&mut h, json!(id));
        }
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::False);
        assert_eq!(c.result["duplicated-count"], json!(2));
        assert_eq!(c.result["duplicated"], json!({"a": 3, "b": 2}));
        assert_eq!(c.result["range"], json!(["a", "c"]));
    }

    #[test]
    fn equal_looking_ids_of_different_types_are_distinct_but_not_comparable() {
        let mut h = Hist::default();
        generate(&mut h, json!(1));
        generate(&mut h, json!(1.0));
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::True);
        generate(&mut h, json!("1"));
        assert_eq!(check(&h.ops).valid, Validity::Unknown);
    }

    #[test]
    fn at_most_48_duplicates_are_listed_but_all_are_counted() {
        let mut h = Hist::default();
        for id in 0..60 {
            generate(&mut h, json!(id));
            generate(&mut h, json!(id));
        }
        let c = check(&h.ops);
        assert_eq!(c.result["duplicated-count"], json!(60));
        assert_eq!(c.result["duplicated"].as_object().map(Map::len), Some(DUPLICATES_SHOWN));
        // Equally frequent: the largest ids are kept, as upstream's sort-then-reverse keeps them.
        assert!(c.result["duplicated"].get("59").is_some() && c.result["duplicated"].get("11").is_none());
    }

    /// Jepsen's `unique-ids-test`, both cases, field for field.
    #[test]
    fn jepsen_fixtures_empty_and_dups() {
        assert_eq!(
            check(&[]).result,
            json!({"valid?": true, "attempted-count": 0, "acknowledged-count": 0, "duplicated-count": 0,
                   "duplicated": {}, "range": [null, null]})
        );
        let mut h = Hist::default();
        for (p, id) in [(0, json!(0)), (1, json!(1)), (2, json!(0)), (3, json!(0))] {
            h.call(p, "generate", Value::Null, Ok, id);
        }
        h.call(4, "generate", Value::Null, Info, Value::Null);
        assert_eq!(
            check(&h.ops).result,
            json!({"valid?": false, "attempted-count": 5, "acknowledged-count": 4, "duplicated-count": 1,
                   "duplicated": {"0": 3}, "range": [0, 1]})
        );
    }
}
