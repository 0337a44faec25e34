//! The finding: what every source produces and every report consumes.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::location::LineIndex;
use crate::engine::RawMatch;
use crate::rules::{Confidence, RuleSet, Severity};

/// Longest snippet kept around a secret, in bytes either side; keeps minified files readable.
const SNIPPET_CONTEXT: usize = 80;

/// One detected credential at one place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Where the bytes came from: a path, or `-` for standard input.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The credential; `None` once redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A form safe to show: the first characters, then asterisks.
    pub redacted: String,
    /// Hash of rule id and secret: identifies the credential across places and runs.
    pub fingerprint: String,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f32,
    /// Values that belong with the secret (e.g. an AWS key id), by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub companions: BTreeMap<String, String>,
    /// The line holding the secret (clipped around it on long lines).
    pub snippet: String,
    /// Byte ranges of the secret and companion values inside `snippet`, so redaction hides
    /// exactly them and nothing else.
    #[serde(skip)]
    pub snippet_sensitive: Vec<Range<usize>>,
    /// How the secret was encoded where it was found (`base64`, `percent`, `escape`, nested
    /// as `base64>percent`); absent when it was in plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Facts derived offline from the secret itself (e.g. the AWS account id a key id encodes).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// Where in git history the secret came from (git scans only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<GitInfo>,
    /// What the issuer said when asked (`--validate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<crate::validate::Validation>,
    /// Allowlists whose decision waits for the path and commit a git scan attributes later
    /// (see `RawMatch::allow_deferred`).
    #[serde(skip)]
    pub allow_deferred: u64,
}

/// The history of a secret found in a git repository: who introduced it, where, and whether
/// it is still there.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct GitInfo {
    /// The commit that first introduced it (`None` for staged content and unreachable blobs).
    pub commit: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    /// Author date, RFC 3339 in UTC.
    pub date: Option<String>,
    /// First line of the commit message.
    pub summary: Option<String>,
    /// The blob that holds it at the first occurrence.
    pub blob: String,
    /// Still in the tree of HEAD.
    pub present_at_head: bool,
    /// Number of (commit, path) places that introduced it.
    pub occurrences: usize,
    /// Every occurrence, oldest first (with `--all-occurrences`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_occurrences: Vec<Occurrence>,
    /// In a blob that no scanned ref reaches (dangling content is still leaked content).
    pub unreachable: bool,
    /// Staged in the index, not yet committed.
    pub staged: bool,
}

/// One (commit, path) place that introduced a secret.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Occurrence {
    pub commit: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub blob: String,
    pub author_name: String,
    pub author_email: String,
    pub date: String,
    pub summary: String,
}

impl Finding {
    /// Replaces the secret and every companion value with their redacted forms, everywhere
    /// they appear (including the snippet).
    pub fn redact(&mut self) {
        self.secret = None;
        for value in self.companions.values_mut() {
            *value = redact(value);
        }
        let mut spans = std::mem::take(&mut self.snippet_sensitive);
        spans.sort_by_key(|r| std::cmp::Reverse(r.start));
        for span in spans {
            if let Some(text) = self.snippet.get(span.clone()) {
                let hidden = redact(text);
                self.snippet.replace_range(span, &hidden);
            }
        }
    }

    /// Orders findings by place, then rule, for stable reports.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.path, self.line, self.column, &self.rule_id)
    }
}

/// The redacted form of a secret: up to four leading characters (a quarter of its length at
/// most), then eight asterisks, so reports identify the kind without revealing the value.
pub fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let visible = (chars / 4).min(4);
    let mut out: String = secret.chars().take(visible).collect();
    out.push_str("********");
    out
}

