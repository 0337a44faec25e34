//! Reading a datastore back as an exposure report: live credentials first, per provider, per
//! repository, over time, each credential with every place it leaked.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{
    AuditReport, OccurrenceRow, ProviderRow, ReportFinding, RepositoryRow, TimelineBucket, Totals, TriageRow,
    ValidationRow,
};
use super::{now, Datastore, DatastoreError};

/// What a report includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportQuery {
    /// Also list credentials triaged as false positives or accepted (hidden by default).
    pub include_triaged: bool,
    /// Only credentials the issuer last called live.
    pub only_live: bool,
    /// Show stored raw secrets (only present with `--store-secrets`).
    pub show_secrets: bool,
}

/// The order of validation states in reports: what needs action first.
fn status_rank(validation: Option<&ValidationRow>) -> u8 {
    match validation.map(|v| v.status.as_str()) {
        Some("live") => 0,
        Some("unknown") => 1,
        None => 2,
        _ => 3,
    }
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

impl Datastore {
    /// Builds the exposure report of everything the datastore holds.
    pub fn report(&self, query: ReportQuery) -> Result<AuditReport, DatastoreError> {
        let mut report = AuditReport {
            generated_at: now(),
            datastore: self.path.display().to_string(),
            ..AuditReport::default()
        };
        let (repositories, web_urls) = self.repositories()?;
        let validations = self.latest_validations()?;
        let triage = self.triage_rows()?;
        let (mut occurrences, at_head) = self.occurrence_rows(&web_urls)?;
        let mut findings = Vec::new();
        let mut totals = Totals {
            repositories: repositories.len() as u64,
            repositories_failed: repositories.iter().filter(|r| r.error.is_some()).count() as u64,
            blobs_scanned: self.count("SELECT count(DISTINCT oid) FROM blobs")?,
            ..Totals::default()
        };
        let mut statement = self
            .conn
            .prepare(
                "SELECT fingerprint, rule_id, rule_name, provider, severity, confidence, redacted, secret
                 FROM findings ORDER BY fingerprint",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, Option<String>>(7)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (fingerprint, rule_id, rule_name, provider, severity, confidence, redacted, secret) =
                row.map_err(|e| self.err(e))?;
            let Some(places) = occurrences.remove(&fingerprint) else {
                continue;
            };
            let triage = triage.get(&fingerprint).cloned();
            let hidden = triage
                .as_ref()
                .is_some_and(|t| t.status == "false-positive" || t.status == "accepted");
            match triage.as_ref().map(|t| t.status.as_str()) {
                Some("false-positive") => totals.triaged_false_positive += 1,
                Some("accepted") => totals.triaged_accepted += 1,
                Some("revoked") => totals.triaged_revoked += 1,
                _ => {}
            }
            if hidden && !query.include_triaged {
                continue;
            }
            let validation = validations.get(&fingerprint).cloned();
            if query.only_live && status_rank(validation.as_ref()) != 0 {
                continue;
            }
            let dates: Vec<&str> = places
                .iter()
                .map(|o| o.date.as_str())
                .filter(|d| !d.is_empty())
                .collect();
            let repositories: BTreeSet<String> = places.iter().map(|o| o.repository.clone()).collect();
            let present_at_head = at_head.contains(&fingerprint);
            findings.push(ReportFinding {
                fingerprint,
                rule_id,
                rule_name,
                provider,
                severity,
                confidence,
                redacted,
                secret: secret.filter(|_| query.show_secrets),
                validation,
                triage,
                present_at_head,
                first_seen: dates.iter().min().map(|d| d.to_string()),
                last_seen: dates.iter().max().map(|d| d.to_string()),
                repositories: repositories.into_iter().collect(),
                occurrences: places,
            });
        }
        findings.sort_by(|a, b| {
            (
                status_rank(a.validation.as_ref()),
                severity_rank(&a.severity),
                &a.first_seen,
                &a.fingerprint,
            )
                .cmp(&(
                    status_rank(b.validation.as_ref()),
                    severity_rank(&b.severity),
                    &b.first_seen,
                    &b.fingerprint,
                ))
        });
        for finding in &findings {
            totals.findings += 1;
            totals.occurrences += finding.occurrences.len() as u64;
            match finding.validation.as_ref().map(|v| v.status.as_str()) {
                Some("live") => totals.live += 1,
                Some("revoked") => totals.revoked += 1,
                Some(_) => totals.unknown += 1,
                None => totals.unvalidated += 1,
            }
        }
        report.providers = providers(&findings);
        report.repositories = repository_rows(repositories, &findings);
        report.timeline = timeline(&findings);
        report.totals = totals;
        report.findings = findings;
        Ok(report)
    }

    pub(super) fn count(&self, sql: &str) -> Result<u64, DatastoreError> {
        self.conn
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// Every repository, and the web address of those that have one (for links).
    #[allow(clippy::type_complexity)]
    fn repositories(&self) -> Result<(Vec<RepositoryRow>, HashMap<String, Option<String>>), DatastoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT identity, coalesce(web_url, url), commits, last_scanned, error, web_url
                 FROM repositories ORDER BY identity",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    RepositoryRow {
                        identity: row.get(0)?,
                        url: row.get(1)?,
                        findings: 0,
                        live: 0,
                        commits: row.get::<_, i64>(2)?.max(0) as u64,
                        last_scanned: row.get(3)?,
                        error: row.get(4)?,
                    },
                    row.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut repositories = Vec::new();
        let mut web_urls = HashMap::new();
        for row in rows {
            let (repository, web) = row.map_err(|e| self.err(e))?;
            web_urls.insert(repository.identity.clone(), web);
            repositories.push(repository);
        }
        Ok((repositories, web_urls))
    }

    /// The latest issuer answer per credential.
    fn latest_validations(&self) -> Result<HashMap<String, ValidationRow>, DatastoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT fingerprint, status, checked_at, reason, identity FROM validations ORDER BY checked_at")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                let identity: BTreeMap<String, String> =
                    serde_json::from_str(&row.get::<_, String>(4)?).unwrap_or_default();
                Ok((
                    row.get::<_, String>(0)?,
                    ValidationRow {
                        status: row.get(1)?,
                        checked_at: row.get(2)?,
                        reason: row.get(3)?,
                        identity: identity.into_iter().collect(),
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for row in rows {
            let (fingerprint, validation) = row.map_err(|e| self.err(e))?;
            out.insert(fingerprint, validation);
        }
        Ok(out)
    }

    fn triage_rows(&self) -> Result<HashMap<String, TriageRow>, DatastoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT fingerprint, status, note, updated_at FROM triage")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    TriageRow {
                        status: row.get(1)?,
                        note: row.get(2)?,
                        updated_at: row.get(3)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every occurrence by fingerprint, oldest first, and the fingerprints still at HEAD
    /// somewhere.
    #[allow(clippy::type_complexity)]
    fn occurrence_rows(
        &self,
        web_urls: &HashMap<String, Option<String>>,
    ) -> Result<(HashMap<String, Vec<OccurrenceRow>>, std::collections::HashSet<String>), DatastoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT fingerprint, repository, commit_id, path, line, col, blob, author_name, author_email, date, summary,
                    present_at_head
                 FROM occurrences ORDER BY fingerprint, date, repository, commit_id, path",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    OccurrenceRow {
                        repository: row.get(1)?,
                        commit: row.get(2)?,
                        path: row.get(3)?,
                        line: row.get::<_, i64>(4)?.max(0) as u64,
                        column: row.get::<_, i64>(5)?.max(0) as u64,
                        blob: row.get(6)?,
                        author_name: row.get(7)?,
                        author_email: row.get(8)?,
                        date: row.get(9)?,
                        summary: row.get(10)?,
                        link: None,
                    },
                    row.get::<_, bool>(11)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out: HashMap<String, Vec<OccurrenceRow>> = HashMap::new();
        let mut at_head = std::collections::HashSet::new();
        for row in rows {
            let (fingerprint, mut occurrence, present) = row.map_err(|e| self.err(e))?;
            if present {
                at_head.insert(fingerprint.clone());
            }
            if let Some(Some(web)) = web_urls.get(&occurrence.repository) {
                occurrence.link = line_link(web, &occurrence);
            }
            out.entry(fingerprint).or_default().push(occurrence);
        }
        Ok((out, at_head))
    }
}

