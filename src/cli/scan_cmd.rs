//! `leakhound scan`.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::ignorefile::Suppressions;
use crate::report::{self, Format, ReportOptions, ReportSink};
use crate::rules::load_ruleset;
use crate::scan::{self, ScanOptions};

/// Warnings printed on stderr before the rest are summarised in one line.
const MAX_WARNINGS_SHOWN: usize = 20;

/// When to colour the human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Arguments of `leakhound scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add rules from a TOML file or a directory of them (repeatable); a rule with a built-in
    /// rule's id replaces it.
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Hide secrets in every format (SARIF always hides them).
    #[arg(long)]
    pub redact: bool,
    /// Show full secrets in the human report (redacted there by default).
    #[arg(long, conflicts_with = "redact")]
    pub show_secrets: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Skip files larger than SIZE (e.g. 50M, 1G, 1048576).
    #[arg(long, value_name = "SIZE", default_value = "50M", value_parser = super::parse_size)]
    pub max_file_size: u64,
    /// Scan files that .gitignore/.ignore would exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links.
    #[arg(long, short = 'L')]
    pub follow_symlinks: bool,
    /// Exit code when findings are reported.
    #[arg(long, value_name = "N", default_value_t = super::EXIT_FINDINGS)]
    pub exit_code: u8,
    /// No progress bar and no summary on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour in the human report.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

/// Runs a scan and returns the exit code.
pub fn run(args: ScanArgs) -> anyhow::Result<u8> {
    let rules = load_ruleset(&args.rules)?;
    scan::check_paths(&args.paths)?;
    let threads = scan::effective_threads(args.threads);
    let mut suppressions = Suppressions::none();
    for path in &args.paths {
        if path.is_dir() {
            suppressions
                .add_from_dir(path)
                .with_context(|| format!("reading {}", path.join(crate::ignorefile::IGNORE_FILE_NAME).display()))?;
        }
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create output file {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout())),
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let options = ReportOptions {
        format: args.format,
        redact: args.redact,
        show_secrets: args.show_secrets,
        color,
    };
    let sink = ReportSink::new(options, out);
    let scan_options = ScanOptions {
        paths: args.paths.clone(),
        threads,
        max_file_size: args.max_file_size,
        respect_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
    };
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let summary = scan::run(&rules, &scan_options, &suppressions, &sink, progress);
    sink.finish(&rules, &summary).context("writing the report")?;
    let warnings = report::warnings(&summary);
    for warning in warnings.iter().take(MAX_WARNINGS_SHOWN) {
        eprintln!("leakhound: warning: {warning}");
    }
    if warnings.len() > MAX_WARNINGS_SHOWN {
        eprintln!(
            "leakhound: warning: … and {} more not scanned (all listed in the JSON summary)",
            warnings.len() - MAX_WARNINGS_SHOWN
        );
    }
    let summary_in_report = args.format == Format::Human && args.output.is_none();
    if !args.quiet && !summary_in_report {
        eprintln!("leakhound: {}", report::summary_line(&summary));
    }
    Ok(if summary.findings > 0 {
        args.exit_code
    } else {
        super::EXIT_CLEAN
    })
}
