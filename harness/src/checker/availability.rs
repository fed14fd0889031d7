//! The availability checker (Maelstrom's doc/results.md; maelstrom checker.clj `availability-checker`).

use serde_json::json;

use super::{float_json, Checked};
use crate::history::{Op, OpType, Validity};

/// What `--availability` asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    /// `total`: every client op must complete `:ok`.
    Total,
    /// A fraction in [0, 1]: at least that share of client invocations must complete `:ok`.
    Fraction(f64),
}

/// The availability checker (Maelstrom's doc/results.md): the share of client invocations that completed `:ok`.
///
/// Upstream computes the fraction as a 32-bit float and compares the threshold with it widened
/// to a double, so an exact 9/10 does not meet `0.9` (f32 0.9 < f64 0.9). We do the same.
pub fn check(history: &[Op], expected: Option<Availability>) -> Checked {
    let ok_count = history.iter().filter(|op| op.is_client() && op.kind == OpType::Ok).count();
    let invoke_count = history.iter().filter(|op| op.is_client() && op.kind == OpType::Invoke).count();
    let ok_fraction: f32 = if invoke_count == 0 { 1.0 } else { (ok_count as f64 / invoke_count as f64) as f32 };
    let valid = match expected {
        None => true,
        Some(Availability::Total) => ok_fraction == 1.0,
        Some(Availability::Fraction(min)) => min <= f64::from(ok_fraction),
    };
    let fraction_json = if invoke_count == 0 { json!(1) } else { float_json(ok_fraction) };
    Checked { valid: Validity::from(valid), result: json!({"valid?": valid, "ok-fraction": fraction_json}) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::checker::test_support::Hist;
    use crate::history::OpType::*;

    fn history(oks: usize, fails: usize) -> Vec<Op> {
        let mut h = Hist::default();
        for _ in 0..oks {
            h.call(0, "read", json!(null), Ok, json!(1));
        }
        for _ in 0..fails {
            h.call(0, "read", json!(null), Fail, json!(null));
        }
        h.ops
    }

    #[test]
    fn without_a_target_any_fraction_is_valid() {
        let c = check(&history(1, 3), None);
        assert_eq!(c.result, json!({"valid?": true, "ok-fraction": 0.25}));
    }

    #[test]
    fn total_needs_every_op_ok() {
        assert_eq!(check(&history(3, 0), Some(Availability::Total)).valid, Validity::True);
        assert_eq!(check(&history(3, 1), Some(Availability::Total)).valid, Validity::False);
    }

    #[test]
    fn fraction_threshold_compares_against_the_32_bit_fraction() {
        assert_eq!(check(&history(3, 1), Some(Availability::Fraction(0.75))).valid, Validity::True);
        assert_eq!(check(&history(3, 1), Some(Availability::Fraction(0.8))).valid, Validity::False);
        // 9/10 as an f32 is just below 0.9 as an f64, as upstream computes it.
        let c = check(&history(9, 1), Some(Availability::Fraction(0.9)));
        assert_eq!(c.valid, Validity::False);
        assert_eq!(c.result["ok-fraction"], json!(0.9));
    }

    #[test]
    fn no_invocations_is_full_availability() {
        assert_eq!(check(&[], Some(Availability::Total)).result, json!({"valid?": true, "ok-fraction": 1}));
    }
}
