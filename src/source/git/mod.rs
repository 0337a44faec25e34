//! Git repositories as a source: full history (every ref), a commit range, or the staged
//! index. Repositories are read with `gix` only; the `git` binary is never run on them, since a
//! scanned repository's configuration can make `git` execute code.
//!
//! Full history decodes every object of the object database once (pack files are traversed
//! with their delta trees, in parallel), scans each unique blob once and records the commit
//! graph. Only when blobs produced findings does a second pass record the trees, reduced to
//! their subtrees and those blobs, so that attribution to the (commit, path) places that
//! introduced them runs in memory.

mod attribute;
mod objects;
mod range;
mod staged;
mod tree;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::finding::Finding;
use crate::scan::{BlobScanner, SkipReason};

/// What part of a repository to scan.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// Repository path: a work tree, a `.git` directory or a bare repository.
    pub repo: PathBuf,
    /// Only history reachable from these refs (empty: every ref).
    pub branches: Vec<String>,
    /// Only content introduced by the commits of `A..B`.
    pub range: Option<(String, String)>,
    /// Only commits at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Blobs larger than this are skipped and counted.
    pub max_blob_size: u64,
    /// Scan what is staged in the index compared to HEAD instead of history.
    pub staged: bool,
    /// List every occurrence of each finding, not only the first.
    pub all_occurrences: bool,
    /// Worker threads.
    pub threads: usize,
}

/// How much of a repository a git scan covered, reported with every git scan.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct GitCoverage {
    /// `history`, `range` or `staged`.
    pub mode: String,
    /// Refs whose history was walked.
    pub refs: usize,
    /// Commits walked.
    pub commits: u64,
    /// Unique blobs scanned.
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    /// Blobs not scanned, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// True for a shallow clone: history before the boundary commits is absent.
    pub shallow: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shallow_boundary: Vec<String>,
    /// Objects that could not be read, with the reason (capped list).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl GitCoverage {
    /// One line for people: what was walked and what was not scanned.
    pub fn describe(&self) -> String {
        let mut line = format!(
            "git {}: {} commit{} walked, {} unique blob{} scanned ({:.1} MB)",
            self.mode,
            self.commits,
            if self.commits == 1 { "" } else { "s" },
            self.blobs_scanned,
            if self.blobs_scanned == 1 { "" } else { "s" },
            self.bytes_scanned as f64 / 1e6
        );
        if !self.skipped.is_empty() {
            let parts: Vec<String> = self
                .skipped
                .iter()
                .map(|(reason, n)| format!("{n} {}", reason.as_str()))
                .collect();
            line.push_str(&format!("; not scanned: {}", parts.join(", ")));
        }
        if self.shallow {
            line.push_str(&format!(
                "; shallow clone: history before {} boundary commit{} is absent",
                self.shallow_boundary.len(),
                if self.shallow_boundary.len() == 1 { "" } else { "s" }
            ));
        }
        line
    }
}

/// A repository that cannot be scanned as asked.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path}: not a git repository ({message})")]
    Open { path: String, message: String },
    #[error("cannot resolve revision '{spec}': {message}")]
    Revision { spec: String, message: String },
    #[error("cannot read the index: {0}")]
    Index(String),
    #[error("cannot read the object database: {0}")]
    Objects(String),
}

/// Most object problems listed by name in the coverage; the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// Opens the repository at or above `path` without reading the user's or the system's git
/// configuration, whatever the repository's owner.
fn open(path: &std::path::Path) -> Result<gix::ThreadSafeRepository, GitError> {
    let trust = gix::sec::trust::Mapping {
        full: gix::open::Options::isolated(),
        reduced: gix::open::Options::isolated(),
    };
    gix::ThreadSafeRepository::discover_opts(path, Default::default(), trust).map_err(|e| GitError::Open {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Scans a repository as `options` asks and returns its findings, grouped by fingerprint and
/// attributed to history, with the coverage of the scan.
pub fn scan_repository(
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
) -> Result<(Vec<Finding>, GitCoverage), GitError> {
    let repo = open(&options.repo)?;
    let mut coverage = GitCoverage::default();
    let local = repo.to_thread_local();
    if let Ok(Some(boundary)) = local.shallow_commits() {
        coverage.shallow = true;
        coverage.shallow_boundary = boundary.iter().map(|id| id.to_string()).collect();
    }
    let findings = if options.staged {
        coverage.mode = "staged".into();
        staged::scan(&repo, scanner, options, &mut coverage)?
    } else if let Some((from, to)) = &options.range {
        coverage.mode = "range".into();
        range::scan(&repo, scanner, options, from, to, &mut coverage)?
    } else {
        coverage.mode = "history".into();
        let files = objects::object_files(&repo, &mut coverage)?;
        let history = objects::collect(&repo, &files, scanner, options, &mut coverage);
        attribute::history(&repo, &files, scanner, history, options, &mut coverage)?
    };
    Ok((findings, coverage))
}

/// The RFC 3339 UTC form of a Unix time (git times, validation timestamps).
pub fn rfc3339(seconds: i64) -> String {
    let time = gix::date::Time { seconds, offset: 0 };
    let text = time.format_or_unix(gix::date::time::format::ISO8601_STRICT);
    match text.strip_suffix("+00:00") {
        Some(stripped) => format!("{stripped}Z"),
        None => text,
    }
}

/// True for a Git LFS pointer file (the content lives elsewhere).
fn is_lfs_pointer(data: &[u8]) -> bool {
    data.len() < 1024 && data.starts_with(b"version https://git-lfs.github.com/spec/v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_704_196_800), "2024-01-02T12:00:00Z");
    }

    #[test]
    fn lfs_pointers_are_recognised() {
        assert!(is_lfs_pointer(
            b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n"
        ));
        assert!(!is_lfs_pointer(b"hello"));
    }
}
