//! glomer-kv's `--data-dir` at its edges: a directory of another replica, or one a running
//! replica holds, is refused at start, and a write the store cannot record is answered 500
//! while reads keep working.

mod support;

use std::process::Command;

use serde_json::Value;
use support::{eventually, request, spawn_with, start};

/// The file size limit of the full-disk test, in 512-byte blocks: 8 KiB, room for the
/// identity and a few of the 1 KB writes, so the log hits it within a dozen of them.
const FILE_BLOCKS_MAX: &str = "16";
/// Writes tried before the limit must have been hit.
const WRITES_MAX: usize = 64;

fn data_dir_flags(dir: &tempfile::TempDir) -> Vec<String> {
    vec!["--data-dir".into(), dir.path().display().to_string()]
}

/// Starts replica `name` on `dir`, which must refuse it before it serves anything; its stderr.
fn refused_at_start(name: &str, dir: &tempfile::TempDir) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_glomer-kv"))
        .args(["--name", name, "--http", "127.0.0.1:0", "--gossip", "127.0.0.1:0"])
        .args(data_dir_flags(dir))
        .output()
        .expect("glomer-kv runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{name} started on {}: {stderr}", dir.path().display());
    assert!(output.stdout.is_empty(), "printed its addresses before refusing");
    stderr
}

#[test]
fn a_data_dir_of_another_replica_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = spawn_with("r0", &[], None, &data_dir_flags(&dir));
    support::put(&first, "k", "1");
    drop(first); // SIGKILL
    let stderr = refused_at_start("r1", &dir);
    assert!(stderr.contains("belongs to replica \"r0\", not \"r1\""), "{stderr}");
    let back = spawn_with("r0", &[], None, &data_dir_flags(&dir));
    eventually("r0 reads its write back after the restart", || support::values(&back, "k") == [Value::from(1)]);
}

#[test]
fn a_data_dir_in_use_is_refused_at_start_and_free_once_its_replica_is_killed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = spawn_with("r0", &[], None, &data_dir_flags(&dir));
    support::put(&first, "k", "1");
    let stderr = refused_at_start("r0", &dir);
    assert!(stderr.contains("already open"), "{stderr}");
    drop(first); // SIGKILL
    let back = spawn_with("r0", &[], None, &data_dir_flags(&dir));
    eventually("r0 reads its write back after the restart", || support::values(&back, "k") == [Value::from(1)]);
}

/// A full disk, simulated with a file size limit (`ulimit -f`; SIGXFSZ ignored, so a write
/// past it fails with EFBIG as a full disk fails with ENOSPC).
#[test]
fn a_write_the_store_cannot_record_is_a_500_and_reads_keep_working() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let replica = support::command("r0", &[], None, &data_dir_flags(&dir));
    let mut limited = Command::new("sh");
    limited.arg("-c").arg(format!("trap '' XFSZ; ulimit -f {FILE_BLOCKS_MAX}; exec \"$0\" \"$@\""));
    limited.arg(replica.get_program()).args(replica.get_args());
    let node = start("r0", limited);

    let value = Value::from("x".repeat(1_000)).to_string();
    let mut acknowledged = Vec::new();
    let refused = (0..WRITES_MAX).find_map(|i| {
        let key = format!("k{i}");
        let (status, body) = request(&node, "PUT", &format!("/kv/{key}"), Some(&value));
        match status {
            200 => {
                acknowledged.push(key);
                None
            }
            _ => Some((status, body)),
        }
    });
    let (status, body) = refused.expect("the file size limit is reached");
    assert_eq!(status, 500, "{body}");
    assert!(body["error"].as_str().is_some_and(|error| error.contains("not recorded")), "{body}");
    assert!(!acknowledged.is_empty(), "no write fitted under the limit");
    for key in &acknowledged {
        assert_eq!(support::values(&node, key), [Value::from("x".repeat(1_000))], "{key} after the failure");
    }
    let (status, _) = request(&node, "GET", "/kv", None);
    assert_eq!(status, 200);
}
