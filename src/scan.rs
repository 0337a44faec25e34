//! What a scan is: options, the per-blob step shared by every source, counters, and the
//! summary every report ends with.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::engine::{self, RawMatch, Scratch};
use crate::finding::{build_findings, Finding};
use crate::ignorefile::Suppressions;
use crate::rules::RuleSet;

/// Default largest file scanned: 50 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;
/// Bytes inspected for a NUL byte to decide that content is binary (as git does).
pub const BINARY_SNIFF_LEN: usize = 8000;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and directories; `-` means standard input.
    pub paths: Vec<PathBuf>,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Files larger than this are skipped and counted.
    pub max_file_size: u64,
    /// Honour the path patterns of `.gitignore`, `.ignore` and `.leakhoundignore`.
    pub respect_ignore: bool,
    /// Follow symbolic links while walking.
    pub follow_symlinks: bool,
    /// How deep archives are opened (0: never; they then count as binary).
    pub archive_depth: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: vec![PathBuf::from(".")],
            threads: 0,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            respect_ignore: true,
            follow_symlinks: false,
            archive_depth: crate::source::archive::DEFAULT_MAX_DEPTH,
        }
    }
}

/// Why some input was not scanned; every skip is counted under one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Holds a NUL byte in its first 8000 bytes.
    Binary,
    /// Larger than `--max-file-size`.
    TooLarge,
    /// Could not be opened or read (permissions, vanished, I/O error).
    Unreadable,
    /// A symbolic link that was not followed.
    Symlink,
    /// A FIFO, socket or device: reading it could block or never end.
    NotARegularFile,
    /// A Git LFS pointer: the content lives on the LFS server, not in the repository.
    LfsPointer,
    /// Referenced by history but absent from the object database (partial clone, lost object).
    Missing,
    /// Present but unreadable: a damaged pack or loose object, a broken archive.
    Corrupt,
    /// An archive member beyond the expansion limits (size, member count, nesting depth).
    ArchiveLimit,
}

impl SkipReason {
    /// Name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Symlink => "symlink",
            SkipReason::NotARegularFile => "not_a_regular_file",
            SkipReason::LfsPointer => "lfs_pointer",
            SkipReason::Missing => "missing",
            SkipReason::Corrupt => "corrupt",
            SkipReason::ArchiveLimit => "archive_limit",
        }
    }
}

/// An input that could not be scanned, with the reason in words.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanIssue {
    pub path: String,
    pub reason: String,
}

/// Totals of a finished scan, shown by every report.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ScanSummary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Inputs that could not be read or were too large, each with the reason (capped list).
    pub not_scanned: Vec<ScanIssue>,
    pub findings: u64,
    /// Findings suppressed by `.leakhoundignore` fingerprints.
    pub suppressed: u64,
    pub rules: usize,
    pub elapsed_ms: u64,
    pub throughput_mb_s: f64,
    /// Coverage of a git scan: what history was walked and what was not scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<crate::source::git::GitCoverage>,
    /// Live credentials and validation counts (`--validate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<crate::validate::Exposure>,
}

/// Most unreadable inputs listed by name; the rest are still counted.
const MAX_LISTED_ERRORS: usize = 1000;

/// Live counters shared by worker threads; also feeds the progress bar.
#[derive(Debug, Default)]
pub struct ScanCounters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub findings: AtomicU64,
    pub suppressed: AtomicU64,
    skipped: Mutex<BTreeMap<SkipReason, u64>>,
    errors: Mutex<Vec<ScanIssue>>,
}

impl ScanCounters {
    /// Counts a skipped input; unreadable ones are also listed with their reason.
    pub fn skip(&self, reason: SkipReason, path: &str, detail: Option<String>) {
        if let Ok(mut skipped) = self.skipped.lock() {
            *skipped.entry(reason).or_insert(0) += 1;
        }
        if let Some(detail) = detail {
            if let Ok(mut errors) = self.errors.lock() {
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(ScanIssue {
                        path: path.to_string(),
                        reason: detail,
                    });
                }
            }
        }
    }

    /// Freezes the counters into a summary.
    pub fn summary(&self, rules: usize, started: Instant) -> ScanSummary {
        let elapsed = started.elapsed();
        let bytes = self.bytes.load(Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let mut errors = self.errors.lock().map(|e| e.clone()).unwrap_or_default();
        errors.sort();
        ScanSummary {
            files_scanned: self.files.load(Ordering::Relaxed),
            bytes_scanned: bytes,
            skipped: self.skipped.lock().map(|s| s.clone()).unwrap_or_default(),
            not_scanned: errors,
            findings: self.findings.load(Ordering::Relaxed),
            suppressed: self.suppressed.load(Ordering::Relaxed),
            rules,
            elapsed_ms: elapsed.as_millis() as u64,
            throughput_mb_s: ((bytes as f64 / 1e6) / seconds * 10.0).round() / 10.0,
            git: None,
            exposure: None,
        }
    }
}

