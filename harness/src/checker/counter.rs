//! The counter checker for g-counter and pn-counter (Maelstrom's doc/workloads.md; maelstrom
//! workload/pn_counter.clj `checker`, which g-counter reuses).
//!
//! History values: an `add`'s value (invocation and completion) is the delta; a `read`'s `:ok`
//! value is the integer read; final reads carry `final?` true.

use serde_json::{json, Value};

use super::{op_json, Checked};
use crate::history::{Op, OpType};

/// The most disjoint ranges the acceptable set may split into before the checker gives up with
/// `valid? unknown`. Subset sums of small deltas collapse into one range after a handful of
/// `:info` adds; only adversarial deltas (powers of two, say) split it, and 2^16 ranges already
/// needs 16 such adds. Each `:info` add costs O(ranges), so this bounds the work at
/// O(info adds × 2^16).
const MAX_ACCEPTABLE_RANGES: usize = 1 << 16;

/// The set of integers `{ definite + sum(S) : S a sub-multiset of the indefinite deltas }` as
/// sorted, disjoint, non-adjacent inclusive ranges: what upstream's Guava `TreeRangeSet` of
/// open ranges (its "cute open-range technique") holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptable {
    ranges: Vec<(i64, i64)>,
}

impl Acceptable {
    /// Only `definite`.
    pub fn new(definite: i64) -> Self {
        Acceptable { ranges: vec![(definite, definite)] }
    }

    /// Allows `delta` to have happened or not: the union of the set and the set shifted by
    /// `delta`. `None` if the set would exceed `MAX_ACCEPTABLE_RANGES` (65 536) ranges or overflow.
    pub fn allow(&mut self, delta: i64) -> Option<()> {
        if delta == 0 {
            return Some(());
        }
        let shifted: Option<Vec<(i64, i64)>> =
            self.ranges.iter().map(|&(lo, hi)| Some((lo.checked_add(delta)?, hi.checked_add(delta)?))).collect();
        let mut all = shifted?;
        all.extend_from_slice(&self.ranges);
        all.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match merged.last_mut() {
                // Overlapping or adjacent integer ranges coalesce.
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if merged.len() > MAX_ACCEPTABLE_RANGES {
            return None;
        }
        self.ranges = merged;
        Some(())
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: i64) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < value);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= value)
    }

    /// The ranges as `[[lo, hi], ...]`.
    pub fn to_json(&self) -> Value {
        self.ranges.iter().map(|&(lo, hi)| json!([lo, hi])).collect()
    }
}

