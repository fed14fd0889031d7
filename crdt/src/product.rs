//! Product of two lattices.

use crate::Lattice;

/// The product lattice: pairs ordered and joined componentwise, so two CRDTs can share one
/// state, one delta and one sync engine. Nest pairs for more than two.
///
/// ```
/// use glomer_crdt::{GCounter, GSet, Lattice, ReplicaId};
/// let mut state: (GCounter, GSet<u32>) = Default::default();
/// let delta = (state.0.increment(ReplicaId(0), 1), state.1.insert(7));
/// let mut other: (GCounter, GSet<u32>) = Default::default();
/// other.join(&delta);
/// assert_eq!(other, state);
/// assert!(state.difference(&other).is_bottom());
/// ```
impl<A: Lattice, B: Lattice> Lattice for (A, B) {
    fn join(&mut self, other: &Self) {
        self.0.join(&other.0);
        self.1.join(&other.1);
    }

    fn leq(&self, other: &Self) -> bool {
        self.0.leq(&other.0) && self.1.leq(&other.1)
    }

    fn difference(&self, other: &Self) -> Self {
        (self.0.difference(&other.0), self.1.difference(&other.1))
    }

    fn is_bottom(&self) -> bool {
        self.0.is_bottom() && self.1.is_bottom()
    }
}
