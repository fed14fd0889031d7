//! The synchronous core: append deltas, commit them in one write and one `fdatasync`,
//! snapshot when the log grows past its bound.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use glomer_crdt::Lattice;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::files::replace_with_frame;
use crate::frame;
use crate::identity::IdSource;
use crate::log::LogFile;
use crate::recovery::{self, Recovery, LOCK_FILE, LOG_FILE, SNAPSHOT_FILE};
use crate::{Durability, Error, Identity, StoreConfig, NONE_BUFFER_BYTES_MAX};

/// A replica's durable store in one directory: its identity, a snapshot of its state, and the
/// log of deltas since that snapshot.
///
/// The host appends each delta it mutates, then commits once per batch of events and
/// acknowledges the batch's mutations only after [`Store::commit`] returns `Ok` (group commit:
/// one `fdatasync` for the whole batch). See the crate doc for the loop.
#[derive(Debug)]
pub struct Store<L> {
    dir: PathBuf,
    identity: Identity,
    config: StoreConfig,
    log: LogFile,
    /// Frames appended but not yet written.
    pending: Vec<u8>,
    /// The join of the snapshot and every delta appended: what a snapshot writes.
    state: L,
    recovery: Recovery,
    /// Held as long as the store is open. The operating system lets go of it when the process
    /// ends, however it ends (SIGKILL included), so a crash never leaves the directory locked.
    _lock: File,
}

impl<L: Lattice + Serialize + DeserializeOwned> Store<L> {
    /// Opens (creating if needed) the store in `dir` for the replica called `name`, and
    /// recovers: loads the snapshot, replays the log, cuts a torn tail.
    ///
    /// Fails with [`Error::Locked`] while another store has `dir` open, with
    /// [`Error::WrongReplica`] if `dir` belongs to another name, and with [`Error::Corrupt`]
    /// (naming the file and offset) if a durable frame is damaged.
    pub fn open(dir: impl AsRef<Path>, name: &str, config: StoreConfig) -> Result<Self, Error> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|error| Error::io(&dir, error))?;
        // Taken before anything is read: a second process must not recover from, or cut the
        // torn tail of, a log the first is still writing.
        let lock = lock(&dir)?;
        let mut ids = IdSource::new(config.id_seed);
        let (identity, fresh) = recovery::open_identity(&dir, name, &mut ids)?;
        let mut recovery = Recovery { fresh, ..Recovery::default() };
        let mut state = recovery::load_snapshot::<L>(&dir, &mut recovery)?;
        let log_path = dir.join(LOG_FILE);
        let log_bytes = recovery::replay_log(&log_path, &mut state, &mut recovery)?;
        let identity = recovery::settle_identity(&dir, identity, config.durability, &mut ids, &mut recovery)?;
        let log = LogFile::open(&log_path, log_bytes)?;
        tracing::debug!(dir = %dir.display(), ?recovery, replica_id = %identity.replica_id, "store open");
        Ok(Store { dir, identity, config, log, pending: Vec::new(), state, recovery, _lock: lock })
    }

    /// Adds `delta` to the next commit. It is not durable, and must not be acknowledged, until
    /// [`Store::commit`] returns `Ok`. A bottom delta is skipped.
    pub fn append(&mut self, delta: &L) -> Result<(), Error> {
        if delta.is_bottom() {
            return Ok(());
        }
        frame::encode(delta, &mut self.pending)?;
        self.state.join(delta);
        if self.pending.len() >= NONE_BUFFER_BYTES_MAX {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Makes every appended delta durable in the configured mode (one `write` and, in mode
    /// `fsync`, one `fdatasync`), then snapshots if the log reached its bound.
    ///
    /// On `Err` (a full disk, say) none of the batch may be acknowledged; the log is left as it
    /// was before the batch and the store stays usable, so a later commit can succeed.
    pub fn commit(&mut self) -> Result<(), Error> {
        match self.config.durability {
            Durability::None => {}
            Durability::Write => self.write_pending()?,
            Durability::Fsync => {
                self.write_pending()?;
                self.log.sync()?;
            }
        }
        if self.log.len_bytes() + self.pending.len() as u64 >= self.config.log_bytes_max {
            self.snapshot()?;
        }
        Ok(())
    }

    /// Writes the whole state as the snapshot and empties the log.
    pub fn snapshot(&mut self) -> Result<(), Error> {
        self.write_pending()?;
        let sync = self.config.durability.syncs();
        replace_with_frame(&self.dir, SNAPSHOT_FILE, &self.state, sync)?;
        self.log.truncate(sync)?;
        tracing::debug!(dir = %self.dir.display(), "snapshot written, log truncated");
        Ok(())
    }

    /// Writes and syncs everything appended, in every mode, and marks the run as cleanly ended
    /// (so mode `none` keeps its id on the next start).
    pub fn close(mut self) -> Result<(), Error> {
        self.write_pending()?;
        self.log.sync()?;
        recovery::clear_unsynced(&self.dir)
    }

    fn write_pending(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let result = self.log.append(&self.pending);
        // On failure the batch is dropped, not retried: its callers are answered with the
        // error, and keeping it would let a full disk grow the buffer without bound. Its deltas
        // stay in `state`, so a later snapshot may still persist them (an indeterminate write).
        self.pending.clear();
        result
    }
}

impl<L> Store<L> {
    /// The identity this directory belongs to: mint dots and counter entries under its
    /// `replica_id`.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The recovered state joined with every delta appended since: the state to start the
    /// replica from after [`Store::open`].
    pub fn state(&self) -> &L {
        &self.state
    }

    /// What recovery found on open.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// The configuration in force.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes in the log (whole frames written).
    pub fn log_bytes(&self) -> u64 {
        self.log.len_bytes()
    }

    /// Test seam: writes that would grow the log past `len_bytes` fail as on a full disk.
    #[cfg(test)]
    pub(crate) fn fail_log_writes_past(&mut self, len_bytes: Option<u64>) {
        self.log.fail_past_bytes = len_bytes;
    }
}

/// Locks `dir` for one store: an exclusive lock on its lock file, refused at once (not
/// waited for) when another store holds it.
fn lock(dir: &Path) -> Result<File, Error> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path);
    let file = file.map_err(|error| Error::io(&path, error))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::Locked { dir: dir.to_path_buf() }),
        Err(TryLockError::Error(error)) => Err(Error::io(&path, error)),
    }
}

