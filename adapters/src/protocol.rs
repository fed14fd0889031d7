//! Maelstrom's wire format: the envelope, message bodies and error codes (Maelstrom's
//! [protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).

use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// A body's own fields.
mod fields;
/// One message as one JSON line, on a node's hot path.
pub mod line;
/// A serde type straight into a [`Body`], for typed replies and requests.
mod typed_body;

pub use self::fields::Fields;
use crate::name::{Name, NameSeed, Names};

/// One message on the wire: `{"src", "dest", "body"}`. The one type for Maelstrom's envelope,
/// used by the nodes and by the harness that runs them.
///
/// Maelstrom adds an `"id"` key on the way in; it is accepted and dropped, and never written
/// back (a node's lines carry exactly `src`, `dest` and `body`; see Maelstrom's
/// [protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Sender id (`"n0"`, `"c3"`, `"seq-kv"`).
    pub src: Name,
    /// Recipient id.
    pub dest: Name,
    /// The body.
    pub body: Body,
}

impl Message {
    /// A message with empty ids and an empty body, for a reader to fill.
    pub(crate) fn empty() -> Self {
        Self { src: Name::default(), dest: Name::default(), body: Body::default() }
    }
}

/// A message body: `type`, optional `msg_id` / `in_reply_to`, and the type's own fields.
///
/// Fields this crate does not know are kept in `fields`, never an error. A field can also be
/// held already encoded ([`Body::with_encoded`]): it is written out verbatim, so a payload
/// encoded once is never turned into a JSON tree and back.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// The message kind, e.g. `"broadcast"`, `"read_ok"`, `"error"`: static for the kinds a
    /// node names in its code, shared for those it reads, so a kind costs no allocation.
    pub kind: Name,
    /// Sender-chosen id; present on every request.
    pub msg_id: Option<u64>,
    /// On a reply: the `msg_id` of the request it answers.
    pub in_reply_to: Option<u64>,
    /// Every other field of the body.
    pub fields: Fields,
    /// Fields held as JSON text, written after `fields`.
    pub encoded: Vec<(String, Box<RawValue>)>,
}

impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        let text = |fields: &[(String, Box<RawValue>)]| -> Vec<(String, String)> {
            fields.iter().map(|(key, raw)| (key.clone(), raw.get().to_owned())).collect()
        };
        (&self.kind, self.msg_id, self.in_reply_to, &self.fields)
            == (&other.kind, other.msg_id, other.in_reply_to, &other.fields)
            && text(&self.encoded) == text(&other.encoded)
    }
}

impl Body {
    /// A body of the given kind with no fields.
    pub fn new(kind: impl Into<Name>) -> Self {
        Self { kind: kind.into(), ..Self::default() }
    }

    /// Adds a field (builder style).
    pub fn with(mut self, key: impl Into<Name>, value: impl Into<Value>) -> Self {
        self.fields.insert(key, value.into());
        self
    }

    /// Adds a field already encoded as JSON text (builder style).
    pub fn with_encoded(mut self, key: &str, json: Box<RawValue>) -> Self {
        self.encoded.push((key.to_owned(), json));
        self
    }

    /// A field by name (fields held encoded are not seen here; see [`Body::take_decoded`]).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// Removes the field `key` and reads it as a `T`, whether it came as a JSON tree (a parsed
    /// line) or encoded (a message handed over in-process); `None` when there is no such field.
    pub fn take_decoded<T: DeserializeOwned>(&mut self, key: &str) -> Option<Result<T, serde_json::Error>> {
        if let Some(at) = self.encoded.iter().position(|(name, _)| name == key) {
            let (_, json) = self.encoded.swap_remove(at);
            return Some(serde_json::from_str(json.get()));
        }
        self.fields.remove(key).map(serde_json::from_value)
    }

