//! messages.svg: a Lamport diagram of the journaled messages. One vertical lane per node,
//! service and client; time flows down, one row per send or delivery, so that zero-latency
//! client messages still show which way they went; one arrow per message from its send to
//! its delivery, coloured by body type (replies dashed); fault periods shaded on the lanes
//! of the nodes they touched.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::faults::FaultPeriod;
use super::{escape, fault_rgb, palette_hex, seconds, PALETTE};
use crate::net::journal::{Fate, Journal, Sent};
use crate::net::stats::is_client;

const LANE_PX: f64 = 90.0;
const ROW_PX: f64 = 9.0;
const LEFT_PX: f64 = 90.0;
/// Room above the first row for the caption, the legend and the lane names.
const TOP_PX: f64 = 120.0;
/// A time label every this many rows.
const TIME_LABEL_ROWS: usize = 20;

/// One send or delivery, placed on a row.
struct Event {
    time_ns: u64,
    id: u64,
    /// 0 for the send, 1 for the delivery or drop: a message leaves before it arrives.
    phase: u8,
}

/// The diagram of `journal`'s messages; `node_ids` orders the node lanes.
pub fn svg(journal: &Journal, node_ids: &[String], faults: &[FaultPeriod]) -> String {
    let messages = journal.messages();
    let lanes = lanes(messages, node_ids);
    let lane_x: BTreeMap<&str, f64> =
        lanes.iter().enumerate().map(|(i, id)| (id.as_str(), LEFT_PX + LANE_PX * (i as f64 + 0.5))).collect();
    let events = events(messages);
    let row_of: BTreeMap<(u64, u8), usize> = events.iter().enumerate().map(|(row, e)| ((e.id, e.phase), row)).collect();
    let y = |row: usize| TOP_PX + ROW_PX * (row as f64 + 1.0);
    let bottom = y(events.len() + 1);
    let width = LEFT_PX + LANE_PX * lanes.len().max(1) as f64 + 20.0;
    let types = body_types(messages);

    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{:.0}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
"#,
        bottom + 20.0
    );
    arrow_heads(&mut s);
    caption(&mut s, journal);
    legend(&mut s, &types);
    for fault in faults {
        shade(&mut s, fault, &events, &lane_x, &y);
    }
    for (id, x) in lanes.iter().filter_map(|id| lane_x.get(id.as_str()).map(|x| (id, x))) {
        let _ = writeln!(
            s,
            r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text><line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#999"/>"##,
            TOP_PX - 6.0,
            escape(id),
            TOP_PX,
        );
    }
    for (row, e) in events.iter().enumerate().step_by(TIME_LABEL_ROWS) {
        let _ = writeln!(
            s,
            r##"<text x="4" y="{:.1}" fill="#555">{:.3} s</text><line x1="{LEFT_PX}" y1="{:.1}" x2="{width:.0}" y2="{:.1}" stroke="#eee"/>"##,
            y(row) + 4.0,
            seconds(e.time_ns),
            y(row),
            y(row)
        );
    }
    for m in messages {
        let (Some(&x1), Some(&x2)) = (lane_x.get(m.src.as_str()), lane_x.get(m.dest.as_str())) else { continue };
        let y1 = row_of.get(&(m.id, 0)).map_or(bottom, |&r| y(r));
        let y2 = row_of.get(&(m.id, 1)).map_or(bottom, |&r| y(r));
        arrow(&mut s, m, (x1, y1), (x2, y2), &types);
    }
    s.push_str("</svg>\n");
    s
}

/// Lanes in reading order: the nodes in the test's order, then services, then clients by
/// number; only ids that sent or received a journaled message, and every node.
fn lanes(messages: &[Sent], node_ids: &[String]) -> Vec<String> {
    let mut others: Vec<&str> = messages
        .iter()
        .flat_map(|m| [m.src.as_str(), m.dest.as_str()])
        .filter(|id| !node_ids.iter().any(|n| n == id))
        .collect();
    let client_number = |id: &str| id[1..].parse::<u64>().unwrap_or(u64::MAX);
    others.sort_by_key(|id| (is_client(id), if is_client(id) { client_number(id) } else { 0 }, id.to_string()));
    others.dedup();
    node_ids.iter().cloned().chain(others.into_iter().map(str::to_owned)).collect()
}

