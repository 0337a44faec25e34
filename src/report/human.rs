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
        if let Some(validation) = &f.validation {
            write_validation(out, validation, &paint)?;
        }
        if let Some(git) = &f.git {
            write_git(out, git, &paint)?;
        }
        writeln!(out)?;
    }
    if let Some(exposure) = &summary.exposure {
        write_exposure(out, exposure, &paint)?;
    }
    writeln!(out, "{}", super::summary_line(summary))
}

fn identity_text(identity: &std::collections::BTreeMap<String, String>) -> String {
    identity
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_validation(out: &mut dyn Write, v: &crate::validate::Validation, paint: &Paint) -> std::io::Result<()> {
    use crate::validate::ValidationStatus;
    let (label, colour) = match v.status {
        ValidationStatus::Live => ("LIVE", "1;31"),
        ValidationStatus::Revoked => ("revoked", "32"),
        ValidationStatus::Unknown => ("unknown", "33"),
    };
    let detail = if v.identity.is_empty() {
        v.reason.clone().unwrap_or_default()
    } else {
        identity_text(&v.identity)
    };
    writeln!(
        out,
        "    validation: {} {} (checked {})",
        paint.wrap(colour, label),
        detail,
        v.checked_at
    )
}

/// The closing exposure summary: live credentials by provider, whose they are and where
/// they leaked.
fn write_exposure(out: &mut dyn Write, exposure: &crate::validate::Exposure, paint: &Paint) -> std::io::Result<()> {
    let t = &exposure.totals;
    if t.dry_run {
        return writeln!(
            out,
            "Validation dry run: {} unique credential{} would be checked; nothing was sent.\n",
            t.credentials,
            if t.credentials == 1 { "" } else { "s" }
        );
    }
    writeln!(
        out,
        "{} {} live credential{} ({} unique checked with {} request{}: {} live, {} revoked, {} unknown; {} finding{} without a validator)",
        paint.wrap("1", "Exposure:"),
        exposure.live.len(),
        if exposure.live.len() == 1 { "" } else { "s" },
        t.credentials,
        t.requests,
        if t.requests == 1 { "" } else { "s" },
        t.live,
        t.revoked,
        t.unknown,
        t.without_validator,
        if t.without_validator == 1 { "" } else { "s" },
    )?;
    let mut provider = "";
    for c in &exposure.live {
        if c.provider != provider {
            provider = &c.provider;
            let count = exposure.live.iter().filter(|x| x.provider == c.provider).count();
            writeln!(out, "  {} ({count} live)", paint.wrap("1", provider))?;
        }
        writeln!(out, "    {} {} {}", paint.wrap("1;31", "LIVE"), c.rule_id, c.redacted)?;
        if !c.identity.is_empty() {
            writeln!(out, "      identity: {}", identity_text(&c.identity))?;
        }
        writeln!(out, "      at: {}", c.paths.join(", "))?;
        if !c.commits.is_empty() {
            let commits: Vec<&str> = c.commits.iter().map(|x| &x[..x.len().min(12)]).collect();
            writeln!(out, "      commits: {}", commits.join(", "))?;
        }
        if let (Some(first), Some(last)) = (&c.first_seen, &c.last_seen) {
            writeln!(out, "      first seen {first}, last seen {last}")?;
        }
        match c.present_at_head {
            Some(true) => writeln!(out, "      still present at HEAD")?,
            Some(false) => writeln!(out, "      removed from HEAD, still in history")?,
            None => {}
        }
    }
    writeln!(out)
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
