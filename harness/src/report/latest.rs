//! `store/latest` (and `store/WORKLOAD/latest`): symbolic links to the newest run, as Jepsen
//! keeps them (jepsen/store.clj `update-symlinks!`), replaced atomically so a reader never
//! finds the link missing.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The store folder under the working directory.
pub const STORE: &str = "store";

/// Points `store/latest` at `run_dir`, and `store/W/latest` too when `run_dir` is under
/// `store/W/`; does nothing for a run outside `store/`. Links are relative, so a store moved
/// elsewhere keeps them working.
pub fn update(run_dir: &Path) -> io::Result<()> {
    let Ok(inside) = run_dir.strip_prefix(STORE) else { return Ok(()) };
    let store = Path::new(STORE);
    link(&store.join("latest"), inside)?;
    let mut parts = inside.components();
    if let (Some(Component::Normal(workload)), rest) = (parts.next(), parts.as_path()) {
        if !rest.as_os_str().is_empty() {
            link(&store.join(workload).join("latest"), rest)?;
        }
    }
    Ok(())
}

/// Makes `at` a link to `target`: a new link beside it, renamed over it (rename replaces a
/// link atomically).
#[cfg(unix)]
fn link(at: &Path, target: &Path) -> io::Result<()> {
    let fresh = PathBuf::from(format!("{}.{}.tmp", at.display(), std::process::id()));
    let _ = std::fs::remove_file(&fresh);
    std::os::unix::fs::symlink(target, &fresh)?;
    std::fs::rename(&fresh, at).inspect_err(|_| {
        let _ = std::fs::remove_file(&fresh);
    })
}

/// Symbolic links need privileges elsewhere; the newest run is still printed.
#[cfg(not(unix))]
fn link(_at: &Path, _target: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn latest_follows_the_newest_run_and_is_replaced_not_added() {
        let root = std::env::temp_dir().join(format!("glomer-latest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let at = root.join("latest");
        for run in ["echo/1", "echo/2"] {
            std::fs::create_dir_all(root.join(run)).unwrap();
            link(&at, Path::new(run)).unwrap();
            assert_eq!(std::fs::read_link(&at).unwrap(), Path::new(run));
            assert!(at.join(".").exists(), "the link resolves");
        }
        let names: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary link left behind: {names:?}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