fn events(messages: &[Sent]) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(2 * messages.len());
    for m in messages {
        events.push(Event { time_ns: m.sent_ns, id: m.id, phase: 0 });
        if let Fate::Delivered(t) | Fate::Dropped(t) = m.fate {
            events.push(Event { time_ns: t, id: m.id, phase: 1 });
        }
    }
    // At equal times, lower ids first: a message received before a reply was sent has the
    // lower id, so causes stay above their effects.
    events.sort_by_key(|e| (e.time_ns, e.id, e.phase));
    events
}

/// Body types with their colour index; a reply (`x_ok`) shares its request's colour.
fn body_types(messages: &[Sent]) -> BTreeMap<String, usize> {
    let mut types = BTreeMap::new();
    for m in messages {
        let base = request_type(&m.body_type).to_owned();
        let next = types.len();
        types.entry(base).or_insert(next);
    }
    types
}

fn request_type(body_type: &str) -> &str {
    body_type.strip_suffix("_ok").unwrap_or(body_type)
}

/// One arrow head per palette colour: a marker cannot take its line's colour in SVG 1.1.
fn arrow_heads(s: &mut String) {
    s.push_str("<defs>");
    for i in 0..PALETTE.len() {
        let _ = write!(
            s,
            r#"<marker id="head{i}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="{}"/></marker>"#,
            palette_hex(i)
        );
    }
    s.push_str("</defs>\n");
}

fn caption(s: &mut String, journal: &Journal) {
    let w = journal.window();
    let shown = journal.messages().len();
    let until = if w.to_ns == u64::MAX { "the end".to_owned() } else { format!("{:.3} s", seconds(w.to_ns)) };
    let _ = writeln!(
        s,
        r##"<text x="8" y="18" font-size="13">{shown} of {} messages: at most the first {} of those sent from {:.3} s to {until}. Choose others with glomer test --diagram-from S --diagram-to S --diagram-messages N.</text>
<text x="8" y="36" fill="#555">Time flows down, one row per send or delivery; replies dashed; a cross marks a message dropped by a partition or sent to a closed client, an open end one still in flight at the end.</text>"##,
        journal.sent_total(),
        w.max_messages,
        seconds(w.from_ns),
    );
}

fn legend(s: &mut String, types: &BTreeMap<String, usize>) {
    let mut x = 8.0;
    let mut y = 58.0;
    for (name, &colour) in types {
        let label = if name.is_empty() { "(no type)" } else { name };
        let _ = writeln!(
            s,
            r#"<rect x="{x:.0}" y="{:.0}" width="12" height="12" fill="{}"/><text x="{:.0}" y="{y:.0}">{}</text>"#,
            y - 10.0,
            palette_hex(colour),
            x + 16.0,
            escape(label)
        );
        x += 30.0 + 7.0 * label.len() as f64;
        if x > 900.0 {
            (x, y) = (8.0, y + 18.0);
        }
    }
}

