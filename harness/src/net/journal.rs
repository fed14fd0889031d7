//! The message journal behind messages.svg: when each message in a chosen window was sent, and
//! when it was delivered or dropped (Maelstrom journals every message, maelstrom/net/journal.clj;
//! glomer keeps a bounded window of them, since a full run has 10^5 messages and more).

use glomer_adapters::Message;
use serde_json::Value;

/// The most messages a journal keeps, whatever the flags ask: at about 100 bytes each this
/// bounds its memory to ~10 MB and the diagram to a size a browser still opens.
pub const MESSAGES_MAX: usize = 100_000;

/// Characters of a body kept for the diagram's tooltip: a read reply can carry thousands of
/// values, and the journal's memory must not grow with them.
pub const BODY_CHARS_MAX: usize = 200;

/// Messages journaled when no flag says otherwise: enough to follow start-up and the first
/// seconds of the main phase, few enough that the diagram is read, not scrolled for minutes.
pub const DEFAULT_MESSAGES: usize = 1000;

/// Which messages the journal keeps: those sent in `[from_ns, to_ns)`, the first `max_messages`
/// of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageWindow {
    /// Earliest send time kept, in ns since the test started.
    pub from_ns: u64,
    /// Send times from here on are not kept.
    pub to_ns: u64,
    /// How many messages to keep at most (capped at [`MESSAGES_MAX`]).
    pub max_messages: usize,
}

impl Default for MessageWindow {
    fn default() -> Self {
        MessageWindow { from_ns: 0, to_ns: u64::MAX, max_messages: DEFAULT_MESSAGES }
    }
}

/// What became of a journaled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Delivered at this time.
    Delivered(u64),
    /// Refused by a partition (or sent to a closed client) at this time.
    Dropped(u64),
    /// Still queued when the test ended.
    InFlight,
}

/// One journaled message.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// Maelstrom's sequence number of the message.
    pub id: u64,
    /// Sender id.
    pub src: String,
    /// Recipient id.
    pub dest: String,
    /// The body's `type` (empty when it has none).
    pub body_type: String,
    /// The body as JSON, cut at [`BODY_CHARS_MAX`] characters, for the diagram's tooltips.
    pub body_excerpt: String,
    /// When it was accepted onto the network.
    pub sent_ns: u64,
    /// Delivery, drop, or neither.
    pub fate: Fate,
}

/// The journaled window of messages, in send order.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    window: MessageWindow,
    messages: Vec<Sent>,
    /// Every message sent, journaled or not.
    sent_total: u64,
}

impl Journal {
    /// An empty journal keeping `window`.
    pub fn new(window: MessageWindow) -> Self {
        Journal { window, messages: Vec::new(), sent_total: 0 }
    }

    /// The window this journal keeps.
    pub fn window(&self) -> MessageWindow {
        self.window
    }

    /// Journals a send, if it falls in the window.
    pub fn sent(&mut self, now_ns: u64, id: u64, src: &str, dest: &str, body: &Value) {
        if self.admits(now_ns) {
            self.push(now_ns, id, src, dest, body);
        }
    }

    /// Journals the send of `msg`, if it falls in the window; the body is rendered only then.
    pub fn sent_message(&mut self, now_ns: u64, id: u64, msg: &Message) {
        if self.admits(now_ns) {
            let body = serde_json::to_value(&msg.body).unwrap_or_default();
            self.push(now_ns, id, &msg.src, &msg.dest, &body);
        }
    }

    /// Counts a send and says whether the window keeps it.
    fn admits(&mut self, now_ns: u64) -> bool {
        self.sent_total += 1;
        let w = &self.window;
        self.messages.len() < w.max_messages.min(MESSAGES_MAX) && now_ns >= w.from_ns && now_ns < w.to_ns
    }

    fn push(&mut self, now_ns: u64, id: u64, src: &str, dest: &str, body: &Value) {
        let body_type = body.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        self.messages.push(Sent {
            id,
            src: src.to_owned(),
            dest: dest.to_owned(),
            body_type,
            body_excerpt: excerpt(&body.to_string()),
            sent_ns: now_ns,
            fate: Fate::InFlight,
        });
    }

    /// Records the fate of message `id`, if it is journaled.
    pub fn settled(&mut self, id: u64, fate: Fate) {
        // Ids grow with send order, so the journal is sorted by id.
        if let Ok(at) = self.messages.binary_search_by_key(&id, |m| m.id) {
            self.messages[at].fate = fate;
        }
    }

    /// The journaled messages, in send order.
    pub fn messages(&self) -> &[Sent] {
        &self.messages
    }

    /// Every message sent during the run, journaled or not.
    pub fn sent_total(&self) -> u64 {
        self.sent_total
    }
}

fn excerpt(s: &str) -> String {
    match s.char_indices().nth(BODY_CHARS_MAX) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_only_the_window_and_at_most_the_limit() {
        let mut j = Journal::new(MessageWindow { from_ns: 10, to_ns: 100, max_messages: 2 });
        for (id, t) in [(0, 5), (1, 10), (2, 50), (3, 60), (4, 200)] {
            j.sent(t, id, "n0", "n1", &json!({"type": "gossip"}));
        }
        let ids: Vec<u64> = j.messages().iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2]);
        assert_eq!(j.sent_total(), 5);
        assert_eq!(j.messages()[0].body_type, "gossip");
        let long = json!({"type": "read_ok", "messages": (0..1000).collect::<Vec<_>>()});
        j.messages.clear();
        j.sent(10, 5, "n0", "c1", &long);
        assert_eq!(j.messages()[0].body_excerpt.chars().count(), BODY_CHARS_MAX + 1);
    }

    #[test]
    fn fates_land_on_the_right_message_and_unknown_ids_are_ignored() {
        let mut j = Journal::new(MessageWindow::default());
        j.sent(0, 7, "c1", "n0", &json!({}));
        j.sent(0, 9, "n0", "n1", &json!({}));
        j.settled(9, Fate::Dropped(3));
        j.settled(8, Fate::Delivered(4));
        assert_eq!(j.messages()[0].fate, Fate::InFlight);
        assert_eq!(j.messages()[1].fate, Fate::Dropped(3));
    }
}
