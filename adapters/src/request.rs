//! Typed request parsing shared by every workload.
//!
//! A workload declares its requests as one serde enum whose variants are named by `type` (a
//! plain enum, as below; one tagged with `#[serde(tag = "type")]` is read too, at the cost of
//! serde buffering its fields); that enum is the one list of the types it serves. [`parse`] turns a [`Message`] into that enum, or into the error
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
//! #[serde(rename_all = "snake_case")]
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

use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, Unexpected, VariantAccess,
    Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::Value;

use crate::protocol::{Error, Message};

/// Reads `msg`'s body as the request `R` (a serde enum named by `type`), or says why it
/// cannot be served.
pub fn parse<R: DeserializeOwned>(msg: &Message) -> Result<R, Error> {
    let kind = msg.body.kind.as_str();
    // Deserialize straight from the body's fields, without building a second JSON tree: names,
    // tag and values are all lent by the body.
    let fields = msg.body.fields.iter().map(|(key, value)| (Field::Borrowed(key.as_str()), Field::Lent(value)));
    // Only a request that fails is asked whether its type is served at all.
    R::deserialize(Request::new(kind, fields)).map_err(|err| refusal::<R>(kind, &err))
}

/// Like [`parse`], but moves the body's fields into the request instead of copying them: for a
/// handler that owns the message and needs only its envelope (`src`, `msg_id`) afterwards, to
/// reply. The fields are gone from `msg` whether or not the request is well formed.
pub fn take<R: DeserializeOwned>(msg: &mut Message) -> Result<R, Error> {
    let mut fields = std::mem::take(&mut msg.body.fields);
    let kind = msg.body.kind.as_str();
    // Names are lent (the tag stays in the body for the reply) and values moved out.
    let fields =
        fields.entries_mut().map(|(key, value)| (Field::Borrowed(key.as_str()), Field::Value(std::mem::take(value))));
    R::deserialize(Request::new(kind, fields)).map_err(|err| refusal::<R>(kind, &err))
}

/// A request as serde reads it: the body's kind, and its fields as `(name, value)` entries.
///
/// A plain serde enum asks for an enum, and gets the kind as its variant and the fields as
/// that variant's: each field goes straight to its place. Anything else (an enum tagged with
/// `#[serde(tag = "type")]`, a struct, a map) reads one map of `type` and the fields; serde
/// reads a tagged enum by buffering every field until it has seen the tag, so the plain enum
/// is the cheaper declaration.
struct Request<'de, I, E> {
    kind: &'de str,
    fields: I,
    error: PhantomData<E>,
}

impl<'de, I, E> Request<'de, I, E> {
    fn new(kind: &'de str, fields: I) -> Self {
        Self { kind, fields, error: PhantomData }
    }
}

impl<'de, I, K, F, E> Deserializer<'de> for Request<'de, I, E>
where
    I: Iterator<Item = (K, F)>,
    K: IntoDeserializer<'de, E> + From<&'de str>,
    F: IntoDeserializer<'de, E> + From<&'de str>,
    E: de::Error,
{
    type Error = E;

    fn deserialize_any<T: Visitor<'de>>(self, visitor: T) -> Result<T::Value, E> {
        let tag = std::iter::once((K::from("type"), F::from(self.kind)));
        MapDeserializer::new(tag.chain(self.fields)).deserialize_any(visitor)
    }

    fn deserialize_enum<T: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: T,
    ) -> Result<T::Value, E> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de, I, K, V, E> EnumAccess<'de> for Request<'de, I, E>
where
    I: Iterator<Item = (K, V)>,
    K: IntoDeserializer<'de, E>,
    V: IntoDeserializer<'de, E>,
    E: de::Error,
{
    type Error = E;
    type Variant = VariantFields<I, E>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), E> {
        let variant = seed.deserialize(BorrowedStrDeserializer::new(self.kind))?;
        Ok((variant, VariantFields { fields: self.fields, error: PhantomData }))
    }
}

