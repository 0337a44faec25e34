//! The finding: what every source produces and every report consumes.

use std::collections::BTreeMap;

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
}

impl Finding {
    /// Replaces the secret and every companion value with their redacted forms, everywhere
    /// they appear (including the snippet).
    pub fn redact(&mut self) {
        if let Some(secret) = self.secret.take() {
            self.snippet = self.snippet.replace(&secret, &self.redacted);
        }
        for value in self.companions.values_mut() {
            let hidden = redact(value);
            self.snippet = self.snippet.replace(value.as_str(), &hidden);
            *value = hidden;
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
        let local = m.secret.start - line_start;
        let clip_start = floor_char_boundary(line, local.saturating_sub(SNIPPET_CONTEXT));
        let clip_end = (local + secret_bytes.len() + SNIPPET_CONTEXT).min(line.len());
        let snippet = String::from_utf8_lossy(&line[clip_start..clip_end.max(clip_start)])
            .trim()
            .to_string();
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
            confidence: rule.spec.confidence,
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
        });
    }
    out
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
    fn redaction_keeps_a_short_prefix() {
        assert_eq!(redact("ghp_Q2m7Rk9Lx4Vn8Pz1"), "ghp_********");
        assert_eq!(redact("hunter"), "h********");
        assert_eq!(redact("ab"), "********");
    }
}
