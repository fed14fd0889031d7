//! Arbitrary input never panics a node, and everything it prints is a well-formed message.

use glomer_adapters::workloads::echo::Echo;
use glomer_adapters::Node;
use proptest::prelude::*;
use serde_json::Value;

/// Lines that look like Maelstrom's, mutated, mixed with noise.
fn line() -> impl Strategy<Value = String> {
    let kinds = prop::sample::select(vec!["init", "echo", "echo_ok", "error", "generate", "", "read"]);
    let srcs = prop::sample::select(vec!["c1", "c2", "n1", "seq-kv", "", "x"]);
    let shaped = (srcs, kinds, prop::option::of(any::<i64>()), prop::option::of(any::<u8>()), ".{0,12}").prop_map(
        |(src, kind, msg_id, in_reply_to, text)| {
            let mut body = serde_json::json!({"type": kind, "echo": text, "node_id": "n0", "node_ids": ["n0", text]});
            if let Some(id) = msg_id {
                body["msg_id"] = id.into();
            }
            if let Some(id) = in_reply_to {
                body["in_reply_to"] = id.into();
            }
            serde_json::json!({"src": src, "dest": "n0", "body": body}).to_string()
        },
    );
    prop_oneof![
        shaped,
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_algorithm: prop::test_runner::RngAlgorithm::ChaCha, rng_seed: prop::test_runner::RngSeed::Fixed(0x006c_6f6d_6572), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_lines_never_panic_and_only_well_formed_messages_come_out(lines in prop::collection::vec(line(), 0..40)) {
        let mut node = Node::new(Echo);
        for (now_ms, line) in lines.iter().enumerate() {
            node.handle_line(line, now_ms as u64);
            node.tick(now_ms as u64);
            for msg in node.take_outbox() {
                let text = serde_json::to_string(&msg).unwrap();
                prop_assert!(!text.contains('\n'));
                let value: Value = serde_json::from_str(&text).unwrap();
                let object = value.as_object().unwrap();
                prop_assert_eq!(object.len(), 3, "only src, dest, body: {}", text);
                prop_assert!(object["src"].is_string() && object["dest"].is_string());
                prop_assert!(object["body"]["type"].is_string(), "{}", text);
                prop_assert!(object["body"]["in_reply_to"].is_u64(), "every output here answers something: {}", text);
            }
        }
    }
}
