//! SARIF 2.1.0 for code-scanning tools, shaped for GitHub code scanning.
//!
//! SARIF files leave the machine (they are uploaded to GitHub and kept as build artifacts), so
//! this report never carries a secret, whatever the flags: findings are redacted before they
//! arrive, and [`SensitiveValues::scrub`] also hides every other copy of a secret of the same
//! file that a snippet or a commit summary might show (a second token on the same line, a token
//! quoted in a commit message), including fragments of it cut at the edge of a clipped snippet.
//!
//! What GitHub needs, and where it comes from:
//!
//! - **Rules**: `tool.driver.rules` lists exactly the rules the results use, once each, in a
//!   stable order; every result's `ruleIndex` points into that list. Each rule carries a title
//!   (`shortDescription`), a description, help in text and Markdown (what leaked, why it
//!   matters, how to rotate it, the provider's documentation), a default level, `precision`
//!   (from the rule's confidence), `security-severity` (from its severity, on GitHub's 0–10
//!   scale) and the tags `security`, `secret` and CWE-798.
//! - **Locations**: URIs are relative to the root of what was scanned, `/`-separated and
//!   percent-encoded, with `uriBaseId` `%SRCROOT%` defined in the run's `originalUriBaseIds`.
//!   The root is the git work tree holding the scanned paths (so `leakhound scan src` in a
//!   checkout still yields `src/…`, the path GitHub knows), else the common directory of the
//!   scanned paths; for `leakhound git` it is the repository. Regions are full (start and end
//!   line and column); columns count Unicode code points, declared by `columnKind`.
//! - **Identity across runs**: each result has `partialFingerprints["leakhound/v1"]` =
//!   the content fingerprint, the hash of rule id and secret (the value `.leakhoundignore`
//!   takes, also in `properties.fingerprint`); further copies of the same secret in the same
//!   file, in reading order, get `:2`, `:3`… appended so each stays a distinct alert. No line
//!   number or line text enters it, so when a later commit moves or reindents the line, GitHub
//!   matches the new result to the existing alert instead of opening a duplicate; a different
//!   secret on the same line is a new alert. `primaryLocationLineHash` is left to GitHub's
//!   uploader, which computes it itself.
//! - **Limits**: GitHub rejects runs over [`MAX_RESULTS`] results or files over
//!   [`MAX_GZIPPED_BYTES`] once gzipped. Beyond either, the most severe findings are kept
//!   (severity, then confidence), the run says how many were dropped (properties and a tool
//!   notification), and [`Written::warning`] gives the line the CLI prints on stderr.
//! - **History**: findings of `leakhound git` carry commit, author, date and commit summary in
//!   the result's `properties`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use crate::finding::{redact, Finding};
use crate::rules::{CompiledRule, Confidence, RuleSet, Severity};
use crate::scan::ScanSummary;

/// Key under which results carry their content fingerprint.
pub const FINGERPRINT_KEY: &str = "leakhound/v1";
/// The `uriBaseId` of every relative location: the root of what was scanned.
pub const SRCROOT: &str = "%SRCROOT%";
/// Most results GitHub code scanning accepts in one run.
pub const MAX_RESULTS: usize = 25_000;
/// Largest SARIF file GitHub code scanning accepts, measured gzipped.
pub const MAX_GZIPPED_BYTES: usize = 10 * 1024 * 1024;
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/leakhound/leakhound";
/// The weakness every finding is an instance of: CWE-798, use of hard-coded credentials.
const CWE_TAG: &str = "external/cwe/cwe-798";
/// Shortest piece of a secret that [`SensitiveValues::scrub`] hides when a clipped snippet starts or ends
/// with it; shorter pieces are too common to be told from ordinary text.
const MIN_FRAGMENT: usize = 8;

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's scale: over 9.0 is critical, 7.0–8.9 high, 4.0–6.9 medium, below that low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "medium",
    }
}

/// The root that SARIF locations are relative to, and how to turn a finding's path (as
/// reports show it) into a URI under it.
#[derive(Debug, Clone)]
pub struct SarifRoot {
    /// Absolute, lexically normalised root directory.
    root: PathBuf,
    /// The same directory with symbolic links resolved, when it exists.
    canonical: Option<PathBuf>,
    /// The absolute directory that relative finding paths are relative to.
    base: PathBuf,
}

