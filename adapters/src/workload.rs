//! The sans-IO workload interface: what one Maelstrom node does, with no I/O and no clock.
//!
//! A [`Workload`] sees `init`, each message, replies to its own calls and its timers, and acts
//! only through a [`Context`]. The real-time runtime ([`crate::runtime`]) and the harness's
//! virtual-time simulator drive the very same code through [`crate::node::Node`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::name::Name;
use crate::protocol::{Body, Error, Message};

/// Identifies one outgoing RPC made with [`Context::call`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// Why an RPC made with [`Context::call`] produced no success reply.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RpcError {
    /// No reply arrived before the call's timeout.
    #[error("timed out")]
    Timeout,
    /// The callee answered with an error body.
    #[error("remote error: {0}")]
    Remote(Error),
}

/// What a timer set with [`Context::set_timer`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// The replicated state's next sync deadline ([`crate::replicated::Replicated`]'s own).
    Sync,
    /// A workload's own timer, numbered as the workload likes.
    Token(u64),
}

/// One node's behaviour in one Maelstrom workload.
pub trait Workload {
    /// Called once, right after `init` was answered; node ids are available in `ctx`.
    fn on_init(&mut self, ctx: &mut Context) {
        let _ = ctx;
    }

    /// A request from a client or a message from a peer (never a reply to one of our calls).
    ///
    /// Returning an error makes the node answer the request with that error body, when the
    /// request carried a `msg_id`.
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error>;

    /// The outcome of a call made with [`Context::call`]: the reply, or why there was none.
    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        let _ = (ctx, call, reply);
    }

    /// A timer set with [`Context::set_timer`] is due.
    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        let _ = (ctx, timer);
    }

    /// Makes what this batch of events acknowledges durable; the node calls it before any of
    /// the batch's output leaves. An error turns the batch's replies into that error (a node
    /// without a data directory has nothing to do).
    fn commit(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl<W: Workload + ?Sized> Workload for Box<W> {
    fn on_init(&mut self, ctx: &mut Context) {
        (**self).on_init(ctx)
    }
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        (**self).on_message(ctx, msg)
    }
    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        (**self).on_reply(ctx, call, reply)
    }
    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        (**self).on_timer(ctx, timer)
    }
    fn commit(&mut self) -> Result<(), Error> {
        (**self).commit()
    }
}

/// Calls in flight at most. At the highest request rate of the Glomers challenges (about 1,000
/// ops/s, see docs/maelstrom.md) and a 5 s client timeout, a node that makes even ten calls per op has well under
/// 65,536 in flight; beyond that a workload is leaking calls, and failing them is safer than
/// growing without bound.
pub const PENDING_CALLS_MAX: usize = 65_536;

/// A pending outgoing call.
#[derive(Debug, Clone)]
pub(crate) struct PendingCall {
    pub(crate) call: CallId,
    /// Who was called: only a reply from there counts.
    pub(crate) dest: Name,
}

/// Everything a workload may do: know who it is and what time it is, send, reply, call, and
/// set timers. Effects are queued and carried out by whoever drives the node.
#[derive(Debug, Default)]
pub struct Context {
    pub(crate) node_id: Name,
    pub(crate) node_ids: Vec<String>,
    pub(crate) now_ms: u64,
    pub(crate) next_msg_id: u64,
    pub(crate) outbox: Vec<Message>,
    /// Due time, insertion order (so equal due times fire in the order set), timer.
    pub(crate) timers: BinaryHeap<Reverse<(u64, u64, Timer)>>,
    pub(crate) timers_set: u64,
    /// Pending calls by the `msg_id` of their request.
    pub(crate) calls: HashMap<u64, PendingCall>,
    /// Call deadlines, earliest first: (deadline, msg_id). Entries of answered calls are
    /// skipped lazily.
    pub(crate) call_deadlines: BinaryHeap<Reverse<(u64, u64)>>,
    pub(crate) next_call: u64,
}

impl Context {
    /// This node's id, as given by `init` (empty before it).
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Every node id of the test, in the test's order, this node included.
    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// The current time in milliseconds, on the driver's clock (monotonic; origin unspecified).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// A fresh `msg_id`: 1, 2, 3, … (never 0, which some client libraries read as "none").
    pub fn next_msg_id(&mut self) -> u64 {
        self.next_msg_id += 1;
        self.next_msg_id
    }

    /// Sends `body` to `dest` as is (no `msg_id` is added), fire and forget.
    #[inline]
    pub fn send(&mut self, dest: impl Into<Name>, body: Body) {
        self.outbox.push(Message { src: self.node_id.clone(), dest: dest.into(), body });
    }

