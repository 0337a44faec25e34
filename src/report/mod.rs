//! Reports: every output format, and the sink that collects or streams findings while a scan
//! runs.

mod csv;
mod github;
pub mod html;
mod human;
mod json;
pub mod sarif;

use std::io::Write;
use std::sync::Mutex;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::scan::{FindingSink, ScanSummary};

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: path:line:column, rule, redacted secret and the line; colour on a terminal.
    Human,
    /// One JSON document: findings and summary.
    Json,
    /// One finding per line, written as soon as it is found.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning tools; secrets always redacted.
    Sarif,
    /// Comma-separated values with a header row.
    Csv,
    /// GitHub Actions annotations (`::error file=…,line=…::…`); secrets always redacted.
    Github,
    /// A Markdown summary table (for `$GITHUB_STEP_SUMMARY`); secrets always redacted.
    Markdown,
}

/// How findings are rendered.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub format: Format,
    /// Hide secrets in every format.
    pub redact: bool,
    /// Show secrets in the human format (redacted there by default).
    pub show_secrets: bool,
    /// ANSI colour in the human format.
    pub color: bool,
}

impl ReportOptions {
    /// Whether findings must be redacted before this report sees them.
    pub fn redacts(&self) -> bool {
        match self.format {
            Format::Sarif | Format::Github | Format::Markdown => true,
            Format::Human => self.redact || !self.show_secrets,
            Format::Json | Format::Jsonl | Format::Csv => self.redact,
        }
    }
}

enum SinkState {
    Streaming(Box<dyn Write + Send>),
    Collecting(Vec<Finding>, Box<dyn Write + Send>),
}

/// Receives findings during a scan: streams them (JSONL) or keeps them for the final report.
pub struct ReportSink {
    options: ReportOptions,
    /// What SARIF locations are relative to (the current directory unless told).
    sarif_root: Option<sarif::SarifRoot>,
    state: Mutex<Option<SinkState>>,
    write_error: Mutex<Option<std::io::Error>>,
    /// Further reports of the same findings (`--report FORMAT=FILE`).
    also: Vec<ReportSink>,
}

impl ReportSink {
    /// A sink writing the chosen format to `out`.
    pub fn new(options: ReportOptions, out: Box<dyn Write + Send>) -> ReportSink {
        let state = match options.format {
            Format::Jsonl => SinkState::Streaming(out),
            _ => SinkState::Collecting(Vec::new(), out),
        };
        ReportSink {
            options,
            sarif_root: None,
            state: Mutex::new(Some(state)),
            write_error: Mutex::new(None),
            also: Vec::new(),
        }
    }

    /// Adds another report of the same findings, written when this one is.
    pub fn with_also(mut self, other: ReportSink) -> ReportSink {
        self.also.push(other);
        self
    }

    /// Sets the root that SARIF locations are relative to: the command knows what it scanned
    /// (a directory tree or a repository), the sink does not.
    pub fn with_sarif_root(mut self, root: sarif::SarifRoot) -> ReportSink {
        self.also = self
            .also
            .into_iter()
            .map(|sink| sink.with_sarif_root(root.clone()))
            .collect();
        self.sarif_root = Some(root);
        self
    }

    /// What locations are relative to: what the command scanned, else the current directory.
    fn root(&self) -> sarif::SarifRoot {
        self.sarif_root
            .clone()
            .unwrap_or_else(|| sarif::SarifRoot::for_scan(&[std::path::PathBuf::from(".")]))
    }

