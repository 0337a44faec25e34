//! The audit loop: bring each repository up to date (clone or fetch remote ones, one ahead of
//! the scan), skip it when neither its refs nor the rules changed, scan the blobs no earlier run
//! read, validate what is new, and record the repository in one transaction.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use super::clone::{sync_bare, CloneAuth};
use super::sources::{Location, Target};
use crate::datastore::{ruleset_digest, Datastore, DatastoreError, RepositoryScan};
use crate::finding::Finding;
use crate::ignorefile::Suppressions;
use crate::rules::RuleSet;
use crate::scan::{BlobScanner, DiscardSink, ScanCounters};
use crate::source::git::{refs_digest, scan_history, scan_since, tips, GitOptions, KnownBlobs};
use crate::validate::{ValidateOptions, Validation, ValidationSession, ValidationStatus};

/// How an audit runs.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Blobs larger than this are not scanned (counted).
    pub max_blob_size: u64,
    pub threads: usize,
    /// Keep raw secrets in the datastore (off: hashes and redacted forms only).
    pub store_secrets: bool,
    /// Where remote repositories are cloned.
    pub cache_dir: PathBuf,
    /// The token clones may carry, and the only host they may carry it to.
    pub clone_auth: Option<CloneAuth>,
    /// Validate new credentials (and, with stored secrets, re-validate the others).
    pub validate: Option<ValidateOptions>,
}

/// What an audit did, for its closing summary.
#[derive(Debug, Clone, Default)]
pub struct AuditSummary {
    pub repositories: usize,
    /// Repositories scanned (their history changed, or the rules did).
    pub scanned: usize,
    /// Repositories skipped because nothing changed since the last audit.
    pub unchanged: usize,
    /// Repositories that could not be cloned, fetched or read, with the reason.
    pub failed: Vec<(String, String)>,
    pub commits: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    /// Blobs present in the audited repositories that an earlier run (or another fork) read.
    pub blobs_already_scanned: u64,
    /// Credentials in the repositories scanned this run.
    pub findings: u64,
    /// Objects that could not be read in the repositories scanned (corrupt or missing).
    pub problems: u64,
    /// Credentials asked about this run, and how many were live.
    pub validated: u64,
    pub live: u64,
    pub elapsed_ms: u64,
}

/// Why an audit stopped early.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Datastore(#[from] DatastoreError),
    #[error("validation: {0}")]
    Validation(#[from] std::io::Error),
}

/// Progress as it happens, one line per repository, for the caller to print.
pub type Log<'a> = &'a mut dyn FnMut(&str);

