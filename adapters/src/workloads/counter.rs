//! `g-counter` and `pn-counter` (Glomers challenge 4): a [`PNCounter`] replicated by delta
//! gossip (see [`crate::replicated`] and docs/counters.md).
//!
//! - `add {delta}` adds `delta` to this node's entry through the sync engine and answers
//!   `add_ok` at once; the engine, not the client, waits for the neighbours.
//! - `read` answers `value` from the local counter only, so it stays available in a partition;
//!   once gossip has quietened (Maelstrom waits after the heal before the final reads), every
//!   node's sum is the sum of every acknowledged add.
//!
//! Both workloads are this one [`Counter`]; they differ only in whether a negative delta is
//! accepted. `g-counter` refuses one with error 12 rather than silently turning it into a
//! decrement, which a grow-only counter cannot represent. `g-counter` may also keep its count
//! in seq-kv instead ([`super::g_counter`]).

use glomer_crdt::PNCounter;
use serde::{Deserialize, Serialize};

use crate::flags::FromFlags;
use crate::gossip_config::GossipFlags;
use crate::protocol::{Error, Message};
use crate::replicated::{Crdt, Replica, Replicated};
use crate::workload::Context;

/// The requests both counters serve.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterRequest {
    /// Add `delta` (a JSON integer that fits in 64 bits) to the counter.
    Add {
        /// The amount.
        delta: i64,
    },
    /// Return the counter's value.
    Read,
}

/// The replies of both counters (and of the seq-kv g-counter).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CounterReply {
    /// The add is done.
    AddOk,
    /// The counter's value.
    ReadOk {
        /// The sum.
        value: i64,
    },
}

/// Error 12 for a negative delta on a grow-only counter.
pub fn refuse_negative(delta: i64) -> Error {
    Error::malformed(format!("g-counter only grows; delta {delta} is negative"))
}

/// A counter node's own part: whether it is grow-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Refuse negative deltas (g-counter).
    pub grow_only: bool,
}

impl Crdt for Counter {
    type State = PNCounter;
    type Request = CounterRequest;

    fn on_request(
        &mut self,
        replica: &mut Replica<PNCounter>,
        ctx: &mut Context,
        msg: Message,
        request: CounterRequest,
    ) -> Result<(), Error> {
        match request {
            CounterRequest::Add { delta } if self.grow_only && delta < 0 => return Err(refuse_negative(delta)),
            CounterRequest::Add { delta } => {
                let me = replica.id();
                replica.mutate(ctx, |counter| counter.add(me, delta));
                ctx.reply(&msg, CounterReply::AddOk);
            }
            CounterRequest::Read => ctx.reply(&msg, CounterReply::ReadOk { value: replica.state().value() }),
        }
        Ok(())
    }
}

/// The pn-counter workload (adds of any sign).
pub type PnCounter = Replicated<Counter>;

/// Flags of `glomer-pn-counter`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-pn-counter", about = "Maelstrom pn-counter node: a PN-Counter replicated by delta gossip")]
pub struct PnCounterFlags {
    /// How the counter is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

impl FromFlags for PnCounter {
    type Flags = PnCounterFlags;

    fn from_flags(flags: PnCounterFlags) -> Self {
        Replicated::new(Counter { grow_only: false }, flags.gossip.config())
    }
}
