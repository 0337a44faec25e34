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
        if let Some(git) = &f.git {
            write_git(out, git, &paint)?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", super::summary_line(summary))
}

fn write_git(out: &mut dyn Write, git: &crate::finding::GitInfo, paint: &Paint) -> std::io::Result<()> {
    if git.staged {
        return writeln!(out, "    staged, not committed yet (blob {})", git.blob);
    }
    if git.unreachable {
        return writeln!(out, "    in blob {} that no ref reaches (dangling history)", git.blob);
    }
    if let Some(commit) = &git.commit {
        writeln!(
            out,
            "    introduced in {} by {} <{}> on {}: {}",
            paint.wrap("33", &commit[..commit.len().min(12)]),
            git.author_name.as_deref().unwrap_or(""),
            git.author_email.as_deref().unwrap_or(""),
            git.date.as_deref().unwrap_or(""),
            git.summary.as_deref().unwrap_or("")
        )?;
    }
    writeln!(
        out,
        "    {} occurrence{} in history; {}",
        git.occurrences,
        if git.occurrences == 1 { "" } else { "s" },
        if git.present_at_head {
            "still present at HEAD"
        } else {
            "no longer at HEAD (still in history)"
        }
    )?;
    for o in &git.all_occurrences {
        writeln!(
            out,
            "      {} {}:{}:{} {} {}",
            &o.commit[..o.commit.len().min(12)],
            o.path,
            o.line,
            o.column,
            o.date,
            o.author_email
        )?;
    }
    Ok(())
}
