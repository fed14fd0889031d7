//! In-process clusters on 127.0.0.1: every replica has its own sockets and talks TCP and UDP
//! to the others exactly as separate processes would.

use std::net::SocketAddr;

use glomer_crdt::{GSet, SyncConfig, Topology};
use glomer_net::{MemberState, Replica, ReplicaBuilder, SwimConfig};

mod support;
use support::eventually;

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

fn fast_sync() -> SyncConfig {
    SyncConfig { batch_interval_ms: 20, ack_delay_ms: 20, retransmit_after_ms: 200, ..SyncConfig::default() }
}

async fn start(name: &str, seeds: &[SocketAddr], topology: &Topology) -> Replica<GSet<u64>> {
    ReplicaBuilder::new(name, any_port())
        .seeds(seeds.iter().copied())
        .topology(topology.clone())
        .swim(SwimConfig::fast())
        .sync(fast_sync())
        .start()
        .await
        .expect("replica starts")
}

async fn cluster(n: usize, topology: Topology) -> Vec<Replica<GSet<u64>>> {
    let first = start("r0", &[], &topology).await;
    let seed = first.addr();
    let mut replicas = vec![first];
    for i in 1..n {
        replicas.push(start(&format!("r{i}"), &[seed], &topology).await);
    }
    replicas
}

async fn all_hold(replicas: &[Replica<GSet<u64>>], values: &[u64]) -> bool {
    for replica in replicas {
        let state = replica.read().await.unwrap();
        if !values.iter().all(|value| state.contains(value)) {
            return false;
        }
    }
    true
}

/// Every replica writes ten values; every replica ends up with all of them. `degrees`: how
/// many neighbours each replica (in name order) must end up with.
async fn writes_at_each_converge(topology: Topology, degrees: &[usize]) {
    let n = degrees.len();
    let replicas = cluster(n, topology).await;
    eventually("everyone sees every member", || async {
        replicas.iter().all(|r| r.members().iter().filter(|m| m.state == MemberState::Alive).count() == n)
    })
    .await;
    eventually("the neighbours follow the topology", || async {
        let mut found = Vec::new();
        for replica in &replicas {
            found.push(replica.stats().await.unwrap().neighbours);
        }
        found == degrees
    })
    .await;
    for (i, replica) in replicas.iter().enumerate() {
        for k in 0..10 {
            let value = (i * 100 + k) as u64;
            replica.mutate(move |set| set.insert(value)).await.unwrap();
        }
    }
    let all: Vec<u64> = (0..n).flat_map(|i| (0..10).map(move |k| (i * 100 + k) as u64)).collect();
    eventually("every replica holds every write", || all_hold(&replicas, &all)).await;
    for replica in &replicas {
        replica.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_converge_on_writes_at_each() {
    writes_at_each_converge(Topology::Total, &[2, 2, 2]).await;
}

/// On a line each replica syncs with at most two others: writes reach the far end only
/// through relays, so this shows the neighbours follow the topology over the live members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_replicas_on_a_line_converge_through_relays() {
    writes_at_each_converge(Topology::Line, &[1, 2, 2, 2, 1]).await;
}
