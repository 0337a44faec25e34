//! Report flags shared by `scan` and `git`, and the end of every scanning command: write the
//! report, print warnings and the summary, choose the exit code.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::config::RepoConfig;
use crate::ignorefile::Suppressions;
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
    /// Also write the findings as FORMAT to FILE (repeatable), e.g. `sarif=leakhound.sarif`,
    /// `github=-` for annotations on standard output, `markdown=$GITHUB_STEP_SUMMARY`.
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_extra_report)]
    pub reports: Vec<(Format, PathBuf)>,
    /// Do not report findings whose fingerprints are in FILE (repeatable); see
    /// `leakhound baseline create`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Vec<PathBuf>,
    /// Read the repository configuration from FILE instead of `.leakhound.toml` at the root of
    /// what is scanned.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore `.leakhound.toml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    #[command(flatten)]
    pub validation: super::validate_args::ValidateArgs,
}

/// Parses `FORMAT=FILE` for `--report`; `-` as FILE is standard output.
fn parse_extra_report(text: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = text
        .split_once('=')
        .ok_or_else(|| format!("invalid --report {text:?}: expected FORMAT=FILE, e.g. sarif=out.sarif"))?;
    let format = <Format as ValueEnum>::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!(
            "invalid --report format {format:?}: expected one of {}",
            names.join(", ")
        )
    })?;
    if file.is_empty() {
        return Err(format!("invalid --report {text:?}: the file name is empty"));
    }
    Ok((format, PathBuf::from(file)))
}

impl ReportArgs {
    /// The repository configuration: `--config FILE`, else `.leakhound.toml` in the first of
    /// `roots` that has one (none with `--no-config`).
    pub fn repo_config(&self, roots: &[&Path]) -> anyhow::Result<Option<RepoConfig>> {
        if self.no_config {
            return Ok(None);
        }
        if let Some(path) = &self.config {
            return Ok(Some(RepoConfig::from_file(path)?));
        }
        for root in roots {
            if let Some(config) = RepoConfig::from_dir(root)? {
                return Ok(Some(config));
            }
        }
        Ok(None)
    }

    /// Built-in rules plus `--rules` files, narrowed and re-ranked by the configuration.
    pub fn load_rules(&self, config: Option<&RepoConfig>) -> anyhow::Result<RuleSet> {
        let rules = crate::rules::load_ruleset_adjusted(&self.rules, |loaded| {
            if let Some(config) = config {
                for id in config.apply_to_rules(loaded) {
                    let origin = config
                        .origin
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    eprintln!("leakhound: warning: {origin}: no rule has the id {id:?}");
                }
            }
        })?;
        Ok(rules)
    }

    /// Adds the baselines and the configuration's `[allow]` section to `suppressions`.
    pub fn add_suppressions(&self, suppressions: &mut Suppressions, config: Option<&RepoConfig>) -> anyhow::Result<()> {
        for path in &self.baseline {
            suppressions
                .add_baseline(path)
                .with_context(|| format!("cannot read baseline {}", path.display()))?;
        }
        if let Some(config) = config {
            let root = config.root().unwrap_or_else(|| Path::new("."));
            suppressions.add_config(root, &config.allow).with_context(|| {
                format!(
                    "invalid [allow] paths in {}",
                    root.join(crate::config::CONFIG_FILE_NAME).display()
                )
            })?;
        }
        Ok(())
    }

    /// Opens the report destination and returns a sink that renders the chosen format (and
    /// every `--report`).
    pub fn open_sink(&self) -> anyhow::Result<ReportSink> {
        let mut sink = self.open_one(self.format, self.output.as_deref())?;
        for (format, path) in &self.reports {
            let path = (path.as_os_str() != "-").then_some(path.as_path());
            sink = sink.with_also(self.open_one(*format, path)?);
        }
        Ok(sink)
    }

    fn open_one(&self, format: Format, output: Option<&Path>) -> anyhow::Result<ReportSink> {
        let to_terminal = output.is_none() && std::io::stdout().is_terminal();
        let out: Box<dyn Write + Send> = match output {
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
            format,
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
