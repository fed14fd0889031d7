//! The nemesis: which faults a test injects and when (jepsen nemesis/combined.clj; Maelstrom's
//! `--nemesis`, with kill and pause from its main branch, pull request #102).
//!
//! # Layout
//! - [`partition`]: the grudges of `start-partition`;
//! - [`process`]: the kill/start and pause/resume steps and their target node specs;
//! - here: the `--nemesis` fault list, the schedule, and the fault periods results report.
//!
//! As in Jepsen's combined nemesis, the partition package and the process package (kill and
//! pause) each run on their own schedule (`gen/any` of two `stagger`ed generators), each with
//! one op every `--nemesis-interval` seconds on average.

pub mod partition;
pub mod process;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use self::partition::{grudge, grudge_value, Grudge, Shape, SHAPES};

/// The faults `--nemesis` asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// Network partitions.
    pub partition: bool,
    /// SIGKILL of node processes, restarted later with a fresh `init`.
    pub kill: bool,
    /// SIGSTOP of node processes, resumed later with SIGCONT.
    pub pause: bool,
}

impl Faults {
    /// Every fault name `--nemesis` accepts.
    pub const NAMES: [&'static str; 3] = ["partition", "kill", "pause"];

    /// The faults of a comma list (spaces allowed around commas), or the first unknown name.
    pub fn parse(list: &str) -> Result<Faults, String> {
        let mut faults = Faults::default();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "partition" => faults.partition = true,
                "kill" => faults.kill = true,
                "pause" => faults.pause = true,
                other => return Err(other.to_owned()),
            }
        }
        Ok(faults)
    }

    /// Whether any fault is on.
    pub fn any(&self) -> bool {
        self.partition || self.kill || self.pause
    }
}

/// When a nemesis package acts next: Jepsen's `stagger`, whose first op comes at once and each
/// later one after a gap U[0, 2·interval).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Time of the next nemesis op.
    pub next_ns: u64,
    interval_ns: u64,
}

impl Schedule {
    /// A schedule whose first op is at `start_ns`.
    pub fn new(start_ns: u64, interval_s: f64) -> Self {
        Schedule { next_ns: start_ns, interval_ns: (interval_s * 1e9) as u64 }
    }

    /// Records that an op ran at `now_ns`: the next one comes after a gap U[0, 2·interval).
    pub fn advance(&mut self, now_ns: u64, rng: &mut ChaCha8Rng) {
        self.next_ns = now_ns + rng.gen_range(0..(2 * self.interval_ns).max(1));
    }
}

/// A kind of fault, as results name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// A network partition.
    Partition,
    /// Nodes killed.
    Kill,
    /// Nodes paused.
    Pause,
}

/// One stretch of time during which a fault was in force, for results and plots (Jepsen's perf
/// plots shade the same intervals, from `:start-partition` to `:stop-partition` and so on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultPeriod {
    /// The fault.
    pub fault: Fault,
    /// The nodes it hit (for a partition: every node that refused someone).
    pub nodes: Vec<String>,
    /// When it began, in ns since the test started.
    pub start_ns: u64,
    /// When it ended; `None`: still in force when the test ended.
    pub end_ns: Option<u64>,
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn gaps_stay_below_twice_the_interval() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut s = Schedule::new(0, 10.0);
        assert_eq!(s.next_ns, 0);
        for _ in 0..100 {
            let before = s.next_ns;
            s.advance(before, &mut rng);
            assert!(s.next_ns - before < 20_000_000_000);
        }
    }

    #[test]
    fn fault_lists_combine_and_unknown_names_are_named() {
        let all = Faults { partition: true, kill: true, pause: true };
        assert_eq!(Faults::parse("partition, kill ,pause"), Ok(all));
        assert_eq!(Faults::parse("kill"), Ok(Faults { kill: true, ..Faults::default() }));
        assert_eq!(Faults::parse("partition,clock"), Err("clock".to_owned()));
        assert!(!Faults::parse("").unwrap().any());
    }
}
