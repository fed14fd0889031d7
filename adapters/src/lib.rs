//! Maelstrom protocol, a sans-IO node, the tokio runtime, and one module per workload.
//!
//! A node is three layers (docs/maelstrom.md tells the whole story): a [`Workload`] says what
//! one node of one Maelstrom workload does, acting only through a [`Context`]; a [`Node`] wraps
//! it with the rules every workload shares (`init`, buffering before it, error replies, reply
//! matching, timers and call timeouts) without any I/O; [`runtime::run`] drives a `Node` from
//! stdin and stdout in real time. The harness drives the same `Node` under virtual time.
//! Every CRDT workload is one [`replicated::Replicated`] node around a small
//! [`replicated::Crdt`]: its state, its requests and one handler.
//!
//! # Layout
//!
//! - [`protocol`]: the envelope ([`Message`], shared with the harness), bodies and error codes,
//!   and [`protocol::line`], a message as one JSON line on the hot path;
//! - [`name`]: [`Name`]s (node ids, message kinds) and the table a node reads them through;
//! - [`workload`]: the [`Workload`] trait, its [`Context`] and [`Timer`]s;
//! - [`node`]: the sans-IO [`Node`];
//! - [`request`]: typed request parsing with Maelstrom's errors 10 and 12;
//! - [`replicated`]: the one replicated workload and the [`replicated::Crdt`] trait;
//! - [`adaptive`]: the batch interval tuned to a latency target;
//! - [`gossip_config`]: presets and flags of replication; [`json_element`]: JSON as set elements;
//! - [`flags`]: lenient command-line flags ([`flags::FromFlags`]);
//! - [`services`]: clients of `seq-kv`, `lin-kv`, `lww-kv` and `lin-tso`;
//! - [`runtime`]: the tokio driver;
//! - [`workloads`]: one module per workload and [`workloads::build`] by Maelstrom name.
//!
//! # Example
//!
//! ```
//! use glomer_adapters::workloads::echo::Echo;
//! use glomer_adapters::Node;
//!
//! let mut node = Node::new(Echo);
//! node.handle_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#, 0);
//! node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"hi"}}"#, 1);
//! let out = node.take_outbox();
//! assert_eq!(out[1].body.kind, "echo_ok");
//! assert_eq!(out[1].body.in_reply_to, Some(1));
//! ```
#![deny(missing_docs)]

pub mod adaptive;
pub mod flags;
pub mod gossip_config;
pub mod json_element;
pub mod name;
pub mod node;
pub mod protocol;
pub mod replicated;
pub mod request;
pub mod runtime;
pub mod services;
pub mod workload;
pub mod workloads;

pub use flags::FromFlags;
pub use name::Name;
pub use node::Node;
pub use protocol::{Body, Error, ErrorCode, Message};
pub use workload::{CallId, Context, RpcError, Timer, Workload};
