//! Worked examples for docs/writing-a-node.md: Maelstrom nodes written with glomer's adapters,
//! each a [`glomer_adapters::Workload`] run by a two-line binary.
//!
//! # Layout
//!
//! - [`node`]: [`node::Example`], one node that passes Maelstrom's `echo` and `broadcast`
//!   workloads (binary `glomer-example`).
//! - [`update`]: [`update::Updates`], a read-then-cas retry loop over a key-value service,
//!   written once so a workload only says how a value changes.
//! - [`counter`]: [`counter::Counter`], a grow-only counter kept in `lin-kv` with
//!   [`update::Updates`] (binary `glomer-example-counter`, workload `g-counter`).
//!
//! # Example
//!
//! Drive the node without any I/O, as the runtime and `glomer test --executor sim` do:
//!
//! ```
//! use glomer_adapters::Node;
//! use glomer_examples::node::Example;
//!
//! let mut node = Node::new(Example::default());
//! node.handle_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#, 0);
//! node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"hi"}}"#, 1);
//! let out = node.take_outbox();
//! assert_eq!(out[1].body.kind, "echo_ok");
//! assert_eq!(out[1].body.get("echo"), Some(&"hi".into()));
//! ```
#![deny(missing_docs)]

pub mod counter;
pub mod node;
pub mod update;
