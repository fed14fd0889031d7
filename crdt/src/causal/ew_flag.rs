//! Enable-wins flag.

use crate::causal::causal_type;
use crate::{CausalContext, CausalState, DotSet, DotStore, ReplicaId};

/// An enable-wins flag (Almeida, Shoker and Baquero, JPDC 2018, section 7.1): on when some
/// enable has not been observed by a disable, so an enable concurrent with a disable wins.
///
/// ```
/// use glomer_crdt::{EwFlag, Lattice, ReplicaId};
/// let mut a = EwFlag::new();
/// a.enable(ReplicaId(0));
/// let mut b = a.clone();
/// let off = a.disable();
/// let on = b.enable(ReplicaId(1));
/// a.join(&on);
/// b.join(&off);
/// assert!(a.value() && b.value(), "the concurrent enable wins");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EwFlag {
    state: CausalState<DotSet>,
}

causal_type!(EwFlag<>, DotSet, where [], serde where []);

impl EwFlag {
    /// A flag that is off.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns the flag on as `replica`; returns the delta (the new enable, and the enables it
    /// replaces as removed).
    pub fn enable(&mut self, replica: ReplicaId) -> Self {
        let dot = self.state.context.next_dot(replica);
        self.state.context.insert(dot);
        let mut seen: CausalContext = self.state.store.iter().collect();
        seen.insert(dot);
        self.state.store = DotSet::single(dot);
        Self { state: CausalState { store: DotSet::single(dot), context: seen } }
    }

    /// Turns the flag off as far as this replica has seen it; returns the delta (bottom when
    /// already off).
    pub fn disable(&mut self) -> Self {
        let dots = std::mem::take(&mut self.state.store).iter().collect();
        Self { state: CausalState::removing(dots) }
    }

    /// Whether the flag is on.
    pub fn value(&self) -> bool {
        !DotStore::is_empty(&self.state.store)
    }
}
