//! Clients of Maelstrom's key-value
//! [services](https://github.com/jepsen-io/maelstrom/blob/main/doc/services.md): request bodies
//! (`read`, `write`, `cas`) and typed decoding of their replies.
//!
//! A workload sends through [`Context::call`] (or the shorthands on [`Kv`]) and
//! decodes in [`crate::Workload::on_reply`]:
//!
//! ```
//! use glomer_adapters::services::{self, Kv, KvError};
//! use glomer_adapters::{Body, Message};
//!
//! let request = services::cas("total", 3, 5, true);
//! assert_eq!(request.get("create_if_not_exists"), Some(&true.into()));
//!
//! let reply = Message { src: "seq-kv".into(), dest: "n0".into(), body: Body::new("read_ok").with("value", 4) };
//! assert_eq!(services::decode_read(Ok(reply)), Ok(4.into()));
//! let _ = Kv::Seq; // Kv::Seq.read(ctx, "total", 1_000) sends the read and returns its CallId.
//! # let _: Option<KvError> = None;
//! ```

use serde_json::Value;

use crate::protocol::{Body, Error, ErrorCode, Message};
use crate::workload::{CallId, Context, RpcError};

/// One of Maelstrom's key-value services, which all take the same requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kv {
    /// `seq-kv`: sequentially consistent; reads may be stale per caller.
    Seq,
    /// `lin-kv`: linearizable (the example counter in examples/ keeps its total there).
    Lin,
}

impl Kv {
    /// The service's node id.
    pub fn id(self) -> &'static str {
        match self {
            Kv::Seq => "seq-kv",
            Kv::Lin => "lin-kv",
        }
    }

    /// Calls `read`; decode the reply with [`decode_read`].
    pub fn read(self, ctx: &mut Context, key: impl Into<Value>, timeout_ms: u64) -> CallId {
        ctx.call(self.id(), read(key), timeout_ms)
    }

    /// Calls `write`; decode the reply with [`decode_write`].
    pub fn write(self, ctx: &mut Context, key: impl Into<Value>, value: impl Into<Value>, timeout_ms: u64) -> CallId {
        ctx.call(self.id(), write(key, value), timeout_ms)
    }

    /// Calls `cas`; decode the reply with [`decode_cas`].
    pub fn cas(self, ctx: &mut Context, key: impl Into<Value>, cas: Cas, timeout_ms: u64) -> CallId {
        ctx.call(self.id(), self::cas(key, cas.from, cas.to, cas.create_if_not_exists), timeout_ms)
    }
}

/// The arguments of a compare-and-set.
#[derive(Debug, Clone, PartialEq)]
pub struct Cas {
    /// The value the key must hold.
    pub from: Value,
    /// The value to store.
    pub to: Value,
    /// Create the key with `to` when it is missing (lin-kv and seq-kv only).
    pub create_if_not_exists: bool,
}

/// `{"type":"read","key":K}`.
pub fn read(key: impl Into<Value>) -> Body {
    Body::new("read").with("key", key)
}

/// `{"type":"write","key":K,"value":V}`.
pub fn write(key: impl Into<Value>, value: impl Into<Value>) -> Body {
    Body::new("write").with("key", key).with("value", value)
}

/// `{"type":"cas","key":K,"from":A,"to":B}`, plus `"create_if_not_exists":true` when asked.
pub fn cas(key: impl Into<Value>, from: impl Into<Value>, to: impl Into<Value>, create_if_not_exists: bool) -> Body {
    let body = Body::new("cas").with("key", key).with("from", from).with("to", to);
    if create_if_not_exists {
        body.with("create_if_not_exists", true)
    } else {
        body
    }
}

/// Why a service call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KvError {
    /// 20: the key does not exist (definite).
    #[error("key does not exist")]
    KeyDoesNotExist,
    /// 21: the key already exists (definite).
    #[error("key already exists")]
    KeyAlreadyExists,
    /// 22: `cas`'s `from` did not match (definite; under seq-kv possibly judged on a stale state).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// No reply in time: the request may or may not have taken effect.
    #[error("timed out")]
    Timeout,
    /// Any other error reply.
    #[error("service error: {0}")]
    Other(Error),
    /// A success reply of the wrong type or shape.
    #[error("unexpected reply: {0}")]
    Unexpected(String),
}

