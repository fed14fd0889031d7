//! `g-set` (spec section 4.4): a grow-only set of JSON values replicated by delta gossip, the
//! same design as [`super::broadcast`] under g-set's request names.
//!
//! - `add {element}` inserts into the local [`GSet`] through the sync engine and answers
//!   `add_ok` at once.
//! - `read` answers `value` (not `elements`, which the prose documentation says; the schema
//!   and Maelstrom's client use `value`, spec section 10.3) from the local set only.

use glomer_crdt::GSet;
use serde::Deserialize;
use serde_json::Value;

use crate::flags::FromFlags;
use crate::gossip::{self, Gossip, GossipFlags, JsonElement};
use crate::protocol::{Body, Error, Message};
use crate::request::{self, Request};
use crate::workload::{Context, Workload};

/// The requests `g-set` serves (peer gossip is handled before these are parsed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GSetRequest {
    /// Add `element` to the set.
    Add {
        /// Any JSON value.
        element: Value,
    },
    /// Return every element this node holds.
    Read,
}

impl Request for GSetRequest {
    const KINDS: &'static [&'static str] = &["add", "read"];
}

/// Flags of `glomer-g-set`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-g-set", about = "Maelstrom g-set node: a grow-only set replicated by delta gossip")]
pub struct GSetFlags {
    /// How the set is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The g-set workload.
#[derive(Debug)]
pub struct GSetNode {
    set: Gossip<GSet<JsonElement>>,
}

impl FromFlags for GSetNode {
    type Flags = GSetFlags;

    fn from_flags(flags: GSetFlags) -> Self {
        Self { set: Gossip::new(flags.gossip.config()) }
    }
}

impl GSetNode {
    /// The replicated set, for inspection.
    pub fn set(&self) -> &Gossip<GSet<JsonElement>> {
        &self.set
    }
}

impl Workload for GSetNode {
    fn on_init(&mut self, ctx: &mut Context) {
        self.set.on_init(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        if gossip::is_gossip(&msg) {
            self.set.on_gossip(ctx, msg);
            return Ok(());
        }
        match request::parse(&msg)? {
            GSetRequest::Add { element } => {
                self.set.mutate(ctx, |set| set.insert(JsonElement(element)));
                ctx.reply(&msg, Body::new("add_ok"));
            }
            GSetRequest::Read => {
                let value: Vec<Value> = self.set.state().iter().map(|element| element.0.clone()).collect();
                ctx.reply(&msg, Body::new("read_ok").with("value", value));
            }
        }
        Ok(())
    }

    fn on_timer(&mut self, ctx: &mut Context, token: u64) {
        self.set.on_timer(ctx, token);
    }
}