/// A link to the line on a GitHub-style web interface.
fn line_link(web_url: &str, occurrence: &OccurrenceRow) -> Option<String> {
    if !web_url.starts_with("https://") || occurrence.commit.is_empty() {
        return None;
    }
    let path: String = occurrence
        .path
        .split('/')
        .map(crate::validate::template::percent_encode)
        .collect::<Vec<_>>()
        .join("/");
    Some(format!(
        "{}/blob/{}/{}#L{}",
        web_url.trim_end_matches('/'),
        occurrence.commit,
        path,
        occurrence.line
    ))
}

fn is_live(finding: &ReportFinding) -> bool {
    status_rank(finding.validation.as_ref()) == 0
}

fn providers(findings: &[ReportFinding]) -> Vec<ProviderRow> {
    let mut by_provider: BTreeMap<&str, (u64, u64, BTreeSet<&str>)> = BTreeMap::new();
    for finding in findings {
        let entry = by_provider.entry(&finding.provider).or_default();
        entry.0 += 1;
        entry.1 += u64::from(is_live(finding));
        entry.2.extend(finding.repositories.iter().map(String::as_str));
    }
    let mut rows: Vec<ProviderRow> = by_provider
        .into_iter()
        .map(|(provider, (findings, live, repositories))| ProviderRow {
            provider: provider.to_string(),
            findings,
            live,
            repositories: repositories.len() as u64,
        })
        .collect();
    rows.sort_by(|a, b| (b.live, b.findings, &a.provider).cmp(&(a.live, a.findings, &b.provider)));
    rows
}

