//! Causal contexts: which dots a replica has seen.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Dot, ReplicaId};

/// The set of [`Dot`]s a state has seen, kept compact: a version vector (replica `r` has seen
/// all of `r`'s dots `1..=vv[r]`) plus a dot cloud for the dots seen out of order (Almeida,
/// Shoker and Baquero, "Delta State Replicated Data Types", JPDC 2018, section 6.1).
///
/// The form is canonical: a cloud dot is never covered by the version vector nor next after
/// it (it would have been folded in), and no version-vector entry is 0. So two contexts holding
/// the same dots are equal, and after a replica has seen every delta its cloud is empty.
///
/// # Restart identity
///
/// [`CausalContext::max`] is the highest counter of a replica this context has seen. A replica
/// mints dots above its own `max`, so a replica that restarts **without its state** and keeps
/// its [`ReplicaId`] would mint dots its peers already hold: those peers would take its new
/// updates for old ones and drop them. Such a replica must take a fresh id (one no context has
/// seen; [`CausalContext::unused_replica`] names the smallest above every id this context
/// knows), or recover its state (with its dots) from a durable store before minting.
///
/// ```
/// use glomer_crdt::{CausalContext, Dot, ReplicaId};
/// let r = ReplicaId(0);
/// let mut context = CausalContext::new();
/// context.insert(Dot::new(r, 1));
/// context.insert(Dot::new(r, 3)); // seen out of order: goes to the cloud
/// assert!(context.contains(Dot::new(r, 3)) && !context.contains(Dot::new(r, 2)));
/// context.insert(Dot::new(r, 2)); // fills the gap: the cloud folds into the version vector
/// assert_eq!(serde_json::to_string(&context).unwrap(), r#"{"vv":{"0":3},"cloud":[]}"#);
/// assert_eq!(context.next_dot(r), Dot::new(r, 4));
/// assert_eq!(context.unused_replica(), ReplicaId(1));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Wire")]
pub struct CausalContext {
    vv: BTreeMap<ReplicaId, u64>,
    cloud: BTreeSet<Dot>,
}

/// The encoded form, compacted on decode so a sloppy peer cannot break the canonical form.
#[derive(Deserialize)]
struct Wire {
    vv: BTreeMap<ReplicaId, u64>,
    cloud: BTreeSet<Dot>,
}

impl From<Wire> for CausalContext {
    fn from(Wire { vv, cloud }: Wire) -> Self {
        let mut context = Self { vv, cloud };
        context.compact();
        context
    }
}

impl CausalContext {
    /// The empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `dot` has been seen.
    pub fn contains(&self, dot: Dot) -> bool {
        dot.counter <= self.vv_entry(dot.replica) || (!self.cloud.is_empty() && self.cloud.contains(&dot))
    }

    /// Whether no dot has been seen.
    pub fn is_empty(&self) -> bool {
        self.vv.is_empty() && self.cloud.is_empty()
    }

    /// The highest counter of `replica` seen (0 when none): the restart-identity hook, see the
    /// type's doc.
    pub fn max(&self, replica: ReplicaId) -> u64 {
        let in_cloud = self.cloud.range(Dot::new(replica, 0)..=Dot::new(replica, u64::MAX)).next_back();
        in_cloud.map_or(self.vv_entry(replica), |dot| dot.counter)
    }

    /// The dot `replica` mints next: one above the highest of its dots seen.
    pub fn next_dot(&self, replica: ReplicaId) -> Dot {
        Dot::new(replica, self.max(replica).saturating_add(1))
    }

