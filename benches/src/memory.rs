//! Heap bytes held, counted by a global allocator wrapper, for the engine-memory figures.
//!
//! A binary that wants the figures installs [`CountingAllocator`] as its global allocator;
//! [`live_bytes`] then reads what is allocated and not yet freed. Counting costs one relaxed
//! atomic add per allocation, so the criterion benches, which time things, do not install it.
//!
//! ```no_run
//! use glomer_benches::memory::{live_bytes, CountingAllocator};
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator;
//! let before = live_bytes();
//! let held = vec![0u8; 1_000];
//! assert!(live_bytes() - before >= 1_000);
//! # drop(held);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes allocated through [`CountingAllocator`] and not yet freed.
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting live bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counter only observes sizes.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (through `alloc` above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller guarantees `ptr` and `layout` match.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// Heap bytes live now (0 unless the binary installed [`CountingAllocator`]).
pub fn live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Heap bytes that building `make`'s result left allocated, and the result.
pub fn held_by<T>(make: impl FnOnce() -> T) -> (usize, T) {
    let before = live_bytes();
    let value = make();
    (live_bytes().saturating_sub(before), value)
}
