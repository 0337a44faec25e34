//! `leakhound datastore merge`: combines the datastores of shards (or of several runs) into
//! one, without duplicates. Repositories are keyed by identity, blobs by (id, ruleset),
//! credentials by fingerprint; where two datastores scanned the same repository, the newer scan
//! wins with all its occurrences.

use std::path::{Path, PathBuf};

use super::{sqlite, Datastore, DatastoreError};

/// What a merge combined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    pub inputs: usize,
    pub repositories: u64,
    pub findings: u64,
    pub occurrences: u64,
}

/// Merges `inputs` into `output` (created when absent; an existing datastore is merged into).
pub fn merge(inputs: &[PathBuf], output: &Path) -> Result<MergeSummary, DatastoreError> {
    let mut target = Datastore::open(output)?;
    let output_canonical = std::fs::canonicalize(output).ok();
    for input in inputs {
        if std::fs::canonicalize(input).ok() == output_canonical {
            return Err(sqlite(
                input,
                rusqlite::Error::InvalidParameterName("an input cannot also be the output".into()),
            ));
        }
        // Opening checks that the input is a datastore of this schema version.
        drop(Datastore::open_existing(input)?);
        merge_one(&mut target, input)?;
    }
    let count = |sql: &str| target.count(sql);
    Ok(MergeSummary {
        inputs: inputs.len(),
        repositories: count("SELECT count(*) FROM repositories")?,
        findings: count("SELECT count(DISTINCT fingerprint) FROM occurrences")?,
        occurrences: count("SELECT count(*) FROM occurrences")?,
    })
}

const MERGE_SQL: &str = "
    CREATE TEMP TABLE IF NOT EXISTS winners (identity TEXT PRIMARY KEY);
    DELETE FROM winners;
    INSERT INTO winners
        SELECT s.identity FROM src.repositories s LEFT JOIN main.repositories m ON m.identity = s.identity
        WHERE m.identity IS NULL
           OR coalesce(s.last_scanned, '') > coalesce(m.last_scanned, '')
           OR (coalesce(s.last_scanned, '') = coalesce(m.last_scanned, '')
               AND coalesce(s.last_attempt, '') > coalesce(m.last_attempt, ''));
    INSERT OR REPLACE INTO main.repositories SELECT * FROM src.repositories WHERE identity IN (SELECT identity FROM winners);
    DELETE FROM main.occurrences WHERE repository IN (SELECT identity FROM winners)
        AND repository IN (SELECT identity FROM src.repositories WHERE last_scanned IS NOT NULL);
    INSERT OR IGNORE INTO main.occurrences SELECT * FROM src.occurrences WHERE repository IN (SELECT identity FROM winners);
    INSERT OR IGNORE INTO main.blobs SELECT * FROM src.blobs;
    INSERT OR IGNORE INTO main.blob_findings SELECT * FROM src.blob_findings;
    INSERT INTO main.findings SELECT * FROM src.findings WHERE true
        ON CONFLICT (fingerprint) DO UPDATE SET secret = coalesce(findings.secret, excluded.secret),
            companions = CASE WHEN findings.secret IS NULL AND excluded.secret IS NOT NULL
                              THEN excluded.companions ELSE findings.companions END;
    INSERT OR IGNORE INTO main.validations SELECT * FROM src.validations;
    INSERT INTO main.triage SELECT * FROM src.triage WHERE true
        ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, note = excluded.note,
            updated_at = excluded.updated_at
        WHERE excluded.updated_at > triage.updated_at;
";

fn merge_one(target: &mut Datastore, input: &Path) -> Result<(), DatastoreError> {
    let err = |e| sqlite(input, e);
    let name = input.to_string_lossy().into_owned();
    target.conn.execute("ATTACH DATABASE ?1 AS src", [&name]).map_err(err)?;
    let outcome = (|| {
        let tx = target.conn.transaction()?;
        tx.execute_batch(MERGE_SQL)?;
        tx.commit()
    })();
    let detached = target.conn.execute("DETACH DATABASE src", []);
    outcome.map_err(err)?;
    detached.map_err(err)?;
    Ok(())
}