impl SarifRoot {
    /// For `leakhound scan PATHS`: finding paths are as given on the command line (relative
    /// to the current directory or absolute); the root is the git work tree that holds the
    /// scanned paths, else their common directory, so URIs match the repository's paths.
    pub fn for_scan(paths: &[PathBuf]) -> SarifRoot {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let dirs: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != crate::source::stdin::STDIN_NAME)
            .map(|p| {
                let absolute = normalize(&cwd.join(p));
                if absolute.is_dir() {
                    absolute
                } else {
                    absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
                }
            })
            .collect();
        let common = dirs
            .iter()
            .skip(1)
            .fold(dirs.first().cloned().unwrap_or_else(|| normalize(&cwd)), |acc, dir| {
                common_ancestor(&acc, dir)
            });
        let root = work_tree_of(&common).unwrap_or(common);
        SarifRoot::new(root, normalize(&cwd))
    }

    /// For `leakhound git REPO`: finding paths are relative to the repository's top level,
    /// which is the root (the parent of a `.git` directory given as REPO).
    pub fn for_repository(repo: &Path) -> SarifRoot {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut root = normalize(&cwd.join(repo));
        if root.file_name().is_some_and(|name| name == ".git") {
            if let Some(parent) = root.parent() {
                root = parent.to_path_buf();
            }
        }
        SarifRoot::new(root.clone(), root)
    }

    fn new(root: PathBuf, base: PathBuf) -> SarifRoot {
        let canonical = std::fs::canonicalize(&root).ok().filter(|c| *c != root);
        SarifRoot { root, canonical, base }
    }

    /// The `file:` URI of the root, ending in `/` as SARIF requires of a base URI.
    pub fn root_uri(&self) -> String {
        let mut uri = file_uri(&self.root);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    }

    /// The URI of a finding's path and its `uriBaseId`: relative to the root when the file is
    /// under it, else an absolute `file:` URI (standard input is `stdin`, with no base).
    pub fn locate(&self, path: &str) -> (String, Option<&'static str>) {
        let located = self.place(path);
        (located.uri, located.base)
    }

    /// A finding's path as the repository names it (`src/app.env`), for GitHub annotations and
    /// summaries, which place findings by repository path whatever directory was scanned.
    pub fn repository_path(&self, path: &str) -> String {
        self.place(path).shown
    }

    fn place(&self, path: &str) -> Place {
        if path == crate::source::stdin::STDIN_NAME {
            return Place {
                uri: "stdin".to_string(),
                base: None,
                shown: "standard input".to_string(),
            };
        }
        let absolute = normalize(&self.base.join(path.replace('\\', "/")));
        let relative = absolute
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                let canonical = self.canonical.as_ref()?;
                absolute
                    .strip_prefix(canonical)
                    .ok()
                    .map(Path::to_path_buf)
                    .or_else(|| {
                        let resolved = std::fs::canonicalize(&absolute).ok()?;
                        resolved.strip_prefix(canonical).ok().map(Path::to_path_buf)
                    })
            });
        match relative {
            Some(relative) if !relative.as_os_str().is_empty() => Place {
                uri: relative_uri(&relative),
                base: Some(SRCROOT),
                shown: relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            },
            _ => Place {
                uri: file_uri(&absolute),
                base: None,
                shown: absolute.to_string_lossy().into_owned(),
            },
        }
    }
}

/// Where a result is: its URI, the base that URI is relative to, and the path for messages.
struct Place {
    uri: String,
    base: Option<&'static str>,
    shown: String,
}

/// Resolves `.` and `..` without touching the file system (paths may not exist, and symbolic
/// links are matched separately).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// The nearest directory at or above `dir` that holds `.git` (a directory, or the file a
/// linked work tree or submodule has): the top of the repository the scanned files belong to.
fn work_tree_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|candidate| candidate.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Percent-encodes one path segment: RFC 3986 unreserved and sub-delimiter characters, `:`
/// and `@` stay; everything else (spaces, `%`, `#`, `?`, non-ASCII bytes) is escaped.
fn encode_segment(segment: &str, out: &mut String) {
    for &byte in segment.as_bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

fn relative_uri(relative: &Path) -> String {
    let mut out = String::new();
    for (i, component) in relative.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_segment(&component.as_os_str().to_string_lossy(), &mut out);
    }
    out
}

fn file_uri(absolute: &Path) -> String {
    let mut out = String::from("file://");
    let mut first = true;
    for component in absolute.components() {
        match component {
            Component::RootDir => {}
            Component::Prefix(prefix) => {
                // A Windows drive (`C:`) is the first segment of the URI path.
                out.push('/');
                out.push_str(&prefix.as_os_str().to_string_lossy().replace('\\', "/"));
                first = false;
                continue;
            }
            other => {
                out.push('/');
                encode_segment(&other.as_os_str().to_string_lossy(), &mut out);
                first = false;
                continue;
            }
        }
    }
    if first {
        out.push('/');
    }
    out
}

