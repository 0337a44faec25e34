//! The audit datastore: an embedded SQLite database that keeps what an organization-wide audit
//! learned (repositories, the blobs already read, credentials and every place they leaked,
//! issuer answers, people's triage decisions) so that the next audit costs only what changed
//! and reports can be produced at any time without scanning again.
//!
//! Each repository is written in one transaction: an audit killed at any moment leaves every
//! repository either fully recorded or not at all, and the next run redoes only the latter.

mod merge;
pub mod model;
mod query;
mod record;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::Finding;
use crate::rules::{Confidence, RuleSet};
use crate::source::git::KnownBlobs;

pub use merge::merge;
pub use query::ReportQuery;
pub use record::{RepositoryMeta, RepositoryScan};

/// Version of the schema in `schema.sql`; a datastore written by another version is refused
/// rather than misread.
pub const SCHEMA_VERSION: &str = "1";

/// Decisions `leakhound triage` records.
pub const TRIAGE_STATUSES: [&str; 3] = ["false-positive", "accepted", "revoked"];

/// What can go wrong with a datastore, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum DatastoreError {
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "{path}: datastore schema version {found} is not supported (this leakhound writes version {SCHEMA_VERSION})"
    )]
    Version { path: String, found: String },
    #[error("{path}: not a leakhound datastore")]
    Foreign { path: String },
    #[error("{0}: no datastore here (an audit creates it: leakhound audit --datastore PATH …)")]
    Missing(String),
    #[error("no finding with fingerprint {0} in the datastore")]
    UnknownFingerprint(String),
    #[error("fingerprint prefix {0} matches several findings; give more characters")]
    AmbiguousFingerprint(String),
    #[error("invalid triage status {0:?}: expected false-positive, accepted or revoked")]
    TriageStatus(String),
    #[error("cannot encode a record: {0}")]
    Encode(String),
}

/// What the last complete scan of a repository recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedState {
    pub ruleset: String,
    /// The commits its refs pointed at then.
    pub tips: Vec<gix::ObjectId>,
}

/// A stored raw secret and its companion values (`--store-secrets` only).
pub type StoredSecret = (String, BTreeMap<String, String>);

/// An open datastore.
pub struct Datastore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Datastore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datastore").field("path", &self.path).finish()
    }
}

impl Datastore {
    /// Opens the datastore at `path`, creating it (and its schema) when absent.
    pub fn open(path: &Path) -> Result<Datastore, DatastoreError> {
        let conn = Connection::open(path).map_err(|source| sqlite(path, source))?;
        let store = Datastore {
            conn,
            path: path.to_path_buf(),
        };
        store.prepare()?;
        Ok(store)
    }

    /// Opens an existing datastore; a missing file is an error, not a new store.
    pub fn open_existing(path: &Path) -> Result<Datastore, DatastoreError> {
        if !path.is_file() {
            return Err(DatastoreError::Missing(path.display().to_string()));
        }
        Datastore::open(path)
    }