/// Receives findings as soon as a blob is scanned (streaming reports write them at once).
pub trait FindingSink: Sync {
    /// Takes the findings of one blob.
    fn accept(&self, findings: Vec<Finding>);
}

/// A sink that keeps every finding in memory, for work that needs them all before a report
/// is written (validation, baselines).
#[derive(Default)]
pub struct CollectSink(Mutex<Vec<Finding>>);

impl CollectSink {
    /// The findings collected so far, in arrival order.
    pub fn into_findings(self) -> Vec<Finding> {
        self.0.into_inner().unwrap_or_default()
    }
}

impl FindingSink for CollectSink {
    fn accept(&self, findings: Vec<Finding>) {
        if let Ok(mut all) = self.0.lock() {
            all.extend(findings);
        }
    }
}

/// A sink that drops findings: for sources that collect findings themselves (git).
pub struct DiscardSink;

impl FindingSink for DiscardSink {
    fn accept(&self, _findings: Vec<Finding>) {}
}

/// The step every source shares: bytes in, findings out, with suppressions applied.
pub struct BlobScanner<'a> {
    pub rules: &'a RuleSet,
    pub suppressions: &'a Suppressions,
    pub counters: &'a ScanCounters,
    pub sink: &'a dyn FindingSink,
    /// Set by `--explain`: every candidate and its fate is written here.
    pub explain: Option<&'a crate::explain::Explainer>,
}

/// Per-thread reusable state for [`BlobScanner::scan`].
#[derive(Debug, Default)]
pub struct WorkerState {
    pub scratch: Scratch,
    pub matches: Vec<RawMatch>,
    pub buffer: Vec<u8>,
}

/// Inline markers that accept the findings of their line: ours, and gitleaks' for teams that
/// migrate with their annotated code.
const ALLOW_MARKERS: [&[u8]; 2] = [b"leakhound:allow", b"gitleaks:allow"];

/// Drops findings on lines that carry an allow marker (`# leakhound:allow`).
fn drop_allowed_lines(bytes: &[u8], findings: &mut Vec<Finding>) {
    let mut allowed_lines = Vec::new();
    for marker in ALLOW_MARKERS {
        for at in memchr::memmem::find_iter(bytes, marker) {
            allowed_lines.push(1 + memchr::memchr_iter(b'\n', &bytes[..at]).count());
        }
    }
    if !allowed_lines.is_empty() {
        findings.retain(|f| !allowed_lines.contains(&f.line));
    }
}

