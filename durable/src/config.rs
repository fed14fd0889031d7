//! How durable an acknowledgement is, and the store's bounds.

use std::fmt;
use std::str::FromStr;

/// When a committed delta counts as durable, so when the host may acknowledge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written and `fdatasync`ed: survives a crash of the process and of the machine. The
    /// default with a data directory.
    #[default]
    Fsync,
    /// Written to the operating system (`write(2)`), not synced: survives a crash of the
    /// process (SIGKILL), not of the machine.
    Write,
    /// Buffered in the process, written when [`NONE_BUFFER_BYTES_MAX`] fills or the store
    /// closes or snapshots: survives only a clean shutdown. A crash can lose acknowledged
    /// deltas, so the next start draws a new identity (docs/durability.md).
    None,
}

impl Durability {
    /// The flag spelling: `fsync`, `write` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Fsync => "fsync",
            Durability::Write => "write",
            Durability::None => "none",
        }
    }

    /// Whether files are synced to the device (mode `fsync`).
    pub(crate) fn syncs(self) -> bool {
        self == Durability::Fsync
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode name that is not `fsync`, `write` or `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown durability {0:?}: expected fsync, write or none")]
pub struct UnknownDurability(pub String);

impl FromStr for Durability {
    type Err = UnknownDurability;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fsync" => Ok(Durability::Fsync),
            "write" => Ok(Durability::Write),
            "none" => Ok(Durability::None),
            other => Err(UnknownDurability(other.to_string())),
        }
    }
}

/// Default log size that triggers a snapshot: 64 MiB. Recovery replays at most this much (plus
/// one batch): about 4 million 16-byte deltas, about 3 s at the 1.3 million deltas/s measured
/// in docs/benchmarks.md on a loaded 2-core machine; and a snapshot, which rewrites the whole
/// state, is then amortised over 64 MiB of log for any state up to tens of MiB.
pub const LOG_BYTES_MAX_DEFAULT: u64 = 64 << 20;

/// Bytes of frames held in the process before they are written, in every mode: 1 MiB, enough
/// to turn tens of thousands of small deltas into one `write(2)`. In mode `none` it bounds what
/// a crash loses; in the others it bounds a batch appended without a commit.
pub const NONE_BUFFER_BYTES_MAX: usize = 1 << 20;

/// Tunables of a [`crate::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// When a committed delta is durable.
    pub durability: Durability,
    /// The log is snapshotted and truncated once it reaches this many bytes.
    pub log_bytes_max: u64,
    /// Draw new replica ids from this seed instead of the operating system's entropy, so a
    /// deterministic simulation replays exactly. The host must pass a different seed on every
    /// start (say, the next number of its own seeded stream): the same seed in an emptied
    /// directory draws the same id again, the reuse the store exists to prevent.
    pub id_seed: Option<u64>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { durability: Durability::Fsync, log_bytes_max: LOG_BYTES_MAX_DEFAULT, id_seed: None }
    }
}

impl StoreConfig {
    /// The default configuration in mode `durability`.
    pub fn with_durability(durability: Durability) -> Self {
        StoreConfig { durability, ..StoreConfig::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_their_flag_spelling_and_nothing_else() {
        for mode in [Durability::Fsync, Durability::Write, Durability::None] {
            assert_eq!(mode.to_string().parse(), Ok(mode));
        }
        assert_eq!("FSYNC".parse::<Durability>(), Err(UnknownDurability("FSYNC".into())));
    }
}
