//! The tokio runtime, driven over in-memory pipes as Maelstrom drives it over stdin/stdout.

use glomer_adapters::runtime::run_io;
use glomer_adapters::{Body, CallId, Context, Error, Message, RpcError, Timer, Workload};
use serde_json::{json, Value};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};

/// `slow` waits for a lin-kv read before answering; `fast` answers at once; `later` answers
/// from a timer.
#[derive(Default)]
struct Waiter {
    waiting: Vec<(CallId, Message)>,
    later: Vec<Message>,
}

impl Workload for Waiter {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        match &*msg.body.kind {
            "slow" => {
                let call = ctx.call("lin-kv", Body::new("read").with("key", 0), 60_000);
                self.waiting.push((call, msg));
            }
            "fast" => ctx.reply(&msg, Body::new("fast_ok")),
            "later" => {
                ctx.set_timer(20, Timer::Token(0));
                self.later.push(msg);
            }
            other => return Err(Error::not_supported(other)),
        }
        Ok(())
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        if let (Some(at), Ok(reply)) = (self.waiting.iter().position(|(c, _)| *c == call), reply) {
            let (_, request) = self.waiting.remove(at);
            ctx.reply(&request, Body::new("slow_ok").with("value", reply.body.get("value").cloned()));
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, _: Timer) {
        for request in std::mem::take(&mut self.later) {
            ctx.reply(&request, Body::new("later_ok"));
        }
    }
}

/// Far beyond any expected reply time; only turns a bug into a failure instead of a hang.
const RECV_TIMEOUT: Duration = Duration::from_secs(10);

struct Maelstrom {
    to_node: DuplexStream,
    from_node: Lines<BufReader<DuplexStream>>,
    node: tokio::task::JoinHandle<Result<(), glomer_adapters::runtime::RuntimeError>>,
}

impl Maelstrom {
    fn start() -> Self {
        // Two pipes, so that dropping `to_node` is the node's end of input.
        let (to_node, node_in) = tokio::io::duplex(1 << 16);
        let (node_out, from_node) = tokio::io::duplex(1 << 16);
        let node = tokio::spawn(run_io(Waiter::default(), node_in, node_out));
        Self { to_node, from_node: BufReader::new(from_node).lines(), node }
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.to_node.write_all(bytes).await.unwrap();
    }

    async fn send(&mut self, src: &str, body: Value) {
        let line = json!({"src": src, "dest": "n0", "body": body}).to_string() + "\n";
        self.send_raw(line.as_bytes()).await;
    }

    async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(RECV_TIMEOUT, self.from_node.next_line()).await;
        let line = line.expect("no reply in time").unwrap().expect("node closed stdout");
        serde_json::from_str(&line).unwrap()
    }

    async fn init(&mut self) {
        self.send("c0", json!({"type": "init", "msg_id": 1, "node_id": "n0", "node_ids": ["n0"]})).await;
        assert_eq!(self.recv().await["body"]["type"], "init_ok");
    }
}

#[tokio::test]
async fn a_request_waiting_on_a_service_does_not_hold_up_others() {
    let mut m = Maelstrom::start();
    m.init().await;
    m.send("c1", json!({"type": "slow", "msg_id": 1})).await;
    m.send("c2", json!({"type": "fast", "msg_id": 1})).await;
    let call = m.recv().await;
    assert_eq!((call["dest"].as_str(), call["body"]["type"].as_str()), (Some("lin-kv"), Some("read")));
    let fast = m.recv().await;
    assert_eq!((fast["dest"].as_str(), fast["body"]["type"].as_str()), (Some("c2"), Some("fast_ok")));
    let call_id = call["body"]["msg_id"].clone();
    m.send("lin-kv", json!({"type": "read_ok", "value": 42, "in_reply_to": call_id})).await;
    let slow = m.recv().await;
    assert_eq!(slow["dest"], "c1");
    assert_eq!(slow["body"]["value"], 42);
}

#[tokio::test]
async fn timers_fire_in_real_time_without_input() {
    let mut m = Maelstrom::start();
    m.init().await;
    m.send("c1", json!({"type": "later", "msg_id": 5})).await;
    let reply = m.recv().await;
    assert_eq!((reply["body"]["type"].as_str(), reply["body"]["in_reply_to"].as_u64()), (Some("later_ok"), Some(5)));
}

#[tokio::test]
async fn bad_lines_are_skipped_and_end_of_input_ends_the_run_cleanly() {
    let mut m = Maelstrom::start();
    m.send_raw(b"\n\xff\xfe not utf-8\nnot json\n{\"src\":\"c1\"}\n").await;
    m.init().await;
    m.send("c1", json!({"type": "fast", "msg_id": 2})).await;
    let Maelstrom { to_node, mut from_node, node } = m;
    drop(to_node);
    let reply: Value = serde_json::from_str(&from_node.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(reply["body"]["type"], "fast_ok");
    let ended = tokio::time::timeout(RECV_TIMEOUT, node).await.expect("the run ends at end of input");
    assert!(ended.unwrap().is_ok());
    assert_eq!(from_node.next_line().await.unwrap(), None, "stdout is closed after the run");
}
