//! Node ids that are cheap to copy, and the table that lets a node read each id only once.
//!
//! Every message names two ids, and a node answers with the same two swapped: as `String`s
//! that is four allocations per request for a handful of distinct values (the test's nodes,
//! its clients, the services). A [`NodeId`] shares one allocation among all its copies, and
//! [`NodeIds`] hands out the copy a node already holds when a line names a known id.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of a node, client or service (`"n0"`, `"c3"`, `"lin-kv"`): a shared string.
///
/// Reads as a `&str` (it derefs to one) and compares with strings; copying it copies a
/// pointer. On the wire it is a plain JSON string.
///
/// ```
/// use glomer_adapters::NodeId;
/// let id = NodeId::from("n1");
/// let copy = id.clone();
/// assert_eq!(copy, "n1");
/// assert!(copy.starts_with('n'));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NodeId(Arc<str>);

impl NodeId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for NodeId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for NodeId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for NodeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for NodeId {
    fn from(id: &str) -> Self {
        Self(Arc::from(id))
    }
}

impl From<String> for NodeId {
    fn from(id: String) -> Self {
        Self(Arc::from(id))
    }
}

impl From<&String> for NodeId {
    fn from(id: &String) -> Self {
        Self::from(id.as_str())
    }
}

impl From<NodeId> for String {
    fn from(id: NodeId) -> Self {
        id.0.as_ref().to_owned()
    }
}

impl PartialEq<str> for NodeId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for NodeId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for NodeId {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<NodeId> for str {
    fn eq(&self, other: &NodeId) -> bool {
        self == &*other.0
    }
}

impl PartialEq<NodeId> for &str {
    fn eq(&self, other: &NodeId) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<NodeId> for String {
    fn eq(&self, other: &NodeId) -> bool {
        **self == *other.0
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(IdVisitor(None))
    }
}

/// Slots of a [`NodeIds`] table: a power of two, so a slot is a mask away. A Maelstrom test
/// names up to a few dozen nodes and services and clients numbered upwards; 1,024 slots (8 KiB)
/// hold them with few collisions, and a collision only costs the allocation the table saves.
pub const NODE_IDS_SLOTS: usize = 1_024;

/// The ids a node has seen, so that reading a known id from a line allocates nothing.
///
/// A direct-mapped cache: each id has one slot, picked by a hash cheap enough for a two-byte
/// id; a newer id that lands in a taken slot replaces the old one. Its size is fixed, so a long
/// test that keeps naming new clients cannot grow it.
#[derive(Debug)]
pub struct NodeIds {
    slots: Box<[Option<NodeId>]>,
}

impl Default for NodeIds {
    fn default() -> Self {
        Self { slots: vec![None; NODE_IDS_SLOTS].into_boxed_slice() }
    }
}

impl NodeIds {
    /// The shared copy of `id`, made on first sight.
    pub fn get(&mut self, id: &str) -> NodeId {
        let slot = &mut self.slots[slot_of(id)];
        match slot {
            Some(known) if known.as_str() == id => known.clone(),
            _ => slot.insert(NodeId::from(id)).clone(),
        }
    }

    /// Reads one id from `deserializer` through this table.
    pub(crate) fn seed(&mut self) -> IdSeed<'_> {
        IdSeed(self)
    }
}

/// Reads a JSON string as a [`NodeId`] through a [`NodeIds`] table.
pub(crate) struct IdSeed<'a>(&'a mut NodeIds);

impl<'de> DeserializeSeed<'de> for IdSeed<'_> {
    type Value = NodeId;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeId, D::Error> {
        deserializer.deserialize_str(IdVisitor(Some(self.0)))
    }
}

/// Makes a [`NodeId`] of a string, through a table when there is one.
struct IdVisitor<'a>(Option<&'a mut NodeIds>);

impl Visitor<'_> for IdVisitor<'_> {
    type Value = NodeId;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a node id string")
    }

    fn visit_str<E: de::Error>(self, id: &str) -> Result<NodeId, E> {
        Ok(match self.0 {
            Some(table) => table.get(id),
            None => NodeId::from(id),
        })
    }

    fn visit_string<E: de::Error>(self, id: String) -> Result<NodeId, E> {
        Ok(match self.0 {
            Some(table) => table.get(&id),
            None => NodeId::from(id),
        })
    }
}

/// FNV-1a over the id's bytes, folded to a slot: ids such as `c17` and `c18` differ in their
/// last byte, which this spreads over the slots.
fn slot_of(id: &str) -> usize {
    let hash = id.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    (hash ^ (hash >> 16)) as usize & (NODE_IDS_SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_known_id_is_the_same_allocation() {
        let mut ids = NodeIds::default();
        let (a, b) = (ids.get("c1"), ids.get("c1"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_ne!(ids.get("c2"), a);
    }

    #[test]
    fn ids_keep_their_value_when_slots_are_reused() {
        let mut ids = NodeIds::default();
        for round in 0..2 {
            for n in 0..4 * NODE_IDS_SLOTS {
                assert_eq!(ids.get(&format!("c{n}")), format!("c{n}"), "round {round}");
            }
        }
        assert_eq!(ids.slots.len(), NODE_IDS_SLOTS);
    }

    #[test]
    fn a_tests_nodes_and_services_have_slots_of_their_own() {
        let names: Vec<String> = (0..25)
            .map(|n| format!("n{n}"))
            .chain(["seq-kv", "lin-kv", "lww-kv", "lin-tso"].map(String::from))
            .chain((0..40).map(|n| format!("c{n}")))
            .collect();
        let slots: HashSet<usize> = names.iter().map(|name| slot_of(name)).collect();
        assert!(slots.len() + 4 >= names.len(), "{} slots for {} ids", slots.len(), names.len());
    }

    #[test]
    fn ids_are_plain_json_strings() {
        let id: NodeId = serde_json::from_str(r#""n\u0031""#).unwrap();
        assert_eq!(id, "n1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""n1""#);
        assert!(serde_json::from_str::<NodeId>("1").is_err());
    }
}
