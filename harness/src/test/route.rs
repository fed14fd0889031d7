//! Routing: each delivery goes to its node, service or client; each line a node writes is
//! checked as Maelstrom's process reader checks it and goes onto the network
//! (maelstrom/process.clj, maelstrom/net.clj).

use glomer_adapters::{Body, Message};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{Test, TestError};
use crate::client::Reply;
use crate::executor::{Executor, NodeOutput};
use crate::net::{Delivery, NetError};
use crate::services;

/// Problems kept for the report; a node that misbehaves once is muted, so this bounds only
/// pathological runs.
const PROBLEMS_MAX: usize = 100;

/// A line a node wrote, as Maelstrom's process reader accepts it: an object with string `src`
/// and `dest`, a `body`, optionally an `id` (ignored), and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeLine {
    src: String,
    dest: String,
    body: Body,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
}

impl Test {
    pub(super) fn route(&mut self, now: u64, delivery: Delivery, exec: &mut dyn Executor) -> Result<(), TestError> {
        let msg = &delivery.msg;
        if let Some(&node) = self.node_index.get(msg.dest.as_str()) {
            exec.deliver(node, delivery)?;
        } else if services::IDS.contains(&msg.dest.as_str()) {
            if let Some(reply) = self.services.handle(&msg.dest, &msg.src, &msg.body, &mut self.rng) {
                let (service, caller) = (msg.dest.clone(), msg.src.clone());
                self.send(now, &service, &caller, reply);
            }
        } else {
            self.client_received(now, delivery.msg)?;
        }
        Ok(())
    }

    fn client_received(&mut self, now: u64, msg: Message) -> Result<(), TestError> {
        let in_reply_to = msg.body.in_reply_to;
        if let Some(call) = self.setup.iter_mut().find(|c| msg.dest == c.client && !c.answered) {
            if in_reply_to != Some(1) {
                return Ok(()); // a client ignores replies to other requests
            }
            if msg.body.kind != call.expect {
                let node = &self.node_ids[call.node];
                let body = serde_json::to_string(&msg.body).unwrap_or_default();
                return Err(TestError::Setup(format!("node {node} answered with {body} instead of {}", call.expect)));
            }
            call.answered = true;
            if call.expect == "init_ok" {
                self.net.unregister(&msg.dest); // init clients close once answered
            }
            return Ok(());
        }
        if let Some(&node) = self.restart_inits.get(msg.dest.as_str()) {
            self.restarted_node_answered(node, msg);
            return Ok(());
        }
        let Some(&w) = self.client_worker.get(msg.dest.as_str()) else { return Ok(()) };
        let waiting = self.workers[w].op.as_ref().map(|op| op.msg_id);
        if waiting.is_none() || waiting != in_reply_to {
            return Ok(()); // late reply to an abandoned request: dropped silently
        }
        self.continue_op(now, w, Reply::Body(msg.body));
        Ok(())
    }

    /// A restarted node's answer to its fresh `init`: its client closes; anything but
    /// `init_ok` is reported.
    fn restarted_node_answered(&mut self, node: usize, msg: Message) {
        if msg.body.in_reply_to != Some(1) {
            return;
        }
        if msg.body.kind != "init_ok" {
            let body = serde_json::to_string(&msg.body).unwrap_or_default();
            self.report(format!("node {} answered its restart's init with {body}", self.node_ids[node]));
        }
        self.restart_inits.remove(msg.dest.as_str());
        self.net.unregister(&msg.dest);
    }

    /// Whether `id` is a client this test opened and has since closed.
    fn is_retired_client(&self, id: &str) -> bool {
        let number = id.strip_prefix('c').and_then(|n| n.parse::<u64>().ok());
        number.is_some_and(|n| n < self.next_client) && !self.net.is_registered(id)
    }

    /// Takes one output of node `node`: a message goes onto the network; a malformed line or a
    /// message to an unknown id mutes the node for the rest of the test, as Maelstrom does, and
    /// is reported.
    pub fn node_output(&mut self, now: u64, node: usize, output: NodeOutput) {
        if self.muted.get(node).is_none_or(Option::is_some) {
            return;
        }
        let msg = match output {
            NodeOutput::Line(line) => match parse_line(&line) {
                Ok(msg) => msg,
                Err(why) => return self.mute(node, &why, &line),
            },
            NodeOutput::Message(msg) => msg,
        };
        if let Err(err) = self.net.accepts(&msg) {
            let NetError::Unregistered(id) = &err;
            if self.drop_late_replies && self.is_retired_client(id) {
                // A node resumed from a pause answers a client that gave up on it meanwhile.
                tracing::debug!(node = %self.node_ids[node], client = %id, "dropping a late reply to a retired client");
                return;
            }
            let line = serde_json::to_string(&msg).unwrap_or_default();
            return self.mute(node, &err.to_string(), &line);
        }
        if let Err(err) = self.net.send(now, msg, &mut self.rng) {
            tracing::error!(%err, "the network refused a message it had accepted");
        }
    }

    fn mute(&mut self, node: usize, why: &str, line: &str) {
        let problem = format!(
            "node {} wrote a line Maelstrom rejects ({why}); its output is muted from now on, as Maelstrom stops reading it: {line}",
            self.node_ids[node]
        );
        self.report(problem.clone());
        self.muted[node] = Some(problem);
    }

    fn report(&mut self, problem: String) {
        tracing::error!("{problem}");
        if self.problems.len() < PROBLEMS_MAX {
            self.problems.push(problem);
        }
    }
}

/// Parses a node's stdout line into a message, or says why Maelstrom would reject it.
///
/// The body must be a message body (an object with a string `type` and integer `msg_id` and
/// `in_reply_to` when present), the one wire type glomer's nodes and runner share; Maelstrom
/// itself lets node-to-node bodies take any shape (see docs/harness.md).
fn parse_line(line: &str) -> Result<Message, String> {
    let NodeLine { src, dest, body, .. } = serde_json::from_str(line).map_err(|e| e.to_string())?;
    Ok(Message { src: src.into(), dest: dest.into(), body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_line_may_carry_an_id_and_nothing_else() {
        let msg = parse_line(r#"{"id":4,"src":"n0","dest":"c1","body":{"type":"echo_ok","in_reply_to":1}}"#);
        assert_eq!(msg.map(|m| (m.src, m.body.kind, m.body.in_reply_to)), Ok(("n0".into(), "echo_ok".into(), Some(1))));
        assert!(parse_line(r#"{"src":"n0","dest":"c1","body":{"type":"x"},"extra":1}"#).unwrap_err().contains("extra"));
    }

    #[test]
    fn lines_maelstrom_rejects_and_bodies_without_a_type_are_refused_with_a_reason() {
        for line in [
            "not json",
            r#"{"dest":"c1","body":{"type":"x"}}"#,
            r#"{"src":1,"dest":"c1","body":{"type":"x"}}"#,
            r#"{"src":"n0","dest":"c1"}"#,
            r#"{"src":"n0","dest":"c1","body":{"echo":1}}"#,
        ] {
            let why = parse_line(line).expect_err(line);
            assert!(!why.is_empty(), "{line}");
        }
    }
}
