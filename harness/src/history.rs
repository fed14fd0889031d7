//! The test history: Jepsen's op records (docs/harness.md), as every checker reads them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The type of a history record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// The op started.
    Invoke,
    /// The op certainly happened.
    Ok,
    /// The op certainly did not happen.
    Fail,
    /// Indefinite: it may have happened, at any time after its invocation, or never.
    Info,
}

/// Who performed an op: a client process number, or the nemesis (Jepsen writes `:process
/// :nemesis`; here the string `"nemesis"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    /// A client process number (changes when an op of its worker ends `:info`, Jepsen's interpreter).
    Client(u64),
    /// The nemesis.
    Nemesis,
}

impl Serialize for Process {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Process::Client(n) => serializer.serialize_u64(*n),
            Process::Nemesis => serializer.serialize_str("nemesis"),
        }
    }
}

impl<'de> Deserialize<'de> for Process {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Number(n) => n.as_u64().map(Process::Client).ok_or_else(|| serde::de::Error::custom("bad process")),
            // Histories written before the nemesis had its name recorded it as `null`.
            Value::String(s) if s == "nemesis" => Ok(Process::Nemesis),
            Value::Null => Ok(Process::Nemesis),
            other => Err(serde::de::Error::custom(format!("not a process: {other}"))),
        }
    }
}

/// One history record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Position in the history, from 0.
    pub index: usize,
    /// Nanoseconds since the test started.
    pub time_ns: u64,
    /// Invocation or completion type.
    #[serde(rename = "type")]
    pub kind: OpType,
    /// The process.
    pub process: Process,
    /// The function, as Maelstrom names it (`"broadcast"`, `"read"`, `"send"`, `"txn"`, …).
    pub f: String,
    /// The op's value, in Maelstrom's shape for the workload (JSON rendering of the EDN).
    pub value: Value,
    /// On a failed or indefinite completion: Maelstrom's `:error` (e.g. `["net-timeout"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// On a completion that threw in the client: the exception's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// Whether the op belongs to the final phase and is marked `:final? true`.
    #[serde(default, rename = "final?", skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
}

impl Op {
    /// Whether this is a client op (not a nemesis op).
    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

/// A checker's verdict: Jepsen's `true`, `false` or `:unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// Valid.
    True,
    /// Invalid.
    False,
    /// The checker could not decide.
    Unknown,
}

impl Validity {
    /// Jepsen's merge (`merge-valid`): false wins over unknown, unknown over true.
    pub fn merge(self, other: Validity) -> Validity {
        match (self, other) {
            (Validity::False, _) | (_, Validity::False) => Validity::False,
            (Validity::Unknown, _) | (_, Validity::Unknown) => Validity::Unknown,
            _ => Validity::True,
        }
    }

    /// Maelstrom's exit status for a test with this verdict (docs/harness.md).
    pub fn exit_code(self) -> i32 {
        match self {
            Validity::True => 0,
            Validity::False => 1,
            Validity::Unknown => 2,
        }
    }
}

impl From<bool> for Validity {
    fn from(valid: bool) -> Self {
        if valid {
            Validity::True
        } else {
            Validity::False
        }
    }
}

impl Serialize for Validity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Validity::True => serializer.serialize_bool(true),
            Validity::False => serializer.serialize_bool(false),
            Validity::Unknown => serializer.serialize_str("unknown"),
        }
    }
}

impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Bool(valid) => Ok(valid.into()),
            Value::String(s) if s == "unknown" => Ok(Validity::Unknown),
            other => Err(serde::de::Error::custom(format!("not a validity: {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn processes_are_numbers_and_the_nemesis_is_named() {
        assert_eq!(serde_json::to_value(Process::Client(3)).unwrap(), json!(3));
        assert_eq!(serde_json::to_value(Process::Nemesis).unwrap(), json!("nemesis"));
        for v in [json!(3), json!("nemesis")] {
            let p: Process = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(p).unwrap(), v);
        }
    }
}
