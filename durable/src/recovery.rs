//! Recovery on start: check the identity, load the snapshot, replay the log, cut a torn tail,
//! and decide whether the replica keeps its id.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use glomer_crdt::Lattice;
use serde::de::DeserializeOwned;

use crate::files::{self, read_frame, read_optional, remove_optional, replace_with_frame, sync_dir};
use crate::frame::{self, Step};
use crate::identity::{IdSource, IdentityRecord, FORMAT_VERSION};
use crate::{Durability, Error, Identity};

/// The file holding the [`Identity`].
pub const IDENTITY_FILE: &str = "identity";
/// The file holding the last snapshot of the state.
pub const SNAPSHOT_FILE: &str = "snapshot";
/// The delta log since the last snapshot.
pub const LOG_FILE: &str = "log";
/// Locked while a store has the directory open; empty.
pub const LOCK_FILE: &str = "lock";
/// Present while a run in mode `none` has acknowledged deltas it may not have written: found
/// on start, it means the last run crashed and its acknowledged deltas may be lost.
pub const UNSYNCED_FILE: &str = "unsynced";

/// What recovery found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// The directory was new (or empty): a fresh identity was drawn.
    pub fresh: bool,
    /// A snapshot was loaded.
    pub snapshot_loaded: bool,
    /// Deltas replayed from the log on top of the snapshot.
    pub deltas_replayed: u64,
    /// Bytes of a torn tail cut from the end of the log (an interrupted, unacknowledged append).
    pub torn_bytes_cut: u64,
    /// The last run (mode `none`) crashed, so acknowledged deltas may be lost: a new id was
    /// drawn and the incarnation bumped.
    pub redrawn: bool,
}

/// Reads the identity of `dir`, or creates a fresh one when the directory holds nothing.
pub(crate) fn open_identity(dir: &Path, name: &str, ids: &mut IdSource) -> Result<(Identity, bool), Error> {
    // A crash while rewriting the identity leaves the old one in place and this behind.
    remove_optional(&dir.join(format!("{IDENTITY_FILE}.tmp")))?;
    let path = dir.join(IDENTITY_FILE);
    let Some(record) = read_frame::<IdentityRecord>(&path)? else {
        if holds_data(dir)? {
            return Err(Error::corrupt(&path, 0, "missing, but the directory holds a snapshot or a log"));
        }
        let identity = Identity::fresh(name, ids);
        write_identity(dir, &identity)?;
        return Ok((identity, true));
    };
    if record.format_version != FORMAT_VERSION {
        return Err(Error::corrupt(&path, 0, format!("unknown format version {}", record.format_version)));
    }
    if record.identity.name != name {
        return Err(Error::WrongReplica {
            dir: dir.to_path_buf(),
            found: record.identity.name,
            expected: name.to_string(),
        });
    }
    Ok((record.identity, false))
}

fn holds_data(dir: &Path) -> Result<bool, Error> {
    let snapshot = dir.join(SNAPSHOT_FILE).try_exists().map_err(|error| Error::io(dir, error))?;
    let log_bytes = fs::metadata(dir.join(LOG_FILE)).map(|meta| meta.len()).unwrap_or(0);
    Ok(snapshot || log_bytes > 0)
}

/// Writes the identity durably in every mode: it happens once per start, and an identity lost
/// to a machine crash would hand the directory to a stranger.
fn write_identity(dir: &Path, identity: &Identity) -> Result<(), Error> {
    let record = IdentityRecord { format_version: FORMAT_VERSION, identity: identity.clone() };
    replace_with_frame(dir, IDENTITY_FILE, &record, true)
}

/// The state in the snapshot, or bottom; a leftover temporary snapshot (a crash while writing
/// one) is removed, since the log still holds everything it would have.
pub(crate) fn load_snapshot<L: Lattice + DeserializeOwned>(dir: &Path, recovery: &mut Recovery) -> Result<L, Error> {
    remove_optional(&dir.join(format!("{SNAPSHOT_FILE}.tmp")))?;
    let snapshot = read_frame::<L>(&dir.join(SNAPSHOT_FILE))?;
    recovery.snapshot_loaded = snapshot.is_some();
    Ok(snapshot.unwrap_or_default())
}

/// Joins every delta of the log into `state`, cuts a torn tail, and returns the log's sound
/// length. Replaying a delta the snapshot already holds is harmless: join is idempotent, which
/// is why a crash between writing a snapshot and truncating the log needs no repair.
pub(crate) fn replay_log<L: Lattice + DeserializeOwned>(
    path: &Path,
    state: &mut L,
    recovery: &mut Recovery,
) -> Result<u64, Error> {
    let Some(bytes) = read_optional(path)? else { return Ok(0) };
    let mut offset = 0;
    loop {
        match frame::step(&bytes, offset) {
            Step::Frame { payload, next } => {
                let delta: L = postcard::from_bytes(payload)
                    .map_err(|error| Error::corrupt(path, offset, format!("undecodable delta: {error}")))?;
                state.join(&delta);
                recovery.deltas_replayed += 1;
                offset = next;
            }
            Step::End => return Ok(offset as u64),
            Step::Torn(reason) => {
                cut_tail(path, offset as u64)?;
                recovery.torn_bytes_cut = (bytes.len() - offset) as u64;
                tracing::warn!(path = %path.display(), offset, bytes = recovery.torn_bytes_cut, reason, "cut a torn tail");
                return Ok(offset as u64);
            }
            Step::Corrupt(reason) => return Err(Error::corrupt(path, offset, reason)),
        }
    }
}

fn cut_tail(path: &Path, len_bytes: u64) -> Result<(), Error> {
    let cut = || -> std::io::Result<()> {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(len_bytes)?;
        file.sync_all()
    };
    cut().map_err(|error| Error::io(path, error))
}

/// Applies the identity rule for the previous run's ending and marks this run's mode: a
/// leftover [`UNSYNCED_FILE`] means a `none` run crashed, so the id is redrawn.
pub(crate) fn settle_identity(
    dir: &Path,
    identity: Identity,
    durability: Durability,
    ids: &mut IdSource,
    recovery: &mut Recovery,
) -> Result<Identity, Error> {
    let marker = dir.join(UNSYNCED_FILE);
    let mut identity = identity;
    if marker.try_exists().map_err(|error| Error::io(&marker, error))? {
        identity = identity.redrawn(ids);
        write_identity(dir, &identity)?;
        recovery.redrawn = !recovery.fresh;
        tracing::warn!(dir = %dir.display(), replica_id = %identity.replica_id, "last run may have lost acknowledged deltas: new id");
    }
    if durability == Durability::None {
        File::create(&marker).map_err(|error| Error::io(&marker, error))?;
        sync_dir(dir)?;
    } else {
        files::remove_optional(&marker)?;
    }
    Ok(identity)
}

/// Removes the mode-`none` marker after a clean close wrote everything.
pub(crate) fn clear_unsynced(dir: &Path) -> Result<(), Error> {
    remove_optional(&dir.join(UNSYNCED_FILE))?;
    sync_dir(dir)
}
