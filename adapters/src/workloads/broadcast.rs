//! `broadcast` (spec section 4.3, Glomers challenges 3a-3e): a grow-only set of JSON values,
//! replicated by delta gossip (see [`crate::gossip`] and docs/broadcast.md).
//!
//! - `broadcast {message}` inserts `message` into the local [`GSet`] through the sync engine and
//!   answers `broadcast_ok` at once: the engine, not the client, waits for the neighbours.
//! - `read` answers `messages` from the local set only, so it stays available in a partition.
//! - `topology` is answered `topology_ok`; it sets the neighbours only under
//!   `--topology maelstrom`, because the test's default grid is a poor graph for gossip (spec
//!   section 9: eight hops across a 5×5 grid).
//!
//! Values keep their exact JSON type ([`JsonElement`]): `1`, `1.0` and `"1"` are three
//! elements (spec section 1.2).

use std::collections::HashMap;

use glomer_crdt::GSet;
use serde::Deserialize;
use serde_json::Value;

use crate::flags::FromFlags;
use crate::gossip::{self, Gossip, GossipFlags, JsonElement};
use crate::protocol::{Body, Error, Message};
use crate::request::{self, Request};
use crate::workload::{Context, Workload};

/// The requests `broadcast` serves (peer gossip is handled before these are parsed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BroadcastRequest {
    /// Add `message` to the set.
    Broadcast {
        /// Any JSON value.
        message: Value,
    },
    /// Return every value this node holds.
    Read,
    /// The test's suggested neighbours: node id to neighbour ids.
    Topology {
        /// The neighbour lists.
        topology: HashMap<String, Vec<String>>,
    },
}

impl Request for BroadcastRequest {
    const KINDS: &'static [&'static str] = &["broadcast", "read", "topology"];
}

/// Flags of `glomer-broadcast`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "glomer-broadcast",
    about = "Maelstrom broadcast node: a grow-only set replicated by delta gossip",
    after_help = "Presets (explicit flags override them):\n  \
        latency   total topology, send at once, piggybacked acks (ack delay 2 s, retransmit 3 s)\n  \
        balanced  star, leaves send at once, the hub batches per 100 ms (ack delay 1 s, retransmit 2 s)\n  \
        frugal    star, everyone batches per 400 ms (ack delay 2 s, retransmit 3 s)"
)]
pub struct BroadcastFlags {
    /// How the set is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The broadcast workload.
#[derive(Debug)]
pub struct Broadcast {
    set: Gossip<GSet<JsonElement>>,
}

impl FromFlags for Broadcast {
    type Flags = BroadcastFlags;

    fn from_flags(flags: BroadcastFlags) -> Self {
        Self { set: Gossip::new(flags.gossip.config()) }
    }
}

impl Broadcast {
    /// The replicated set, for inspection.
    pub fn set(&self) -> &Gossip<GSet<JsonElement>> {
        &self.set
    }
}

impl Workload for Broadcast {
    fn on_init(&mut self, ctx: &mut Context) {
        self.set.on_init(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        if gossip::is_gossip(&msg) {
            self.set.on_gossip(ctx, msg);
            return Ok(());
        }
        match request::parse(&msg)? {
            BroadcastRequest::Broadcast { message } => {
                self.set.mutate(ctx, |set| set.insert(JsonElement(message)));
                ctx.reply(&msg, Body::new("broadcast_ok"));
            }
            BroadcastRequest::Read => {
                let messages: Vec<Value> = self.set.state().iter().map(|element| element.0.clone()).collect();
                ctx.reply(&msg, Body::new("read_ok").with("messages", messages));
            }
            BroadcastRequest::Topology { topology } => {
                self.set.on_topology(ctx, &topology);
                ctx.reply(&msg, Body::new("topology_ok"));
            }
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Context, token: u64) {
        self.set.on_timer(ctx, token);
    }
}
