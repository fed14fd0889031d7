//! Any JSON value as an element of a set or a key of an ordered map.

use serde::Serialize;

/// A JSON value with a total order, so any JSON can be an element of a [`glomer_crdt::GSet`]
/// or a key of an ordered map. Equality is serde_json's: `1`, `1.0` and `"1"` stay three
/// different values (Maelstrom's
/// [protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md) passes values through untouched), and a value serialises back exactly as it came.
///
/// The order: null < booleans < numbers < strings < arrays < objects; integers (by value)
/// before floats (by value); arrays lexicographically; objects by their key-sorted entries.
///
/// In JSON it is the value itself; in a binary format (the durable store's frames), whose
/// readers cannot ask the data what type comes next, it is the value's JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonElement(pub serde_json::Value);

impl Serialize for JsonElement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.0.serialize(serializer)
        } else {
            serializer.serialize_str(&self.0.to_string())
        }
    }
}

impl<'de> serde::Deserialize<'de> for JsonElement {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            serde_json::Value::deserialize(deserializer).map(JsonElement)
        } else {
            let text = String::deserialize(deserializer)?;
            serde_json::from_str(&text).map(JsonElement).map_err(serde::de::Error::custom)
        }
    }
}

impl Ord for JsonElement {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        json_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for JsonElement {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn json_cmp(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    use serde_json::Value;
    fn rank(value: &Value) -> u8 {
        match value {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            let first_difference = x.iter().zip(y).map(|(p, q)| json_cmp(p, q)).find(|o| o.is_ne());
            first_difference.unwrap_or_else(|| x.len().cmp(&y.len()))
        }
        (Value::Object(x), Value::Object(y)) => {
            let (x, y) = (sorted_entries(x), sorted_entries(y));
            let entry_cmp =
                |(p, q): (&(&String, &Value), &(&String, &Value))| p.0.cmp(q.0).then_with(|| json_cmp(p.1, q.1));
            x.iter().zip(&y).map(entry_cmp).find(|o| o.is_ne()).unwrap_or_else(|| x.len().cmp(&y.len()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn sorted_entries(map: &serde_json::Map<String, serde_json::Value>) -> Vec<(&String, &serde_json::Value)> {
    let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
    entries.sort_by(|p, q| p.0.cmp(q.0));
    entries
}

/// Integers before floats, so that `1` and `1.0` (unequal in serde_json) never compare equal.
fn number_cmp(x: &serde_json::Number, y: &serde_json::Number) -> std::cmp::Ordering {
    // Maelstrom's values are small non-negative integers: compared here without widening, as
    // every join and set lookup of a broadcast or g-set node does many times per element.
    if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
        return p.cmp(&q);
    }
    let integer = |n: &serde_json::Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    match (integer(x), integer(y)) {
        (Some(p), Some(q)) => p.cmp(&q),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => {
            let (p, q) = (x.as_f64().unwrap_or_default(), y.as_f64().unwrap_or_default());
            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_elements_are_distinct_by_type_and_ordered_consistently_with_equality() {
        let values = [
            json!(null),
            json!(false),
            json!(true),
            json!(-3),
            json!(1),
            json!(u64::MAX),
            json!(-0.5),
            json!(1.0),
            json!("1"),
            json!([1, 2]),
            json!([1, 2, 0]),
            json!({"a": 1}),
            json!({"a": 1, "b": 2}),
        ];
        let elements: Vec<JsonElement> = values.iter().cloned().map(JsonElement).collect();
        for (i, a) in elements.iter().enumerate() {
            for (j, b) in elements.iter().enumerate() {
                assert_eq!(a.cmp(b), i.cmp(&j), "{a:?} vs {b:?}");
                assert_eq!(a == b, i == j, "{a:?} vs {b:?}");
            }
        }
        let set: std::collections::BTreeSet<JsonElement> = elements.iter().cloned().collect();
        assert_eq!(set.len(), values.len());
    }

    #[test]
    fn json_elements_round_trip_exactly() {
        let text = r#"[1,1.0,"1",-0.5,{"b":[null],"a":true}]"#;
        let elements: Vec<JsonElement> = serde_json::from_str(text).unwrap();
        let back: serde_json::Value = serde_json::from_str(&serde_json::to_string(&elements).unwrap()).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }
}
