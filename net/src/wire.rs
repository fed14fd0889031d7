//! What travels on a TCP connection between two replicas: length-delimited frames
//! (tokio-util's `LengthDelimitedCodec`, a 4-byte big-endian length before each frame) whose
//! payload is one postcard-encoded [`Frame`].

use std::net::SocketAddr;

use bytes::Bytes;
use glomer_crdt::{ReplicaId, SyncMessage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio_util::codec::LengthDelimitedCodec;

/// The version of this wire format; a peer speaking another is logged and dropped. Bump it on
/// any change to [`Frame`], the lattice encodings, or the handshake.
pub const PROTOCOL_VERSION: u16 = 1;

/// The largest frame accepted or sent. A frame carries at most one full state (a peer that lost
/// track gets the whole state in one message), so this bounds the state a cluster can sync;
/// 16 MiB holds a key-value store of about a hundred thousand small entries, and keeps one
/// corrupt or hostile length prefix from making a replica allocate more.
pub const FRAME_BYTES_MAX: usize = 16 * 1024 * 1024;

/// One frame of the replica protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame<L> {
    /// The first frame each side sends on a new connection: who is speaking. Its first field is
    /// the version, so a peer of another version is recognised before anything else is decoded.
    Hello(Hello),
    /// A message of the delta sync protocol (glomer-crdt's `Engine`).
    Sync(SyncMessage<L>),
}

/// The handshake: a replica's version, name, replica id and advertised address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub version: u16,
    /// The sender's name (unique in the cluster, stable across restarts).
    pub name: String,
    /// The sender's replica id for this incarnation.
    pub replica: ReplicaId,
    /// The address the sender advertises for TCP and SWIM.
    pub addr: SocketAddr,
}

/// Why a frame was refused. Each one drops the connection.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The payload is not a frame of this version.
    #[error("undecodable frame: {0}")]
    Garbage(#[from] postcard::Error),
    /// The peer speaks another version of the protocol.
    #[error("peer speaks protocol version {theirs}, this replica {PROTOCOL_VERSION}")]
    Version {
        /// The version the peer announced.
        theirs: u16,
    },
    /// A frame over [`FRAME_BYTES_MAX`], or a broken length prefix.
    #[error("framing: {0}")]
    Framing(#[from] std::io::Error),
}

/// The codec both sides use, capped at [`FRAME_BYTES_MAX`].
pub fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().max_frame_length(FRAME_BYTES_MAX).new_codec()
}

/// Encodes a frame for the wire.
pub fn encode<L: Serialize>(frame: &Frame<L>) -> Result<Bytes, WireError> {
    Ok(Bytes::from(postcard::to_allocvec(frame)?))
}

/// Decodes a frame. A hello of another version is reported as such rather than as garbage:
/// postcard writes the variant index and then the hello's first field, the version, so that
/// prefix reads the same in every version.
pub fn decode<L: DeserializeOwned>(payload: &[u8]) -> Result<Frame<L>, WireError> {
    if let Ok(((variant, version), _)) = postcard::take_from_bytes::<(u32, u16)>(payload) {
        if variant == 0 && version != PROTOCOL_VERSION {
            return Err(WireError::Version { theirs: version });
        }
    }
    Ok(postcard::from_bytes(payload)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use glomer_crdt::GSet;

    fn hello(version: u16) -> Frame<GSet<u32>> {
        let addr = "127.0.0.1:7000".parse().unwrap();
        Frame::Hello(Hello { version, name: "a".into(), replica: ReplicaId(7), addr })
    }

    #[test]
    fn frames_round_trip() {
        let frame = hello(PROTOCOL_VERSION);
        assert_eq!(decode::<GSet<u32>>(&encode(&frame).unwrap()).unwrap(), frame);
        let mut set = GSet::new();
        let delta = set.insert(3);
        let sync = Frame::Sync(SyncMessage::Delta { from_seq: 0, to_seq: 1, delta, ack: Some(2), full: false });
        assert_eq!(decode::<GSet<u32>>(&encode(&sync).unwrap()).unwrap(), sync);
    }

    #[test]
    fn another_version_is_recognised() {
        let bytes = encode(&hello(PROTOCOL_VERSION + 1)).unwrap();
        assert!(
            matches!(decode::<GSet<u32>>(&bytes), Err(WireError::Version { theirs }) if theirs == PROTOCOL_VERSION + 1)
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for payload in [&b""[..], b"\xff\xff\xff\xff\xff", b"\x01\x09", b"\x05hello"] {
            assert!(decode::<GSet<u32>>(payload).is_err(), "{payload:?}");
        }
    }
}
