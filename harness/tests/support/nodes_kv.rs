//! Test nodes for lin-kv and txn-list-append, correct and deliberately faulty, built by name
//! through [`super::build`] (in-process under the sim executor, or as `test_node BEHAVIOUR`).

use std::collections::{BTreeMap, HashMap};

use glomer_adapters::services::Kv;
use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::{Body, CallId, Context, Error, ErrorCode, Message, RpcError, Workload};
use serde_json::{json, Value};

/// The behaviours of this file by name.
pub fn build(name: &str) -> Option<BoxedWorkload> {
    let kv = |fault| -> BoxedWorkload { Box::new(KvNode { fault, map: BTreeMap::new(), writes: 0 }) };
    Some(match name {
        "lin-kv" => kv(KvFault::None),
        "lin-kv-stale-reads" => kv(KvFault::StaleReads),
        "lin-kv-lost-writes" => kv(KvFault::LostWrites),
        "lin-kv-cas-ignores-from" => kv(KvFault::CasIgnoresFrom),
        "lin-kv-proxy" => Box::new(KvProxy::default()),
        "list-append" => Box::new(ListNode::new(ListFault::None)),
        "list-append-aborts-applied" => Box::new(ListNode::new(ListFault::AbortAfterApplying)),
        "list-append-drops-final-append" => Box::new(ListNode::new(ListFault::DropFinalAppend)),
        "list-append-reorders-blind" => Box::new(ListNode::new(ListFault::ReorderWhenBlind)),
        "list-append-reorders-reading" => Box::new(ListNode::new(ListFault::ReorderWhenReading)),
        "list-append-stale-reads" => Box::new(ListNode::new(ListFault::HidePrevious)),
        "list-append-write-skew" => Box::new(ListNode::new(ListFault::HidePreviousElsewhere)),
        "list-append-duplicates" => Box::new(ListNode::new(ListFault::Duplicate)),
        "list-append-swaps" => Box::new(ListNode::new(ListFault::SwapLastTwo)),
        "list-append-misses-own" => Box::new(ListNode::new(ListFault::MissOwnAppends)),
        _ => return None,
    })
}

/// How a [`KvNode`] misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvFault {
    /// A correct single-copy store.
    None,
    /// Reads answer the value before the latest write of the key.
    StaleReads,
    /// Every third write is acknowledged and forgotten.
    LostWrites,
    /// A cas succeeds whatever the key holds.
    CasIgnoresFrom,
}

/// One register per key: the current value and the one before it.
#[derive(Debug)]
pub struct KvNode {
    fault: KvFault,
    map: BTreeMap<String, (Value, Value)>,
    writes: u64,
}

impl KvNode {
    fn write(&mut self, key: String, value: Value) {
        self.writes += 1;
        if self.fault == KvFault::LostWrites && self.writes.is_multiple_of(3) {
            return;
        }
        let entry = self.map.entry(key).or_insert((Value::Null, Value::Null));
        *entry = (value, entry.0.clone());
    }
}

impl Workload for KvNode {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let field = |name: &str| msg.body.get(name).cloned().unwrap_or(Value::Null);
        let key = field("key").to_string();
        let missing = || Error::new(ErrorCode::KeyDoesNotExist, "key does not exist");
        let reply = match &*msg.body.kind {
            "read" => {
                let (now, before) = self.map.get(&key).ok_or_else(missing)?;
                let stale = self.fault == KvFault::StaleReads && !before.is_null();
                Body::new("read_ok").with("value", if stale { before.clone() } else { now.clone() })
            }
            "write" => {
                self.write(key, field("value"));
                Body::new("write_ok")
            }
            "cas" => {
                let (now, _) = self.map.get(&key).ok_or_else(missing)?;
                if *now != field("from") && self.fault != KvFault::CasIgnoresFrom {
                    let text = format!("current value {now} is not {}", field("from"));
                    return Err(Error::new(ErrorCode::PreconditionFailed, text));
                }
                self.write(key, field("to"));
                Body::new("cas_ok")
            }
            other => return Err(Error::not_supported(other)),
        };
        ctx.reply(&msg, reply);
        Ok(())
    }
}

/// A stateless node that forwards every lin-kv request to the runner's `lin-kv` service and
/// relays the answer.
#[derive(Debug, Default)]
pub struct KvProxy {
    pending: HashMap<CallId, Message>,
}

/// How long the proxy waits for the service: under the client's 1 s timeout, so that a lost
/// answer reaches the client as an indefinite crash error (13) rather than as silence.
const PROXY_TIMEOUT_MS: u64 = 800;

impl Workload for KvProxy {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let body = Body { msg_id: None, in_reply_to: None, ..msg.body.clone() };
        let call = ctx.call(Kv::Lin.id(), body, PROXY_TIMEOUT_MS);
        self.pending.insert(call, msg);
        Ok(())
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        let Some(request) = self.pending.remove(&call) else { return };
        let body = match reply {
            Ok(answer) => answer.body,
            Err(RpcError::Remote(e)) => e.to_body(),
            Err(RpcError::Timeout) => Error::new(ErrorCode::Crash, "lin-kv did not answer").to_body(),
        };
        ctx.reply(&request, body);
    }
}

