//! `g-counter` (Glomers challenge 4): non-negative adds, in one of two stores chosen by
//! `--store`:
//!
//! - `crdt` (default): a [`glomer_crdt::PNCounter`] replicated by delta gossip; see
//!   [`super::counter`]. No Maelstrom service, reads answered locally.
//! - `seq-kv`: stateless nodes keeping the count in Maelstrom's seq-kv, as the challenge page
//!   asks; see [`super::seq_kv_counter`].
//!
//! A negative delta gets error 12 in both.

use super::counter::{refuse_negative, Counter, CounterRequest};
use super::seq_kv_counter::SeqKvCounter;
use crate::flags::FromFlags;
use crate::gossip_config::GossipFlags;
use crate::protocol::{Error, Message};
use crate::replicated::Replicated;
use crate::request;
use crate::workload::{CallId, Context, RpcError, Timer, Workload};

/// Where the count lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Store {
    /// A PN-Counter CRDT in every node, replicated by delta gossip.
    #[default]
    Crdt,
    /// Maelstrom's seq-kv service; the nodes keep nothing.
    SeqKv,
}

/// Flags of `glomer-g-counter`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-g-counter", about = "Maelstrom g-counter node: a grow-only counter, as a CRDT or in seq-kv")]
pub struct GCounterFlags {
    /// Where the count lives.
    #[arg(long, value_enum, default_value_t = Store::Crdt)]
    pub store: Store,
    /// How the counter is replicated (`--store crdt`).
    #[command(flatten)]
    pub gossip: GossipFlags,
}

/// The g-counter workload.
#[derive(Debug)]
pub enum GCounter {
    /// `--store crdt`.
    Crdt(Box<Replicated<Counter>>),
    /// `--store seq-kv`.
    SeqKv(SeqKvCounter),
}

impl FromFlags for GCounter {
    type Flags = GCounterFlags;

    fn from_flags(flags: GCounterFlags) -> Self {
        match flags.store {
            Store::Crdt => {
                GCounter::Crdt(Box::new(Replicated::new(Counter { grow_only: true }, flags.gossip.config())))
            }
            Store::SeqKv => GCounter::SeqKv(SeqKvCounter::default()),
        }
    }
}

impl Workload for GCounter {
    fn on_init(&mut self, ctx: &mut Context) {
        if let GCounter::Crdt(counter) = self {
            counter.on_init(ctx);
        }
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let store = match self {
            GCounter::Crdt(counter) => return counter.on_message(ctx, msg),
            GCounter::SeqKv(store) => store,
        };
        match request::parse(&msg)? {
            CounterRequest::Add { delta } if delta < 0 => Err(refuse_negative(delta)),
            CounterRequest::Add { delta } => {
                store.add(ctx, msg, delta);
                Ok(())
            }
            CounterRequest::Read => {
                store.read(ctx, msg);
                Ok(())
            }
        }
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        if let GCounter::SeqKv(store) = self {
            store.on_reply(ctx, call, reply);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        if let GCounter::Crdt(counter) = self {
            counter.on_timer(ctx, timer);
        }
    }

    fn commit(&mut self) -> Result<(), Error> {
        match self {
            GCounter::Crdt(counter) => counter.commit(),
            GCounter::SeqKv(_) => Ok(()),
        }
    }
}
