//! The message journal's statistics and msgs-per-op (Maelstrom's doc/results.md; maelstrom/net/checker.clj).

use serde_json::{json, Value};

/// Send, receive and distinct-message counts of one class of messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Messages accepted onto the network.
    pub send_count: u64,
    /// Messages delivered.
    pub recv_count: u64,
}

impl Counts {
    /// Distinct messages seen in either event: every message is journaled when sent, so this
    /// equals the send count.
    pub fn msg_count(&self) -> u64 {
        self.send_count
    }
}

/// Counts for all, client and server messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Every message.
    pub all: Counts,
    /// Messages with a client (id starting with `c`) at either end.
    pub clients: Counts,
    /// Every other message: node↔node, node↔service, node↔itself.
    pub servers: Counts,
}

/// Whether an id is a Maelstrom client: its first character is `c` (maelstrom/util.clj).
pub fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

impl NetStats {
    fn class(&mut self, src: &str, dest: &str) -> &mut Counts {
        if is_client(src) || is_client(dest) {
            &mut self.clients
        } else {
            &mut self.servers
        }
    }

    /// Journals a send.
    pub fn sent(&mut self, src: &str, dest: &str) {
        self.all.send_count += 1;
        self.class(src, dest).send_count += 1;
    }

    /// Journals a delivery.
    pub fn received(&mut self, src: &str, dest: &str) {
        self.all.recv_count += 1;
        self.class(src, dest).recv_count += 1;
    }

    /// The `:net` section of the results: counts, and msgs-per-op for all and servers over the
    /// number of client invocations `op_count`.
    pub fn to_result(&self, op_count: u64) -> Value {
        let section = |counts: &Counts, with_per_op: bool| {
            let mut v = json!({
                "send-count": counts.send_count,
                "recv-count": counts.recv_count,
                "msg-count": counts.msg_count(),
            });
            if let (true, Some(per_op)) = (with_per_op, msgs_per_op(counts.msg_count(), op_count)) {
                v["msgs-per-op"] = float32_json(per_op);
            }
            v
        };
        json!({
            "all": section(&self.all, true),
            "clients": section(&self.clients, false),
            "servers": section(&self.servers, true),
            "valid?": true,
        })
    }
}

/// A 32-bit float as JSON with the digits Clojure prints for it (`2.0357144`, not the f64
/// widening `2.0357143878936768`).
fn float32_json(x: f32) -> Value {
    x.to_string().parse::<f64>().map(Value::from).unwrap_or(Value::Null)
}

/// Maelstrom's msgs-per-op: `msg-count / op-count` as a 32-bit float, omitted when there were
/// no client invocations (maelstrom/net/checker.clj divides with `float`).
pub fn msgs_per_op(msg_count: u64, op_count: u64) -> Option<f32> {
    (op_count > 0).then(|| (msg_count as f64 / op_count as f64) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgs_per_op_reproduces_maelstrom_tutorial_figure() {
        // A published Maelstrom broadcast result (chaule-hub/distributed-system-workshop,
        // maelstrom-broadcast/README.md): all 7694 messages `:msgs-per-op 4.4397`, servers 4128
        // messages `:msgs-per-op 2.3819966`; both over the same 1733 client invocations.
        assert_eq!(msgs_per_op(7694, 1733), Some(4.4397_f32));
        assert_eq!(msgs_per_op(4128, 1733), Some(2.381_996_6_f32));
    }

    #[test]
    fn msgs_per_op_is_omitted_without_invocations() {
        assert_eq!(msgs_per_op(10, 0), None);
    }

    #[test]
    fn client_traffic_is_told_apart_by_the_first_character() {
        let mut stats = NetStats::default();
        stats.sent("c3", "n0");
        stats.sent("n0", "seq-kv");
        stats.sent("n0", "n1");
        stats.received("n0", "n1");
        assert_eq!(stats.clients.send_count, 1);
        assert_eq!(stats.servers.send_count, 2);
        assert_eq!(stats.servers.recv_count, 1);
        assert_eq!(stats.all.msg_count(), 3);
    }
}
