//! The audit loop: bring each repository up to date (clone or fetch remote ones, one ahead of
//! the scan), skip it when neither its refs nor the rules changed, scan the blobs no earlier run
//! read, validate what is new, and record the repository in one transaction.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::clone::{sync_bare, CloneAuth};
use super::sources::{Location, Target};
use crate::datastore::{ruleset_digest, Datastore, DatastoreError, RepositoryScan};
use crate::finding::Finding;
use crate::ignorefile::Suppressions;
use crate::rules::RuleSet;
use crate::scan::{BlobScanner, DiscardSink, ScanCounters};
use crate::source::git::{scan_history, scan_since, tips, GitOptions, HistoryScan, KnownBlobs};
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
            let mut meta = targets[index].meta.clone();
            let prefix = format!("[{}/{total}] {}", index + 1, meta.identity);
            let outcome =
                match place {
                    Ok(path) => {
                        meta.location = path.display().to_string();
                        let repository = Repository {
                            meta: &meta,
                            path: &path,
                            ruleset: &ruleset,
                        };
                        audit_repository(&repository, rules, options, store, &known, &mut |findings, store| {
                            match &session {
                                Some(session) => validate_new(store, rules, session, dry_run, findings, &mut validated),
                                None => Ok(()),
                            }
                        })?
                    }
                    Err(error) => Err(error),
                };
            match outcome {
                Err(error) => {
                    store.record_failure(&meta, &error)?;
                    summary.failed.push((meta.identity.clone(), error.clone()));
                    log(&format!("{prefix}: FAILED: {error}"));
                }
                Ok(None) => {
                    summary.unchanged += 1;
                    log(&format!("{prefix}: unchanged since the last audit"));
                }
                Ok(Some(scan)) => {
                    report_scanned(&prefix, &scan, &mut summary, log);
                    // The scan has dropped its handle, so the set grows in place for the next.
                    learn(Arc::make_mut(&mut known), scan);
                }
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

/// One repository of an audit, where it was read on this machine.
struct Repository<'a> {
    meta: &'a crate::datastore::RepositoryMeta,
    path: &'a std::path::Path,
    ruleset: &'a str,
}

/// Validates a repository's findings before they are recorded.
type ValidateHook<'a> = dyn FnMut(&mut [Finding], &Datastore) -> Result<(), AuditError> + 'a;

/// Audits one repository: `Ok(None)` when nothing changed since the last audit, `Ok(Some)`
/// with what was scanned and recorded, `Err` with why the repository could not be read (the
/// audit goes on). Datastore and validation errors stop the audit (the outer `Result`).
fn audit_repository(
    repository: &Repository<'_>,
    rules: &RuleSet,
    options: &AuditOptions,
    store: &mut Datastore,
    known: &Arc<KnownBlobs>,
    validate: &mut ValidateHook<'_>,
) -> Result<Result<Option<HistoryScan>, String>, AuditError> {
    let Repository { meta, path, ruleset } = *repository;
    let current_tips = match tips(path) {
        Ok(tips) => tips,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let state = store.scanned_state(&meta.identity)?.filter(|s| s.ruleset == ruleset);
    if state.as_ref().is_some_and(|s| s.tips == current_tips) {
        store.record_unchanged(meta)?;
        return Ok(Ok(None));
    }
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
        repo: path.to_path_buf(),
        branches: Vec::new(),
        range: None,
        since: None,
        max_blob_size: options.max_blob_size,
        staged: false,
        all_occurrences: true,
        threads: options.threads,
        known: Some(Arc::clone(known)),
    };
    let outcome = match &since {
        Some(seen) => scan_since(&scanner, &git_options, &current_tips, seen),
        None => scan_history(&scanner, &git_options),
    };
    let mut scan = match outcome {
        Ok(scan) => scan,
        Err(error) => return Ok(Err(error.to_string())),
    };
    scan.coverage.blobs_scanned = counters.files.load(Ordering::Relaxed);
    scan.coverage.bytes_scanned = counters.bytes.load(Ordering::Relaxed);
    for (reason, count) in counters.summary(rules.len(), Instant::now()).skipped {
        *scan.coverage.skipped.entry(reason).or_insert(0) += count;
    }
    validate(&mut scan.findings, store)?;
    let at_head = match since {
        Some(_) => match still_at_head(store, &meta.identity, path, &scan.findings)? {
            Ok(at_head) => Some(at_head),
            Err(error) => return Ok(Err(error)),
        },
        None => None,
    };
    store.record_repository(&RepositoryScan {
        meta,
        ruleset,
        scan: &scan,
        tips: &current_tips,
        incremental: since.is_some(),
        at_head: at_head.as_ref(),
        store_secrets: options.store_secrets,
    })?;
    Ok(Ok(Some(scan)))
}

/// Logs what a repository's scan did (skipped blobs and unreadable objects are said, never
/// dropped) and adds it to the summary.
fn report_scanned(prefix: &str, scan: &HistoryScan, summary: &mut AuditSummary, log: Log<'_>) {
    let coverage = &scan.coverage;
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
        coverage.commits,
        if coverage.mode == "incremental" { "new " } else { "" },
        coverage.blobs_scanned,
        coverage.bytes_scanned as f64 / 1e6,
        coverage.blobs_already_scanned,
        scan.findings.len(),
        if scan.findings.len() == 1 { "" } else { "s" },
        if live > 0 {
            format!(" ({live} live)")
        } else {
            String::new()
        }
    ));
    if !coverage.skipped.is_empty() {
        let parts: Vec<String> = coverage
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {}", reason.as_str()))
            .collect();
        log(&format!("{prefix}: not scanned: {}", parts.join(", ")));
    }
    if let Some(first) = coverage.problems.first() {
        log(&format!(
            "{prefix}: warning: {} problem{} reading objects, first: {first}",
            coverage.problems.len(),
            if coverage.problems.len() == 1 { "" } else { "s" }
        ));
        summary.problems += coverage.problems.len() as u64;
    }
    summary.scanned += 1;
    summary.commits += coverage.commits;
    summary.blobs_scanned += coverage.blobs_scanned;
    summary.bytes_scanned += coverage.bytes_scanned;
    summary.blobs_already_scanned += coverage.blobs_already_scanned;
    summary.findings += scan.findings.len() as u64;
}

/// After an incremental scan: whether HEAD still holds each credential of the repository,
/// recorded or new (a new commit may have removed an old one, or added it back).
fn still_at_head(
    store: &Datastore,
    identity: &str,
    path: &std::path::Path,
    findings: &[Finding],
) -> Result<Result<HashMap<String, bool>, String>, AuditError> {
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
    let present = match crate::source::git::at_head(path, &lookups) {
        Ok(present) => present,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let mut out: HashMap<String, bool> = HashMap::new();
    for ((fingerprint, _, _), here) in places.into_iter().zip(present) {
        *out.entry(fingerprint).or_insert(false) |= here;
    }
    Ok(Ok(out))
}

/// Adds what a scan read to the blobs the next repository skips.
fn learn(known: &mut KnownBlobs, scan: HistoryScan) {
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