/// The values of a batch of findings that must never reach a SARIF file (secrets and
/// companion values), indexed so that every snippet of a large batch is checked in time
/// proportional to its length. Collect them before [`Finding::redact`] removes them, then
/// [`SensitiveValues::scrub`] the redacted findings.
pub struct SensitiveValues {
    values: Vec<String>,
    /// Finds whole copies, longest first.
    exact: Option<aho_corasick::AhoCorasick>,
    /// Every [`MIN_FRAGMENT`]-byte piece of every value, to the values and offsets holding it:
    /// finds a value cut at the edge of a clipped snippet.
    pieces: rustc_hash::FxHashMap<[u8; MIN_FRAGMENT], Vec<(u32, u32)>>,
}

impl SensitiveValues {
    /// Collects the secrets and companion values of `findings` (values shorter than four
    /// characters are too common to hunt for).
    pub fn of(findings: &[Finding]) -> SensitiveValues {
        let mut values: Vec<String> = findings
            .iter()
            .flat_map(|f| f.secret.iter().chain(f.companions.values()))
            .filter(|v| v.chars().count() >= 4)
            .cloned()
            .collect();
        values.sort_unstable();
        values.dedup();
        let exact = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&values)
            .ok();
        let mut pieces: rustc_hash::FxHashMap<[u8; MIN_FRAGMENT], Vec<(u32, u32)>> = Default::default();
        for (i, value) in values.iter().enumerate() {
            for (at, window) in value.as_bytes().windows(MIN_FRAGMENT).enumerate() {
                if let Ok(piece) = <[u8; MIN_FRAGMENT]>::try_from(window) {
                    pieces.entry(piece).or_default().push((i as u32, at as u32));
                }
            }
        }
        SensitiveValues { values, exact, pieces }
    }

    /// Hides every copy of the values left in the redacted findings' snippets and commit
    /// summaries: other secrets of the same line, a secret quoted in a commit message, and
    /// fragments of a secret that a clipped snippet starts or ends with.
    pub fn scrub(&self, findings: &mut [Finding]) {
        if self.values.is_empty() {
            return;
        }
        for finding in findings.iter_mut() {
            finding.snippet = self.scrub_text(&finding.snippet);
            if let Some(git) = finding.git.as_mut() {
                if let Some(summary) = git.summary.as_mut() {
                    *summary = self.scrub_text(summary);
                }
                for occurrence in &mut git.all_occurrences {
                    occurrence.summary = self.scrub_text(&occurrence.summary);
                }
            }
        }
    }

    fn scrub_text(&self, text: &str) -> String {
        let mut out = match &self.exact {
            Some(exact) => {
                let mut out = String::with_capacity(text.len());
                exact.replace_all_with(text, &mut out, |found, _, dst| {
                    dst.push_str(&redact(&self.values[found.pattern().as_usize()]));
                    true
                });
                out
            }
            None => text.to_string(),
        };
        // A snippet clipped inside a secret starts with its end …
        if let Some(first) = out.as_bytes().get(..MIN_FRAGMENT) {
            let tail = self.candidates(first).find_map(|(value, at)| {
                let tail = value.get(at..)?;
                (at > 0 && out.starts_with(tail)).then_some(tail.len())
            });
            if let Some(len) = tail {
                out = format!("********{}", &out[len..]);
            }
        }
        // … or ends with its start.
        if let Some(last) = out
            .len()
            .checked_sub(MIN_FRAGMENT)
            .and_then(|at| out.as_bytes().get(at..))
        {
            let head = self.candidates(last).find_map(|(value, at)| {
                let head = value.get(..at + MIN_FRAGMENT)?;
                (head.len() < value.len() && out.ends_with(head)).then_some(head.len())
            });
            if let Some(len) = head {
                out.truncate(out.len() - len);
                out.push_str("********");
            }
        }
        out
    }

    /// The values holding `piece`, with the offset of each copy.
    fn candidates<'s>(&'s self, piece: &[u8]) -> impl Iterator<Item = (&'s str, usize)> + 's {
        <[u8; MIN_FRAGMENT]>::try_from(piece)
            .ok()
            .and_then(|piece| self.pieces.get(&piece))
            .into_iter()
            .flatten()
            .filter_map(|&(i, at)| Some((self.values.get(i as usize)?.as_str(), at as usize)))
    }
}

