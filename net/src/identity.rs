//! Who a replica is to SWIM: its address, name and replica id, plus what lets a restarted or
//! renewed replica win its address back from an older identity.

use std::net::SocketAddr;

use glomer_crdt::ReplicaId;
use serde::{Deserialize, Serialize};

/// A replica's SWIM identity (foca's `Identity`). Foca keeps one member per address, so a
/// replica that restarts on its address replaces its previous identity instead of waiting for
/// it to be forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Name {
    pub addr: SocketAddr,
    pub name: String,
    pub replica: ReplicaId,
    /// Wall-clock milliseconds when the process started: a restarted process is newer.
    pub started_ms: u64,
    /// Bumped when SWIM declared this process down while it was alive (a partition), so it can
    /// rejoin at once under a fresh identity.
    pub bump: u16,
}

impl Name {
    /// A stand-in for a seed whose name and id are not known yet: only its address is used,
    /// to send the join announcement; the seed's reply carries its real identity.
    pub fn seed(addr: SocketAddr) -> Self {
        Self { addr, name: String::new(), replica: ReplicaId(0), started_ms: 0, bump: 0 }
    }
}

impl foca::Identity for Name {
    type Addr = SocketAddr;

    fn renew(&self) -> Option<Self> {
        Some(Self { bump: self.bump.wrapping_add(1), ..self.clone() })
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        (self.started_ms, self.bump) > (adversary.started_ms, adversary.bump)
    }
}
