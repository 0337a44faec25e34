//! `leakhound report`, `leakhound triage` and `leakhound datastore merge`: reading, annotating
//! and combining audit datastores, without scanning anything.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use crate::datastore::model::{AuditReport, ReportFinding};
use crate::datastore::{self, Datastore, ReportQuery};
use crate::finding::{Finding, GitInfo, Occurrence};
use crate::rules::RuleSet;
use crate::scan::ScanSummary;

/// Formats of `leakhound report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Text for a terminal: totals, live credentials, providers, repositories, credentials.
    Human,
    /// One JSON document: the whole report.
    Json,
    /// One credential per line, with its occurrences.
    Jsonl,
    /// SARIF 2.1.0, one result per credential and repository; secrets always redacted.
    Sarif,
    /// A single self-contained HTML page to open in a browser.
    Html,
}

/// Arguments of `leakhound report`.
#[derive(Debug, Args)]
pub struct ReportCmdArgs {
    /// The datastore an audit wrote.
    #[arg(long, value_name = "PATH", default_value = "leakhound.db")]
    pub datastore: PathBuf,
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: AuditFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also list credentials triaged as false positives or accepted.
    #[arg(long)]
    pub include_triaged: bool,
    /// Only credentials the issuer last confirmed as live.
    #[arg(long)]
    pub only_live: bool,
    /// Show raw secrets kept with --store-secrets (never in SARIF).
    #[arg(long)]
    pub show_secrets: bool,
    /// Exit code when the report lists credentials.
    #[arg(long, value_name = "N", default_value_t = super::EXIT_FINDINGS)]
    pub exit_code: u8,
}

/// Arguments of `leakhound triage`.
#[derive(Debug, Args)]
pub struct TriageArgs {
    /// The credential's fingerprint (or a unique prefix of at least 8 characters).
    pub fingerprint: String,
    /// The decision: false-positive and accepted hide the credential from later reports;
    /// revoked marks it as dealt with.
    #[arg(long, value_parser = ["false-positive", "accepted", "revoked"])]
    pub status: String,
    /// Why (shown in reports).
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long, value_name = "PATH", default_value = "leakhound.db")]
    pub datastore: PathBuf,
}

/// `leakhound datastore …`.
#[derive(Debug, Subcommand)]
pub enum DatastoreCommand {
    /// Combine datastores (e.g. one per shard) into one, without duplicates.
    Merge(MergeArgs),
}

/// Arguments of `leakhound datastore merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Datastores to combine.
    #[arg(required = true, value_name = "DB")]
    pub inputs: Vec<PathBuf>,
    /// The combined datastore (created, or merged into when it exists).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: PathBuf,
}

/// Writes a report of a datastore; returns the exit code.
pub fn report(args: ReportCmdArgs) -> anyhow::Result<u8> {
    let store = Datastore::open_read_only(&args.datastore)
        .with_context(|| format!("opening the datastore {}", args.datastore.display()))?;
    let query = ReportQuery {
        include_triaged: args.include_triaged,
        only_live: args.only_live,
        show_secrets: args.show_secrets && args.format != AuditFormat::Sarif,
    };
    let report = store.report(query)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create output file {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout())),
    };
    match args.format {
        AuditFormat::Human => crate::report::audit_text::write(&mut out, &report)?,
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditFormat::Jsonl => {
            for finding in &report.findings {
                serde_json::to_writer(&mut out, finding)?;
                writeln!(out)?;
            }
        }
        AuditFormat::Html => crate::report::html::render(&report, &mut out)?,
        AuditFormat::Sarif => write_sarif(&mut out, &report)?,
    }
    out.flush().context("writing the report")?;
    Ok(if report.findings.is_empty() {
        super::EXIT_CLEAN
    } else {
        args.exit_code
    })
}

fn write_sarif(out: &mut dyn Write, report: &AuditReport) -> anyhow::Result<()> {
    let rules = crate::rules::load_ruleset_adjusted(&[], |_| {})?;
    let findings: Vec<Finding> = report.findings.iter().flat_map(|f| per_repository(f, &rules)).collect();
    let summary = ScanSummary {
        findings: findings.len() as u64,
        ..ScanSummary::default()
    };
    let root = crate::report::sarif::SarifRoot::for_repository(std::path::Path::new("."));
    let written = crate::report::sarif::write(out, &rules, &findings, &summary, &root)?;
    if let Some(warning) = written.warning() {
        eprintln!("leakhound: warning: {warning}");
    }
    Ok(())
}

