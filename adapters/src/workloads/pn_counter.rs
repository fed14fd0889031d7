//! `pn-counter` (spec section 4.5): adds of any sign on a replicated [`glomer_crdt::PNCounter`];
//! see [`super::counter`].

use super::counter::{counter_workload, Counter};
use crate::flags::FromFlags;
use crate::gossip::GossipFlags;

/// Flags of `glomer-pn-counter`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-pn-counter", about = "Maelstrom pn-counter node: a PN-Counter replicated by delta gossip")]
pub struct PnCounterFlags {
    /// How the counter is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The pn-counter workload.
#[derive(Debug)]
pub struct PnCounter(pub Counter);

impl FromFlags for PnCounter {
    type Flags = PnCounterFlags;

    fn from_flags(flags: PnCounterFlags) -> Self {
        Self(Counter::new(flags.gossip.config(), false))
    }
}

counter_workload!(PnCounter);
