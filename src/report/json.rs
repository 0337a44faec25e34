//! JSON document and JSON Lines output.

use std::io::Write;

use serde::Serialize;

use crate::finding::Finding;
use crate::scan::ScanSummary;

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    findings: &'a [Finding],
    summary: &'a ScanSummary,
}

/// Writes `{"findings": [...], "summary": {...}}`.
pub fn write_document(out: &mut dyn Write, findings: &[Finding], summary: &ScanSummary) -> std::io::Result<()> {
    let doc = Document {
        tool: "leakhound",
        version: env!("CARGO_PKG_VERSION"),
        findings,
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes one finding as one line.
pub fn write_line(out: &mut dyn Write, finding: &Finding) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, finding).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
