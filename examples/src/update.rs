//! A read-then-cas retry loop over one of Maelstrom's key-value services, written once.
//!
//! Changing a value kept in `lin-kv` or `seq-kv` safely takes three steps: `read` the current
//! value, `cas` it from what was read to the new value, and, when another writer got there
//! first (error 22, or 20 for a key deleted meanwhile), read again and retry. With the sans-IO
//! [`Workload`](glomer_adapters::Workload) each step is a call whose reply arrives later in
//! `on_reply`, so the loop is a small state machine. [`Updates`] is that machine: a workload
//! says how the value changes and gets one outcome back.
//!
//! ```
//! use glomer_adapters::services::Kv;
//! use glomer_adapters::{Body, CallId, Context, Error, Message, Node, RpcError, Workload};
//! use glomer_examples::update::{Step, Updates};
//! use serde_json::{json, Value};
//!
//! /// Counts `hit` requests in lin-kv's key "hits".
//! struct Hits(Updates<Message>);
//!
//! impl Workload for Hits {
//!     fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
//!         let add_one = |current: Option<&Value>| json!(current.and_then(Value::as_i64).unwrap_or(0) + 1);
//!         self.0.start(ctx, "hits", add_one, msg); // the request is the tag: answered when done
//!         Ok(())
//!     }
//!
//!     fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
//!         match self.0.on_reply(ctx, call, reply) {
//!             Step::Done(request, Ok(_)) => ctx.reply(&request, Body::new("hit_ok")),
//!             Step::Done(request, Err(why)) => {
//!                 ctx.reply(&request, Body::new("error").with("code", 13).with("text", why.to_string()))
//!             }
//!             Step::Pending | Step::NotMine(_) => {}
//!         }
//!     }
//! }
//!
//! let mut node = Node::new(Hits(Updates::new(Kv::Lin, 1_000)));
//! node.handle_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#, 0);
//! node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"hit","msg_id":1}}"#, 1);
//! let read = node.take_outbox().pop().expect("the update's first call");
//! assert_eq!((read.dest.as_str(), &*read.body.kind), ("lin-kv", "read"));
//! ```

use std::collections::HashMap;

use glomer_adapters::services::{self, Cas, Kv, KvError};
use glomer_adapters::{CallId, Context, Message, RpcError};
use serde_json::Value;

/// Read-then-cas rounds one update may take. Each retry means another writer changed the key
/// between our read and our cas; past this many the key is too contended to wait for, and
/// the update fails with the last error rather than looping on.
pub const ATTEMPTS_MAX: u32 = 20;

/// How an update computes the new value from the current one (`None`: the key is missing).
pub type Change = Box<dyn Fn(Option<&Value>) -> Value + Send>;

/// What a reply did to the updates.
#[derive(Debug)]
pub enum Step<T> {
    /// The reply belongs to no update: the workload's own call, handed back untouched.
    NotMine(Result<Message, RpcError>),
    /// An update moved on to its next call.
    Pending,
    /// An update finished: the value it stored, or why it stopped (a timeout or an error reply
    /// of the service; [`KvError::is_definite`] tells whether it may have taken effect).
    Done(T, Result<Value, KvError>),
}

struct Update<T> {
    key: Value,
    change: Change,
    tag: T,
    attempt: u32,
    /// `Some(new value)` once the cas is on its way.
    cas_to: Option<Value>,
}

/// Read-then-cas updates in flight against one service, each tagged with a `T` handed back
/// when it finishes.
pub struct Updates<T> {
    kv: Kv,
    timeout_ms: u64,
    in_flight: HashMap<CallId, Update<T>>,
}

impl<T> Updates<T> {
    /// Updates against `kv`, each call timing out after `timeout_ms`.
    pub fn new(kv: Kv, timeout_ms: u64) -> Self {
        Updates { kv, timeout_ms, in_flight: HashMap::new() }
    }

    /// Starts setting `key` to `change(current value)`; `tag` comes back in [`Step::Done`].
    pub fn start(
        &mut self,
        ctx: &mut Context,
        key: impl Into<Value>,
        change: impl Fn(Option<&Value>) -> Value + Send + 'static,
        tag: T,
    ) {
        let update = Update { key: key.into(), change: Box::new(change), tag, attempt: 1, cas_to: None };
        self.read(ctx, update);
    }

    /// Updates in flight.
    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether no update is in flight.
    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Feeds the reply to `call` (from [`Workload::on_reply`](glomer_adapters::Workload)).
    pub fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) -> Step<T> {
        let Some(mut update) = self.in_flight.remove(&call) else { return Step::NotMine(reply) };
        match update.cas_to.take() {
            None => match services::decode_read(reply) {
                Ok(current) => self.cas(ctx, update, Some(current)),
                Err(KvError::KeyDoesNotExist) => self.cas(ctx, update, None),
                Err(why) => Step::Done(update.tag, Err(why)),
            },
            Some(to) => match services::decode_cas(reply) {
                Ok(()) => Step::Done(update.tag, Ok(to)),
                Err(why @ (KvError::PreconditionFailed(_) | KvError::KeyDoesNotExist))
                    if update.attempt < ATTEMPTS_MAX =>
                {
                    tracing::debug!(%why, attempt = update.attempt, "cas lost a race; reading again");
                    update.attempt += 1;
                    self.read(ctx, update);
                    Step::Pending
                }
                Err(why) => Step::Done(update.tag, Err(why)),
            },
        }
    }

    fn read(&mut self, ctx: &mut Context, update: Update<T>) {
        let call = self.kv.read(ctx, update.key.clone(), self.timeout_ms);
        self.in_flight.insert(call, update);
    }

    /// Sends the cas from `current` (creating the key when it was missing).
    fn cas(&mut self, ctx: &mut Context, mut update: Update<T>, current: Option<Value>) -> Step<T> {
        let to = (update.change)(current.as_ref());
        let cas = Cas {
            from: current.clone().unwrap_or(Value::Null),
            to: to.clone(),
            create_if_not_exists: current.is_none(),
        };
        let call = self.kv.cas(ctx, update.key.clone(), cas, self.timeout_ms);
        update.cas_to = Some(to);
        self.in_flight.insert(call, update);
        Step::Pending
    }
}
