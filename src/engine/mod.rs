//! The detection engine: keyword prefilter, windowed regex matching and filters.
//!
//! Input is bytes (any encoding, any line ending). Work is proportional to the number of
//! keyword hits, not to the number of rules: a rule's regex only ever runs on windows around
//! hits of its own keywords.

pub mod checksum;
pub mod decode;
pub mod generic;
pub mod location;
pub mod placeholder;
pub mod rarity;

use std::ops::Range;

use regex::bytes::{CaptureLocations, Regex};

use crate::rules::allowlist::{lines_around, CandidateText, Verdict};
use crate::rules::{CompiledRule, Confidence, RuleSet, MAX_WINDOW};

/// A filter that can drop a candidate, in the order they run (cheapest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Entropy,
    Checksum,
    Placeholder,
    /// The generic-secret value model (`value_check`).
    GenericValue,
    /// A password equal to its user name (`postgres:postgres@`).
    SameAsUserName,
    /// A companion the rule requires was not found nearby.
    MissingCompanion,
    /// A specific rule reported the same secret.
    Shadowed,
    /// One of the rule's allowlists (regex, stopword, path or commit) holds.
    Allowlist,
    /// The rule's `skip_paths` excludes the file, or its `only_paths` does not include it.
    Path,
    /// A fingerprint or path in `.leakhoundignore`.
    Suppressed,
}

impl Filter {
    /// Name shown by `--explain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Entropy => "entropy",
            Filter::Checksum => "checksum",
            Filter::Placeholder => "placeholder",
            Filter::GenericValue => "generic-value",
            Filter::SameAsUserName => "same-as-user-name",
            Filter::MissingCompanion => "missing-companion",
            Filter::Shadowed => "shadowed",
            Filter::Allowlist => "allowlist",
            Filter::Path => "path",
            Filter::Suppressed => "suppressed",
        }
    }
}

/// One candidate as `--explain` reports it: the rule, the value, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    pub secret: Range<usize>,
    /// `None` when the candidate survived the engine's filters.
    pub dropped: Option<(Filter, String)>,
    /// The confidence a kept candidate is reported with, when the value decided it.
    pub confidence: Option<Confidence>,
}

/// A candidate that survived every filter: offsets into the scanned bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMatch {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    /// The credential.
    pub secret: Range<usize>,
    /// The whole regex match.
    pub span: Range<usize>,
    /// Companion values (named captures and nearby companions) by name.
    pub companions: Vec<(String, Range<usize>)>,
    /// Shannon entropy of the secret in bits per byte.
    pub entropy: f32,
    /// Confidence decided by the value itself (generic rules); the rule's own otherwise.
    pub confidence: Option<Confidence>,
    /// Allowlists of the rule (bit `i` is allowlist `i`) whose decision waits for the path or
    /// commit, unknown while scanning a git blob; see `CompiledRule::deferred_allowlist`.
    pub allow_deferred: u64,
}

/// Reusable per-thread buffers, so scanning a blob allocates nothing until a finding appears.
#[derive(Debug, Default)]
pub struct Scratch {
    windows: Vec<(u32, usize, usize)>,
    path_rules: Vec<u32>,
    locations: Vec<Option<CaptureLocations>>,
    trail: Trail,
}

/// What became of candidates that did not turn into matches.
#[derive(Debug, Default)]
struct Trail {
    /// Every candidate and its fate, collected only when explaining.
    explain: Option<Vec<Candidate>>,
    /// Values a specific rule recognised and rejected (bad checksum, placeholder): a
    /// generic rule must not report them either.
    rejected: Vec<(Range<usize>, usize)>,
}

impl Scratch {
    /// Fresh buffers; keep one per thread and reuse it for every blob.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Buffers that also record every candidate, kept or dropped, for `--explain`.
    pub fn explaining() -> Scratch {
        Scratch {
            trail: Trail {
                explain: Some(Vec::new()),
                rejected: Vec::new(),
            },
            ..Scratch::default()
        }
    }

    /// True when this scratch records candidates.
    pub fn is_explaining(&self) -> bool {
        self.trail.explain.is_some()
    }

