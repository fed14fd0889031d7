//! Who gossips with whom: pure functions from the node count (and a seed) to neighbour lists.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Tries per node to find a partner for `random:K`'s extra edges before giving up; plenty for
/// the node counts Maelstrom runs (≤ a few dozen) and a bound when K exceeds what n allows.
const RANDOM_EDGE_ATTEMPTS: usize = 64;

/// A neighbour graph shape. Every generated graph is symmetric, free of self-loops and
/// connected (so anti-entropy reaches every node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topology {
    /// `maelstrom`: the lists the test sends (Maelstrom's `topology` message), by node index;
    /// made symmetric and cleaned of self-loops and out-of-range indices.
    Given(Vec<Vec<usize>>),
    /// `total`: everyone with everyone.
    Total,
    /// `line`: `i` with `i - 1` and `i + 1`.
    Line,
    /// `ring`: a line closed from the last node to the first.
    Ring,
    /// `grid`: a near-square grid, row-major, `ceil(sqrt(n))` columns.
    Grid,
    /// `star`: node 0 is the hub.
    Star,
    /// `tree:K`: a K-ary tree rooted at node 0 (parent of `i` is `(i - 1) / K`).
    Tree(usize),
    /// `random:K`: a seeded random spanning tree plus random edges until degrees reach about K.
    Random(usize),
    /// `stars:K`: a star of stars. Node 0 is the centre, nodes `1..=K` are hubs linked to it,
    /// and every other node is a leaf of hub `1 + (i - K - 1) mod K`: two levels of hubs, so no
    /// node has more than about `max(K, n / K)` neighbours, where a single star's hub has n - 1.
    Stars(usize),
}

/// Why a topology name did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// Not one of `maelstrom|total|line|ring|grid|star|tree:K|random:K|stars:K`.
    #[error("unknown topology {0:?}: expected maelstrom, total, line, ring, grid, star, tree:K, random:K or stars:K")]
    Unknown(String),
    /// `tree:K`, `random:K` or `stars:K` with K not a whole number ≥ 1.
    #[error("topology {0:?} needs a parameter K >= 1, e.g. tree:3")]
    BadParameter(String),
}

impl Topology {
    /// Neighbour lists (sorted) of nodes `0..n`; `seed` only matters for `random:K`.
    pub fn neighbours(&self, n: usize, seed: u64) -> Vec<Vec<usize>> {
        let mut graph = Graph::new(n);
        match self {
            Topology::Given(lists) => {
                for (a, list) in lists.iter().enumerate() {
                    list.iter().for_each(|&b| graph.link(a, b));
                }
            }
            Topology::Total => (0..n).for_each(|a| (a + 1..n).for_each(|b| graph.link(a, b))),
            Topology::Line => (1..n).for_each(|a| graph.link(a - 1, a)),
            Topology::Ring => {
                (1..n).for_each(|a| graph.link(a - 1, a));
                graph.link(n.saturating_sub(1), 0);
            }
            Topology::Grid => {
                let columns = (1..=n).find(|c| c * c >= n).unwrap_or(1);
                for a in 0..n {
                    if (a + 1) % columns != 0 {
                        graph.link(a, a + 1);
                    }
                    graph.link(a, a + columns);
                }
            }
            Topology::Star => (1..n).for_each(|a| graph.link(0, a)),
            Topology::Tree(k) => (1..n).for_each(|a| graph.link(a, (a - 1) / (*k).max(1))),
            Topology::Random(k) => random_graph(&mut graph, *k, seed),
            Topology::Stars(k) => {
                let hubs = (*k).max(1);
                for a in 1..n {
                    let hub = if a <= hubs { 0 } else { 1 + (a - hubs - 1) % hubs };
                    graph.link(a, hub);
                }
            }
        }
        graph.into_lists()
    }
}

/// A random spanning tree (each node in a shuffled order attaches to an earlier one) keeps the
/// graph connected; extra random edges then bring degrees up to about `k`.
fn random_graph(graph: &mut Graph, k: usize, seed: u64) {
    let n = graph.adjacency.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    for i in 1..n {
        let parent = order[rng.gen_range(0..i)];
        graph.link(order[i], parent);
    }
    for a in 0..n {
        for _ in 0..RANDOM_EDGE_ATTEMPTS {
            if graph.adjacency[a].len() >= k {
                break;
            }
            let b = rng.gen_range(0..n);
            if graph.adjacency[b].len() < k {
                graph.link(a, b);
            }
        }
    }
}

/// An undirected simple graph under construction.
struct Graph {
    adjacency: Vec<BTreeSet<usize>>,
}

impl Graph {
    fn new(n: usize) -> Self {
        Self { adjacency: vec![BTreeSet::new(); n] }
    }

    /// Adds the edge `a - b` both ways; self-loops and out-of-range ends are ignored.
    fn link(&mut self, a: usize, b: usize) {
        let n = self.adjacency.len();
        if a != b && a < n && b < n {
            self.adjacency[a].insert(b);
            self.adjacency[b].insert(a);
        }
    }

