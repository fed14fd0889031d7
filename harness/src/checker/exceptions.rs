//! Jepsen's exceptions checker (spec 8.1): always valid; lists ops that threw.

use serde_json::json;

use super::Checked;
#[allow(unused_imports)]
use crate::history::{Op, Validity};

/// Jepsen's exceptions checker (spec 8.1): always valid; lists ops that threw.
pub fn check(history: &[Op]) -> Checked {
    let _ = history;
    Checked { valid: Validity::Unknown, result: json!({"valid?": "unknown", "error": "not implemented"}) }
}
