//! `glomer test`: a local runner that judges Maelstrom nodes as Maelstrom does.
//!
//! Comments cite Maelstrom's documents by their path under
//! <https://github.com/jepsen-io/maelstrom/tree/main/doc> (`doc/protocol.md`,
//! `doc/workloads.md`, `doc/services.md`, `doc/results.md`), its source by file under `src/`
//! (`maelstrom/net.clj`), and this repository's docs/harness.md and docs/checkers.md.
//!
//! # Layout
//!
//! - [`cli`] parses `glomer test`'s flags into a [`config::TestConfig`].
//! - [`test`](mod@test) is the test itself: its phases, the op schedule, the nemesis's faults and the
//!   routing of every message ([`test::Test`]).
//! - [`executor`] runs the nodes, as processes ([`executor::process`]) or in-process under
//!   virtual time ([`executor::sim`]).
//! - [`net`] is the simulated network and its journal; [`services`] the KV and TSO services;
//!   [`nemesis`] the partition, kill and pause faults.
//! - [`workload`] has one module per Maelstrom workload: setup, generator, client, checker;
//!   [`client`] holds the RPC rules they share; [`op`] the ops and completions everything
//!   passes around; [`worker`] the workers that perform them.
//! - [`checker`] holds the checkers; [`results`] assembles Maelstrom's results map, and
//!   [`report`] writes the pages and figures people read from a run's [`outcome::Report`];
//!   [`run`] ties a run together and writes the store directory.
//!
//! # Example
//!
//! Two seconds of Maelstrom's echo workload against glomer's echo node, in-process under
//! virtual time:
//!
//! ```
//! use glomer_harness::config::TestConfig;
//! use glomer_harness::executor::sim::SimExecutor;
//! use glomer_harness::history::Validity;
//!
//! let mut config = TestConfig::new("echo", 1);
//! config.time_limit_s = 2.0;
//! let workload = glomer_harness::workload::build(&config).unwrap();
//! let mut nodes = SimExecutor::from_registry("echo", &[]).unwrap();
//! let report = glomer_harness::run::run_with(&config, workload, &mut nodes).unwrap();
//! assert_eq!(report.valid(), Validity::True);
//! ```
#![deny(missing_docs)]

pub mod checker;
pub mod cli;
pub mod client;
pub mod config;
pub mod executor;
pub mod history;
pub mod nemesis;
pub mod net;
pub mod op;
pub mod outcome;
pub mod report;
pub mod results;
pub mod run;
pub mod services;
pub mod test;
pub mod worker;
pub mod workload;
