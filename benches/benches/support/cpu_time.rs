//! A criterion measurement of the bench thread's CPU time instead of wall time.
//!
//! The benches run on a 2-core machine shared with other builds: wall time counts every
//! moment the bench thread waited for a core, which swings figures by tens of percent from one
//! bench to the next. Thread CPU time (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution on
//! Linux) counts only the time the thread ran. It still includes what sharing costs a running
//! thread (caches and memory bandwidth taken by others), so figures are not those of an idle
//! machine, but two benches of one run see the same conditions.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput};

/// CPU time of the calling thread.
pub struct ThreadCpuTime;

/// A criterion instance that measures thread CPU time.
pub fn criterion() -> Criterion<ThreadCpuTime> {
    Criterion::default().with_measurement(ThreadCpuTime)
}

fn thread_cpu_now() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant Linux knows.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }

    fn end(&self, started: Duration) -> Duration {
        thread_cpu_now().saturating_sub(started)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

/// Prints nanosecond values the way criterion's wall-time formatter does (ns, µs, ms, s), so
/// the output reads the same and scripts/criterion-runs.py parses both.
struct NanosFormatter;

impl NanosFormatter {
    fn scale(typical_ns: f64) -> (f64, &'static str) {
        match typical_ns {
            ns if ns < 1e3 => (1.0, "ns"),
            ns if ns < 1e6 => (1e-3, "µs"),
            ns if ns < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        }
    }
}

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = Self::scale(typical_ns);
        values.iter_mut().for_each(|value| *value *= factor);
        unit
    }

    fn scale_throughputs(&self, _typical_ns: f64, throughput: &Throughput, values: &mut [f64]) -> &'static str {
        let per_iteration = match throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Elements(n) => *n as f64,
        };
        // Elements (or bytes) per second from ns per iteration.
        values.iter_mut().for_each(|ns| *ns = per_iteration * 1e9 / *ns);
        match throughput {
            Throughput::Elements(_) => "elem/s",
            _ => "B/s",
        }
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
