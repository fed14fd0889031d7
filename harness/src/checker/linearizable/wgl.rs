//! The Wing & Gong linearizability search with Lowe's memoisation, as Porcupine runs it
//! (Lowe, "Testing for linearizability", 2017; github.com/anishathalye/porcupine), on
//! Knossos's compare-and-set register (knossos/model.clj `cas-register`).
//!
//! The history of one key is a list of call and return events in history order. The search
//! walks it: at a call it tries to linearize that op now (if the model allows it) and restarts
//! from the head of the list without the op's two events; at a return of an op not yet
//! linearized it backtracks, since that op had to take effect before it returned. A
//! configuration (which ops are linearized, register value) seen before is not explored again,
//! which is what keeps the search near-linear on histories of a few concurrent processes.
//!
//! `:info` ops have a call and no return: they may take effect at any point after their call,
//! or never (Knossos's reading of an indeterminate op). The search succeeds once every `:ok`
//! op is linearized.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A register value, interned; [`NULL`] is the initial value (a missing key).
pub(crate) type Value = u32;

/// The register's initial value, JSON `null`.
pub(crate) const NULL: Value = 0;

/// What one op does to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// Observed this value; a read of `null` matches any state (Knossos `cas-register`).
    Read(Value),
    /// Set the value.
    Write(Value),
    /// Set the second value if the register holds the first.
    Cas(Value, Value),
}

impl Call {
    /// The register after this op, or `None` if the op cannot happen in `state`.
    pub(crate) fn step(self, state: Value) -> Option<Value> {
        match self {
            Call::Read(v) => (v == NULL || v == state).then_some(state),
            Call::Write(v) => Some(v),
            Call::Cas(from, to) => (from == state).then_some(to),
        }
    }
}

/// One op of a key's history: what it does and where its records sit in the history.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyOp {
    /// The op.
    pub call: Call,
    /// Position of the invocation.
    pub invoked: usize,
    /// Position of the `:ok` completion; `None` for an `:info` op.
    pub returned: Option<usize>,
}

/// Memory the memo table of one key may use before the search gives up with `:unknown`. An
/// entry costs about 64 bytes on histories of a few concurrent processes (see [`Config`]), so
/// this is some four million configurations: far more than such a history needs (docs/checkers.md
/// has the figures), and small enough for several keys checked in parallel on a laptop.
pub(crate) const MEMO_BYTES_MAX: usize = 256 << 20;

/// Bytes a hash-set slot costs beyond the entry itself (control byte, load factor), roughly.
const MEMO_SLOT_OVERHEAD_BYTES: usize = 16;

/// The verdict of the search for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Some order of the ops explains every result.
    Linearizable,
    /// No order does. `op` is the op whose return the search could never get past, the
    /// furthest into the history; `states` are the register values it found possible there.
    Violation {
        /// Index into the key's ops.
        op: usize,
        /// Register values the search reached with `op` pending at its return.
        states: Vec<Value>,
    },
    /// The memo table outgrew [`MEMO_BYTES_MAX`].
    GaveUp,
}

/// A memoised configuration: the linearized ops and the register value. The set is stored
/// compactly: every op below word `low` is linearized, none above the stored words is, so an
/// entry holds only the words around the frontier of the history, not a bit per op. Hashed by
/// a Zobrist hash of the set, kept up to date as bits flip, so a lookup does not rehash it.
#[derive(Clone, Eq)]
struct Config {
    zobrist: u64,
    state: Value,
    low: u32,
    words: Box<[u64]>,
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        (self.zobrist, self.state, self.low) == (other.zobrist, other.state, other.low) && self.words == other.words
    }
}

impl Hash for Config {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.zobrist ^ u64::from(self.state).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
}

/// The linearized ops of the branch being explored: every word below `low` is full, every
/// word above `top` empty.
struct Linearized {
    bits: Vec<u64>,
    low: usize,
    top: usize,
    zobrist: u64,
}

impl Linearized {
    fn new(ops: usize) -> Self {
        Linearized { bits: vec![0; ops.div_ceil(64).max(1)], low: 0, top: 0, zobrist: 0 }
    }

    fn flip(&mut self, op: usize, key: u64) {
        let word = op / 64;
        self.bits[word] ^= 1 << (op % 64);
        self.zobrist ^= key;
        if self.bits[word] & (1 << (op % 64)) != 0 {
            self.top = self.top.max(word);
            while self.bits.get(self.low) == Some(&u64::MAX) {
                self.low += 1;
            }
        } else {
            self.low = self.low.min(word);
            while self.top > 0 && self.bits[self.top] == 0 {
                self.top -= 1;
            }
        }
    }

