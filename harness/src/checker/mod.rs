//! Checkers: pure functions from a history to a verdict and Maelstrom's result map.
//!
//! Each returns a [`Checked`]: the verdict plus the section of `results.json` it produces, in
//! Maelstrom's field names (without the EDN colon: `"valid?"`, `"stable-latencies"`, …).

use serde_json::Value;

use crate::history::Validity;

pub mod availability;
pub mod counter;
pub mod echo;
pub mod exceptions;
pub mod quantile;
pub mod set_full;
pub mod stats;
pub mod unique_ids;

/// A checker's verdict and its part of the results map (which includes `"valid?"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The verdict.
    pub valid: Validity,
    /// The result map, as Maelstrom prints it.
    pub result: Value,
}