    /// The body of a typed reply or request: `value` serialises to an object whose `type` is
    /// the kind (a serde struct or enum with `#[serde(tag = "type")]`).
    pub fn from_serialize(value: &impl Serialize) -> Result<Self, serde_json::Error> {
        typed_body::to_body(value)
    }
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let count = 1 + usize::from(self.msg_id.is_some()) + usize::from(self.in_reply_to.is_some());
        let mut map = serializer.serialize_map(Some(count + self.fields.len() + self.encoded.len()))?;
        map.serialize_entry("type", &self.kind)?;
        if let Some(msg_id) = self.msg_id {
            map.serialize_entry("msg_id", &msg_id)?;
        }
        if let Some(in_reply_to) = self.in_reply_to {
            map.serialize_entry("in_reply_to", &in_reply_to)?;
        }
        for (key, value) in &self.fields {
            map.serialize_entry(key, value)?;
        }
        for (key, json) in &self.encoded {
            map.serialize_entry(key, json)?;
        }
        map.end()
    }
}

/// Reads a body field by field, straight into a [`Body`] (serde's `flatten` would first buffer
/// the whole body in a generic tree); its kind through a [`Names`] table when there is one.
///
/// It fills a body in place rather than returning one: a body is most of a message's size,
/// and each return through serde's layers would copy it.
pub(crate) struct BodySeed<'a> {
    pub(crate) names: Option<&'a mut Names>,
    pub(crate) body: &'a mut Body,
}

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BodySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message body: an object with a string \"type\"")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let body = self.body;
        let mut kind = None;
        while let Some(key) = map.next_key_seed(BodyKeySeed(self.names.as_deref_mut()))? {
            match key {
                BodyKey::Type => kind = Some(map.next_value_seed(NameSeed(self.names.as_deref_mut()))?),
                BodyKey::MsgId => body.msg_id = map.next_value()?,
                BodyKey::InReplyTo => body.in_reply_to = map.next_value()?,
                BodyKey::Field(key) => {
                    body.fields.insert(key, map.next_value()?);
                }
            }
        }
        body.kind = kind.ok_or_else(|| serde::de::Error::missing_field("type"))?;
        Ok(())
    }
}

/// A body's key: the three every body may have are recognised without allocating (a key
/// read as a `String` or a `Cow` always is a fresh string), the others become field names,
/// through a [`Names`] table when there is one.
enum BodyKey {
    Type,
    MsgId,
    InReplyTo,
    Field(Name),
}

struct BodyKeySeed<'a>(Option<&'a mut Names>);

impl<'de> DeserializeSeed<'de> for BodyKeySeed<'_> {
    type Value = BodyKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<BodyKey, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for BodyKeySeed<'_> {
    type Value = BodyKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a body key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<BodyKey, E> {
        Ok(match key {
            "type" => BodyKey::Type,
            "msg_id" => BodyKey::MsgId,
            "in_reply_to" => BodyKey::InReplyTo,
            _ => BodyKey::Field(NameSeed(self.0).visit_str(key)?),
        })
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut msg = Message::empty();
        line::EnvelopeSeed { names: None, msg: &mut msg }.deserialize(deserializer)?;
        Ok(msg)
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut body = Body::default();
        BodySeed { names: None, body: &mut body }.deserialize(deserializer)?;
        Ok(body)
    }
}

/// Maelstrom's `init`: the node's own id and every node id of the test, in the test's order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Init {
    /// This node's id.
    pub node_id: String,
    /// Every node id, this one included.
    pub node_ids: Vec<String>,
}

/// An error reply's fields, as Maelstrom's error bodies carry them.
#[derive(Debug, Clone, Deserialize)]
struct ErrorFields {
    code: u64,
    #[serde(default)]
    text: String,
}

/// The reply `init_ok`, without fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename = "init_ok")]
pub(crate) struct InitOk {}

/// The reply `topology_ok`, without fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename = "topology_ok")]
pub struct TopologyOk {}

impl Message {
    /// Whether the sender is a Maelstrom client: Maelstrom decides this by the id's first
    /// character being `c` (maelstrom's `src/maelstrom/util.clj`).
    pub fn from_client(&self) -> bool {
        self.src.starts_with('c')
    }
}

