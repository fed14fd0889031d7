//! JSON test vectors that pin each type's wire format: a change of encoding fails here and
//! becomes a visible, reviewed change. Each vector is checked both ways (encode and decode).

use std::fmt::Debug;

use glomer_crdt::{
    GCounter, GSet, Hlc, Lattice, LatticeMap, LwwMap, LwwRegister, MaxMap, OpLog, PNCounter, ReplicaId, Timestamp,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn assert_vector<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T, json: &str) {
    let encoded = serde_json::to_string(value).unwrap();
    assert_eq!(encoded, json, "encoding of {value:?}");
    let decoded: T = serde_json::from_str(json).unwrap();
    assert_eq!(&decoded, value, "decoding of {json}");
}

fn ts(physical_ms: u64, logical: u16, replica: u32) -> Timestamp {
    Timestamp::new(physical_ms, logical, ReplicaId(replica))
}

#[test]
fn replica_id_is_a_bare_number() {
    assert_vector(&ReplicaId(7), "7");
}

#[test]
fn gset_is_a_sorted_array() {
    let set: GSet<u32> = [3, 1, 2].into_iter().collect();
    assert_vector(&set, "[1,2,3]");
}

#[test]
fn gcounter_is_a_map_of_replica_to_entry() {
    let mut counter = GCounter::new();
    counter.increment(ReplicaId(2), 5);
    counter.increment(ReplicaId(0), 1);
    assert_vector(&counter, r#"{"0":1,"2":5}"#);
}

#[test]
fn pncounter_is_two_gcounters() {
    let mut counter = PNCounter::new();
    counter.add(ReplicaId(1), 4);
    counter.add(ReplicaId(0), -3);
    assert_vector(&counter, r#"{"p":{"1":4},"n":{"0":3}}"#);
}

#[test]
fn timestamp_is_packed_hlc_and_replica() {
    // 1000 ms and logical 2 pack to 1000 * 65536 + 2.
    assert_vector(&ts(1_000, 2, 3), r#"{"hlc":65536002,"replica":3}"#);
}

#[test]
fn hlc_is_its_replica_and_last_value() {
    let mut clock = Hlc::new(ReplicaId(1));
    clock.now(1);
    clock.now(1);
    assert_vector(&clock, r#"{"replica":1,"last":65537}"#);
}

#[test]
fn lww_register_is_null_or_timestamp_and_value() {
    assert_vector(&LwwRegister::<String>::new(), "null");
    let mut register = LwwRegister::new();
    register.set("x".to_string(), ts(1, 0, 2));
    assert_vector(&register, r#"[{"hlc":65536,"replica":2},"x"]"#);
}

#[test]
fn lww_map_is_a_map_of_key_to_timestamp_and_optional_value() {
    let mut map = LwwMap::new();
    map.insert("a".to_string(), 10u64, ts(1, 0, 0));
    map.remove("b".to_string(), ts(1, 1, 1));
    assert_vector(&map, r#"{"a":[{"hlc":65536,"replica":0},10],"b":[{"hlc":65537,"replica":1},null]}"#);
}

#[test]
fn oplog_is_a_map_of_offset_to_entry_set() {
    let mut log = OpLog::new();
    log.append("m0".to_string());
    log.append("m1".to_string());
    log.insert(1, "other".to_string());
    log.insert(5, "later".to_string());
    assert_vector(&log, r#"{"0":["m0"],"1":["m1","other"],"5":["later"]}"#);
}

#[test]
fn maxmap_is_a_map_of_key_to_number() {
    let mut map = MaxMap::new();
    map.raise("k2".to_string(), 9);
    map.raise("k1".to_string(), 4);
    assert_vector(&map, r#"{"k1":4,"k2":9}"#);
}

#[test]
fn lattice_map_is_a_map_of_key_to_inner_encoding() {
    let mut map: LatticeMap<String, OpLog<u64>> = LatticeMap::new();
    map.update("k1".to_string(), |log| log.append(7).1);
    assert_vector(&map, r#"{"k1":{"0":[7]}}"#);
}

#[test]
fn product_is_a_two_element_array() {
    let mut pair: (GCounter, GSet<u8>) = Default::default();
    pair.0.increment(ReplicaId(0), 2);
    pair.1.insert(5);
    assert_vector(&pair, r#"[{"0":2},[5]]"#);
}

#[test]
fn decoding_restores_canonical_form_from_a_sloppy_peer() {
    let log: OpLog<u8> = serde_json::from_str(r#"{"0":[2,1,2],"1":[],"2":[3]}"#).unwrap();
    assert_eq!(log.entries_at(0), &[1, 2]);
    assert_eq!(log.entries_at(1), &[] as &[u8]);
    assert_eq!(log.conflicts().collect::<Vec<_>>(), vec![0]);
    assert_eq!(log.contiguous_len(), 0);

    let clean: OpLog<u8> = serde_json::from_str(r#"{"0":[4],"1":[5]}"#).unwrap();
    assert_eq!(clean.contiguous_len(), 2, "the visible prefix is recomputed on decode");

    let counter: GCounter = serde_json::from_str(r#"{"0":0}"#).unwrap();
    assert!(counter.is_bottom(), "zero entries are dropped");

    let map: LatticeMap<String, GSet<u8>> = serde_json::from_str(r#"{"k":[]}"#).unwrap();
    assert!(map.is_bottom(), "bottom values are dropped");
}
