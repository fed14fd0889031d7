//! The built node binaries, fed real JSON lines on stdin as Maelstrom would feed them.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const ECHO: &str = env!("CARGO_BIN_EXE_glomer-echo");
const UNIQUE_IDS: &str = env!("CARGO_BIN_EXE_glomer-unique-ids");

fn line(src: &str, dest: &str, body: Value) -> String {
    json!({"id": 1, "src": src, "dest": dest, "body": body}).to_string() + "\n"
}

fn init(node_id: &str) -> String {
    line("c0", node_id, json!({"type": "init", "msg_id": 1, "node_id": node_id, "node_ids": ["n0", "n1", "n2"]}))
}

/// Runs `bin` with `args`, writes `input` then closes stdin, and returns what it printed.
fn run(bin: &str, args: &[&str], input: String) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Written from another thread so a node that answers while we write cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "exit {:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    output
}

/// Every stdout line, each checked to be a message Maelstrom accepts ([protocol](https://github.com/jepsen-io/maelstrom/blob/main/doc/protocol.md)).
fn messages(bin: &str, args: &[&str], input: String) -> Vec<Value> {
    let output = run(bin, args, input);
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout
        .lines()
        .map(|l| {
            let msg: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let keys: Vec<&String> = msg.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["body", "dest", "src"], "{l}");
            msg
        })
        .collect()
}

fn body_keys(msg: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = msg["body"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[test]
fn echo_answers_init_and_echoes_with_exactly_the_documented_fields() {
    let input = init("n0") + &line("c2", "n0", json!({"type": "echo", "echo": "Please echo 35", "msg_id": 1}));
    let out = messages(ECHO, &[], input);
    assert_eq!(out[0], json!({"src": "n0", "dest": "c0", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 1}}));
    assert_eq!((out[1]["src"].as_str(), out[1]["dest"].as_str()), (Some("n0"), Some("c2")));
    assert_eq!(out[1]["body"]["echo"], "Please echo 35");
    assert_eq!(out[1]["body"]["in_reply_to"], 1);
    assert_eq!(body_keys(&out[1]), ["echo", "in_reply_to", "msg_id", "type"]);
}

#[test]
fn every_bad_input_is_answered_or_skipped_and_the_node_keeps_serving() {
    let huge = "x".repeat(4 << 20);
    let input = [
        line("c1", "n0", json!({"type": "echo", "echo": 1, "msg_id": 7})),
        init("n0"),
        "this is not json\n".to_owned(),
        "\n".to_owned(),
        "{\"src\":\"c1\",\"dest\":\"n0\",\"body\":{\"type\":\"echo\",\"msg_id\":\n".to_owned(),
        line("c1", "n0", json!({"type": "echo", "msg_id": 8})),
        line("c1", "n0", json!({"type": "teleport", "msg_id": 9})),
        line("c1", "n0", json!({"type": "echo", "echo": huge, "msg_id": 10, "extra": {"ignored": true}})),
        line("c1", "n0", json!({"type": "echo", "echo": [1, 1.0, "1"], "msg_id": 11})),
    ]
    .concat();
    let out = messages(ECHO, &[], input);
    let by_reply: HashMap<u64, &Value> =
        out.iter().map(|m| (m["body"]["in_reply_to"].as_u64().unwrap(), &m["body"])).collect();
    assert_eq!(out.len(), 6, "init_ok, 11, 12, 10 and two echoes: {out:?}");
    assert_eq!(by_reply[&7]["code"], 11);
    assert_eq!(by_reply[&8]["code"], 12);
    assert_eq!(by_reply[&9]["code"], 10);
    assert_eq!(by_reply[&10]["echo"].as_str().map(str::len), Some(4 << 20));
    assert_eq!(by_reply[&11]["echo"], json!([1, 1.0, "1"]));
}

#[test]
fn unknown_flags_and_bare_words_on_the_command_line_are_ignored() {
    let input = init("n0") + &line("c1", "n0", json!({"type": "echo", "echo": "still here", "msg_id": 1}));
    for bin in [ECHO, UNIQUE_IDS] {
        let out = run(bin, &["–-nemesis", "partition", "--bogus", "7", "word", "--boot-nonce", "x"], input.clone());
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 2, "{stdout}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("partition"), "stray words are reported on stderr");
    }
}

#[test]
fn help_prints_the_flags_and_exits_zero() {
    let out = run(UNIQUE_IDS, &["--help"], String::new());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--boot-nonce"), "{help}");
}

fn generated_ids(node_id: &str, count: u64) -> Vec<Value> {
    let mut input = init(node_id);
    for msg_id in 1..=count {
        input += &line("c9", node_id, json!({"type": "generate", "msg_id": msg_id}));
    }
    let out = messages(UNIQUE_IDS, &[], input);
    out.iter()
        .filter(|m| m["body"]["type"] == "generate_ok")
        .inspect(|m| assert_eq!(body_keys(m), ["id", "in_reply_to", "msg_id", "type"]))
        .map(|m| m["body"]["id"].clone())
        .collect()
}

#[test]
fn generated_ids_are_unique_across_nodes_and_restarts_and_all_strings() {
    const PER_RUN: u64 = 300;
    let runs = [
        generated_ids("n0", PER_RUN),
        generated_ids("n1", PER_RUN),
        generated_ids("n2", PER_RUN),
        generated_ids("n0", PER_RUN),
    ];
    let all: Vec<&Value> = runs.iter().flatten().collect();
    assert_eq!(all.len() as u64, 4 * PER_RUN);
    assert!(all.iter().all(|id| id.is_string()), "ids must be mutually comparable");
    let distinct: HashSet<&str> = all.iter().filter_map(|id| id.as_str()).collect();
    assert_eq!(distinct.len(), all.len(), "duplicate ids");
}

#[test]
fn a_thousand_concurrent_requests_with_colliding_msg_ids_are_each_answered_once() {
    const CLIENTS: u64 = 50;
    const PER_CLIENT: u64 = 20;
    let mut input = init("n0");
    for msg_id in 1..=PER_CLIENT {
        for client in 0..CLIENTS {
            let src = format!("c{}", client + 10);
            input += &line(&src, "n0", json!({"type": "echo", "echo": format!("{src}/{msg_id}"), "msg_id": msg_id}));
        }
    }
    let out = messages(ECHO, &[], input);
    let mut answered = HashSet::new();
    for msg in out.iter().filter(|m| m["body"]["type"] == "echo_ok") {
        let (dest, in_reply_to) = (msg["dest"].as_str().unwrap(), msg["body"]["in_reply_to"].as_u64().unwrap());
        assert_eq!(msg["body"]["echo"], format!("{dest}/{in_reply_to}"), "answer went to its own (src, msg_id)");
        assert!(answered.insert((dest.to_owned(), in_reply_to)), "answered twice: {dest} {in_reply_to}");
    }
    assert_eq!(answered.len() as u64, CLIENTS * PER_CLIENT);
}
