//! A serde type straight into a [`Body`]: how typed replies and requests become messages
//! without a detour through a JSON tree of the whole body.
//!
//! The value must serialise as a struct or a map with a string `type` (a serde enum with
//! `#[serde(tag = "type")]` does), or be a variant of a plain serde enum, whose name is the
//! type (the way [`crate::request`] reads requests); every other field becomes a body field.

use serde::ser::{self, Impossible, Serialize};
use serde_json::{Error, Value};

use super::Body;

/// `value` as a body; an error when it is not an object with a string `type`.
pub(crate) fn to_body(value: &impl Serialize) -> Result<Body, Error> {
    let body = value.serialize(BodySerializer)?;
    if body.kind.is_empty() {
        return Err(ser::Error::custom("a message body needs a string \"type\""));
    }
    Ok(body)
}

struct BodySerializer;

/// Collects the fields of one struct or map.
#[derive(Default)]
struct Fields {
    body: Body,
    key: Option<String>,
}

impl Fields {
    fn field(&mut self, key: &str, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        match key {
            "type" => match serde_json::to_value(value)? {
                Value::String(kind) => self.body.kind = kind.into(),
                other => return Err(ser::Error::custom(format!("a body's type must be a string, not {other}"))),
            },
            "msg_id" => self.body.msg_id = serde_json::from_value(serde_json::to_value(value)?)?,
            "in_reply_to" => self.body.in_reply_to = serde_json::from_value(serde_json::to_value(value)?)?,
            _ => {
                self.body.fields.insert(key.to_owned(), serde_json::to_value(value)?);
            }
        }
        Ok(())
    }
}

fn not_an_object() -> Error {
    ser::Error::custom("a message body must serialise as an object")
}

/// Everything that is not a struct or a map is refused.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Body, Error> { Err(not_an_object()) })*
    };
}

impl ser::Serializer for BodySerializer {
    type Ok = Body;
    type Error = Error;
    type SerializeSeq = Impossible<Body, Error>;
    type SerializeTuple = Impossible<Body, Error>;
    type SerializeTupleStruct = Impossible<Body, Error>;
    type SerializeTupleVariant = Impossible<Body, Error>;
    type SerializeMap = Fields;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Fields;

    refuse! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Body, Error> {
        Ok(Body::new(variant))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Body, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<Body, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Body, Error> {
        let mut body = value.serialize(self)?;
        if !body.kind.is_empty() {
            return Err(ser::Error::custom(format!("variant {variant:?} holds a body with a type of its own")));
        }
        body.kind = variant.into();
        Ok(body)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_an_object())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_an_object())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_an_object())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_an_object())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields, Error> {
        Ok(Fields::default())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields, Error> {
        Ok(Fields::default())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Fields, Error> {
        Ok(Fields { body: Body::new(variant), key: None })
    }
}

/// A struct and a plain enum's struct variant hand over their fields alike.
macro_rules! struct_fields {
    ($($serialize:ident),*) => {$(
        impl ser::$serialize for Fields {
            type Ok = Body;
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
                self.field(key, value)
            }

            fn end(self) -> Result<Body, Error> {
                Ok(self.body)
            }
        }
    )*};
}

struct_fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Fields {
    type Ok = Body;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        match serde_json::to_value(key)? {
            Value::String(key) => self.key = Some(key),
            other => return Err(ser::Error::custom(format!("a body's keys are strings, not {other}"))),
        }
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| <Error as ser::Error>::custom("a value without its key"))?;
        self.field(&key, value)
    }

    fn end(self) -> Result<Body, Error> {
        Ok(self.body)
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Reply {
        EchoOk { echo: Value },
        Done,
    }

    #[test]
    fn tagged_enums_structs_and_bodies_become_the_same_body_as_through_json() {
        let echo = Reply::EchoOk { echo: json!([1, {"a": null}]) };
        let mut hand = Body::new("x").with("k", 1.5);
        hand.msg_id = Some(3);
        for (typed, expected) in [
            (to_body(&echo).unwrap(), json!({"type": "echo_ok", "echo": [1, {"a": null}]})),
            (to_body(&Reply::Done).unwrap(), json!({"type": "done"})),
            (to_body(&hand).unwrap(), json!({"type": "x", "msg_id": 3, "k": 1.5})),
        ] {
            assert_eq!(serde_json::to_value(&typed).unwrap(), expected);
            assert_eq!(typed, serde_json::from_value::<Body>(expected).unwrap());
        }
    }

    /// The same replies as a plain enum, named by variant.
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Plain {
        EchoOk { echo: Value },
        Done,
        Wrapped(Wrapped),
        Typed(Reply),
    }

    #[derive(Serialize)]
    struct Wrapped {
        echo: Value,
    }

    #[test]
    fn variants_of_a_plain_enum_are_named_by_their_variant() {
        let echo = json!([1, {"a": null}]);
        let tagged = to_body(&Reply::EchoOk { echo: echo.clone() }).unwrap();
        assert_eq!(to_body(&Plain::EchoOk { echo: echo.clone() }).unwrap(), tagged);
        assert_eq!(to_body(&Plain::Done).unwrap(), to_body(&Reply::Done).unwrap());
        let wrapped = to_body(&Plain::Wrapped(Wrapped { echo })).unwrap();
        assert_eq!(serde_json::to_value(&wrapped).unwrap(), json!({"type": "wrapped", "echo": [1, {"a": null}]}));
        assert!(to_body(&Plain::Typed(Reply::Done)).is_err(), "two types for one body");
    }

    #[test]
    fn values_that_are_not_objects_with_a_string_type_are_refused() {
        assert!(to_body(&json!([1])).is_err());
        assert!(to_body(&json!({"type": 1})).is_err());
        assert!(to_body(&json!({"echo": 1})).is_err());
        assert!(to_body(&7).is_err());
    }
}