    /// Takes the candidates recorded since the last call (empty when not explaining).
    pub fn take_candidates(&mut self) -> Vec<Candidate> {
        self.trail.explain.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

fn record(explain: &mut Option<Vec<Candidate>>, rule: usize, secret: Range<usize>, filter: Filter, reason: String) {
    if let Some(list) = explain {
        list.push(Candidate {
            rule,
            secret,
            dropped: Some((filter, reason)),
            confidence: None,
        });
    }
}

/// Scans `haystack` with every rule whose keyword occurs in it; matches are appended to `out`
/// ordered by position.
pub fn scan(rules: &RuleSet, haystack: &[u8], scratch: &mut Scratch, out: &mut Vec<RawMatch>) {
    scan_file(rules, None, haystack, scratch, out);
}

/// Like [`scan`], for the content of the file at `path`: rules gated by file name (`paths`,
/// e.g. `.pgpass`) also run over the whole of it.
pub fn scan_file(rules: &RuleSet, path: Option<&str>, haystack: &[u8], scratch: &mut Scratch, out: &mut Vec<RawMatch>) {
    let first_new = out.len();
    scratch.windows.clear();
    let place = Place {
        path,
        path_known: path.is_some_and(|p| !p.is_empty()),
    };
    if let Some(path) = path {
        scratch.path_rules.clear();
        rules.rules_for_path(path, &mut scratch.path_rules);
        for &rule_index in &scratch.path_rules {
            scratch.windows.push((rule_index, 0, haystack.len()));
        }
    }
    for hit in rules.keywords.find_overlapping_iter(haystack) {
        for &rule_index in &rules.keyword_rules[hit.pattern().as_usize()] {
            let window = rules.rules[rule_index as usize].window;
            let start = snap_to_line_start(haystack, hit.start().saturating_sub(window), window);
            let end = snap_to_line_end(haystack, hit.end().saturating_add(window).min(haystack.len()), window);
            scratch.windows.push((rule_index, start, end));
        }
    }
    if scratch.windows.is_empty() {
        return;
    }
    scratch.trail.rejected.clear();
    scratch.windows.sort_unstable();
    if scratch.locations.len() < rules.rules.len() {
        scratch.locations.resize_with(rules.rules.len(), || None);
    }
    let mut i = 0;
    while i < scratch.windows.len() {
        let (rule_index, start, mut end) = scratch.windows[i];
        i += 1;
        while i < scratch.windows.len() && scratch.windows[i].0 == rule_index && scratch.windows[i].1 <= end {
            end = end.max(scratch.windows[i].2);
            i += 1;
        }
        let rule = &rules.rules[rule_index as usize];
        let Some(regex) = rule.regex.get() else {
            continue;
        };
        let locations = scratch.locations[rule_index as usize].get_or_insert_with(|| regex.capture_locations());
        run_rule(
            rule,
            regex,
            rule_index as usize,
            haystack,
            start..end,
            place,
            locations,
            &mut scratch.trail,
            out,
        );
    }
    attach_companions(rules, haystack, &mut out[first_new..]);
    let trail = &mut scratch.trail;
    drop_missing_required_companions(rules, out, first_new, &mut trail.explain);
    drop_shadowed_generic(rules, haystack, out, first_new, &trail.rejected, &mut trail.explain);
    if let Some(list) = &mut trail.explain {
        list.extend(out[first_new..].iter().map(|m| Candidate {
            rule: m.rule,
            secret: m.secret.clone(),
            dropped: None,
            confidence: m.confidence,
        }));
    }
}

/// Moves a window start back to the beginning of its line, if that is within `limit` bytes.
fn snap_to_line_start(haystack: &[u8], start: usize, limit: usize) -> usize {
    if start == 0 {
        return 0;
    }
    let floor = start.saturating_sub(limit);
    match memchr::memrchr(b'\n', &haystack[floor..start]) {
        Some(i) => floor + i + 1,
        None if floor == 0 => 0,
        None => start,
    }
}

/// Moves a window end forward to the end of its line, if that is within `limit` bytes.
fn snap_to_line_end(haystack: &[u8], end: usize, limit: usize) -> usize {
    if end >= haystack.len() {
        return haystack.len();
    }
    let ceiling = end.saturating_add(limit).min(haystack.len());
    match memchr::memchr(b'\n', &haystack[end..ceiling]) {
        Some(i) => end + i,
        None if ceiling == haystack.len() => ceiling,
        None => end,
    }
}

/// Where the scanned bytes live, as far as allowlists need to know.
#[derive(Debug, Clone, Copy)]
struct Place<'a> {
    path: Option<&'a str>,
    /// False while scanning a git blob, whose paths are learnt later.
    path_known: bool,
}

/// The capture holding the credential of the current match.
fn secret_location(rule: &CompiledRule, locations: &CaptureLocations) -> Option<(usize, usize)> {
    if rule.first_non_empty_group {
        let found = (1..locations.len())
            .filter_map(|group| locations.get(group))
            .find(|(s, e)| e > s);
        if found.is_some() {
            return found;
        }
    }
    locations.get(rule.secret_group)
}

#[allow(clippy::too_many_arguments)]
fn run_rule(
    rule: &CompiledRule,
    regex: &Regex,
    rule_index: usize,
    haystack: &[u8],
    window: Range<usize>,
    place: Place<'_>,
    locations: &mut CaptureLocations,
    trail: &mut Trail,
    out: &mut Vec<RawMatch>,
) {
    let Trail { explain, rejected } = trail;
    let bounded = &haystack[..window.end];
    let mut at = window.start;
    while at <= window.end {
        let Some(mut whole) = regex.captures_read_at(locations, bounded, at) else {
            break;
        };
        if whole.end() == window.end && window.end < haystack.len() {
            // The window may have cut the match short: run it again with room to finish.
            let extended = &haystack[..window.end.saturating_add(MAX_WINDOW).min(haystack.len())];
            match regex.captures_read_at(locations, extended, whole.start()) {
                Some(longer) => whole = longer,
                None => break,
            }
        }
        at = next_search_start(&whole);
        let Some((secret_start, secret_end)) = secret_location(rule, locations) else {
            continue;
        };
        if secret_start == secret_end {
            continue;
        }
        let secret = &haystack[secret_start..secret_end];
        if let Some(filter) = rejecting_filter(rule, secret) {
            if !rule.spec.generic {
                rejected.push((secret_start..secret_end, rule_index));
            }
            if explain.is_some() {
                record(
                    explain,
                    rule_index,
                    secret_start..secret_end,
                    filter,
                    rejection_reason(rule, secret, filter),
                );
            }
            continue;
        }
        let mut allow_deferred = 0u64;
        if !rule.allowlists.is_empty() {
            let text = CandidateText {
                secret,
                whole: &haystack[whole.start()..whole.end()],
                line: lines_around(haystack, whole.start()..whole.end()),
            };
            let mut allowed = None;
            for (index, list) in rule.allowlists.iter().enumerate() {
                match list.judge(text, place.path, place.path_known) {
                    Verdict::Allowed => {
                        allowed = Some(list);
                        break;
                    }
                    Verdict::Deferred => allow_deferred |= 1u64 << index,
                    Verdict::NotAllowed => {}
                }
            }
            if let Some(list) = allowed {
                if explain.is_some() {
                    record(
                        explain,
                        rule_index,
                        secret_start..secret_end,
                        Filter::Allowlist,
                        list.reason(text),
                    );
                }
                continue;
            }
        }
        let mut confidence = None;
        if let Some(kind) = rule.spec.value_check {
            let key_start = generic::key_start(haystack, whole.start());
            let line_start = memchr::memrchr(b'\n', &haystack[..key_start]).map_or(0, |i| i + 1);
            let after = &haystack[secret_end..(secret_end + 8).min(haystack.len())];
            let key = &haystack[key_start..secret_start];
            match generic::assess_context(&haystack[line_start..key_start], key, after)
                .and_then(|()| generic::assess(kind, key, secret))
            {
                Ok(c) => confidence = Some(c),
                Err(reason) => {
                    if explain.is_some() {
                        let detail = format!("{reason}; {}", generic::describe(kind, secret));
                        record(
                            explain,
                            rule_index,
                            secret_start..secret_end,
                            Filter::GenericValue,
                            detail,
                        );
                    }
                    continue;
                }
            }
        }
        let mut companions = Vec::new();
        for (group, name) in &rule.named_groups {
            if let Some((s, e)) = locations.get(*group) {
                if e > s {
                    companions.push((name.clone(), s..e));
                }
            }
        }
        if companions
            .iter()
            .any(|(name, range)| is_user_name(name) && &haystack[range.clone()] == secret)
        {
            // `postgres:postgres@…`: a password equal to its user name is a default, not a leak.
            record(
                explain,
                rule_index,
                secret_start..secret_end,
                Filter::SameAsUserName,
                "the password equals its user name: a default, not a leak".into(),
            );
            continue;
        }
        out.push(RawMatch {
            rule: rule_index,
            secret: secret_start..secret_end,
            span: whole.start()..whole.end(),
            companions,
            entropy: entropy::shannon_entropy(secret),
            confidence,
            allow_deferred,
        });
    }
}

fn is_user_name(capture: &str) -> bool {
    matches!(capture, "username" | "user" | "login")
}

/// Where to search after a match: its end, or one past it for an empty match.
fn next_search_start(found: &regex::bytes::Match<'_>) -> usize {
    if found.end() > found.start() {
        found.end()
    } else {
        found.end() + 1
    }
}

/// The first filter that rejects `secret` for `rule`, cheapest checks first.
pub fn rejecting_filter(rule: &CompiledRule, secret: &[u8]) -> Option<Filter> {
    if let Some(min) = rule.spec.min_entropy {
        if entropy::shannon_entropy(secret) < min {
            return Some(Filter::Entropy);
        }
    }
    if let Some(kind) = rule.spec.checksum {
        if !checksum::verify(kind, secret) {
            return Some(Filter::Checksum);
        }
    }
    if rule.spec.placeholders && placeholder::is_placeholder(secret) {
        return Some(Filter::Placeholder);
    }
    None
}

/// Says why `filter` rejected `secret`, for `--explain` (off the hot path).
pub fn rejection_reason(rule: &CompiledRule, secret: &[u8], filter: Filter) -> String {
    match filter {
        Filter::Entropy => format!(
            "Shannon entropy {:.2} bits/byte is below the rule's minimum {:.2}",
            entropy::shannon_entropy(secret),
            rule.spec.min_entropy.unwrap_or(0.0)
        ),
        Filter::Checksum => match rule.spec.checksum {
            Some(kind) => format!("fails the {} structure check", kind.as_str()),
            None => "fails the structure check".into(),
        },
        Filter::Placeholder => format!(
            "looks like a placeholder: {}",
            placeholder::why(secret).unwrap_or("filler")
        ),
        other => other.as_str().into(),
    }
}

/// Finds each declared companion of a match near its secret; runs only for matches that
/// survived the filters, so it stays off the hot path.
pub fn attach_companions(rules: &RuleSet, haystack: &[u8], matches: &mut [RawMatch]) {
    for m in matches.iter_mut() {
        let rule = &rules.rules[m.rule];
        for companion in &rule.companions {
            if m.companions.iter().any(|(name, _)| *name == companion.name) {
                continue;
            }
            let start = m.span.start.saturating_sub(companion.within);
            let end = m.span.end.saturating_add(companion.within).min(haystack.len());
            let mut best: Option<Range<usize>> = None;
            let mut locations = companion.regex.capture_locations();
            let mut at = start;
            let bounded = &haystack[..end];
            while let Some(whole) = companion.regex.captures_read_at(&mut locations, bounded, at) {
                at = next_search_start(&whole);
                let Some((s, e)) = locations.get(companion.value_group) else {
                    continue;
                };
                if e <= s || (s < m.secret.end && e > m.secret.start) {
                    continue;
                }
                let distance = |r: &Range<usize>| r.start.abs_diff(m.secret.start);
                if best.as_ref().is_none_or(|b| distance(&(s..e)) < distance(b)) {
                    best = Some(s..e);
                }
                if at > end {
                    break;
                }
            }
            if let Some(range) = best {
                m.companions.push((companion.name.clone(), range));
            }
        }
    }
}

/// Drops new matches whose rule requires a companion that was not found near the secret.
fn drop_missing_required_companions(
    rules: &RuleSet,
    out: &mut Vec<RawMatch>,
    first_new: usize,
    explain: &mut Option<Vec<Candidate>>,
) {
    let mut index = 0;
    out.retain(|m| {
        index += 1;
        if index <= first_new {
            return true;
        }
        let missing = rules.rules[m.rule]
            .companions
            .iter()
            .find(|c| c.required && !m.companions.iter().any(|(name, _)| *name == c.name));
        if let Some(companion) = missing {
            let reason = format!(
                "requires its {} within {} bytes, and none was found",
                companion.name, companion.within
            );
            record(explain, m.rule, m.secret.clone(), Filter::MissingCompanion, reason);
            return false;
        }
        true
    });
}

/// How broad a rule is: a match is dropped when a narrower rule (lower tier) recognised an
/// overlapping value. Specific formats beat broad ones (any URL with a password), which beat
/// the key-name rules that judge values on their own (`value_check`).
fn tier(rule: &CompiledRule) -> u8 {
    match (rule.spec.generic, rule.spec.value_check.is_some()) {
        (_, true) => 2,
        (true, false) => 1,
        (false, false) => 0,
    }
}

/// The specific rule whose token prefix (`lsv2_`, `glpat-`: a keyword with a `_` or `-`)
/// starts `value`. A value with a provider's prefix but not its shape is a broken or
/// truncated token of that provider, not a generic secret.
fn specific_prefix_rule(rules: &RuleSet, value: &[u8]) -> Option<usize> {
    for hit in rules.keywords.find_overlapping_iter(value) {
        if hit.start() != 0 {
            continue;
        }
        let keyword = &value[..hit.end()];
        if keyword.len() < 4 {
            continue;
        }
        let separated = keyword.iter().any(|b| matches!(b, b'_' | b'-'));
        if let Some(&rule) = rules.keyword_rules[hit.pattern().as_usize()].iter().find(|&&r| {
            let rule = &rules.rules[r as usize];
            tier(rule) == 0 && (separated || has_upper_case_prefix_keyword(rule, keyword))
        }) {
            return Some(rule as usize);
        }
    }
    None
}

/// Whether `rule` lists `keyword` written as an upper-case code (`EZTK`, `AKIA`) that the value
/// repeats exactly: such codes are token prefixes, while a lower-case keyword is usually a word.
fn has_upper_case_prefix_keyword(rule: &CompiledRule, keyword: &[u8]) -> bool {
    rule.spec.keywords.iter().any(|k| {
        k.as_bytes() == keyword
            && k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && k.bytes().any(|b| b.is_ascii_uppercase())
    })
}

/// Drops new matches that a narrower rule also recognised, whether that rule reported the
/// value or rejected it (a GitHub token with a bad checksum must not resurface as a generic
/// secret).
fn drop_shadowed_generic(
    rules: &RuleSet,
    haystack: &[u8],
    out: &mut Vec<RawMatch>,
    first_new: usize,
    rejected: &[(Range<usize>, usize)],
    explain: &mut Option<Vec<Candidate>>,
) {
    let new = &mut out[first_new..];
    new.sort_by_key(|m| (m.secret.start, m.secret.end, m.rule));
    if !new.iter().any(|m| tier(&rules.rules[m.rule]) > 0) {
        return;
    }
    // Secrets and the companion values found with them (an API key id next to its secret is
    // the identifying half of that credential, not a secret of its own).
    let recognised: Vec<(Range<usize>, usize)> = new
        .iter()
        .flat_map(|m| {
            std::iter::once((m.secret.clone(), m.rule)).chain(
                m.companions
                    .iter()
                    .filter(|_| tier(&rules.rules[m.rule]) < 2)
                    .map(move |(_, range)| (range.clone(), m.rule)),
            )
        })
        .chain(rejected.iter().cloned())
        .collect();
    let mut index = 0;
    out.retain(|m| {
        index += 1;
        let own = tier(&rules.rules[m.rule]);
        if index <= first_new || own == 0 {
            return true;
        }
        if own == 2 {
            if let Some(by) = specific_prefix_rule(rules, &haystack[m.secret.clone()]) {
                let reason = format!(
                    "starts with the {} prefix but does not have that format's shape",
                    rules.rules[by].spec.id
                );
                record(explain, m.rule, m.secret.clone(), Filter::Shadowed, reason);
                return false;
            }
        }
        let shadow = recognised
            .iter()
            .find(|(s, by)| tier(&rules.rules[*by]) < own && s.start < m.secret.end && m.secret.start < s.end);
        if let Some((_, by)) = shadow {
            let reason = format!(
                "rule {} recognised the same value (and reported or rejected it)",
                rules.rules[*by].spec.id
            );
            record(explain, m.rule, m.secret.clone(), Filter::Shadowed, reason);
            return false;
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{parse_rule_file, RuleSet};

    const RULES: &str = r#"
[[rule]]
id = "test-token"
provider = "Test"
name = "Test token"
keywords = ["tst_", "tst_a"]
regex = '''\b(?P<secret>tst_[A-Za-z0-9]{20})\b'''
severity = "high"
confidence = "high"

[[rule]]
id = "test-pair"
provider = "Test"
name = "Test pair"
keywords = ["pairsecret"]
regex = '''pairsecret\s*=\s*(?P<secret>[A-Za-z0-9]{16})'''
severity = "high"
confidence = "high"
[[rule.companions]]
name = "id"
regex = '''pairid\s*=\s*(?P<value>[0-9]{6})'''
within = 200

[[rule]]
id = "test-long"
provider = "Test"
name = "Long"
keywords = ["lng_"]
regex = '''lng_(?P<secret>[a-z]{8,})'''
window = 16
severity = "low"
confidence = "low"

[[rule]]
id = "test-generic"
provider = "Test"
name = "Generic"
keywords = ["tst_"]
regex = '''(?P<secret>tst_[A-Za-z0-9]{20})'''
severity = "low"
confidence = "low"
generic = true
"#;

    fn ruleset() -> RuleSet {
        RuleSet::compile(parse_rule_file("test.toml", RULES, false).unwrap()).unwrap()
    }

    fn secrets(rules: &RuleSet, text: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        scan(rules, text, &mut Scratch::new(), &mut out);
        out.iter()
            .map(|m| {
                (
                    rules.rules[m.rule].spec.id.clone(),
                    String::from_utf8_lossy(&text[m.secret.clone()]).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn overlapping_keywords_give_one_finding_and_generic_is_shadowed() {
        let rules = ruleset();
        let found = secrets(&rules, b"x = tst_aB3dE5fG7hI9jK1lM2nO\n");
        assert_eq!(
            found,
            vec![("test-token".to_string(), "tst_aB3dE5fG7hI9jK1lM2nO".to_string())]
        );
    }

    #[test]
    fn works_on_crlf_invalid_utf8_and_long_lines() {
        let rules = ruleset();
        let mut text = b"\xff\xfe garbage \r\n".to_vec();
        text.extend(std::iter::repeat_n(b'a', 200_000));
        text.extend(b" tst_Zq8Wm2Lp5Rt7Yv1Xn4Kb ");
        text.extend(std::iter::repeat_n(b'b', 200_000));
        text.extend(b"\r\nlast tst_Hs6Jd9Fg2Kl4Qw7Er1Ty\r\n");
        let found = secrets(&rules, &text);
        assert_eq!(
            found.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
            vec!["tst_Zq8Wm2Lp5Rt7Yv1Xn4Kb", "tst_Hs6Jd9Fg2Kl4Qw7Er1Ty"]
        );
    }

    #[test]
    fn a_match_running_past_the_window_is_not_cut_short() {
        let rules = ruleset();
        let body: String = (0..300).map(|i| (b'a' + (i * 7 % 26) as u8) as char).collect();
        let text = format!("x lng_{body} y");
        let found = secrets(&rules, text.as_bytes());
        assert_eq!(found, vec![("test-long".to_string(), body)]);
    }

    #[test]
    fn companions_are_found_near_the_secret() {
        let rules = ruleset();
        let text = b"pairid = 482913\nother = 1\npairsecret = Hq7Lm2Xp9Rt4Wz6K\n";
        let mut out = Vec::new();
        scan(&rules, text, &mut Scratch::new(), &mut out);
        assert_eq!(out.len(), 1);
        let (name, range) = &out[0].companions[0];
        assert_eq!(name, "id");
        assert_eq!(&text[range.clone()], b"482913");
    }

    #[test]
    fn text_without_keywords_costs_no_regex_and_finds_nothing() {
        let rules = ruleset();
        assert!(secrets(&rules, b"nothing to see here\n").is_empty());
        assert!(secrets(&rules, b"").is_empty());
    }
}
