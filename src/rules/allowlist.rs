//! Allowlists: conditions under which a candidate of a rule is a known non-secret.
//!
//! Content conditions (regexes, stopwords) are judged by the engine as soon as a candidate
//! matches. Path and commit conditions need to know where the bytes live: a directory scan
//! knows the path up front, a git scan only learns paths and commits when it attributes a
//! blob's findings, so the engine hands those allowlists on as "deferred" (a bit mask) and
//! the git stage finishes the decision.

use aho_corasick::AhoCorasick;
use regex::bytes::RegexSet;

use super::schema::{AllowCondition, RegexTarget};

/// Most allowlists one rule may carry (its own plus its file's global ones): deferred
/// decisions travel as a 64-bit mask.
pub const MAX_ALLOWLISTS: usize = 64;

/// One allowlist ready to run.
#[derive(Debug)]
pub struct CompiledAllowlist {
    /// Where it came from (`allowlist 2`, `global allowlist 1`) and its description.
    pub label: String,
    /// Whether any one condition or all of them must hold.
    pub condition: AllowCondition,
    /// One set for all regexes, so a candidate costs a single test.
    pub regexes: Option<RegexSet>,
    /// What the regexes are tested against.
    pub regex_target: RegexTarget,
    /// Stopwords, ASCII case-insensitive.
    pub stopwords: Option<AhoCorasick>,
    /// Path regexes, matched against `/`-separated paths.
    pub paths: Option<RegexSet>,
    /// Lower-case commit ids or prefixes.
    pub commits: Vec<String>,
}

/// What a candidate looks like to an allowlist: the credential, the whole match and its line.
#[derive(Debug, Clone, Copy)]
pub struct CandidateText<'a> {
    /// The credential (stopwords and `regex_target = "secret"`).
    pub secret: &'a [u8],
    /// The whole regex match (`regex_target = "match"`).
    pub whole: &'a [u8],
    /// The line or lines holding the match (`regex_target = "line"`).
    pub line: &'a [u8],
}

/// The outcome of judging one candidate against one allowlist with what is known so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The candidate is a known non-secret.
    Allowed,
    /// The allowlist does not apply.
    NotAllowed,
    /// Depends on the path or commit, which is not known yet.
    Deferred,
}

impl CompiledAllowlist {
    /// True when the decision can depend on the path or commit.
    pub fn needs_context(&self) -> bool {
        self.paths.is_some() || !self.commits.is_empty()
    }

    /// Judges the content conditions and, when `path` is known (or `None` is final because
    /// this scan has no paths), the path and commit conditions. `path_known` false means the
    /// path will be learnt later (git blobs), so a decision that depends on it is deferred.
    pub fn judge(&self, text: CandidateText<'_>, path: Option<&str>, path_known: bool) -> Verdict {
        let content = self.content_holds(text);
        match self.condition {
            AllowCondition::Or if content == Some(true) => return Verdict::Allowed,
            AllowCondition::And if content == Some(false) => return Verdict::NotAllowed,
            _ => {}
        }
        if !self.needs_context() {
            // Content conditions alone: OR found none holding; AND found all holding.
            return if self.condition == AllowCondition::And && content == Some(true) {
                Verdict::Allowed
            } else {
                Verdict::NotAllowed
            };
        }
        if !path_known {
            return Verdict::Deferred;
        }
        if self.decide_context(path, None) {
            Verdict::Allowed
        } else {
            Verdict::NotAllowed
        }
    }

    /// Finishes a deferred decision once the path and commit are known: the content
    /// conditions already left it open (OR: none held; AND: all held).
    pub fn decide_context(&self, path: Option<&str>, commit: Option<&str>) -> bool {
        let path_holds = self
            .paths
            .as_ref()
            .map(|set| path.is_some_and(|p| set.is_match(&super::compile::normalised_path(p))));
        let commit_holds = (!self.commits.is_empty()).then(|| {
            commit.is_some_and(|c| {
                self.commits
                    .iter()
                    .any(|listed| c.len() >= listed.len() && c[..listed.len()].eq_ignore_ascii_case(listed))
            })
        });
        let mut conditions = [path_holds, commit_holds].into_iter().flatten();
        match self.condition {
            AllowCondition::Or => conditions.any(|held| held),
            AllowCondition::And => conditions.all(|held| held),
        }
    }

