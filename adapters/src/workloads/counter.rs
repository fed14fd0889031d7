//! `g-counter` and `pn-counter` (spec section 4.5, Glomers challenge 4): a [`PNCounter`]
//! replicated by delta gossip (see [`crate::gossip`] and docs/counters.md).
//!
//! - `add {delta}` adds `delta` to this node's entry through the sync engine and answers
//!   `add_ok` at once; the engine, not the client, waits for the neighbours.
//! - `read` answers `value` from the local counter only, so it stays available in a partition;
//!   once gossip has quietened (Maelstrom waits 10 s after the heal before the final reads,
//!   spec 3.2), every node's sum is the sum of every acknowledged add.
//!
//! Both workloads share this module; they differ only in whether a negative delta is accepted.
//! `g-counter` refuses one with error 12 rather than silently turning it into a decrement,
//! which a grow-only counter cannot represent.

use glomer_crdt::PNCounter;
use serde::Deserialize;

use crate::gossip::{self, Gossip, GossipConfig};
use crate::protocol::{Body, Error, Message};
use crate::request::{self, Request};
use crate::workload::Context;

/// The requests both counters serve (peer gossip is handled before these are parsed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CounterRequest {
    /// Add `delta` (a JSON integer that fits in 64 bits) to the counter.
    Add {
        /// The amount.
        delta: i64,
    },
    /// Return the counter's value.
    Read,
}

impl Request for CounterRequest {
    const KINDS: &'static [&'static str] = &["add", "read"];
}

/// A counter node's state: the replicated counter and whether it is grow-only.
#[derive(Debug)]
pub struct Counter {
    total: Gossip<PNCounter>,
    grow_only: bool,
}

impl Counter {
    /// A counter replicated with `config`; `grow_only` refuses negative deltas.
    pub fn new(config: GossipConfig, grow_only: bool) -> Self {
        Self { total: Gossip::new(config), grow_only }
    }

    /// The replicated counter, for inspection.
    pub fn total(&self) -> &Gossip<PNCounter> {
        &self.total
    }

    /// `Workload::on_init`.
    pub fn on_init(&mut self, ctx: &mut Context) {
        self.total.on_init(ctx);
    }

    /// `Workload::on_message`.
    pub fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        if gossip::is_gossip(&msg) {
            self.total.on_gossip(ctx, msg);
            return Ok(());
        }
        match request::parse(&msg)? {
            CounterRequest::Add { delta } if self.grow_only && delta < 0 => {
                return Err(Error::malformed(format!("g-counter only grows; delta {delta} is negative")));
            }
            CounterRequest::Add { delta } => {
                let me = self.total.replica_id();
                self.total.mutate(ctx, |counter| counter.add(me, delta));
                ctx.reply(&msg, Body::new("add_ok"));
            }
            CounterRequest::Read => {
                ctx.reply(&msg, Body::new("read_ok").with("value", self.total.state().value()));
            }
        }
        Ok(())
    }

    /// `Workload::on_timer`.
    pub fn on_timer(&mut self, ctx: &mut Context, token: u64) {
        self.total.on_timer(ctx, token);
    }
}

/// Implements `Workload` for a newtype around [`Counter`] by delegation.
macro_rules! counter_workload {
    ($name:ident) => {
        impl $crate::workload::Workload for $name {
            fn on_init(&mut self, ctx: &mut $crate::workload::Context) {
                self.0.on_init(ctx);
            }

            fn on_message(
                &mut self,
                ctx: &mut $crate::workload::Context,
                msg: $crate::protocol::Message,
            ) -> Result<(), $crate::protocol::Error> {
                self.0.on_message(ctx, msg)
            }

            fn on_timer(&mut self, ctx: &mut $crate::workload::Context, token: u64) {
                self.0.on_timer(ctx, token);
            }
        }
    };
}
pub(crate) use counter_workload;