    fn into_lists(self) -> Vec<Vec<usize>> {
        self.adjacency.into_iter().map(|set| set.into_iter().collect()).collect()
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topology::Given(_) => write!(f, "maelstrom"),
            Topology::Total => write!(f, "total"),
            Topology::Line => write!(f, "line"),
            Topology::Ring => write!(f, "ring"),
            Topology::Grid => write!(f, "grid"),
            Topology::Star => write!(f, "star"),
            Topology::Tree(k) => write!(f, "tree:{k}"),
            Topology::Random(k) => write!(f, "random:{k}"),
            Topology::Stars(k) => write!(f, "stars:{k}"),
        }
    }
}

impl FromStr for Topology {
    type Err = TopologyError;

    /// Parses `maelstrom|total|line|ring|grid|star|tree:K|random:K`; `maelstrom` yields an
    /// empty `Given` that the adapter fills from the test's `topology` message.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parameter = |rest: &str| match rest.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(k),
            _ => Err(TopologyError::BadParameter(text.to_string())),
        };
        match text.split_once(':') {
            Some(("tree", rest)) => Ok(Topology::Tree(parameter(rest)?)),
            Some(("random", rest)) => Ok(Topology::Random(parameter(rest)?)),
            Some(("stars", rest)) => Ok(Topology::Stars(parameter(rest)?)),
            Some(_) => Err(TopologyError::Unknown(text.to_string())),
            None => match text {
                "maelstrom" => Ok(Topology::Given(Vec::new())),
                "total" => Ok(Topology::Total),
                "line" => Ok(Topology::Line),
                "ring" => Ok(Topology::Ring),
                "grid" => Ok(Topology::Grid),
                "star" => Ok(Topology::Star),
                "tree" | "random" | "stars" => Err(TopologyError::BadParameter(text.to_string())),
                _ => Err(TopologyError::Unknown(text.to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_connected(lists: &[Vec<usize>]) -> bool {
        let mut seen = vec![false; lists.len()];
        let mut stack = vec![0];
        while let Some(a) = stack.pop() {
            if a < lists.len() && !seen[a] {
                seen[a] = true;
                stack.extend(lists[a].iter().copied());
            }
        }
        seen.iter().all(|s| *s)
    }

    fn all() -> Vec<Topology> {
        let names = [
            "total", "line", "ring", "grid", "star", "tree:1", "tree:2", "tree:3", "random:1", "random:3", "stars:1",
            "stars:4",
        ];
        names.iter().map(|name| name.parse().unwrap()).collect()
    }

    #[test]
    fn every_topology_is_symmetric_loop_free_and_connected() {
        for topology in all() {
            for n in 1..=30 {
                for seed in 0..5 {
                    let lists = topology.neighbours(n, seed);
                    assert_eq!(lists.len(), n, "{topology} n={n}");
                    for (a, list) in lists.iter().enumerate() {
                        assert!(!list.contains(&a), "{topology} n={n} seed={seed}: self-loop at {a}");
                        for &b in list {
                            assert!(lists[b].contains(&a), "{topology} n={n} seed={seed}: {a}->{b} one-way");
                        }
                    }
                    assert!(is_connected(&lists), "{topology} n={n} seed={seed}: disconnected");
                }
            }
        }
    }

    #[test]
    fn random_is_deterministic_per_seed_and_near_degree_k() {
        let topology = Topology::Random(3);
        assert_eq!(topology.neighbours(25, 7), topology.neighbours(25, 7));
        let lists = topology.neighbours(25, 7);
        let edges: usize = lists.iter().map(Vec::len).sum::<usize>() / 2;
        assert!((24..=25 * 3).contains(&edges), "edges {edges}");
    }

    #[test]
    fn names_round_trip_and_bad_names_fail() {
        for topology in all() {
            assert_eq!(topology.to_string().parse::<Topology>().unwrap(), topology);
        }
        assert_eq!("maelstrom".parse::<Topology>().unwrap(), Topology::Given(vec![]));
        assert!(matches!("tree:0".parse::<Topology>(), Err(TopologyError::BadParameter(_))));
        assert!(matches!("random".parse::<Topology>(), Err(TopologyError::BadParameter(_))));
        assert!(matches!("mesh".parse::<Topology>(), Err(TopologyError::Unknown(_))));
    }

    #[test]
    fn given_is_made_symmetric_and_cleaned() {
        let given = Topology::Given(vec![vec![1, 0, 9], vec![], vec![1]]);
        assert_eq!(given.neighbours(3, 0), vec![vec![1], vec![0, 2], vec![1]]);
    }

    #[test]
    fn stars_bounds_every_degree_by_about_k_and_n_over_k() {
        let lists = Topology::Stars(10).neighbours(1_000, 0);
        assert_eq!(lists[0], (1..=10).collect::<Vec<_>>());
        let degree_max = lists.iter().map(Vec::len).max().unwrap_or(0);
        // Each hub: the centre plus (1000 - 11) / 10 rounded up = 99 leaves.
        assert_eq!(degree_max, 100);
        assert!(lists[11..].iter().all(|list| list.len() == 1), "leaves hang off one hub");
    }

    #[test]
    fn grid_is_near_square() {
        let lists = Topology::Grid.neighbours(9, 0);
        assert_eq!(lists[4], vec![1, 3, 5, 7]);
        assert_eq!(lists[0], vec![1, 3]);
    }
}
