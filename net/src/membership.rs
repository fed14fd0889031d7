//! SWIM membership over UDP with foca: joins through seeds, failure detection, rejoin under a
//! new identity, and a published view of the members for the replica loop.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use foca::{AccumulatingRuntime, Foca, Notification, PostcardCodec, Timer};
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use crate::config::SwimConfig;
use crate::identity::Name;
use crate::member::{Member, MemberState};

/// Largest SWIM datagram read; foca's own limit (`max_packet_size`, 1400 bytes) is below it,
/// and anything longer is not a foca packet.
const DATAGRAM_BYTES_MAX: usize = 2048;

/// The members as last published: everyone foca knows, this replica first.
pub(crate) type View = Arc<Vec<Member>>;

/// UDP bytes this replica's SWIM sent and received, for overhead figures.
#[derive(Debug, Default)]
pub(crate) struct SwimCounters {
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
}

/// The membership task: owns foca and the UDP socket until `shutdown` flips.
pub(crate) struct Membership {
    foca: Foca<Name, PostcardCodec, StdRng, foca::NoCustomBroadcast>,
    runtime: AccumulatingRuntime<Name>,
    socket: UdpSocket,
    seeds: Vec<SocketAddr>,
    /// foca's timers by due time; a sequence number keeps equal times apart.
    timers: BTreeMap<(Instant, u64), Timer<Name>>,
    timer_seq: u64,
    view: watch::Sender<View>,
    counters: Arc<SwimCounters>,
    announce_interval: Duration,
}

impl Membership {
    pub fn new(
        me: Name,
        socket: UdpSocket,
        seeds: Vec<SocketAddr>,
        swim: &SwimConfig,
        view: watch::Sender<View>,
        counters: Arc<SwimCounters>,
    ) -> Self {
        let foca = Foca::new(me, swim.to_foca(), StdRng::from_entropy(), PostcardCodec);
        let seeds = seeds.into_iter().filter(|seed| *seed != foca.identity().addr).collect();
        Self {
            foca,
            runtime: AccumulatingRuntime::new(),
            socket,
            seeds,
            timers: BTreeMap::new(),
            timer_seq: 0,
            view,
            counters,
            announce_interval: Duration::from_millis(swim.announce_interval_ms.max(1)),
        }
    }

    /// Runs until `shutdown` changes, then leaves the cluster so the others see it go at once.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let mut buf = vec![0u8; DATAGRAM_BYTES_MAX];
        let mut announce = tokio::time::interval(self.announce_interval);
        announce.set_missed_tick_behavior(MissedTickBehavior::Delay);
        self.publish();
        loop {
            let next_timer = self.timers.keys().next().map(|(at, _)| *at);
            tokio::select! {
                _ = shutdown.changed() => break,
                received = self.socket.recv_from(&mut buf) => match received {
                    Ok((len, from)) => self.on_datagram(&buf[..len], from),
                    Err(error) => tracing::debug!(%error, "udp receive failed"),
                },
                _ = sleep_until(next_timer) => self.fire_due_timers(),
                _ = announce.tick() => self.announce_to_seeds_while_alone(),
            }
            self.drain().await;
        }
        if let Err(error) = self.foca.leave_cluster(&mut self.runtime) {
            tracing::debug!(%error, "leaving the cluster");
        }
        self.drain().await;
    }

    fn on_datagram(&mut self, data: &[u8], from: SocketAddr) {
        self.counters.bytes_received.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Err(error) = self.foca.handle_data(data, &mut self.runtime) {
            tracing::warn!(%from, %error, "dropped a bad SWIM datagram");
        }
    }

    fn fire_due_timers(&mut self) {
        let now = Instant::now();
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let timer = entry.remove();
            if let Err(error) = self.foca.handle_timer(timer, &mut self.runtime) {
                tracing::debug!(%error, "SWIM timer");
            }
        }
    }

    /// A replica that knows no live member (started before its seeds, or cut off) keeps
    /// announcing to the seeds; foca's periodic announcements only reach members it knows.
    fn announce_to_seeds_while_alone(&mut self) {
        if self.foca.num_members() > 0 {
            return;
        }
        for seed in self.seeds.clone() {
            if let Err(error) = self.foca.announce(Name::seed(seed), &mut self.runtime) {
                tracing::debug!(%seed, %error, "announce to seed");
            }
        }
    }

    /// Carries out what foca asked for: datagrams, timers, notifications; then republishes.
    async fn drain(&mut self) {
        while let Some((to, data)) = self.runtime.to_send() {
            self.counters.bytes_sent.fetch_add(data.len() as u64, Ordering::Relaxed);
            if let Err(error) = self.socket.send_to(&data, to.addr).await {
                tracing::debug!(to = %to.addr, %error, "udp send failed");
            }
        }
        while let Some((after, timer)) = self.runtime.to_schedule() {
            self.timer_seq += 1;
            self.timers.insert((Instant::now() + after, self.timer_seq), timer);
        }
        while let Some(notification) = self.runtime.to_notify() {
            log_notification(&notification);
        }
        // Suspicions come and go without a notification, so the view is rebuilt every time.
        self.publish();
    }

    fn members(&self) -> Vec<Member> {
        let me = self.foca.identity();
        let myself = Member { name: me.name.clone(), addr: me.addr, replica: me.replica, state: MemberState::Alive };
        let others = self.foca.iter_membership_state().map(|member| {
            let id = member.id();
            Member { name: id.name.clone(), addr: id.addr, replica: id.replica, state: member.state().into() }
        });
        std::iter::once(myself).chain(others).collect()
    }

    fn publish(&self) {
        let members = self.members();
        self.view.send_if_modified(|view| {
            if **view == members {
                return false;
            }
            *view = Arc::new(members);
            true
        });
    }
}

fn log_notification(notification: &Notification<Name>) {
    match notification {
        Notification::MemberUp(id) => tracing::info!(name = %id.name, addr = %id.addr, "member up"),
        Notification::MemberDown(id) => tracing::info!(name = %id.name, addr = %id.addr, "member down"),
        Notification::Rename(old, new) => {
            tracing::info!(name = %new.name, old = %old.name, addr = %new.addr, "member replaced by a newer identity")
        }
        Notification::Rejoin(id) => tracing::info!(bump = id.bump, "declared down while alive; rejoined"),
        Notification::Active => tracing::info!("joined the cluster"),
        Notification::Idle => tracing::info!("no live member known"),
        Notification::Defunct => tracing::warn!("declared down and cannot rejoin"),
    }
}

/// Sleeps until `deadline`, or forever without one (a `select!` arm that never fires).
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
