//! Checks of the lattice laws (see `Lattice`'s doc) shared by the property tests of every type.
//! Each takes the proptest seed of its file so a failure names what replays it.

use std::fmt::Debug;

use glomer_crdt::Lattice;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Join is commutative, associative and idempotent, with bottom as its identity.
pub fn check_semilattice<L: Lattice + Debug>(a: &L, b: &L, c: &L, seed: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.clone().joined(b), b.clone().joined(a), "commutative (seed {})", seed);
    let left = a.clone().joined(b).joined(c);
    prop_assert_eq!(left, a.clone().joined(&b.clone().joined(c)), "associative (seed {})", seed);
    prop_assert_eq!(&a.clone().joined(a), a, "idempotent (seed {})", seed);
    prop_assert_eq!(a.clone().joined(&L::default()), a.clone(), "bottom is the identity (seed {})", seed);
    Ok(())
}

/// `leq`, `adds_to` and `difference` agree with join for the pair `(x, y)`.
pub fn check_order<L: Lattice + Debug>(x: &L, y: &L, seed: u64) -> Result<(), TestCaseError> {
    let join = x.clone().joined(y);
    prop_assert_eq!(x.leq(y), &join == y, "leq iff join is y (seed {})", seed);
    prop_assert!(x.leq(&join) && y.leq(&join), "join is an upper bound (seed {})", seed);
    prop_assert!(x.leq(x), "leq is reflexive (seed {})", seed);
    prop_assert_eq!(x.adds_to(y), !x.leq(y));
    let difference = x.difference(y);
    prop_assert_eq!(y.clone().joined(&difference), join, "y ⊔ Δ(x, y) = y ⊔ x (seed {})", seed);
    prop_assert!(difference.leq(x), "Δ(x, y) is part of x (seed {})", seed);
    if x.leq(y) {
        prop_assert!(difference.is_bottom(), "Δ(x, y) is bottom when x ⊑ y (seed {})", seed);
    }
    prop_assert_eq!(x.is_bottom(), x == &L::default(), "is_bottom agrees with Default (seed {})", seed);
    Ok(())
}

/// [`check_order`] on pairs of `a`, `b`, `c`, their join and bottom.
pub fn check_order_all<L: Lattice + Debug>(a: &L, b: &L, c: &L, seed: u64) -> Result<(), TestCaseError> {
    let ab = a.clone().joined(b);
    for (x, y) in [(a, b), (b, a), (a, c), (c, b), (a, &ab), (&ab, a), (a, a)] {
        check_order(x, y, seed)?;
    }
    check_order(&L::default(), a, seed)?;
    check_order(a, &L::default(), seed)
}
