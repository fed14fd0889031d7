//! Accepting connections: each one must open with a hello whose version, name and replica id
//! fit what this replica knows, or it is logged and dropped.

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::link::{Connection, LinkError};
use crate::member::Member;
use crate::membership::View;
use crate::wire::Hello;

/// Handshakes in progress at once: each holds a socket for at most the handshake timeout, so
/// this bounds what a flood of silent connections can hold; a cluster of dozens reconnecting
/// at once stays far below it.
const HANDSHAKES_MAX: usize = 64;

/// Accepts until the replica's loop ends; handshaken connections go to it.
pub(crate) async fn accept(
    listener: TcpListener,
    me: Hello,
    hello: Bytes,
    view: watch::Receiver<View>,
    accepted: mpsc::Sender<(Hello, Connection)>,
) {
    let slots = Arc::new(Semaphore::new(HANDSHAKES_MAX));
    let me = Arc::new(me);
    loop {
        // Ends with the replica's loop, which holds the receiving side.
        let accept = tokio::select! {
            _ = accepted.closed() => return,
            accept = listener.accept() => accept,
        };
        let (stream, from) = match accept {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::debug!(%error, "accept failed");
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%from, "too many handshakes in progress; dropping a connection");
            continue;
        };
        let (me, hello, view, accepted) = (me.clone(), hello.clone(), view.clone(), accepted.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let mut connection = Connection::new(stream);
            let result = async {
                let theirs = connection.read_hello().await?;
                check_claim(&theirs, &me, &view.borrow()).map_err(LinkError::Refused)?;
                connection.send(hello).await?;
                Ok::<_, LinkError>(theirs)
            }
            .await;
            match result {
                Ok(theirs) => {
                    let _ = accepted.send((theirs, connection)).await;
                }
                Err(error) => tracing::warn!(%from, %error, "refused a connection"),
            }
        });
    }
}

/// Whether a peer's hello is believable: it must not pose as this replica, nor take the
/// replica id of a member known under another name, nor the name of a live member at
/// another address (a restarted replica comes back on its own address).
pub(crate) fn check_claim(theirs: &Hello, me: &Hello, members: &[Member]) -> Result<(), String> {
    if theirs.name == me.name || theirs.replica == me.replica {
        return Err(format!("peer at {} claims to be this replica ({})", theirs.addr, theirs.name));
    }
    for member in members {
        if member.replica == theirs.replica && member.name != theirs.name {
            return Err(format!("{} claims replica id {} of {}", theirs.name, theirs.replica, member.name));
        }
        if member.name == theirs.name && member.state.is_live() && member.addr != theirs.addr {
            return Err(format!(
                "{} at {} claims the name of the live member at {}",
                theirs.name, theirs.addr, member.addr
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::MemberState;
    use crate::wire::PROTOCOL_VERSION;
    use glomer_crdt::ReplicaId;

    fn hello(name: &str, replica: u32, port: u16) -> Hello {
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        Hello { version: PROTOCOL_VERSION, name: name.into(), replica: ReplicaId(replica), addr }
    }

    fn member(name: &str, replica: u32, port: u16, state: MemberState) -> Member {
        let h = hello(name, replica, port);
        Member { name: h.name, addr: h.addr, replica: h.replica, state }
    }

    #[test]
    fn claims_that_clash_are_refused() {
        let me = hello("a", 1, 7001);
        let members = [member("b", 2, 7002, MemberState::Alive), member("c", 3, 7003, MemberState::Down)];
        assert!(check_claim(&hello("b", 2, 7002), &me, &members).is_ok());
        assert!(check_claim(&hello("d", 4, 7004), &me, &members).is_ok(), "unknown members may connect");
        assert!(check_claim(&hello("c", 9, 7009), &me, &members).is_ok(), "a down name may come back anywhere");
        assert!(check_claim(&hello("b", 8, 7002), &me, &members).is_ok(), "a restart keeps the address");
        assert!(check_claim(&hello("a", 5, 7005), &me, &members).is_err(), "posing as this replica");
        assert!(check_claim(&hello("x", 1, 7005), &me, &members).is_err(), "this replica's id");
        assert!(check_claim(&hello("z", 2, 7002), &me, &members).is_err(), "b's id under another name");
        assert!(check_claim(&hello("b", 8, 7008), &me, &members).is_err(), "live b's name elsewhere");
    }
}
