//! The human report: one block per finding, grouped by file, then the summary.

use std::io::Write;

use crate::finding::Finding;
use crate::rules::Severity;
use crate::scan::ScanSummary;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low | Severity::Info => "36",
    }
}

/// Writes every finding and a closing summary line.
pub fn write(out: &mut dyn Write, findings: &[Finding], summary: &ScanSummary, color: bool) -> std::io::Result<()> {
    let paint = Paint { on: color };
    for f in findings {
        writeln!(
            out,
            "{}:{}:{}  {}  {}",
            paint.wrap("35", &f.path),
            f.line,
            f.column,
            paint.wrap("1", &f.rule_id),
            paint.wrap(severity_colour(f.severity), f.severity.as_str()),
        )?;
        let shown = f.secret.as_deref().unwrap_or(&f.redacted);
        writeln!(
            out,
            "    {} · {} · confidence {} · {}",
            f.provider,
            f.rule_name,
            f.confidence.as_str(),
            paint.wrap("32", shown)
        )?;
        for (name, value) in &f.companions {
            writeln!(out, "    {name}: {value}")?;
        }
        writeln!(out, "    {} | {}", f.line, f.snippet)?;
        writeln!(out, "    fingerprint {}", f.fingerprint)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", super::summary_line(summary))
}
