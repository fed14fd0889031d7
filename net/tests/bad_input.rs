//! Bad input from the network is logged and the connection dropped; the replica carries on.

use std::net::SocketAddr;
use std::time::Duration;

use glomer_crdt::{GSet, ReplicaId};
use glomer_net::wire::{self, Frame, Hello, PROTOCOL_VERSION};
use glomer_net::{Replica, ReplicaBuilder, SwimConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// How long a refused connection may take to be closed by the replica.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

async fn replica(name: &str) -> Replica<GSet<u64>> {
    ReplicaBuilder::new(name, "127.0.0.1:0".parse().unwrap()).swim(SwimConfig::fast()).start().await.unwrap()
}

fn framed(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn hello(version: u16, name: &str, replica: u32, addr: SocketAddr) -> Vec<u8> {
    let hello = Hello { version, name: name.into(), replica: ReplicaId(replica), addr };
    framed(&wire::encode::<()>(&Frame::Hello(hello)).unwrap())
}

/// Sends `bytes` and expects the replica to close the connection (EOF or reset) in time.
async fn is_dropped(addr: SocketAddr, bytes: &[u8]) -> bool {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut buf = vec![0u8; 4096];
    let closed = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue, // the replica's own hello, before it reads ours
            }
        }
    };
    tokio::time::timeout(CLOSE_WAIT, closed).await.unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_and_false_claims_drop_the_connection_and_nothing_panics() {
    let target = replica("target").await;
    let addr = target.addr();
    let elsewhere: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage frame", framed(b"\xff\xfe\xfd garbage")),
        ("oversized frame", ((wire::FRAME_BYTES_MAX + 1) as u32).to_be_bytes().to_vec()),
        ("incompatible version", hello(PROTOCOL_VERSION + 1, "x", 99, elsewhere)),
        ("claims the target's own name", hello(PROTOCOL_VERSION, "target", 98, elsewhere)),
        ("claims the target's replica id", hello(PROTOCOL_VERSION, "y", target.replica().0, elsewhere)),
        (
            "data before any hello",
            framed(&wire::encode(&Frame::<GSet<u64>>::Sync(glomer_crdt::SyncMessage::Ack { seq: 1 })).unwrap()),
        ),
    ];
    for (what, bytes) in cases {
        assert!(is_dropped(addr, &bytes).await, "{what}: connection not dropped");
    }
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    udp.send_to(b"not a SWIM packet", addr).await.unwrap();

    // A claim of a live member's name from another address: the member joins first.
    let member = ReplicaBuilder::<GSet<u64>>::new("member", "127.0.0.1:0".parse().unwrap())
        .seed(addr)
        .swim(SwimConfig::fast())
        .start()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !target.members().iter().any(|m| m.name == "member") {
        assert!(tokio::time::Instant::now() < deadline, "member never joined");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(is_dropped(addr, &hello(PROTOCOL_VERSION, "member", 97, elsewhere)).await, "a live name claimed elsewhere");

    // Still serving and replicating.
    target.mutate(|set| set.insert(42)).await.unwrap();
    while !member.read().await.unwrap().contains(&42) {
        assert!(tokio::time::Instant::now() < deadline, "replication stopped after bad input");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    member.shutdown().await;
    target.shutdown().await;
}
