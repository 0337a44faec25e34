//! The human form of an audit report: what a security lead reads in a terminal. Live
//! credentials first, then providers, repositories and every credential with its places.

use std::io::{self, Write};

use crate::datastore::model::{AuditReport, ReportFinding};

/// Occurrences listed per credential before the rest are counted.
const MAX_OCCURRENCES_SHOWN: usize = 5;

/// Writes the report as text.
pub fn write(out: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
    let t = &report.totals;
    writeln!(
        out,
        "leakhound exposure report ({}; {})",
        report.datastore, report.generated_at
    )?;
    writeln!(
        out,
        "{} repositories ({} failed), {} blobs scanned; {} credentials in {} places: {} LIVE, {} revoked, {} unknown, {} not validated",
        t.repositories, t.repositories_failed, t.blobs_scanned, t.findings, t.occurrences, t.live, t.revoked, t.unknown, t.unvalidated
    )?;
    if t.triaged_false_positive + t.triaged_accepted + t.triaged_revoked > 0 {
        writeln!(
            out,
            "triaged: {} false positives and {} accepted (hidden), {} revoked",
            t.triaged_false_positive, t.triaged_accepted, t.triaged_revoked
        )?;
    }
    let live: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.validation.as_ref().is_some_and(|v| v.status == "live"))
        .collect();
    writeln!(out)?;
    writeln!(out, "LIVE CREDENTIALS")?;
    if live.is_empty() {
        writeln!(out, "  none")?;
    }
    for finding in &live {
        let identity = finding
            .validation
            .as_ref()
            .map(|v| {
                v.identity
                    .iter()
                    .map(|(k, v)| safe(&format!("{k}={v}")))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {} {} [{}] in {} ({} places, first {})",
            finding.provider,
            finding.rule_id,
            shown_secret(finding),
            identity,
            safe(&finding.repositories.join(", ")),
            finding.occurrences.len(),
            finding.first_seen.as_deref().unwrap_or("?")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "BY PROVIDER")?;
    for row in &report.providers {
        writeln!(
            out,
            "  {:<24} {:>5} credentials {:>4} live {:>4} repositories",
            row.provider, row.findings, row.live, row.repositories
        )?;
    }
    writeln!(out)?;
    writeln!(out, "BY REPOSITORY")?;
    for row in &report.repositories {
        let state = match &row.error {
            Some(error) => format!("  FAILED: {}", safe(error)),
            None => String::new(),
        };
        writeln!(
            out,
            "  {:<48} {:>5} credentials {:>4} live {:>7} commits{state}",
            safe(&row.identity),
            row.findings,
            row.live,
            row.commits
        )?;
    }
    if !report.timeline.is_empty() {
        writeln!(out)?;
        writeln!(out, "INTRODUCED PER MONTH")?;
        for bucket in &report.timeline {
            writeln!(
                out,
                "  {} {:>5} ({} live)",
                bucket.month, bucket.introduced, bucket.live
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "CREDENTIALS")?;
    for finding in &report.findings {
        let status = finding
            .validation
            .as_ref()
            .map_or("not validated", |v| v.status.as_str());
        let triage = finding
            .triage
            .as_ref()
            .map(|t| {
                format!(
                    " triage={}{}",
                    t.status,
                    t.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {} {} [{}]{}{} fingerprint {}",
            finding.severity,
            finding.rule_id,
            shown_secret(finding),
            status,
            if finding.present_at_head {
                " [still at HEAD]"
            } else {
                ""
            },
            triage,
            finding.fingerprint
        )?;
        for occurrence in finding.occurrences.iter().take(MAX_OCCURRENCES_SHOWN) {
            let commit: String = occurrence.commit.chars().take(12).collect();
            writeln!(
                out,
                "      {} {}:{} {} {} {}",
                occurrence.repository,
                occurrence.path,
                occurrence.line,
                if commit.is_empty() {
                    "(unreachable)"
                } else {
                    commit.as_str()
                },
                occurrence.date,
                occurrence.author_email
            )?;
        }
        if finding.occurrences.len() > MAX_OCCURRENCES_SHOWN {
            writeln!(
                out,
                "      … and {} more places",
                finding.occurrences.len() - MAX_OCCURRENCES_SHOWN
            )?;
        }
    }
    out.flush()
}

fn shown_secret(finding: &ReportFinding) -> String {
    safe(finding.secret.as_deref().unwrap_or(&finding.redacted))
}

/// Text from scanned repositories (paths, names, notes) without control characters, so that
/// a crafted file name cannot drive the terminal.
fn safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_repositories_never_reach_the_terminal() {
        assert_eq!(safe("a\u{1b}[31mb\nc"), "a?[31mb?c");
    }
}
