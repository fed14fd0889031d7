//! A durable store for one CRDT replica: nothing acknowledged is lost when the process dies.
//!
//! A replica's state is a [`Lattice`](glomer_crdt::Lattice) and every mutation yields a delta
//! of the same lattice, so durability needs only an append-only log of deltas: recovery joins
//! them back in any order, and replaying one twice is harmless (join is idempotent). The store
//! keeps that log in checksummed frames, commits many deltas with one `fdatasync` (group
//! commit), snapshots the state and truncates the log once it reaches a bound, and on start
//! recovers: loads the snapshot, replays the log, cuts a torn tail, and refuses a damaged
//! middle. It also keeps the replica's identity, so a replica never mints dots or counter
//! entries twice under one id. The rules and the file layout are in docs/durability.md.
//!
//! # Layout
//!
//! - [`Store`]: the synchronous core, for a host that is a state machine: append the deltas of
//!   a batch of events, [`Store::commit`] once, then send the batch's replies.
//! - [`GroupCommit`]: a writer thread over a [`Store`] for concurrent (threaded or async)
//!   callers; each [`Ack`] resolves when its delta is durable.
//! - [`Durability`] and [`StoreConfig`]: modes `fsync` (default), `write`, `none`, and the log
//!   bound that triggers snapshots.
//! - [`Identity`]: the replica's name, its [`ReplicaId`](glomer_crdt::ReplicaId), its
//!   incarnation; [`Recovery`]: what opening found.
//! - [`frame`]: the length + CRC frame format of every file.
//!
//! # The loop
//!
//! ```
//! use glomer_crdt::{GCounter, Lattice};
//! use glomer_store::{Store, StoreConfig};
//!
//! let dir = std::env::temp_dir().join(format!("glomer-store-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! // Start: recover the state and learn the id to write under.
//! let mut store: Store<GCounter> = Store::open(&dir, "n1", StoreConfig::default())?;
//! let me = store.identity().replica_id;
//! let mut counter = store.state().clone();
//!
//! // A batch of events: mutate, append each delta, commit once, then acknowledge.
//! for by in [1, 2, 3] {
//!     let delta = counter.increment(me, by);
//!     store.append(&delta)?;
//! }
//! store.commit()?; // one fdatasync for the three increments
//! drop(store); // as if the process were killed
//!
//! // Restart: same directory, same name, same id, nothing lost.
//! let store: Store<GCounter> = Store::open(&dir, "n1", StoreConfig::default())?;
//! assert_eq!(store.identity().replica_id, me);
//! assert_eq!(store.state().value(), 6);
//! // Another replica's name is refused.
//! assert!(Store::<GCounter>::open(&dir, "n2", StoreConfig::default()).is_err());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), glomer_store::Error>(())
//! ```
#![deny(missing_docs)]

mod config;
mod error;
mod files;
pub mod frame;
mod group;
mod identity;
mod log;
mod recovery;
mod store;

pub use config::{Durability, StoreConfig, UnknownDurability, LOG_BYTES_MAX_DEFAULT, NONE_BUFFER_BYTES_MAX};
pub use error::Error;
pub use group::{Ack, GroupCommit, BATCH_DELTAS_MAX, QUEUE_DELTAS_MAX};
pub use identity::{Identity, DRAWN_ID_BIT};
pub use recovery::{Recovery, IDENTITY_FILE, LOG_FILE, SNAPSHOT_FILE, UNSYNCED_FILE};
pub use store::Store;
