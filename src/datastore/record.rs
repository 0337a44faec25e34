//! Writing an audit's results: one transaction per repository.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{now, BlobFindingRecord, Datastore, DatastoreError};
use crate::finding::Finding;
use crate::source::git::HistoryScan;

/// What is known about a repository before it is scanned: how it is named and where it lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepositoryMeta {
    /// Stable name across machines and runs (normalised clone URL, or local path).
    pub identity: String,
    /// The clone URL, for remote repositories.
    pub url: Option<String>,
    /// Where the repository was read on this machine.
    pub location: String,
    /// Its web page (`https://github.com/org/repo`), for links in reports.
    pub web_url: Option<String>,
    pub fork: bool,
    pub archived: bool,
}

/// The outcome of scanning one repository, ready to be recorded.
#[derive(Debug)]
pub struct RepositoryScan<'a> {
    pub meta: &'a RepositoryMeta,
    pub ruleset: &'a str,
    pub scan: &'a HistoryScan,
    /// The commits the refs point at now.
    pub tips: &'a [gix::ObjectId],
    /// Only new commits were scanned: their occurrences are added to the recorded ones
    /// instead of replacing them.
    pub incremental: bool,
    /// After an incremental scan: for every credential of the repository, whether HEAD still
    /// holds it (the recorded flags may be out of date).
    pub at_head: Option<&'a std::collections::HashMap<String, bool>>,
    /// Keep raw secrets (`--store-secrets`); otherwise only hashes and redacted forms.
    pub store_secrets: bool,
}