    /// `None` when the allowlist sets no content condition; otherwise whether they hold
    /// (any of them for OR, all of them for AND).
    fn content_holds(&self, text: CandidateText<'_>) -> Option<bool> {
        let regex = self.regexes.as_ref().map(|set| {
            let target = match self.regex_target {
                RegexTarget::Secret => text.secret,
                RegexTarget::Match => text.whole,
                RegexTarget::Line => text.line,
            };
            set.is_match(target)
        });
        let stopword = self.stopwords.as_ref().map(|ac| ac.is_match(text.secret));
        let mut conditions = [regex, stopword].into_iter().flatten().peekable();
        conditions.peek()?;
        Some(match self.condition {
            AllowCondition::Or => conditions.any(|held| held),
            AllowCondition::And => conditions.all(|held| held),
        })
    }

    /// Says which condition allowed a candidate, for `--explain` (off the hot path).
    pub fn reason(&self, text: CandidateText<'_>) -> String {
        let mut parts = Vec::new();
        if let Some(set) = &self.regexes {
            let target = match self.regex_target {
                RegexTarget::Secret => text.secret,
                RegexTarget::Match => text.whole,
                RegexTarget::Line => text.line,
            };
            if let Some(i) = set.matches(target).iter().next() {
                let target_name = match self.regex_target {
                    RegexTarget::Secret => "secret",
                    RegexTarget::Match => "match",
                    RegexTarget::Line => "line",
                };
                parts.push(format!("regex {:?} on the {target_name}", set.patterns()[i]));
            }
        }
        if let Some(ac) = &self.stopwords {
            if ac.is_match(text.secret) {
                parts.push("a stopword in the secret".to_string());
            }
        }
        if self.paths.is_some() {
            parts.push("its path".to_string());
        }
        if parts.is_empty() {
            parts.push("its conditions".to_string());
        }
        format!("allowlisted by {} ({})", parts.join(" and "), self.label)
    }
}

/// The line or lines holding `range` in `haystack`, without the line break.
pub fn lines_around(haystack: &[u8], range: std::ops::Range<usize>) -> &[u8] {
    let start = memchr::memrchr(b'\n', &haystack[..range.start]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &haystack[range.end..]).map_or(haystack.len(), |i| range.end + i);
    let line = &haystack[start..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(condition: AllowCondition, regexes: &[&str], paths: &[&str]) -> CompiledAllowlist {
        CompiledAllowlist {
            label: "test".into(),
            condition,
            regexes: (!regexes.is_empty()).then(|| RegexSet::new(regexes).unwrap()),
            regex_target: RegexTarget::Secret,
            stopwords: None,
            paths: (!paths.is_empty()).then(|| RegexSet::new(paths).unwrap()),
            commits: Vec::new(),
        }
    }

    fn text(secret: &[u8]) -> CandidateText<'_> {
        CandidateText {
            secret,
            whole: secret,
            line: secret,
        }
    }

    #[test]
    fn or_allows_on_content_alone_and_defers_on_unknown_paths() {
        let l = list(AllowCondition::Or, &["^test"], &["fixtures/"]);
        assert_eq!(l.judge(text(b"test123"), None, false), Verdict::Allowed);
        assert_eq!(l.judge(text(b"real123"), None, false), Verdict::Deferred);
        assert_eq!(l.judge(text(b"real123"), Some("fixtures/a"), true), Verdict::Allowed);
        assert_eq!(l.judge(text(b"real123"), Some("src/a"), true), Verdict::NotAllowed);
        assert!(l.decide_context(Some("fixtures/a"), None));
    }

    #[test]
    fn and_needs_every_condition() {
        let l = list(AllowCondition::And, &["^test"], &["fixtures/"]);
        assert_eq!(l.judge(text(b"real123"), None, false), Verdict::NotAllowed);
        assert_eq!(l.judge(text(b"test123"), None, false), Verdict::Deferred);
        assert_eq!(l.judge(text(b"test123"), Some("fixtures/a"), true), Verdict::Allowed);
        assert_eq!(l.judge(text(b"test123"), Some("src/a"), true), Verdict::NotAllowed);
    }

    #[test]
    fn commits_match_by_prefix() {
        let mut l = list(AllowCondition::Or, &[], &[]);
        l.commits = vec!["abcdef1".into()];
        assert!(l.decide_context(Some("a"), Some("ABCDEF1234")));
        assert!(!l.decide_context(Some("a"), Some("abcdef0")));
        assert!(!l.decide_context(Some("a"), None));
    }

    #[test]
    fn lines_around_strips_the_line_break() {
        let hay = b"one\r\ntwo key=v\r\nthree";
        let at = 5 + 4;
        assert_eq!(lines_around(hay, at..at + 5), b"two key=v");
    }
}
