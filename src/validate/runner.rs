//! Runs validation over a scan's findings: deduplicates credentials, checks each once on a
//! bounded pool of workers within a total time budget, and attaches the results.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::transport::{EndpointOverride, Transport};
use super::{rfc3339, Context, Credential, Outcome, Validation, ValidationStatus, Validator};
use crate::finding::Finding;
use crate::rules::RuleSet;

/// How validation may use the network.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Requests in flight at once, across all issuers.
    pub concurrency: usize,
    /// Requests per second to any one host.
    pub rate_per_host: f64,
    /// Time allowed for one request.
    pub timeout: Duration,
    /// Time allowed for the whole validation; what is left unchecked is `unknown`.
    pub budget: Duration,
    /// Retries of answers 429 and 503.
    pub retries: u32,
    /// Test-only endpoint overrides.
    pub endpoints: Vec<EndpointOverride>,
    /// Print requests instead of sending them.
    pub dry_run: bool,
    /// The Vault server named on the command line.
    pub vault_address: Option<String>,
}

impl Default for ValidateOptions {
    fn default() -> ValidateOptions {
        ValidateOptions {
            concurrency: 8,
            rate_per_host: 5.0,
            timeout: Duration::from_secs(10),
            budget: Duration::from_secs(300),
            retries: 2,
            endpoints: Vec::new(),
            dry_run: false,
            vault_address: None,
        }
    }
}

/// Counts of one validation run, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValidationTotals {
    /// Unique credentials that have a validator.
    pub credentials: usize,
    /// HTTP requests sent (retries included).
    pub requests: usize,
    pub live: usize,
    pub revoked: usize,
    pub unknown: usize,
    /// Findings whose rule has no validator.
    pub without_validator: usize,
    /// Nothing was sent: requests were only printed.
    pub dry_run: bool,
}

struct Job {
    validator: Arc<dyn Validator>,
    rule_id: String,
    secret: String,
    companions: std::collections::BTreeMap<String, String>,
    findings: Vec<usize>,
}

/// Validates every finding's credential (each unique credential once) and stores the result
/// in `finding.validation`. With `dry_run` the requests are written to `dry_run_out`,
/// redacted, and nothing is sent.
pub fn validate_findings(
    findings: &mut [Finding],
    rules: &RuleSet,
    options: &ValidateOptions,
    dry_run_out: &mut dyn Write,
) -> std::io::Result<ValidationTotals> {
    ValidationSession::new(options).validate(findings, rules, dry_run_out)
}

/// One validation run that may be fed several batches of findings (an audit validates each
/// repository's findings as it records them): the per-host rate limits and the time budget
/// hold across all batches, not per batch.
pub struct ValidationSession {
    options: ValidateOptions,
    transport: Transport,
    deadline: Instant,
}

impl ValidationSession {
    /// Starts the budget clock and the rate limiters.
    pub fn new(options: &ValidateOptions) -> ValidationSession {
        ValidationSession {
            options: options.clone(),
            transport: Transport::new(
                options.endpoints.clone(),
                options.timeout,
                options.rate_per_host,
                options.retries,
            ),
            deadline: Instant::now() + options.budget,
        }
    }

    /// Validates a batch as [`validate_findings`] does, within this session's limits.
    pub fn validate(
        &self,
        findings: &mut [Finding],
        rules: &RuleSet,
        dry_run_out: &mut dyn Write,
    ) -> std::io::Result<ValidationTotals> {
        validate_batch(self, findings, rules, dry_run_out)
    }
}

