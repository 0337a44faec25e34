//! The progress bar: only on a terminal, only once a scan has run for a second, so quick scans
//! and piped output stay clean.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::scan::ScanCounters;

const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Draws a spinner with live counts on stderr until `done` is set.
pub fn show(counters: &ScanCounters, done: &AtomicBool) {
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    while !done.load(Ordering::Acquire) {
        std::thread::sleep(TICK);
        if started.elapsed() < DELAY {
            continue;
        }
        let bar = bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        let bytes = counters.bytes.load(Ordering::Relaxed);
        bar.set_message(format!(
            "{} files, {:.1} MB scanned, {} findings",
            counters.files.load(Ordering::Relaxed),
            bytes as f64 / 1e6,
            counters.findings.load(Ordering::Relaxed)
        ));
        bar.tick();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}
