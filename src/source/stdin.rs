//! Standard input as one blob, so `git diff | leakhound scan -` works.

use std::io::Read;

use crate::scan::{BlobScanner, SkipReason, WorkerState};

/// Display name of standard input in findings.
pub const STDIN_NAME: &str = "-";

/// Reads standard input (up to `max_size` bytes) and scans it.
pub fn scan_stdin(scanner: &BlobScanner<'_>, max_size: u64, state: &mut WorkerState) {
    state.buffer.clear();
    let mut input = std::io::stdin().lock().take(max_size.saturating_add(1));
    if let Err(e) = input.read_to_end(&mut state.buffer) {
        scanner.counters.skip(
            SkipReason::Unreadable,
            STDIN_NAME,
            Some(format!("cannot read standard input: {e}")),
        );
        return;
    }
    if state.buffer.len() as u64 > max_size {
        scanner.counters.skip(
            SkipReason::TooLarge,
            STDIN_NAME,
            Some(format!(
                "standard input is larger than the {max_size}-byte limit (--max-file-size)"
            )),
        );
        return;
    }
    if let Some(kind) = super::archive::kind_of(&state.buffer) {
        let limits = super::archive::ArchiveLimits {
            max_member: max_size,
            ..Default::default()
        };
        super::archive::scan_archive(scanner, STDIN_NAME, &state.buffer, kind, limits);
        return;
    }
    if BlobScanner::is_binary(&state.buffer) {
        scanner.counters.skip(SkipReason::Binary, STDIN_NAME, None);
        return;
    }
    let WorkerState {
        scratch,
        matches,
        buffer,
    } = state;
    scanner.scan(STDIN_NAME, buffer, scratch, matches);
}
