//! Test nodes for lin-kv and txn-list-append, correct and deliberately faulty, built by name
//! through [`super::build`] (in-process under the sim executor, or as `test_node BEHAVIOUR`).

use std::collections::{BTreeMap, HashMap};

use glomer_adapters::services::Kv;
use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::{Body, CallId, Context, Error, ErrorCode, Message, RpcError, Workload};
use serde_json::Value;

/// The behaviours of this file by name.
pub fn build(name: &str) -> Option<BoxedWorkload> {
    let kv = |fault| -> BoxedWorkload { Box::new(KvNode { fault, map: BTreeMap::new(), writes: 0 }) };
    Some(match name {
        "lin-kv" => kv(KvFault::None),
        "lin-kv-stale-reads" => kv(KvFault::StaleReads),
        "lin-kv-lost-writes" => kv(KvFault::LostWrites),
        "lin-kv-cas-ignores-from" => kv(KvFault::CasIgnoresFrom),
        "lin-kv-proxy" => Box::new(KvProxy::default()),
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
        let reply = match msg.body.kind.as_str() {
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
