//! The cluster as this replica sees it.

use std::net::SocketAddr;

use glomer_crdt::ReplicaId;
use serde::{Deserialize, Serialize};

/// One replica of the cluster and what SWIM says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Its name, stable across restarts.
    pub name: String,
    /// Its advertised address (TCP and UDP).
    pub addr: SocketAddr,
    /// Its replica id in its current incarnation.
    pub replica: ReplicaId,
    /// Alive, suspect or down.
    pub state: MemberState,
}

/// SWIM's verdict on a member (Das, Gupta and Motivala, "SWIM", DSN 2002, section 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberState {
    /// Answering probes.
    Alive,
    /// Missed a probe; it is declared down unless it refutes the suspicion in time.
    Suspect,
    /// Declared down; it comes back only as a new identity (a restart or a rejoin).
    Down,
}

impl MemberState {
    /// Whether the member takes part in sync: alive or merely suspected.
    pub fn is_live(self) -> bool {
        self != MemberState::Down
    }
}

impl From<foca::State> for MemberState {
    fn from(state: foca::State) -> Self {
        match state {
            foca::State::Alive => MemberState::Alive,
            foca::State::Suspect => MemberState::Suspect,
            foca::State::Down => MemberState::Down,
        }
    }
}
