//! `.leakhound.toml`: a repository's own tuning of the scan.
//!
//! A team keeps here what only it knows: paths that hold no secrets, words that mark its test
//! values, rules it does not want, severities that fit its risk. The file lives inside scanned
//! repositories, so it can only narrow or re-rank what is reported: it has no way to add rules,
//! validators or endpoints, and unknown keys are an error rather than silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::{LoadedRule, Severity};

/// File name looked up at the root of a scanned directory or repository work tree.
pub const CONFIG_FILE_NAME: &str = ".leakhound.toml";

/// Problems reading a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The whole file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    /// What is never reported.
    #[serde(default)]
    pub allow: AllowConfig,
    /// Which rules run and how severe their findings are.
    #[serde(default)]
    pub rules: RulesConfig,
    /// Where the file was read from, for messages.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// `[allow]`: paths and words whose findings are not reported.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// gitignore-style patterns, relative to the file's directory.
    #[serde(default)]
    pub paths: Vec<String>,
    /// A finding whose secret contains one of these (ASCII case-insensitive) is dropped.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// `[rules]`: rule selection and severity overrides.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Rule ids that do not run.
    #[serde(default)]
    pub disable: Vec<String>,
    /// When set, only these rule ids run.
    #[serde(default)]
    pub enable: Option<Vec<String>>,
    /// Rule id → severity of its findings.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

impl RepoConfig {
    /// Reads `dir/.leakhound.toml` if it exists.
    pub fn from_dir(dir: &Path) -> Result<Option<RepoConfig>, ConfigError> {
        let path = dir.join(CONFIG_FILE_NAME);
        if !path.is_file() {
            return Ok(None);
        }
        RepoConfig::from_file(&path).map(Some)
    }

    /// Reads a configuration file named on the command line or found in a repository.
    pub fn from_file(path: &Path) -> Result<RepoConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config: RepoConfig = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
        for word in &config.allow.stopwords {
            if word.trim().len() < 3 {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("stopword {word:?} is shorter than 3 characters and would hide nearly everything"),
                });
            }
        }
        config.origin = Some(path.to_path_buf());
        Ok(config)
    }

    /// The directory the file's path patterns are relative to.
    pub fn root(&self) -> Option<&Path> {
        self.origin.as_deref().and_then(Path::parent)
    }

    /// Applies `[rules]` to loaded rules before they are compiled; returns the rule ids the
    /// file names that no rule has (likely typos, reported as warnings).
    pub fn apply_to_rules(&self, rules: &mut Vec<LoadedRule>) -> Vec<String> {
        let known: std::collections::HashSet<String> = rules.iter().map(|r| r.spec.id.clone()).collect();
        let named = self
            .rules
            .disable
            .iter()
            .chain(self.rules.enable.iter().flatten())
            .chain(self.rules.severity.keys());
        let mut unknown: Vec<String> = named.filter(|id| !known.contains(*id)).cloned().collect();
        unknown.sort();
        unknown.dedup();
        rules.retain(|r| {
            !self.rules.disable.contains(&r.spec.id)
                && self.rules.enable.as_ref().is_none_or(|only| only.contains(&r.spec.id))
        });
        for rule in rules.iter_mut() {
            if let Some(severity) = self.rules.severity.get(&rule.spec.id) {
                rule.spec.severity = *severity;
            }
        }
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RepoConfig, String> {
        toml::from_str::<RepoConfig>(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_file_parses() {
        let config = parse(
            "[allow]\npaths = [\"fixtures/**\"]\nstopwords = [\"notreal\"]\n\n[rules]\ndisable = [\"jwt\"]\nseverity = { generic-password = \"low\" }\n",
        )
        .unwrap();
        assert_eq!(config.allow.paths, vec!["fixtures/**"]);
        assert_eq!(config.rules.severity.get("generic-password"), Some(&Severity::Low));
    }

    #[test]
    fn nothing_can_add_rules_validators_or_endpoints() {
        for text in [
            "[validate]\nurl = \"https://attacker.test\"\n",
            "validation_endpoint = \"api.github.com=http://attacker.test\"\n",
            "[[rule]]\nid = \"x\"\n",
            "[rules]\nfiles = [\"evil.toml\"]\n",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }
}
