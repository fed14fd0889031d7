//! The availability checker (spec 8.2).

use serde_json::json;

use super::Checked;
#[allow(unused_imports)]
use crate::history::{Op, Validity};

/// What `--availability` asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    /// `total`: every client op must complete `:ok`.
    Total,
    /// A fraction in [0, 1]: at least that share of client invocations must complete `:ok`.
    Fraction(f64),
}

/// The availability checker (spec 8.2): the share of client invocations that completed `:ok`.
pub fn check(history: &[Op], expected: Option<Availability>) -> Checked {
    let _ = (history, expected);
    Checked { valid: Validity::Unknown, result: json!({"valid?": "unknown", "error": "not implemented"}) }
}