impl Datastore {
    /// Records a scanned repository in one transaction: its blobs, credentials and occurrences
    /// (replacing the previous ones of that repository) and issuer answers.
    pub fn record_repository(&mut self, result: &RepositoryScan<'_>) -> Result<(), DatastoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite(&path, e);
        let scan = result.scan;
        let meta = result.meta;
        let stamp = now();
        let coverage = serde_json::to_string(&scan.coverage).map_err(|e| DatastoreError::Encode(e.to_string()))?;
        let tips: Vec<String> = result.tips.iter().map(|id| id.to_string()).collect();
        let tips = serde_json::to_string(&tips).map_err(|e| DatastoreError::Encode(e.to_string()))?;
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut blob = tx
                .prepare_cached("INSERT OR IGNORE INTO blobs (oid, ruleset, findings) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for id in &scan.new_blobs {
                let found = scan.new_blob_findings.get(id).map_or(0, Vec::len);
                blob.execute(params![id.as_bytes(), result.ruleset, found as i64])
                    .map_err(err)?;
            }
            let mut record = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO blob_findings (oid, ruleset, seq, record) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            for (id, findings) in &scan.new_blob_findings {
                for (seq, finding) in findings.iter().enumerate() {
                    let stored = BlobFindingRecord::from_finding(finding, result.store_secrets);
                    let text = serde_json::to_string(&stored).map_err(|e| DatastoreError::Encode(e.to_string()))?;
                    record
                        .execute(params![id.as_bytes(), result.ruleset, seq as i64, text])
                        .map_err(err)?;
                }
            }
            if !result.incremental {
                tx.execute("DELETE FROM occurrences WHERE repository = ?1", [&meta.identity])
                    .map_err(err)?;
            }
            for finding in &scan.findings {
                upsert_finding(&tx, finding, result.store_secrets).map_err(err)?;
                insert_occurrences(&tx, &meta.identity, finding).map_err(err)?;
                if let Some(validation) = &finding.validation {
                    insert_validation(&tx, &finding.fingerprint, validation).map_err(err)?;
                }
            }
            if let Some(at_head) = result.at_head {
                let mut update = tx
                    .prepare_cached(
                        "UPDATE occurrences SET present_at_head = ?3 WHERE repository = ?1 AND fingerprint = ?2",
                    )
                    .map_err(err)?;
                for (fingerprint, present) in at_head {
                    update
                        .execute(params![meta.identity, fingerprint, present])
                        .map_err(err)?;
                }
            }
            upsert_meta(&tx, meta, &stamp).map_err(err)?;
            // An incremental scan adds its commits and blobs to the repository's totals.
            tx.execute(
                "UPDATE repositories SET ruleset = ?2, tips = ?3, coverage = ?4, last_scanned = ?5, error = NULL,
                    blobs_scanned = ?6,
                    commits = CASE WHEN ?7 THEN commits + ?8 ELSE ?8 END,
                    blobs = CASE WHEN ?7 THEN blobs + ?9 ELSE ?9 END
                 WHERE identity = ?1",
                params![
                    meta.identity,
                    result.ruleset,
                    tips,
                    coverage,
                    stamp,
                    scan.coverage.blobs_scanned as i64,
                    result.incremental,
                    scan.coverage.commits as i64,
                    (scan.new_blobs.len() as u64 + scan.coverage.blobs_already_scanned) as i64,
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Records that a repository could not be cloned, fetched or read; its earlier results,
    /// if any, stay, and the next audit tries it again.
    pub fn record_failure(&mut self, meta: &RepositoryMeta, error: &str) -> Result<(), DatastoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        upsert_meta(&tx, meta, &now()).map_err(err)?;
        tx.execute(
            "UPDATE repositories SET error = ?2 WHERE identity = ?1",
            params![meta.identity, error],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Every recorded (fingerprint, path, blob) place of a repository.
    pub fn repository_places(&self, identity: &str) -> Result<Vec<(String, String, String)>, DatastoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT fingerprint, path, blob FROM occurrences WHERE repository = ?1 AND commit_id <> ''")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([identity], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Notes that an unchanged repository was looked at again (its results stand).
    pub fn record_unchanged(&mut self, meta: &RepositoryMeta) -> Result<(), DatastoreError> {
        upsert_meta(&self.conn, meta, &now()).map_err(|e| self.err(e))
    }

    /// Records issuer answers given outside a repository's transaction (re-validation of
    /// stored credentials).
    pub fn record_validations(&mut self, findings: &[Finding]) -> Result<(), DatastoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        for finding in findings {
            if let Some(validation) = &finding.validation {
                insert_validation(&tx, &finding.fingerprint, validation).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}

/// Creates or updates a repository's row with what is known before scanning it (names,
/// location, fork and archive flags) and the time of this attempt.
fn upsert_meta(conn: &rusqlite::Connection, meta: &RepositoryMeta, attempt: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO repositories (identity, url, location, web_url, fork, archived, last_attempt)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (identity) DO UPDATE SET url = excluded.url, location = excluded.location,
            web_url = coalesce(excluded.web_url, repositories.web_url), fork = excluded.fork,
            archived = excluded.archived, last_attempt = excluded.last_attempt",
        params![
            meta.identity,
            meta.url,
            meta.location,
            meta.web_url,
            meta.fork,
            meta.archived,
            attempt
        ],
    )?;
    Ok(())
}

fn upsert_finding(tx: &rusqlite::Transaction<'_>, finding: &Finding, store_secrets: bool) -> rusqlite::Result<()> {
    let mut stored = finding.clone();
    if !store_secrets {
        stored.redact();
    }
    let companions = serde_json::to_string(&stored.companions).unwrap_or_else(|_| "{}".into());
    let attributes = serde_json::to_string(&stored.attributes).unwrap_or_else(|_| "{}".into());
    tx.prepare_cached(
        "INSERT INTO findings (fingerprint, rule_id, rule_name, provider, severity, confidence, redacted, secret,
            companions, entropy, snippet, encoding, attributes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (fingerprint) DO UPDATE SET secret = coalesce(findings.secret, excluded.secret),
            companions = CASE WHEN findings.secret IS NULL AND excluded.secret IS NOT NULL
                              THEN excluded.companions ELSE findings.companions END",
    )?
    .execute(params![
        stored.fingerprint,
        stored.rule_id,
        stored.rule_name,
        stored.provider,
        stored.severity.as_str(),
        stored.confidence.as_str(),
        stored.redacted,
        stored.secret,
        companions,
        f64::from(stored.entropy),
        stored.snippet,
        stored.encoding,
        attributes,
    ])?;
    Ok(())
}

fn insert_occurrences(tx: &rusqlite::Transaction<'_>, repository: &str, finding: &Finding) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT OR IGNORE INTO occurrences (repository, fingerprint, commit_id, path, line, col, blob, author_name,
            author_email, date, summary, present_at_head)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let Some(git) = &finding.git else {
        return Ok(());
    };
    if git.all_occurrences.is_empty() {
        statement.execute(params![
            repository,
            finding.fingerprint,
            git.commit.clone().unwrap_or_default(),
            finding.path,
            finding.line as i64,
            finding.column as i64,
            git.blob,
            git.author_name.clone().unwrap_or_default(),
            git.author_email.clone().unwrap_or_default(),
            git.date.clone().unwrap_or_default(),
            git.summary.clone().unwrap_or_default(),
            git.present_at_head,
        ])?;
        return Ok(());
    }
    for occurrence in &git.all_occurrences {
        statement.execute(params![
            repository,
            finding.fingerprint,
            occurrence.commit,
            occurrence.path,
            occurrence.line as i64,
            occurrence.column as i64,
            occurrence.blob,
            occurrence.author_name,
            occurrence.author_email,
            occurrence.date,
            occurrence.summary,
            git.present_at_head,
        ])?;
    }
    Ok(())
}

fn insert_validation(
    tx: &rusqlite::Transaction<'_>,
    fingerprint: &str,
    validation: &crate::validate::Validation,
) -> rusqlite::Result<()> {
    let identity: &BTreeMap<String, String> = &validation.identity;
    let identity = serde_json::to_string(identity).unwrap_or_else(|_| "{}".into());
    tx.prepare_cached(
        "INSERT OR IGNORE INTO validations (fingerprint, checked_at, status, reason, identity)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        fingerprint,
        validation.checked_at,
        validation.status.as_str(),
        validation.reason,
        identity
    ])?;
    Ok(())
}