/// Audits `targets` into `store`.
pub fn run(
    targets: &[Target],
    rules: &RuleSet,
    store: &mut Datastore,
    options: &AuditOptions,
    log: Log<'_>,
) -> Result<AuditSummary, AuditError> {
    let started = Instant::now();
    let ruleset = ruleset_digest(rules, options.max_blob_size);
    store.forget_other_rulesets(&ruleset)?;
    let mut known = Arc::new(store.known_blobs(&ruleset, rules)?);
    let mut summary = AuditSummary {
        repositories: targets.len(),
        ..AuditSummary::default()
    };
    let mut validated: HashMap<String, Validation> = HashMap::new();
    // One session for the whole audit: rate limits and the time budget span every repository.
    let session = options.validate.as_ref().map(ValidationSession::new);
    let dry_run = options.validate.as_ref().is_some_and(|v| v.dry_run);
    let interrupt = AtomicBool::new(false);
    let total = targets.len();
    std::thread::scope(|scope| -> Result<(), AuditError> {
        // Network work runs one repository ahead of the scan, so the two overlap.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, Result<PathBuf, String>)>(1);
        let interrupt = &interrupt;
        scope.spawn(move || {
            for (index, target) in targets.iter().enumerate() {
                let place = match &target.location {
                    Location::Local(path) => Ok(path.clone()),
                    Location::Remote(url) => sync_bare(url, &options.cache_dir, options.clone_auth.as_ref(), interrupt)
                        .map(|outcome| outcome.path)
                        .map_err(|e| format!("clone or fetch failed: {e}")),
                };
                if sender.send((index, place)).is_err() {
                    return;
                }
            }
        });
        for (index, place) in receiver {
            let target = &targets[index];
            let mut meta = target.meta.clone();
            let prefix = format!("[{}/{total}] {}", index + 1, meta.identity);
            let path = match place {
                Ok(path) => path,
                Err(error) => {
                    fail(store, &mut summary, &meta, &error, &prefix, log)?;
                    continue;
                }
            };
            meta.location = path.display().to_string();
            let digest = match refs_digest(&path) {
                Ok(digest) => digest,
                Err(error) => {
                    fail(store, &mut summary, &meta, &error.to_string(), &prefix, log)?;
                    continue;
                }
            };
            let state = store.scanned_state(&meta.identity)?.filter(|s| s.ruleset == ruleset);
            if state.as_ref().is_some_and(|s| s.refs_digest == digest) {
                store.record_unchanged(&meta)?;
                summary.unchanged += 1;
                log(&format!("{prefix}: unchanged since the last audit"));
                continue;
            }
            let current_tips = match tips(&path) {
                Ok(tips) => tips,
                Err(error) => {
                    fail(store, &mut summary, &meta, &error.to_string(), &prefix, log)?;
                    continue;
                }
            };
            // Same rules, other refs: only the commits the last audit did not reach.
            let since: Option<Vec<gix::ObjectId>> = state.map(|s| s.tips).filter(|t| !t.is_empty());
            let counters = ScanCounters::default();
            let suppressions = Suppressions::none();
            let scanner = BlobScanner {
                rules,
                suppressions: &suppressions,
                counters: &counters,
                sink: &DiscardSink,
                explain: None,
            };
            let git_options = GitOptions {
                repo: path.clone(),
                branches: Vec::new(),
                range: None,
                since: None,
                max_blob_size: options.max_blob_size,
                staged: false,
                all_occurrences: true,
                threads: options.threads,
                known: Some(Arc::clone(&known)),
            };
            let outcome = match &since {
                Some(seen) => scan_since(&scanner, &git_options, seen),
                None => scan_history(&scanner, &git_options),
            };
            drop(git_options);
            let mut scan = match outcome {
                Ok(scan) => scan,
                Err(error) => {
                    fail(store, &mut summary, &meta, &error.to_string(), &prefix, log)?;
                    continue;
                }
            };
            let counted = counters.summary(rules.len(), started);
            scan.coverage.blobs_scanned = counted.files_scanned;
            scan.coverage.bytes_scanned = counted.bytes_scanned;
            for (reason, count) in counted.skipped {
                *scan.coverage.skipped.entry(reason).or_insert(0) += count;
            }
            if let Some(session) = &session {
                validate_new(store, rules, session, dry_run, &mut scan.findings, &mut validated)?;
            }
            let at_head = match since {
                Some(_) => Some(still_at_head(store, &meta.identity, &path, &scan.findings)?),
                None => None,
            };
            store.record_repository(&RepositoryScan {
                meta: &meta,
                refs_digest: &digest,
                ruleset: &ruleset,
                scan: &scan,
                tips: &current_tips,
                incremental: since.is_some(),
                at_head: at_head.as_ref(),
                store_secrets: options.store_secrets,
            })?;
            let live = scan
                .findings
                .iter()
                .filter(|f| {
                    f.validation
                        .as_ref()
                        .is_some_and(|v| v.status == ValidationStatus::Live)
                })
                .count();
            log(&format!(
                "{prefix}: {} {}commits, {} blobs scanned ({:.1} MB), {} already scanned, {} finding{}{}",
                scan.coverage.commits,
                if since.is_some() { "new " } else { "" },
                scan.coverage.blobs_scanned,
                scan.coverage.bytes_scanned as f64 / 1e6,
                scan.coverage.blobs_already_scanned,
                scan.findings.len(),
                if scan.findings.len() == 1 { "" } else { "s" },
                if live > 0 {
                    format!(" ({live} live)")
                } else {
                    String::new()
                }
            ));
            // What could not be read is said, not dropped: skipped blobs by reason, and
            // unreadable objects (kept in full in the datastore's coverage record).
            if !scan.coverage.skipped.is_empty() {
                let parts: Vec<String> = scan
                    .coverage
                    .skipped
                    .iter()
                    .map(|(reason, n)| format!("{n} {}", reason.as_str()))
                    .collect();
                log(&format!("{prefix}: not scanned: {}", parts.join(", ")));
            }
            if let Some(first) = scan.coverage.problems.first() {
                log(&format!(
                    "{prefix}: warning: {} problem{} reading objects, first: {first}",
                    scan.coverage.problems.len(),
                    if scan.coverage.problems.len() == 1 { "" } else { "s" }
                ));
                summary.problems += scan.coverage.problems.len() as u64;
            }
            summary.scanned += 1;
            summary.commits += scan.coverage.commits;
            summary.blobs_scanned += scan.coverage.blobs_scanned;
            summary.bytes_scanned += scan.coverage.bytes_scanned;
            summary.blobs_already_scanned += scan.coverage.blobs_already_scanned;
            summary.findings += scan.findings.len() as u64;
            // The scan has dropped its handle, so the set can grow in place for the next one.
            if let Some(known) = Arc::get_mut(&mut known) {
                learn(known, scan);
            } else {
                let mut copy = KnownBlobs {
                    scanned: known.scanned.clone(),
                    findings: known.findings.clone(),
                };
                learn(&mut copy, scan);
                known = Arc::new(copy);
            }
        }
        Ok(())
    })?;
    if let Some(session) = &session {
        revalidate_stored(store, rules, session, dry_run, &mut validated)?;
    }
    summary.validated = validated.len() as u64;
    summary.live = validated
        .values()
        .filter(|v| v.status == ValidationStatus::Live)
        .count() as u64;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// After an incremental scan: whether HEAD still holds each credential of the repository,
/// recorded or new (a new commit may have removed an old one, or added it back).
fn still_at_head(
    store: &Datastore,
    identity: &str,
    path: &std::path::Path,
    findings: &[Finding],
) -> Result<HashMap<String, bool>, AuditError> {
    let mut places: Vec<(String, String, String)> = store.repository_places(identity)?;
    for finding in findings {
        if let Some(git) = &finding.git {
            for occurrence in &git.all_occurrences {
                places.push((
                    finding.fingerprint.clone(),
                    occurrence.path.clone(),
                    occurrence.blob.clone(),
                ));
            }
        }
    }
    let lookups: Vec<(String, String)> = places.iter().map(|(_, p, b)| (p.clone(), b.clone())).collect();
    let present = crate::source::git::at_head(path, &lookups).unwrap_or_else(|_| vec![false; lookups.len()]);
    let mut out: HashMap<String, bool> = HashMap::new();
    for ((fingerprint, _, _), here) in places.into_iter().zip(present) {
        *out.entry(fingerprint).or_insert(false) |= here;
    }
    Ok(out)
}

fn fail(
    store: &mut Datastore,
    summary: &mut AuditSummary,
    meta: &crate::datastore::RepositoryMeta,
    error: &str,
    prefix: &str,
    log: Log<'_>,
) -> Result<(), AuditError> {
    store.record_failure(meta, error)?;
    summary.failed.push((meta.identity.clone(), error.to_string()));
    log(&format!("{prefix}: FAILED: {error}"));
    Ok(())
}

/// Adds what a scan read to the blobs the next repository skips.
fn learn(known: &mut KnownBlobs, scan: crate::source::git::HistoryScan) {
    known.scanned.extend(scan.new_blobs);
    for (id, mut findings) in scan.new_blob_findings {
        for finding in &mut findings {
            finding.git = None;
            finding.validation = None;
            finding.path.clear();
        }
        known.findings.insert(id, findings);
    }
}

/// Validates the credentials of one repository that this run has not asked about yet; those
/// read back from skipped blobs get their secret from the datastore when it was stored.
fn validate_new(
    store: &Datastore,
    rules: &RuleSet,
    session: &ValidationSession,
    dry_run: bool,
    findings: &mut [Finding],
    validated: &mut HashMap<String, Validation>,
) -> Result<(), AuditError> {
    let missing: HashSet<String> = findings
        .iter()
        .filter(|f| f.secret.is_none() && !validated.contains_key(&f.fingerprint))
        .map(|f| f.fingerprint.clone())
        .collect();
    let stored = if missing.is_empty() {
        HashMap::new()
    } else {
        store.stored_secrets(&missing)?
    };
    let mut batch: Vec<Finding> = Vec::new();
    for finding in findings.iter_mut() {
        if let Some(done) = validated.get(&finding.fingerprint) {
            finding.validation = Some(done.clone());
            continue;
        }
        let mut candidate = finding.clone();
        if candidate.secret.is_none() {
            let Some((secret, companions)) = stored.get(&candidate.fingerprint) else {
                continue;
            };
            candidate.secret = Some(secret.clone());
            candidate.companions = companions.clone();
        }
        if !batch.iter().any(|f| f.fingerprint == candidate.fingerprint) {
            batch.push(candidate);
        }
    }
    ask(rules, session, dry_run, &mut batch, validated)?;
    for finding in findings.iter_mut() {
        if let Some(done) = validated.get(&finding.fingerprint) {
            finding.validation = Some(done.clone());
        }
    }
    Ok(())
}

/// Asks the issuers about `batch` and remembers each answer for the rest of the run (dry runs
/// print the requests and remember nothing).
fn ask(
    rules: &RuleSet,
    session: &ValidationSession,
    dry_run: bool,
    batch: &mut [Finding],
    validated: &mut HashMap<String, Validation>,
) -> Result<(), AuditError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut stderr = std::io::stderr().lock();
    session.validate(batch, rules, &mut stderr)?;
    if dry_run {
        return Ok(());
    }
    for finding in batch.iter() {
        if let Some(validation) = &finding.validation {
            validated.insert(finding.fingerprint.clone(), validation.clone());
        }
    }
    Ok(())
}

/// Re-validates every credential whose secret the datastore keeps and that this run did not
/// meet: a weekly audit of unchanged repositories still says what is live today.
fn revalidate_stored(
    store: &mut Datastore,
    rules: &RuleSet,
    session: &ValidationSession,
    dry_run: bool,
    validated: &mut HashMap<String, Validation>,
) -> Result<(), AuditError> {
    let mut batch: Vec<Finding> = store
        .stored_credentials(rules)?
        .into_iter()
        .filter(|f| !validated.contains_key(&f.fingerprint))
        .collect();
    ask(rules, session, dry_run, &mut batch, validated)?;
    if !dry_run {
        store.record_validations(&batch)?;
    }
    Ok(())
}
