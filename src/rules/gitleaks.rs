//! Gitleaks-format rule files (`[[rules]]` with `id`, `regex`, `secretGroup`, `allowlists`…),
//! translated into leakhound rules so that a team moving over keeps its custom rules.
//!
//! Gitleaks regexes are Go RE2. Most of RE2 means the same in the Rust `regex` crate; the few
//! places where the same text means something else (octal escapes, `\Q…\E`, a `{` that does
//! not start a repetition, `\<`, set operators inside classes) are rewritten, and what
//! leakhound cannot evaluate (back-references, look-around, Unicode classes in its byte-wise,
//! ASCII matching) is an error naming the rule, never a silently different rule.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::schema::{
    AllowCondition, AllowlistSpec, Confidence, RegexTarget, RuleSpec, SecretGroup, SecretGroupChoice, Severity,
};
use super::RuleError;

/// Provider shown for imported rules: gitleaks rules do not say who issues the credential.
pub const PROVIDER: &str = "Custom";
/// Deepest chain of `[extend] path` files followed.
const MAX_EXTEND_DEPTH: usize = 8;
/// Whole-file scope given to rules that have no usable keyword.
pub const WHOLE_FILE: &str = ".*";

/// True when a parsed rule file is in gitleaks' layout rather than leakhound's: it has
/// `[[rules]]` (leakhound uses `[[rule]]`) or one of gitleaks' top-level tables.
pub fn is_gitleaks(table: &toml::Table) -> bool {
    !table.contains_key("rule")
        && ["rules", "title", "extend", "allowlist", "allowlists", "minVersion"]
            .iter()
            .any(|key| table.contains_key(*key))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GlFile {
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<String>,
    #[serde(default, rename = "minVersion")]
    #[allow(dead_code)]
    min_version: Option<String>,
    #[serde(default)]
    extend: Option<GlExtend>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
    #[serde(default)]
    rules: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GlExtend {
    #[serde(default)]
    #[allow(dead_code)]
    use_default: Option<bool>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GlRule {
    id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<i64>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
    #[serde(default)]
    skip_report: Option<bool>,
    #[serde(default)]
    required: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GlAllowlist {
    #[serde(default)]
    description: String,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    /// Global allowlists only: the rules it applies to (all when empty).
    #[serde(default)]
    target_rules: Vec<String>,
}

/// A global allowlist and the (translated) rule ids it is limited to.
struct GlobalAllowlist {
    spec: AllowlistSpec,
    targets: Vec<String>,
}

/// Translates a gitleaks-format file (already parsed as TOML) into leakhound rules.
/// `[extend] path` files are read relative to `file`.
pub fn parse(file: &str, table: toml::Table) -> Result<Vec<RuleSpec>, RuleError> {
    let mut chain = Vec::new();
    let (rules, globals) = parse_chain(file, table, 0, &mut chain)?;
    Ok(apply_globals(rules, &globals))
}

fn file_error(file: &str, problem: impl Into<String>) -> RuleError {
    RuleError::File {
        file: file.to_string(),
        problem: problem.into(),
    }
}

fn rule_error(file: &str, rule: &str, problem: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        file: file.to_string(),
        rule: rule.to_string(),
        problem: problem.into(),
    }
}

fn parse_chain(
    file: &str,
    table: toml::Table,
    depth: usize,
    chain: &mut Vec<PathBuf>,
) -> Result<(Vec<RuleSpec>, Vec<GlobalAllowlist>), RuleError> {
    let parsed = GlFile::deserialize(toml::Value::Table(table))
        .map_err(|e| file_error(file, format!("gitleaks rule file: {}", e.to_string().trim_end())))?;
    let mut rules = Vec::new();
    let mut globals = Vec::new();
    if let Some(extend) = &parsed.extend {
        if extend.url.is_some() {
            return Err(file_error(
                file,
                "[extend] url: leakhound does not fetch rule files over the network; download it and use [extend] path",
            ));
        }
        if !extend.disabled_rules.is_empty() {
            return Err(file_error(
                file,
                "[extend] disabledRules names gitleaks' built-in rules, which leakhound does not have (its own \
                 built-ins have other ids); remove the key",
            ));
        }
        if let Some(base) = &extend.path {
            let (base_rules, base_globals) = load_extended(file, base, depth, chain)?;
            rules = base_rules;
            globals = base_globals;
        }
    }
    for (index, list) in parsed.allowlist.iter().chain(&parsed.allowlists).enumerate() {
        let label = format!("global allowlist {}", index + 1);
        let spec =
            translate_allowlist(list, true).map_err(|problem| file_error(file, format!("{label}: {problem}")))?;
        globals.push(GlobalAllowlist {
            spec,
            targets: list.target_rules.iter().map(|id| normalise_id(id)).collect(),
        });
    }
    let mut own: Vec<RuleSpec> = Vec::with_capacity(parsed.rules.len());
    for (index, value) in parsed.rules.into_iter().enumerate() {
        let label = value
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{} (no id)", index + 1));
        let rule = GlRule::deserialize(value)
            .map_err(|e| rule_error(file, &label, format!("gitleaks rule: {}", e.to_string().trim_end())))?;
        own.push(translate_rule(&rule).map_err(|problem| rule_error(file, &label, problem))?);
    }
    for (index, global) in globals.iter().enumerate() {
        if let Some(missing) = global
            .targets
            .iter()
            .find(|id| !own.iter().chain(&rules).any(|r| &&r.id == id))
        {
            return Err(file_error(
                file,
                format!(
                    "global allowlist {}: targetRules names unknown rule '{missing}'",
                    index + 1
                ),
            ));
        }
    }
    // An extending file's rule replaces the base rule with the same id, as in gitleaks.
    rules.retain(|base| !own.iter().any(|r| r.id == base.id));
    rules.extend(own);
    Ok((rules, globals))
}

fn load_extended(
    file: &str,
    base: &str,
    depth: usize,
    chain: &mut Vec<PathBuf>,
) -> Result<(Vec<RuleSpec>, Vec<GlobalAllowlist>), RuleError> {
    if depth >= MAX_EXTEND_DEPTH {
        return Err(file_error(
            file,
            format!("[extend] path: more than {MAX_EXTEND_DEPTH} files extend one another"),
        ));
    }
    let here = Path::new(file);
    if chain.is_empty() {
        chain.push(here.canonicalize().unwrap_or_else(|_| here.to_path_buf()));
    }
    let target = here.parent().unwrap_or(Path::new(".")).join(base);
    let shown = target.display().to_string();
    let canonical = target.canonicalize().map_err(|source| RuleError::Io {
        file: shown.clone(),
        source,
    })?;
    if chain.contains(&canonical) {
        return Err(file_error(
            file,
            format!("[extend] path '{base}' leads back to a file already extended"),
        ));
    }
    let text = std::fs::read_to_string(&target).map_err(|source| RuleError::Io {
        file: shown.clone(),
        source,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| RuleError::Toml {
        file: shown.clone(),
        message: e.to_string().trim_end().to_string(),
    })?;
    if !is_gitleaks(&table) {
        return Err(file_error(
            &shown,
            "[extend] path must name a gitleaks-format rule file",
        ));
    }
    chain.push(canonical);
    let result = parse_chain(&shown, table, depth + 1, chain);
    chain.pop();
    result
}

/// Adds each global allowlist to the rules it targets (all rules when it names none).
fn apply_globals(mut rules: Vec<RuleSpec>, globals: &[GlobalAllowlist]) -> Vec<RuleSpec> {
    for rule in &mut rules {
        for (index, global) in globals.iter().enumerate() {
            if global.targets.is_empty() || global.targets.contains(&rule.id) {
                let mut spec = global.spec.clone();
                let what = format!("global allowlist {}", index + 1);
                spec.description = if spec.description.is_empty() {
                    what
                } else {
                    format!("{what}: {}", spec.description)
                };
                rule.allowlists.push(spec);
            }
        }
    }
    rules
}

/// Leakhound ids are lower-case `[a-z0-9._-]`; gitleaks allows any text.
fn normalise_id(id: &str) -> String {
    id.trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn translate_rule(rule: &GlRule) -> Result<RuleSpec, String> {
    let id = normalise_id(&rule.id);
    if id.is_empty() {
        return Err("'id' must not be empty".into());
    }
    if rule.required.is_some() {
        return Err("composite rules ([[rules.required]]) are not supported; split the rule".into());
    }
    if rule.skip_report == Some(true) {
        return Err("skipReport rules only serve composite rules, which are not supported".into());
    }
    let Some(regex) = &rule.regex else {
        return Err(if rule.path.is_some() {
            "a rule with 'path' and no 'regex' reports files by name, which leakhound does not support; \
             add a regex for the secret inside those files"
                .into()
        } else {
            "no 'regex'".into()
        });
    };
    let regex = translate_regex(regex).map_err(|problem| format!("regex: {problem}"))?;
    let secret_group = match rule.secret_group {
        Some(n) => Some(SecretGroup::Index(
            usize::try_from(n).map_err(|_| format!("secretGroup {n} is negative"))?,
        )),
        None => Some(SecretGroup::Choice(SecretGroupChoice::FirstNonEmpty)),
    };
    let min_entropy = match rule.entropy {
        Some(e) if e.is_finite() && (0.0..=8.0).contains(&e) => Some(e as f32),
        Some(e) => return Err(format!("entropy {e} is outside 0.0..=8.0 bits per byte")),
        None => None,
    };
    let mut keywords: Vec<String> = Vec::new();
    for keyword in &rule.keywords {
        let keyword = keyword.to_ascii_lowercase();
        if !keywords.contains(&keyword) {
            keywords.push(keyword);
        }
    }
    // A keyword too short (or non-ASCII) for the prefilter cannot gate the rule, and dropping
    // it would miss what it gates: such rules, and rules without keywords, run over whole files.
    let usable = !keywords.is_empty()
        && keywords
            .iter()
            .all(|k| k.len() >= super::compile::MIN_KEYWORD_LEN && k.is_ascii());
    let mut paths = Vec::new();
    let mut only_paths = Vec::new();
    if let Some(path) = &rule.path {
        let path = translate_regex(path).map_err(|problem| format!("path: {problem}"))?;
        // The rule runs over whole files on its paths; usable keywords stay so that git blobs
        // (whose paths are learnt after scanning) still wake it.
        paths.push(path.clone());
        only_paths.push(path);
        if !usable {
            keywords.clear();
        }
    } else if !usable {
        paths.push(WHOLE_FILE.to_string());
        keywords.clear();
    }
    let mut allowlists = Vec::new();
    for (index, list) in rule.allowlist.iter().chain(&rule.allowlists).enumerate() {
        let spec = translate_allowlist(list, false).map_err(|problem| format!("allowlist {}: {problem}", index + 1))?;
        allowlists.push(spec);
    }
    let description = rule.description.trim();
    Ok(RuleSpec {
        name: if description.is_empty() {
            rule.id.trim().to_string()
        } else {
            description.to_string()
        },
        description: description.to_string(),
        id,
        provider: PROVIDER.to_string(),
        keywords,
        regex,
        min_entropy,
        checksum: None,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        reference: None,
        window: None,
        generic: false,
        placeholders: true,
        companions: Vec::new(),
        value_check: None,
        skip_paths: Vec::new(),
        paths,
        only_paths,
        secret_group,
        allowlists,
        tags: rule.tags.clone(),
        examples: Vec::new(),
        negative_examples: Vec::new(),
        validate: None,
    })
}

fn translate_allowlist(list: &GlAllowlist, global: bool) -> Result<AllowlistSpec, String> {
    if !global && !list.target_rules.is_empty() {
        return Err("targetRules is only meaningful in a global [[allowlists]]".into());
    }
    let condition = match list.condition.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("OR") | Some("") => AllowCondition::Or,
        Some("AND") => AllowCondition::And,
        Some(other) => return Err(format!("condition {other:?} is not OR or AND")),
    };
    let regex_target = match list.regex_target.as_deref() {
        None | Some("") | Some("secret") => RegexTarget::Secret,
        Some("match") => RegexTarget::Match,
        Some("line") => RegexTarget::Line,
        Some(other) => return Err(format!("regexTarget {other:?} is not secret, match or line")),
    };
    let regexes = list
        .regexes
        .iter()
        .map(|r| translate_regex(r).map_err(|problem| format!("regex {r:?}: {problem}")))
        .collect::<Result<Vec<_>, _>>()?;
    let paths = list
        .paths
        .iter()
        .map(|r| translate_regex(r).map_err(|problem| format!("path {r:?}: {problem}")))
        .collect::<Result<Vec<_>, _>>()?;
    if regexes.is_empty() && paths.is_empty() && list.stopwords.is_empty() && list.commits.is_empty() {
        return Err("sets none of regexes, stopwords, paths, commits".into());
    }
    Ok(AllowlistSpec {
        description: list.description.trim().to_string(),
        condition,
        regexes,
        regex_target,
        stopwords: list.stopwords.iter().map(|w| w.to_ascii_lowercase()).collect(),
        paths,
        commits: list.commits.clone(),
    })
}

/// Rewrites a Go RE2 pattern into the Rust `regex` syntax leakhound compiles (bytes, ASCII
/// classes), or says which construct cannot be evaluated.
pub fn translate_regex(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    // Inside a character class (`[[:alpha:]]` nests one level in both syntaxes).
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err("ends with a lone backslash".into());
            };
            i = translate_escape(&chars, i, next, in_class, &mut out)?;
            continue;
        }
        if in_class {
            match c {
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                '[' if chars.get(i + 1) == Some(&':') => {
                    // A POSIX class such as `[:alpha:]`: copy through its closing `:]`.
                    let rest: String = chars[i..].iter().collect();
                    let Some(end) = rest.find(":]") else {
                        return Err("unterminated POSIX class".into());
                    };
                    out.push_str(&rest[..end + 2]);
                    i += rest[..end + 2].chars().count();
                    continue;
                }
                // Literal in Go; nested classes and set operators in Rust.
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '-' if i > 0 && chars[i - 1] == '-' => out.push_str("\\-"),
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` right after the opening bracket is a literal member.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                let unsupported = [
                    ("=", "look-ahead (?=…)"),
                    ("!", "negative look-ahead (?!…)"),
                    ("<=", "look-behind (?<=…)"),
                    ("<!", "negative look-behind (?<!…)"),
                    (">", "atomic group (?>…)"),
                    ("#", "comment group (?#…)"),
                    ("(", "conditional (?(…)…)"),
                    ("R)", "recursion (?R)"),
                    ("&", "subroutine call (?&…)"),
                ];
                if let Some((_, what)) = unsupported.iter().find(|(p, _)| rest.starts_with(p)) {
                    return Err(format!("uses {what}, which leakhound cannot evaluate"));
                }
                out.push(c);
            }
            '{' => {
                if let Some(len) = repetition_len(&chars[i..]) {
                    let repetition: String = chars[i..i + len].iter().collect();
                    out.push_str(&repetition);
                    i += len;
                    if matches!(chars.get(i), Some('+')) {
                        return Err("uses a possessive quantifier, which leakhound cannot evaluate".into());
                    }
                    continue;
                }
                // Not a repetition: Go reads the brace literally.
                out.push_str("\\{");
            }
            '*' | '+' | '?' if matches!(chars.get(i + 1), Some('+')) => {
                return Err("uses a possessive quantifier, which leakhound cannot evaluate".into());
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    check_compiles(&out)?;
    Ok(out)
}

/// Length of a Go counted repetition (`{2}`, `{2,}`, `{2,5}`) at the start of `chars`.
fn repetition_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == '}')?;
    let body: String = chars[1..close].iter().collect();
    let (min, max) = match body.split_once(',') {
        Some((min, max)) => (min, Some(max)),
        None => (body.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(min) && max.is_none_or(|m| m.is_empty() || digits(m))).then_some(close + 1)
}

/// Translates the escape at `chars[i]` (`\` then `next`); returns the index after it.
fn translate_escape(chars: &[char], i: usize, next: char, in_class: bool, out: &mut String) -> Result<usize, String> {
    match next {
        'Q' => {
            // `\Q…\E` quotes literally in Go; Rust has no such escape.
            let start = i + 2;
            let end = (start..chars.len())
                .find(|&j| chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                .unwrap_or(chars.len());
            let literal: String = chars[start..end].iter().collect();
            out.push_str(&regex_syntax::escape(&literal));
            Ok((end + 2).min(chars.len()))
        }
        '0'..='7' => {
            // Go reads `\0`, `\12`, `\123` as octal; a lone `\1`…`\7` is a back-reference.
            let mut end = i + 2;
            while end < chars.len() && end < i + 4 && chars[end].is_digit(8) {
                end += 1;
            }
            if next != '0' && end == i + 2 {
                return Err(format!(
                    "uses the back-reference \\{next}, which leakhound cannot evaluate"
                ));
            }
            let digits: String = chars[i + 1..end].iter().collect();
            let value = u32::from_str_radix(&digits, 8).map_err(|e| e.to_string())?;
            push_code_point(value, out)?;
            Ok(end)
        }
        '8' | '9' => Err(format!(
            "uses the back-reference \\{next}, which leakhound cannot evaluate"
        )),
        'x' => {
            let (value, end) = if chars.get(i + 2) == Some(&'{') {
                let close = chars[i + 3..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or("unterminated \\x{…} escape")?;
                let hex: String = chars[i + 3..i + 3 + close].iter().collect();
                (
                    u32::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\x{{{hex}}}"))?,
                    i + 4 + close,
                )
            } else {
                let hex: String = chars.get(i + 2..i + 4).ok_or("short \\x escape")?.iter().collect();
                (
                    u32::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\x{hex}"))?,
                    i + 4,
                )
            };
            push_code_point(value, out)?;
            Ok(end)
        }
        'C' => {
            // Any byte in Go; leakhound matches bytes, so `(?s:.)` is the same.
            if in_class {
                return Err("uses \\C inside a class".into());
            }
            out.push_str("(?s:.)");
            Ok(i + 2)
        }
        'p' | 'P' => Err(format!(
            "uses the Unicode class \\{next}…, which leakhound cannot evaluate (it matches bytes with ASCII \
             classes); use an ASCII class such as [A-Za-z]"
        )),
        // `\<` and `\>` are word boundaries in Rust but plain `<`, `>` in Go.
        '<' | '>' => {
            out.push(next);
            Ok(i + 2)
        }
        'G' | 'K' | 'R' | 'X' | 'h' | 'H' | 'Z' | 'g' | 'k' | 'N' => Err(format!(
            "uses \\{next}, which Go's RE2 does not define and leakhound cannot evaluate"
        )),
        _ => {
            out.push('\\');
            out.push(next);
            Ok(i + 2)
        }
    }
}

/// Writes a code point escape; above ASCII, Go means a Unicode character, which a byte-wise
/// class cannot hold, so only ASCII is accepted.
fn push_code_point(value: u32, out: &mut String) -> Result<(), String> {
    if value > 0x7f {
        return Err(format!(
            "uses the non-ASCII escape for U+{value:04X}, which leakhound cannot evaluate (it matches bytes); \
             write the character itself outside a class"
        ));
    }
    out.push_str(&format!("\\x{value:02X}"));
    Ok(())
}

/// Parses the translated pattern as leakhound will compile it, so problems are named here.
fn check_compiles(pattern: &str) -> Result<(), String> {
    let ascii = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern);
    match ascii {
        Ok(_) => Ok(()),
        Err(e) => {
            let unicode = regex_syntax::ParserBuilder::new().build().parse(pattern);
            if unicode.is_ok() {
                Err(format!(
                    "needs Unicode matching (non-ASCII characters in a class or Unicode case folding), which \
                     leakhound cannot evaluate; use ASCII classes ({})",
                    first_line(&e.to_string())
                ))
            } else {
                Err(format!("does not compile: {}", first_line(&e.to_string())))
            }
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| text.lines().next().unwrap_or(text))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<RuleSpec>, RuleError> {
        let table: toml::Table = toml::from_str(text).expect("test TOML parses");
        assert!(is_gitleaks(&table));
        parse("custom.toml", table)
    }

    #[test]
    fn go_constructs_are_rewritten_to_the_same_meaning() {
        assert_eq!(translate_regex(r"\Qa.b\E+").unwrap(), r"a\.b+");
        assert_eq!(translate_regex(r"x\101\0").unwrap(), r"x\x41\x00");
        assert_eq!(translate_regex(r"a{,3}b{2,}c{1,4}").unwrap(), r"a\{,3}b{2,}c{1,4}");
        assert_eq!(translate_regex(r"[a&&b~~[:digit:]]").unwrap(), r"[a\&\&b\~\~[:digit:]]");
        assert_eq!(translate_regex(r"[]a[]").unwrap(), r"[\]a\[]");
        assert_eq!(translate_regex(r"\<tag\>").unwrap(), r"<tag>");
        assert_eq!(
            translate_regex(r"(?i)key\s*=\s*([a-z0-9]{32})").unwrap(),
            r"(?i)key\s*=\s*([a-z0-9]{32})"
        );
    }

    #[test]
    fn constructs_leakhound_cannot_evaluate_are_named() {
        for (pattern, expected) in [
            (r"(\w+)\1", "back-reference"),
            (r"key(?=abc)", "look-ahead"),
            (r"(?<!x)key", "look-behind"),
            (r"\p{Greek}+", "Unicode class"),
            (r"[é-ü]", "Unicode"),
            (r"a++", "possessive"),
            (r"\x{e9}", "non-ASCII"),
            (r"(unclosed", "does not compile"),
        ] {
            let err = translate_regex(pattern).unwrap_err();
            assert!(err.contains(expected), "{pattern}: {err}");
        }
    }

    #[test]
    fn a_rule_maps_every_field() {
        let rules = parse_str(
            r#"
title = "team rules"
[extend]
useDefault = true
[[rules]]
id = "Team_Token"
description = "Team service token"
regex = '''team_key\s*=\s*"([a-z0-9]{24})"'''
secretGroup = 1
entropy = 3.2
keywords = ["TEAM_KEY"]
tags = ["internal"]
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''#\s*example''']
condition = "AND"
paths = ['''docs/''']
[allowlist]
stopwords = ["sample"]
"#,
        )
        .unwrap();
        assert_eq!(rules.len(), 1);
        let r = &rules[0];
        assert_eq!(r.id, "team_token");
        assert_eq!(r.name, "Team service token");
        assert_eq!(r.keywords, vec!["team_key"]);
        assert_eq!(r.min_entropy, Some(3.2));
        assert_eq!(r.secret_group, Some(SecretGroup::Index(1)));
        assert_eq!(r.tags, vec!["internal"]);
        assert_eq!(r.allowlists.len(), 2);
        assert_eq!(r.allowlists[0].condition, AllowCondition::And);
        assert_eq!(r.allowlists[0].regex_target, RegexTarget::Line);
        assert_eq!(r.allowlists[1].stopwords, vec!["sample"]);
        assert!(r.paths.is_empty() && r.only_paths.is_empty());
    }

    #[test]
    fn short_or_missing_keywords_make_a_whole_file_rule() {
        let rules = parse_str(
            r#"
[[rules]]
id = "a"
regex = '''ab[0-9]{20}'''
keywords = ["ab", "abc"]
[[rules]]
id = "b"
regex = '''zz[0-9]{20}'''
[[rules]]
id = "c"
regex = '''cfg_[0-9]{20}'''
path = '''\.cfg$'''
keywords = ["cfg_"]
"#,
        )
        .unwrap();
        assert_eq!(rules[0].paths, vec![WHOLE_FILE]);
        assert!(rules[0].keywords.is_empty());
        assert_eq!(rules[1].paths, vec![WHOLE_FILE]);
        assert_eq!(rules[2].paths, vec![r"\.cfg$"]);
        assert_eq!(rules[2].only_paths, vec![r"\.cfg$"]);
        assert_eq!(rules[2].keywords, vec!["cfg_"]);
    }

    #[test]
    fn errors_name_the_rule_and_the_problem() {
        let err = parse_str("[[rules]]\nid = \"x1\"\nregex = 'a'\nkeywords = ['abc']\nsecretGroupp = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule 'x1'") && err.contains("secretGroupp"), "{err}");
        let err = parse_str("[[rules]]\nid = \"p\"\npath = 'id_rsa$'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule 'p'") && err.contains("no 'regex'"), "{err}");
        let err = parse_str("[[rules]]\nid = \"q\"\nregex = '(a)\\1'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule 'q'") && err.contains("back-reference"), "{err}");
        let err = parse_str("[extend]\nurl = 'https://example.com/x.toml'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("network"), "{err}");
        let err =
            parse_str("[[allowlists]]\ntargetRules = ['nope']\nstopwords = ['x']\n[[rules]]\nid = 'r'\nregex = 'a'\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
