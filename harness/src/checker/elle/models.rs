//! Elle's consistency models and the anomalies each forbids (docs/checkers.md; Elle 0.2.2
//! `consistency_model.clj`, the version Maelstrom 0.2.4 ships). Tables are transcribed from
//! that file; the functions mirror `anomalies-prohibited-by`, `all-implied-anomalies` and
//! `friendly-boundary`.

use std::collections::{BTreeSet, VecDeque};

/// Friendly model names and their canonical (Adya) names (`canonical-model-names`).
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `models`: a history satisfying the left model satisfies each model on the right.
const MODELS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    ("parallel-snapshot-isolation", &["causal-cerone", "update-atomic"]),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    ("repeatable-read", &["cursor-stability", "monotonic-atomic-view"]),
    ("update-atomic", &["read-atomic"]),
    ("serializable", &["repeatable-read", "snapshot-isolation", "view-serializable"]),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    ("strong-session-serializable", &["serializable", "strong-session-snapshot-isolation"]),
    ("strong-session-snapshot-isolation", &["snapshot-isolation", "strong-session-PL-2"]),
    ("strong-serializable", &["session-serializable"]),
    ("strong-snapshot-isolation", &["strong-session-snapshot-isolation", "strong-PL-2"]),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    ("PRAM", &["monotonic-reads", "monotonic-writes", "read-your-writes"]),
];

/// `direct-proscribed-anomalies`: what each model forbids beyond the models it implies.
const PROSCRIBED: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    ("PL-3", &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"]),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    ("PL-1", &["G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"]),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    ("snapshot-isolation", &["internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"]),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    ("repeatable-read", &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"]),
    ("update-atomic", &["lost-update"]),
    ("strict-serializable", &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"]),
    ("strong-session-PL-1", &["strong-session-PL-1-cycle-exists", "G0-process"]),
    ("strong-session-PL-2", &["strong-session-PL-2-cycle-exists", "G1c-process"]),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &["internal", "G1-process", "G-nonadjacent-process", "strong-session-snapshot-isolation-cycle-exists"],
    ),
    (
        "strong-snapshot-isolation",
        &["internal", "G1-realtime", "G-nonadjacent-realtime", "strong-snapshot-isolation-cycle-exists"],
    ),
    ("strong-session-serializable", &["G1-process", "G2-process", "strong-session-serializable-cycle-exists"]),
    ("update-serializable", &["G1", "G-update"]),
];

/// `implied-anomalies`: an anomaly on the left is also an instance of each on the right.
pub(crate) const IMPLIED_ANOMALIES: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    ("G-single-item", &["G-single", "G-single-item-process", "G-nonadjacent-item"]),
    ("G-single-item-process", &["G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"]),
    ("G-single-item-realtime", &["G-single-realtime", "G-nonadjacent-item-realtime"]),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    ("G-single-process", &["G-nonadjacent-process", "G-single-realtime"]),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    ("G-nonadjacent-item", &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"]),
    ("G-nonadjacent-item-process", &["G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"]),
    ("G-nonadjacent-item-realtime", &["G2-item-realtime", "G-nonadjacent-realtime"]),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    ("G-nonadjacent-process", &["G2-process", "G-nonadjacent-realtime"]),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// Elle's "unknown" findings: reported, but they never make a result false by themselves.
pub(crate) const UNKNOWN_ANOMALIES: [&str; 2] = ["empty-transaction-graph", "cycle-search-timeout"];

fn canonical(model: &str) -> &str {
    CANONICAL.iter().find(|(friendly, _)| *friendly == model).map_or(model, |(_, c)| c)
}

/// The friendly name of a canonical model (`friendly-model-names`). `PL-3` is `serializable`
/// upstream by explicit override; `PL-SS` has two friendly names and we print
/// `strict-serializable`, the one Maelstrom users see.
fn friendly(model: &str) -> &str {
    match model {
        "PL-3" => "serializable",
        "PL-SS" => "strict-serializable",
        _ => CANONICAL.iter().find(|(_, c)| *c == model).map_or(model, |(f, _)| f),
    }
}

/// Breadth-first closure of `start` over a table's edges, forwards or backwards, with every
/// name canonicalised by `canon`.
fn closure<'a>(
    table: &[(&'a str, &[&'a str])],
    start: Vec<String>,
    forward: bool,
    canon: fn(&str) -> &str,
) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = start.iter().cloned().collect();
    let mut queue: VecDeque<String> = start.into();
    while let Some(node) = queue.pop_front() {
        for (from, tos) in table {
            for to in tos.iter() {
                let (a, b) = (canon(from), canon(to));
                let next = match forward {
                    true if a == node => b,
                    false if b == node => a,
                    _ => continue,
                };
                if seen.insert(next.to_string()) {
                    queue.push_back(next.to_string());
                }
            }
        }
    }
    seen
}

fn same(name: &str) -> &str {
    name
}

