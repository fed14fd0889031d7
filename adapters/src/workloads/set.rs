//! `broadcast` (Glomers challenges 3a-3e) and `g-set`: one grow-only set of JSON values,
//! replicated by delta gossip (see [`crate::replicated`] and docs/broadcast.md), under each
//! workload's request names ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md)).
//!
//! - An add (`broadcast {message}`, `add {element}`) inserts into the local [`GSet`] through
//!   the sync engine and is answered at once: the engine, not the client, waits for the
//!   neighbours.
//! - `read` answers from the local set only, so it stays available in a partition.
//! - `topology` (broadcast) is answered by [`crate::replicated::Replicated`]; it sets the
//!   neighbours only under `--topology maelstrom`, because the test's default grid is a poor
//!   graph for gossip (eight hops across a 5×5 grid; docs/broadcast.md).
//!
//! Values keep their exact JSON type ([`JsonElement`]): `1`, `1.0` and `"1"` are three
//! elements.

use std::marker::PhantomData;

use glomer_crdt::GSet;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::adaptive::Adaptive;
use crate::flags::FromFlags;
use crate::gossip_config::GossipFlags;
use crate::json_element::JsonElement;
use crate::protocol::{Error, Message};
use crate::replicated::{Crdt, Replica, Replicated};
use crate::workload::Context;

/// What a set workload's requests ask for, whatever the workload calls them.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOp {
    /// Add a value.
    Add(Value),
    /// Return every value held.
    Read,
}

/// What a set workload answers, before it is given the workload's names.
#[derive(Debug, Clone, PartialEq)]
pub enum SetReply<'a> {
    /// The value was added.
    Added,
    /// Every value held.
    Read(Vec<&'a Value>),
}

/// One set workload's names: its requests and its replies, both serde types.
pub trait SetNames {
    /// The requests, a serde enum tagged by `type`.
    type Request: DeserializeOwned + Into<SetOp>;
    /// The replies, a serde enum tagged by `type`.
    type Reply<'a>: Serialize + From<SetReply<'a>>;
}

/// The grow-only set node, under the names `N`.
#[derive(Debug, Default)]
pub struct GrowSet<N>(PhantomData<N>);

impl<N: SetNames> Crdt for GrowSet<N> {
    type State = GSet<JsonElement>;
    type Request = N::Request;

    fn on_request(
        &mut self,
        replica: &mut Replica<Self::State>,
        ctx: &mut Context,
        msg: Message,
        request: N::Request,
    ) -> Result<(), Error> {
        match request.into() {
            SetOp::Add(value) => {
                replica.mutate(ctx, |set| set.insert(JsonElement(value)));
                ctx.reply(&msg, N::Reply::from(SetReply::Added));
            }
            SetOp::Read => {
                let values = replica.state().iter().map(|element| &element.0).collect();
                ctx.reply(&msg, N::Reply::from(SetReply::Read(values)));
            }
        }
        Ok(())
    }
}

/// `broadcast`'s names.
#[derive(Debug)]
pub enum BroadcastNames {}

/// The requests `broadcast` serves besides `topology`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastRequest {
    /// Add `message` to the set.
    Broadcast {
        /// Any JSON value.
        message: Value,
    },
    /// Return every value this node holds.
    Read,
}

/// `broadcast`'s replies.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BroadcastReply<'a> {
    /// The value was added.
    BroadcastOk,
    /// Every value held.
    ReadOk {
        /// The values.
        messages: Vec<&'a Value>,
    },
}

impl From<BroadcastRequest> for SetOp {
    fn from(request: BroadcastRequest) -> Self {
        match request {
            BroadcastRequest::Broadcast { message } => SetOp::Add(message),
            BroadcastRequest::Read => SetOp::Read,
        }
    }
}

impl<'a> From<SetReply<'a>> for BroadcastReply<'a> {
    fn from(reply: SetReply<'a>) -> Self {
        match reply {
            SetReply::Added => BroadcastReply::BroadcastOk,
            SetReply::Read(messages) => BroadcastReply::ReadOk { messages },
        }
    }
}

impl SetNames for BroadcastNames {
    type Request = BroadcastRequest;
    type Reply<'a> = BroadcastReply<'a>;
}

/// `g-set`'s names. `read` answers `value` (not `elements`, which the prose documentation
/// says; the schema and Maelstrom's client use `value`).
#[derive(Debug)]
pub enum GSetNames {}

/// The requests `g-set` serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GSetRequest {
    /// Add `element` to the set.
    Add {
        /// Any JSON value.
        element: Value,
    },
    /// Return every element this node holds.
    Read,
}

/// `g-set`'s replies.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GSetReply<'a> {
    /// The element was added.
    AddOk,
    /// Every element held.
    ReadOk {
        /// The elements.
        value: Vec<&'a Value>,
    },
}

impl From<GSetRequest> for SetOp {
    fn from(request: GSetRequest) -> Self {
        match request {
            GSetRequest::Add { element } => SetOp::Add(element),
            GSetRequest::Read => SetOp::Read,
        }
    }
}

impl<'a> From<SetReply<'a>> for GSetReply<'a> {
    fn from(reply: SetReply<'a>) -> Self {
        match reply {
            SetReply::Added => GSetReply::AddOk,
            SetReply::Read(value) => GSetReply::ReadOk { value },
        }
    }
}

impl SetNames for GSetNames {
    type Request = GSetRequest;
    type Reply<'a> = GSetReply<'a>;
}

/// The broadcast workload (its batch interval adapts under `--preset adaptive`).
pub type Broadcast = Adaptive<GrowSet<BroadcastNames>>;

/// The g-set workload (its batch interval adapts under `--preset adaptive`).
pub type GSetNode = Adaptive<GrowSet<GSetNames>>;

/// Flags of `glomer-broadcast`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "glomer-broadcast",
    about = "Maelstrom broadcast node: a grow-only set replicated by delta gossip",
    after_help = "Presets (explicit flags override them):\n  \
        latency   total topology, send at once, piggybacked acks (ack delay 2 s, retransmit 3 s)\n  \
        balanced  star, leaves send at once, the hub batches per 100 ms (ack delay 1 s, retransmit 2 s)\n  \
        frugal    star, everyone batches per 400 ms (ack delay 2 s, retransmit 3 s)\n  \
        adaptive  star (total below a 220 ms target), the batching node tunes its interval to --latency-target-ms"
)]
pub struct BroadcastFlags {
    /// How the set is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

impl FromFlags for Broadcast {
    type Flags = BroadcastFlags;

    fn from_flags(flags: BroadcastFlags) -> Self {
        let config = flags.gossip.config();
        Adaptive::new(Replicated::new(GrowSet(PhantomData), config.clone()), config.controller())
    }
}

/// Flags of `glomer-g-set`: the shared gossip flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-g-set", about = "Maelstrom g-set node: a grow-only set replicated by delta gossip")]
pub struct GSetFlags {
    /// How the set is replicated.
    #[command(flatten)]
    pub gossip: GossipFlags,
}

impl FromFlags for GSetNode {
    type Flags = GSetFlags;

    fn from_flags(flags: GSetFlags) -> Self {
        let config = flags.gossip.config();
        Adaptive::new(Replicated::new(GrowSet(PhantomData), config.clone()), config.controller())
    }
}
