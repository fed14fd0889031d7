//! The challenge-4 g-counter as the Fly.io page asks for it: stateless nodes that keep the
//! count in Maelstrom's `seq-kv` service (`glomer-g-counter --store seq-kv`).
//!
//! seq-kv is sequentially consistent, not linearizable (Maelstrom's
//! [services](https://github.com/jepsen-io/maelstrom/blob/main/doc/services.md)): a request may be
//! judged against a stale state, but each caller's view only moves forward and jumps to the
//! newest state on every successful mutation it makes. The scheme leans on exactly that:
//!
//! - **add**: each node owns the key `g-counter/<node id>`, which only it writes. It reads the
//!   key and compare-and-sets it to `value + delta` (creating it if missing). A stale read, or
//!   a concurrent add on the same node, makes the `cas` fail with 22 (or 20), and the add
//!   retries from a fresh read; a success moves the node's view to the newest state.
//! - **read**: the node first writes a value unique to this process to its scratch key
//!   `g-counter-sync/<node id>`. A unique value changes any state it is judged against, so
//!   seq-kv re-evaluates it on the newest state and the node's view jumps there. It then reads
//!   every node's key (at or after that state) and answers the sum. Once the adds have stopped,
//!   as before Maelstrom's final reads, that sum is exact.
//!
//! An add whose `cas` timed out may or may not have happened, so it is answered with error 13
//! (crash, indefinite); every other failure certainly changed nothing and gets error 11.

use std::collections::HashMap;

use serde_json::Value;

use super::counter::CounterReply;
use crate::protocol::{Error, ErrorCode, Message};
use crate::services::{self, Cas, Kv, KvError};
use crate::workload::{CallId, Context, RpcError};

/// How long one seq-kv call may take. Service traffic gets the test's latency both ways, so this allows for `--latency` up to several hundred ms.
pub const CALL_TIMEOUT_MS: u64 = 2_000;

/// Read-then-cas rounds one add may take before giving up. Only adds on the same node race
/// for its key, and a worker has one op in flight at a time, so a handful suffices; the bound
/// keeps a misbehaving service from looping a request forever.
pub const ADD_ATTEMPTS_MAX: u32 = 32;

/// What a pending seq-kv call is for.
#[derive(Debug)]
enum Step {
    /// The read of an add's own key.
    AddRead { request: Message, delta: i64, attempt: u32 },
    /// The compare-and-set of an add.
    AddCas { request: Message, delta: i64, attempt: u32 },
    /// The scratch write that moves a read's view to the newest state.
    ReadSync { read: u64 },
    /// The read of one node's key for a read.
    ReadKey { read: u64 },
}

/// A client `read` being answered: the sum so far and the keys still to come.
#[derive(Debug)]
struct PendingRead {
    request: Message,
    remaining: usize,
    sum: i64,
}

/// The stateless seq-kv counter: all it keeps are the steps of requests in flight.
#[derive(Debug, Default)]
pub struct SeqKvCounter {
    steps: HashMap<CallId, Step>,
    reads: HashMap<u64, PendingRead>,
    next_read: u64,
}

fn count_key(node: &str) -> String {
    format!("g-counter/{node}")
}

impl SeqKvCounter {
    /// Starts an add of `delta` answering `request`.
    pub fn add(&mut self, ctx: &mut Context, request: Message, delta: i64) {
        self.start_add(ctx, request, delta, 1);
    }

    /// Starts a read answering `request`.
    pub fn read(&mut self, ctx: &mut Context, request: Message) {
        self.next_read += 1;
        let read = self.next_read;
        // Unique within this process: node id, time and a counter.
        let unique = format!("{}-{}-{read}", ctx.node_id(), ctx.now_ms());
        let scratch = format!("g-counter-sync/{}", ctx.node_id());
        let call = Kv::Seq.write(ctx, scratch, unique, CALL_TIMEOUT_MS);
        self.steps.insert(call, Step::ReadSync { read });
        self.reads.insert(read, PendingRead { request, remaining: ctx.node_ids().len(), sum: 0 });
    }

