//! Group commit: many callers, one writer, every acknowledged delta recovered.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use glomer_crdt::GSet;
use glomer_store::{GroupCommit, Store, StoreConfig};

type Set = GSet<u64>;

fn singleton(value: u64) -> Set {
    let mut set = Set::new();
    set.insert(value);
    set
}

#[test]
fn concurrent_writers_get_every_delta_acknowledged_and_recovered() {
    const WRITERS: u64 = 8;
    const PER_WRITER: u64 = 200;
    let dir = tempfile::tempdir().unwrap();
    let store: Store<Set> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
    let writer = Arc::new(GroupCommit::start(store));
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let writer = Arc::clone(&writer);
            thread::spawn(move || {
                for i in 0..PER_WRITER {
                    writer.append(singleton(w * PER_WRITER + i)).wait().unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    Arc::into_inner(writer).unwrap().close().unwrap();

    let store: Store<Set> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
    let expected: Vec<u64> = (0..WRITERS * PER_WRITER).collect();
    assert_eq!(store.state().iter().copied().collect::<Vec<_>>(), expected);
}

/// Wakes by unparking the thread that polls.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[test]
fn an_ack_can_be_awaited_without_a_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store<Set> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
    let writer = GroupCommit::start(store);
    let mut ack = std::pin::pin!(writer.append(singleton(7)));
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let result = loop {
        match ack.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(result) => break result,
            Poll::Pending => thread::park(),
        }
    };
    result.unwrap();
    writer.close().unwrap();
}

#[test]
fn a_barrier_resolves_once_every_earlier_delta_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store<Set> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
    let writer = GroupCommit::start(store);
    let acks: Vec<_> = (0..100).map(|value| writer.append(singleton(value))).collect();
    writer.barrier().wait().unwrap();
    // Read the files as they are while the writer still runs (idle: nothing is queued after
    // the barrier): a copy, since the writer's store holds the directory's lock.
    let copy = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), copy.path().join(file.file_name())).unwrap();
    }
    let recovered: Store<Set> = Store::open(copy.path(), "n1", StoreConfig::default()).unwrap();
    assert_eq!(recovered.state().len(), 100);
    for ack in acks {
        ack.wait().unwrap();
    }
    drop(recovered);
    writer.close().unwrap();
}