#[cfg(test)]
mod tests {
    use glomer_crdt::GSet;

    use super::*;

    fn singleton(value: u64) -> GSet<u64> {
        let mut set = GSet::new();
        set.insert(value);
        set
    }

    #[test]
    fn a_second_store_on_one_directory_is_refused_while_the_first_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let first: Store<GSet<u64>> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
        let second = Store::<GSet<u64>>::open(dir.path(), "n1", StoreConfig::default());
        assert!(matches!(second, Err(Error::Locked { .. })), "{second:?}");
        drop(first);
        Store::<GSet<u64>>::open(dir.path(), "n1", StoreConfig::default()).expect("closed, the directory is free");
    }

    #[test]
    fn a_full_disk_fails_the_commit_keeps_reads_and_leaves_the_log_sound() {
        let dir = tempfile::tempdir().unwrap();
        let mut store: Store<GSet<u64>> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
        store.append(&singleton(1)).unwrap();
        store.commit().unwrap();
        // The disk fills in the middle of the next batch's second frame.
        let full_at = store.log_bytes() + 20;
        store.fail_log_writes_past(Some(full_at));
        store.append(&singleton(2)).unwrap();
        store.append(&singleton(3)).unwrap();
        let error = store.commit().unwrap_err();
        assert!(matches!(&error, Error::Io { source, .. } if source.raw_os_error() == Some(28)), "{error}");
        assert!(error.to_string().contains("log"), "{error}");
        // Reads keep working, and the partial write was cut back.
        assert!(store.state().contains(&1));
        assert_eq!(fs::metadata(dir.path().join(LOG_FILE)).unwrap().len(), store.log_bytes());
        // Writes fail for as long as the disk is full, then succeed again.
        store.append(&singleton(4)).unwrap();
        store.append(&singleton(6)).unwrap();
        assert!(store.commit().is_err());
        store.fail_log_writes_past(None);
        store.append(&singleton(5)).unwrap();
        store.commit().unwrap();
        drop(store);

        let store: Store<GSet<u64>> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
        assert_eq!(store.recovery().torn_bytes_cut, 0);
        assert!(store.state().contains(&1) && store.state().contains(&5));
        assert!(!store.state().contains(&2), "a failed batch is not in the log");
    }
}
