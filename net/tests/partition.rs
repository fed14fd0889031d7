//! Partitions through a fault-injecting proxy: replication stops across the cut, memory stays
//! bounded on the side that keeps writing, and after the heal every replica converges.

mod support;

use std::time::Duration;

use glomer_crdt::{GSet, SyncConfig};
use glomer_net::{MemberState, Replica, ReplicaBuilder, SwimConfig};
use support::eventually;
use support::proxy::{Network, Proxy};

/// Small bounds, so the test reaches them quickly.
const MAX_BUFFERED_GROUPS: usize = 16;
const PEER_QUEUE_FRAMES: usize = 4;

/// Replicas named `names`, each behind its own proxy, joining through the first.
async fn cluster_behind_proxies(network: &Network, names: &[&str]) -> (Vec<Replica<GSet<u64>>>, Vec<Proxy>) {
    let sync = SyncConfig {
        batch_interval_ms: 20,
        ack_delay_ms: 20,
        retransmit_after_ms: 200,
        max_buffered_groups: MAX_BUFFERED_GROUPS,
        ..SyncConfig::default()
    };
    let (mut replicas, mut proxies) = (Vec::new(), Vec::new());
    for name in names {
        let proxy = Proxy::start(network, name).await;
        let mut config = glomer_net::NetConfig::new(*name, "127.0.0.1:0".parse().unwrap());
        config.advertise = Some(proxy.addr);
        config.seeds = proxies.first().map(|first: &Proxy| vec![first.addr]).unwrap_or_default();
        config.sync = sync.clone();
        config.swim = SwimConfig::fast();
        config.peer_queue_frames = PEER_QUEUE_FRAMES;
        let replica = ReplicaBuilder::from_config(config).start().await.unwrap();
        network.name_addr(replica.listen_addr(), name);
        proxy.set_target(replica.listen_addr());
        replicas.push(replica);
        proxies.push(proxy);
    }
    (replicas, proxies)
}

fn states_of(replica: &Replica<GSet<u64>>, name: &str) -> Option<MemberState> {
    replica.members().into_iter().find(|member| member.name == name).map(|member| member.state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_stops_replication_bounds_memory_and_heals() {
    let network = Network::new();
    let (replicas, _proxies) = cluster_behind_proxies(&network, &["a", "b", "c"]).await;
    let [a, b, c] = [&replicas[0], &replicas[1], &replicas[2]];
    eventually("all three are alive everywhere", || async {
        replicas.iter().all(|r| ["a", "b", "c"].iter().all(|n| states_of(r, n) == Some(MemberState::Alive)))
    })
    .await;

    network.partition(&["a"], &["b", "c"]);
    let mut peak_groups = 0;
    let mut peak_frames = 0;
    for value in 0..2_000u64 {
        b.mutate(move |set| set.insert(value)).await.unwrap();
        if value % 20 == 0 {
            let stats = b.stats().await.unwrap();
            peak_groups = peak_groups.max(stats.buffered_groups);
            peak_frames = peak_frames.max(stats.queued_frames);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    a.mutate(|set| set.insert(1_000_000)).await.unwrap();
    eventually("each side reports the other down", || async {
        states_of(b, "a") == Some(MemberState::Down) && states_of(a, "b") == Some(MemberState::Down)
    })
    .await;
    assert!(!a.read().await.unwrap().contains(&1_999), "a got b's writes across the cut");
    assert!(!c.read().await.unwrap().contains(&1_000_000), "c got a's write across the cut");
    eventually("b and c keep replicating", || async { c.read().await.unwrap().contains(&1_999) }).await;
    let stats = b.stats().await.unwrap();
    eprintln!("while cut: peak buffered groups {peak_groups}, peak queued frames {peak_frames}; now {stats:?}");
    assert!(peak_groups <= MAX_BUFFERED_GROUPS, "delta buffer grew to {peak_groups}");
    assert!(peak_frames <= 2 * PEER_QUEUE_FRAMES, "peer queues grew to {peak_frames}");
    assert!(stats.queued_frames <= 2 * PEER_QUEUE_FRAMES, "{stats:?}");

    network.heal();
    eventually("every replica holds every write after the heal", || async {
        let mut all = true;
        for replica in &replicas {
            let state = replica.read().await.unwrap();
            all &= state.contains(&1_000_000) && (0..2_000).all(|v| state.contains(&v));
        }
        all
    })
    .await;
    for replica in &replicas {
        replica.shutdown().await;
    }
}