fn repository_rows(mut repositories: Vec<RepositoryRow>, findings: &[ReportFinding]) -> Vec<RepositoryRow> {
    let mut counts: HashMap<&str, (u64, u64)> = HashMap::new();
    for finding in findings {
        for repository in &finding.repositories {
            let entry = counts.entry(repository.as_str()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(is_live(finding));
        }
    }
    for row in &mut repositories {
        if let Some((findings, live)) = counts.get(row.identity.as_str()) {
            row.findings = *findings;
            row.live = *live;
        }
    }
    repositories.sort_by(|a, b| (b.live, b.findings, &a.identity).cmp(&(a.live, a.findings, &b.identity)));
    repositories
}

fn timeline(findings: &[ReportFinding]) -> Vec<TimelineBucket> {
    let mut months: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for finding in findings {
        let Some(first) = finding.first_seen.as_deref() else {
            continue;
        };
        let Some(month) = first.get(..7) else { continue };
        let entry = months.entry(month.to_string()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(is_live(finding));
    }
    months
        .into_iter()
        .map(|(month, (introduced, live))| TimelineBucket {
            month,
            introduced,
            live,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_percent_encode_paths_and_need_https_and_a_commit() {
        let mut occurrence = OccurrenceRow {
            repository: "r".into(),
            commit: "abc".into(),
            path: "dir/a b#.env".into(),
            line: 3,
            column: 1,
            blob: String::new(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
            link: None,
        };
        assert_eq!(
            line_link("https://github.com/o/r", &occurrence).as_deref(),
            Some("https://github.com/o/r/blob/abc/dir/a%20b%23.env#L3")
        );
        assert_eq!(line_link("javascript:alert(1)", &occurrence), None);
        occurrence.commit.clear();
        assert_eq!(line_link("https://github.com/o/r", &occurrence), None);
    }
}