fn descriptor(rule: &CompiledRule) -> ReportingDescriptor {
    let spec = &rule.spec;
    let description = if spec.description.is_empty() {
        format!("A {} ({}) written into a file.", spec.name, spec.provider)
    } else {
        spec.description.clone()
    };
    let reference = spec.reference.clone().unwrap_or_else(|| INFORMATION_URI.to_string());
    let help_text = format!(
        "What leaked: a {name} ({provider}). {description}\n\n\
         Why it matters: anyone who can read this file, a copy of it, or the repository's history \
         can use the credential as its owner until it is revoked. Deleting the line does not help: \
         the value stays in git history, forks and clones.\n\n\
         How to fix: 1. Revoke or rotate the credential with {provider} now and check its usage logs \
         for misuse. 2. Remove it from the code and load it at run time from a secret store or the \
         environment. 3. If it must also disappear from history, rewrite history after rotating, \
         never instead of rotating.\n\n\
         {provider} documentation: {reference}",
        name = spec.name,
        provider = spec.provider,
    );
    let help_markdown = format!(
        "## What leaked\n\nA **{name}** ({provider}). {description}\n\n\
         ## Why it matters\n\nAnyone who can read this file, a copy of it, or the repository's history \
         can use the credential as its owner until it is revoked. Deleting the line does not help: \
         the value stays in git history, forks and clones.\n\n\
         ## How to fix\n\n\
         1. Revoke or rotate the credential with {provider} now, and check its usage logs for misuse.\n\
         2. Remove it from the code; load it at run time from a secret store or the environment.\n\
         3. If it must also disappear from history, rewrite history after rotating, never instead of it.\n\n\
         ## References\n\n\
         - [{provider} documentation]({reference})\n\
         - [CWE-798: Use of Hard-coded Credentials](https://cwe.mitre.org/data/definitions/798.html)\n",
        name = spec.name,
        provider = spec.provider,
    );
    let mut properties = BTreeMap::new();
    properties.insert("precision".to_string(), serde_json::json!(precision(spec.confidence)));
    properties.insert(
        "security-severity".to_string(),
        serde_json::json!(security_severity(spec.severity)),
    );
    properties.insert("provider".to_string(), serde_json::json!(spec.provider));
    ReportingDescriptor::builder()
        .id(spec.id.clone())
        .name(spec.name.clone())
        .short_description(MultiformatMessageString::builder().text(spec.name.clone()).build())
        .full_description(MultiformatMessageString::builder().text(description).build())
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .help_uri(reference)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(level(spec.severity).to_string()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags({
                    let mut tags = vec![
                        "security".to_string(),
                        "secret".to_string(),
                        CWE_TAG.to_string(),
                        spec.provider.to_lowercase(),
                    ];
                    for tag in &spec.tags {
                        if !tags.contains(tag) {
                            tags.push(tag.clone());
                        }
                    }
                    tags
                })
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// The result's message: a first sentence that works as the alert's title, then where it came
/// from in history and what to do.
fn message(finding: &Finding, shown: &str) -> String {
    let mut text = match &finding.git {
        Some(git) if git.staged => format!("{} staged for commit in {shown}.", finding.rule_name),
        Some(git) if !git.present_at_head => format!("{} in the git history of {shown}.", finding.rule_name),
        _ => format!("{} hardcoded in {shown}.", finding.rule_name),
    };
    text.push_str(&format!(
        " The value ({}) matches the {} format ({} confidence).",
        finding.redacted,
        finding.provider,
        finding.confidence.as_str()
    ));
    if let Some(encoding) = &finding.encoding {
        text.push_str(&format!(" It is {encoding}-encoded there."));
    }
    if let Some(validation) = &finding.validation {
        match validation.status {
            crate::validate::ValidationStatus::Live => text.push_str(" The issuer confirmed it is LIVE."),
            crate::validate::ValidationStatus::Revoked => text.push_str(" The issuer rejected it (revoked)."),
            crate::validate::ValidationStatus::Unknown => {}
        }
    }
    if let Some(git) = &finding.git {
        if let Some(commit) = &git.commit {
            let short = commit.get(..12).unwrap_or(commit);
            text.push_str(&format!(" Introduced by commit {short}"));
            if let Some(author) = &git.author_name {
                text.push_str(&format!(" by {author}"));
            }
            if let Some(date) = &git.date {
                text.push_str(&format!(" on {}", date.get(..10).unwrap_or(date)));
            }
            text.push('.');
        }
        if !git.present_at_head && !git.staged {
            text.push_str(" It is no longer in the latest tree but stays readable in history.");
        }
    }
    text.push_str(&format!(
        " Rotate it with {} and remove it from the code.",
        finding.provider
    ));
    text
}

fn result(finding: &Finding, rule_index: usize, occurrence: usize, root: &SarifRoot) -> SarifResult {
    let Place { uri, base, shown } = root.place(&finding.path);
    let region = Region::builder()
        .start_line(finding.line.max(1) as i64)
        .start_column(finding.column.max(1) as i64)
        .end_line(finding.end_line.max(finding.line).max(1) as i64)
        .end_column(finding.end_column.max(1) as i64)
        .snippet(ArtifactContent::builder().text(finding.snippet.clone()).build())
        .build();
    let artifact = match base {
        Some(base) => ArtifactLocation::builder().uri(uri).uri_base_id(base).build(),
        None => ArtifactLocation::builder().uri(uri).build(),
    };
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build();
    let mut fingerprints = BTreeMap::new();
    // The first copy of a secret in a file is identified by the content fingerprint alone
    // (the value `.leakhoundignore` takes); further copies in the same file get `:2`, `:3`…
    let identity = if occurrence <= 1 {
        finding.fingerprint.clone()
    } else {
        format!("{}:{occurrence}", finding.fingerprint)
    };
    fingerprints.insert(FINGERPRINT_KEY.to_string(), identity);
    let mut properties = BTreeMap::new();
    properties.insert("fingerprint".to_string(), serde_json::json!(finding.fingerprint));
    properties.insert("provider".to_string(), serde_json::json!(finding.provider));
    properties.insert("severity".to_string(), serde_json::json!(finding.severity.as_str()));
    properties.insert("confidence".to_string(), serde_json::json!(finding.confidence.as_str()));
    properties.insert("redacted".to_string(), serde_json::json!(finding.redacted));
    let entropy = (f64::from(finding.entropy) * 100.0).round() / 100.0;
    properties.insert("entropy".to_string(), serde_json::json!(entropy));
    if let Some(encoding) = &finding.encoding {
        properties.insert("encoding".to_string(), serde_json::json!(encoding));
    }
    if !finding.companions.is_empty() {
        // Already redacted: names say which values belong with the secret.
        properties.insert("companions".to_string(), serde_json::json!(finding.companions));
    }
    if !finding.attributes.is_empty() {
        properties.insert("attributes".to_string(), serde_json::json!(finding.attributes));
    }
    if let Some(git) = &finding.git {
        for (key, value) in [
            ("commit", &git.commit),
            ("author", &git.author_name),
            ("authorEmail", &git.author_email),
            ("date", &git.date),
            ("commitSummary", &git.summary),
        ] {
            if let Some(value) = value {
                properties.insert(key.to_string(), serde_json::json!(value));
            }
        }
        properties.insert("blob".to_string(), serde_json::json!(git.blob));
        properties.insert("presentAtHead".to_string(), serde_json::json!(git.present_at_head));
        properties.insert("occurrences".to_string(), serde_json::json!(git.occurrences));
        if git.staged {
            properties.insert("staged".to_string(), serde_json::json!(true));
        }
        if git.unreachable {
            properties.insert("unreachable".to_string(), serde_json::json!(true));
        }
    }
    let mut level = level(finding.severity);
    if let Some(validation) = &finding.validation {
        properties.insert(
            "validation".to_string(),
            serde_json::to_value(validation).unwrap_or(serde_json::Value::Null),
        );
        // A credential its issuer still accepts is an error whatever the rule's severity.
        if validation.status == crate::validate::ValidationStatus::Live {
            level = ResultLevel::Error;
        }
    }
    SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .rule_index(rule_index as i64)
        .level(level)
        .message(Message::builder().text(message(finding, &shown)).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(properties).build())
        .build()
}

/// How many findings a SARIF log left out to stay within GitHub's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Findings the scan reported.
    pub total: usize,
    /// Findings written as results.
    pub kept: usize,
}

impl Written {
    /// Findings left out.
    pub fn dropped(&self) -> usize {
        self.total - self.kept
    }

    /// The warning to print on stderr when findings were left out, so nobody mistakes the
    /// SARIF file for the whole story.
    pub fn warning(&self) -> Option<String> {
        (self.dropped() > 0).then(|| {
            format!(
                "SARIF report truncated: {} of {} findings dropped to stay within GitHub code scanning limits \
                 ({MAX_RESULTS} results per run, {} MB gzipped); kept the {} most severe \
                 (use --format json for all of them)",
                self.dropped(),
                self.total,
                MAX_GZIPPED_BYTES / (1024 * 1024),
                self.kept,
            )
        })
    }
}

/// Orders findings most severe first (severity, then confidence, then place), the order in
/// which they are kept when a limit is hit.
fn by_importance(findings: &[Finding]) -> Vec<&Finding> {
    let mut ranked: Vec<&Finding> = findings.iter().collect();
    ranked.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.confidence.cmp(&a.confidence))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    ranked
}

