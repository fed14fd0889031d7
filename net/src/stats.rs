//! Counters a replica exposes for tests, benches and operators.

use glomer_crdt::SyncStats;

/// What a replica did and holds; memory bounds are read off `buffered_groups` and `queued_frames`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetStats {
    /// The sync engine's counters (messages, bytes as postcard, full states, ...).
    pub sync: SyncStats,
    /// Delta-groups buffered by the engine (bounded by `SyncConfig::max_buffered_groups`).
    pub buffered_groups: usize,
    /// Frames waiting in every peer queue (each bounded by `NetConfig::peer_queue_frames`).
    pub queued_frames: usize,
    /// The engine's neighbours: the live members this replica syncs with under the topology.
    pub neighbours: usize,
    /// Open peer links.
    pub links: usize,
    /// Peers taken out of sync because their queue filled; they get a full resync when it drains.
    pub lagging_peers: usize,
    /// Frames not queued because a peer's queue was full.
    pub frames_dropped: u64,
    /// TCP bytes written, length prefixes included.
    pub wire_bytes_sent: u64,
    /// TCP bytes read, length prefixes included.
    pub wire_bytes_received: u64,
    /// SWIM (UDP) bytes sent.
    pub swim_bytes_sent: u64,
    /// SWIM (UDP) bytes received.
    pub swim_bytes_received: u64,
}
