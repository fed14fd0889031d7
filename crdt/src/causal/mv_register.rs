//! Multi-value register.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::causal::causal_type;
use crate::{CausalContext, CausalState, DotFun, ReplicaId};

/// A multi-value register (the MVRegister of Almeida, Shoker and Baquero, JPDC 2018, section
/// 7.2): a write replaces every value its writer has seen, so concurrent writes all survive,
/// side by side, until a write that has seen them all replaces them. [`MvRegister::read`]
/// returns every surviving value; the application resolves them (or shows them all).
///
/// Values need only `Clone + PartialEq` (and serde): each value is named by the dot of its
/// write, never compared or ordered, so `serde_json::Value` works.
///
/// ```
/// use glomer_crdt::{Lattice, MvRegister, ReplicaId};
/// let (a_id, b_id) = (ReplicaId(0), ReplicaId(1));
/// let mut a = MvRegister::new();
/// let mut b = MvRegister::new();
/// let from_a = a.write(a_id, serde_json::json!({"colour": "red"}));
/// let from_b = b.write(b_id, serde_json::json!("blue"));
/// a.join(&from_b);
/// b.join(&from_a);
/// assert_eq!(a.read().len(), 2, "concurrent writes both survive");
/// // A write that has seen both replaces them.
/// let resolved = a.write(a_id, serde_json::json!("purple"));
/// b.join(&resolved);
/// assert_eq!(b.read(), vec![&serde_json::json!("purple")]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MvRegister<T> {
    state: CausalState<DotFun<T>>,
}

causal_type!(MvRegister<T>, DotFun<T>, where [T: Clone + PartialEq], serde where [T: Clone + PartialEq + Serialize + DeserializeOwned]);

impl<T> Default for MvRegister<T> {
    fn default() -> Self {
        Self { state: CausalState { store: DotFun::default(), context: CausalContext::new() } }
    }
}

impl<T: Clone + PartialEq> MvRegister<T> {
    /// The register that was never written.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `value` as `replica`, replacing every value seen; returns the delta (the new
    /// write, and the replaced ones as removed).
    pub fn write(&mut self, replica: ReplicaId, value: T) -> Self {
        let dot = self.state.context.next_dot(replica);
        self.state.context.insert(dot);
        let mut seen: CausalContext = self.state.store.iter().map(|(old, _)| old).collect();
        seen.insert(dot);
        self.state.store = DotFun::single(dot, value.clone());
        Self { state: CausalState { store: DotFun::single(dot, value), context: seen } }
    }

    /// Every value no write has replaced yet, ordered by the dots of their writes (so equal
    /// states read the same); empty when never written.
    pub fn read(&self) -> Vec<&T> {
        self.state.store.iter().map(|(_, value)| value).collect()
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.state.store.is_empty()
    }
}
