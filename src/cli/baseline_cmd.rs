//! `leakhound baseline`: record today's findings so that only new ones are reported, and prune
//! entries that no longer match anything.
//!
//! A baseline is a list of content fingerprints (rule + secret, hashed), the same format as
//! `.leakhoundignore`: moving or reformatting a line keeps its entry, and a different secret on
//! a baselined line is still reported.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::RepoConfig;
use crate::finding::Finding;
use crate::ignorefile::Suppressions;
use crate::scan::{self, BlobScanner, ScanCounters, ScanOptions};
use crate::source::git::{scan_repository, GitOptions};

/// `baseline` subcommands.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan PATH and write the fingerprints of every finding to a baseline file.
    Create(CreateArgs),
    /// List, and remove from BASELINE, the entries that no current finding in PATH matches.
    Prune(PruneArgs),
}

/// What a baseline is computed over.
#[derive(Debug, Args)]
pub struct Target {
    /// Directory (or repository, with --git) to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Scan the full git history of the repository at PATH instead of its files.
    #[arg(long)]
    pub git: bool,
    /// Add rules from a TOML file or directory (repeatable), as for `scan`.
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Ignore `.leakhound.toml`.
    #[arg(long)]
    pub no_config: bool,
}

/// Arguments of `baseline create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub target: Target,
    /// Where to write the baseline.
    #[arg(long, short = 'o', value_name = "FILE", default_value = ".leakhound-baseline")]
    pub output: PathBuf,
}

/// Arguments of `baseline prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The baseline file to prune.
    pub baseline: PathBuf,
    #[command(flatten)]
    pub target: Target,
    /// Only list the stale entries; leave the file as it is.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs a baseline subcommand; returns the exit code.
pub fn run(command: BaselineCommand) -> anyhow::Result<u8> {
    match command {
        BaselineCommand::Create(args) => create(args),
        BaselineCommand::Prune(args) => prune(args),
    }
}

fn create(args: CreateArgs) -> anyhow::Result<u8> {
    let findings = current_findings(&args.target)?;
    let mut entries: BTreeMap<&str, &Finding> = BTreeMap::new();
    for finding in &findings {
        entries.entry(finding.fingerprint.as_str()).or_insert(finding);
    }
    let mut text = format!(
        "# leakhound baseline of {}{}: {} finding{}.\n# Findings listed here are not reported with --baseline; a new secret still is.\n# `leakhound baseline prune` removes entries that no longer match anything.\n",
        args.target.path.display(),
        if args.target.git { " (git history)" } else { "" },
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
    );
    for (fingerprint, finding) in &entries {
        text.push_str(&format!(
            "{fingerprint}  # {} {}:{}\n",
            finding.rule_id,
            comment_safe(&finding.path),
            finding.line
        ));
    }
    std::fs::write(&args.output, text).with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!(
        "leakhound: baseline of {} finding{} written to {}",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        args.output.display()
    );
    Ok(super::EXIT_CLEAN)
}

fn prune(args: PruneArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.baseline)
        .with_context(|| format!("cannot read baseline {}", args.baseline.display()))?;
    let current: HashSet<String> = current_findings(&args.target)?
        .into_iter()
        .map(|f| f.fingerprint)
        .collect();
    let mut kept = String::with_capacity(text.len());
    let mut stale = Vec::new();
    for line in text.lines() {
        let stale_entry = crate::ignorefile::fingerprint_of_line(line).is_some_and(|entry| !current.contains(&entry));
        if stale_entry {
            stale.push(line.to_string());
        } else {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    for line in &stale {
        println!("{line}");
    }
    let verb = if args.dry_run { "would remove" } else { "removed" };
    if !args.dry_run && !stale.is_empty() {
        std::fs::write(&args.baseline, kept).with_context(|| format!("cannot write {}", args.baseline.display()))?;
    }
    eprintln!(
        "leakhound: {verb} {} stale entr{} from {}",
        stale.len(),
        if stale.len() == 1 { "y" } else { "ies" },
        args.baseline.display()
    );
    Ok(super::EXIT_CLEAN)
}

/// Paths are free text; a `#` or newline inside one must not break the file's format.
fn comment_safe(path: &str) -> String {
    path.replace(['\n', '\r'], " ")
}

/// Every finding in the target now, with the repository's ignore file and configuration
/// applied but no baseline.
fn current_findings(target: &Target) -> anyhow::Result<Vec<Finding>> {
    let config = if target.no_config {
        None
    } else {
        RepoConfig::from_dir(&target.path)?
    };
    let rules = crate::rules::load_ruleset_adjusted(&target.rules, |loaded| {
        if let Some(config) = &config {
            config.apply_to_rules(loaded);
        }
    })?;
    let mut suppressions = Suppressions::none();
    if target.path.is_dir() {
        suppressions.add_from_dir(&target.path)?;
    }
    if let Some(config) = &config {
        let root = config.root().unwrap_or_else(|| Path::new("."));
        suppressions.add_config(root, &config.allow)?;
    }
    if target.git {
        if target.path.is_dir() {
            suppressions.add_paths_from_dir(&target.path)?;
        }
        let counters = ScanCounters::default();
        let scanner = BlobScanner {
            rules: &rules,
            suppressions: &suppressions,
            counters: &counters,
            sink: &scan::DiscardSink,
            explain: None,
        };
        let options = GitOptions {
            repo: target.path.clone(),
            branches: Vec::new(),
            range: None,
            since: None,
            max_blob_size: 50 * 1024 * 1024,
            staged: false,
            all_occurrences: false,
            threads: scan::effective_threads(0),
            known: None,
        };
        let (findings, _) = scan_repository(&scanner, &options)?;
        return Ok(findings);
    }
    scan::check_paths(std::slice::from_ref(&target.path))?;
    let options = ScanOptions {
        paths: vec![target.path.clone()],
        ..ScanOptions::default()
    };
    let sink = scan::CollectSink::default();
    let summary = scan::run(&rules, &options, &suppressions, &sink, false, None);
    for warning in crate::report::warnings(&summary) {
        eprintln!("leakhound: warning: {warning}");
    }
    Ok(sink.into_findings())
}
