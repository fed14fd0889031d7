//! What can go wrong opening, writing and recovering a store.

use std::path::PathBuf;
use std::sync::Arc;

use crate::frame::EncodeError;

/// An error of the store. `Clone` (I/O errors are shared behind an `Arc`) so one failed group
/// commit can answer every caller whose delta was in it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// A file operation failed: a full disk, a read-only file system, missing permissions.
    /// Nothing of the failed write counts as durable; the state in memory is untouched.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// A frame that was once durable is damaged. Recovery stops here rather than start from a
    /// state missing acknowledged deltas; a person must decide (restore, or delete the
    /// directory so the replica starts fresh under a new identity).
    #[error("{path}: corrupt at byte {offset}: {reason}")]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// Byte offset of the damaged frame.
        offset: u64,
        /// What check failed.
        reason: String,
    },
    /// The directory holds another replica's data.
    #[error("{dir} belongs to replica {found:?}, not {expected:?}")]
    WrongReplica {
        /// The data directory.
        dir: PathBuf,
        /// The name recorded in it.
        found: String,
        /// The name the caller opened it as.
        expected: String,
    },
    /// Another store has the directory open, in this process or another: two writers would
    /// interleave their logs and each recover the other's deltas as its own.
    #[error("{dir} is already open in another store (its lock file is held)")]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// A delta or a state could not be framed (too large, or refused by its encoder).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The group-commit writer is gone (it was closed, or a previous error ended it).
    #[error("the store's writer has stopped")]
    Stopped,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source: Arc::new(source) }
    }

    /// A corruption report for `path` at `offset`.
    pub(crate) fn corrupt(path: impl Into<PathBuf>, offset: usize, reason: impl Into<String>) -> Self {
        Error::Corrupt { path: path.into(), offset: offset as u64, reason: reason.into() }
    }
}
