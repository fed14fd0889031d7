//! `glomer-broadcast` as Maelstrom runs it: JSON lines on stdin and stdout, flags after the
//! binary.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_glomer-broadcast");

/// Feeds `lines` to a node started with `args`, closes stdin, and returns its stdout messages.
fn run(args: &[&str], lines: &[Value]) -> Vec<Value> {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start glomer-broadcast");
    let mut stdin = child.stdin.take().expect("stdin");
    for line in lines {
        writeln!(stdin, "{line}").expect("write a line");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("node output");
    assert!(output.status.success(), "exit status {:?}", output.status);
    let text = String::from_utf8(output.stdout).expect("UTF-8 output");
    text.lines().map(|line| serde_json::from_str(line).expect("every stdout line is one JSON message")).collect()
}

fn reply_to<'a>(messages: &'a [Value], client: &str, msg_id: u64) -> &'a Value {
    let found = messages.iter().find(|m| m["dest"] == client && m["body"]["in_reply_to"] == msg_id);
    found.unwrap_or_else(|| panic!("no reply to {client} #{msg_id} in {messages:#?}"))
}

#[test]
fn a_node_on_pipes_serves_maelstrom_broadcast_and_gossips_to_its_peers() {
    let ids = json!(["n0", "n1", "n2"]);
    let early = json!({"src": "n1", "dest": "n0", "body": {"type": "gossip", "sync": {"Delta":
        {"from_seq": 0, "to_seq": 1, "delta": [5], "ack": null, "full": false}}}});
    let lines = [
        early,
        json!({"id": 1, "src": "c0", "dest": "n0", "body": {"type": "init", "msg_id": 1, "node_id": "n0", "node_ids": ids}}),
        json!({"src": "c1", "dest": "n0", "body": {"type": "topology", "msg_id": 1, "topology": {"n0": ["n1"]}}}),
        json!({"src": "c2", "dest": "n0", "body": {"type": "broadcast", "msg_id": 1, "message": 1.0}}),
        json!({"src": "c2", "dest": "n0", "body": {"type": "read", "msg_id": 2}}),
        json!({"src": "c2", "dest": "n0", "body": {"type": "subscribe", "msg_id": 3}}),
    ];
    let out = run(&["--preset", "latency", "–-nemesis", "partition", "--colour"], &lines);
    assert_eq!(reply_to(&out, "c0", 1)["body"]["type"], "init_ok");
    assert_eq!(reply_to(&out, "c1", 1)["body"], json!({"type": "topology_ok", "msg_id": 2, "in_reply_to": 1}));
    assert_eq!(reply_to(&out, "c2", 1)["body"]["type"], "broadcast_ok");
    assert_eq!(reply_to(&out, "c2", 2)["body"]["messages"], json!([5, 1.0]), "pre-init gossip applied, 1.0 kept");
    assert_eq!(reply_to(&out, "c2", 3)["body"]["code"], 10, "unknown request type");
    for peer in ["n1", "n2"] {
        let gossip = out.iter().find(|m| m["dest"] == peer && m["body"]["type"] == "gossip");
        let gossip = gossip.unwrap_or_else(|| panic!("latency preset sends to {peer} at once: {out:#?}"));
        assert_eq!(gossip["src"], "n0");
        assert_eq!(gossip["body"]["sync"]["Delta"]["delta"], json!([1.0]));
    }
    for message in &out {
        let keys: Vec<&String> = message.as_object().expect("an object").keys().collect();
        assert!(keys.iter().all(|k| ["src", "dest", "body"].contains(&k.as_str())), "extra key in {message}");
    }
}

#[test]
fn help_prints_the_flags_and_exits_successfully() {
    let output = Command::new(BIN).arg("--help").output().expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--preset") && help.contains("--retransmit-ms"), "{help}");
}
