//! Rendering is bounded: a page may write at most [`MAX_PAGE_BYTES`], hold at most
//! [`MAX_PAGE_HELD`] of memory while it renders (which bounds text captured by `{%
//! set %}` and `{% filter %}`), and take at most [`MAX_PAGE_TIME`]. Past the first,
//! rendering stops with an error; the other two are watched from another thread,
//! which ends the process with exit code 1 naming the template, since a template
//! looping without writing cannot be interrupted from inside. (`serve` builds in a
//! child process, so the server outlives such a build.) A site, whose pages are as
//! many as the value folder's files, may write [`MAX_SITE_BYTES`] in all and take
//! [`MAX_SITE_TIME`].

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::RenderError;
use crate::memory;

pub const MAX_PAGE_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_PAGE_HELD: isize = 64 * 1024 * 1024;
pub const MAX_PAGE_TIME: Duration = Duration::from_secs(10);
/// A whole site: pages are many when value files are, each within its bounds.
pub const MAX_SITE_BYTES: usize = 1024 * 1024 * 1024;
pub const MAX_SITE_TIME: Duration = Duration::from_secs(120);

/// How often the watchdog looks.
const TICK: Duration = Duration::from_millis(20);

struct Running {
    template: String,
    since: Instant,
}

/// The pages being rendered, one slot a thread.
pub struct Watch {
    running: Mutex<Vec<Option<Running>>>,
    done: AtomicBool,
    started: Instant,
    written: AtomicUsize,
}

/// Runs `work` with a watchdog over the pages it renders through [`Watch::render`].
pub fn watched<R>(work: impl FnOnce(&Watch) -> R) -> R {
    let watch = Watch {
        running: Mutex::new((0..memory::SLOTS).map(|_| None).collect()),
        done: AtomicBool::new(false),
        started: Instant::now(),
        written: AtomicUsize::new(0),
    };
    /// Stops the watchdog however `work` ends, a panic included.
    struct Done<'a>(&'a AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    std::thread::scope(|scope| {
        scope.spawn(|| watch.guard());
        let _done = Done(&watch.done);
        work(&watch)
    })
}

impl Watch {
    fn guard(&self) {
        while !self.done.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            if self.started.elapsed() > MAX_SITE_TIME {
                eprintln!(
                    "error: cannot render the site: rendering took over {} s, the limit for a site",
                    MAX_SITE_TIME.as_secs()
                );
                std::process::exit(1);
            }
            let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            for (slot, page) in running.iter().enumerate() {
                let Some(page) = page else { continue };
                let over = if page.since.elapsed() > MAX_PAGE_TIME {
                    Some(format!(
                        "rendering took over {} s, the limit for one page",
                        MAX_PAGE_TIME.as_secs()
                    ))
                } else if memory::held(slot) > MAX_PAGE_HELD {
                    Some(format!(
                        "rendering held over {} MiB of memory (text captured by set or filter counts), the limit for one page",
                        MAX_PAGE_HELD / (1024 * 1024)
                    ))
                } else {
                    None
                };
                if let Some(message) = over {
                    eprintln!(
                        "error: cannot render the site: template {}: {message}",
                        page.template
                    );
                    std::process::exit(1);
                }
            }
        }
    }

    /// Renders one page under the bounds.
    pub fn render(
        &self,
        tera: &tera::Tera,
        template: &str,
        context: &tera::Context,
    ) -> Result<String, RenderError> {
        // One slot a rendering thread; past the slots, threads share the last one
        // (its memory then counted for all of them, which only errs strict).
        let slot = rayon::current_thread_index()
            .unwrap_or(memory::SLOTS - 1)
            .min(memory::SLOTS - 1);
        let counted = memory::Counted::start(slot);
        self.set(
            slot,
            Some(Running {
                template: template.to_string(),
                since: Instant::now(),
            }),
        );
        let mut out = Limited {
            bytes: Vec::new(),
            over: false,
        };
        let result = tera.render_to(template, context, &mut out);
        self.set(slot, None);
        drop(counted);
        let fail = |message: String| RenderError {
            template: template.to_string(),
            message,
        };
        if out.over {
            return Err(fail(format!(
                "the page is over {} MiB, the limit for one page",
                MAX_PAGE_BYTES / (1024 * 1024)
            )));
        }
        result.map_err(|e| fail(super::pages::error_chain(&e)))?;
        let total = self.written.fetch_add(out.bytes.len(), Ordering::Relaxed) + out.bytes.len();
        if total > MAX_SITE_BYTES {
            return Err(fail(format!(
                "the site is over {} MiB, the limit for a site",
                MAX_SITE_BYTES / (1024 * 1024)
            )));
        }
        String::from_utf8(out.bytes).map_err(|e| fail(e.to_string()))
    }

    fn set(&self, slot: usize, page: Option<Running>) {
        self.running.lock().unwrap_or_else(|e| e.into_inner())[slot] = page;
    }
}

/// A page's output, refusing to grow past the limit.
struct Limited {
    bytes: Vec<u8>,
    over: bool,
}

impl Write for Limited {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_PAGE_BYTES {
            self.over = true;
            return Err(std::io::Error::other("page too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
