//! Turns loaded rule specs into regexes and one keyword automaton, validating every field a
//! user could get wrong so that a bad rule fails at load time with its file and id.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexBuilder};

use super::allowlist::{CompiledAllowlist, MAX_ALLOWLISTS};
use super::lazy_regex::{LazyRegex, REGEX_SIZE_LIMIT};
use super::load::LoadedRule;
use super::schema::{AllowlistSpec, RuleSpec, SecretGroup, SecretGroupChoice};
use super::RuleError;

/// Default bytes searched either side of a keyword hit.
pub const DEFAULT_WINDOW: usize = 256;
/// Largest window a rule may ask for; keeps one rule from turning into a whole-file scan.
pub const MAX_WINDOW: usize = 64 * 1024;
/// Shortest keyword accepted: shorter ones hit nearly every line of real code.
pub const MIN_KEYWORD_LEN: usize = 3;

/// A companion regex ready to run near a secret.
#[derive(Debug)]
pub struct CompiledCompanion {
    pub name: String,
    pub regex: Regex,
    /// Capture group holding the value (`value`), or 0 for the whole match.
    pub value_group: usize,
    pub within: usize,
    pub required: bool,
}

/// A rule ready for the engine.
#[derive(Debug)]
pub struct CompiledRule {
    pub spec: RuleSpec,
    pub origin: String,
    pub builtin: bool,
    /// Compiled on the first keyword hit (see `lazy_regex`).
    pub regex: LazyRegex,
    /// Capture group of the credential (`secret` or `secret_group`), or 0 for the whole match.
    pub secret_group: usize,
    /// The credential is the first capture group that matched (`secret_group =
    /// "first-non-empty"`), falling back to `secret_group`.
    pub first_non_empty_group: bool,
    /// Other named groups of the main regex, reported as companions.
    pub named_groups: Vec<(usize, String)>,
    pub companions: Vec<CompiledCompanion>,
    pub window: usize,
    /// Paths where this rule's findings are not reported.
    pub skip_paths: Option<regex::bytes::RegexSet>,
    /// Paths where this rule runs over the whole file (see `RuleSpec::paths`).
    pub paths: Option<regex::bytes::RegexSet>,
    /// The only paths where this rule's findings are reported (see `RuleSpec::only_paths`).
    pub only_paths: Option<regex::bytes::RegexSet>,
    /// Known non-secrets (see `RuleSpec::allowlists`).
    pub allowlists: Vec<CompiledAllowlist>,
    /// How `--validate` checks this rule's credentials with their issuer.
    pub validator: Option<std::sync::Arc<dyn crate::validate::Validator>>,
}

/// Build a path `RegexSet` for `skip_paths` or `paths`.
fn path_set(
    patterns: &[String],
    field: &str,
    loaded: &LoadedRule,
) -> Result<Option<regex::bytes::RegexSet>, RuleError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    regex::bytes::RegexSetBuilder::new(patterns)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| invalid(loaded, format!("{field} regex does not compile: {e}")))
}

/// Paths as rules see them: `/`-separated, so one pattern serves Windows too.
pub(super) fn normalised_path(path: &str) -> std::borrow::Cow<'_, [u8]> {
    if path.contains('\\') {
        std::borrow::Cow::Owned(path.replace('\\', "/").into_bytes())
    } else {
        std::borrow::Cow::Borrowed(path.as_bytes())
    }
}

impl CompiledRule {
    /// True when the rule runs only because of file names (`paths` and no keywords): its
    /// findings belong to files at matching paths, even when the same content sits elsewhere.
    pub fn runs_only_by_path(&self) -> bool {
        self.paths.is_some() && self.spec.keywords.is_empty()
    }

    /// True when `path` is one this rule's `paths` select.
    pub fn selects_path(&self, path: &str) -> bool {
        self.paths
            .as_ref()
            .is_some_and(|set| set.is_match(&normalised_path(path)))
    }