    /// Answers `request` with `reply`, a serde type whose `type` tag names the reply (a
    /// [`Body`] serves too), setting `in_reply_to` from the request's `msg_id`.
    ///
    /// A request without a `msg_id` gets no reply: its sender could not match one to it, and a
    /// stray message to a client that already left would only add noise (Maelstrom's
    /// [protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).
    pub fn reply(&mut self, request: &Message, reply: impl Serialize) {
        match Body::from_serialize(&reply) {
            Ok(body) => self.reply_body(request, body),
            Err(err) => tracing::error!(%err, src = %request.src, "a reply that is not a message body; not sent"),
        }
    }

    /// Answers `request` with a body built by hand (an error body, say); see [`Context::reply`].
    #[inline]
    pub fn reply_body(&mut self, request: &Message, mut body: Body) {
        let Some(msg_id) = request.body.msg_id else {
            tracing::debug!(src = %request.src, kind = %body.kind, "not replying to a request without msg_id");
            return;
        };
        body.in_reply_to = Some(msg_id);
        body.msg_id = Some(self.next_msg_id());
        self.send(request.src.clone(), body);
    }

    /// Answers `request` with `err` (error 10, 12, ... with its text).
    pub fn reply_error(&mut self, request: &Message, err: &Error) {
        self.reply_body(request, err.to_body());
    }

    /// Sends `body` as a request to `dest`; its reply (or a timeout after `timeout_ms`) comes
    /// back through [`Workload::on_reply`] with the returned id.
    ///
    /// With [`PENDING_CALLS_MAX`] calls already in flight the request is not sent and the call
    /// times out at the next tick: a definite, visible failure instead of unbounded memory.
    pub fn call(&mut self, dest: &str, mut body: Body, timeout_ms: u64) -> CallId {
        let msg_id = self.next_msg_id();
        body.msg_id = Some(msg_id);
        self.next_call += 1;
        let call = CallId(self.next_call);
        let overloaded = self.calls.len() >= PENDING_CALLS_MAX;
        let deadline_ms = if overloaded { self.now_ms } else { self.now_ms.saturating_add(timeout_ms) };
        let dest = Name::new(dest);
        self.calls.insert(msg_id, PendingCall { call, dest: dest.clone() });
        self.push_call_deadline(deadline_ms, msg_id);
        if overloaded {
            tracing::warn!(%dest, "too many calls in flight; failing this one as a timeout");
        } else {
            self.send(dest, body);
        }
        call
    }

    /// Records a call's deadline; answered calls leave stale entries, swept when they would
    /// outnumber the live ones too far.
    fn push_call_deadline(&mut self, deadline_ms: u64, msg_id: u64) {
        if self.call_deadlines.len() >= 2 * PENDING_CALLS_MAX {
            let calls = &self.calls;
            self.call_deadlines.retain(|Reverse((_, id))| calls.contains_key(id));
        }
        self.call_deadlines.push(Reverse((deadline_ms, msg_id)));
    }

    /// Asks for [`Workload::on_timer`] with `timer` after `after_ms` milliseconds.
    pub fn set_timer(&mut self, after_ms: u64, timer: Timer) {
        self.timers_set += 1;
        let due = self.now_ms.saturating_add(after_ms);
        self.timers.push(Reverse((due, self.timers_set, timer)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_beyond_the_bound_are_not_sent_and_fail_at_once() {
        let mut ctx = Context { now_ms: 5, ..Context::default() };
        for _ in 0..PENDING_CALLS_MAX {
            ctx.call("lin-kv", Body::new("read"), 1_000);
        }
        assert_eq!(ctx.outbox.len(), PENDING_CALLS_MAX);
        ctx.call("lin-kv", Body::new("read"), 1_000);
        assert_eq!(ctx.outbox.len(), PENDING_CALLS_MAX, "the call over the bound is not sent");
        assert_eq!(ctx.call_deadlines.peek(), Some(&Reverse((5, PENDING_CALLS_MAX as u64 + 1))));
    }

    #[test]
    fn stale_deadlines_of_answered_calls_are_swept() {
        let mut ctx = Context::default();
        for _ in 0..2 * PENDING_CALLS_MAX + 1 {
            ctx.call("lin-kv", Body::new("read"), 1_000);
            ctx.calls.clear();
        }
        assert!(ctx.call_deadlines.len() <= 2, "{}", ctx.call_deadlines.len());
    }
}
