//! `leakhound scan`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::output::ReportArgs;
use crate::ignorefile::Suppressions;
use crate::scan::{self, FindingSink, ScanOptions};

/// Arguments of `leakhound scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Skip files larger than SIZE (e.g. 50M, 1G, 1048576).
    #[arg(long, value_name = "SIZE", default_value = "50M", value_parser = super::parse_size)]
    pub max_file_size: u64,
    /// Open zip/jar/whl/apk, tar, tar.gz/tgz and gz archives up to N levels deep (0: never).
    #[arg(long, value_name = "N", default_value_t = crate::source::archive::DEFAULT_MAX_DEPTH)]
    pub archive_depth: usize,
    /// Scan files that .gitignore/.ignore/.leakhoundignore would exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow_symlinks: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs a scan and returns the exit code.
pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    scan::check_paths(&args.paths)?;
    let roots: Vec<&std::path::Path> = args.paths.iter().filter(|p| p.is_dir()).map(|p| p.as_path()).collect();
    let config = args.report.repo_config(&roots)?;
    let rules = args.report.load_rules(config.as_ref())?;
    let mut suppressions = Suppressions::none();
    args.report.add_suppressions(&mut suppressions, config.as_ref())?;
    for path in &args.paths {
        if path.is_dir() {
            suppressions
                .add_from_dir(path)
                .with_context(|| format!("reading {}", path.join(crate::ignorefile::IGNORE_FILE_NAME).display()))?;
        }
    }
    let sink = args
        .report
        .open_sink()?
        .with_sarif_root(crate::report::sarif::SarifRoot::for_scan(&args.paths));
    let scan_options = ScanOptions {
        paths: args.paths.clone(),
        threads: scan::effective_threads(args.report.threads),
        max_file_size: args.max_file_size,
        respect_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        archive_depth: args.archive_depth,
    };
    let explainer = args.report.explainer();
    if !args.report.validation.enabled() {
        let summary = scan::run(
            &rules,
            &scan_options,
            &suppressions,
            &sink,
            args.report.progress(),
            explainer.as_ref(),
        );
        return args.report.finish(sink, &rules, &summary);
    }
    // Validation needs every finding (deduplicated across files) before anything is written.
    let collected = scan::CollectSink::default();
    let mut summary = scan::run(
        &rules,
        &scan_options,
        &suppressions,
        &collected,
        args.report.progress(),
        explainer.as_ref(),
    );
    let mut findings = collected.into_findings();
    summary.exposure = args.report.validation.run(&mut findings, &rules)?;
    summary.findings = findings.len() as u64;
    sink.accept(findings);
    args.report.finish(sink, &rules, &summary)
}