    /// True when findings of this rule at `path` are not reported (see `skip_paths` and
    /// `only_paths`). An empty path is a git blob not yet placed: git attribution decides.
    pub fn skips_path(&self, path: &str) -> bool {
        if path.is_empty() || (self.skip_paths.is_none() && self.only_paths.is_none()) {
            return false;
        }
        let path = normalised_path(path);
        self.skip_paths.as_ref().is_some_and(|set| set.is_match(&path))
            || self.only_paths.as_ref().is_some_and(|set| !set.is_match(&path))
    }

    /// Finishes the allowlist decisions the engine deferred until the path and commit were
    /// known (bit `i` of `deferred` is allowlist `i`); returns the allowlist that applies.
    pub fn deferred_allowlist(&self, deferred: u64, path: &str, commit: Option<&str>) -> Option<&CompiledAllowlist> {
        if deferred == 0 {
            return None;
        }
        let path = (!path.is_empty()).then_some(path);
        self.allowlists
            .iter()
            .enumerate()
            .filter(|(i, _)| deferred & (1u64 << i) != 0)
            .map(|(_, list)| list)
            .find(|list| list.decide_context(path, commit))
    }
}

/// Every rule of a scan plus the keyword automaton that decides which of them run where.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<CompiledRule>,
    /// One pattern per distinct (lower-cased) keyword.
    pub keywords: AhoCorasick,
    /// For each keyword pattern, the rules that listed it.
    pub keyword_rules: Vec<Vec<u32>>,
    /// Rules that run over whole files chosen by path (`paths`), and one set of all their
    /// path patterns so that most files cost a single regex-set test.
    path_rules: Vec<(u32, regex::bytes::RegexSet)>,
    path_gate: Option<regex::bytes::RegexSet>,
    /// Rule index by id: findings name their rule by id, and reports look rules up often.
    by_id: std::collections::HashMap<String, usize>,
}

impl RuleSet {
    /// Compiles and validates rules; the first problem found is returned with file and rule.
    pub fn compile(rules: Vec<LoadedRule>) -> Result<RuleSet, RuleError> {
        let mut compiled = Vec::with_capacity(rules.len());
        let mut keyword_index: std::collections::HashMap<String, usize> = Default::default();
        let mut keyword_list: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<u32>> = Vec::new();
        for (rule_index, loaded) in rules.into_iter().enumerate() {
            let rule = compile_rule(loaded)?;
            for keyword in &rule.spec.keywords {
                let key = keyword.to_ascii_lowercase();
                let slot = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keyword_list.push(key);
                    keyword_rules.push(Vec::new());
                    keyword_list.len() - 1
                });
                let index = u32::try_from(rule_index).map_err(|_| RuleError::File {
                    file: rule.origin.clone(),
                    problem: "too many rules".into(),
                })?;
                if !keyword_rules[slot].contains(&index) {
                    keyword_rules[slot].push(index);
                }
            }
            compiled.push(rule);
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keyword_list)
            .or_else(|_| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keyword_list)
            })
            .map_err(|e| RuleError::File {
                file: "<keywords>".into(),
                problem: format!("cannot build keyword automaton: {e}"),
            })?;
        let mut path_rules = Vec::new();
        let mut gate_patterns: Vec<String> = Vec::new();
        for (index, rule) in compiled.iter().enumerate() {
            if let Some(set) = &rule.paths {
                let index = u32::try_from(index).map_err(|_| RuleError::File {
                    file: rule.origin.clone(),
                    problem: "too many rules".into(),
                })?;
                path_rules.push((index, set.clone()));
                gate_patterns.extend(rule.spec.paths.iter().cloned());
            }
        }
        let path_gate = regex::bytes::RegexSetBuilder::new(&gate_patterns)
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .ok()
            .filter(|_| !gate_patterns.is_empty());
        let by_id = compiled
            .iter()
            .enumerate()
            .map(|(index, rule)| (rule.spec.id.clone(), index))
            .collect();
        Ok(RuleSet {
            by_id,
            rules: compiled,
            keywords,
            keyword_rules,
            path_rules,
            path_gate,
        })
    }

    /// True when some rule runs by file name (`paths`): git history then has to look at the
    /// names trees give their blobs.
    pub fn has_path_rules(&self) -> bool {
        self.path_gate.is_some()
    }

    /// True when a file called `name` (a tree entry's name, no directories) is one that a
    /// `paths` rule runs over. History knows blobs by name before it knows their full paths,
    /// so patterns that accept the name on its own (`(?:^|/)\.pgpass$`) are the ones that
    /// apply there.
    pub fn gates_file_name(&self, name: &[u8]) -> bool {
        self.path_gate.as_ref().is_some_and(|gate| gate.is_match(name))
    }

    /// The rules that run over the whole of the file at `path` because of their `paths`
    /// (appended to `out`).
    pub fn rules_for_path(&self, path: &str, out: &mut Vec<u32>) {
        let Some(gate) = &self.path_gate else {
            return;
        };
        let path = normalised_path(path);
        if !gate.is_match(&path) {
            return;
        }
        out.extend(
            self.path_rules
                .iter()
                .filter(|(_, set)| set.is_match(&path))
                .map(|(index, _)| *index),
        );
    }

    /// Looks a rule up by id.
    pub fn get(&self, id: &str) -> Option<&CompiledRule> {
        self.by_id.get(id).map(|&index| &self.rules[index])
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when no rule is loaded.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

fn invalid(rule: &LoadedRule, problem: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: rule.origin.clone(),
        rule: rule.spec.id.clone(),
        problem: problem.into(),
    }
}

