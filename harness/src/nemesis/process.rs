//! The process faults, as Jepsen's `db-package` draws them (jepsen nemesis/combined.clj):
//! each op picks the kill family or the pause family at random (`gen/mix`), and each family
//! alternates (`gen/flip-flop`) between hitting a target drawn from [`NodeSpec::ALL`] and
//! undoing it on every node: kill, start, kill, start…; pause, resume, pause, resume…

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Which nodes a kill or pause hits (Jepsen's `node-specs` and `db-nodes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSpec {
    /// A random non-empty subset (Jepsen's `nil` spec).
    RandomSubset,
    /// One random node.
    One,
    /// `floor((N-1)/3)` random nodes.
    MinorityThird,
    /// `floor(N/2)` random nodes: one less than a majority.
    Minority,
    /// `floor(N/2)+1` random nodes.
    Majority,
    /// Every node.
    All,
}

impl NodeSpec {
    /// The specs an op draws from, in Jepsen's order.
    pub const ALL: [NodeSpec; 6] = [
        NodeSpec::RandomSubset,
        NodeSpec::One,
        NodeSpec::MinorityThird,
        NodeSpec::Minority,
        NodeSpec::Majority,
        NodeSpec::All,
    ];

    /// Jepsen's keyword for the spec; `None` for the random subset, whose spec is `nil`.
    pub fn name(self) -> Option<&'static str> {
        match self {
            NodeSpec::RandomSubset => None,
            NodeSpec::One => Some("one"),
            NodeSpec::MinorityThird => Some("minority-third"),
            NodeSpec::Minority => Some("minority"),
            NodeSpec::Majority => Some("majority"),
            NodeSpec::All => Some("all"),
        }
    }

    /// The nodes (indices into a list of `n`) this spec picks.
    pub fn pick(self, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let mut shuffled: Vec<usize> = (0..n).collect();
        shuffled.shuffle(rng);
        let count = match self {
            NodeSpec::RandomSubset if n > 0 => 1 + rng.gen_range(0..n),
            NodeSpec::RandomSubset => 0,
            NodeSpec::One => n.min(1),
            NodeSpec::MinorityThird => n.saturating_sub(1) / 3,
            NodeSpec::Minority => n / 2,
            NodeSpec::Majority => (n / 2 + 1).min(n),
            NodeSpec::All => n,
        };
        shuffled.truncate(count);
        shuffled.sort_unstable();
        shuffled
    }
}

/// One step of the process nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessOp {
    /// SIGKILL the nodes the spec picks.
    Kill(NodeSpec),
    /// Restart every killed node, each with a fresh `init`.
    Start,
    /// SIGSTOP the nodes the spec picks.
    Pause(NodeSpec),
    /// SIGCONT every paused node.
    Resume,
}

impl ProcessOp {
    /// The op's `:f` in the history.
    pub fn f(self) -> &'static str {
        match self {
            ProcessOp::Kill(_) => "kill",
            ProcessOp::Start => "start",
            ProcessOp::Pause(_) => "pause",
            ProcessOp::Resume => "resume",
        }
    }
}

/// The kill and pause families and where each is in its alternation.
#[derive(Debug, Clone, Default)]
pub struct ProcessFaults {
    kill: bool,
    pause: bool,
    /// The kill family's next step is a start.
    killed: bool,
    /// The pause family's next step is a resume.
    paused: bool,
}

impl ProcessFaults {
    /// The families `kill` and `pause` (at least one should be on).
    pub fn new(kill: bool, pause: bool) -> Self {
        ProcessFaults { kill, pause, killed: false, paused: false }
    }

    /// The next step: a family picked uniformly among those on (pause listed first, as Jepsen
    /// lists its modes), then that family's next step.
    pub fn next(&mut self, rng: &mut ChaCha8Rng) -> Option<ProcessOp> {
        let families: Vec<bool> =
            [self.pause.then_some(true), self.kill.then_some(false)].into_iter().flatten().collect();
        let pause = *families.get(rng.gen_range(0..families.len().max(1)))?;
        Some(if pause {
            self.paused = !self.paused;
            if self.paused {
                ProcessOp::Pause(NodeSpec::ALL[rng.gen_range(0..NodeSpec::ALL.len())])
            } else {
                ProcessOp::Resume
            }
        } else {
            self.killed = !self.killed;
            if self.killed {
                ProcessOp::Kill(NodeSpec::ALL[rng.gen_range(0..NodeSpec::ALL.len())])
            } else {
                ProcessOp::Start
            }
        })
    }

    /// The steps that undo every fault before the final phase, in Jepsen's order: resume, then
    /// start.
    pub fn undo_all(&self) -> Vec<ProcessOp> {
        [self.pause.then_some(ProcessOp::Resume), self.kill.then_some(ProcessOp::Start)].into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn specs_pick_jepsens_sizes_without_repeats() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let sizes: Vec<usize> =
            [NodeSpec::One, NodeSpec::MinorityThird, NodeSpec::Minority, NodeSpec::Majority, NodeSpec::All]
                .iter()
                .map(|s| s.pick(5, &mut rng).len())
                .collect();
        assert_eq!(sizes, [1, 1, 2, 3, 5]);
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut subset = NodeSpec::RandomSubset.pick(5, &mut rng);
            assert!((1..=5).contains(&subset.len()), "seed {seed}: {subset:?}");
            subset.dedup();
            assert!(subset.iter().all(|&i| i < 5), "seed {seed}: {subset:?}");
        }
    }

    #[test]
    fn each_family_alternates_its_fault_with_undoing_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut faults = ProcessFaults::new(true, true);
        let (mut killed, mut paused) = (false, false);
        for _ in 0..200 {
            match faults.next(&mut rng).expect("a step") {
                ProcessOp::Kill(_) => assert!(!std::mem::replace(&mut killed, true)),
                ProcessOp::Start => assert!(std::mem::replace(&mut killed, false)),
                ProcessOp::Pause(_) => assert!(!std::mem::replace(&mut paused, true)),
                ProcessOp::Resume => assert!(std::mem::replace(&mut paused, false)),
            }
        }
        assert_eq!(faults.undo_all(), [ProcessOp::Resume, ProcessOp::Start]);
    }

    #[test]
    fn kill_alone_never_pauses() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut faults = ProcessFaults::new(true, false);
        assert!((0..50).all(|_| matches!(faults.next(&mut rng), Some(ProcessOp::Kill(_) | ProcessOp::Start))));
        assert_eq!(ProcessFaults::new(false, false).next(&mut rng), None);
    }
}
