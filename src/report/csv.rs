//! CSV output for spreadsheets.

use std::io::Write;

use crate::finding::Finding;

const HEADER: [&str; 20] = [
    "rule_id",
    "rule_name",
    "provider",
    "severity",
    "confidence",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "secret",
    "redacted",
    "fingerprint",
    "entropy",
    "companions",
    "commit",
    "author_email",
    "date",
    "validation",
    "identity",
];

/// Writes a header row and one row per finding.
pub fn write(out: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(HEADER).map_err(std::io::Error::other)?;
    for f in findings {
        let git = f.git.as_ref();
        let companions: Vec<String> = f.companions.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let validation = f.validation.as_ref();
        let identity: Vec<String> = validation
            .map(|v| v.identity.iter().map(|(k, v)| format!("{k}={v}")).collect())
            .unwrap_or_default();
        writer
            .write_record([
                f.rule_id.as_str(),
                f.rule_name.as_str(),
                f.provider.as_str(),
                f.severity.as_str(),
                f.confidence.as_str(),
                f.path.as_str(),
                &f.line.to_string(),
                &f.column.to_string(),
                &f.end_line.to_string(),
                &f.end_column.to_string(),
                f.secret.as_deref().unwrap_or(""),
                f.redacted.as_str(),
                f.fingerprint.as_str(),
                &format!("{:.2}", f.entropy),
                &companions.join(";"),
                git.and_then(|g| g.commit.as_deref()).unwrap_or(""),
                git.and_then(|g| g.author_email.as_deref()).unwrap_or(""),
                git.and_then(|g| g.date.as_deref()).unwrap_or(""),
                validation.map(|v| v.status.as_str()).unwrap_or(""),
                &identity.join(";"),
            ])
            .map_err(std::io::Error::other)?;
    }
    writer.flush()
}
