//! `--explain`: one line per candidate, kept or dropped, naming the rule and the filter that
//! decided, so a user can see why a secret was or was not reported.

use std::io::Write;
use std::sync::Mutex;

use crate::engine::location::LineIndex;
use crate::engine::{Candidate, Filter};
use crate::finding::redact;
use crate::rules::RuleSet;

/// Where explanations go, shared by every scanning thread.
pub struct Explainer {
    out: Mutex<Box<dyn Write + Send>>,
    redact: bool,
}

impl Explainer {
    /// Explanations written to `out`; secrets are redacted unless `redact` is false.
    pub fn new(out: Box<dyn Write + Send>, redact: bool) -> Explainer {
        Explainer {
            out: Mutex::new(out),
            redact,
        }
    }

    /// Writes the candidates of one blob, in position order.
    pub fn report(&self, rules: &RuleSet, origin: &str, haystack: &[u8], candidates: &mut [Candidate]) {
        if candidates.is_empty() {
            return;
        }
        candidates.sort_by_key(|c| (c.secret.start, c.rule));
        let mut index = LineIndex::new(haystack);
        let mut text = String::new();
        for candidate in candidates.iter() {
            let rule = &rules.rules[candidate.rule];
            let at = index.position(candidate.secret.start);
            let raw = String::from_utf8_lossy(&haystack[candidate.secret.clone()]);
            let shown = if self.redact { redact(&raw) } else { raw.into_owned() };
            let verdict = match &candidate.dropped {
                None => format!(
                    "KEPT     {} confidence",
                    candidate.confidence.unwrap_or(rule.spec.confidence).as_str()
                ),
                Some((filter, reason)) => format!("DROPPED  {}: {reason}", filter.as_str()),
            };
            text.push_str(&format!(
                "explain: {origin}:{}:{}  {}  {shown:?}  {verdict}\n",
                at.line, at.column, rule.spec.id
            ));
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // Explanations are diagnostics: a closed stderr must not abort the scan.
        let _ = out.write_all(text.as_bytes());
    }
}

/// Marks the candidate for `rule` at `secret` as dropped by `filter` (a stage after the
/// engine: path exclusions, suppressions).
pub fn mark_dropped(
    candidates: &mut [Candidate],
    rule: usize,
    secret: &std::ops::Range<usize>,
    filter: Filter,
    reason: &str,
) {
    if let Some(c) = candidates
        .iter_mut()
        .find(|c| c.rule == rule && c.secret == *secret && c.dropped.is_none())
    {
        c.dropped = Some((filter, reason.to_string()));
    }
}
