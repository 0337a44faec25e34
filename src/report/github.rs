//! GitHub Actions outputs: workflow-command annotations (shown on the pull request's changed
//! lines) and a Markdown job summary. Both leave the machine in CI logs, so both are always
//! redacted.

use std::io::Write;

use super::sarif::SarifRoot;
use crate::finding::Finding;
use crate::rules::Severity;
use crate::scan::ScanSummary;

/// Rows shown in the job summary; GitHub caps a summary at 1 MiB.
const MAX_SUMMARY_ROWS: usize = 500;

/// One `::error file=…,line=…::…` workflow command per finding.
pub fn write_annotations(out: &mut dyn Write, findings: &[Finding], root: &SarifRoot) -> std::io::Result<()> {
    for f in findings {
        let live = f
            .validation
            .as_ref()
            .is_some_and(|v| v.status == crate::validate::ValidationStatus::Live);
        let command = match f.severity {
            _ if live => "error",
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let title = if live {
            format!("LIVE {} ({})", f.rule_name, f.rule_id)
        } else {
            format!("{} ({})", f.rule_name, f.rule_id)
        };
        let mut message = format!("{} found: {}.", f.rule_name, f.redacted);
        if let Some(commit) = f.git.as_ref().and_then(|g| g.commit.as_deref()) {
            message.push_str(&format!(" Introduced in commit {}.", short(commit)));
        }
        message.push_str(" Rotate it, then remove it from the code. Fingerprint: ");
        message.push_str(&f.fingerprint);
        writeln!(
            out,
            "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&root.repository_path(&f.path)),
            f.line,
            f.end_line,
            f.column,
            f.end_column,
            escape_property(&title),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// A Markdown summary: counts by severity and a table of findings.
pub fn write_summary(
    out: &mut dyn Write,
    findings: &[Finding],
    summary: &ScanSummary,
    root: &SarifRoot,
) -> std::io::Result<()> {
    let count = findings.len();
    if count == 0 {
        writeln!(out, "## leakhound: no secrets found\n")?;
    } else {
        let plural = if count == 1 { "" } else { "s" };
        writeln!(out, "## leakhound: {count} secret{plural} found\n")?;
        let mut by_severity = std::collections::BTreeMap::new();
        for f in findings {
            *by_severity.entry(std::cmp::Reverse(f.severity)).or_insert(0usize) += 1;
        }
        let counts: Vec<String> = by_severity
            .iter()
            .map(|(severity, n)| format!("{n} {}", severity.0.as_str()))
            .collect();
        writeln!(out, "{}\n", counts.join(" · "))?;
        let git = findings.iter().any(|f| f.git.is_some());
        if git {
            writeln!(out, "| Severity | Rule | Location | Commit | Secret |")?;
            writeln!(out, "|---|---|---|---|---|")?;
        } else {
            writeln!(out, "| Severity | Rule | Location | Secret |")?;
            writeln!(out, "|---|---|---|---|")?;
        }
        for f in findings.iter().take(MAX_SUMMARY_ROWS) {
            let location = format!("`{}:{}`", cell(&root.repository_path(&f.path)), f.line);
            let rule = format!("{} (`{}`)", cell(&f.rule_name), f.rule_id);
            let secret = format!("`{}`", cell(&f.redacted));
            if git {
                let commit = f
                    .git
                    .as_ref()
                    .and_then(|g| g.commit.as_deref())
                    .map(|c| format!("`{}`", short(c)))
                    .unwrap_or_else(|| "staged".to_string());
                writeln!(
                    out,
                    "| {} | {rule} | {location} | {commit} | {secret} |",
                    f.severity.as_str()
                )?;
            } else {
                writeln!(out, "| {} | {rule} | {location} | {secret} |", f.severity.as_str())?;
            }
        }
        if count > MAX_SUMMARY_ROWS {
            writeln!(
                out,
                "\n… and {} more (see the SARIF or JSON report).",
                count - MAX_SUMMARY_ROWS
            )?;
        }
        writeln!(
            out,
            "\nRotate each credential with its provider first; deleting it from the code does not remove it from history."
        )?;
    }
    writeln!(out, "\n<sub>{}</sub>", cell(&super::summary_line(summary)))?;
    Ok(())
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ").replace('`', "'")
}

/// Escapes a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_properties_are_escaped() {
        assert_eq!(escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
        assert_eq!(escape_data("50%: a\nb"), "50%25: a%0Ab");
        assert_eq!(cell("a|b`c"), "a\\|b'c");
    }
}