    fn config(&self, state: Value) -> Config {
        let words = self.bits.get(self.low..=self.top).unwrap_or_default().into();
        Config { zobrist: self.zobrist, state, low: self.low as u32, words }
    }
}

/// The event list: calls and returns in history order, doubly linked so that an op's two
/// events can be lifted out and put back in O(1) (Knuth's dancing links).
struct Events {
    /// Op index of each event.
    op: Vec<usize>,
    /// Whether each event is a call.
    is_call: Vec<bool>,
    next: Vec<usize>,
    prev: Vec<usize>,
    /// Event index of each op's return, if it has one.
    ret: Vec<Option<usize>>,
}

/// The list's sentinel: both its head and its end.
const HEAD: usize = 0;

impl Events {
    fn new(ops: &[KeyOp]) -> Self {
        let mut order: Vec<(usize, usize, bool)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            order.push((op.invoked, i, true));
            if let Some(r) = op.returned {
                order.push((r, i, false));
            }
        }
        order.sort_unstable();
        let n = order.len() + 1;
        let mut events = Events {
            op: vec![usize::MAX; n],
            is_call: vec![false; n],
            next: (1..=n).map(|i| i % n).collect(),
            prev: (0..n).map(|i| (i + n - 1) % n).collect(),
            ret: vec![None; ops.len()],
        };
        for (e, (_, op, is_call)) in order.into_iter().enumerate() {
            events.op[e + 1] = op;
            events.is_call[e + 1] = is_call;
            if !is_call {
                events.ret[op] = Some(e + 1);
            }
        }
        events
    }

    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        self.prev[n] = e;
    }

    /// Removes call event `e` and its op's return.
    fn lift(&mut self, e: usize) {
        self.unlink(e);
        if let Some(r) = self.ret[self.op[e]] {
            self.unlink(r);
        }
    }

    /// Undoes [`Events::lift`] (in reverse order, as dancing links requires).
    fn unlift(&mut self, e: usize) {
        if let Some(r) = self.ret[self.op[e]] {
            self.relink(r);
        }
        self.relink(e);
    }
}

/// Searches for a linearization of `ops`, starting from a register holding `initial`.
pub(crate) fn search(ops: &[KeyOp], initial: Value) -> Verdict {
    let mut events = Events::new(ops);
    // Fixed seed: the Zobrist keys only spread the hash; any values would do.
    let mut rng = ChaCha8Rng::seed_from_u64(0x6c69_6e2d_6b76);
    let zobrist_keys: Vec<u64> = (0..ops.len()).map(|_| rng.gen()).collect();
    let ok_total = ops.iter().filter(|o| o.returned.is_some()).count();
    let mut linearized = Linearized::new(ops.len());
    let mut state = initial;
    let mut memo: HashSet<Config> = HashSet::new();
    let mut memo_bytes = 0;
    let mut stack: Vec<(usize, Value)> = Vec::new();
    let mut ok_done = 0;
    let mut furthest: Option<(usize, usize)> = None; // (event, op)
    let mut states_there: Vec<Value> = Vec::new();
    let mut entry = events.next[HEAD];
    while ok_done < ok_total {
        let op = events.op[entry];
        if entry != HEAD && events.is_call[entry] {
            if let Some(after) = ops[op].call.step(state) {
                linearized.flip(op, zobrist_keys[op]);
                let config = linearized.config(after);
                if !memo.contains(&config) {
                    memo_bytes += std::mem::size_of::<Config>() + config.words.len() * 8 + MEMO_SLOT_OVERHEAD_BYTES;
                    if memo_bytes > MEMO_BYTES_MAX {
                        return Verdict::GaveUp;
                    }
                    memo.insert(config);
                    stack.push((entry, state));
                    state = after;
                    events.lift(entry);
                    ok_done += usize::from(ops[op].returned.is_some());
                    entry = events.next[HEAD];
                    continue;
                }
                linearized.flip(op, zobrist_keys[op]);
            }
            entry = events.next[entry];
            continue;
        }
        // A return of an op not yet linearized (or, defensively, the end): a dead end.
        if entry != HEAD {
            match furthest {
                Some((e, _)) if e > entry => {}
                Some((e, _)) if e == entry => states_there.push(state),
                _ => {
                    furthest = Some((entry, op));
                    states_there = vec![state];
                }
            }
        }
        let Some((call, before)) = stack.pop() else {
            states_there.sort_unstable();
            states_there.dedup();
            let op = furthest.map_or(0, |(_, op)| op);
            return Verdict::Violation { op, states: states_there };
        };
        let op = events.op[call];
        linearized.flip(op, zobrist_keys[op]);
        state = before;
        events.unlift(call);
        ok_done -= usize::from(ops[op].returned.is_some());
        entry = events.next[call];
    }
    Verdict::Linearizable
}
