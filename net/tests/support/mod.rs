//! What the network tests share: waiting with a bound, and the fault-injecting proxy.

#![allow(dead_code)]

pub mod proxy;

use std::time::Duration;

/// Every wait gives up after this long, so a broken build fails instead of hanging.
pub const WAIT_MAX: Duration = Duration::from_secs(30);

/// Polls `done` until it holds, panicking with `what` after [`WAIT_MAX`].
pub async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT_MAX;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
