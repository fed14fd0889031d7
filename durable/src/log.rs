//! The delta log file: appends whole batches of frames, syncs, and never leaves a partial batch
//! behind a later one.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Error;

/// The open log, and how many of its bytes are sound frames.
#[derive(Debug)]
pub(crate) struct LogFile {
    file: File,
    path: PathBuf,
    /// Bytes of whole frames written. A failed write is cut back to here, since a partial
    /// batch followed by later frames would read as corruption in the middle of the log.
    len_bytes: u64,
    /// A failed write left bytes past `len_bytes` that could not be cut yet.
    needs_cut: bool,
    /// Bytes were written since the last sync.
    unsynced: bool,
    /// Test seam: writes past this file length fail as on a full disk, after writing the part
    /// that fits (a real full disk writes partially too).
    #[cfg(test)]
    pub(crate) fail_past_bytes: Option<u64>,
}

impl LogFile {
    /// Opens `path` for appending; its first `len_bytes` are sound frames.
    pub(crate) fn open(path: &Path, len_bytes: u64) -> Result<Self, Error> {
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(|error| Error::io(path, error))?;
        Ok(LogFile {
            file,
            path: path.to_path_buf(),
            len_bytes,
            needs_cut: false,
            unsynced: false,
            #[cfg(test)]
            fail_past_bytes: None,
        })
    }

    /// Bytes of whole frames in the log.
    pub(crate) fn len_bytes(&self) -> u64 {
        self.len_bytes
    }

    /// Appends `frames` whole, or fails and leaves the log as it was.
    pub(crate) fn append(&mut self, frames: &[u8]) -> Result<(), Error> {
        if self.needs_cut {
            self.file.set_len(self.len_bytes).map_err(|error| Error::io(&self.path, error))?;
            self.needs_cut = false;
        }
        if let Err(error) = self.write(frames) {
            self.needs_cut = true;
            if let Err(cut_error) = self.file.set_len(self.len_bytes) {
                tracing::warn!(path = %self.path.display(), %cut_error, "cannot cut a failed write back yet");
            } else {
                self.needs_cut = false;
            }
            return Err(Error::io(&self.path, error));
        }
        self.len_bytes += frames.len() as u64;
        self.unsynced = true;
        Ok(())
    }

    fn write(&mut self, frames: &[u8]) -> std::io::Result<()> {
        #[cfg(test)]
        if let Some(limit) = self.fail_past_bytes {
            let room = limit.saturating_sub(self.len_bytes) as usize;
            if frames.len() > room {
                self.file.write_all(&frames[..room])?;
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
        }
        self.file.write_all(frames)
    }

    /// `fdatasync`s what was written since the last sync, if anything.
    pub(crate) fn sync(&mut self) -> Result<(), Error> {
        if self.unsynced {
            self.file.sync_data().map_err(|error| Error::io(&self.path, error))?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Empties the log (its frames are in a snapshot now), durably with `sync`.
    pub(crate) fn truncate(&mut self, sync: bool) -> Result<(), Error> {
        self.file.set_len(0).map_err(|error| Error::io(&self.path, error))?;
        self.len_bytes = 0;
        self.unsynced = true;
        if sync {
            self.sync()?;
        }
        Ok(())
    }
}
