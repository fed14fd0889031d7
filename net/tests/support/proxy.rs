//! A fault-injecting proxy for tests on 127.0.0.1: one per replica, in front of its TCP and
//! UDP port, which the replica advertises instead of its own. A partition cuts pairs of
//! replicas by name: UDP datagrams are told apart by their source address, TCP connections by
//! the hello that opens them (the proxy reads the first frame, then copies bytes both ways).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use glomer_net::wire::{self, Frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The largest hello frame the proxy reads before forwarding: names are short.
const HELLO_BYTES_MAX: usize = 4096;

/// Which replicas can reach which; shared by every proxy of a test.
#[derive(Clone, Default)]
pub struct Network {
    cut: Arc<Mutex<HashSet<(String, String)>>>,
    names: Arc<Mutex<HashMap<SocketAddr, String>>>,
    generation: Arc<Mutex<Option<watch::Sender<u64>>>>,
}

impl Network {
    pub fn new() -> Self {
        let network = Self::default();
        *network.generation.lock().unwrap() = Some(watch::channel(0).0);
        network
    }

    /// Datagrams from `addr` (a replica's own socket) come from `name`.
    pub fn name_addr(&self, addr: SocketAddr, name: &str) {
        self.names.lock().unwrap().insert(addr, name.to_string());
    }

    /// Cuts every replica of `left` from every replica of `right`, both ways.
    pub fn partition(&self, left: &[&str], right: &[&str]) {
        let mut cut = self.cut.lock().unwrap();
        for a in left {
            for b in right {
                cut.insert((a.to_string(), b.to_string()));
                cut.insert((b.to_string(), a.to_string()));
            }
        }
        drop(cut);
        self.bump();
    }

    pub fn heal(&self) {
        self.cut.lock().unwrap().clear();
        self.bump();
    }

    fn bump(&self) {
        if let Some(generation) = &*self.generation.lock().unwrap() {
            generation.send_modify(|g| *g += 1);
        }
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.generation.lock().unwrap().as_ref().expect("Network::new").subscribe()
    }

    fn blocked(&self, from: &str, to: &str) -> bool {
        self.cut.lock().unwrap().contains(&(from.to_string(), to.to_string()))
    }

    fn name_of(&self, addr: SocketAddr) -> Option<String> {
        self.names.lock().unwrap().get(&addr).cloned()
    }
}

/// The proxy in front of one replica; dropping it stops it.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl Proxy {
    /// A proxy for the replica `name`, on a fresh port; traffic is dropped until `set_target`.
    pub async fn start(network: &Network, name: &str) -> Proxy {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let udp = UdpSocket::bind(addr).await.unwrap();
        let target = Arc::new(Mutex::new(None));
        let tasks = vec![
            tokio::spawn(forward_datagrams(udp, network.clone(), name.to_string(), target.clone())),
            tokio::spawn(forward_connections(tcp, network.clone(), name.to_string(), target.clone())),
        ];
        Proxy { addr, target, tasks }
    }

    /// Where the replica really listens.
    pub fn set_target(&self, addr: SocketAddr) {
        *self.target.lock().unwrap() = Some(addr);
    }
}

async fn forward_datagrams(udp: UdpSocket, network: Network, name: String, target: Arc<Mutex<Option<SocketAddr>>>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((len, from)) = udp.recv_from(&mut buf).await else { continue };
        let Some(to) = *target.lock().unwrap() else { continue };
        let sender = network.name_of(from).unwrap_or_default();
        if !network.blocked(&sender, &name) {
            let _ = udp.send_to(&buf[..len], to).await;
        }
    }
}

async fn forward_connections(tcp: TcpListener, network: Network, name: String, target: Arc<Mutex<Option<SocketAddr>>>) {
    loop {
        let Ok((client, _)) = tcp.accept().await else { continue };
        let Some(to) = *target.lock().unwrap() else { continue };
        tokio::spawn(forward_connection(client, to, network.clone(), name.clone()));
    }
}

/// Reads the client's hello to learn who it is, then copies both ways until the pair is cut.
async fn forward_connection(mut client: TcpStream, to: SocketAddr, network: Network, name: String) {
    let mut changes = network.changes();
    let mut prefix = [0u8; 4];
    if client.read_exact(&mut prefix).await.is_err() {
        return;
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > HELLO_BYTES_MAX {
        return;
    }
    let mut payload = vec![0u8; len];
    if client.read_exact(&mut payload).await.is_err() {
        return;
    }
    let Ok(Frame::Hello(hello)) = wire::decode::<()>(&payload) else { return };
    if network.blocked(&hello.name, &name) {
        return;
    }
    let Ok(mut server) = TcpStream::connect(to).await else { return };
    if server.write_all(&prefix).await.is_err() || server.write_all(&payload).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            changed = changes.changed() => {
                if changed.is_err() || network.blocked(&hello.name, &name) {
                    return;
                }
            }
        }
    }
}