/// The fields of a request read as an enum variant: a unit variant ignores them, as a struct
/// ignores fields it does not name.
struct VariantFields<I, E> {
    fields: I,
    error: PhantomData<E>,
}

impl<'de, I, K, V, E> VariantAccess<'de> for VariantFields<I, E>
where
    I: Iterator<Item = (K, V)>,
    K: IntoDeserializer<'de, E>,
    V: IntoDeserializer<'de, E>,
    E: de::Error,
{
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, E> {
        seed.deserialize(MapDeserializer::new(self.fields))
    }

    fn tuple_variant<T: Visitor<'de>>(self, _: usize, _: T) -> Result<T::Value, E> {
        Err(de::Error::invalid_type(Unexpected::StructVariant, &"a unit, newtype or struct variant"))
    }

    fn struct_variant<T: Visitor<'de>>(self, _: &'static [&'static str], visitor: T) -> Result<T::Value, E> {
        MapDeserializer::new(self.fields).deserialize_any(visitor)
    }
}

/// A body entry as [`parse`] and [`take`] hand it over: a string lent by the body (a name, the
/// tag), which the request's reader may keep a reference to without copying, or a field's
/// value, lent ([`parse`]) or moved out ([`take`]).
enum Field<'a> {
    Borrowed(&'a str),
    Lent(&'a Value),
    Value(Value),
}

impl<'a> From<&'a str> for Field<'a> {
    fn from(text: &'a str) -> Self {
        Field::Borrowed(text)
    }
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
    let tag_only = Request::<_, TagProbe>::new(kind, std::iter::empty::<(&str, &str)>());
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
    #[serde(rename_all = "snake_case")]
    enum Kv {
        Write { key: u64, value: Value },
        Read { key: u64 },
        Ping,
        Cas(Cas),
        Pair(u64, u64),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Cas {
        key: u64,
        from: Value,
        to: Value,
    }

    /// The same requests as an enum tagged by `type`.
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum TaggedKv {
        Write { key: u64, value: Value },
        Read { key: u64 },
        Ping,
        Cas(Cas),
    }

    impl From<TaggedKv> for Kv {
        fn from(request: TaggedKv) -> Self {
            match request {
                TaggedKv::Write { key, value } => Kv::Write { key, value },
                TaggedKv::Read { key } => Kv::Read { key },
                TaggedKv::Ping => Kv::Ping,
                TaggedKv::Cas(cas) => Kv::Cas(cas),
            }
        }
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

    #[test]
    fn newtype_variants_read_the_fields_and_tuple_variants_are_malformed() {
        let cas = Body::new("cas").with("key", 1).with("from", 2).with("to", "3");
        let expected = Cas { key: 1, from: 2.into(), to: "3".into() };
        assert_eq!(parse::<Kv>(&msg(cas)), Ok(Kv::Cas(expected)));
        let pair = Body::new("pair").with("0", 1).with("1", 2);
        assert_eq!(parse::<Kv>(&msg(pair)).unwrap_err().code, ErrorCode::MalformedRequest);
    }

    #[test]
    fn a_plain_enum_and_a_tagged_one_read_alike() {
        let bodies = [
            Body::new("write").with("key", 1).with("value", serde_json::json!({"a": [null]})).with("extra", 2),
            Body::new("read").with("key", 3),
            Body::new("read"),
            Body::new("read").with("key", "3"),
            Body::new("ping").with("x", 1),
            Body::new("cas").with("key", 1).with("from", 2).with("to", 3),
            Body::new("cas").with("key", 1),
            Body::new("delete").with("key", 1),
            Body::new(""),
            Body::new("type").with("key", 1),
        ];
        for body in bodies {
            let plain = parse::<Kv>(&msg(body.clone())).map_err(|err| err.code);
            let tagged = parse::<TaggedKv>(&msg(body.clone())).map(Kv::from).map_err(|err| err.code);
            assert_eq!(plain, tagged, "{body:?}");
            let mut taken = msg(body.clone());
            assert_eq!(take::<TaggedKv>(&mut taken).map(Kv::from).map_err(|err| err.code), plain, "{body:?}");
        }
    }
}