impl BlobScanner<'_> {
    /// True when `bytes` look binary (a NUL byte near the start).
    pub fn is_binary(bytes: &[u8]) -> bool {
        memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_LEN)]).is_some()
    }

    /// True when `finding`, found in a blob, is not reported at `path` in `commit`: its
    /// rule's `skip_paths`/`only_paths` exclude the path, or an allowlist that waited for the
    /// path and commit holds.
    pub fn excluded_at(&self, finding: &Finding, path: &str, commit: Option<&str>) -> bool {
        self.rules.get(&finding.rule_id).is_some_and(|r| {
            r.skips_path(path)
                || (r.runs_only_by_path() && !r.selects_path(path))
                || r.deferred_allowlist(finding.allow_deferred, path, commit).is_some()
        })
    }

    /// Scans one blob that is known to be text and sends its findings to the sink.
    pub fn scan(&self, origin: &str, bytes: &[u8], scratch: &mut Scratch, matches: &mut Vec<RawMatch>) {
        let findings = self.find(origin, bytes, scratch, matches);
        if findings.is_empty() {
            return;
        }
        self.counters
            .findings
            .fetch_add(findings.len() as u64, Ordering::Relaxed);
        self.sink.accept(findings);
    }

    /// Scans one text blob and returns its findings (suppressions applied) without sending
    /// them anywhere: git scans group findings across blobs before reporting.
    pub fn find(&self, origin: &str, bytes: &[u8], scratch: &mut Scratch, matches: &mut Vec<RawMatch>) -> Vec<Finding> {
        self.counters.files.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        matches.clear();
        if self.explain.is_some() && !scratch.is_explaining() {
            *scratch = Scratch::explaining();
        }
        engine::scan_file(self.rules, Some(origin), bytes, scratch, matches);
        let mut candidates = scratch.take_candidates();
        let mut findings = Vec::new();
        if !matches.is_empty() {
            matches.retain(|m| {
                let skip = self.rules.rules[m.rule].skips_path(origin);
                if skip {
                    let reason = "the rule's skip_paths excludes this file, or its only_paths does not include it";
                    crate::explain::mark_dropped(&mut candidates, m.rule, &m.secret, engine::Filter::Path, reason);
                }
                !skip
            });
            findings = build_findings(self.rules, origin, bytes, matches);
            let mut kept = Vec::with_capacity(findings.len());
            for (finding, m) in findings.into_iter().zip(matches.iter()) {
                if self.suppressions.suppresses(&finding) {
                    self.counters.suppressed.fetch_add(1, Ordering::Relaxed);
                    let reason = "listed in .leakhoundignore (fingerprint or path)";
                    crate::explain::mark_dropped(
                        &mut candidates,
                        m.rule,
                        &m.secret,
                        engine::Filter::Suppressed,
                        reason,
                    );
                } else {
                    kept.push(finding);
                }
            }
            findings = kept;
        }
        if let Some(explainer) = self.explain {
            explainer.report(self.rules, origin, bytes, &mut candidates);
        }
        self.find_decoded(origin, bytes, scratch, &mut findings);
        if !findings.is_empty() {
            let before = findings.len();
            drop_allowed_lines(bytes, &mut findings);
            let allowed = before - findings.len();
            if allowed > 0 {
                self.counters.suppressed.fetch_add(allowed as u64, Ordering::Relaxed);
            }
        }
        findings
    }

    /// Runs the rules gated by file name (`paths`) over a blob already scanned without its
    /// name, as git history must: blobs are read before trees say what they are called. Only
    /// those rules' findings are returned, and nothing is counted again.
    pub fn find_by_name(
        &self,
        name: &str,
        bytes: &[u8],
        scratch: &mut Scratch,
        matches: &mut Vec<RawMatch>,
    ) -> Vec<Finding> {
        matches.clear();
        engine::scan_file(self.rules, Some(name), bytes, scratch, matches);
        scratch.take_candidates();
        matches.retain(|m| self.rules.rules[m.rule].paths.is_some());
        if matches.is_empty() {
            return Vec::new();
        }
        let mut findings = build_findings(self.rules, "", bytes, matches);
        findings.retain(|finding| {
            let suppressed = self.suppressions.suppresses(finding);
            if suppressed {
                self.counters.suppressed.fetch_add(1, Ordering::Relaxed);
            }
            !suppressed
        });
        findings
    }

    /// Scans the encoded segments of `bytes` (base64, percent-encoding, string escapes),
    /// nested up to [`MAX_DECODE_DEPTH`] layers, and adds what they hide to `findings`,
    /// located at the encoded text in the original blob.
    fn find_decoded(&self, origin: &str, bytes: &[u8], scratch: &mut Scratch, findings: &mut Vec<Finding>) {
        let mut layer: Vec<DecodedLayer> = Vec::new();
        let mut views = Vec::new();
        engine::decode::views(bytes, &mut views);
        if views.is_empty() {
            return;
        }
        let mut index = crate::engine::location::LineIndex::new(bytes);
        for view in views {
            let encoded = &bytes[view.span.clone()];
            let mut recognised = false;
            if !findings.is_empty() {
                // Encoded text is judged by what it decodes to, not by how random its encoding
                // looks; but a provider rule that recognised it as it stands (Intercom tokens
                // are base64 by design) has already said what it is.
                findings.retain(|f| {
                    if f.secret.as_deref().map(str::as_bytes) != Some(encoded) {
                        return true;
                    }
                    let judged_by_value = self.rules.get(&f.rule_id).is_some_and(|r| r.spec.value_check.is_some());
                    recognised |= !judged_by_value;
                    !judged_by_value
                });
            }
            if !recognised {
                layer.push((view.text, view.decoded, view.span, view.encoding.to_string()));
            }
        }
        let mut depth = 1;
        let mut matches = Vec::new();
        while !layer.is_empty() && depth <= MAX_DECODE_DEPTH {
            let mut next = Vec::new();
            for (text, decoded_region, span, encoding) in layer {
                matches.clear();
                engine::scan(self.rules, &text, scratch, &mut matches);
                drop(scratch.take_candidates());
                matches.retain(|m| {
                    m.secret.start < decoded_region.end
                        && decoded_region.start < m.secret.end
                        && !self.rules.rules[m.rule].skips_path(origin)
                        && (origin.is_empty()
                            || self.rules.rules[m.rule]
                                .deferred_allowlist(m.allow_deferred, origin, None)
                                .is_none())
                });
                if !matches.is_empty() {
                    let start = index.position(span.start);
                    let end = index.position(span.end);
                    for mut finding in build_findings(self.rules, origin, &text, &matches) {
                        finding.line = start.line;
                        finding.column = start.column;
                        finding.end_line = end.line;
                        finding.end_column = end.column;
                        finding.encoding = Some(encoding.clone());
                        // The encoded text itself may have looked like a generic secret.
                        let encoded = String::from_utf8_lossy(&bytes[span.clone()]);
                        findings.retain(|f| {
                            let judged_by_value =
                                self.rules.get(&f.rule_id).is_some_and(|r| r.spec.value_check.is_some());
                            !(judged_by_value
                                && f.line == finding.line
                                && f.secret.as_deref().is_some_and(|s| encoded.contains(s)))
                        });
                        let duplicate = findings
                            .iter()
                            .any(|f| f.fingerprint == finding.fingerprint && f.line == finding.line);
                        if duplicate {
                            continue;
                        }
                        if self.suppressions.suppresses(&finding) {
                            self.counters.suppressed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        findings.push(finding);
                    }
                }
                if depth < MAX_DECODE_DEPTH {
                    let mut inner = Vec::new();
                    engine::decode::views(&text, &mut inner);
                    for view in inner {
                        // Only segments inside what this layer decoded are new.
                        if view.span.start >= decoded_region.start && view.span.end <= decoded_region.end {
                            let encodings = format!("{encoding}>{}", view.encoding);
                            next.push((view.text, view.decoded, span.clone(), encodings));
                        }
                    }
                }
            }
            layer = next;
            depth += 1;
        }
    }
}

