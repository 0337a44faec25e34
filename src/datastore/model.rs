//! What a report over a datastore shows, independent of how it is rendered (human, JSON,
//! HTML): built once by [`super::Datastore::report`], rendered by `report::html` and the CLI.

use serde::Serialize;

/// Everything an organization-wide exposure report needs, ordered for people: live
/// credentials first, then by severity.
#[derive(Debug, Clone, Serialize, Default)]
pub struct AuditReport {
    /// When the report was built, RFC 3339 UTC.
    pub generated_at: String,
    /// The datastore the report was read from (as given on the command line).
    pub datastore: String,
    pub totals: Totals,
    /// Findings (one per credential, i.e. per fingerprint), live first.
    pub findings: Vec<ReportFinding>,
    /// Per provider, most live first.
    pub providers: Vec<ProviderRow>,
    /// Per repository, most live first.
    pub repositories: Vec<RepositoryRow>,
    /// When secrets were introduced, per calendar month (`YYYY-MM`), oldest first.
    pub timeline: Vec<TimelineBucket>,
}

/// Headline numbers.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Totals {
    pub repositories: u64,
    /// Repositories whose last clone, fetch or scan failed.
    pub repositories_failed: u64,
    /// Unique blobs ever scanned into this datastore.
    pub blobs_scanned: u64,
    /// Credentials (fingerprints) reported (triaged false positives and accepted ones excluded).
    pub findings: u64,
    pub occurrences: u64,
    pub live: u64,
    pub revoked: u64,
    /// Validated, answer inconclusive.
    pub unknown: u64,
    /// Never validated.
    pub unvalidated: u64,
    /// Hidden from the findings by triage, per status.
    pub triaged_false_positive: u64,
    pub triaged_accepted: u64,
    pub triaged_revoked: u64,
}

/// One credential and every place it leaked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportFinding {
    pub fingerprint: String,
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub severity: String,
    pub confidence: String,
    pub redacted: String,
    /// Only when the datastore was written with `--store-secrets` and the report asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The latest answer of the issuer, if it was ever asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage: Option<TriageRow>,
    /// Earliest and latest author date among the occurrences (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Still in the current tree (HEAD) of at least one repository, not only in history.
    pub present_at_head: bool,
    /// Repositories it occurs in.
    pub repositories: Vec<String>,
    /// Oldest first.
    pub occurrences: Vec<OccurrenceRow>,
}

/// What the issuer said, and when.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValidationRow {
    /// `live`, `revoked` or `unknown`.
    pub status: String,
    pub checked_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Account, user or organisation the issuer reported, as `key=value` pairs.
    pub identity: Vec<(String, String)>,
}

/// A person's decision about a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TriageRow {
    /// `false-positive`, `accepted` or `revoked`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub updated_at: String,
}

/// One (repository, commit, path) place that introduced a credential.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OccurrenceRow {
    pub repository: String,
    /// Empty for a blob no ref reaches.
    pub commit: String,
    pub path: String,
    pub line: u64,
    pub column: u64,
    pub blob: String,
    pub author_name: String,
    pub author_email: String,
    /// Author date, RFC 3339 UTC.
    pub date: String,
    pub summary: String,
    /// A browsable link to the line, when the repository's web address is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Findings of one provider.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProviderRow {
    pub provider: String,
    pub findings: u64,
    pub live: u64,
    pub repositories: u64,
}

/// Findings of one repository.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RepositoryRow {
    pub identity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub findings: u64,
    pub live: u64,
    pub commits: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_scanned: Option<String>,
    /// The last failure (clone, fetch, open), if the latest attempt failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Secrets introduced in one month.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TimelineBucket {
    /// `YYYY-MM`.
    pub month: String,
    pub introduced: u64,
    /// Of those, still live at the last validation.
    pub live: u64,
}