impl KvError {
    /// Whether the request certainly did not take effect.
    pub fn is_definite(&self) -> bool {
        match self {
            KvError::KeyDoesNotExist | KvError::KeyAlreadyExists | KvError::PreconditionFailed(_) => true,
            KvError::Timeout | KvError::Unexpected(_) => false,
            KvError::Other(err) => err.code.is_definite(),
        }
    }
}

/// The value of a `read_ok`.
pub fn decode_read(reply: Result<Message, RpcError>) -> Result<Value, KvError> {
    let mut body = expect(reply, "read_ok")?;
    body.fields.remove("value").ok_or_else(|| KvError::Unexpected("read_ok without value".into()))
}

/// Whether a `write` succeeded.
pub fn decode_write(reply: Result<Message, RpcError>) -> Result<(), KvError> {
    expect(reply, "write_ok").map(drop)
}

/// Whether a `cas` succeeded.
pub fn decode_cas(reply: Result<Message, RpcError>) -> Result<(), KvError> {
    expect(reply, "cas_ok").map(drop)
}

fn expect(reply: Result<Message, RpcError>, kind: &str) -> Result<Body, KvError> {
    match reply {
        Ok(msg) if msg.body.kind == kind => Ok(msg.body),
        Ok(msg) => Err(KvError::Unexpected(format!("expected {kind}, got {}", msg.body.kind))),
        Err(RpcError::Timeout) => Err(KvError::Timeout),
        Err(RpcError::Remote(err)) => Err(match err.code {
            ErrorCode::KeyDoesNotExist => KvError::KeyDoesNotExist,
            ErrorCode::KeyAlreadyExists => KvError::KeyAlreadyExists,
            ErrorCode::PreconditionFailed => KvError::PreconditionFailed(err.text),
            _ => KvError::Other(err),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reply(body: Body) -> Result<Message, RpcError> {
        Ok(Message { src: "lin-kv".into(), dest: "n0".into(), body })
    }

    fn remote(code: ErrorCode) -> Result<Message, RpcError> {
        Err(RpcError::Remote(Error::new(code, "x")))
    }

    #[test]
    fn requests_match_the_service_wire_format() {
        assert_eq!(serde_json::to_value(read("k")).unwrap(), json!({"type": "read", "key": "k"}));
        assert_eq!(
            serde_json::to_value(write(1, [1, 2])).unwrap(),
            json!({"type": "write", "key": 1, "value": [1, 2]})
        );
        assert_eq!(
            serde_json::to_value(cas("k", 1, 2, false)).unwrap(),
            json!({"type": "cas", "key": "k", "from": 1, "to": 2})
        );
        assert_eq!(
            serde_json::to_value(cas("k", 1, 2, true)).unwrap(),
            json!({"type": "cas", "key": "k", "from": 1, "to": 2, "create_if_not_exists": true})
        );
    }

    #[test]
    fn replies_decode_to_values_and_typed_errors() {
        assert_eq!(decode_read(reply(Body::new("read_ok").with("value", "1"))), Ok(json!("1")));
        assert_eq!(decode_write(reply(Body::new("write_ok"))), Ok(()));
        assert_eq!(decode_cas(reply(Body::new("cas_ok"))), Ok(()));
        assert_eq!(decode_read(remote(ErrorCode::KeyDoesNotExist)), Err(KvError::KeyDoesNotExist));
        assert_eq!(decode_cas(remote(ErrorCode::KeyAlreadyExists)), Err(KvError::KeyAlreadyExists));
        assert_eq!(decode_cas(remote(ErrorCode::PreconditionFailed)), Err(KvError::PreconditionFailed("x".into())));
        assert_eq!(decode_write(Err(RpcError::Timeout)), Err(KvError::Timeout));
        assert!(matches!(decode_read(remote(ErrorCode::Crash)), Err(KvError::Other(_))));
    }

    #[test]
    fn wrong_reply_shapes_are_unexpected_and_indefinite() {
        for err in [decode_read(reply(Body::new("read_ok"))), decode_read(reply(Body::new("write_ok")))] {
            assert!(matches!(&err, Err(KvError::Unexpected(_))), "{err:?}");
            assert!(!err.unwrap_err().is_definite());
        }
        assert!(KvError::PreconditionFailed(String::new()).is_definite());
        assert!(!KvError::Timeout.is_definite());
    }
}