    /// Writes the report of a collecting format, findings sorted by place, and flushes.
    pub fn finish(self, rules: &RuleSet, summary: &ScanSummary) -> std::io::Result<()> {
        let root = self.root();
        for other in self.also {
            other.finish(rules, summary)?;
        }
        if let Some(e) = self.write_error.into_inner().ok().flatten() {
            return Err(e);
        }
        let state = self.state.into_inner().ok().flatten();
        match state {
            Some(SinkState::Streaming(mut out)) => out.flush(),
            Some(SinkState::Collecting(mut findings, mut out)) => {
                findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                match self.options.format {
                    Format::Human => human::write(&mut out, &findings, summary, self.options.color)?,
                    Format::Json => json::write_document(&mut out, &findings, summary)?,
                    Format::Csv => csv::write(&mut out, &findings)?,
                    Format::Github => github::write_annotations(&mut out, &findings, &root)?,
                    Format::Markdown => github::write_summary(&mut out, &findings, summary, &root)?,
                    Format::Sarif => {
                        let written = sarif::write(&mut out, rules, &findings, summary, &root)?;
                        if let Some(warning) = written.warning() {
                            eprintln!("leakhound: warning: {warning}");
                        }
                    }
                    Format::Jsonl => {
                        for finding in &findings {
                            json::write_line(&mut out, finding)?;
                        }
                    }
                }
                out.flush()
            }
            None => Ok(()),
        }
    }
}

impl FindingSink for ReportSink {
    fn accept(&self, mut findings: Vec<Finding>) {
        for other in &self.also {
            other.accept(findings.clone());
        }
        // SARIF also hides other copies of the batch's secrets (a second token on a line, a
        // token quoted in a commit summary); collect them while they are still known.
        let sensitive = (self.options.format == Format::Sarif).then(|| sarif::SensitiveValues::of(&findings));
        if self.options.redacts() {
            findings.iter_mut().for_each(Finding::redact);
        }
        if let Some(sensitive) = &sensitive {
            sensitive.scrub(&mut findings);
        }
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        match guard.as_mut() {
            Some(SinkState::Streaming(out)) => {
                for finding in &findings {
                    if let Err(e) = json::write_line(out, finding) {
                        if let Ok(mut slot) = self.write_error.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                }
            }
            Some(SinkState::Collecting(all, _)) => all.extend(findings),
            None => {}
        }
    }
}

/// One-line summary for stderr (machine formats) or the end of the human report.
pub fn summary_line(summary: &ScanSummary) -> String {
    let mut line = format!(
        "{} finding{} in {} file{} ({:.1} MB) in {:.2} s, {:.0} MB/s",
        summary.findings,
        plural(summary.findings),
        summary.files_scanned,
        plural(summary.files_scanned),
        summary.bytes_scanned as f64 / 1e6,
        summary.elapsed_ms as f64 / 1000.0,
        summary.throughput_mb_s,
    );
    if !summary.skipped.is_empty() {
        let parts: Vec<String> = summary
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {}", reason.as_str()))
            .collect();
        line.push_str(&format!("; skipped {}", parts.join(", ")));
    }
    if let Some(git) = &summary.git {
        line.push_str(&format!("; {}", git.describe()));
    }
    if summary.suppressed > 0 {
        line.push_str(&format!(
            "; {} suppressed (ignore file, baseline, config or allow comment)",
            summary.suppressed
        ));
    }
    line
}

/// Warnings a person must see whatever the format: unreadable inputs and an empty scan.
pub fn warnings(summary: &ScanSummary) -> Vec<String> {
    let mut out: Vec<String> = summary
        .not_scanned
        .iter()
        .map(|issue| format!("not scanned: {}: {}", issue.path, issue.reason))
        .collect();
    match &summary.git {
        Some(git) if git.mode == "staged" && git.blobs_scanned == 0 && summary.skipped.is_empty() => {
            out.push("nothing is staged: no file in the index differs from HEAD".into())
        }
        Some(git) if git.mode != "staged" && git.commits == 0 => {
            out.push("0 commits selected: nothing was scanned".into())
        }
        Some(git) => out.extend(git.problems.iter().map(|p| format!("git: {p}"))),
        None if summary.files_scanned == 0 => {
            out.push("nothing was scanned: no readable text file was found in the given paths".into())
        }
        None => {}
    }
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
