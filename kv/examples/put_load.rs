//! A closed-loop PUT load against one glomer-kv replica on loopback: `--clients` threads, each
//! with its own keep-alive connection, write distinct keys for `--seconds` and time every
//! acknowledged (200) write. Prints one JSON line: acknowledged PUTs per second and latency
//! percentiles in microseconds.
//!
//! ```text
//! cargo run --release -p glomer-kv --example put_load -- --addr 127.0.0.1:8080 --clients 32 --seconds 10
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Each write's value: a small JSON object, about the size of a typical key-value entry.
const VALUE: &str = r#"{"user":"someone","count":12345,"tags":["a","b"]}"#;

struct Flags {
    addr: SocketAddr,
    clients: usize,
    seconds: u64,
}

fn flags() -> Flags {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|arg| arg == name).and_then(|at| args.get(at + 1)).cloned();
    Flags {
        addr: value("--addr").and_then(|addr| addr.parse().ok()).expect("--addr HOST:PORT"),
        clients: value("--clients").and_then(|n| n.parse().ok()).unwrap_or(32),
        seconds: value("--seconds").and_then(|n| n.parse().ok()).unwrap_or(10),
    }
}

/// Writes until `until`; returns the latency of each acknowledged write and the failures.
fn client(index: usize, addr: SocketAddr, until: Instant) -> (Vec<Duration>, u64) {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for i in 0u64.. {
        if Instant::now() >= until {
            break;
        }
        let sent = Instant::now();
        match agent.put(&format!("http://{addr}/kv/c{index}-{i}")).send_string(VALUE) {
            Ok(response) if response.status() == 200 => latencies.push(sent.elapsed()),
            _ => failed += 1,
        }
    }
    (latencies, failed)
}

fn main() {
    let Flags { addr, clients, seconds } = flags();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let threads: Vec<_> = (0..clients).map(|index| std::thread::spawn(move || client(index, addr, until))).collect();
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for thread in threads {
        let (mine, my_failures) = thread.join().expect("a client thread");
        latencies.extend(mine);
        failed += my_failures;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let at = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(at).map_or(0, |latency| latency.as_micros())
    };
    let line = serde_json::json!({
        "clients": clients,
        "acked": latencies.len(),
        "failed": failed,
        "acked_per_s": (latencies.len() as f64 / elapsed).round(),
        "p50_us": percentile(0.50),
        "p99_us": percentile(0.99),
        "max_us": percentile(1.0),
    });
    println!("{line}");
}
