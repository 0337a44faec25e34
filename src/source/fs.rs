//! The parallel file-system walker: `.gitignore`-aware, hidden files included, `.git/`
//! excluded, symlinks not followed unless asked, every skip counted.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};

use super::archive::{self, ArchiveLimits};
use crate::ignorefile::IGNORE_FILE_NAME;
use crate::scan::{BlobScanner, ScanOptions, SkipReason, WorkerState, BINARY_SNIFF_LEN};

/// Walks `roots` with `threads` workers and scans every regular text file.
pub fn scan_roots(scanner: &BlobScanner<'_>, roots: &[PathBuf], options: &ScanOptions, threads: usize) {
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    builder
        .hidden(false)
        .ignore(options.respect_ignore)
        .git_ignore(options.respect_ignore)
        .git_exclude(options.respect_ignore)
        .git_global(false)
        .parents(options.respect_ignore)
        .follow_links(options.follow_symlinks)
        .threads(threads)
        .filter_entry(|entry| entry.file_name() != ".git");
    if options.respect_ignore {
        builder.add_custom_ignore_filename(IGNORE_FILE_NAME);
    }
    builder.build_parallel().run(|| {
        let mut state = WorkerState::default();
        Box::new(move |result| {
            match result {
                Ok(entry) => visit(scanner, &entry, options, &mut state),
                Err(error) => record_walk_error(scanner, &error),
            }
            WalkState::Continue
        })
    });
}

fn visit(scanner: &BlobScanner<'_>, entry: &ignore::DirEntry, options: &ScanOptions, state: &mut WorkerState) {
    let Some(file_type) = entry.file_type() else {
        // Standard input is handled by the caller; the walker never yields it here.
        return;
    };
    let shown = display_path(entry.path());
    // Paths a repository configuration allows are not read at all.
    if file_type.is_dir() || scanner.suppressions.suppresses_path(&shown) {
        return;
    }
    if file_type.is_symlink() {
        scanner.counters.skip(SkipReason::Symlink, &shown, None);
        return;
    }
    if !file_type.is_file() {
        scanner.counters.skip(SkipReason::NotARegularFile, &shown, None);
        return;
    }
    let limits = ArchiveLimits {
        max_depth: options.archive_depth,
        max_member: options.max_file_size,
        ..ArchiveLimits::default()
    };
    scan_file(scanner, entry.path(), &shown, options.max_file_size, limits, state);
}

/// Reads and scans one file, counting it as skipped when it is too large, binary or unreadable.
pub fn scan_file(
    scanner: &BlobScanner<'_>,
    path: &Path,
    shown: &str,
    max_size: u64,
    limits: ArchiveLimits,
    state: &mut WorkerState,
) {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            scanner
                .counters
                .skip(SkipReason::Unreadable, shown, Some(e.to_string()));
            return;
        }
    };
    match file.metadata() {
        Ok(meta) if meta.len() > max_size => {
            scanner.counters.skip(
                SkipReason::TooLarge,
                shown,
                Some(format!(
                    "{} bytes is over the {max_size}-byte limit (--max-file-size)",
                    meta.len()
                )),
            );
            return;
        }
        Ok(meta) if !meta.is_file() => {
            scanner.counters.skip(SkipReason::NotARegularFile, shown, None);
            return;
        }
        Ok(_) => {}
        Err(e) => {
            scanner
                .counters
                .skip(SkipReason::Unreadable, shown, Some(e.to_string()));
            return;
        }
    }
    state.buffer.clear();
    // Read the head first: a binary file is recognised without reading the rest of it.
    let limit = max_size.saturating_add(1);
    let read = (&mut file)
        .take((BINARY_SNIFF_LEN as u64).min(limit))
        .read_to_end(&mut state.buffer)
        .and_then(|_| {
            let archive = limits.max_depth > 0 && archive::kind_of(&state.buffer).is_some();
            if BlobScanner::is_binary(&state.buffer) && !archive {
                return Ok(true);
            }
            let rest = limit.saturating_sub(state.buffer.len() as u64);
            (&mut file).take(rest).read_to_end(&mut state.buffer).map(|_| false)
        });
    match read {
        Err(e) => {
            scanner
                .counters
                .skip(SkipReason::Unreadable, shown, Some(e.to_string()));
            return;
        }
        Ok(true) => {
            scanner.counters.skip(SkipReason::Binary, shown, None);
            return;
        }
        Ok(false) => {}
    }
    if state.buffer.len() as u64 > max_size {
        scanner.counters.skip(
            SkipReason::TooLarge,
            shown,
            Some(format!("grew past the {max_size}-byte limit while being read")),
        );
        return;
    }
    if limits.max_depth > 0 {
        if let Some(kind) = archive::kind_of(&state.buffer) {
            archive::scan_archive(scanner, shown, &state.buffer, kind, limits);
            return;
        }
    }
    let WorkerState {
        scratch,
        matches,
        buffer,
    } = state;
    scanner.scan(shown, buffer, scratch, matches);
}

fn record_walk_error(scanner: &BlobScanner<'_>, error: &ignore::Error) {
    let path = error_path(error).map(display_path).unwrap_or_default();
    let reason = if matches!(innermost(error), ignore::Error::Loop { .. }) {
        SkipReason::Symlink
    } else {
        SkipReason::Unreadable
    };
    scanner.counters.skip(reason, &path, Some(error.to_string()));
}

fn innermost(error: &ignore::Error) -> &ignore::Error {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => innermost(err),
        other => other,
    }
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// The path as reports show it: as given on the command line, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text.into_owned(),
    }
}