/// Maelstrom's [error codes](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md#errors) (`resources/errors.edn` in Maelstrom).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 0: the operation did not finish in time.
    Timeout,
    /// 1: the addressed node does not exist.
    NodeNotFound,
    /// 10: this request type is not implemented.
    NotSupported,
    /// 11: the operation certainly cannot be done right now.
    TemporarilyUnavailable,
    /// 12: the request did not have the expected shape.
    MalformedRequest,
    /// 13: failure with unknown effect.
    Crash,
    /// 14: failure where the operation certainly did not take effect.
    Abort,
    /// 20: the key does not exist.
    KeyDoesNotExist,
    /// 21: the key already exists.
    KeyAlreadyExists,
    /// 22: a precondition (e.g. a compare-and-set's `from`) did not hold.
    PreconditionFailed,
    /// 30: the transaction was aborted because of a conflict.
    TxnConflict,
    /// Any other code: indefinite, named `unknown` by Maelstrom.
    Other(u64),
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u64 {
        match self {
            ErrorCode::Timeout => 0,
            ErrorCode::NodeNotFound => 1,
            ErrorCode::NotSupported => 10,
            ErrorCode::TemporarilyUnavailable => 11,
            ErrorCode::MalformedRequest => 12,
            ErrorCode::Crash => 13,
            ErrorCode::Abort => 14,
            ErrorCode::KeyDoesNotExist => 20,
            ErrorCode::KeyAlreadyExists => 21,
            ErrorCode::PreconditionFailed => 22,
            ErrorCode::TxnConflict => 30,
            ErrorCode::Other(code) => code,
        }
    }

    /// The code for a number.
    pub fn from_code(code: u64) -> Self {
        match code {
            0 => ErrorCode::Timeout,
            1 => ErrorCode::NodeNotFound,
            10 => ErrorCode::NotSupported,
            11 => ErrorCode::TemporarilyUnavailable,
            12 => ErrorCode::MalformedRequest,
            13 => ErrorCode::Crash,
            14 => ErrorCode::Abort,
            20 => ErrorCode::KeyDoesNotExist,
            21 => ErrorCode::KeyAlreadyExists,
            22 => ErrorCode::PreconditionFailed,
            30 => ErrorCode::TxnConflict,
            other => ErrorCode::Other(other),
        }
    }

    /// Maelstrom's keyword for the code (`"malformed-request"`), `"unknown"` for others.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Timeout => "timeout",
            ErrorCode::NodeNotFound => "node-not-found",
            ErrorCode::NotSupported => "not-supported",
            ErrorCode::TemporarilyUnavailable => "temporarily-unavailable",
            ErrorCode::MalformedRequest => "malformed-request",
            ErrorCode::Crash => "crash",
            ErrorCode::Abort => "abort",
            ErrorCode::KeyDoesNotExist => "key-does-not-exist",
            ErrorCode::KeyAlreadyExists => "key-already-exists",
            ErrorCode::PreconditionFailed => "precondition-failed",
            ErrorCode::TxnConflict => "txn-conflict",
            ErrorCode::Other(_) => "unknown",
        }
    }

    /// Whether the code is definite: the operation certainly did not happen.
    pub fn is_definite(self) -> bool {
        !matches!(self, ErrorCode::Timeout | ErrorCode::Crash | ErrorCode::Other(_))
    }
}

/// An error to send back as `{"type":"error","code","text"}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} ({}): {text}", code.name(), code.code())]
pub struct Error {
    /// The Maelstrom code.
    pub code: ErrorCode,
    /// Free-form explanation.
    pub text: String,
}