/// The content fingerprint of a secret for a rule: a domain-separated SHA-256 of the rule id
/// and the secret, truncated to 128 bits. It never contains the secret itself.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"leakhound-fingerprint-v1\0");
    hasher.update(rule_id.as_bytes());
    hasher.update(b"\0");
    hasher.update(secret);
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns engine matches on `haystack` into findings located at `path`.
pub fn build_findings(rules: &RuleSet, path: &str, haystack: &[u8], matches: &[RawMatch]) -> Vec<Finding> {
    let mut index = LineIndex::new(haystack);
    let mut out = Vec::with_capacity(matches.len());
    for m in matches {
        let rule = &rules.rules[m.rule];
        let start = index.position(m.secret.start);
        let end = index.position(m.secret.end);
        let secret_bytes = &haystack[m.secret.clone()];
        let secret = String::from_utf8_lossy(secret_bytes).into_owned();
        let (line_start, line) = index.line_bytes(m.secret.start);
        // Every other secret found in this blob is sensitive in this snippet too: a redacted
        // report must not show the neighbour on the same line in full.
        let sensitive: Vec<Range<usize>> = std::iter::once(m.secret.clone())
            .chain(m.companions.iter().map(|(_, r)| r.clone()))
            .chain(
                matches
                    .iter()
                    .filter(|other| other.secret != m.secret)
                    .flat_map(|other| {
                        std::iter::once(other.secret.clone()).chain(other.companions.iter().map(|(_, r)| r.clone()))
                    })
                    .filter(|r| r.end > line_start && r.start < line_start + line.len()),
            )
            .collect();
        let (snippet, snippet_sensitive) = snippet(line, line_start, m.secret.start, &sensitive);
        let companions = m
            .companions
            .iter()
            .map(|(name, range)| {
                (
                    name.clone(),
                    String::from_utf8_lossy(&haystack[range.clone()]).into_owned(),
                )
            })
            .collect();
        out.push(Finding {
            rule_id: rule.spec.id.clone(),
            rule_name: rule.spec.name.clone(),
            provider: rule.spec.provider.clone(),
            severity: rule.spec.severity,
            confidence: m.confidence.unwrap_or(rule.spec.confidence),
            path: path.to_string(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            redacted: redact(&secret),
            fingerprint: fingerprint(&rule.spec.id, secret_bytes),
            entropy: (m.entropy * 100.0).round() / 100.0,
            secret: Some(secret),
            companions,
            snippet,
            snippet_sensitive,
            encoding: None,
            attributes: crate::engine::checksum::attributes(rule.spec.checksum, secret_bytes),
            git: None,
            allow_deferred: m.allow_deferred,
            validation: None,
        });
    }
    out
}

/// The line around a secret, clipped to [`SNIPPET_CONTEXT`] bytes either side and trimmed,
/// with the byte ranges (inside the returned text) of every sensitive value on it.
fn snippet(
    line: &[u8],
    line_start: usize,
    secret_start: usize,
    sensitive: &[Range<usize>],
) -> (String, Vec<Range<usize>>) {
    let local = secret_start - line_start;
    let mut start = floor_char_boundary(line, local.saturating_sub(SNIPPET_CONTEXT));
    let mut end = local.saturating_add(SNIPPET_CONTEXT).min(line.len());
    // Extend the end over the secret itself when it is long (a PEM block's first line).
    if let Some(secret) = sensitive.first() {
        end = end.max((secret.end.saturating_sub(line_start)).min(line.len()));
    }
    while start < local && line[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && line[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    let mut spans: Vec<Range<usize>> = sensitive
        .iter()
        .filter_map(|r| {
            let s = r.start.saturating_sub(line_start).max(start);
            let e = r.end.saturating_sub(line_start).min(end);
            (r.start < line_start + end && r.end > line_start + start && s < e).then_some(s..e)
        })
        .collect();
    spans.sort_by_key(|r| r.start);
    // Overlapping values (a companion inside a URL secret) are hidden as one span.
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let spans = merged;
    let mut text = String::new();
    let mut out_spans = Vec::with_capacity(spans.len());
    let mut at = start;
    for span in spans {
        if span.start < at {
            continue;
        }
        text.push_str(&String::from_utf8_lossy(&line[at..span.start]));
        let begin = text.len();
        text.push_str(&String::from_utf8_lossy(&line[span.clone()]));
        out_spans.push(begin..text.len());
        at = span.end;
    }
    text.push_str(&String::from_utf8_lossy(&line[at..end]));
    (text, out_spans)
}

/// Moves `at` back to the start of a UTF-8 character so a clipped snippet starts cleanly.
fn floor_char_boundary(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && at < bytes.len() && (bytes[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("github-pat-classic", b"ghp_abc");
        assert_eq!(a, fingerprint("github-pat-classic", b"ghp_abc"));
        assert_ne!(a, fingerprint("github-pat-classic", b"ghp_abd"));
        assert_ne!(a, fingerprint("npm-access-token", b"ghp_abc"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("abc"));
    }

    #[test]
    fn redaction_hides_exactly_the_sensitive_spans_of_the_snippet() {
        let line = b"  url = \"postgres://app:Hq7Lm2Xp9Rt4@db/app\"  ";
        let text = std::str::from_utf8(line).unwrap();
        let secret = text.find("Hq7").unwrap();
        let user = text.find("app:").unwrap();
        let (snippet, spans) = snippet(line, 0, secret, &[secret..secret + 12, user..user + 3]);
        assert_eq!(snippet, "url = \"postgres://app:Hq7Lm2Xp9Rt4@db/app\"");
        let mut finding = Finding {
            rule_id: "r".into(),
            rule_name: "n".into(),
            provider: "p".into(),
            severity: crate::rules::Severity::High,
            confidence: crate::rules::Confidence::High,
            path: "f".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            secret: Some("Hq7Lm2Xp9Rt4".into()),
            redacted: redact("Hq7Lm2Xp9Rt4"),
            fingerprint: String::new(),
            entropy: 0.0,
            companions: [("username".to_string(), "app".to_string())].into_iter().collect(),
            snippet,
            snippet_sensitive: spans,
            encoding: None,
            attributes: BTreeMap::new(),
            git: None,
            allow_deferred: 0,
            validation: None,
        };
        finding.redact();
        assert_eq!(finding.snippet, "url = \"postgres://********:Hq7********@db/app\"");
        assert_eq!(finding.secret, None);
        assert_eq!(finding.companions["username"], "********");
    }

    #[test]
    fn redaction_keeps_a_short_prefix() {
        assert_eq!(redact("ghp_Q2m7Rk9Lx4Vn8Pz1"), "ghp_********");
        assert_eq!(redact("hunter"), "h********");
        assert_eq!(redact("ab"), "********");
    }
}
