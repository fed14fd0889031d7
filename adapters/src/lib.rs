//! Maelstrom protocol, a sans-IO node, the tokio runtime, and one module per workload.
#![deny(missing_docs)]

pub mod flags;
pub mod node;
pub mod protocol;
pub mod request;
pub mod runtime;
pub mod services;
pub mod workload;
pub mod workloads;

pub use node::Node;
pub use protocol::{Body, Error, ErrorCode, Message};
pub use workload::{CallId, Context, RpcError, Workload};
