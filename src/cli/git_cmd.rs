//! `leakhound git`: full history, a commit range, or the staged index of a repository.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::output::ReportArgs;
use crate::ignorefile::Suppressions;
use crate::scan::{self, BlobScanner, DiscardSink, FindingSink, ScanCounters};
use crate::source::git::{scan_repository, GitOptions};

/// Arguments of `leakhound git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    /// The repository: a work tree, its `.git` directory, or a bare repository.
    #[arg(default_value = ".")]
    pub repo: PathBuf,
    /// Only history reachable from REF (repeatable; default: every branch, tag, remote and stash).
    #[arg(long, value_name = "REF")]
    pub branch: Vec<String>,
    /// Only content introduced by commits after REV (REV..HEAD).
    #[arg(long, value_name = "REV", conflicts_with_all = ["range", "staged", "branch"])]
    pub since_commit: Option<String>,
    /// Only content introduced by the commits in A..B (what a pull request adds).
    #[arg(long, value_name = "A..B", conflicts_with_all = ["staged", "branch"])]
    pub range: Option<String>,
    /// Only commits made at or after DATE (e.g. 2024-01-31, "2 weeks ago").
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Skip blobs larger than SIZE (e.g. 50M).
    #[arg(long, value_name = "SIZE", default_value = "50M", value_parser = super::parse_size)]
    pub max_blob_size: u64,
    /// Scan what is staged in the index compared to HEAD (the pre-commit check).
    #[arg(long, conflicts_with = "branch")]
    pub staged: bool,
    /// List every (commit, path) occurrence of each finding.
    #[arg(long)]
    pub all_occurrences: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_range(text: &str) -> anyhow::Result<(String, String)> {
    match text.split_once("..") {
        Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.starts_with('.') => {
            Ok((from.to_string(), to.to_string()))
        }
        _ => anyhow::bail!("invalid --range {text:?}: expected A..B, e.g. main..feature"),
    }
}

fn parse_since(text: &str) -> anyhow::Result<i64> {
    gix::date::parse(text, Some(gix::date::Zoned::now()))
        .map(|t| t.seconds)
        .map_err(|e| anyhow::anyhow!("invalid --since {text:?}: {e}"))
}

/// Runs a git scan and returns the exit code.
pub fn run(args: GitArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let config = if args.repo.is_dir() {
        args.report.repo_config(&[args.repo.as_path()])?
    } else {
        args.report.repo_config(&[])?
    };
    let rules = args.report.load_rules(config.as_ref())?;
    let range = match (&args.range, &args.since_commit) {
        (Some(range), _) => Some(parse_range(range)?),
        (None, Some(rev)) => Some((rev.clone(), "HEAD".to_string())),
        (None, None) => None,
    };
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let mut suppressions = Suppressions::none();
    if args.repo.is_dir() {
        suppressions.add_paths_from_dir(&args.repo).with_context(|| {
            format!(
                "reading {}",
                args.repo.join(crate::ignorefile::IGNORE_FILE_NAME).display()
            )
        })?;
        suppressions.add_from_dir(&args.repo).with_context(|| {
            format!(
                "reading {}",
                args.repo.join(crate::ignorefile::IGNORE_FILE_NAME).display()
            )
        })?;
    }
    args.report.add_suppressions(&mut suppressions, config.as_ref())?;
    let options = GitOptions {
        repo: args.repo.clone(),
        branches: args.branch.clone(),
        range,
        since,
        max_blob_size: args.max_blob_size,
        staged: args.staged,
        // The exposure report lists every place a live credential leaked.
        all_occurrences: args.all_occurrences || args.report.validation.enabled(),
        threads: scan::effective_threads(args.report.threads),
        known: None,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build_global()
        .ok();
    let sink = args
        .report
        .open_sink()?
        .with_sarif_root(crate::report::sarif::SarifRoot::for_repository(&args.repo));
    let counters = ScanCounters::default();
    let explainer = args.report.explainer();
    let scanner = BlobScanner {
        rules: &rules,
        suppressions: &suppressions,
        counters: &counters,
        sink: &DiscardSink,
        explain: explainer.as_ref(),
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let progress = args.report.progress();
    let outcome = std::thread::scope(|scope| {
        if progress {
            scope.spawn(|| crate::progress::show(&counters, &done));
        }
        let outcome = scan_repository(&scanner, &options);
        done.store(true, std::sync::atomic::Ordering::Release);
        outcome
    });
    let (mut findings, mut coverage) = outcome?;
    let exposure = args.report.validation.run(&mut findings, &rules)?;
    if !args.all_occurrences {
        for finding in &mut findings {
            if let Some(git) = finding.git.as_mut() {
                git.all_occurrences.clear();
            }
        }
    }
    let mut summary = counters.summary(rules.len(), started);
    for (reason, count) in &summary.skipped {
        *coverage.skipped.entry(*reason).or_insert(0) += count;
    }
    summary.skipped = coverage.skipped.clone();
    coverage.blobs_scanned = summary.files_scanned;
    coverage.bytes_scanned = summary.bytes_scanned;
    summary.findings = findings.len() as u64;
    summary.git = Some(coverage);
    summary.exposure = exposure;
    sink.accept(findings);
    args.report.finish(sink, &rules, &summary)
}
