//! Counting the memory a page's rendering holds. A template can loop and capture
//! text that never reaches the page's output (`{% set %}...{% endset %}`, `{% filter
//! %}`), so the output's length alone cannot bound it: the binary installs
//! [`Counting`] as its allocator, and a thread that renders a page counts what it
//! allocates into its own slot, which the render watchdog reads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

/// Slots for the threads that render at once; a thread beyond them is not counted.
pub const SLOTS: usize = 64;

const NONE: usize = usize::MAX;

/// Bytes allocated minus bytes freed by the thread in each slot while it counts.
static HELD: [AtomicIsize; SLOTS] = [const { AtomicIsize::new(0) }; SLOTS];

thread_local! {
    static SLOT: Cell<usize> = const { Cell::new(NONE) };
}

/// The system allocator, counting per slot for the threads that asked to.
pub struct Counting;

fn count(delta: isize) {
    let slot = SLOT.try_with(Cell::get).unwrap_or(NONE);
    if slot < SLOTS {
        HELD[slot].fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to the system allocator unchanged; counting touches
// only atomics and a const thread-local without a destructor, and allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// While alive, this thread's allocations count in `slot`, from zero.
pub struct Counted {
    slot: usize,
}

impl Counted {
    pub fn start(slot: usize) -> Counted {
        let slot = if slot < SLOTS { slot } else { NONE };
        if slot != NONE {
            HELD[slot].store(0, Ordering::Relaxed);
        }
        SLOT.with(|s| s.set(slot));
        Counted { slot }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        SLOT.with(|s| s.set(NONE));
        if self.slot != NONE {
            HELD[self.slot].store(0, Ordering::Relaxed);
        }
    }
}

/// What the thread counting in `slot` holds now (0 when the allocator is not
/// installed, as in the library's own unit tests).
pub fn held(slot: usize) -> isize {
    HELD.get(slot).map_or(0, |h| h.load(Ordering::Relaxed))
}

/// The process's peak resident set size in bytes (Linux's `VmHWM`), or `None` where
/// `/proc` does not say.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line["VmHWM:".len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