/// Chooses the findings a SARIF log keeps: all of them when they fit in `max_results` results
/// and `max_gzipped` bytes (as measured by `gzipped_size` of their rendering), else the largest
/// most-severe prefix that fits. Returns them in their original (place) order. The limits are
/// parameters so tests can exercise them with small numbers.
pub fn within_limits<'a>(
    findings: &'a [Finding],
    max_results: usize,
    max_gzipped: usize,
    mut gzipped_size: impl FnMut(&[&'a Finding]) -> usize,
) -> Vec<&'a Finding> {
    let all: Vec<&Finding> = findings.iter().collect();
    if all.len() <= max_results && gzipped_size(&all) <= max_gzipped {
        return all;
    }
    let ranked = by_importance(findings);
    let in_order = |count: usize| {
        let mut kept: Vec<&'a Finding> = ranked[..count].to_vec();
        kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        kept
    };
    let cap = ranked.len().min(max_results);
    if cap < all.len() {
        let top = in_order(cap);
        if gzipped_size(&top) <= max_gzipped {
            return top;
        }
    }
    // `cap` results are too large: binary search the largest count that fits.
    let (mut fits, mut too_many) = (0, cap);
    while fits + 1 < too_many {
        let middle = fits + (too_many - fits) / 2;
        if gzipped_size(&in_order(middle)) <= max_gzipped {
            fits = middle;
        } else {
            too_many = middle;
        }
    }
    in_order(fits)
}

