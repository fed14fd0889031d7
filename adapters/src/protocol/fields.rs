//! The fields of a body other than `type`, `msg_id` and `in_reply_to`.
//!
//! A body has a handful of fields, most often one (`echo`, `message`, `value`, `delta`). Kept
//! sorted by name in a small vector, one field lives inline and more cost one small allocation,
//! where a B-tree map allocates a node sized for eleven entries on the first insert. Names are
//! [`Name`]s, static when the code names them. Sorted, fields iterate (and so are written) in
//! the order a `serde_json::Map` gives.

use std::fmt;
use std::ops::Index;

use serde_json::Value;
use smallvec::SmallVec;

use crate::name::Name;

/// A body's own fields by name: one value per name, in name order.
#[derive(Clone, Default, PartialEq)]
pub struct Fields {
    sorted: SmallVec<[(Name, Value); 1]>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.sorted.binary_search_by(|(name, _)| name.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|at| &self.sorted[at].1)
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: impl Into<Name>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.sorted[at].1, value)),
            Err(at) => {
                self.sorted.insert(at, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|at| self.sorted.remove(at).1)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Name> {
        self.sorted.iter().map(|(name, _)| name)
    }

    /// Names and values, values writable, in name order.
    pub(crate) fn entries_mut(&mut self) -> impl Iterator<Item = (&Name, &mut Value)> {
        self.sorted.iter_mut().map(|(name, value)| (&*name, value))
    }

    /// Names and values, in name order.
    pub fn iter(&self) -> Iter<'_> {
        self.sorted.iter().map(|(name, value)| (name, value))
    }
}

impl Index<&str> for Fields {
    type Output = Value;

    /// The value of `key`, or `null` when there is none (as indexing a `Value` gives).
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

/// The iterator of [`Fields::iter`].
pub type Iter<'a> = std::iter::Map<std::slice::Iter<'a, (Name, Value)>, fn(&'a (Name, Value)) -> (&'a Name, &'a Value)>;

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a Name, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Fields {
    type Item = (Name, Value);
    type IntoIter = smallvec::IntoIter<[(Name, Value); 1]>;

    fn into_iter(self) -> Self::IntoIter {
        self.sorted.into_iter()
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Map};

    use super::*;

    proptest! {
        #[test]
        fn behaves_as_serde_jsons_map(ops in prop::collection::vec((0u8..3, "[a-d]{0,2}", any::<i32>()), 0..40)) {
            let (mut fields, mut map) = (Fields::new(), Map::new());
            for (op, key, n) in ops {
                match op {
                    0 => prop_assert_eq!(fields.insert(key.clone(), json!(n)), map.insert(key, json!(n))),
                    1 => prop_assert_eq!(fields.remove(&key), map.remove(&key)),
                    _ => prop_assert_eq!((fields.get(&key), &fields[key.as_str()]), (map.get(&key), map.get(&key).unwrap_or(&Value::Null))),
                }
                prop_assert!(fields.iter().map(|(k, v)| (k.as_str(), v)).eq(map.iter().map(|(k, v)| (k.as_str(), v))));
                prop_assert_eq!(fields.len(), map.len());
            }
        }
    }
}