    /// Every replica with a dot in this context, ascending.
    pub fn replicas(&self) -> impl Iterator<Item = ReplicaId> + '_ {
        let mut replicas: BTreeSet<ReplicaId> = self.vv.keys().copied().collect();
        replicas.extend(self.cloud.iter().map(|dot| dot.replica));
        replicas.into_iter()
    }

    /// The smallest replica id above every id this context has seen: a fresh identity for a
    /// replica that lost its state. It is fresh only with respect to this context; when several
    /// replicas may restart at once, the application must hand out ids from one authority.
    pub fn unused_replica(&self) -> ReplicaId {
        self.replicas().last().map_or(ReplicaId(0), |r| ReplicaId(r.0.saturating_add(1)))
    }

    /// Number of dots seen.
    pub fn dot_count(&self) -> u64 {
        self.vv.values().sum::<u64>() + self.cloud.len() as u64
    }

    /// Adds `dot`, keeping the form compact.
    pub fn insert(&mut self, dot: Dot) {
        let top = self.vv_entry(dot.replica);
        if dot.counter <= top {
            return;
        }
        if dot.counter > top + 1 {
            self.cloud.insert(dot);
            return;
        }
        let mut top = dot.counter;
        while !self.cloud.is_empty() && self.cloud.remove(&Dot::new(dot.replica, top + 1)) {
            top += 1;
        }
        self.vv.insert(dot.replica, top);
    }

    /// Adds every dot of `other` (set union), then compacts.
    pub fn join(&mut self, other: &Self) {
        for (&replica, &top) in &other.vv {
            let entry = self.vv.entry(replica).or_insert(0);
            *entry = (*entry).max(top);
        }
        if self.cloud.is_empty() && other.cloud.is_empty() {
            return;
        }
        self.cloud.extend(other.cloud.iter().copied());
        self.compact();
    }

    /// Whether every dot of `self` is in `other`.
    pub fn leq(&self, other: &Self) -> bool {
        self.vv.iter().all(|(&replica, &top)| top <= other.vv_entry(replica))
            && self.cloud.iter().all(|&dot| other.contains(dot))
    }

    /// The dots of `self` that `other` lacks. Dots missing from a range of `other`'s version
    /// vector are listed one by one in the cloud (a lagging replica's difference is as long as
    /// what it lags by).
    pub fn minus(&self, other: &Self) -> Self {
        let mut out = Self::new();
        for (&replica, &top) in &self.vv {
            let from = other.vv_entry(replica);
            let other_cloud = other.cloud.range(Dot::new(replica, 0)..=Dot::new(replica, u64::MAX));
            if from == 0 && other_cloud.clone().next().is_none() {
                out.vv.insert(replica, top);
                continue;
            }
            for counter in from + 1..=top {
                let dot = Dot::new(replica, counter);
                if !other.cloud.contains(&dot) {
                    out.insert(dot);
                }
            }
        }
        for &dot in &self.cloud {
            if !other.contains(dot) {
                out.insert(dot);
            }
        }
        out
    }

    /// Every dot seen: the version vector's runs, then the cloud.
    pub fn dots(&self) -> impl Iterator<Item = Dot> + '_ {
        let runs = self.vv.iter().flat_map(|(&replica, &top)| (1..=top).map(move |counter| Dot::new(replica, counter)));
        runs.chain(self.cloud.iter().copied())
    }

    /// The version vector: per replica, the counter below which every dot has been seen.
    pub fn version_vector(&self) -> impl Iterator<Item = (ReplicaId, u64)> + '_ {
        self.vv.iter().map(|(&replica, &top)| (replica, top))
    }

    /// The dots seen out of order, ascending.
    pub fn cloud(&self) -> impl Iterator<Item = Dot> + '_ {
        self.cloud.iter().copied()
    }

    fn vv_entry(&self, replica: ReplicaId) -> u64 {
        self.vv.get(&replica).copied().unwrap_or(0)
    }

    /// Folds into the version vector every cloud dot it covers or that continues it, and
    /// drops zero entries. `retain` visits dots in ascending order, so one pass folds runs.
    fn compact(&mut self) {
        let vv = &mut self.vv;
        self.cloud.retain(|dot| {
            let top = vv.entry(dot.replica).or_insert(0);
            if dot.counter <= *top {
                false
            } else if dot.counter == *top + 1 {
                *top += 1;
                false
            } else {
                true
            }
        });
        self.vv.retain(|_, top| *top > 0);
    }
}

impl FromIterator<Dot> for CausalContext {
    fn from_iter<I: IntoIterator<Item = Dot>>(dots: I) -> Self {
        let mut context = Self::new();
        dots.into_iter().for_each(|dot| context.insert(dot));
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dots(list: &[(u32, u64)]) -> CausalContext {
        list.iter().map(|&(r, c)| Dot::new(ReplicaId(r), c)).collect()
    }

    #[test]
    fn join_folds_the_cloud_once_the_gap_is_filled() {
        let mut a = dots(&[(0, 1), (0, 3), (0, 5)]);
        a.join(&dots(&[(0, 2), (1, 2)]));
        assert_eq!(a.version_vector().collect::<Vec<_>>(), vec![(ReplicaId(0), 3)]);
        assert_eq!(a.cloud().collect::<Vec<_>>(), vec![Dot::new(ReplicaId(0), 5), Dot::new(ReplicaId(1), 2)]);
        assert_eq!(a.max(ReplicaId(0)), 5);
        assert_eq!(a.dot_count(), 5);
    }

    #[test]
    fn minus_lists_exactly_the_missing_dots() {
        let a = dots(&[(0, 1), (0, 2), (0, 3), (0, 4), (1, 1), (2, 7)]);
        let b = dots(&[(0, 1), (0, 3), (2, 7)]);
        assert_eq!(a.minus(&b), dots(&[(0, 2), (0, 4), (1, 1)]));
        assert!(b.minus(&a).is_empty());
    }

    #[test]
    fn decoding_compacts_a_sloppy_context() {
        let context: CausalContext =
            serde_json::from_str(r#"{"vv":{"0":2,"1":0},"cloud":[[0,1],[0,3],[2,0]]}"#).unwrap();
        assert_eq!(context, dots(&[(0, 1), (0, 2), (0, 3)]));
    }
}