/// Counts bytes written to it, so a log's gzipped size is measured without keeping it.
struct CountingSink(usize);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Size of `bytes` once gzipped, as GitHub measures an upload.
fn gzipped_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(CountingSink(0), flate2::Compression::default());
    if encoder.write_all(bytes).is_err() {
        return usize::MAX;
    }
    encoder.finish().map(|sink| sink.0).unwrap_or(usize::MAX)
}

/// What the scan covered, as run properties: the coverage line every report carries.
fn coverage_properties(summary: &ScanSummary, written: Written) -> BTreeMap<String, serde_json::Value> {
    let mut properties = BTreeMap::new();
    properties.insert("coverage".to_string(), serde_json::json!(super::summary_line(summary)));
    properties.insert(
        "summary".to_string(),
        serde_json::to_value(summary).unwrap_or(serde_json::Value::Null),
    );
    if written.dropped() > 0 {
        properties.insert(
            "truncated".to_string(),
            serde_json::json!({
                "findings": written.total,
                "results": written.kept,
                "dropped": written.dropped(),
            }),
        );
    }
    properties
}

/// Renders the log of `findings` (already redacted and in place order).
fn render(
    rules: &RuleSet,
    findings: &[&Finding],
    summary: &ScanSummary,
    root: &SarifRoot,
    written: Written,
) -> std::io::Result<Vec<u8>> {
    let mut used: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    // A rule id unknown to the rule set cannot be described: its results are left out rather
    // than pointing at the wrong rule.
    let described: Vec<&CompiledRule> = used.iter().filter_map(|id| rules.get(id)).collect();
    let index_of: HashMap<&str, usize> = described
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.spec.id.as_str(), i))
        .collect();
    let mut occurrences: HashMap<(&str, &str), usize> = HashMap::new();
    let results: Vec<SarifResult> = findings
        .iter()
        .filter_map(|f| {
            debug_assert!(f.secret.is_none(), "SARIF findings are redacted before they arrive");
            let index = *index_of.get(f.rule_id.as_str())?;
            let n = occurrences
                .entry((f.path.as_str(), f.fingerprint.as_str()))
                .or_insert(0);
            *n += 1;
            Some(result(f, index, *n, root))
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("leakhound")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(described.into_iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_string(),
        ArtifactLocation::builder()
            .uri(root.root_uri())
            .description(Message::builder().text("The root of what was scanned.").build())
            .build(),
    );
    let mut notifications = Vec::new();
    if let Some(warning) = written.warning() {
        notifications.push(
            Notification::builder()
                .level(serde_json::json!("warning"))
                .message(Message::builder().text(format!("{warning}.")).build())
                .build(),
        );
    }
    let invocation = if notifications.is_empty() {
        Invocation::builder().execution_successful(true).build()
    } else {
        Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notifications)
            .build()
    };
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .invocations(vec![invocation])
            .original_uri_base_ids(base_ids)
            .column_kind(serde_json::json!("unicodeCodePoints"))
            .results(results)
            .properties(
                PropertyBag::builder()
                    .additional_properties(coverage_properties(summary, written))
                    .build(),
            )
            .build()])
        .build();
    let mut out = serde_json::to_vec_pretty(&log).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes a SARIF log of `findings`, which must already be redacted and scrubbed ([`SensitiveValues`]); the
