//! glomer replicas over a real network: a delta-state CRDT replicated between processes and
//! hosts, with TCP for the sync protocol and SWIM (the `foca` crate) for membership.
//!
//! One process hosts one replica: one [`glomer_crdt::Engine`] driven by tokio. Peers exchange
//! the engine's messages as length-delimited postcard frames over one TCP connection per pair;
//! SWIM over UDP on the same port finds the members (through seed addresses), detects failures
//! and lets a restarted replica rejoin under a new identity. The engine's neighbours are the
//! live members under the configured [`Topology`](glomer_crdt::Topology). docs/net.md tells the
//! whole story.
//!
//! # Layout
//!
//! - [`ReplicaBuilder`] and [`Replica`]: the API — start a replica of any lattice, then
//!   `mutate`, `read` (a snapshot), `query` (a lookup in place), `subscribe`, `members`,
//!   `stats`, `shutdown`.
//! - [`NetConfig`], [`SwimConfig`]: the tunables, each default with its reason.
//! - `sync_loop`: the one task that owns the engine.
//! - `link` and `listener`: TCP connections, handshakes, bounded per-peer queues, backoff.
//! - `membership`: foca over UDP, publishing the [`Member`] view.
//! - [`wire`]: the frame format and its bounds.
//! - [`Durability`]: the seam a durable store plugs into ([`InMemory`] by default); `gate`
//!   holds messages to peers until the deltas they may carry are durable.
//!
//! # Example
//!
//! Two replicas of a grow-only set on loopback; a write at one shows up at the other.
//!
//! ```
//! use std::time::Duration;
//! use glomer_crdt::GSet;
//! use glomer_net::{ReplicaBuilder, SwimConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), glomer_net::NetError> {
//! let any_port = "127.0.0.1:0".parse().unwrap();
//! let a = ReplicaBuilder::<GSet<String>>::new("a", any_port).swim(SwimConfig::fast()).start().await?;
//! let b = ReplicaBuilder::<GSet<String>>::new("b", any_port)
//!     .seed(a.addr())
//!     .swim(SwimConfig::fast())
//!     .start()
//!     .await?;
//!
//! let mut changes = b.subscribe();
//! a.mutate(|set| set.insert("hello".to_string())).await?;
//! while !b.read().await?.contains(&"hello".to_string()) {
//!     tokio::time::timeout(Duration::from_secs(10), changes.next()).await.expect("replicated in time");
//! }
//! assert_eq!(b.members().len(), 2);
//! a.shutdown().await;
//! b.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod config;
mod durability;
mod error;
mod gate;
mod identity;
mod link;
mod listener;
mod member;
mod membership;
mod replica;
mod stats;
mod sync_loop;
pub mod wire;

pub use config::{
    NetConfig, SwimConfig, DEFAULT_ANNOUNCE_INTERVAL_MS, DEFAULT_GOSSIP_INTERVAL_MS, DEFAULT_PEER_QUEUE_FRAMES,
    DEFAULT_PROBE_PERIOD_MS, DEFAULT_PROBE_RTT_MS, DEFAULT_SUSPECT_TO_DOWN_AFTER_MS,
};
pub use durability::{Durability, DurabilityError, InMemory, Pending, Recovered};
pub use error::NetError;
pub use member::{Member, MemberState};
pub use replica::{Changes, Replica, ReplicaBuilder};
pub use stats::NetStats;

/// What a replicated state must be: a lattice that travels (serde) and moves between tasks.
pub trait Replicated:
    glomer_crdt::Lattice + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static
{
}

impl<L> Replicated for L where
    L: glomer_crdt::Lattice + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static
{
}