    /// Opens an existing datastore without writing to it (reports): works on a read-only
    /// copy, such as a downloaded artifact.
    pub fn open_read_only(path: &Path) -> Result<Datastore, DatastoreError> {
        if !path.is_file() {
            return Err(DatastoreError::Missing(path.display().to_string()));
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| sqlite(path, source))?;
        let store = Datastore {
            conn,
            path: path.to_path_buf(),
        };
        let version: Option<String> = store
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(code, _)
                    if matches!(
                        code.code,
                        rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::Unknown
                    ) =>
                {
                    DatastoreError::Foreign {
                        path: path.display().to_string(),
                    }
                }
                other => store.foreign_or(other),
            })?;
        match version {
            Some(found) if found == SCHEMA_VERSION => Ok(store),
            Some(found) => Err(DatastoreError::Version {
                path: path.display().to_string(),
                found,
            }),
            None => Err(DatastoreError::Foreign {
                path: path.display().to_string(),
            }),
        }
    }

    fn prepare(&self) -> Result<(), DatastoreError> {
        let path = &self.path;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| sqlite(path, e))?;
        // WAL keeps readers (reports) working during an audit; NORMAL sync keeps the database
        // consistent on power loss, losing at most the last repository, which is redone.
        self.conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;")
            .map_err(|e| self.foreign_or(e))?;
        self.conn
            .execute_batch(include_str!("schema.sql"))
            .map_err(|e| self.foreign_or(e))?;
        let version: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| sqlite(path, e))?;
        match version {
            Some(found) if found != SCHEMA_VERSION => Err(DatastoreError::Version {
                path: path.display().to_string(),
                found,
            }),
            Some(_) => Ok(()),
            None => {
                self.conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('created_at', ?2)",
                        params![SCHEMA_VERSION, now()],
                    )
                    .map_err(|e| sqlite(path, e))?;
                Ok(())
            }
        }
    }

    fn foreign_or(&self, error: rusqlite::Error) -> DatastoreError {
        match error {
            rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::NotADatabase => {
                DatastoreError::Foreign {
                    path: self.path.display().to_string(),
                }
            }
            other => sqlite(&self.path, other),
        }
    }

    /// The file this datastore lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> DatastoreError {
        sqlite(&self.path, source)
    }

    /// Every blob already read with `ruleset`, and the findings of those that had any, so an
    /// audit scans each blob once across runs and across forks.
    pub fn known_blobs(&self, ruleset: &str, rules: &RuleSet) -> Result<KnownBlobs, DatastoreError> {
        let mut known = KnownBlobs::default();
        let mut statement = self
            .conn
            .prepare("SELECT oid FROM blobs WHERE ruleset = ?1")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([ruleset], |row| row.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        for oid in rows {
            let oid = oid.map_err(|e| self.err(e))?;
            if let Ok(id) = gix::ObjectId::try_from(oid.as_slice()) {
                known.scanned.insert(id);
            }
        }
        let mut statement = self
            .conn
            .prepare("SELECT oid, record FROM blob_findings WHERE ruleset = ?1 ORDER BY oid, seq")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([ruleset], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut unreadable = Vec::new();
        for row in rows {
            let (oid, record) = row.map_err(|e| self.err(e))?;
            let Ok(id) = gix::ObjectId::try_from(oid.as_slice()) else {
                continue;
            };
            match serde_json::from_str::<BlobFindingRecord>(&record)
                .ok()
                .and_then(|r| r.into_finding(rules))
            {
                Some(finding) => known.findings.entry(id).or_default().push(finding),
                None => unreadable.push(id),
            }
        }
        // A blob whose record cannot be read back is read again rather than taken as clean.
        for id in unreadable {
            known.scanned.remove(&id);
            known.findings.remove(&id);
        }
        Ok(known)
    }

    /// Drops what blobs read with other rulesets held: this version reads them again anyway,
    /// and the datastore stays the size of one ruleset.
    pub fn forget_other_rulesets(&mut self, ruleset: &str) -> Result<(), DatastoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        tx.execute("DELETE FROM blobs WHERE ruleset <> ?1", [ruleset])
            .map_err(|e| sqlite(&path, e))?;
        tx.execute("DELETE FROM blob_findings WHERE ruleset <> ?1", [ruleset])
            .map_err(|e| sqlite(&path, e))?;
        tx.commit().map_err(|e| sqlite(&path, e))
    }

    /// How a repository was last completely scanned, if ever: what the next audit compares
    /// against to skip it or to scan only its new commits.
    pub fn scanned_state(&self, identity: &str) -> Result<Option<ScannedState>, DatastoreError> {
        self.conn
            .query_row(
                "SELECT ruleset, tips FROM repositories
                 WHERE identity = ?1 AND tips IS NOT NULL AND ruleset IS NOT NULL AND error IS NULL",
                [identity],
                |row| {
                    let tips: Option<String> = row.get(1)?;
                    let tips: Vec<String> = tips.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
                    Ok(ScannedState {
                        ruleset: row.get(0)?,
                        tips: tips
                            .iter()
                            .filter_map(|t| gix::ObjectId::from_hex(t.as_bytes()).ok())
                            .collect(),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Stored secrets and companions by fingerprint (only present with `--store-secrets`), so a
    /// finding read back from a skipped blob can still be validated.
    pub fn stored_secrets(
        &self,
        fingerprints: &HashSet<String>,
    ) -> Result<HashMap<String, StoredSecret>, DatastoreError> {
        let mut out = HashMap::new();
        let mut statement = self
            .conn
            .prepare_cached("SELECT secret, companions FROM findings WHERE fingerprint = ?1 AND secret IS NOT NULL")
            .map_err(|e| self.err(e))?;
        for fingerprint in fingerprints {
            let row: Option<(String, String)> = statement
                .query_row([fingerprint], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some((secret, companions)) = row {
                let companions = serde_json::from_str(&companions).unwrap_or_default();
                out.insert(fingerprint.clone(), (secret, companions));
            }
        }
        Ok(out)
    }

    /// Every credential whose secret is stored, as findings a validator can check (the
    /// re-validation of an audit that found nothing new).
    pub fn stored_credentials(&self, rules: &RuleSet) -> Result<Vec<Finding>, DatastoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT fingerprint, rule_id, redacted, secret, companions, confidence FROM findings
                 WHERE secret IS NOT NULL ORDER BY fingerprint",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(BlobFindingRecord {
                    fingerprint: row.get(0)?,
                    rule_id: row.get(1)?,
                    redacted: row.get(2)?,
                    secret: row.get(3)?,
                    companions: serde_json::from_str(&row.get::<_, String>(4)?).unwrap_or_default(),
                    confidence: row.get(5)?,
                    ..BlobFindingRecord::default()
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            if let Some(finding) = row.map_err(|e| self.err(e))?.into_finding(rules) {
                out.push(finding);
            }
        }
        Ok(out)
    }

    /// Records a person's decision about a credential; `fingerprint` may be a unique prefix
    /// of at least 8 characters. Returns the full fingerprint.
    pub fn triage(&mut self, fingerprint: &str, status: &str, note: Option<&str>) -> Result<String, DatastoreError> {
        if !TRIAGE_STATUSES.contains(&status) {
            return Err(DatastoreError::TriageStatus(status.to_string()));
        }
        let wanted = fingerprint.trim().to_ascii_lowercase();
        if wanted.len() < 8 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DatastoreError::UnknownFingerprint(fingerprint.to_string()));
        }
        let matches: Vec<String> = {
            let mut statement = self
                .conn
                .prepare("SELECT fingerprint FROM findings WHERE fingerprint >= ?1 AND fingerprint < ?2 LIMIT 2")
                .map_err(|e| self.err(e))?;
            let upper = format!("{wanted}g");
            let rows = statement
                .query_map(params![wanted, upper], |row| row.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        let full = match matches.as_slice() {
            [] => return Err(DatastoreError::UnknownFingerprint(fingerprint.to_string())),
            [one] => one.clone(),
            _ => return Err(DatastoreError::AmbiguousFingerprint(fingerprint.to_string())),
        };
        self.conn
            .execute(
                "INSERT INTO triage (fingerprint, status, note, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, note = excluded.note,
                 updated_at = excluded.updated_at",
                params![full, status, note, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(full)
    }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> DatastoreError {
    DatastoreError::Sqlite {
        path: path.display().to_string(),
        source,
    }
}

/// The current time, RFC 3339 UTC.
pub fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::source::git::rfc3339(seconds)
}

/// Identifies what a blob's findings depend on: this leakhound's version, every rule as
/// loaded, and the size limit. Blobs read with another ruleset are read again.
pub fn ruleset_digest(rules: &RuleSet, max_blob_size: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"leakhound-ruleset-v1\0");
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(max_blob_size.to_le_bytes());
    for rule in &rules.rules {
        if let Ok(text) = serde_json::to_string(&rule.spec) {
            hasher.update(text.as_bytes());
        }
        hasher.update(b"\0");
    }
    hasher.finalize()[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// A stable shard number in `0..count` for a repository identity, so that N machines given
/// `--shard K/N` split an organization without overlap or gaps, on every run.
pub fn shard_of(identity: &str, count: u32) -> u32 {
    let digest = Sha256::digest(identity.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) % u64::from(count.max(1))) as u32
}

/// A blob-level finding as the datastore keeps it (JSON in `blob_findings.record`): enough to
/// rebuild the finding for attribution without reading the blob again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BlobFindingRecord {
    rule_id: String,
    fingerprint: String,
    #[serde(default)]
    line: usize,
    #[serde(default)]
    column: usize,
    #[serde(default)]
    end_line: usize,
    #[serde(default)]
    end_column: usize,
    /// Only with `--store-secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    redacted: String,
    #[serde(default)]
    entropy: f32,
    #[serde(default)]
    companions: BTreeMap<String, String>,
    #[serde(default)]
    snippet: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encoding: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    confidence: String,
    #[serde(default)]
    allow_deferred: u64,
}

impl BlobFindingRecord {
    /// The stored form of a finding; without `store_secrets` it holds only redacted values.
    fn from_finding(finding: &Finding, store_secrets: bool) -> BlobFindingRecord {
        let mut finding = finding.clone();
        if !store_secrets {
            finding.redact();
        }
        BlobFindingRecord {
            rule_id: finding.rule_id,
            fingerprint: finding.fingerprint,
            line: finding.line,
            column: finding.column,
            end_line: finding.end_line,
            end_column: finding.end_column,
            secret: finding.secret,
            redacted: finding.redacted,
            entropy: finding.entropy,
            companions: finding.companions,
            snippet: finding.snippet,
            encoding: finding.encoding,
            attributes: finding.attributes,
            confidence: finding.confidence.as_str().to_string(),
            allow_deferred: finding.allow_deferred,
        }
    }

    /// The finding again, named and rated by its rule; `None` when the rule is gone.
    fn into_finding(self, rules: &RuleSet) -> Option<Finding> {
        let rule = rules.get(&self.rule_id)?;
        let confidence: Confidence =
            serde_json::from_value(serde_json::Value::String(self.confidence)).unwrap_or(rule.spec.confidence);
        Some(Finding {
            rule_id: self.rule_id,
            rule_name: rule.spec.name.clone(),
            provider: rule.spec.provider.clone(),
            severity: rule.spec.severity,
            confidence,
            path: String::new(),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            secret: self.secret,
            redacted: self.redacted,
            fingerprint: self.fingerprint,
            entropy: self.entropy,
            companions: self.companions,
            snippet: self.snippet,
            snippet_sensitive: Vec::new(),
            encoding: self.encoding,
            attributes: self.attributes,
            git: None,
            validation: None,
            allow_deferred: self.allow_deferred,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_cover_every_number() {
        let mut seen = [0u32; 3];
        for n in 0..300 {
            let identity = format!("github.com/org/repo-{n}");
            let shard = shard_of(&identity, 3);
            assert_eq!(shard, shard_of(&identity, 3));
            seen[shard as usize] += 1;
        }
        assert!(seen.iter().all(|&count| count > 60), "{seen:?}");
    }

    #[test]
    fn a_datastore_of_another_schema_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.db");
        {
            let store = Datastore::open(&path).expect("create");
            store
                .conn
                .execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'", [])
                .expect("update");
        }
        let error = Datastore::open(&path).expect_err("refused");
        assert!(error.to_string().contains("schema version 99"), "{error}");
    }

    #[test]
    fn a_blob_whose_record_cannot_be_read_back_is_scanned_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Datastore::open(&dir.path().join("x.db")).expect("create");
        let rules = crate::rules::load_ruleset_adjusted(&[], |_| {}).expect("rules");
        let clean = [1u8; 20];
        let damaged = [2u8; 20];
        for oid in [clean, damaged] {
            store
                .conn
                .execute(
                    "INSERT INTO blobs (oid, ruleset, findings) VALUES (?1, 'r', 1)",
                    [&oid[..]],
                )
                .expect("insert");
        }
        store
            .conn
            .execute(
                "INSERT INTO blob_findings (oid, ruleset, seq, record) VALUES (?1, 'r', 0, '{not json')",
                [&damaged[..]],
            )
            .expect("insert");
        let known = store.known_blobs("r", &rules).expect("known");
        let id = |bytes: [u8; 20]| gix::ObjectId::try_from(&bytes[..]).expect("id");
        assert!(known.scanned.contains(&id(clean)));
        assert!(!known.scanned.contains(&id(damaged)), "read again, not taken as clean");
    }

    #[test]
    fn a_file_that_is_not_a_database_is_named_as_such() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.db");
        std::fs::write(&path, vec![b'x'; 4096]).expect("write");
        let error = Datastore::open(&path).expect_err("refused");
        assert!(error.to_string().contains("not a leakhound datastore"), "{error}");
    }
}