/// driver lists exactly the rules the results use. Keeps within GitHub's limits and says what
/// it left out.
pub fn write(
    out: &mut dyn Write,
    rules: &RuleSet,
    findings: &[Finding],
    summary: &ScanSummary,
    root: &SarifRoot,
) -> std::io::Result<Written> {
    write_limited(out, rules, findings, summary, root, MAX_RESULTS, MAX_GZIPPED_BYTES)
}

/// [`write`] with explicit limits, for tests.
pub fn write_limited(
    out: &mut dyn Write,
    rules: &RuleSet,
    findings: &[Finding],
    summary: &ScanSummary,
    root: &SarifRoot,
    max_results: usize,
    max_gzipped: usize,
) -> std::io::Result<Written> {
    let total = findings.len();
    // The last rendering that fitted is the one written, unless the search ended elsewhere.
    let mut fitted: Option<(usize, Vec<u8>)> = None;
    let mut render_error: Option<std::io::Error> = None;
    let kept = within_limits(findings, max_results, max_gzipped, |chosen| {
        let written = Written {
            total,
            kept: chosen.len(),
        };
        match render(rules, chosen, summary, root, written) {
            Ok(bytes) => {
                let size = gzipped_len(&bytes);
                if size <= max_gzipped {
                    fitted = Some((chosen.len(), bytes));
                }
                size
            }
            Err(e) => {
                render_error.get_or_insert(e);
                0
            }
        }
    });
    if let Some(e) = render_error {
        return Err(e);
    }
    let written = Written {
        total,
        kept: kept.len(),
    };
    let bytes = match fitted {
        Some((count, bytes)) if count == kept.len() => bytes,
        _ => render(rules, &kept, summary, root, written)?,
    };
    out.write_all(&bytes)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(n: usize, severity: Severity, confidence: Confidence) -> Finding {
        Finding {
            rule_id: "r".into(),
            rule_name: "Rule".into(),
            provider: "P".into(),
            severity,
            confidence,
            path: format!("f{n:03}.txt"),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            secret: None,
            redacted: "********".into(),
            fingerprint: format!("{n:032x}"),
            entropy: 0.0,
            companions: BTreeMap::new(),
            snippet: String::new(),
            snippet_sensitive: Vec::new(),
            encoding: None,
            attributes: BTreeMap::new(),
            git: None,
            allow_deferred: 0,
            validation: None,
        }
    }

    fn sample() -> Vec<Finding> {
        vec![
            finding(0, Severity::Low, Confidence::High),
            finding(1, Severity::Critical, Confidence::Low),
            finding(2, Severity::High, Confidence::High),
            finding(3, Severity::Critical, Confidence::High),
            finding(4, Severity::Medium, Confidence::Medium),
        ]
    }

    fn paths(kept: &[&Finding]) -> Vec<String> {
        kept.iter().map(|f| f.path.clone()).collect()
    }

    #[test]
    fn everything_is_kept_within_the_limits() {
        let findings = sample();
        let kept = within_limits(&findings, 5, 100, |chosen| chosen.len());
        assert_eq!(kept.len(), 5);
    }

    #[test]
    fn over_the_result_limit_the_most_severe_are_kept_in_place_order() {
        let findings = sample();
        let kept = within_limits(&findings, 3, usize::MAX, |_| 0);
        assert_eq!(paths(&kept), ["f001.txt", "f002.txt", "f003.txt"]);
        let kept = within_limits(&findings, 1, usize::MAX, |_| 0);
        assert_eq!(
            paths(&kept),
            ["f003.txt"],
            "critical with high confidence beats critical with low"
        );
    }

    #[test]
    fn over_the_size_limit_the_largest_severe_prefix_that_fits_is_kept() {
        let findings = sample();
        // Each result "weighs" 10 bytes: 25 bytes fit two of them.
        let kept = within_limits(&findings, 100, 25, |chosen| chosen.len() * 10);
        assert_eq!(paths(&kept), ["f001.txt", "f003.txt"]);
        let kept = within_limits(&findings, 100, 5, |chosen| chosen.len() * 10);
        assert!(kept.is_empty());
    }

    fn written_log(findings: &[Finding], max_results: usize, max_gzipped: usize) -> (Written, serde_json::Value) {
        let rules = crate::rules::load_ruleset(&[]).expect("built-in rules load");
        let root = SarifRoot {
            root: PathBuf::from("/repo"),
            canonical: None,
            base: PathBuf::from("/repo"),
        };
        let mut out = Vec::new();
        let written = write_limited(
            &mut out,
            &rules,
            findings,
            &ScanSummary::default(),
            &root,
            max_results,
            max_gzipped,
        )
        .expect("the log renders");
        (written, serde_json::from_slice(&out).expect("the log is JSON"))
    }

    fn stripe(findings: &mut [Finding]) {
        for f in findings {
            f.rule_id = if f.severity == Severity::Critical {
                "stripe-secret-key".into()
            } else {
                "stripe-test-secret-key".into()
            };
        }
    }

    #[test]
    fn a_truncated_log_keeps_the_most_severe_and_says_so() {
        let mut findings = sample();
        stripe(&mut findings);
        let (written, doc) = written_log(&findings, 2, MAX_GZIPPED_BYTES);
        assert_eq!(written, Written { total: 5, kept: 2 });
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r["ruleId"] == "stripe-secret-key"));
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), 1, "only the rules the kept results use");
        assert_eq!(run["properties"]["truncated"]["dropped"], 3);
        let notice = &run["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(notice["level"], "warning");
        assert!(notice["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("3 of 5 findings dropped"));
    }

    #[test]
    fn a_log_over_the_size_limit_is_cut_to_fit() {
        let mut findings = sample();
        stripe(&mut findings);
        let (_, whole) = written_log(&findings, MAX_RESULTS, MAX_GZIPPED_BYTES);
        assert!(whole["runs"][0]["properties"]["truncated"].is_null());
        let all: Vec<&Finding> = findings.iter().collect();
        let root = SarifRoot::for_repository(Path::new("/repo"));
        let rules = crate::rules::load_ruleset(&[]).expect("built-in rules load");
        let size = render(
            &rules,
            &all,
            &ScanSummary::default(),
            &root,
            Written { total: 5, kept: 5 },
        )
        .map(|bytes| gzipped_len(&bytes))
        .expect("renders");
        let (written, doc) = written_log(&findings, MAX_RESULTS, size - 1);
        assert!(written.kept < 5 && written.kept > 0, "{written:?}");
        let results = doc["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), written.kept);
        assert_eq!(results[0]["ruleId"], "stripe-secret-key", "the critical ones stay");
    }

    #[test]
    fn the_warning_counts_what_was_dropped() {
        let written = Written { total: 30, kept: 25 };
        let warning = written.warning().unwrap_or_default();
        assert!(warning.contains("5 of 30 findings dropped"), "{warning}");
        assert_eq!(Written { total: 3, kept: 3 }.warning(), None);
    }

    #[test]
    fn scrub_hides_other_secrets_and_clipped_fragments() {
        let mut a = finding(0, Severity::High, Confidence::High);
        a.secret = Some("ABCDEFGHIJKLMNOP1234".into());
        let mut b = finding(1, Severity::High, Confidence::High);
        b.secret = Some("zyxwvutsrqponm98".into());
        let values = SensitiveValues::of(&[a, b]);
        assert_eq!(values.scrub_text("a=ABCDEFGHIJKLMNOP1234 b"), "a=ABCD******** b");
        assert_eq!(values.scrub_text("IJKLMNOP1234 rest"), "******** rest");
        assert_eq!(values.scrub_text("start zyxwvutsrq"), "start ********");
        assert_eq!(values.scrub_text("short ABCDEFG"), "short ABCDEFG", "7 characters stay");
        assert_eq!(
            values.scrub_text("xABCDEFGHIx"),
            "xABCDEFGHIx",
            "a piece inside the text is not a clipped copy"
        );
    }

    #[test]
    fn uris_are_relative_to_the_root_and_encoded() {
        let root = SarifRoot {
            root: PathBuf::from("/repo"),
            canonical: None,
            base: PathBuf::from("/repo/sub"),
        };
        assert_eq!(root.locate("a b/c.env"), ("sub/a%20b/c.env".to_string(), Some(SRCROOT)));
        assert_eq!(root.locate("./x/../y.txt"), ("sub/y.txt".to_string(), Some(SRCROOT)));
        assert_eq!(root.locate("/repo/z#1.txt"), ("z%231.txt".to_string(), Some(SRCROOT)));
        assert_eq!(root.locate("/elsewhere/k"), ("file:///elsewhere/k".to_string(), None));
        assert_eq!(root.locate("-"), ("stdin".to_string(), None));
        assert_eq!(root.root_uri(), "file:///repo/");
    }
}
