//! What a finished run hands back: the verdict and results map, the history, the network's
//! counts, the fault periods and the journaled messages. [`crate::run`] produces it and
//! [`crate::report`] draws it; neither needs the other's internals.

use crate::config::TestConfig;
use crate::history::{Op, Validity};
use crate::nemesis::FaultPeriod;
use crate::net::journal::Journal;
use crate::net::stats::NetStats;
use crate::results::Analysis;

/// A finished run.
#[derive(Debug)]
pub struct Report {
    /// Verdict and results map.
    pub analysis: Analysis,
    /// The history.
    pub history: Vec<Op>,
    /// The journal's counts.
    pub net: NetStats,
    /// Server messages sent per second.
    pub server_sends_per_s: Vec<u64>,
    /// Nodes muted and why.
    pub problems: Vec<String>,
    /// When each fault of the nemesis was in force, for plots that mark them.
    pub faults: Vec<FaultPeriod>,
    /// The journaled window of messages, for messages.svg.
    pub messages: Journal,
    /// The settings the run used.
    pub config: TestConfig,
}

impl Report {
    /// The verdict.
    pub fn valid(&self) -> Validity {
        self.analysis.valid
    }
}
