//! Report flags shared by `scan` and `git`, and the end of every scanning command: write the
//! report, print warnings and the summary, choose the exit code.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::report::{self, Format, ReportOptions, ReportSink};
use crate::rules::RuleSet;
use crate::scan::ScanSummary;

/// Warnings printed on stderr before the rest are summarised in one line.
const MAX_WARNINGS_SHOWN: usize = 20;

/// When to colour the human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Flags about rules, threads and the report, common to every scanning command.
#[derive(Debug, Args)]
pub struct ReportArgs {
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
    /// Print every candidate to stderr, kept or dropped, with the rule and the filter that
    /// decided and why (secrets redacted unless --show-secrets).
    #[arg(long)]
    pub explain: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
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

impl ReportArgs {
    /// Opens the report destination and returns a sink that renders the chosen format.
    pub fn open_sink(&self) -> anyhow::Result<ReportSink> {
        let to_terminal = self.output.is_none() && std::io::stdout().is_terminal();
        let out: Box<dyn Write + Send> = match &self.output {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).with_context(|| format!("cannot create output file {}", path.display()))?,
            )),
            None => Box::new(BufWriter::new(std::io::stdout())),
        };
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let options = ReportOptions {
            format: self.format,
            redact: self.redact,
            show_secrets: self.show_secrets,
            color,
        };
        Ok(ReportSink::new(options, out))
    }

    /// True when a progress bar may be drawn (never while explaining: both use stderr).
    pub fn progress(&self) -> bool {
        !self.quiet && !self.explain && std::io::stderr().is_terminal()
    }

    /// The `--explain` writer, when asked for.
    pub fn explainer(&self) -> Option<crate::explain::Explainer> {
        self.explain
            .then(|| crate::explain::Explainer::new(Box::new(std::io::stderr()), !self.show_secrets))
    }

    /// Writes the report, warnings and summary; returns the exit code.
    pub fn finish(&self, sink: ReportSink, rules: &RuleSet, summary: &ScanSummary) -> anyhow::Result<u8> {
        sink.finish(rules, summary).context("writing the report")?;
        let warnings = report::warnings(summary);
        for warning in warnings.iter().take(MAX_WARNINGS_SHOWN) {
            eprintln!("leakhound: warning: {warning}");
        }
        if warnings.len() > MAX_WARNINGS_SHOWN {
            eprintln!(
                "leakhound: warning: … and {} more (all listed in the JSON summary)",
                warnings.len() - MAX_WARNINGS_SHOWN
            );
        }
        let summary_in_report = self.format == Format::Human && self.output.is_none();
        if !self.quiet && !summary_in_report {
            eprintln!("leakhound: {}", report::summary_line(summary));
        }
        Ok(if summary.findings > 0 {
            self.exit_code
        } else {
            super::EXIT_CLEAN
        })
    }
}
