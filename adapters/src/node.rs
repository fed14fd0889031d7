//! The sans-IO node: `init`, dispatch, reply matching, timers and call timeouts around one
//! [`Workload`]. Drivers feed it input and time and carry out what lands in its outbox.

use std::cmp::Reverse;

use crate::name::{Name, Names};
use crate::protocol::{line, Error, ErrorCode, Init, InitOk, Message};
use crate::request;
use crate::workload::{Context, RpcError, Workload};

/// Peer messages kept while waiting for our own `init` (nodes start in parallel, so a peer may
/// talk to us first). Bounded so a misbehaving peer cannot exhaust
/// memory; at Maelstrom's rates a node is initialised within milliseconds of its first peer
/// message, far below this.
pub const PRE_INIT_BUFFER_MAX: usize = 65_536;

/// One Maelstrom node: a workload plus the protocol rules every workload shares.
#[derive(Debug)]
pub struct Node<W> {
    workload: W,
    ctx: Context,
    initialised: bool,
    pre_init: Vec<Message>,
    /// The ids this node has read, so that a known one is not allocated again.
    ids: Names,
}

impl<W: Workload> Node<W> {
    /// A node that has not yet seen `init`.
    pub fn new(workload: W) -> Self {
        Self { workload, ctx: Context::default(), initialised: false, pre_init: Vec::new(), ids: Names::default() }
    }

    /// The workload, for inspection.
    pub fn workload(&self) -> &W {
        &self.workload
    }

    /// Whether `init` has been handled.
    pub fn is_initialised(&self) -> bool {
        self.initialised
    }

    /// This node's id (empty before `init`).
    pub fn node_id(&self) -> &str {
        &self.ctx.node_id
    }

