//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning and others).
//!
//! Secrets are always redacted here, whatever the flags: SARIF files leave the machine.
//! Each result carries the content fingerprint in `partialFingerprints`, so the same secret
//! keeps the same alert identity across runs and commits.

use std::collections::BTreeMap;
use std::io::Write;

use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};

use crate::finding::Finding;
use crate::rules::{CompiledRule, Confidence, RuleSet, Severity};
use crate::scan::ScanSummary;

/// Key under which results carry their content fingerprint.
pub const FINGERPRINT_KEY: &str = "leakhound/v1";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/leakhound/leakhound";

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

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

fn descriptor(rule: &CompiledRule) -> ReportingDescriptor {
    let spec = &rule.spec;
    let description = if spec.description.is_empty() {
        format!("{} found in the code.", spec.name)
    } else {
        spec.description.clone()
    };
    let reference = spec.reference.clone().unwrap_or_else(|| INFORMATION_URI.to_string());
    let help_text = format!(
        "A {name} was found in the code. {description} Anyone who can read this file or its history can use it. \
         Revoke or rotate it with {provider} now, then remove it from the code and load it from a secret store or \
         the environment. Format reference: {reference}",
        name = spec.name,
        provider = spec.provider,
    );
    let help_markdown = format!(
        "**{name}** ({provider}) was found in the code.\n\n{description}\n\n\
         Anyone who can read this file or its history can use it:\n\n\
         1. Revoke or rotate the credential with {provider}.\n\
         2. Remove it from the code and load it from a secret store or the environment.\n\
         3. Treat the old value as compromised even after it is deleted: it stays in git history.\n\n\
         [{provider} documentation]({reference})",
        name = spec.name,
        provider = spec.provider,
    );
    let mut properties = BTreeMap::new();
    properties.insert("precision".to_string(), serde_json::json!(precision(spec.confidence)));
    properties.insert(
        "security-severity".to_string(),
        serde_json::json!(security_severity(spec.severity)),
    );
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
                .tags(
                    [
                        "security".to_string(),
                        "secret".to_string(),
                        spec.provider.to_lowercase(),
                    ]
                    .into_iter()
                    .chain(spec.tags.iter().cloned())
                    .collect::<Vec<_>>(),
                )
                .additional_properties(properties)
                .build(),
        )
        .build()
}

fn result(finding: &Finding, rule_index: usize) -> SarifResult {
    let uri = if finding.path == crate::source::stdin::STDIN_NAME {
        "stdin".to_string()
    } else {
        finding.path.replace('\\', "/")
    };
    let region = Region::builder()
        .start_line(finding.line as i64)
        .start_column(finding.column as i64)
        .end_line(finding.end_line as i64)
        .end_column(finding.end_column as i64)
        .snippet(ArtifactContent::builder().text(finding.snippet.clone()).build())
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri).build())
                .region(region)
                .build(),
        )
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), finding.fingerprint.clone());
    let mut properties = BTreeMap::new();
    properties.insert("provider".to_string(), serde_json::json!(finding.provider));
    properties.insert("redacted".to_string(), serde_json::json!(finding.redacted));
    properties.insert("entropy".to_string(), serde_json::json!(finding.entropy));
    properties.insert("confidence".to_string(), serde_json::json!(finding.confidence.as_str()));
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
    }
    SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .rule_index(rule_index as i64)
        .level(level(finding.severity))
        .message(
            Message::builder()
                .text(format!(
                    "{} ({}) hardcoded in {}. Rotate it and remove it from the code.",
                    finding.rule_name, finding.redacted, finding.path
                ))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(properties).build())
        .build()
}

/// What the scan covered, as run properties: the coverage line every report carries.
fn coverage_properties(summary: &ScanSummary) -> BTreeMap<String, serde_json::Value> {
    let mut properties = BTreeMap::new();
    properties.insert("coverage".to_string(), serde_json::json!(super::summary_line(summary)));
    properties.insert(
        "summary".to_string(),
        serde_json::to_value(summary).unwrap_or(serde_json::Value::Null),
    );
    properties
}

/// Writes a SARIF log of `findings`, which must already be redacted; the driver lists
/// exactly the rules the results use.
pub fn write(out: &mut dyn Write, rules: &RuleSet, findings: &[Finding], summary: &ScanSummary) -> std::io::Result<()> {
    let mut used: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    let descriptors: Vec<ReportingDescriptor> = used.iter().filter_map(|id| rules.get(id)).map(descriptor).collect();
    let index_of: BTreeMap<&str, usize> = used.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|f| {
            debug_assert!(f.secret.is_none(), "SARIF findings are redacted before they arrive");
            result(f, index_of.get(f.rule_id.as_str()).copied().unwrap_or(0))
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("leakhound")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(descriptors)
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .results(results)
            .properties(
                PropertyBag::builder()
                    .additional_properties(coverage_properties(summary))
                    .build(),
            )
            .build()])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