/// One finding per repository a credential occurs in, located at its first place there
/// (`REPOSITORY/PATH`), for formats that list results by place.
fn per_repository(finding: &ReportFinding, rules: &RuleSet) -> Vec<Finding> {
    let parse = |text: &str| serde_json::Value::String(text.to_string());
    let rule = rules.get(&finding.rule_id);
    let severity = serde_json::from_value(parse(&finding.severity))
        .ok()
        .or(rule.map(|r| r.spec.severity))
        .unwrap_or(crate::rules::Severity::High);
    let confidence = serde_json::from_value(parse(&finding.confidence))
        .ok()
        .or(rule.map(|r| r.spec.confidence))
        .unwrap_or(crate::rules::Confidence::Medium);
    let validation = finding.validation.as_ref().map(|v| crate::validate::Validation {
        status: match v.status.as_str() {
            "live" => crate::validate::ValidationStatus::Live,
            "revoked" => crate::validate::ValidationStatus::Revoked,
            _ => crate::validate::ValidationStatus::Unknown,
        },
        checked_at: v.checked_at.clone(),
        reason: v.reason.clone(),
        identity: v.identity.iter().cloned().collect(),
    });
    finding
        .repositories
        .iter()
        .filter_map(|repository| {
            let places: Vec<_> = finding
                .occurrences
                .iter()
                .filter(|o| &o.repository == repository)
                .collect();
            let first = places.first()?;
            Some(Finding {
                rule_id: finding.rule_id.clone(),
                rule_name: finding.rule_name.clone(),
                provider: finding.provider.clone(),
                severity,
                confidence,
                path: format!("{}/{}", repository.trim_start_matches('/'), first.path),
                line: first.line as usize,
                column: first.column as usize,
                end_line: first.line as usize,
                end_column: first.column as usize + finding.redacted.len(),
                secret: None,
                redacted: finding.redacted.clone(),
                fingerprint: finding.fingerprint.clone(),
                entropy: 0.0,
                companions: Default::default(),
                snippet: String::new(),
                snippet_sensitive: Vec::new(),
                encoding: None,
                attributes: [("repository".to_string(), repository.clone())].into_iter().collect(),
                git: Some(GitInfo {
                    commit: Some(first.commit.clone()).filter(|c| !c.is_empty()),
                    author_name: Some(first.author_name.clone()),
                    author_email: Some(first.author_email.clone()),
                    date: Some(first.date.clone()),
                    summary: Some(first.summary.clone()),
                    blob: first.blob.clone(),
                    present_at_head: false,
                    occurrences: places.len(),
                    all_occurrences: places
                        .iter()
                        .map(|o| Occurrence {
                            commit: o.commit.clone(),
                            path: o.path.clone(),
                            line: o.line as usize,
                            column: o.column as usize,
                            blob: o.blob.clone(),
                            author_name: o.author_name.clone(),
                            author_email: o.author_email.clone(),
                            date: o.date.clone(),
                            summary: o.summary.clone(),
                        })
                        .collect(),
                    unreachable: first.commit.is_empty(),
                    staged: false,
                }),
                validation: validation.clone(),
                allow_deferred: 0,
            })
        })
        .collect()
}

/// Records a triage decision.
pub fn triage(args: TriageArgs) -> anyhow::Result<u8> {
    let mut store = Datastore::open_existing(&args.datastore)
        .with_context(|| format!("opening the datastore {}", args.datastore.display()))?;
    let full = store.triage(&args.fingerprint, &args.status, args.note.as_deref())?;
    eprintln!("leakhound: {full} marked {}", args.status);
    Ok(super::EXIT_CLEAN)
}

/// Runs a `datastore` subcommand.
pub fn datastore(command: DatastoreCommand) -> anyhow::Result<u8> {
    match command {
        DatastoreCommand::Merge(args) => {
            let summary = datastore::merge(&args.inputs, &args.output)
                .with_context(|| format!("merging into {}", args.output.display()))?;
            eprintln!(
                "leakhound: merged {} datastores into {}: {} repositories, {} credentials, {} occurrences",
                summary.inputs,
                args.output.display(),
                summary.repositories,
                summary.findings,
                summary.occurrences
            );
            Ok(super::EXIT_CLEAN)
        }
    }
}