/// How a [`ListNode`] misbehaves; each fault yields the anomaly named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFault {
    /// A correct single-copy store: transactions run one at a time.
    None,
    /// Applies every fifth appending transaction, then answers abort (14): G1a.
    AbortAfterApplying,
    /// Loses a transaction's final append to a key it appended to before: G1b.
    DropFinalAppend,
    /// Holds back a transaction's last append when it appended to another key before; the
    /// next transaction that appends to that key and reads nothing puts its own element first
    /// (per-key orders disagree: G0).
    ReorderWhenBlind,
    /// As [`ListFault::ReorderWhenBlind`], but the reordering transaction is one that reads
    /// and appends to one key only (it read what it then overtook: G1c).
    ReorderWhenReading,
    /// Reads miss the previous transaction's appends (read skew: G-single).
    HidePrevious,
    /// Reads miss the previous transaction's appends unless the reader appends to a key it
    /// appended too (write skew without read skew: G2).
    HidePreviousElsewhere,
    /// Every fifth non-empty read shows its last element twice.
    Duplicate,
    /// Every fifth read of two or more elements swaps the last two (incompatible order).
    SwapLastTwo,
    /// Reads ignore the transaction's own appends (internal).
    MissOwnAppends,
}

/// How often the counting faults strike.
const FAULT_EVERY: u64 = 5;

/// One list per key (keys as JSON text), transactions run one at a time.
#[derive(Debug)]
pub struct ListNode {
    fault: ListFault,
    lists: BTreeMap<String, Vec<Value>>,
    /// Appends held back by the reordering faults.
    held: BTreeMap<String, Vec<Value>>,
    /// Key -> elements the previous transaction appended to it.
    previous: BTreeMap<String, usize>,
    count: u64,
}

/// `(f, key as JSON text, value)`.
type MicroOp = (String, String, Value);

impl ListNode {
    fn new(fault: ListFault) -> Self {
        ListNode { fault, lists: BTreeMap::new(), held: BTreeMap::new(), previous: BTreeMap::new(), count: 0 }
    }

    /// Runs `txn`; `Err` is the abort of [`ListFault::AbortAfterApplying`].
    fn run(&mut self, txn: &[MicroOp]) -> Result<Vec<Value>, Error> {
        let appends: Vec<&String> = txn.iter().filter(|(f, _, _)| f == "append").map(|(_, k, _)| k).collect();
        let reads = txn.iter().any(|(f, _, _)| f == "r");
        let mut own: BTreeMap<String, usize> = BTreeMap::new();
        let mut done = Vec::with_capacity(txn.len());
        for (i, (f, k, v)) in txn.iter().enumerate() {
            let key = serde_json::from_str::<Value>(k).unwrap_or(Value::Null);
            if f == "append" {
                let appended_later = txn[i + 1..].iter().any(|(f2, k2, _)| f2 == "append" && k2 == k);
                let final_repeat = !appended_later && own.contains_key(k);
                self.append(k, v, i + 1 == txn.len(), &appends, reads, final_repeat);
                *own.entry(k.clone()).or_default() += 1;
                done.push(json!([f, key, v]));
            } else {
                done.push(json!([f, key, self.read(k, &own, &appends)]));
            }
        }
        self.previous = own;
        let appended = !appends.is_empty();
        self.count += u64::from(appended);
        if self.fault == ListFault::AbortAfterApplying && appended && self.count.is_multiple_of(FAULT_EVERY) {
            return Err(Error::new(ErrorCode::Abort, "aborted (after applying it)"));
        }
        Ok(done)
    }

    fn append(&mut self, k: &str, v: &Value, last_mop: bool, appends: &[&String], reads: bool, final_repeat: bool) {
        if self.fault == ListFault::DropFinalAppend && final_repeat {
            return;
        }
        let list = self.lists.entry(k.to_owned()).or_default();
        let held = self.held.remove(k).unwrap_or_default();
        let one_key = appends.iter().all(|a| a.as_str() == k);
        let overtake = match self.fault {
            ListFault::ReorderWhenBlind => !reads,
            ListFault::ReorderWhenReading => reads && one_key,
            _ => false,
        };
        let hold = matches!(self.fault, ListFault::ReorderWhenBlind | ListFault::ReorderWhenReading)
            && held.is_empty()
            && last_mop
            && !one_key;
        if hold {
            self.held.insert(k.to_owned(), vec![v.clone()]);
        } else if overtake {
            list.push(v.clone());
            list.extend(held);
        } else {
            list.extend(held);
            list.push(v.clone());
        }
    }

    fn read(&mut self, k: &str, own: &BTreeMap<String, usize>, appends: &[&String]) -> Value {
        let Some(list) = self.lists.get(k) else { return Value::Null };
        let mut seen = list.clone();
        let hide_previous = match self.fault {
            ListFault::HidePrevious => true,
            ListFault::HidePreviousElsewhere => !appends.iter().any(|a| self.previous.contains_key(a.as_str())),
            _ => false,
        };
        if hide_previous && !own.contains_key(k) {
            seen.truncate(seen.len() - self.previous.get(k).copied().unwrap_or(0).min(seen.len()));
        }
        if self.fault == ListFault::MissOwnAppends {
            seen.truncate(seen.len() - own.get(k).copied().unwrap_or(0).min(seen.len()));
        }
        if matches!(self.fault, ListFault::Duplicate | ListFault::SwapLastTwo) && seen.len() >= 2 {
            self.count += 1;
            if self.count.is_multiple_of(FAULT_EVERY) {
                let n = seen.len();
                match self.fault {
                    ListFault::Duplicate => seen.push(seen[n - 1].clone()),
                    _ => seen.swap(n - 1, n - 2),
                }
            }
        }
        Value::from(seen)
    }
}

impl Workload for ListNode {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let txn: Vec<MicroOp> = msg
            .body
            .get("txn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m.get(0)?.as_str()?.to_owned(), m.get(1)?.to_string(), m.get(2)?.clone())))
            .collect();
        let done = self.run(&txn)?;
        ctx.reply(&msg, Body::new("txn_ok").with("txn", done));
        Ok(())
    }
}
