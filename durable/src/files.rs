//! Whole-file operations: reading a file that may be absent, replacing a file atomically, and
//! reading a file that holds exactly one frame (the identity and the snapshot).

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::frame::{self, Step};
use crate::Error;

/// The whole file, or `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::io(path, error)),
    }
}

/// Makes the directory's entries (a created, renamed or removed file) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir).and_then(|handle| handle.sync_all()).map_err(|error| Error::io(dir, error))
}

/// Replaces `dir/name` with one frame holding `value`: written to `name.tmp`, then renamed, so a
/// reader sees the old file or the new one, never a mix (rename is atomic in POSIX). With
/// `sync`, the file's data and the rename are durable before this returns.
pub(crate) fn replace_with_frame<T: Serialize + ?Sized>(
    dir: &Path,
    name: &str,
    value: &T,
    sync: bool,
) -> Result<(), Error> {
    let mut bytes = Vec::new();
    frame::encode(value, &mut bytes)?;
    let tmp = dir.join(format!("{name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(&bytes)?;
        if sync {
            file.sync_data()?;
        }
        Ok(())
    };
    write().map_err(|error| Error::io(&tmp, error))?;
    let path = dir.join(name);
    fs::rename(&tmp, &path).map_err(|error| Error::io(&path, error))?;
    if sync {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Reads a file written by [`replace_with_frame`]: `None` when absent. Anything but exactly one
/// sound frame is corruption, never a torn tail, since the file was renamed into place whole.
pub(crate) fn read_frame<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, Error> {
    let Some(bytes) = read_optional(path)? else { return Ok(None) };
    match frame::step(&bytes, 0) {
        Step::Frame { payload, next } if next == bytes.len() => postcard::from_bytes(payload)
            .map(Some)
            .map_err(|error| Error::corrupt(path, 0, format!("undecodable payload: {error}"))),
        Step::Frame { next, .. } => Err(Error::corrupt(path, next, "bytes after the only frame")),
        Step::End => Err(Error::corrupt(path, 0, "empty file")),
        Step::Torn(reason) | Step::Corrupt(reason) => Err(Error::corrupt(path, 0, reason)),
    }
}

/// Removes `path` if it exists.
pub(crate) fn remove_optional(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Error::io(path, error)),
    }
}
