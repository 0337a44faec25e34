//! Reading rule files: the embedded catalogue and user-supplied files or directories.

use std::path::Path;

use serde::Deserialize;

use super::schema::RuleSpec;
use super::RuleError;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A rule together with the file it came from, so every later error can name that file.
#[derive(Debug, Clone)]
pub struct LoadedRule {
    pub spec: RuleSpec,
    /// File name (built-in) or path (user file) the rule was read from.
    pub origin: String,
    /// Built-in rules ship with the binary; user rules came from `--rules`.
    pub builtin: bool,
}

/// The rules embedded in the binary at build time.
pub fn load_builtin() -> Result<Vec<LoadedRule>, RuleError> {
    let mut out = Vec::new();
    for (name, text) in EMBEDDED_RULE_FILES {
        out.extend(parse_rule_file(&format!("rules/{name}"), text, true)?);
    }
    check_unique_ids(&out)?;
    Ok(out)
}

/// Rules from a file, or from every `*.toml` file in a directory (sorted, not recursive).
pub fn load_path(path: &Path) -> Result<Vec<LoadedRule>, RuleError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| RuleError::Io {
        file: shown.clone(),
        source,
    })?;
    let files = if meta.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|source| RuleError::Io {
                file: shown.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(RuleError::File {
                file: shown,
                problem: "directory holds no *.toml rule files".into(),
            });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(&file).map_err(|source| RuleError::Io {
            file: name.clone(),
            source,
        })?;
        out.extend(parse_rule_file(&name, &text, false)?);
    }
    check_unique_ids(&out)?;
    Ok(out)
}

/// Parses one rule file; each rule is decoded on its own so an error can name the rule.
pub fn parse_rule_file(file: &str, text: &str, builtin: bool) -> Result<Vec<LoadedRule>, RuleError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| RuleError::Toml {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    if !builtin && super::gitleaks::is_gitleaks(&table) {
        let specs = super::gitleaks::parse(file, table)?;
        return Ok(specs
            .into_iter()
            .map(|spec| LoadedRule {
                spec,
                origin: file.to_string(),
                builtin,
            })
            .collect());
    }
    if let Some(key) = table.keys().find(|k| k.as_str() != "rule") {
        return Err(RuleError::File {
            file: file.to_string(),
            problem: format!("unknown top-level key '{key}' (rules go in [[rule]] tables)"),
        });
    }
    let Some(rules) = table.get("rule") else {
        return Err(RuleError::File {
            file: file.to_string(),
            problem: "no rules found (expected one or more [[rule]] tables)".into(),
        });
    };
    let Some(rules) = rules.as_array() else {
        return Err(RuleError::File {
            file: file.to_string(),
            problem: "'rule' must be an array of tables ([[rule]])".into(),
        });
    };
    let mut out = Vec::with_capacity(rules.len());
    for (index, value) in rules.iter().enumerate() {
        let label = value
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{} (no id)", index + 1));
        let spec = RuleSpec::deserialize(value.clone()).map_err(|e| RuleError::Invalid {
            file: file.to_string(),
            rule: label.clone(),
            problem: e.to_string().trim_end().to_string(),
        })?;
        out.push(LoadedRule {
            spec,
            origin: file.to_string(),
            builtin,
        });
    }
    Ok(out)
}

/// Adds `extra` to `base`; a rule in `extra` replaces the `base` rule with the same id.
pub fn merge_rules(base: Vec<LoadedRule>, extra: Vec<LoadedRule>) -> Vec<LoadedRule> {
    let replaced: std::collections::HashSet<&str> = extra.iter().map(|r| r.spec.id.as_str()).collect();
    let mut out: Vec<LoadedRule> = base
        .into_iter()
        .filter(|r| !replaced.contains(r.spec.id.as_str()))
        .collect();
    out.extend(extra);
    out
}

fn check_unique_ids(rules: &[LoadedRule]) -> Result<(), RuleError> {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for rule in rules {
        if let Some(first) = seen.insert(&rule.spec.id, &rule.origin) {
            return Err(RuleError::Invalid {
                file: rule.origin.clone(),
                rule: rule.spec.id.clone(),
                problem: format!("duplicate rule id (already defined in {first})"),
            });
        }
    }
    Ok(())
}
