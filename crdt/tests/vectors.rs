//! JSON test vectors that pin each type's wire format: a change of encoding fails here and
//! becomes a visible, reviewed change. Each vector is checked both ways (encode and decode).

use std::fmt::Debug;

use glomer_crdt::{
    AwSet, CausalContext, Dot, EwFlag, GCounter, GSet, Hlc, Lattice, LatticeMap, LwwMap, LwwRegister, MaxMap,
    MvRegister, OpLog, OrMap, PNCounter, ReplicaId, Timestamp,
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

#[test]
fn dot_is_replica_and_counter() {
    assert_vector(&Dot::new(ReplicaId(2), 5), "[2,5]");
}

#[test]
fn causal_context_is_version_vector_and_cloud() {
    let context: CausalContext =
        [(0, 1), (0, 2), (1, 5), (1, 7)].map(|(r, c)| Dot::new(ReplicaId(r), c)).into_iter().collect();
    assert_vector(&context, r#"{"vv":{"0":2},"cloud":[[1,5],[1,7]]}"#);
}

#[test]
fn aw_set_is_element_to_dots_and_context() {
    let mut set = AwSet::new();
    set.add(ReplicaId(0), "a".to_string());
    let mut other = AwSet::new();
    set.join(&other.add(ReplicaId(1), "b".to_string()));
    set.join(&other.add(ReplicaId(1), "c".to_string()));
    set.add(ReplicaId(0), "b".to_string());
    set.remove(&"c".to_string());
    assert_vector(&set, r#"{"store":{"a":[[0,1]],"b":[[0,2]]},"context":{"vv":{"0":2,"1":2},"cloud":[]}}"#);
    let mut concurrent = AwSet::new();
    concurrent.join(&set);
    concurrent.join(&other.add(ReplicaId(1), "a".to_string()));
    assert_vector(&concurrent.difference(&set), r#"{"store":{"a":[[1,3]]},"context":{"vv":{},"cloud":[[1,3]]}}"#);
}

#[test]
fn mv_register_is_dot_to_value_and_context() {
    let mut register = MvRegister::new();
    register.write(ReplicaId(0), serde_json::json!({"x": 1}));
    let mut other = MvRegister::new();
    register.join(&other.write(ReplicaId(1), serde_json::json!("y")));
    assert_vector(&register, r#"{"store":[[[0,1],{"x":1}],[[1,1],"y"]],"context":{"vv":{"0":1,"1":1},"cloud":[]}}"#);
}

#[test]
fn ew_flag_is_enabling_dots_and_context() {
    let mut flag = EwFlag::new();
    flag.enable(ReplicaId(3));
    flag.enable(ReplicaId(3));
    assert_vector(&flag, r#"{"store":[[3,2]],"context":{"vv":{"3":2},"cloud":[]}}"#);
}

#[test]
fn or_map_nests_stores_under_one_context() {
    let r = ReplicaId(0);
    let mut map: OrMap<String, OrMap<String, MvRegister<u64>>> = OrMap::new();
    map.update(r, "user".to_string(), |user| user.update(r, "age".to_string(), |age| age.write(r, 41)));
    map.update(r, "user".to_string(), |user| user.update(r, "age".to_string(), |age| age.write(r, 42)));
    map.update(r, "gone".to_string(), |gone| gone.update(r, "x".to_string(), |x| x.write(r, 0)));
    map.remove(&"gone".to_string());
    assert_vector(&map, r#"{"store":{"user":{"age":[[[0,2],42]]}},"context":{"vv":{"0":3},"cloud":[]}}"#);
}

#[test]
fn decoding_repairs_a_sloppy_causal_state() {
    // Dots out of order and twice, a counter 0, an empty entry, a held dot the context lacks.
    let set: AwSet<u8> = serde_json::from_str(
        r#"{"store":{"1":[[0,2],[0,1],[0,2],[4,0]],"2":[],"3":[[1,1]]},"context":{"vv":{"0":2},"cloud":[]}}"#,
    )
    .unwrap();
    assert_eq!(set.iter().collect::<Vec<_>>(), vec![&1, &3]);
    let context = glomer_crdt::Causal::context(&set);
    assert!(context.contains(Dot::new(ReplicaId(1), 1)), "held dots are added to the context");
    assert_vector(&set, r#"{"store":{"1":[[0,1],[0,2]],"3":[[1,1]]},"context":{"vv":{"0":2,"1":1},"cloud":[]}}"#);

    let register: MvRegister<u8> =
        serde_json::from_str(r#"{"store":[[[0,1],5],[[0,1],6]],"context":{"vv":{},"cloud":[[0,1]]}}"#).unwrap();
    assert_eq!(register.read(), vec![&5], "one value per dot, the first sent");
}
