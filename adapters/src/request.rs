//! Typed request parsing shared by every workload.
//!
//! A workload declares its requests as one serde enum tagged by `type` and lists the type names
//! it serves; [`parse`] turns a [`Message`] into that enum, or into the error Maelstrom expects:
//! 10 (`not-supported`) for a type the workload does not serve, 12 (`malformed-request`) for a
//! known type with missing or mistyped fields (spec section 2.2). Fields the enum does not name
//! are ignored, never an error (spec section 1.3: bodies may grow fields).
//!
//! ```
//! use glomer_adapters::request::{self, Request};
//! use glomer_adapters::{Body, ErrorCode, Message};
//! use serde::Deserialize;
//!
//! #[derive(Debug, Deserialize, PartialEq)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum Counter {
//!     Add { delta: u64 },
//!     Read,
//! }
//!
//! impl Request for Counter {
//!     const KINDS: &'static [&'static str] = &["add", "read"];
//! }
//!
//! let msg = |body: Body| Message { src: "c1".into(), dest: "n0".into(), body };
//! let add = msg(Body::new("add").with("delta", 5));
//! assert_eq!(request::parse::<Counter>(&add), Ok(Counter::Add { delta: 5 }));
//! let bad = msg(Body::new("add").with("delta", "five"));
//! assert_eq!(request::parse::<Counter>(&bad).unwrap_err().code, ErrorCode::MalformedRequest);
//! let unknown = msg(Body::new("subtract"));
//! assert_eq!(request::parse::<Counter>(&unknown).unwrap_err().code, ErrorCode::NotSupported);
//! ```

use serde::de::value::MapDeserializer;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::protocol::{Error, Message};

/// The requests one workload serves: a serde enum tagged by `type` (`#[serde(tag = "type")]`).
pub trait Request: DeserializeOwned {
    /// Every `type` the enum accepts. A type outside this list is answered with error 10; a type
    /// inside it that fails to deserialize, with error 12.
    const KINDS: &'static [&'static str];
}

/// Reads `msg`'s body as the request `R`, or says why it cannot be served.
pub fn parse<R: Request>(msg: &Message) -> Result<R, Error> {
    let kind = msg.body.kind.as_str();
    if !R::KINDS.contains(&kind) {
        return Err(Error::not_supported(kind));
    }
    // Deserialize straight from the body's fields plus the tag, without building a second JSON
    // tree: the body is borrowed, only the tag is a fresh value.
    let tag = Value::String(msg.body.kind.clone());
    let entries = std::iter::once(("type", &tag)).chain(msg.body.fields.iter().map(|(k, v)| (k.as_str(), v)));
    let deserializer = MapDeserializer::<_, serde_json::Error>::new(entries);
    R::deserialize(deserializer).map_err(|err| Error::malformed(format!("bad {kind:?} request: {err}")))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::protocol::{Body, ErrorCode};

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Kv {
        Write { key: u64, value: Value },
        Read { key: u64 },
    }

    impl Request for Kv {
        const KINDS: &'static [&'static str] = &["write", "read"];
    }

    fn msg(body: Body) -> Message {
        Message { src: "c1".into(), dest: "n0".into(), body }
    }

    #[test]
    fn extra_fields_and_envelope_fields_are_ignored() {
        let body = Body::new("read").with("key", 3).with("future_field", "x");
        let mut m = msg(body);
        m.body.msg_id = Some(9);
        assert_eq!(parse::<Kv>(&m), Ok(Kv::Read { key: 3 }));
    }

    #[test]
    fn any_json_value_is_kept_with_its_type() {
        let m = msg(Body::new("write").with("key", 1).with("value", serde_json::json!([1.0, "1", {"a": null}])));
        assert_eq!(parse::<Kv>(&m), Ok(Kv::Write { key: 1, value: serde_json::json!([1.0, "1", {"a": null}]) }));
    }

    #[test]
    fn unknown_type_is_error_10() {
        let err = parse::<Kv>(&msg(Body::new("delete").with("key", 1))).unwrap_err();
        assert_eq!(err.code, ErrorCode::NotSupported);
    }

    #[test]
    fn missing_or_mistyped_field_is_error_12() {
        for body in [Body::new("read"), Body::new("read").with("key", "3"), Body::new("read").with("key", -1)] {
            let err = parse::<Kv>(&msg(body.clone())).unwrap_err();
            assert_eq!(err.code, ErrorCode::MalformedRequest, "{body:?}");
        }
    }
}
