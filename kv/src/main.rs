//! `glomer-kv --name NAME --http ADDR --gossip ADDR [--seed ADDR]... [--data-dir DIR
//! [--durability fsync|write|none]]`: one replica of the replicated key-value store. Once listening it prints one line of JSON to
//! stdout, `{"http":ADDR,"gossip":ADDR}` with the bound addresses (useful with port 0).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use glomer_crdt::{SyncConfig, Topology};
use glomer_kv::model::{Kv, KvState};
use glomer_kv::{http, on_disk::OnDisk};
use glomer_net::{ReplicaBuilder, SwimConfig};
use glomer_store::StoreConfig;

/// A replicated key-value store over HTTP.
#[derive(Debug, Parser)]
#[command(name = "glomer-kv", version)]
struct Flags {
    /// This replica's name, unique in the cluster and kept across restarts.
    #[arg(long)]
    name: String,
    /// Where to serve the HTTP API.
    #[arg(long)]
    http: SocketAddr,
    /// Where to talk to the other replicas (TCP and UDP on one port).
    #[arg(long)]
    gossip: SocketAddr,
    /// The address others reach `--gossip` at, when it differs (a proxy, NAT).
    #[arg(long)]
    advertise: Option<SocketAddr>,
    /// A replica to join through (repeatable).
    #[arg(long = "seed")]
    seeds: Vec<SocketAddr>,
    /// Where the replica keeps its state across restarts: a write is answered once it is
    /// durable there. The directory belongs to this replica's name; another name is refused.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// When a write counts as durable with --data-dir: fsync (default), write or none.
    #[arg(long, requires = "data_dir", default_value = "fsync")]
    durability: glomer_store::Durability,
    /// Who syncs with whom: total, ring, star, tree:K, random:K, ...
    #[arg(long, default_value = "total")]
    topology: String,
    /// Delta sync batch interval.
    #[arg(long, default_value_t = glomer_crdt::DEFAULT_BATCH_INTERVAL_MS)]
    batch_interval_ms: u64,
    /// SWIM probe period; the other SWIM timings scale with it.
    #[arg(long, default_value_t = glomer_net::DEFAULT_PROBE_PERIOD_MS)]
    probe_period_ms: u64,
}

impl Flags {
    fn swim(&self) -> SwimConfig {
        let scale = |default_ms: u64| default_ms * self.probe_period_ms / glomer_net::DEFAULT_PROBE_PERIOD_MS;
        SwimConfig {
            probe_period_ms: self.probe_period_ms,
            probe_rtt_ms: scale(glomer_net::DEFAULT_PROBE_RTT_MS),
            suspect_to_down_after_ms: scale(glomer_net::DEFAULT_SUSPECT_TO_DOWN_AFTER_MS),
            gossip_interval_ms: scale(glomer_net::DEFAULT_GOSSIP_INTERVAL_MS),
            announce_interval_ms: scale(glomer_net::DEFAULT_ANNOUNCE_INTERVAL_MS),
        }
    }

    fn sync(&self) -> SyncConfig {
        let interval_ms = self.batch_interval_ms;
        SyncConfig { batch_interval_ms: interval_ms, ack_delay_ms: interval_ms, ..SyncConfig::default() }
    }
}

/// Opens and recovers the replica's store; another replica's directory or a damaged one is
/// refused here, before the replica joins anyone.
fn open_store(dir: &std::path::Path, flags: &Flags) -> anyhow::Result<OnDisk<KvState>> {
    let config = StoreConfig::with_durability(flags.durability);
    let store = OnDisk::open(dir, &flags.name, config)
        .with_context(|| format!("opening the data directory {}", dir.display()))?;
    let identity = store.identity().expect("a store just opened");
    let recovery = store.recovery();
    tracing::info!(
        dir = %dir.display(), durability = %flags.durability, replica = %identity.replica_id,
        incarnation = identity.incarnation, fresh = recovery.fresh, deltas_replayed = recovery.deltas_replayed,
        torn_bytes_cut = recovery.torn_bytes_cut, "store recovered"
    );
    Ok(store)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,foca=warn".into()),
        )
        .init();
    let flags = Flags::parse();
    let topology: Topology = flags.topology.parse().context("--topology")?;
    let mut builder = ReplicaBuilder::new(flags.name.clone(), flags.gossip);
    if let Some(dir) = &flags.data_dir {
        builder = builder.durability(open_store(dir, &flags)?);
    } else {
        tracing::info!("no --data-dir: the state lives in memory and a restart starts empty");
    }
    if let Some(addr) = flags.advertise {
        builder = builder.advertise(addr);
    }
    let replica = builder
        .seeds(flags.seeds.iter().copied())
        .topology(topology)
        .sync(flags.sync())
        .swim(flags.swim())
        .start()
        .await?;
    let listener =
        tokio::net::TcpListener::bind(flags.http).await.with_context(|| format!("binding {}", flags.http))?;
    let http_addr = listener.local_addr()?;
    println!("{}", serde_json::json!({ "http": http_addr, "gossip": replica.listen_addr() }));
    let kv = Kv::new(replica);
    let shutdown = {
        let kv = kv.clone();
        async move {
            let _ = tokio::signal::ctrl_c().await;
            kv.shutdown().await;
        }
    };
    axum::serve(listener, http::router(kv)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
