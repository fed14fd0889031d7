//! `unique-ids` (Glomers challenge 2): answer `{"type":"generate"}` with an id no other `generate`
//! of the test ever returns, totally available under partitions (challenge 2).
//!
//! # Why the ids are unique
//!
//! An id is the string `"{node_id}-{boot_nonce:016x}-{counter}"`:
//! - `node_id` (from `init`) is distinct for every node of a test, so two nodes never collide;
//! - `counter` counts this process's ids from 1 and never repeats within one run;
//! - `boot_nonce` is 64 random bits the binary draws from the operating system's generator when
//!   it builds the workload, so a node restarted under the same id starts a fresh id space. Two
//!   runs of one node collide only if their nonces are equal: probability 2⁻⁶⁴ per pair of runs.
//!
//! No message is exchanged with peers or services, so a partition cannot delay a reply: the
//! node is totally available. The workload reads no clock, which
//! keeps it deterministic under the harness's virtual time when the nonce is given by a flag.
//! Every id is a JSON string, so Maelstrom's checker can compare any two of them for its
//! `:range` statistic.

use serde::{Deserialize, Serialize};

use crate::flags::FromFlags;
use crate::protocol::{Error, Message};
use crate::request;
use crate::workload::{Context, Workload};

/// The requests `unique-ids` serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UniqueIdsRequest {
    /// Return a fresh id.
    Generate,
}

/// `unique-ids`' reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UniqueIdsReply {
    /// A fresh id.
    GenerateOk {
        /// The id.
        id: String,
    },
}

/// Flags of `glomer-unique-ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(name = "glomer-unique-ids", about = "Maelstrom unique-ids node: coordination-free unique ids")]
pub struct UniqueIdsFlags {
    /// Fixes the boot nonce (for reproducible simulations); by default 64 random bits per start.
    #[arg(long)]
    pub boot_nonce: Option<u64>,
}

/// The unique-ids workload.
#[derive(Debug, Clone)]
pub struct UniqueIds {
    boot_nonce: u64,
    generated: u64,
}

impl UniqueIds {
    /// A generator whose ids differ from those of any run with another `boot_nonce`.
    pub fn new(boot_nonce: u64) -> Self {
        Self { boot_nonce, generated: 0 }
    }

    /// The next id for the node named `node_id`.
    fn next_id(&mut self, node_id: &str) -> String {
        self.generated += 1;
        format!("{node_id}-{:016x}-{}", self.boot_nonce, self.generated)
    }
}

impl FromFlags for UniqueIds {
    type Flags = UniqueIdsFlags;

    fn from_flags(flags: UniqueIdsFlags) -> Self {
        Self::new(flags.boot_nonce.unwrap_or_else(rand::random))
    }
}

impl Workload for UniqueIds {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let UniqueIdsRequest::Generate = request::parse(&msg)?;
        let id = self.next_id(ctx.node_id());
        ctx.reply(&msg, UniqueIdsReply::GenerateOk { id });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Body, Node};

    fn ids(boot_nonce: u64, node_id: &str, count: u64) -> Vec<String> {
        let mut node = Node::new(UniqueIds::new(boot_nonce));
        let init = Body::new("init").with("node_id", node_id).with("node_ids", vec![node_id]);
        let mut msg = Message { src: "c0".into(), dest: crate::Name::new(node_id), body: init };
        msg.body.msg_id = Some(1);
        node.handle_message(msg, 0);
        for msg_id in 1..=count {
            let mut body = Body::new("generate");
            body.msg_id = Some(msg_id);
            node.handle_message(Message { src: "c1".into(), dest: crate::Name::new(node_id), body }, 0);
        }
        let out = node.take_outbox();
        out.iter().filter_map(|m| m.body.get("id").and_then(|id| id.as_str()).map(str::to_owned)).collect()
    }

    #[test]
    fn ids_of_one_run_are_distinct_and_name_the_node() {
        let ids = ids(7, "n3", 100);
        assert_eq!(ids.len(), 100);
        assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 100);
        assert!(ids.iter().all(|id| id.starts_with("n3-")));
    }

    #[test]
    fn a_restart_with_another_nonce_never_repeats_an_id_and_a_fixed_nonce_replays() {
        let (first, second) = (ids(1, "n0", 50), ids(2, "n0", 50));
        assert!(first.iter().all(|id| !second.contains(id)));
        assert_eq!(first, ids(1, "n0", 50));
    }
}