fn validate_batch(
    session: &ValidationSession,
    findings: &mut [Finding],
    rules: &RuleSet,
    dry_run_out: &mut dyn Write,
) -> std::io::Result<ValidationTotals> {
    let options = &session.options;
    let deadline = session.deadline;
    let sent_before = session.transport.requests_sent();
    let mut totals = ValidationTotals {
        dry_run: options.dry_run,
        ..ValidationTotals::default()
    };
    let mut jobs: Vec<Job> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (index, finding) in findings.iter_mut().enumerate() {
        let validator = rules.get(&finding.rule_id).and_then(|r| r.validator.clone());
        let (Some(validator), Some(secret)) = (validator, finding.secret.clone()) else {
            totals.without_validator += 1;
            if !options.dry_run {
                finding.validation = Some(Validation {
                    status: ValidationStatus::Unknown,
                    checked_at: rfc3339(std::time::SystemTime::now()),
                    reason: Some(format!("no validator for rule {}", finding.rule_id)),
                    identity: Default::default(),
                });
            }
            continue;
        };
        let credential = Credential {
            rule_id: &finding.rule_id,
            secret: &secret,
            companions: &finding.companions,
        };
        let key = validator.dedup_key(&credential);
        match by_key.get(&key) {
            Some(&job) => jobs[job].findings.push(index),
            None => {
                by_key.insert(key, jobs.len());
                jobs.push(Job {
                    validator,
                    rule_id: finding.rule_id.clone(),
                    secret,
                    companions: finding.companions.clone(),
                    findings: vec![index],
                });
            }
        }
    }
    totals.credentials = jobs.len();
    let context = Context {
        now: std::time::SystemTime::now(),
        vault_address: options.vault_address.clone(),
    };
    if options.dry_run {
        let transport = Transport::new(options.endpoints.clone(), options.timeout, 0.0, 0);
        for job in &jobs {
            let credential = job.credential();
            match job.validator.prepare(&credential, &context) {
                Ok(request) => {
                    let (destination, overridden) = transport.destination(&request.url);
                    let shown = request.redacted();
                    write!(
                        dry_run_out,
                        "leakhound: would send for {}:\n  {}",
                        job.rule_id,
                        shown.replace('\n', "\n  ")
                    )?;
                    if overridden {
                        writeln!(dry_run_out, "(redirected for testing to {destination})")?;
                    }
                    writeln!(dry_run_out)?;
                }
                Err(reason) => writeln!(dry_run_out, "leakhound: would not send for {}: {reason}\n", job.rule_id)?,
            }
        }
        return Ok(totals);
    }
    let transport = &session.transport;
    let results: Mutex<Vec<Option<Validation>>> = Mutex::new(vec![None; jobs.len()]);
    let next = AtomicUsize::new(0);
    let workers = options.concurrency.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let outcome = check(job, transport, &context, deadline);
                let validation = to_validation(outcome);
                if let Ok(mut slots) = results.lock() {
                    slots[i] = Some(validation);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    for (job, result) in jobs.iter().zip(results) {
        let validation = result.unwrap_or_else(|| to_validation(Outcome::Unknown("validation did not finish".into())));
        match validation.status {
            ValidationStatus::Live => totals.live += 1,
            ValidationStatus::Revoked => totals.revoked += 1,
            ValidationStatus::Unknown => totals.unknown += 1,
        }
        for &index in &job.findings {
            findings[index].validation = Some(validation.clone());
        }
    }
    totals.requests = transport.requests_sent() - sent_before;
    Ok(totals)
}

impl Job {
    fn credential(&self) -> Credential<'_> {
        Credential {
            rule_id: &self.rule_id,
            secret: &self.secret,
            companions: &self.companions,
        }
    }
}

/// Builds, checks and sends one job's request and reads the answer.
fn check(job: &Job, transport: &Transport, context: &Context, deadline: Instant) -> Outcome {
    if Instant::now() >= deadline {
        return Outcome::Unknown("validation budget exhausted before this credential was checked".into());
    }
    let credential = job.credential();
    let request = match job.validator.prepare(&credential, context) {
        Ok(request) => request,
        Err(reason) => return Outcome::Unknown(reason),
    };
    let host = request.host().unwrap_or_default();
    if !request.url.starts_with("https://") || !job.validator.permits_host(&host, context) {
        return Outcome::Unknown(format!(
            "refused: the request would go to {host:?}, which is not this validator's issuer"
        ));
    }
    match transport.send(&request, deadline) {
        Ok(response) => job.validator.interpret(&credential, &response),
        Err(reason) => Outcome::Unknown(reason),
    }
}

fn to_validation(outcome: Outcome) -> Validation {
    let checked_at = rfc3339(std::time::SystemTime::now());
    match outcome {
        Outcome::Live(identity) => Validation {
            status: ValidationStatus::Live,
            checked_at,
            reason: None,
            identity,
        },
        Outcome::Revoked(reason) => Validation {
            status: ValidationStatus::Revoked,
            checked_at,
            reason: Some(reason),
            identity: Default::default(),
        },
        Outcome::Unknown(reason) => Validation {
            status: ValidationStatus::Unknown,
            checked_at,
            reason: Some(reason),
            identity: Default::default(),
        },
    }
}
