//! One message as one JSON line, in and out, on a node's hot path.
//!
//! Reading goes through the node's [`Names`], so the ids of a line cost no allocation once
//! seen. Writing puts the envelope's fixed keys down as they are and escapes only what can need
//! it; a test pins the bytes equal to serde's encoding of the same [`Message`].

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;
use serde_json::Value;

use super::{Body, BodySeed, Message};
use crate::name::{NameSeed, Names};

/// Reads one line as a message, taking its ids from `ids`.
pub fn decode(line: &str, ids: &mut Names) -> serde_json::Result<Message> {
    let mut msg = Message::empty();
    decode_into(line, ids, &mut msg)?;
    Ok(msg)
}

/// Reads one line into `msg`, an empty message ([`decode`] makes one), taking its ids from
/// `ids`. The message is read where it lies: returned through serde's layers, each would copy
/// it. On an error `msg` may hold part of the line.
pub(crate) fn decode_into(line: &str, ids: &mut Names, msg: &mut Message) -> serde_json::Result<()> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    EnvelopeSeed { names: Some(ids), msg }.deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Appends `msg` to `out` as one JSON object (no newline); on an error `out` may hold part of
/// it.
pub fn encode(msg: &Message, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"src\":");
    write_str(out, &msg.src)?;
    out.extend_from_slice(b",\"dest\":");
    write_str(out, &msg.dest)?;
    out.extend_from_slice(b",\"body\":");
    encode_body(&msg.body, out)?;
    out.push(b'}');
    Ok(())
}

fn encode_body(body: &Body, out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"type\":");
    write_str(out, &body.kind)?;
    let mut number = itoa::Buffer::new();
    if let Some(msg_id) = body.msg_id {
        out.extend_from_slice(b",\"msg_id\":");
        out.extend_from_slice(number.format(msg_id).as_bytes());
    }
    if let Some(in_reply_to) = body.in_reply_to {
        out.extend_from_slice(b",\"in_reply_to\":");
        out.extend_from_slice(number.format(in_reply_to).as_bytes());
    }
    for (key, value) in &body.fields {
        out.push(b',');
        write_str(out, key)?;
        out.push(b':');
        match value {
            Value::String(text) => write_str(out, text)?,
            other => serde_json::to_writer(&mut *out, other)?,
        }
    }
    for (key, json) in &body.encoded {
        out.push(b',');
        write_str(out, key)?;
        out.push(b':');
        out.extend_from_slice(json.get().as_bytes());
    }
    out.push(b'}');
    Ok(())
}

