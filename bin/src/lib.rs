//! Shared start-up for the thin `glomer-*` node binaries: install logging, read the node's
//! flags, run the workload on stdin/stdout until stdin ends.
//!
//! Every binary is `glomer-` + the workload's Maelstrom name and is one line long:
//!
//! ```no_run
//! fn main() -> anyhow::Result<()> {
//!     glomer_nodes::run_node::<glomer_adapters::workloads::echo::Echo>()
//! }
//! ```
#![deny(missing_docs)]

use glomer_adapters::flags::{self, FromFlags, HelpRequested};
use glomer_adapters::{runtime, Workload};

/// Runs the node for workload `W` with this process's arguments, stdin and stdout.
///
/// Unknown arguments are reported on stderr and ignored, bad values keep their defaults, and
/// `--help` prints the flags and returns: a node never exits on its own otherwise.
pub fn run_node<W: Workload + FromFlags>() -> anyhow::Result<()> {
    runtime::init_tracing();
    // Lossy, because a stray non-UTF-8 argument must not stop the node either.
    let args: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    match flags::parse::<W::Flags>(&args) {
        Err(HelpRequested(help)) => {
            println!("{help}");
            Ok(())
        }
        Ok(flags) => {
            tracing::info!(?flags, "node starting");
            runtime::run(W::from_flags(flags))?;
            tracing::info!("stdin closed; node stopping");
            Ok(())
        }
    }
}
