//! Rules: the on-disk schema, loading (built-in + user files) and compilation into a
//! [`RuleSet`] that the engine runs.

pub mod allowlist;
pub mod check;
mod compile;
pub mod gitleaks;
mod lazy_regex;
mod load;
pub mod schema;

pub use compile::{CompiledCompanion, CompiledRule, RuleSet, DEFAULT_WINDOW, MAX_WINDOW};
pub use load::{load_builtin, load_path, merge_rules, parse_rule_file, LoadedRule};
pub use schema::{
    AllowCondition, AllowlistSpec, ChecksumKind, Confidence, RegexTarget, RuleExample, RuleSpec, SecretGroup,
    SecretGroupChoice, Severity, ValueCheck,
};

/// A rule file or rule that cannot be used; always names the file and, where known, the rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{file}: cannot read rule file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: invalid TOML: {message}")]
    Toml { file: String, message: String },
    #[error("{file}: rule '{rule}': {problem}")]
    Invalid {
        file: String,
        rule: String,
        problem: String,
    },
    #[error("{file}: {problem}")]
    File { file: String, problem: String },
}

/// Loads the built-in rules plus any user rule files or directories, in that order, and
/// compiles them; a user rule with the id of a built-in one replaces it.
pub fn load_ruleset(user_paths: &[std::path::PathBuf]) -> Result<RuleSet, RuleError> {
    load_ruleset_adjusted(user_paths, |_| {})
}

/// Like [`load_ruleset`], letting `adjust` drop or re-rank rules before they are compiled
/// (a repository's `.leakhound.toml`).
pub fn load_ruleset_adjusted(
    user_paths: &[std::path::PathBuf],
    adjust: impl FnOnce(&mut Vec<LoadedRule>),
) -> Result<RuleSet, RuleError> {
    let mut rules = load_builtin()?;
    for path in user_paths {
        let user = load_path(path)?;
        rules = merge_rules(rules, user);
    }
    adjust(&mut rules);
    RuleSet::compile(rules)
}
