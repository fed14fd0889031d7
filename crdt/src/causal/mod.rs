//! Causal delta-CRDTs: types that remove without tombstones and keep concurrent writes.
//!
//! After Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (JPDC 2018, sections
//! 6 and 7). Every update is named by a fresh [`Dot`]; a state is a *dot store* (what the live
//! dots carry) paired with a [`CausalContext`] (every dot the state has seen). A dot the context
//! has seen but the store no longer holds was removed, so a remove ships only the dots it
//! removes and nothing is kept for removed content.
//!
//! - [`Dot`], [`CausalContext`]: names of updates and a compact set of them.
//! - [`DotStore`] with [`DotSet`], [`DotFun`], [`DotMap`]: the stores, joined under contexts.
//! - [`CausalState`]: a store and its context, the lattice every causal type is; [`Causal`]:
//!   the trait that lets causal types nest in an [`OrMap`].
//! - The types: [`AwSet`], [`MvRegister`], [`EwFlag`], [`OrMap`].
//!
//! A replica that lost its state must not reuse its [`ReplicaId`](crate::ReplicaId): see
//! [`CausalContext`]'s "Restart identity".

mod aw_set;
mod context;
mod dot;
mod dot_store;
mod ew_flag;
mod mv_register;
mod or_map;

pub use aw_set::AwSet;
pub use context::CausalContext;
pub use dot::Dot;
pub use dot_store::{DotFun, DotMap, DotSet, DotStore, EncodeStore};
pub use ew_flag::EwFlag;
pub use mv_register::MvRegister;
pub use or_map::OrMap;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Lattice;
use dot_store::{StoreOwned, StoreRef};

/// A causal CRDT: a lattice that is a [`CausalState`] underneath. Implemented by [`AwSet`],
/// [`MvRegister`], [`EwFlag`] and [`OrMap`]; any `Causal` type can be an [`OrMap`] value.
pub trait Causal: Lattice {
    /// The dot store holding the content.
    type Store: DotStore;

    /// The store and context.
    fn state(&self) -> &CausalState<Self::Store>;

    /// The store and context, mutably (the fields stay private: only this crate changes them).
    fn state_mut(&mut self) -> &mut CausalState<Self::Store>;

    /// The value with this state.
    fn from_state(state: CausalState<Self::Store>) -> Self;

    /// The state, by value.
    fn into_state(self) -> CausalState<Self::Store>;

    /// Every dot this state has seen: the restart-identity hook (see [`CausalContext`]).
    fn context(&self) -> &CausalContext {
        self.state().context()
    }
}

/// A dot store and its causal context: the lattice `Causal⟨S⟩` of Almeida et al. (2018,
/// section 6.2), whose join keeps a dot when both sides hold it or when the side lacking it
/// has not seen it, and unites the contexts.
///
/// Invariant: every dot of the store is in the context. Encoded as `{"store": .., "context":
/// ..}`; decoding restores the invariant (dots held are added to the context).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CausalState<S> {
    store: S,
    context: CausalContext,
}

impl<S: DotStore> CausalState<S> {
    /// The state holding `store` with an empty context: how a causal value sits inside a map,
    /// whose context covers it.
    pub fn from_store(store: S) -> Self {
        Self { store, context: CausalContext::new() }
    }

    /// The content.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Every dot seen.
    pub fn context(&self) -> &CausalContext {
        &self.context
    }

    /// The state `(store, context)`, after adding the store's dots to the context.
    fn from_parts(store: S, mut context: CausalContext) -> Self {
        store.for_each_dot(&mut |dot| context.insert(dot));
        Self { store, context }
    }

    /// A delta that forgets `dots` (removes them wherever it is joined).
    fn removing(dots: CausalContext) -> Self {
        Self { store: S::default(), context: dots }
    }
}

impl<S: DotStore> Lattice for CausalState<S> {
    fn join(&mut self, other: &Self) {
        self.store.join(&self.context, &other.store, &other.context);
        self.context.join(&other.context);
    }

    /// `(s, c) ⊑ (s', c')` iff `c ⊆ c'` and every dot of `s'` that `c` has seen is still in
    /// `s` (otherwise `self` removed it and the join would drop it from `s'`).
    fn leq(&self, other: &Self) -> bool {
        self.context.leq(&other.context) && self.store.holds_seen(&self.context, &other.store)
    }

    /// The store's dots `other` has not seen, with the context `other` lacks plus the dots
    /// `other` holds that `self` has seen removed (which carry the removals over).
    fn difference(&self, other: &Self) -> Self {
        let mut context = self.context.minus(&other.context);
        self.store.removals(&self.context, &other.store, &mut context);
        Self { store: self.store.unseen_by(&other.context), context }
    }

    fn is_bottom(&self) -> bool {
        self.context.is_empty()
    }
}

impl<S: EncodeStore> Serialize for CausalState<S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut state = serializer.serialize_struct("CausalState", 2)?;
        state.serialize_field("store", &StoreRef(&self.store))?;
        state.serialize_field("context", &self.context)?;
        state.end()
    }
}

impl<'de, S: EncodeStore> Deserialize<'de> for CausalState<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "S: EncodeStore")]
        struct Wire<S> {
            store: StoreOwned<S>,
            context: CausalContext,
        }
        let Wire { store, context } = Wire::<S>::deserialize(deserializer)?;
        Ok(Self::from_parts(store.0, context))
    }
}

/// Implements [`Lattice`] and serde for a causal type by forwarding to its `state` field.
macro_rules! causal_type {
    ($ty:ident < $($param:ident),* >, $store:ty, where [$($bounds:tt)*], serde where [$($serde:tt)*]) => {
        impl<$($param),*> $crate::Lattice for $ty<$($param),*> where $($bounds)* {
            fn join(&mut self, other: &Self) {
                self.state.join(&other.state);
            }
            fn leq(&self, other: &Self) -> bool {
                self.state.leq(&other.state)
            }
            fn difference(&self, other: &Self) -> Self {
                Self { state: self.state.difference(&other.state) }
            }
            fn is_bottom(&self) -> bool {
                self.state.is_bottom()
            }
        }

        impl<$($param),*> $crate::Causal for $ty<$($param),*> where $($bounds)* {
            type Store = $store;
            fn state(&self) -> &$crate::CausalState<Self::Store> {
                &self.state
            }
            fn state_mut(&mut self) -> &mut $crate::CausalState<Self::Store> {
                &mut self.state
            }
            fn from_state(state: $crate::CausalState<Self::Store>) -> Self {
                Self { state }
            }
            fn into_state(self) -> $crate::CausalState<Self::Store> {
                self.state
            }
        }

        impl<$($param),*> serde::Serialize for $ty<$($param),*> where $($serde)* {
            fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
                self.state.serialize(serializer)
            }
        }

        impl<'de, $($param),*> serde::Deserialize<'de> for $ty<$($param),*> where $($serde)* {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::CausalState::deserialize(deserializer).map(|state| Self { state })
            }
        }
    };
}
pub(crate) use causal_type;