/// A decoded view still to scan: its text, the decoded part of it, the encoded span in the
/// original blob, and the encodings peeled so far (`base64>percent`).
type DecodedLayer = (Vec<u8>, Range<usize>, Range<usize>, String);

/// Layers of encoding decoded inside one another (base64 holding a percent-encoded URL).
pub const MAX_DECODE_DEPTH: usize = 2;

/// A scan that cannot start: the problem is in what was asked, not in what was found.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{path}: {source}")]
    Inaccessible {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Checks that every requested path exists before any work starts.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), ScanError> {
    for path in paths {
        if path.as_os_str() == crate::source::stdin::STDIN_NAME {
            continue;
        }
        if let Err(e) = std::fs::symlink_metadata(path) {
            let shown = path.display().to_string();
            return Err(if e.kind() == std::io::ErrorKind::NotFound {
                ScanError::NotFound { path: shown }
            } else {
                ScanError::Inaccessible { path: shown, source: e }
            });
        }
    }
    Ok(())
}

/// The number of worker threads `--threads 0` stands for: every core.
pub fn effective_threads(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Runs a scan of files, directories and standard input, sending findings to `sink` as they
/// appear, and returns the summary. A progress bar is drawn on stderr when `progress` is set
/// and the scan lasts longer than a second.
pub fn run(
    rules: &RuleSet,
    options: &ScanOptions,
    suppressions: &Suppressions,
    sink: &dyn FindingSink,
    progress: bool,
    explain: Option<&crate::explain::Explainer>,
) -> ScanSummary {
    let started = Instant::now();
    let counters = ScanCounters::default();
    let threads = effective_threads(options.threads);
    let scanner = BlobScanner {
        rules,
        suppressions,
        counters: &counters,
        sink,
        explain,
    };
    let stdin_name = std::ffi::OsStr::new(crate::source::stdin::STDIN_NAME);
    let reads_stdin = options.paths.iter().any(|p| p.as_os_str() == stdin_name);
    let roots: Vec<PathBuf> = options
        .paths
        .iter()
        .filter(|p| p.as_os_str() != stdin_name)
        .cloned()
        .collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        if progress {
            scope.spawn(|| crate::progress::show(&counters, &done));
        }
        if reads_stdin {
            let mut state = WorkerState::default();
            crate::source::stdin::scan_stdin(&scanner, options.max_file_size, &mut state);
        }
        crate::source::fs::scan_roots(&scanner, &roots, options, threads);
        done.store(true, Ordering::Release);
    });
    counters.summary(rules.len(), started)
}
