//! Recovery from torn tails, corrupt frames, crashes around snapshots, and foreign directories.

use std::fs;
use std::path::Path;

use glomer_crdt::{GSet, Lattice};
use glomer_store::{Durability, Error, Store, StoreConfig, LOG_FILE, SNAPSHOT_FILE};
use proptest::prelude::*;

type Set = GSet<u64>;

fn open(dir: &Path) -> Result<Store<Set>, Error> {
    Store::open(dir, "n1", StoreConfig::default())
}

fn singleton(value: u64) -> Set {
    let mut set = Set::new();
    set.insert(value);
    set
}

/// Commits `values` one delta per commit; returns the log offset at which each frame starts.
fn write_log(dir: &Path, values: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut store = open(dir).unwrap();
    let mut starts = Vec::new();
    for value in values {
        starts.push(store.log_bytes());
        store.append(&singleton(value)).unwrap();
        store.commit().unwrap();
    }
    starts
}

fn set_of(values: impl IntoIterator<Item = u64>) -> Set {
    values.into_iter().map(singleton).fold(Set::new(), |all, one| all.joined(&one))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn every_truncation_of_the_last_frame_recovers_the_frames_before_it() {
    let original = tempfile::tempdir().unwrap();
    let starts = write_log(original.path(), [10, 200, 70_000, u64::MAX]);
    let last_start = *starts.last().unwrap();
    let full_len = fs::metadata(original.path().join(LOG_FILE)).unwrap().len();
    for cut in last_start..full_len {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(original.path(), dir.path());
        let log = fs::OpenOptions::new().write(true).open(dir.path().join(LOG_FILE)).unwrap();
        log.set_len(cut).unwrap();
        drop(log);

        let mut store = open(dir.path()).unwrap_or_else(|error| panic!("cut at {cut}: {error}"));
        assert_eq!(store.state(), &set_of([10, 200, 70_000]), "cut at {cut}");
        assert_eq!(store.recovery().torn_bytes_cut, cut - last_start, "cut at {cut}");
        assert_eq!(store.recovery().deltas_replayed, 3);
        // The tail is gone from the file too: new frames follow the sound ones.
        store.append(&singleton(5)).unwrap();
        store.commit().unwrap();
        drop(store);
        let store = open(dir.path()).unwrap();
        assert_eq!(store.state(), &set_of([10, 200, 70_000, 5]), "cut at {cut}, reopened");
        assert_eq!(store.recovery().torn_bytes_cut, 0);
    }
}

#[test]
fn a_zero_filled_tail_is_cut_like_a_torn_one() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), [1, 2]);
    let path = dir.path().join(LOG_FILE);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0; 4096]);
    fs::write(&path, bytes).unwrap();
    let store = open(dir.path()).unwrap();
    assert_eq!(store.state(), &set_of([1, 2]));
    assert_eq!(store.recovery().torn_bytes_cut, 4096);
}

#[test]
fn a_flipped_byte_in_a_middle_frame_stops_recovery_naming_file_and_offset() {
    let original = tempfile::tempdir().unwrap();
    let starts = write_log(original.path(), [10, 200, 70_000, 9]);
    let (middle_start, middle_end) = (starts[1], starts[2]);
    for at in middle_start..middle_end {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(original.path(), dir.path());
        let path = dir.path().join(LOG_FILE);
        let mut bytes = fs::read(&path).unwrap();
        bytes[at as usize] ^= 0x40;
        fs::write(&path, &bytes).unwrap();

        match open(dir.path()) {
            Err(Error::Corrupt { path: reported, offset, reason }) => {
                assert_eq!(reported, path, "flip at {at}");
                assert_eq!(offset, middle_start, "flip at {at}: {reason}");
                let message = Error::Corrupt { path: reported, offset, reason }.to_string();
                assert!(message.contains(&format!("byte {middle_start}")), "{message}");
            }
            other => panic!("flip at {at}: expected corruption, got {other:?}"),
        }
        // Nothing was cut: the damaged log is left for a person to inspect.
        assert_eq!(fs::read(&path).unwrap(), bytes, "flip at {at}");
    }
}

#[test]
fn a_damaged_snapshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path()).unwrap();
    store.append(&singleton(1)).unwrap();
    store.snapshot().unwrap();
    drop(store);
    let path = dir.path().join(SNAPSHOT_FILE);
    let mut bytes = fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(&path, bytes).unwrap();
    assert!(matches!(open(dir.path()), Err(Error::Corrupt { path: p, .. }) if p == path));
}

#[test]
fn a_directory_of_another_replica_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), [1]);
    match Store::<Set>::open(dir.path(), "n2", StoreConfig::default()) {
        Err(Error::WrongReplica { found, expected, .. }) => {
            assert_eq!((found.as_str(), expected.as_str()), ("n1", "n2"))
        }
        other => panic!("expected WrongReplica, got {other:?}"),
    }
}

#[test]
fn data_without_an_identity_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), [1]);
    fs::remove_file(dir.path().join(glomer_store::IDENTITY_FILE)).unwrap();
    assert!(matches!(open(dir.path()), Err(Error::Corrupt { .. })));
}

