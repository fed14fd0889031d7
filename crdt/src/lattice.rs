//! The join-semilattice every CRDT and every delta in this crate is.

/// A join-semilattice with a bottom element ([`Default`]).
///
/// Every CRDT state is a `Lattice`, and so is every delta: a delta is just a (usually small)
/// state of the same lattice, which is what lets the sync engine join deltas into groups and
/// ship them with no knowledge of the type (Almeida, Shoker and Baquero, "Delta State
/// Replicated Data Types", 2018, section 3).
///
/// Laws (checked by property tests for every type in this crate):
/// - `join` is commutative, associative and idempotent;
/// - `a.leq(b)` iff `a ⊔ b == b`;
/// - `b ⊔ a.difference(b) == b ⊔ a`, and `a.difference(b)` is bottom when `a.leq(b)`.
pub trait Lattice: Clone + PartialEq + Default {
    /// Least upper bound of `self` and `other`, in place.
    fn join(&mut self, other: &Self);

    /// `self ⊑ other`: `other` already holds everything `self` holds.
    fn leq(&self, other: &Self) -> bool;

    /// The part of `self` that `other` lacks: Δ(self, other) of Enes et al., "Efficient
    /// Synchronization of State-based CRDTs" (2019), section 4, built from the join
    /// decomposition of `self`. The sync engine uses it to buffer only what a received delta
    /// adds ("remove redundancy").
    fn difference(&self, other: &Self) -> Self;

    /// Whether this is the bottom element (the empty state).
    fn is_bottom(&self) -> bool {
        *self == Self::default()
    }

    /// Whether `self` holds anything `state` lacks, i.e. joining it into `state` would change it.
    fn adds_to(&self, state: &Self) -> bool {
        !self.leq(state)
    }

    /// `self ⊔ other`, by value.
    fn joined(mut self, other: &Self) -> Self {
        self.join(other);
        self
    }
}