impl Error {
    /// An error with a code and text.
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Self { code, text: text.into() }
    }

    /// Error 12: the request is missing fields or has fields of the wrong type.
    pub fn malformed(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::MalformedRequest, text)
    }

    /// Error 10: the request type is unknown.
    pub fn not_supported(kind: &str) -> Self {
        Self::new(ErrorCode::NotSupported, format!("unsupported request type {kind:?}"))
    }

    /// The error's body (without `in_reply_to`).
    pub fn to_body(&self) -> Body {
        Body::new("error").with("code", self.code.code()).with("text", self.text.clone())
    }

    /// Reads an error body; a missing or mistyped code is read as `crash` (13), the safe guess.
    pub fn from_body(body: &Body) -> Self {
        let fields = body.fields.iter().map(|(key, value)| (key.as_str(), value));
        let deserializer = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(fields);
        match ErrorFields::deserialize(deserializer) {
            Ok(ErrorFields { code, text }) => Error::new(ErrorCode::from_code(code), text),
            Err(_) => Error::new(ErrorCode::Crash, body.get("text").and_then(Value::as_str).unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wire_format_is_pinned() {
        let mut body = Body::new("echo_ok").with("echo", "hi");
        body.msg_id = Some(2);
        body.in_reply_to = Some(1);
        let msg = Message { src: "n0".into(), dest: "c1".into(), body };
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            text,
            r#"{"src":"n0","dest":"c1","body":{"type":"echo_ok","msg_id":2,"in_reply_to":1,"echo":"hi"}}"#
        );
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), msg);
    }

    #[test]
    fn maelstroms_id_and_unknown_keys_are_accepted_and_never_written_back() {
        let text =
            r#"{"id":9,"src":"c1","dest":"n0","later":true,"body":{"type":"x","in_reply_to":null,"deep":{"k":[1]}}}"#;
        let msg: Message = serde_json::from_str(text).unwrap();
        assert_eq!(msg.body.in_reply_to, None);
        assert_eq!(msg.body.get("deep"), Some(&json!({"k": [1]})));
        let back = serde_json::to_value(&msg).unwrap();
        assert_eq!(back, json!({"src": "c1", "dest": "n0", "body": {"type": "x", "deep": {"k": [1]}}}));
    }

    #[test]
    fn encoded_fields_are_written_verbatim_and_read_back_like_parsed_ones() {
        let sync = serde_json::value::to_raw_value(&json!({"Ack": {"seq": 3}})).unwrap();
        let mut body = Body::new("gossip").with_encoded("sync", sync);
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(text, r#"{"type":"gossip","sync":{"Ack":{"seq":3}}}"#);
        let mut parsed: Body = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.get("sync"), Some(&json!({"Ack": {"seq": 3}})));
        for held in [&mut body, &mut parsed] {
            let value: Value = held.take_decoded("sync").unwrap().unwrap();
            assert_eq!(value, json!({"Ack": {"seq": 3}}));
            assert!(held.take_decoded::<Value>("sync").is_none(), "taken once");
        }
    }

    #[test]
    fn bodies_without_a_string_type_or_with_mistyped_ids_are_not_messages() {
        for text in [
            r#"{"msg_id":1}"#,
            r#"{"type":7}"#,
            r#"{"type":"x","msg_id":"1"}"#,
            r#"{"type":"x","in_reply_to":-1}"#,
            "[]",
        ] {
            assert!(serde_json::from_str::<Body>(text).is_err(), "{text}");
        }
        let body: Body = serde_json::from_str(r#"{"type":"x","type":"y","msg_id":null}"#).unwrap();
        assert_eq!((&*body.kind, body.msg_id), ("y", None), "the last duplicate wins, as serde_json's maps do");
    }

    #[test]
    fn escaped_keys_are_read_like_plain_ones() {
        let body: Body = serde_json::from_str(r#"{"typ\u0065":"x","msg\u005fid":3,"\u0061":1}"#).unwrap();
        assert_eq!((&*body.kind, body.msg_id, body.get("a")), ("x", Some(3), Some(&json!(1))));
    }

    #[test]
    fn error_codes_round_trip_with_maelstroms_names_and_definiteness() {
        for code in [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30, 1000, 7] {
            let named = ErrorCode::from_code(code);
            assert_eq!(named.code(), code);
            assert_eq!(named.name() == "unknown", !matches!(code, 0 | 1 | 10..=14 | 20..=22 | 30), "{code}");
        }
        let indefinite: Vec<u64> = [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30, 1000]
            .into_iter()
            .filter(|c| !ErrorCode::from_code(*c).is_definite())
            .collect();
        assert_eq!(indefinite, [0, 13, 1000]);
    }

    #[test]
    fn error_bodies_carry_code_and_text() {
        let body = Error::new(ErrorCode::PreconditionFailed, "current value 4 is not 3").to_body();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"type": "error", "code": 22, "text": "current value 4 is not 3"})
        );
    }

    #[test]
    fn clients_are_recognised_by_their_first_character() {
        let msg = |src: &'static str| Message { src: src.into(), dest: "n0".into(), body: Body::new("x") };
        assert!(msg("c12").from_client());
        assert!(!msg("n1").from_client() && !msg("seq-kv").from_client() && !msg("lin-tso").from_client());
    }
}