#[test]
fn snapshots_bound_the_log_and_recovery_joins_snapshot_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig { log_bytes_max: 256, durability: Durability::Write, ..StoreConfig::default() };
    let mut store: Store<Set> = Store::open(dir.path(), "n1", config).unwrap();
    for value in 0..200 {
        store.append(&singleton(value)).unwrap();
        store.commit().unwrap();
        assert!(store.log_bytes() < 256, "log of {} bytes after {value}", store.log_bytes());
    }
    drop(store);
    let store: Store<Set> = Store::open(dir.path(), "n1", config).unwrap();
    assert!(store.recovery().snapshot_loaded);
    assert!(store.recovery().deltas_replayed < 200);
    assert_eq!(store.state(), &set_of(0..200));
}

#[test]
fn a_crash_between_snapshot_and_log_truncation_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path(), [1, 2, 3]);
    let log_path = dir.path().join(LOG_FILE);
    let log_before = fs::read(&log_path).unwrap();
    let mut store = open(dir.path()).unwrap();
    store.snapshot().unwrap();
    drop(store);
    // As if the process died after renaming the snapshot, before truncating the log.
    fs::write(&log_path, &log_before).unwrap();
    fs::write(dir.path().join(format!("{SNAPSHOT_FILE}.tmp")), b"half a snapshot").unwrap();
    let store = open(dir.path()).unwrap();
    assert!(store.recovery().snapshot_loaded);
    assert_eq!(store.recovery().deltas_replayed, 3);
    assert_eq!(store.state(), &set_of([1, 2, 3]));
}

#[test]
fn a_restart_keeps_the_identity_and_a_fresh_directory_draws_a_new_one() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let identity = open(first.path()).unwrap().identity().clone();
    assert!(identity.replica_id.0 >= glomer_store::DRAWN_ID_BIT);
    let reopened = open(first.path()).unwrap();
    assert_eq!(reopened.identity(), &identity);
    assert!(!reopened.recovery().fresh);
    // Lost data: the same name in an empty directory is a new incarnation of the replica.
    let fresh = open(second.path()).unwrap();
    assert!(fresh.recovery().fresh);
    assert_ne!(fresh.identity().replica_id, identity.replica_id);
}

#[test]
fn a_seeded_store_draws_ids_a_simulation_can_replay() {
    let seeded = |seed| StoreConfig { id_seed: Some(seed), ..StoreConfig::default() };
    let draw = |seed| {
        let dir = tempfile::tempdir().unwrap();
        let store: Store<Set> = Store::open(dir.path(), "n1", seeded(seed)).unwrap();
        store.identity().replica_id
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
}

#[test]
fn mode_none_redraws_the_identity_after_a_crash_but_not_after_a_clean_close() {
    let dir = tempfile::tempdir().unwrap();
    let none = StoreConfig::with_durability(Durability::None);
    let mut store: Store<Set> = Store::open(dir.path(), "n1", none).unwrap();
    let first = store.identity().clone();
    store.append(&singleton(1)).unwrap();
    store.commit().unwrap();
    store.close().unwrap();

    let mut store: Store<Set> = Store::open(dir.path(), "n1", none).unwrap();
    assert_eq!(store.identity(), &first);
    assert_eq!(store.state(), &set_of([1]));
    store.append(&singleton(2)).unwrap();
    store.commit().unwrap();
    drop(store); // a crash: the acknowledged 2 was never written

    let store: Store<Set> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
    assert!(store.recovery().redrawn);
    assert_ne!(store.identity().replica_id, first.replica_id);
    assert_eq!(store.identity().incarnation, first.incarnation + 1);
    assert_eq!(store.state(), &set_of([1]));
}

#[test]
fn mode_write_survives_a_dropped_store() {
    let dir = tempfile::tempdir().unwrap();
    let write = StoreConfig::with_durability(Durability::Write);
    let mut store: Store<Set> = Store::open(dir.path(), "n1", write).unwrap();
    store.append(&singleton(4)).unwrap();
    store.commit().unwrap();
    let identity = store.identity().clone();
    drop(store);
    let store: Store<Set> = Store::open(dir.path(), "n1", write).unwrap();
    assert_eq!(store.state(), &set_of([4]));
    assert_eq!(store.identity(), &identity);
}

/// One step of a random history: a delta committed or not, or a snapshot.
#[derive(Debug, Clone)]
enum Action {
    Append(u64),
    Commit,
    Snapshot,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (0u64..1_000).prop_map(Action::Append),
        3 => Just(Action::Commit),
        1 => Just(Action::Snapshot),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the history of appends, commits and snapshots, and whatever the log bound,
    /// reopening yields at least every committed delta and nothing never appended.
    #[test]
    fn recovery_holds_every_committed_delta(actions in prop::collection::vec(action(), 0..60), log_bytes_max in 16u64..400) {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig { log_bytes_max, durability: Durability::Write, ..StoreConfig::default() };
        let mut store: Store<Set> = Store::open(dir.path(), "n1", config).unwrap();
        let (mut appended, mut committed) = (Set::new(), Set::new());
        for action in &actions {
            match action {
                Action::Append(value) => { store.append(&singleton(*value)).unwrap(); appended.insert(*value); }
                Action::Commit => { store.commit().unwrap(); committed = appended.clone(); }
                Action::Snapshot => { store.snapshot().unwrap(); committed = appended.clone(); }
            }
        }
        drop(store);
        let store: Store<Set> = Store::open(dir.path(), "n1", config).unwrap();
        prop_assert!(committed.leq(store.state()));
        prop_assert!(store.state().leq(&appended));
    }
}
