//! Concurrent writes of one key come back as siblings; a write that saw them replaces them.
//! Two in-process replicas behind the fault-injecting proxy of glomer-net's tests, so the
//! writes are concurrent by construction (made on both sides of a partition).

#[path = "../../net/tests/support/proxy.rs"]
mod proxy;

use std::time::Duration;

use glomer_crdt::SyncConfig;
use glomer_kv::model::Kv;
use glomer_net::{MemberState, NetConfig, ReplicaBuilder, SwimConfig};
use proxy::{Network, Proxy};
use serde_json::{json, Value};

/// Every wait gives up after this long, so a broken build fails instead of hanging.
const WAIT_MAX: Duration = Duration::from_secs(30);

async fn replica(network: &Network, name: &str, seed: Option<&Proxy>) -> (Kv, Proxy) {
    let proxy = Proxy::start(network, name).await;
    let mut config = NetConfig::new(name, "127.0.0.1:0".parse().unwrap());
    config.advertise = Some(proxy.addr);
    config.seeds = seed.map(|seed| vec![seed.addr]).unwrap_or_default();
    config.swim = SwimConfig::fast();
    config.sync = SyncConfig { batch_interval_ms: 20, ack_delay_ms: 20, ..SyncConfig::default() };
    let replica = ReplicaBuilder::from_config(config).start().await.unwrap();
    network.name_addr(replica.listen_addr(), name);
    proxy.set_target(replica.listen_addr());
    (Kv::new(replica), proxy)
}

async fn wait_for_values(kv: &Kv, key: &str, mut expected: Vec<Value>) {
    expected.sort_by_key(Value::to_string);
    let deadline = tokio::time::Instant::now() + WAIT_MAX;
    loop {
        let mut values = kv.get(key).await.unwrap();
        values.sort_by_key(Value::to_string);
        if values == expected {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{key} is {values:?}, expected {expected:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_are_siblings_until_a_write_that_saw_both() {
    let network = Network::new();
    let (a, proxy_a) = replica(&network, "a", None).await;
    let (b, _proxy_b) = replica(&network, "b", Some(&proxy_a)).await;
    let deadline = tokio::time::Instant::now() + WAIT_MAX;
    while !a.members().iter().chain(b.members().iter()).all(|m| m.state == MemberState::Alive) || a.members().len() < 2
    {
        assert!(tokio::time::Instant::now() < deadline, "the two replicas never met");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.put("x".into(), json!("first")).await.unwrap();
    wait_for_values(&b, "x", vec![json!("first")]).await;

    network.partition(&["a"], &["b"]);
    // Once each reports the other down, the cut has certainly closed every connection.
    let deadline = tokio::time::Instant::now() + WAIT_MAX;
    let down = |kv: &Kv, name: &str| kv.members().iter().any(|m| m.name == name && m.state == MemberState::Down);
    while !(down(&a, "b") && down(&b, "a")) {
        assert!(tokio::time::Instant::now() < deadline, "the cut was never noticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.put("x".into(), json!({"by": "a"})).await.unwrap();
    b.put("x".into(), json!({"by": "b"})).await.unwrap();
    assert_eq!(a.get("x").await.unwrap(), vec![json!({"by": "a"})], "a's write replaced what a had seen");
    network.heal();

    let siblings = vec![json!({"by": "a"}), json!({"by": "b"})];
    wait_for_values(&a, "x", siblings.clone()).await;
    wait_for_values(&b, "x", siblings).await;

    b.put("x".into(), json!("resolved")).await.unwrap();
    wait_for_values(&a, "x", vec![json!("resolved")]).await;
    wait_for_values(&b, "x", vec![json!("resolved")]).await;

    b.delete("x".into()).await.unwrap();
    wait_for_values(&a, "x", vec![]).await;
    a.shutdown().await;
    b.shutdown().await;
}
