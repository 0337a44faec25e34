//! `leakhound rules list` and `leakhound rules check`.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::rules::check::check_examples;
use crate::rules::{load_builtin, load_path, load_ruleset, merge_rules, RuleSet};

/// Subcommands of `leakhound rules`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Show every rule (built-in plus --rules).
    List(ListArgs),
    /// Run the examples of rule files (default: the built-in rules); exits 1 on a failure.
    Check(CheckArgs),
}

/// Formats of `rules list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// Arguments of `rules list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Add rules from a TOML file or directory (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: ListFormat,
}

/// Arguments of `rules check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A rule file or directory to check; its rules replace built-in rules with the same id.
    pub path: Option<PathBuf>,
}

#[derive(Serialize)]
struct RuleRow<'a> {
    id: &'a str,
    provider: &'a str,
    name: &'a str,
    description: &'a str,
    severity: &'a str,
    confidence: &'a str,
    keywords: &'a [String],
    checksum: Option<&'a str>,
    min_entropy: Option<f32>,
    reference: Option<&'a str>,
    source: &'a str,
    examples: usize,
    negative_examples: usize,
    /// `None` without a validator; else its kind and where it sends requests.
    validator: Option<ValidatorRow>,
}

#[derive(Serialize)]
struct ValidatorRow {
    kind: &'static str,
    target: String,
}

/// Runs a `rules` subcommand and returns the exit code.
pub fn run(command: RulesCommand) -> anyhow::Result<u8> {
    match command {
        RulesCommand::List(args) => list(args),
        RulesCommand::Check(args) => check(args),
    }
}

fn list(args: ListArgs) -> anyhow::Result<u8> {
    let rules = load_ruleset(&args.rules)?;
    let rows: Vec<RuleRow<'_>> = rules
        .rules
        .iter()
        .map(|r| RuleRow {
            id: &r.spec.id,
            provider: &r.spec.provider,
            name: &r.spec.name,
            description: &r.spec.description,
            severity: r.spec.severity.as_str(),
            confidence: r.spec.confidence.as_str(),
            keywords: &r.spec.keywords,
            checksum: r.spec.checksum.map(|c| c.as_str()),
            min_entropy: r.spec.min_entropy,
            reference: r.spec.reference.as_deref(),
            source: if r.builtin { "builtin" } else { &r.origin },
            examples: r.spec.examples.len(),
            negative_examples: r.spec.negative_examples.len(),
            validator: r.validator.as_ref().map(|v| ValidatorRow {
                kind: v.kind(),
                target: v.target(),
            }),
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let id_width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
            let provider_width = rows.iter().map(|r| r.provider.len()).max().unwrap_or(8).max(8);
            writeln!(
                out,
                "{:<id_width$}  {:<provider_width$}  {:<8}  {:<10}  {:<12}  {:<11}  NAME",
                "ID", "PROVIDER", "SEVERITY", "CONFIDENCE", "CHECKSUM", "VALIDATOR"
            )?;
            for r in &rows {
                let validator = match &r.validator {
                    None => "-",
                    Some(v) if v.kind == "unsupported" => "unsupported",
                    Some(_) => "yes",
                };
                writeln!(
                    out,
                    "{:<id_width$}  {:<provider_width$}  {:<8}  {:<10}  {:<12}  {:<11}  {}",
                    r.id,
                    r.provider,
                    r.severity,
                    r.confidence,
                    r.checksum.unwrap_or("-"),
                    validator,
                    r.name
                )?;
            }
            let providers: HashSet<&str> = rows.iter().map(|r| r.provider).collect();
            let validated: HashSet<&str> = rows
                .iter()
                .filter(|r| r.validator.as_ref().is_some_and(|v| v.kind != "unsupported"))
                .map(|r| r.provider)
                .collect();
            writeln!(
                out,
                "\n{} rules from {} providers; {} rules from {} providers can be validated (--validate)",
                rows.len(),
                providers.len(),
                rows.iter()
                    .filter(|r| r.validator.as_ref().is_some_and(|v| v.kind != "unsupported"))
                    .count(),
                validated.len()
            )?;
        }
    }
    Ok(super::EXIT_CLEAN)
}

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    let builtin = load_builtin()?;
    let (rules, selected): (RuleSet, Option<HashSet<String>>) = match &args.path {
        Some(path) => {
            let user = load_path(path)?;
            let ids = user.iter().map(|r| r.spec.id.clone()).collect();
            (RuleSet::compile(merge_rules(builtin, user))?, Some(ids))
        }
        None => (RuleSet::compile(builtin)?, None),
    };
    let report = check_examples(&rules, |id| selected.as_ref().is_none_or(|s| s.contains(id)));
    for failure in &report.failures {
        println!("FAIL {} ({}): {}", failure.rule, failure.origin, failure.problem);
    }
    println!(
        "{} rules, {} examples, {} negative examples: {}",
        report.rules,
        report.examples,
        report.negative_examples,
        if report.failures.is_empty() {
            "all passed".to_string()
        } else {
            format!("{} failures", report.failures.len())
        }
    );
    Ok(if report.failures.is_empty() {
        super::EXIT_CLEAN
    } else {
        super::EXIT_FINDINGS
    })
}