    /// Handles one stdin line. A line that is not a message is logged and skipped.
    pub fn handle_line(&mut self, line: &str, now_ms: u64) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let mut msg = Message::empty();
        match line::decode_into(line, &mut self.ids, &mut msg) {
            Ok(()) => self.handle_message(msg, now_ms),
            Err(err) => tracing::warn!(%err, line = %truncate(line), "skipping input that is not a message"),
        }
    }

    /// Handles one message.
    pub fn handle_message(&mut self, msg: Message, now_ms: u64) {
        self.ctx.now_ms = self.ctx.now_ms.max(now_ms);
        if msg.body.kind == "init" {
            self.handle_init(msg);
            return;
        }
        if !self.initialised {
            self.before_init(msg);
            return;
        }
        self.dispatch(msg);
    }

    /// Fires every timer and call timeout that is due at `now_ms`, earliest first (a timer and a
    /// timeout due at the same millisecond: the timeout first, so a workload that re-arms a
    /// retry timer already knows the call failed).
    ///
    /// Timers set while this tick runs fire at the next tick at the earliest, even with
    /// `after_ms == 0`, so a workload that re-arms a zero-delay timer cannot spin here forever.
    pub fn tick(&mut self, now_ms: u64) {
        self.ctx.now_ms = self.ctx.now_ms.max(now_ms);
        let now = self.ctx.now_ms;
        let timers_set_before = self.ctx.timers_set;
        loop {
            let timeout = self.ctx.call_deadlines.peek().map(|Reverse((deadline, _))| *deadline).filter(|d| *d <= now);
            let timer = self
                .ctx
                .timers
                .peek()
                .filter(|Reverse((due, seq, _))| *due <= now && *seq <= timers_set_before)
                .map(|Reverse((due, _, _))| *due);
            match (timeout, timer) {
                (Some(t), Some(d)) if t <= d => self.fire_call_timeout(),
                (Some(_), None) => self.fire_call_timeout(),
                (_, Some(_)) => self.fire_timer(),
                (None, None) => break,
            }
        }
    }

    fn fire_call_timeout(&mut self) {
        if let Some(Reverse((_, msg_id))) = self.ctx.call_deadlines.pop() {
            // Entries of calls already answered are skipped here (lazy deletion).
            if let Some(pending) = self.ctx.calls.remove(&msg_id) {
                self.workload.on_reply(&mut self.ctx, pending.call, Err(RpcError::Timeout));
            }
        }
    }

    fn fire_timer(&mut self) {
        if let Some(Reverse((_, _, token))) = self.ctx.timers.pop() {
            self.workload.on_timer(&mut self.ctx, token);
        }
    }

    /// The earliest time at which [`Node::tick`] has something to do.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let timer = self.ctx.timers.peek().map(|Reverse((due, _, _))| *due);
        let call = self.ctx.call_deadlines.peek().map(|Reverse((deadline, _))| *deadline);
        match (timer, call) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Takes every message queued for sending, in the order queued.
    pub fn take_outbox(&mut self) -> Vec<Message> {
        self.commit();
        std::mem::take(&mut self.ctx.outbox)
    }

    /// Writes every message queued for sending to `out` as JSON lines, in the order queued:
    /// each message is encoded once, straight into the caller's (reusable) buffer. A message
    /// that cannot be encoded is logged and left out.
    pub fn write_outbox(&mut self, out: &mut Vec<u8>) {
        self.commit();
        // Encoded in place and dropped together: moving each message out first would copy it.
        for msg in &self.ctx.outbox {
            let line_start = out.len();
            match line::encode(msg, out) {
                Ok(()) => out.push(b'\n'),
                Err(err) => {
                    out.truncate(line_start);
                    tracing::error!(%err, dest = %msg.dest, "a message that cannot be encoded; not sent");
                }
            }
        }
        self.ctx.outbox.clear();
    }

    /// Makes the batch durable before any of its output leaves (docs/durability.md). When
    /// that fails, no reply of the batch may claim success: each becomes the error, which is
    /// indefinite (crash, 13), as the mutation may yet survive. Peer gossip still goes out.
    fn commit(&mut self) {
        if self.ctx.outbox.is_empty() {
            // Nothing is acknowledged yet; the next batch with output commits this one too.
            return;
        }
        let Err(err) = self.workload.commit() else { return };
        tracing::error!(%err, "commit failed; answering this batch's requests with the error");
        for msg in &mut self.ctx.outbox {
            if let (Some(in_reply_to), false) = (msg.body.in_reply_to, msg.body.kind == "error") {
                let msg_id = msg.body.msg_id;
                msg.body = err.to_body();
                msg.body.in_reply_to = Some(in_reply_to);
                msg.body.msg_id = msg_id;
            }
        }
    }

    fn handle_init(&mut self, msg: Message) {
        let Init { node_id, node_ids } = match request::parse::<InitRequest>(&msg) {
            Ok(InitRequest::Init(init)) => init,
            Err(err) => return self.reply_error(&msg, &err),
        };
        if self.initialised {
            // A second init would renumber peers under the workload's feet; answer it (the
            // sender waits for init_ok) but keep the first identity.
            tracing::warn!(%node_id, "ignoring repeated init");
            self.ctx.reply(&msg, InitOk {});
            return;
        }
        self.ctx.node_id = self.ids.get(&node_id);
        self.ctx.node_ids = node_ids;
        self.initialised = true;
        self.ctx.reply(&msg, InitOk {});
        self.workload.on_init(&mut self.ctx);
        for early in std::mem::take(&mut self.pre_init) {
            self.dispatch(early);
        }
    }

    fn before_init(&mut self, msg: Message) {
        if msg.from_client() {
            let err = Error::new(ErrorCode::TemporarilyUnavailable, "node not initialised yet");
            self.reply_error(&msg, &err);
        } else if self.pre_init.len() < PRE_INIT_BUFFER_MAX {
            self.pre_init.push(msg);
        } else {
            tracing::warn!(src = %msg.src, "pre-init buffer full; dropping peer message");
        }
    }

    fn dispatch(&mut self, msg: Message) {
        if let Some(in_reply_to) = msg.body.in_reply_to {
            self.dispatch_reply(msg, in_reply_to);
            return;
        }
        // Keep only what an error reply needs, so the message itself moves into the workload.
        let (src, msg_id, is_error) = (msg.src.clone(), msg.body.msg_id, msg.body.kind == "error");
        if let Err(err) = self.workload.on_message(&mut self.ctx, msg) {
            self.send_error(src, msg_id, is_error, &err);
        }
    }

    /// Hands a reply to the call it answers. Our `msg_id`s are unique, so `in_reply_to` names
    /// the call; the sender must also be whom we called, so a confused peer cannot complete
    /// someone else's call.
    fn dispatch_reply(&mut self, msg: Message, in_reply_to: u64) {
        let matched = self.ctx.calls.get(&in_reply_to).is_some_and(|pending| pending.dest == msg.src);
        match if matched { self.ctx.calls.remove(&in_reply_to) } else { None } {
            Some(pending) => {
                let reply =
                    if msg.body.kind == "error" { Err(RpcError::Remote(Error::from_body(&msg.body))) } else { Ok(msg) };
                self.workload.on_reply(&mut self.ctx, pending.call, reply);
            }
            // A reply to a call that already timed out, or to nothing we sent. Answering it
            // could start an endless error ping-pong, so it is dropped.
            None => tracing::debug!(src = %msg.src, in_reply_to, kind = %msg.body.kind, "dropping unmatched reply"),
        }
    }

    fn reply_error(&mut self, request: &Message, err: &Error) {
        self.send_error(request.src.clone(), request.body.msg_id, request.body.kind == "error", err);
    }

    /// Answers with `err` when the request can be answered: it has a `msg_id` and is not itself
    /// an error (answering errors with errors could ping-pong forever).
    fn send_error(&mut self, src: Name, msg_id: Option<u64>, is_error: bool, err: &Error) {
        tracing::debug!(%src, %err, "answering with an error");
        if let (Some(msg_id), false) = (msg_id, is_error) {
            let mut body = err.to_body();
            body.in_reply_to = Some(msg_id);
            body.msg_id = Some(self.ctx.next_msg_id());
            self.ctx.send(src, body);
        }
    }
}

/// `init` as a request, so it is read like every other one (error 12 when malformed).
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum InitRequest {
    Init(Init),
}

/// Lines are logged at most this long, so a huge bad line cannot flood the log.
const LOGGED_LINE_CHARS_MAX: usize = 512;

fn truncate(line: &str) -> &str {
    match line.char_indices().nth(LOGGED_LINE_CHARS_MAX) {
        Some((at, _)) => &line[..at],
        None => line,
    }
}