/// Shorthand a rule regex may use for "the rest of a key name, then an assignment operator,
/// then an optional opening quote", so that the hundreds of `provider_key = value` rules
/// share one well-tested notion of assignment across .env, YAML, JSON, code and CLI syntax.
/// `{assign}` is not valid regex syntax on its own, so expanding it cannot change the
/// meaning of any regex that compiled before.
pub const ASSIGN_MACRO: &str = "{assign}";
const ASSIGN_EXPANSION: &str = r#"[\w.\-]{0,40}(?:[ \t][\w.\-]{1,30}){0,2}["'\]]{0,2}[ \t]{0,4}(?:=>|->|:=|::|<-|[=:,>]|[ \t])[ \t]{0,4}(?:\\?["'`]){0,2}"#;
/// Shorthand for "the value ends here": a delimiter or the end of the line.
pub const END_MACRO: &str = "{end}";
const END_EXPANSION: &str = r#"(?:[\s"'`;,\\<)\]}&|]|(?m:$))"#;

/// Replaces the `{assign}` and `{end}` shorthands with their regex text.
pub fn expand_macros(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains(ASSIGN_MACRO) && !pattern.contains(END_MACRO) {
        return std::borrow::Cow::Borrowed(pattern);
    }
    std::borrow::Cow::Owned(
        pattern
            .replace(ASSIGN_MACRO, ASSIGN_EXPANSION)
            .replace(END_MACRO, END_EXPANSION),
    )
}

fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&expand_macros(pattern))
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

