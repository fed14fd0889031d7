//! The smallest failing window: the latest start from which the history, up to the completion
//! the search could not get past, is still not linearizable on its own.
//!
//! A window from history position `start` to `end` keeps the ops that completed inside it as
//! they are, and relaxes every op that straddles an edge (invoked before `start`, or completed
//! after `end`, or never) to one that may or may not take effect. Ops done before `start` are
//! summed up by the register's value at `start`, which may be anything. Each relaxation only
//! admits more orders, so a window that still fails shows a real violation, self-contained.

use super::wgl::{self, Call, KeyOp, Verdict, NULL};

/// Start positions tried, latest first, before the whole prefix is taken as the window: a
/// violation is nearly always local, and each try is a search from every possible value.
pub(crate) const STARTS_TRIED_MAX: usize = 256;

/// The ops of the window from `start` to `end`, with their indices in `ops`.
pub(crate) fn ops_in(ops: &[KeyOp], start: usize, end: usize) -> Vec<(usize, KeyOp)> {
    let relax = |i: usize, o: &KeyOp| match o.call {
        // An open-ended read constrains nothing.
        Call::Read(_) => None,
        _ => Some((i, KeyOp { returned: None, ..*o })),
    };
    let mut window = Vec::new();
    for (i, o) in ops.iter().enumerate().filter(|(_, o)| o.invoked <= end) {
        let kept = match o.returned {
            Some(r) if r < start => None,
            Some(r) if o.invoked >= start && r <= end => Some((i, *o)),
            _ => relax(i, o),
        };
        window.extend(kept);
    }
    window
}

/// Whether the window fails from every initial value (from `null` alone when it starts at the
/// beginning, where the register's value is known). A search that gives up does not fail.
fn fails(ops: &[KeyOp], start: usize, end: usize, value_count: u32) -> bool {
    let window: Vec<KeyOp> = ops_in(ops, start, end).into_iter().map(|(_, o)| o).collect();
    let initials = if start == 0 { NULL..NULL + 1 } else { 0..value_count };
    initials.into_iter().all(|initial| matches!(wgl::search(&window, initial), Verdict::Violation { .. }))
}

/// The start of the smallest failing window that ends at `ops[failing]`'s completion; 0 (the
/// whole prefix) when no later start among the [`STARTS_TRIED_MAX`] latest fails.
pub(crate) fn smallest_start(ops: &[KeyOp], failing: usize, value_count: u32) -> usize {
    let f = ops[failing];
    let end = f.returned.unwrap_or(f.invoked);
    let mut starts: Vec<usize> = ops.iter().map(|o| o.invoked).filter(|&i| i <= f.invoked).collect();
    starts.sort_unstable_by(|a, b| b.cmp(a));
    starts.into_iter().take(STARTS_TRIED_MAX).find(|&s| s > 0 && fails(ops, s, end, value_count)).unwrap_or(0)
}