/// A JSON string. Most strings on the wire (ids, types, Maelstrom's payloads) need no escape,
/// and checking that is cheaper than escaping; the others go through serde_json.
fn write_str(out: &mut Vec<u8>, text: &str) -> serde_json::Result<()> {
    if needs_escape(text.as_bytes()) {
        return serde_json::to_writer(out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Whether any byte is one JSON must escape: a control character, `"` or `\\`. Eight bytes
/// at a time, the last few one by one (a 1 KiB payload takes 128 steps, an id a few): copying
/// them into a padded word would cost a call to `memcpy`, more than the check itself.
fn needs_escape(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    if chunks.by_ref().any(|chunk| has_special_byte(u64::from_ne_bytes(chunk.try_into().unwrap_or_default()))) {
        return true;
    }
    chunks.remainder().iter().any(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
}

/// Whether one of the eight bytes of `word` is below 0x20, `"` or `\\`.
fn has_special_byte(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Exact for "some byte is below n" when n <= 0x80: a byte's high bit ends up set iff it is.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGHS != 0;
    let has = |byte: u8| below(word ^ (ONES * u64::from(byte)), 1);
    below(word, 0x20) || has(b'"') || has(b'\\')
}

/// Reads the envelope `{"src", "dest", "body"}` into an empty message, with ids through a
/// table when there is one. Other keys (Maelstrom's `"id"`) are skipped; a repeated or missing
/// key is an error, as serde's derived readers make it.
pub(super) struct EnvelopeSeed<'a> {
    pub(super) names: Option<&'a mut Names>,
    pub(super) msg: &'a mut Message,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message: an object with \"src\", \"dest\" and \"body\"")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let (mut has_src, mut has_dest, mut has_body) = (false, false, false);
        while let Some(key) = map.next_key::<EnvelopeKey>()? {
            match key {
                EnvelopeKey::Src => {
                    first(&mut has_src, "src")?;
                    self.msg.src = map.next_value_seed(NameSeed(self.names.as_deref_mut()))?;
                }
                EnvelopeKey::Dest => {
                    first(&mut has_dest, "dest")?;
                    self.msg.dest = map.next_value_seed(NameSeed(self.names.as_deref_mut()))?;
                }
                EnvelopeKey::Body => {
                    first(&mut has_body, "body")?;
                    map.next_value_seed(BodySeed { names: self.names.as_deref_mut(), body: &mut self.msg.body })?;
                }
                EnvelopeKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        for (has, key) in [(has_src, "src"), (has_dest, "dest"), (has_body, "body")] {
            if !has {
                return Err(de::Error::missing_field(key));
            }
        }
        Ok(())
    }
}

/// Marks `key` as read; an error when it already was (a key given twice).
fn first<E: de::Error>(seen: &mut bool, key: &'static str) -> Result<(), E> {
    match std::mem::replace(seen, true) {
        true => Err(E::duplicate_field(key)),
        false => Ok(()),
    }
}

/// An envelope key, recognised without allocating.
enum EnvelopeKey {
    Src,
    Dest,
    Body,
    Other,
}

impl<'de> de::Deserialize<'de> for EnvelopeKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(EnvelopeKeyVisitor)
    }
}

struct EnvelopeKeyVisitor;

impl Visitor<'_> for EnvelopeKeyVisitor {
    type Value = EnvelopeKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an envelope key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<EnvelopeKey, E> {
        Ok(match key {
            "src" => EnvelopeKey::Src,
            "dest" => EnvelopeKey::Dest,
            "body" => EnvelopeKey::Body,
            _ => EnvelopeKey::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::name::Name;

    fn encoded(msg: &Message) -> String {
        let mut out = Vec::new();
        encode(msg, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn message(src: &str, kind: &str, key: &str, value: Value, ids: (Option<u64>, Option<u64>)) -> Message {
        let mut body = Body::new(kind.to_owned()).with(key.to_owned(), value).with("z", json!([1, "\u{7f}é"]));
        (body.msg_id, body.in_reply_to) = ids;
        let raw = serde_json::value::to_raw_value(&json!({"k": "\"q\""})).unwrap();
        Message { src: Name::new(src), dest: "n0".into(), body: body.with_encoded("sync", raw) }
    }

    proptest! {
        #[test]
        fn the_line_is_serdes_encoding(
            src in any::<String>(),
            kind in any::<String>(),
            key in any::<String>(),
            text in any::<String>(),
            number in any::<i64>(),
            ids in any::<(Option<u64>, Option<u64>)>(),
        ) {
            for value in [json!(text), json!(number), json!({"a": [text, null]})] {
                let msg = message(&src, &kind, &key, value, ids);
                let line = encoded(&msg);
                prop_assert_eq!(&line, &serde_json::to_string(&msg).unwrap());
                let decoded = decode(&line, &mut Names::default()).unwrap();
                prop_assert_eq!(&decoded, &serde_json::from_str::<Message>(&line).unwrap());
                prop_assert_eq!(encoded(&decoded), serde_json::to_string(&decoded).unwrap());
            }
        }
    }

    proptest! {
        #[test]
        fn escapes_are_found_wherever_they_are(prefix in "[ -~&&[^\"\\\\]]{0,20}", special in prop::sample::select(vec![0u8, 0x1f, b'"', b'\\', b' ', 0x7f, 0xc3])) {
            let mut bytes = prefix.into_bytes();
            bytes.push(special);
            bytes.extend_from_slice(b"tail");
            prop_assert_eq!(needs_escape(&bytes), special < 0x20 || special == b'"' || special == b'\\');
        }
    }

    #[test]
    fn table_and_plain_readers_agree_on_every_line() {
        let lines = [
            r#"{"id":3,"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"x"}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"echo"},"later":[1,{"a":2}]}"#,
            r#"{"src":"c\u0031","dest":"n0","body":{"type":"echo"}}"#,
            r#"{"src":"c1","src":"c2","dest":"n0","body":{"type":"echo"}}"#,
            r#"{"src":"c1","body":{"type":"echo"}}"#,
            r#"{"src":1,"dest":"n0","body":{"type":"echo"}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"echo"}} trailing"#,
            r#"["c1","n0",{"type":"echo"}]"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"echo"}"#,
        ];
        for line in lines {
            let plain = serde_json::from_str::<Message>(line).map_err(|e| e.to_string());
            let tabled = decode(line, &mut Names::default()).map_err(|e| e.to_string());
            assert_eq!(plain, tabled, "{line}");
        }
        assert_eq!(decode(lines[2], &mut Names::default()).unwrap().src, "c1");
    }
}