fn compile_rule(loaded: LoadedRule) -> Result<CompiledRule, RuleError> {
    let spec = &loaded.spec;
    let id_ok = !spec.id.is_empty()
        && spec.id.len() <= 100
        && spec
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.' || b == b'_');
    if !id_ok {
        return Err(invalid(&loaded, "id must be 1-100 chars of [a-z0-9._-]"));
    }
    for (field, value) in [("provider", &spec.provider), ("name", &spec.name)] {
        if value.trim().is_empty() {
            return Err(invalid(&loaded, format!("'{field}' must not be empty")));
        }
    }
    if spec.keywords.is_empty() && spec.paths.is_empty() {
        return Err(invalid(
            &loaded,
            "no keywords: every rule needs at least one keyword for the prefilter",
        ));
    }
    for keyword in &spec.keywords {
        if keyword.len() < MIN_KEYWORD_LEN || !keyword.is_ascii() {
            return Err(invalid(
                &loaded,
                format!("keyword {keyword:?} must be ASCII and at least {MIN_KEYWORD_LEN} bytes long"),
            ));
        }
    }
    if let Some(e) = spec.min_entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(invalid(
                &loaded,
                format!("min_entropy {e} is outside 0.0..=8.0 bits per byte"),
            ));
        }
    }
    let window = spec.window.unwrap_or(DEFAULT_WINDOW);
    if !(16..=MAX_WINDOW).contains(&window) {
        return Err(invalid(
            &loaded,
            format!("window {window} is outside 16..={MAX_WINDOW}"),
        ));
    }
    if let Some(reference) = &spec.reference {
        if !(reference.starts_with("https://") || reference.starts_with("http://")) {
            return Err(invalid(
                &loaded,
                format!("reference {reference:?} is not an http(s) URL"),
            ));
        }
    }
    let (regex, capture_names) = LazyRegex::parse(expand_macros(&spec.regex).into_owned())
        .map_err(|e| invalid(&loaded, format!("regex does not compile: {e}")))?;
    if !loaded.builtin {
        regex
            .compile_now()
            .map_err(|e| invalid(&loaded, format!("regex does not compile: {e}")))?;
    }
    let mut secret_group = 0;
    let mut named_groups = Vec::new();
    for (index, name) in capture_names.iter().enumerate() {
        match name.as_deref() {
            Some("secret") => secret_group = index,
            Some(other) => named_groups.push((index, other.to_string())),
            None => {}
        }
    }
    let mut first_non_empty_group = false;
    match spec.secret_group {
        Some(SecretGroup::Index(index)) => {
            if index >= capture_names.len() {
                return Err(invalid(
                    &loaded,
                    format!(
                        "secret group {index} does not exist: the regex has {} capture group(s)",
                        capture_names.len() - 1
                    ),
                ));
            }
            secret_group = index;
        }
        Some(SecretGroup::Choice(SecretGroupChoice::FirstNonEmpty)) => first_non_empty_group = true,
        None => {}
    }
    let mut companions = Vec::with_capacity(spec.companions.len());
    for companion in &spec.companions {
        let companion_regex = build_regex(&companion.regex).map_err(|e| {
            invalid(
                &loaded,
                format!("companion '{}' regex does not compile: {e}", companion.name),
            )
        })?;
        if companion.within == 0 || companion.within > MAX_WINDOW {
            return Err(invalid(
                &loaded,
                format!("companion '{}' within must be 1..={MAX_WINDOW}", companion.name),
            ));
        }
        let value_group = companion_regex
            .capture_names()
            .position(|n| n == Some("value"))
            .unwrap_or(0);
        companions.push(CompiledCompanion {
            name: companion.name.clone(),
            regex: companion_regex,
            value_group,
            within: companion.within,
            required: companion.required,
        });
    }
    let skip_paths = path_set(&spec.skip_paths, "skip_paths", &loaded)?;
    let paths = path_set(&spec.paths, "paths", &loaded)?;
    let only_paths = path_set(&spec.only_paths, "only_paths", &loaded)?;
    if spec.allowlists.len() > MAX_ALLOWLISTS {
        return Err(invalid(
            &loaded,
            format!("more than {MAX_ALLOWLISTS} allowlists (its own and its file's global ones)"),
        ));
    }
    let mut allowlists = Vec::with_capacity(spec.allowlists.len());
    for (index, list) in spec.allowlists.iter().enumerate() {
        allowlists.push(compile_allowlist(list, index, &loaded)?);
    }
    for (index, example) in spec.examples.iter().enumerate() {
        if example.secret.is_empty() {
            return Err(invalid(&loaded, format!("example {} has an empty secret", index + 1)));
        }
    }
    let validator = match &spec.validate {
        None => None,
        Some(validate) => {
            let names: Vec<&str> = spec
                .companions
                .iter()
                .map(|c| c.name.as_str())
                .chain(named_groups.iter().map(|(_, name)| name.as_str()))
                .collect();
            Some(crate::validate::build(validate, &names).map_err(|problem| invalid(&loaded, problem))?)
        }
    };
    Ok(CompiledRule {
        validator,
        regex,
        secret_group,
        named_groups,
        companions,
        window,
        skip_paths,
        paths,
        only_paths,
        allowlists,
        first_non_empty_group,
        origin: loaded.origin,
        builtin: loaded.builtin,
        spec: loaded.spec,
    })
}