    /// Continues whichever request `call` belonged to.
    pub fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        match self.steps.remove(&call) {
            Some(Step::AddRead { request, delta, attempt }) => match services::decode_read(reply) {
                Ok(value) => self.cas(ctx, request, delta, attempt, value),
                Err(KvError::KeyDoesNotExist) => self.cas(ctx, request, delta, attempt, Value::from(0)),
                Err(err) => fail(ctx, &request, ErrorCode::TemporarilyUnavailable, &err),
            },
            Some(Step::AddCas { request, delta, attempt }) => match services::decode_cas(reply) {
                Ok(()) => ctx.reply(&request, CounterReply::AddOk),
                Err(KvError::PreconditionFailed(_) | KvError::KeyDoesNotExist) if attempt < ADD_ATTEMPTS_MAX => {
                    self.start_add(ctx, request, delta, attempt + 1);
                }
                Err(err) if err.is_definite() => fail(ctx, &request, ErrorCode::TemporarilyUnavailable, &err),
                Err(err) => fail(ctx, &request, ErrorCode::Crash, &err),
            },
            Some(Step::ReadSync { read }) => match services::decode_write(reply) {
                Ok(()) => self.read_every_key(ctx, read),
                Err(err) => self.fail_read(ctx, read, &err),
            },
            Some(Step::ReadKey { read }) => match services::decode_read(reply) {
                Ok(value) => self.add_to_read(ctx, read, value.as_i64().unwrap_or(0)),
                Err(KvError::KeyDoesNotExist) => self.add_to_read(ctx, read, 0),
                Err(err) => self.fail_read(ctx, read, &err),
            },
            None => tracing::debug!(?call, "reply to a call no request is waiting for"),
        }
    }

    fn start_add(&mut self, ctx: &mut Context, request: Message, delta: i64, attempt: u32) {
        let call = Kv::Seq.read(ctx, count_key(ctx.node_id()), CALL_TIMEOUT_MS);
        self.steps.insert(call, Step::AddRead { request, delta, attempt });
    }

    fn cas(&mut self, ctx: &mut Context, request: Message, delta: i64, attempt: u32, current: Value) {
        let Some(to) = current.as_i64().and_then(|v| v.checked_add(delta)) else {
            let err =
                Error::new(ErrorCode::TemporarilyUnavailable, format!("counter value {current} cannot take {delta}"));
            ctx.reply_error(&request, &err);
            return;
        };
        let cas = Cas { from: current, to: Value::from(to), create_if_not_exists: true };
        let call = Kv::Seq.cas(ctx, count_key(ctx.node_id()), cas, CALL_TIMEOUT_MS);
        self.steps.insert(call, Step::AddCas { request, delta, attempt });
    }

    fn read_every_key(&mut self, ctx: &mut Context, read: u64) {
        for node in ctx.node_ids().to_vec() {
            let call = Kv::Seq.read(ctx, count_key(&node), CALL_TIMEOUT_MS);
            self.steps.insert(call, Step::ReadKey { read });
        }
    }

    fn add_to_read(&mut self, ctx: &mut Context, read: u64, value: i64) {
        let Some(pending) = self.reads.get_mut(&read) else { return };
        pending.sum = pending.sum.saturating_add(value);
        pending.remaining = pending.remaining.saturating_sub(1);
        if pending.remaining == 0 {
            if let Some(done) = self.reads.remove(&read) {
                ctx.reply(&done.request, CounterReply::ReadOk { value: done.sum });
            }
        }
    }

    fn fail_read(&mut self, ctx: &mut Context, read: u64, err: &KvError) {
        // The first failure answers; replies for the read's other keys then find no entry.
        if let Some(done) = self.reads.remove(&read) {
            fail(ctx, &done.request, ErrorCode::TemporarilyUnavailable, err);
        }
    }
}

fn fail(ctx: &mut Context, request: &Message, code: ErrorCode, err: &KvError) {
    ctx.reply_error(request, &Error::new(code, format!("seq-kv: {err}")));
}
