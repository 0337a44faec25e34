//! The exposure report: which credentials are live, whose they are, and everywhere they
//! have leaked — the list a security team rotates from.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::runner::ValidationTotals;
use super::ValidationStatus;
use crate::finding::Finding;

/// Live credentials and the validation counts, carried in the scan summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Exposure {
    pub totals: ValidationTotals,
    /// Live credentials, most severe provider first.
    pub live: Vec<ExposedCredential>,
}

/// One live credential and where it occurs. Never holds the secret itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposedCredential {
    pub provider: String,
    pub rule_id: String,
    pub fingerprint: String,
    pub redacted: String,
    pub severity: crate::rules::Severity,
    pub identity: BTreeMap<String, String>,
    pub checked_at: String,
    /// Every path it was found at.
    pub paths: Vec<String>,
    /// Commits that introduced it (git scans).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<String>,
    /// Author date of the earliest and latest commit that introduced it (git scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    /// Still in the tree of HEAD (git scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
}

/// Builds the exposure report from validated findings.
pub fn build(findings: &[Finding], totals: ValidationTotals) -> Exposure {
    let mut by_fingerprint: BTreeMap<&str, ExposedCredential> = BTreeMap::new();
    let mut dates: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for finding in findings {
        let Some(validation) = finding
            .validation
            .as_ref()
            .filter(|v| v.status == ValidationStatus::Live)
        else {
            continue;
        };
        let entry = by_fingerprint
            .entry(finding.fingerprint.as_str())
            .or_insert_with(|| ExposedCredential {
                provider: finding.provider.clone(),
                rule_id: finding.rule_id.clone(),
                fingerprint: finding.fingerprint.clone(),
                redacted: finding.redacted.clone(),
                severity: finding.severity,
                identity: validation.identity.clone(),
                checked_at: validation.checked_at.clone(),
                paths: Vec::new(),
                commits: Vec::new(),
                first_seen: None,
                last_seen: None,
                present_at_head: None,
            });
        let seen = dates.entry(finding.fingerprint.as_str()).or_default();
        push_unique(&mut entry.paths, &finding.path);
        if let Some(git) = &finding.git {
            entry.present_at_head = Some(entry.present_at_head.unwrap_or(false) || git.present_at_head);
            if let Some(commit) = &git.commit {
                push_unique(&mut entry.commits, commit);
            }
            if let Some(date) = &git.date {
                seen.insert(date.clone());
            }
            for occurrence in &git.all_occurrences {
                push_unique(&mut entry.paths, &occurrence.path);
                push_unique(&mut entry.commits, &occurrence.commit);
                seen.insert(occurrence.date.clone());
            }
        }
    }
    let mut live: Vec<ExposedCredential> = by_fingerprint
        .into_iter()
        .map(|(fingerprint, mut entry)| {
            if let Some(seen) = dates.get(fingerprint) {
                entry.first_seen = seen.first().cloned();
                entry.last_seen = seen.last().cloned();
            }
            entry
        })
        .collect();
    live.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.provider.cmp(&b.provider))
            .then_with(|| a.paths.cmp(&b.paths))
    });
    Exposure { totals, live }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}
