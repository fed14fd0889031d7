//! Who wrote a data directory: the replica's name, the [`ReplicaId`] it mints dots and counter
//! entries under, and its incarnation.

use glomer_crdt::ReplicaId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The bit set in every id the store draws, so drawn ids never collide with the small dense
/// ids (a node's index in the cluster, below 2^31) that hosts use for routing.
pub const DRAWN_ID_BIT: u32 = 1 << 31;

/// The identity a data directory belongs to, kept in its `identity` file.
///
/// The rule (docs/durability.md): a replica mints dots and counter entries only under
/// [`Identity::replica_id`], and that id is reused only when the store holds every delta the
/// replica acknowledged under it. A new directory draws a fresh id at random; a directory whose
/// previous run may have lost acknowledged deltas (mode `none` ended by a crash) draws a fresh
/// id and bumps the incarnation, keeping the recovered state (it is still a valid part of the
/// cluster's state; only new writes move to the new id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The name the replica was opened under (Maelstrom's `"n3"`); a directory opened under
    /// another name is refused.
    pub name: String,
    /// The id under which this incarnation mints dots and counter entries: drawn at random
    /// with [`DRAWN_ID_BIT`] set.
    pub replica_id: ReplicaId,
    /// How many ids this directory has drawn: 1 for a new directory, plus one per redraw.
    pub incarnation: u64,
}

/// The identity file's layout version, so a future layout is refused, not misread.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// What the identity file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdentityRecord {
    pub(crate) format_version: u32,
    pub(crate) identity: Identity,
}

impl Identity {
    /// A new identity for `name`: a freshly drawn id, incarnation 1.
    pub(crate) fn fresh(name: &str, ids: &mut IdSource) -> Self {
        Identity { name: name.to_string(), replica_id: ids.draw(None), incarnation: 1 }
    }

    /// The next incarnation: a newly drawn id, different from the current one.
    pub(crate) fn redrawn(&self, ids: &mut IdSource) -> Self {
        Identity {
            name: self.name.clone(),
            replica_id: ids.draw(Some(self.replica_id)),
            incarnation: self.incarnation + 1,
        }
    }
}

/// Where drawn ids come from: the operating system's entropy, or a seed the host gives
/// ([`crate::StoreConfig::id_seed`]) so a simulation replays exactly.
pub(crate) struct IdSource(ChaCha8Rng);

impl IdSource {
    /// Seeded from `seed`, or from the operating system without one.
    pub(crate) fn new(seed: Option<u64>) -> Self {
        IdSource(seed.map_or_else(ChaCha8Rng::from_entropy, ChaCha8Rng::seed_from_u64))
    }

    /// A random id with [`DRAWN_ID_BIT`] set, other than `previous`. 31 random bits: two
    /// draws collide with probability 2^-31, and k draws across a cluster's life about
    /// k²/2^32 (under 10^-5 for 100 draws), the price of needing no coordination
    /// (docs/durability.md).
    fn draw(&mut self, previous: Option<ReplicaId>) -> ReplicaId {
        loop {
            let id = ReplicaId(self.0.gen::<u32>() | DRAWN_ID_BIT);
            if Some(id) != previous {
                return id;
            }
        }
    }
}
