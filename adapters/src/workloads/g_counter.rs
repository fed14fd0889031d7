//! `g-counter` (spec section 4.5, Glomers challenge 4): non-negative adds on a replicated
//! [`glomer_crdt::PNCounter`]; see [`super::counter`]. A negative delta gets error 12.

use super::counter::{counter_workload, Counter};
use crate::flags::FromFlags;
use crate::gossip::GossipFlags;

/// Flags of `glomer-g-counter`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "glomer-g-counter",
    about = "Maelstrom g-counter node: a grow-only counter replicated by delta gossip"
)]
pub struct GCounterFlags {
    /// How the counter is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The g-counter workload.
#[derive(Debug)]
pub struct GCounter(pub Counter);

impl FromFlags for GCounter {
    type Flags = GCounterFlags;

    fn from_flags(flags: GCounterFlags) -> Self {
        Self(Counter::new(flags.gossip.config(), true))
    }
}

counter_workload!(GCounter);
