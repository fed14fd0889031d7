//! glomer-kv processes on 127.0.0.1 for tests: ephemeral ports, short SWIM and sync intervals,
//! killed when dropped, and a small blocking HTTP client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a process may take to print its addresses.
const START_MAX: Duration = Duration::from_secs(20);
/// Every wait gives up after this long, so a broken build fails instead of hanging.
pub const WAIT_MAX: Duration = Duration::from_secs(30);
/// SWIM probe period for tests: a killed replica is down after about a second and a half.
const PROBE_PERIOD_MS: &str = "200";
/// Delta batch interval for tests.
const BATCH_INTERVAL_MS: &str = "20";

/// One glomer-kv process; SIGKILLed when dropped.
pub struct Node {
    pub name: String,
    pub http: SocketAddr,
    pub gossip: SocketAddr,
    child: Child,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Sends SIGKILL without waiting, so several replicas can be killed at the same moment;
    /// dropping the node reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }
}

/// Starts a replica named `name`; `ports` reuses the addresses of an earlier run.
pub fn spawn(name: &str, seeds: &[SocketAddr], ports: Option<(SocketAddr, SocketAddr)>) -> Node {
    spawn_with(name, seeds, ports, &[])
}

/// [`spawn`] with more flags (`--data-dir`, `--durability`).
pub fn spawn_with(name: &str, seeds: &[SocketAddr], ports: Option<(SocketAddr, SocketAddr)>, flags: &[String]) -> Node {
    start(name, command(name, seeds, ports, flags))
}

/// The command line of a replica, to run as it is or under a wrapper.
pub fn command(name: &str, seeds: &[SocketAddr], ports: Option<(SocketAddr, SocketAddr)>, flags: &[String]) -> Command {
    let any = "127.0.0.1:0".parse().unwrap();
    let (http, gossip) = ports.unwrap_or((any, any));
    let mut command = Command::new(env!("CARGO_BIN_EXE_glomer-kv"));
    command.args(["--name", name, "--http", &http.to_string(), "--gossip", &gossip.to_string()]);
    command.args(["--probe-period-ms", PROBE_PERIOD_MS, "--batch-interval-ms", BATCH_INTERVAL_MS]);
    for seed in seeds {
        command.args(["--seed", &seed.to_string()]);
    }
    command.args(flags);
    command
}

/// Runs `command` (a replica named `name`) and waits for it to print its addresses.
pub fn start(name: &str, mut command: Command) -> Node {
    let stderr = if std::env::var_os("GLOMER_KV_TEST_LOG").is_some() { Stdio::inherit() } else { Stdio::null() };
    command.stdout(Stdio::piped()).stderr(stderr);
    let mut child = command.spawn().expect("glomer-kv starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(START_MAX).unwrap_or_default();
    let addrs: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
        let _ = child.kill();
        panic!("{name} did not print its addresses: {line:?}")
    });
    let addr = |field: &str| addrs[field].as_str().and_then(|s| s.parse().ok()).expect("an address");
    Node { name: name.to_string(), http: addr("http"), gossip: addr("gossip"), child }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(5)).build()
}

/// Status and JSON body of one request (error statuses included).
pub fn request(node: &Node, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let request = agent().request(method, &format!("http://{}{path}", node.http));
    let response = match body {
        Some(body) => request.send_string(body),
        None => request.call(),
    };
    let response = match response {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {path} at {}: {error}", node.name),
    };
    let status = response.status();
    (status, response.into_json().unwrap_or(Value::Null))
}

pub fn put(node: &Node, key: &str, value: &str) {
    assert_eq!(request(node, "PUT", &format!("/kv/{key}"), Some(value)).0, 200, "PUT {key} at {}", node.name);
}

/// The values of `key` at `node` (empty on 404).
pub fn values(node: &Node, key: &str) -> Vec<Value> {
    let (_, body) = request(node, "GET", &format!("/kv/{key}"), None);
    body["values"].as_array().cloned().unwrap_or_default()
}

pub fn keys(node: &Node) -> Vec<String> {
    let (_, body) = request(node, "GET", "/kv", None);
    serde_json::from_value(body["keys"].clone()).unwrap_or_default()
}

/// What `node` says about the member named `name` ("alive", "suspect", "down" or absent).
pub fn state_of(node: &Node, name: &str) -> Option<String> {
    let (_, body) = request(node, "GET", "/cluster", None);
    let members = body["members"].as_array()?.clone();
    let member = members.iter().find(|member| member["name"] == name)?;
    member["state"].as_str().map(str::to_string)
}

/// Polls `done` until it holds; panics naming `what` after [`WAIT_MAX`]. Returns the time taken.
pub fn eventually(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < WAIT_MAX, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
    started.elapsed()
}

/// A cluster of `n` replicas named r0.., all joining through r0.
pub fn cluster(n: usize) -> Vec<Node> {
    let first = spawn("r0", &[], None);
    let seed = first.gossip;
    let mut nodes = vec![first];
    nodes.extend((1..n).map(|i| spawn(&format!("r{i}"), &[seed], None)));
    let names: Vec<String> = nodes.iter().map(|node| node.name.clone()).collect();
    eventually("every replica sees every other alive", || {
        nodes.iter().all(|node| names.iter().all(|name| state_of(node, name).as_deref() == Some("alive")))
    });
    nodes
}
