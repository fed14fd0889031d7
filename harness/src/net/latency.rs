//! Per-message delay (docs/harness.md; maelstrom/net.clj).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

/// `--latency-dist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyDist {
    /// Exactly L ms.
    Constant,
    /// An integer uniform in 0 … 2L−1 ms.
    Uniform,
    /// An exponential variate with mean L ms, truncated to whole ms.
    Exponential,
}

impl LatencyDist {
    /// Parses Maelstrom's name for a distribution.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "constant" => Some(LatencyDist::Constant),
            "uniform" => Some(LatencyDist::Uniform),
            "exponential" => Some(LatencyDist::Exponential),
            _ => None,
        }
    }
}

/// The latency model of one network: a distribution and its parameter L.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// The distribution.
    pub dist: LatencyDist,
    /// L, in ms. Must be at least 1 for the random distributions (checked by the CLI).
    pub mean_ms: u64,
}

impl Latency {
    /// The delay of one node↔node or node↔service message, in ms.
    pub fn draw_ms(&self, rng: &mut ChaCha8Rng) -> u64 {
        match self.dist {
            LatencyDist::Constant => self.mean_ms,
            LatencyDist::Uniform if self.mean_ms == 0 => 0,
            LatencyDist::Uniform => rng.gen_range(0..2 * self.mean_ms),
            LatencyDist::Exponential => match Exp::new(1.0 / self.mean_ms.max(1) as f64) {
                Ok(exp) => exp.sample(rng) as u64,
                Err(_) => self.mean_ms,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn uniform_latency_stays_below_twice_the_mean_and_averages_near_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let latency = Latency { dist: LatencyDist::Uniform, mean_ms: 100 };
        let draws: Vec<u64> = (0..10_000).map(|_| latency.draw_ms(&mut rng)).collect();
        assert!(draws.iter().all(|&d| d < 200));
        let mean = draws.iter().sum::<u64>() as f64 / draws.len() as f64;
        assert!((mean - 99.5).abs() < 3.0, "mean {mean}");
    }

    #[test]
    fn constant_latency_is_exact() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let latency = Latency { dist: LatencyDist::Constant, mean_ms: 100 };
        assert!((0..100).all(|_| latency.draw_ms(&mut rng) == 100));
    }
}
