//! Names on the wire, node ids and message kinds, cheap to copy; and the table through which
//! a node reads each name only once.
//!
//! Every message names two ids and a kind, and a node answers with the same ids swapped: as
//! `String`s that is several allocations per request for a handful of distinct values (the
//! test's nodes, its clients, the services, the workload's message kinds). A [`Name`] shares one
//! allocation among all its copies, or borrows a kind written in the code, and [`Names`] hands
//! out the copy a node already holds when a line repeats a name.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A node id (`"n0"`, `"c3"`, `"lin-kv"`) or a message kind (`"echo_ok"`): a string that is
/// shared, or static when the code names it.
///
/// Reads as a `&str` (it derefs to one) and compares with strings by value; copying it copies
/// a pointer. On the wire it is a plain JSON string. A `&'static str` becomes a `Name` without
/// allocating; a string of any other lifetime goes through [`Name::new`].
///
/// ```
/// use glomer_adapters::Name;
/// let id = Name::new(&format!("n{}", 1));
/// let copy = id.clone();
/// assert_eq!(copy, "n1");
/// assert!(copy.starts_with('n'));
/// assert_eq!(Name::from("n1"), copy, "static or shared, a name is its text");
/// ```
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    /// A name with the text of `name`, in an allocation of its own.
    pub fn new(name: &str) -> Self {
        Self(Repr::Shared(Arc::from(name)))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(name) => name,
            Repr::Shared(name) => name,
        }
    }
}

impl Default for Name {
    fn default() -> Self {
        Self(Repr::Static(""))
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Name {
    fn from(name: &'static str) -> Self {
        Self(Repr::Static(name))
    }
}

impl From<String> for Name {
    fn from(name: String) -> Self {
        Self(Repr::Shared(Arc::from(name)))
    }
}

impl From<&String> for Name {
    fn from(name: &String) -> Self {
        Self::new(name)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.as_str().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        NameSeed(None).deserialize(deserializer)
    }
}

/// Slots of a [`Names`] table: a power of two, so a slot is a mask away. A Maelstrom test
/// names up to a few dozen nodes and services, clients numbered upwards and a workload's dozen
/// or so message kinds; 1,024 slots (8 KiB) hold them with few collisions, and a collision only
/// costs the allocation the table saves.
pub const NAMES_SLOTS: usize = 1_024;

/// Names longer than this are not kept: ids, kinds and field names are a few bytes, and a
/// table that kept whatever a line names could be made to hold 1,024 huge strings.
pub const NAME_KEPT_BYTES_MAX: usize = 64;

/// The names a node has read, so that reading a known one from a line allocates nothing.
///
/// A direct-mapped cache: each name has one slot, picked by a hash cheap enough for a two-byte
/// id; a newer name that lands in a taken slot replaces the old one. Its size is fixed, so a
/// long test that keeps naming new clients cannot grow it.
#[derive(Debug)]
pub struct Names {
    slots: Box<[Option<Name>]>,
}

impl Default for Names {
    fn default() -> Self {
        Self { slots: vec![None; NAMES_SLOTS].into_boxed_slice() }
    }
}

impl Names {
    /// The shared copy of `name`, made on first sight (a fresh one, not kept, for a name
    /// over [`NAME_KEPT_BYTES_MAX`]).
    pub fn get(&mut self, name: &str) -> Name {
        if name.len() > NAME_KEPT_BYTES_MAX {
            return Name::new(name);
        }
        let slot = &mut self.slots[slot_of(name)];
        match slot {
            Some(known) if known.as_str() == name => known.clone(),
            _ => slot.insert(Name::new(name)).clone(),
        }
    }
}

/// Reads a JSON string as a [`Name`], through a [`Names`] table when there is one.
pub(crate) struct NameSeed<'a>(pub(crate) Option<&'a mut Names>);

impl<'de> DeserializeSeed<'de> for NameSeed<'_> {
    type Value = Name;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Name, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed<'_> {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
        Ok(match self.0 {
            Some(table) => table.get(name),
            None => Name::new(name),
        })
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<Name, E> {
        Ok(match self.0 {
            Some(table) => table.get(&name),
            None => Name::from(name),
        })
    }
}

/// FNV-1a over the name's bytes, folded to a slot: ids such as `c17` and `c18` differ in their
/// last byte, which this spreads over the slots.
fn slot_of(name: &str) -> usize {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    (hash ^ (hash >> 16)) as usize & (NAMES_SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_known_id_is_the_same_allocation() {
        let mut ids = Names::default();
        let (a, b) = (ids.get("c1"), ids.get("c1"));
        assert!(matches!((&a.0, &b.0), (Repr::Shared(a), Repr::Shared(b)) if Arc::ptr_eq(a, b)));
        assert_ne!(ids.get("c2"), a);
    }

    #[test]
    fn ids_keep_their_value_when_slots_are_reused() {
        let mut ids = Names::default();
        for round in 0..2 {
            for n in 0..4 * NAMES_SLOTS {
                assert_eq!(ids.get(&format!("c{n}")), format!("c{n}"), "round {round}");
            }
        }
        assert_eq!(ids.slots.len(), NAMES_SLOTS);
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
    fn long_names_are_not_kept() {
        let mut names = Names::default();
        let long = "k".repeat(NAME_KEPT_BYTES_MAX + 1);
        assert_eq!(names.get(&long), long.as_str());
        assert!(names.slots.iter().all(Option::is_none));
    }

    #[test]
    fn ids_are_plain_json_strings() {
        let id: Name = serde_json::from_str(r#""n\u0031""#).unwrap();
        assert_eq!(id, "n1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""n1""#);
        assert!(serde_json::from_str::<Name>("1").is_err());
    }
}
