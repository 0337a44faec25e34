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
    /// Blobs an earlier scan with the same rules already read (an audit's datastore): they
    /// are not scanned again, and their recorded findings stand in for a scan.
    pub known: Option<std::sync::Arc<KnownBlobs>>,
}

/// What earlier scans with the same rules learned about blobs: which were read and what they
/// held. A re-audit costs only the blobs that are new, and a blob shared by forks is read once.
#[derive(Debug, Default, Clone)]
pub struct KnownBlobs {
    pub scanned: std::collections::HashSet<gix::ObjectId>,
    /// Blob-level findings (path unset) of the known blobs that had any.
    pub findings: std::collections::HashMap<gix::ObjectId, Vec<Finding>>,
}

/// The result of a full-history scan for an audit: the findings and coverage of
/// [`scan_repository`], plus what a datastore records so the next run can skip these blobs.
#[derive(Debug, Default)]
pub struct HistoryScan {
    pub findings: Vec<Finding>,
    pub coverage: GitCoverage,
    /// Every blob present in the repository that [`GitOptions::known`] did not list.
    pub new_blobs: Vec<gix::ObjectId>,
    /// The blob-level findings of those new blobs.
    pub new_blob_findings: std::collections::HashMap<gix::ObjectId, Vec<Finding>>,
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
    /// Blobs not read again because an earlier audit already scanned them with the same rules.
    #[serde(skip_serializing_if = "is_zero")]
    pub blobs_already_scanned: u64,
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
        if self.blobs_already_scanned > 0 {
            line.push_str(&format!(
                ", {} already scanned by an earlier audit",
                self.blobs_already_scanned
            ));
        }
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

/// Opens a repository and starts its coverage record (noting a shallow clone's boundary).
fn start(path: &std::path::Path) -> Result<(gix::ThreadSafeRepository, GitCoverage), GitError> {
    let repo = open(path)?;
    let mut coverage = GitCoverage::default();
    if let Ok(Some(boundary)) = repo.to_thread_local().shallow_commits() {
        coverage.shallow = true;
        coverage.shallow_boundary = boundary.iter().map(|id| id.to_string()).collect();
    }
    Ok((repo, coverage))
}

/// Scans a repository as `options` asks and returns its findings, grouped by fingerprint and
/// attributed to history, with the coverage of the scan.
pub fn scan_repository(
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
) -> Result<(Vec<Finding>, GitCoverage), GitError> {
    let (repo, mut coverage) = start(&options.repo)?;
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

/// Scans the full history of every ref of a repository for an audit, skipping the blobs of
/// `options.known`, and returns what the datastore needs besides the findings.
pub fn scan_history(scanner: &BlobScanner<'_>, options: &GitOptions) -> Result<HistoryScan, GitError> {
    let (repo, mut coverage) = start(&options.repo)?;
    coverage.mode = "history".into();
    let files = objects::object_files(&repo, &mut coverage)?;
    let history = objects::collect(&repo, &files, scanner, options, &mut coverage);
    let known = options.known.as_deref();
    let is_new = |id: &gix::ObjectId| known.is_none_or(|k| !k.scanned.contains(id));
    let mut new_blobs: Vec<gix::ObjectId> = history.blobs.iter().filter(|id| is_new(id)).copied().collect();
    new_blobs.sort();
    coverage.blobs_already_scanned = (history.blobs.len() - new_blobs.len()) as u64;
    let new_blob_findings = history
        .blob_findings
        .iter()
        .filter(|(id, _)| is_new(id))
        .map(|(id, findings)| (*id, findings.clone()))
        .collect();
    let findings = attribute::history(&repo, &files, scanner, history, options, &mut coverage)?;
    Ok(HistoryScan {
        findings,
        coverage,
        new_blobs,
        new_blob_findings,
    })
}

/// The commits every ref (and HEAD) points at, sorted: where an incremental audit starts the
/// next time, and, compared with the recorded ones, whether a repository changed at all.
pub fn tips(path: &std::path::Path) -> Result<Vec<gix::ObjectId>, GitError> {
    let repo = open(path)?.to_thread_local();
    let mut out: Vec<gix::ObjectId> = attribute::ref_targets(&repo)
        .into_iter()
        .filter(|id| {
            repo.find_header(*id)
                .is_ok_and(|h| h.kind() == gix::object::Kind::Commit)
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Scans only the commits reachable from `current` (the repository's [`tips`]) but not from
/// `seen` (the tips of an earlier audit): findings carry the occurrences in those new commits, to be
/// added to what the earlier audit recorded. Blobs of `options.known` are not read again.
pub fn scan_since(
    scanner: &BlobScanner<'_>,
    options: &GitOptions,
    current: &[gix::ObjectId],
    seen: &[gix::ObjectId],
) -> Result<HistoryScan, GitError> {
    let (repo, mut coverage) = start(&options.repo)?;
    coverage.mode = "incremental".into();
    let found = range::scan_new_commits(&repo, scanner, options, current, seen, &mut coverage)?;
    Ok(HistoryScan {
        findings: found.findings,
        coverage,
        new_blobs: found.new_blobs,
        new_blob_findings: found.new_blob_findings,
    })
}

/// For each (path, blob id) place, whether the tree of HEAD still holds that blob at that
/// path: after an incremental scan, which recorded credentials are still in the current code.
pub fn at_head(path: &std::path::Path, places: &[(String, String)]) -> Result<Vec<bool>, GitError> {
    let repo = open(path)?;
    let local = attribute::thread_repo(&repo);
    let Ok(head_tree) = local.head_tree_id() else {
        return Ok(vec![false; places.len()]);
    };
    let head_tree = head_tree.detach();
    Ok(places
        .iter()
        .map(|(file, blob)| {
            let wanted = gix::ObjectId::from_hex(blob.as_bytes()).ok();
            wanted.is_some() && tree::blob_at(&local, head_tree, file.as_bytes()) == wanted
        })
        .collect())
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
