//! glomer-kv: a replicated key-value store over HTTP, the example application of glomer-net.
//!
//! Every process is one replica of a map from keys to JSON values. Writes apply locally and
//! answer at once, or, with a data directory, once durable there; replicas exchange deltas in
//! the background and converge. Concurrent writes
//! of one key at different replicas are kept side by side as siblings, and a write that has
//! seen them replaces them all (docs/net.md).
//!
//! # Layout
//!
//! - [`model`]: the replicated state and its operations (put, get, delete, keys).
//! - [`http`]: the HTTP API (axum), its status codes and JSON bodies.
//! - [`on_disk`]: the durable store (glomer-store) behind the replica, for `--data-dir`.
//! - `main.rs`: the `glomer-kv` binary's flags and start-up.
//!
//! # Example
//!
//! One replica, driven through the router as an HTTP server would.
//!
//! ```
//! use glomer_kv::{http, model::Kv};
//! use glomer_net::{ReplicaBuilder, SwimConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! let replica = ReplicaBuilder::new("a", "127.0.0.1:0".parse()?).swim(SwimConfig::fast()).start().await?;
//! let kv = Kv::new(replica);
//! kv.put("greeting".into(), serde_json::json!({"hello": "world"})).await?;
//! assert_eq!(kv.get("greeting").await?, vec![serde_json::json!({"hello": "world"})]);
//! let _router = http::router(kv.clone()); // serve it with axum::serve
//! kv.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod http;
pub mod model;
pub mod on_disk;
