//! What a generator asks for and how an op ended: the leaf every other harness module builds
//! on (it imports nothing of the harness but the history's [`OpType`]).

use serde_json::{json, Value};

use crate::history::OpType;

/// One op a generator hands to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct OpSpec {
    /// Maelstrom's `:f`.
    pub f: String,
    /// The invocation's value.
    pub value: Value,
    /// Whether the op is marked `:final? true`.
    pub is_final: bool,
    /// Jepsen's `:seek-to-beginning?` flag of a kafka `assign` (not recorded in the history).
    pub seek_to_beginning: bool,
}

impl OpSpec {
    /// A main-phase op.
    pub fn new(f: &str, value: Value) -> Self {
        OpSpec { f: f.to_owned(), value, is_final: false, seek_to_beginning: false }
    }
}

/// How an op ended, as it goes into the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// `Ok`, `Fail` or `Info`.
    pub kind: OpType,
    /// The completion's value.
    pub value: Value,
    /// Maelstrom's `:error`.
    pub error: Option<Value>,
    /// The exception, when the client threw.
    pub exception: Option<String>,
}

impl Completion {
    /// An `:ok` completion.
    pub fn ok(value: Value) -> Self {
        Completion { kind: OpType::Ok, value, error: None, exception: None }
    }

    /// An `:info` completion with no error: the op's effect is unknown (kafka's `crash`).
    pub fn info(value: Value) -> Self {
        Completion { kind: OpType::Info, value, error: None, exception: None }
    }

    /// An `:info` completion from an exception in the client (Jepsen's interpreter records
    /// these as `:error "indeterminate: …"`).
    pub fn thrown(value: Value, exception: String) -> Self {
        let error = Some(json!(format!("indeterminate: {exception}")));
        Completion { kind: OpType::Info, value, error, exception: Some(exception) }
    }
}