/// The counter checker (Maelstrom's doc/workloads.md): every `:ok` read marked `final?` lies in the acceptable set,
/// the sums of all `:ok` deltas plus any subset of the `:info` deltas (`:fail` adds ignored).
pub fn check(history: &[Op]) -> Checked {
    let client = || history.iter().filter(|op| op.is_client());
    let adds = client().filter(|op| op.f == "add");
    let mut definite: i64 = 0;
    for op in adds.clone().filter(|op| op.kind == OpType::Ok) {
        match op.value.as_i64().and_then(|d| definite.checked_add(d)) {
            Some(sum) => definite = sum,
            None => return Checked::unknown(format!("add delta is not a 64-bit integer: {}", op.value)),
        }
    }
    let mut acceptable = Acceptable::new(definite);
    for op in adds.filter(|op| op.kind == OpType::Info) {
        let Some(delta) = op.value.as_i64() else {
            return Checked::unknown(format!("add delta is not a 64-bit integer: {}", op.value));
        };
        if acceptable.allow(delta).is_none() {
            return Checked::unknown(format!("acceptable set exceeds {MAX_ACCEPTABLE_RANGES} ranges"));
        }
    }
    let reads: Vec<&Op> = client().filter(|op| op.is_final && op.kind == OpType::Ok).collect();
    let mut errors = Vec::new();
    for read in &reads {
        match read.value.as_i64() {
            Some(v) if acceptable.contains(v) => {}
            Some(_) => errors.push(op_json(read)),
            None => return Checked::unknown(format!("final read is not an integer: {}", read.value)),
        }
    }
    let valid = errors.is_empty();
    Checked {
        valid: valid.into(),
        result: json!({
            "valid?": valid,
            // Upstream `(seq errors)`: nil when there are none.
            "errors": if valid { Value::Null } else { Value::Array(errors) },
            "final-reads": reads.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
            "acceptable": acceptable.to_json(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;
    use crate::history::Validity;

    fn final_read(h: &mut Hist, p: u64, value: i64) {
        h.invoke(p, "read", Value::Null).is_final = true;
        h.ok(p, "read", json!(value)).is_final = true;
    }

    #[test]
    fn final_reads_must_equal_the_definite_sum_without_indefinite_adds() {
        let mut h = Hist::default();
        h.call(0, "add", json!(3), Ok, json!(3));
        h.call(0, "add", json!(-1), Ok, json!(-1));
        h.call(0, "add", json!(100), Fail, json!(100));
        h.call(1, "read", Value::Null, Ok, json!(999)); // not final: not checked
        final_read(&mut h, 0, 2);
        let c = check(&h.ops);
        assert_eq!(c.result, json!({"valid?": true, "errors": null, "final-reads": [2], "acceptable": [[2, 2]]}));
        final_read(&mut h, 1, 3);
        let c = check(&h.ops);
        assert_eq!(c.valid, Validity::False);
        assert_eq!(c.result["errors"][0]["value"], json!(3));
    }

    #[test]
    fn indefinite_adds_allow_subset_sums_not_the_whole_interval() {
        let mut h = Hist::default();
        h.call(0, "add", json!(10), Ok, json!(10));
        h.call(0, "add", json!(4), Info, json!(4));
        h.call(1, "add", json!(4), Info, json!(4));
        h.call(2, "add", json!(1), Info, json!(1));
        final_read(&mut h, 0, 19);
        let c = check(&h.ops);
        assert_eq!(c.result["acceptable"], json!([[10, 11], [14, 15], [18, 19]]));
        assert_eq!(c.valid, Validity::True);
        final_read(&mut h, 1, 12);
        assert_eq!(check(&h.ops).valid, Validity::False);
    }

    #[test]
    fn negative_indefinite_deltas_extend_downwards() {
        let mut a = Acceptable::new(0);
        for d in [-5, 3, 2] {
            assert_eq!(a.allow(d), Some(()));
        }
        // Subset sums of {-5, 3, 2}: -5, -3, -2, 0, 2, 3, 5.
        assert_eq!(a.to_json(), json!([[-5, -5], [-3, -2], [0, 0], [2, 3], [5, 5]]));
        assert!(a.contains(-3) && a.contains(5) && !a.contains(-4) && !a.contains(1) && !a.contains(6));
    }

    #[test]
    fn subset_sums_match_brute_force_for_small_sets() {
        let deltas = [-5, 4, 4, 0, 1, -2, 3];
        let mut a = Acceptable::new(7);
        deltas.iter().for_each(|&d| assert!(a.allow(d).is_some()));
        for v in -20..30 {
            let brute = (0..1u32 << deltas.len()).any(|mask| {
                7 + deltas.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| d).sum::<i64>() == v
            });
            assert_eq!(a.contains(v), brute, "value {v}");
        }
    }

    #[test]
    fn too_many_disjoint_ranges_give_up_as_unknown() {
        let mut h = Hist::default();
        for bit in 1..=17 {
            h.call(0, "add", json!(1i64 << (2 * bit)), Info, json!(1i64 << (2 * bit)));
        }
        final_read(&mut h, 1, 0);
        assert_eq!(check(&h.ops).valid, Validity::Unknown);
    }

    #[test]
    fn failed_final_reads_are_skipped() {
        let mut h = Hist::default();
        h.invoke(0, "read", Value::Null).is_final = true;
        h.info(0, "read", Value::Null).is_final = true;
        let c = check(&h.ops);
        assert_eq!(c.result, json!({"valid?": true, "errors": null, "final-reads": [], "acceptable": [[0, 0]]}));
    }
}
