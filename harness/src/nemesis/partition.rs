//! The partition nemesis's grudges (jepsen nemesis/combined.clj and maelstrom/nemesis.clj):
//! four shapes, each a map from a recipient to the senders it refuses; docs/harness.md says how
//! each is built.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// Recipient → senders it refuses.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

/// The shapes `start-partition` picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One node cut off from the rest.
    One,
    /// Nodes split in halves, `floor(N/2)` and the rest.
    Majority,
    /// The first `floor((N-1)/3)` of a shuffle cut off.
    MinorityThird,
    /// Every node hears a majority, no two the same one.
    MajoritiesRing,
}

/// Every shape, in the order Jepsen lists them.
pub const SHAPES: [Shape; 4] = [Shape::One, Shape::Majority, Shape::MinorityThird, Shape::MajoritiesRing];

impl Shape {
    /// Jepsen's keyword for the shape.
    pub fn name(self) -> &'static str {
        match self {
            Shape::One => "one",
            Shape::Majority => "majority",
            Shape::MinorityThird => "minority-third",
            Shape::MajoritiesRing => "majorities-ring",
        }
    }
}

/// Both directions between two groups.
fn split(a: &[String], b: &[String]) -> Grudge {
    let mut grudge = Grudge::new();
    for (side, other) in [(a, b), (b, a)] {
        for node in side {
            grudge.entry(node.clone()).or_default().extend(other.iter().cloned());
        }
    }
    grudge.retain(|_, senders| !senders.is_empty());
    grudge
}

/// The grudge of one `start-partition` of shape `shape` over `nodes`.
pub fn grudge(shape: Shape, nodes: &[String], rng: &mut ChaCha8Rng) -> Grudge {
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    let n = nodes.len();
    match shape {
        Shape::One if n > 0 => {
            let (one, rest) = shuffled.split_at(1);
            split(one, rest)
        }
        Shape::Majority => {
            let (a, b) = shuffled.split_at(n / 2);
            split(a, b)
        }
        Shape::MinorityThird => {
            let (a, b) = shuffled.split_at(n.saturating_sub(1) / 3);
            split(a, b)
        }
        Shape::MajoritiesRing => majorities_ring(&shuffled),
        Shape::One => Grudge::new(),
    }
}

/// For each window of `floor(N/2)+1` consecutive positions of the (shuffled) ring, the node in
/// the window's middle refuses every node outside it (Jepsen's construction for N ≤ 5; used
/// here for every N, see docs/harness.md).
fn majorities_ring(ring: &[String]) -> Grudge {
    let n = ring.len();
    let size = n / 2 + 1;
    let mut grudge = Grudge::new();
    if n < 2 {
        return grudge;
    }
    for start in 0..n {
        let window: BTreeSet<&String> = (0..size).map(|k| &ring[(start + k) % n]).collect();
        let middle = &ring[(start + size / 2) % n];
        let refused: BTreeSet<String> = ring.iter().filter(|node| !window.contains(node)).cloned().collect();
        if !refused.is_empty() {
            grudge.insert(middle.clone(), refused);
        }
    }
    grudge
}

/// The grudge as it appears in the history: `["isolated", {recipient: [senders]}]`.
pub fn grudge_value(grudge: &Grudge) -> Value {
    let map: serde_json::Map<String, Value> =
        grudge.iter().map(|(k, v)| (k.clone(), json!(v.iter().collect::<Vec<_>>()))).collect();
    json!(["isolated", map])
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn hears(grudge: &Grudge, node: &str, all: &[String]) -> usize {
        all.iter().filter(|s| grudge.get(node).is_none_or(|refused| !refused.contains(*s))).count()
    }

    #[test]
    fn majority_splits_both_ways() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let all = nodes(5);
        let g = grudge(Shape::Majority, &all, &mut rng);
        let cut: usize = all.iter().map(|n| 5 - hears(&g, n, &all)).sum();
        assert_eq!(cut, 2 * 2 * 3);
    }

    #[test]
    fn minority_third_of_three_cuts_nothing_and_one_of_one_cuts_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(grudge(Shape::MinorityThird, &nodes(3), &mut rng).is_empty());
        assert!(grudge(Shape::One, &nodes(1), &mut rng).is_empty());
    }

    #[test]
    fn majorities_ring_lets_each_of_five_hear_exactly_a_majority_and_all_differ() {
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let all = nodes(5);
            let g = grudge(Shape::MajoritiesRing, &all, &mut rng);
            let views: BTreeSet<Vec<&String>> =
                all.iter().map(|n| all.iter().filter(|s| g.get(n).is_none_or(|r| !r.contains(*s))).collect()).collect();
            assert!(all.iter().all(|n| hears(&g, n, &all) == 3), "seed {seed}: {g:?}");
            assert_eq!(views.len(), 5, "seed {seed}");
        }
    }

    #[test]
    fn majorities_ring_of_three_is_one_way() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let all = nodes(3);
        let g = grudge(Shape::MajoritiesRing, &all, &mut rng);
        assert!(all.iter().all(|n| hears(&g, n, &all) == 2));
        for (a, refused) in &g {
            for b in refused {
                assert!(g.get(b).is_none_or(|r| !r.contains(a)), "{a} and {b} cut both ways");
            }
        }
    }
}