/// Whether Elle knows this model name (`all-models`); an unknown name makes it throw.
pub(crate) fn is_known(model: &str) -> bool {
    let c = canonical(model);
    CANONICAL.iter().any(|(f, k)| *f == model || *k == model)
        || MODELS.iter().any(|(from, tos)| canonical(from) == c || tos.iter().any(|t| canonical(t) == c))
}

/// `anomalies-prohibited-by`: every anomaly that breaks at least one of `models`.
pub(crate) fn prohibited(models: &[String]) -> BTreeSet<String> {
    let implied = closure(MODELS, models.iter().map(|m| canonical(m).to_string()).collect(), true, canonical);
    let direct: Vec<String> = PROSCRIBED
        .iter()
        .filter(|(m, _)| implied.contains(canonical(m)))
        .flat_map(|(_, anomalies)| anomalies.iter().map(|a| a.to_string()))
        .collect();
    closure(IMPLIED_ANOMALIES, direct, false, same)
}

/// `all-implied-anomalies`: the anomalies (including themselves) that `anomalies` are instances of.
pub(crate) fn implied_anomalies(anomalies: &[&str]) -> BTreeSet<String> {
    closure(IMPLIED_ANOMALIES, anomalies.iter().map(|a| a.to_string()).collect(), true, same)
}

/// `anomalies->impossible-models`, canonical names.
fn impossible_models(anomalies: &[String]) -> BTreeSet<String> {
    let implied = closure(IMPLIED_ANOMALIES, anomalies.to_vec(), true, same);
    let direct: Vec<String> = PROSCRIBED
        .iter()
        .filter(|(_, forbidden)| forbidden.iter().any(|a| implied.contains(*a)))
        .map(|(m, _)| canonical(m).to_string())
        .collect();
    closure(MODELS, direct, false, canonical)
}

/// `friendly-boundary`: (`not`, `also-not`): the weakest models the anomalies rule out, and
/// the other (stronger) models they rule out, by friendly name, sorted.
pub(crate) fn boundary(anomalies: &[String]) -> (BTreeSet<String>, BTreeSet<String>) {
    let impossible = impossible_models(anomalies);
    // `weakest-models`: drop any model that implies another model of the set.
    let weakest: BTreeSet<String> = impossible
        .iter()
        .filter(|m| {
            let below = closure(MODELS, vec![m.to_string()], true, canonical);
            !below.iter().any(|b| b != *m && impossible.contains(b))
        })
        .cloned()
        .collect();
    let also: BTreeSet<String> = impossible.difference(&weakest).map(|m| friendly(m).to_string()).collect();
    (weakest.iter().map(|m| friendly(m).to_string()).collect(), also)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn read_uncommitted_forbids_only_write_cycles_and_version_cycles() {
        assert_eq!(
            prohibited(&["read-uncommitted".into()]),
            set(&["G0", "PL-1-cycle-exists", "cyclic-versions", "duplicate-elements"])
        );
    }

    #[test]
    fn read_committed_adds_g1_and_what_implies_it() {
        let p = prohibited(&["read-committed".into()]);
        for a in ["G0", "G1a", "G1b", "G1c", "G1", "dirty-update", "incompatible-order", "future-read"] {
            assert!(p.contains(a), "{a}");
        }
        assert!(!p.contains("G-single-item") && !p.contains("internal") && !p.contains("G1c-realtime"));
    }

    #[test]
    fn strict_serializable_forbids_realtime_and_process_variants() {
        let p = prohibited(&["strict-serializable".into()]);
        for a in ["G0-realtime", "G1c-process", "G-single-item-realtime", "G2-item", "lost-update", "internal"] {
            assert!(p.contains(a), "{a}");
        }
        let s = prohibited(&["serializable".into()]);
        assert!(s.contains("G-single-item") && !s.contains("G1c-realtime") && !s.contains("G0-process"));
    }

    #[test]
    fn non_transactional_models_forbid_nothing_and_unknown_names_are_rejected() {
        assert!(prohibited(&["linearizable".into()]).is_empty());
        assert!(is_known("linearizable") && is_known("PL-SI") && is_known("strong-serializable"));
        assert!(!is_known("read-committed,serializable"));
    }

    #[test]
    fn a_g1c_rules_out_read_committed_and_everything_stronger() {
        let (not, also) = boundary(&["G1c".into()]);
        assert_eq!(not, set(&["read-committed"]));
        assert!(also.contains("serializable") && also.contains("strict-serializable"));
        let (not, _) = boundary(&["G-single-item-realtime".into()]);
        assert_eq!(not, set(&["strong-snapshot-isolation"]));
    }

    /// Elle's `lost-update-test` publishes `not #{update-atomic cursor-stability}`.
    #[test]
    fn a_lost_update_rules_out_cursor_stability_and_update_atomic() {
        assert_eq!(boundary(&["lost-update".into()]).0, set(&["cursor-stability", "update-atomic"]));
        assert_eq!(boundary(&["cyclic-versions".into()]).0, set(&["read-uncommitted"]));
        assert_eq!(boundary(&["empty-transaction-graph".into()]), (set(&[]), set(&[])));
    }
}
