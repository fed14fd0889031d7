//! `glomer test`: a local runner that judges Maelstrom nodes as Maelstrom does.
//!
//! # Layout
//!
//! - [`cli`] parses `glomer test`'s flags into a [`config::TestConfig`].
//! - [`engine`] is the test: start-up, scheduler, nemesis, final phase, message routing.
//! - [`executor`] runs the nodes, as processes ([`executor::process`]) or in-process under
//!   virtual time ([`executor::sim`]).
//! - [`net`] is the simulated network and its journal; [`services`] the KV and TSO services;
//!   [`nemesis`] the partitions.
//! - [`workload`] has one module per Maelstrom workload: generator, client, checker;
//!   [`client`] holds the RPC rules they share.
//! - [`checker`] holds the checkers; [`results`] assembles Maelstrom's results map, and
//!   [`report`] writes the pages and figures people read; [`run`] ties a run together and
//!   writes the store directory.
#![deny(missing_docs)]

pub mod checker;
pub mod cli;
pub mod client;
pub mod config;
pub mod engine;
pub mod executor;
pub mod history;
pub mod nemesis;
pub mod net;
pub mod report;
pub mod results;
pub mod run;
pub mod services;
pub mod worker;
pub mod workload;
