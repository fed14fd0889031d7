//! Typed request parsing shared by every workload.
//!
//! A workload declares its requests as one serde enum tagged by `type`; that enum is the one
//! list of the types it serves. [`parse`] turns a [`Message`] into that enum, or into the error
//! Maelstrom expects: 10 (`not-supported`) for a type the enum does not name, 12
//! (`malformed-request`) for a named type with missing or mistyped fields (Maelstrom's
//! [error codes](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md#errors)).
//! Fields the enum does not name are ignored, never an error: bodies may grow fields.
//!
//! ```
//! use glomer_adapters::request;
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
//! let msg = |body: Body| Message { src: "c1".into(), dest: "n0".into(), body };
//! let add = msg(Body::new("add").with("delta", 5));
//! assert_eq!(request::parse::<Counter>(&add), Ok(Counter::Add { delta: 5 }));
//! let bad = msg(Body::new("add").with("delta", "five"));
//! assert_eq!(request::parse::<Counter>(&bad).unwrap_err().code, ErrorCode::MalformedRequest);
//! let unknown = msg(Body::new("subtract"));
//! assert_eq!(request::parse::<Counter>(&unknown).unwrap_err().code, ErrorCode::NotSupported);
//! ```

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, MapDeserializer};
use serde::de::{DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde_json::Value;

use crate::protocol::{Error, Message};

/// Reads `msg`'s body as the request `R` (a serde enum tagged by `type`), or says why it
/// cannot be served.
pub fn parse<R: DeserializeOwned>(msg: &Message) -> Result<R, Error> {
    let kind = msg.body.kind.as_str();
    // Deserialize straight from the body's fields plus the tag, without building a second JSON
    // tree: names, tag and values are all lent by the body.
    let entries = std::iter::once((Field::Borrowed("type"), Field::Borrowed(kind)))
        .chain(msg.body.fields.iter().map(|(key, value)| (Field::Borrowed(key.as_str()), Field::Lent(value))));
    let deserializer = MapDeserializer::<_, serde_json::Error>::new(entries);
    // Only a request that fails is asked whether its type is served at all.
    R::deserialize(deserializer).map_err(|err| refusal::<R>(kind, &err))
}

/// Like [`parse`], but moves the body's fields into the request instead of copying them: for a
/// handler that owns the message and needs only its envelope (`src`, `msg_id`) afterwards, to
/// reply. The fields are gone from `msg` whether or not the request is well formed.
pub fn take<R: DeserializeOwned>(msg: &mut Message) -> Result<R, Error> {
    let mut fields = std::mem::take(&mut msg.body.fields);
    let kind = msg.body.kind.as_str();
    // Names are lent (the tag stays in the body for the reply) and values moved out.
    let entries = std::iter::once((Field::Borrowed("type"), Field::Borrowed(kind))).chain(
        fields.entries_mut().map(|(key, value)| (Field::Borrowed(key.as_str()), Field::Value(std::mem::take(value)))),
    );
    let deserializer = MapDeserializer::<_, serde_json::Error>::new(entries);
    R::deserialize(deserializer).map_err(|err| refusal::<R>(kind, &err))
}

/// A body entry as [`parse`] and [`take`] hand it over: a string lent by the body (a name, the
/// tag), which the request's reader may keep a reference to without copying, or a field's
/// value, lent ([`parse`]) or moved out ([`take`]).
enum Field<'a> {
    Borrowed(&'a str),
    Lent(&'a Value),
    Value(Value),
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for Field<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Each method goes to the lent string or to the field's own [`Value`] reader, so a lent field
/// and a moved one are read alike.
macro_rules! by_entry {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, serde_json::Error> {
            match self {
                Field::Borrowed(text) => BorrowedStrDeserializer::new(text).$method($($arg,)* visitor),
                Field::Lent(value) => value.$method($($arg,)* visitor),
                Field::Value(value) => value.$method($($arg,)* visitor),
            }
        })*
    };
}

impl<'de> Deserializer<'de> for Field<'de> {
    type Error = serde_json::Error;

    by_entry! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit(); deserialize_seq(); deserialize_map();
        deserialize_identifier(); deserialize_ignored_any();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// The error for a request `R` cannot be read from: 12 when its type is served, 10 otherwise.
fn refusal<R: DeserializeOwned>(kind: &str, err: &serde_json::Error) -> Error {
    match serves::<R>(kind) {
        true => Error::malformed(format!("bad {kind:?} request: {err}")),
        false => Error::not_supported(kind),
    }
}

/// Whether the enum `R` has a variant for `kind`. The enum is asked with the tag alone: serde
/// reports an unknown tag through [`serde::de::Error::unknown_variant`], and any other
/// complaint (a missing field) means the tag itself was known.
fn serves<R: DeserializeOwned>(kind: &str) -> bool {
    let tag_only = MapDeserializer::<_, TagProbe>::new(std::iter::once(("type", kind)));
    !matches!(R::deserialize(tag_only), Err(TagProbe::Unknown))
}

/// The outcome of deserializing a request from its tag alone.
#[derive(Debug)]
enum TagProbe {
    /// The tag names no variant.
    Unknown,
    /// Anything else: the tag named a variant whose fields are missing.
    Other,
}

impl fmt::Display for TagProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TagProbe::Unknown => "unknown request type",
            TagProbe::Other => "known request type",
        })
    }
}

impl std::error::Error for TagProbe {}

impl serde::de::Error for TagProbe {
    fn custom<T: fmt::Display>(_: T) -> Self {
        TagProbe::Other
    }

    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        TagProbe::Unknown
    }
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
        Ping,
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
        assert_eq!(parse::<Kv>(&msg(Body::new("ping").with("x", 1))), Ok(Kv::Ping));
    }

    #[test]
    fn any_json_value_is_kept_with_its_type() {
        let m = msg(Body::new("write").with("key", 1).with("value", serde_json::json!([1.0, "1", {"a": null}])));
        assert_eq!(parse::<Kv>(&m), Ok(Kv::Write { key: 1, value: serde_json::json!([1.0, "1", {"a": null}]) }));
    }

    #[test]
    fn unknown_type_is_error_10() {
        for kind in ["delete", "Read", "read_ok", ""] {
            let err = parse::<Kv>(&msg(Body::new(kind).with("key", 1))).unwrap_err();
            assert_eq!(err.code, ErrorCode::NotSupported, "{kind:?}");
        }
    }

    #[test]
    fn taking_reads_like_parsing_and_leaves_the_envelope() {
        let value = serde_json::json!([1.0, "1", {"a": null}]);
        let bodies = [
            Body::new("write").with("key", 1).with("value", value.clone()).with("extra", 2),
            Body::new("read").with("key", "3"),
            Body::new("delete").with("key", 1),
        ];
        for body in bodies {
            let mut taken = msg(body);
            taken.body.msg_id = Some(4);
            let parsed = parse::<Kv>(&taken);
            assert_eq!(take::<Kv>(&mut taken), parsed);
            assert_eq!((taken.src.as_str(), taken.body.msg_id, taken.body.fields.len()), ("c1", Some(4), 0));
        }
    }

    #[test]
    fn missing_or_mistyped_field_is_error_12() {
        for body in [Body::new("read"), Body::new("read").with("key", "3"), Body::new("read").with("key", -1)] {
            let err = parse::<Kv>(&msg(body.clone())).unwrap_err();
            assert_eq!(err.code, ErrorCode::MalformedRequest, "{body:?}");
        }
    }
}