fn shade(
    s: &mut String,
    fault: &FaultPeriod,
    events: &[Event],
    lane_x: &BTreeMap<&str, f64>,
    y: &impl Fn(usize) -> f64,
) {
    let first = events.partition_point(|e| e.time_ns < fault.start_ns);
    let last = events.partition_point(|e| e.time_ns < fault.end_ns);
    if first >= last {
        return;
    }
    let (top, height) = (y(first) - ROW_PX / 2.0, (last - first) as f64 * ROW_PX);
    let (r, g, b) = fault_rgb(fault.kind);
    for node in &fault.nodes {
        if let Some(x) = lane_x.get(node.as_str()) {
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{height:.1}" fill="rgb({r},{g},{b})" fill-opacity="0.12"><title>{} from {:.3} s to {:.3} s</title></rect>"#,
                x - LANE_PX / 2.0,
                LANE_PX,
                fault.kind,
                seconds(fault.start_ns),
                seconds(fault.end_ns)
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" fill="rgb({r},{g},{b})" font-weight="bold" font-size="10">{}</text>"#,
        LEFT_PX + 2.0,
        top + 10.0,
        fault.kind
    );
}

fn arrow(s: &mut String, m: &Sent, from: (f64, f64), to: (f64, f64), types: &BTreeMap<String, usize>) {
    let colour_index = types.get(request_type(&m.body_type)).copied().unwrap_or(0) % PALETTE.len();
    let colour = palette_hex(colour_index);
    let dash = if m.body_type.ends_with("_ok") || m.body_type == "error" { r#" stroke-dasharray="4 2""# } else { "" };
    let (x1, y1) = from;
    // A dropped or undelivered message stops short of its recipient.
    let (x2, y2) = match m.fate {
        Fate::Delivered(_) => to,
        Fate::Dropped(_) | Fate::InFlight => (x1 + (to.0 - x1) * 0.4, to.1),
    };
    let fate = match m.fate {
        Fate::Delivered(t) => format!("delivered {:.3} s", seconds(t)),
        Fate::Dropped(t) => format!("dropped {:.3} s", seconds(t)),
        Fate::InFlight => "never delivered".to_owned(),
    };
    let head = match m.fate {
        Fate::Delivered(_) => format!(r#" marker-end="url(#head{colour_index})""#),
        _ => String::new(),
    };
    let _ = write!(
        s,
        r#"<g><title>{} → {}, sent {:.3} s, {fate}: {}</title><line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="1.3"{dash}{head}/>"#,
        escape(&m.src),
        escape(&m.dest),
        seconds(m.sent_ns),
        escape(&m.body_excerpt)
    );
    if let Fate::Dropped(_) = m.fate {
        let _ = write!(
            s,
            r#"<path d="M {:.1} {:.1} l 6 6 m 0 -6 l -6 6" stroke="{colour}" stroke-width="1.5"/>"#,
            x2 - 3.0,
            y2 - 3.0
        );
    }
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let _ = writeln!(
        s,
        r#"<text x="{mx:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="{colour}">{}</text></g>"#,
        my - 2.0,
        escape(&m.body_type)
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::net::journal::MessageWindow;

    fn journal() -> Journal {
        let mut j = Journal::new(MessageWindow::default());
        j.sent(0, 0, "c3", "n0", &json!({"type": "echo", "echo": "<hi>"}));
        j.settled(0, Fate::Delivered(0));
        j.sent(1, 1, "n0", "c3", &json!({"type": "echo_ok"}));
        j.settled(1, Fate::Delivered(1));
        j.sent(2, 2, "n0", "n1", &json!({"type": "gossip"}));
        j.settled(2, Fate::Dropped(5));
        j
    }

    #[test]
    fn one_arrow_per_message_with_lanes_nodes_first_and_bodies_escaped() {
        let nodes = ["n0".to_owned(), "n1".to_owned()];
        let svg = svg(&journal(), &nodes, &[]);
        assert_eq!(
            svg.matches("<line x1").count()
                - svg.matches("stroke=\"#999\"").count()
                - svg.matches("stroke=\"#eee\"").count(),
            3
        );
        let lane = |id: &str| svg.find(&format!(">{id}</text><line")).unwrap();
        assert!(lane("n0") < lane("n1") && lane("n1") < lane("c3"));
        assert!(svg.contains("&lt;hi&gt;") && !svg.contains("<hi>"));
        assert!(svg.contains("3 of 3 messages"));
        assert!(svg.contains("stroke-dasharray"), "the echo_ok reply is dashed");
    }

    #[test]
    fn a_fault_shades_the_lanes_of_its_nodes() {
        let nodes = ["n0".to_owned(), "n1".to_owned()];
        let fault = FaultPeriod { kind: "partition", start_ns: 1, end_ns: 10, nodes: vec!["n1".to_owned()] };
        let svg = svg(&journal(), &nodes, &[fault]);
        assert_eq!(svg.matches("fill-opacity=\"0.12\"").count(), 1);
        assert!(svg.contains(">partition</text>"));
    }
}