/// Validates and compiles one allowlist; `index` names it in errors (`allowlist 1`).
fn compile_allowlist(list: &AllowlistSpec, index: usize, loaded: &LoadedRule) -> Result<CompiledAllowlist, RuleError> {
    let mut label = format!("allowlist {}", index + 1);
    if !list.description.trim().is_empty() {
        label = format!("{label}: {}", list.description.trim());
    }
    if list.regexes.is_empty() && list.stopwords.is_empty() && list.paths.is_empty() && list.commits.is_empty() {
        return Err(invalid(
            loaded,
            format!("{label} sets none of regexes, stopwords, paths, commits"),
        ));
    }
    let regexes = if list.regexes.is_empty() {
        None
    } else {
        let expanded: Vec<String> = list.regexes.iter().map(|r| expand_macros(r).into_owned()).collect();
        Some(
            regex::bytes::RegexSetBuilder::new(&expanded)
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| invalid(loaded, format!("{label}: regex does not compile: {e}")))?,
        )
    };
    let stopwords = if list.stopwords.is_empty() {
        None
    } else {
        if let Some(word) = list.stopwords.iter().find(|w| w.is_empty()) {
            return Err(invalid(loaded, format!("{label}: empty stopword {word:?}")));
        }
        Some(
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&list.stopwords)
                .map_err(|e| invalid(loaded, format!("{label}: stopwords: {e}")))?,
        )
    };
    let paths = path_set(&list.paths, &format!("{label}: paths"), loaded)?;
    let mut commits = Vec::with_capacity(list.commits.len());
    for commit in &list.commits {
        let commit = commit.trim();
        if commit.len() < 7 || commit.len() > 64 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(
                loaded,
                format!("{label}: commit {commit:?} is not a commit id (7 to 64 hex digits)"),
            ));
        }
        commits.push(commit.to_ascii_lowercase());
    }
    Ok(CompiledAllowlist {
        label,
        condition: list.condition,
        regexes,
        regex_target: list.regex_target,
        stopwords,
        paths,
        commits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_of<'a>(regex: &Regex, text: &'a str) -> Option<&'a str> {
        let caps = regex.captures(text.as_bytes())?;
        let m = caps.name("secret")?;
        Some(&text[m.start()..m.end()])
    }

    #[test]
    fn assign_macro_covers_common_assignment_syntaxes() {
        let regex = build_regex(r"(?i)acme{assign}(?P<secret>[a-z0-9]{12}){end}").unwrap();
        for text in [
            "ACME_API_KEY=k3j4h5g6f7d8",
            "acme_token: \"k3j4h5g6f7d8\"",
            "\"acmeKey\": \"k3j4h5g6f7d8\",",
            "export ACME_SECRET='k3j4h5g6f7d8'",
            "acme.secret => 'k3j4h5g6f7d8';",
            "acme secretKey= k3j4h5g6f7d8",
            "<acmeKey>k3j4h5g6f7d8</acmeKey>",
            "config[\"acme_key\"] = \"k3j4h5g6f7d8\"",
            "acme_key := \"k3j4h5g6f7d8\"",
        ] {
            assert_eq!(secret_of(&regex, text), Some("k3j4h5g6f7d8"), "{text}");
        }
        assert_eq!(
            secret_of(&regex, "acme_key = k3j4h5g6f7d8zz"),
            None,
            "{{end}} requires a delimiter"
        );
    }

    #[test]
    fn patterns_without_macros_are_untouched() {
        assert!(matches!(
            expand_macros(r"\bghp_[0-9]{3}\b"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
