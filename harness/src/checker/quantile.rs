//! Maelstrom's quantile arithmetic: no interpolation.

/// The quantiles Maelstrom reports for latencies (Maelstrom's doc/workloads.md).
pub const REPORTED: [f64; 5] = [0.0, 0.5, 0.95, 0.99, 1.0];

/// The element at index `min(n-1, floor(n*q))` of `sorted` (ascending), as Jepsen's
/// `checker/frequency-distribution` picks it; `None` when empty.
pub fn quantile<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let index = ((n as f64) * q).floor() as usize;
    Some(sorted[index.min(n - 1)])
}
