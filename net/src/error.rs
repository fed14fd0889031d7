//! What can go wrong for a caller of the replica API.

use crate::durability::DurabilityError;

/// Errors of starting or using a replica.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The listen address could not be bound (TCP and UDP on one port).
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The replica has shut down.
    #[error("the replica has stopped")]
    Stopped,
    /// The store failed to load or record.
    #[error("durability: {0}")]
    Durability(DurabilityError),
}
