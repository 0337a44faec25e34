//! Command-line interface: argument definitions and the glue from arguments to the library.

mod audit_cmd;
mod baseline_cmd;
mod git_cmd;
mod hook_cmd;
mod output;
mod report_cmd;
mod rules_cmd;
mod scan_cmd;
mod validate_args;

use clap::{Parser, Subcommand};

/// Exit code of a clean run.
pub const EXIT_CLEAN: u8 = 0;
/// Default exit code when findings were reported.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code of an error (bad flag, missing path, invalid rules).
pub const EXIT_ERROR: u8 = 2;

/// Find hardcoded credentials in files, directories and standard input.
#[derive(Debug, Parser)]
#[command(name = "leakhound", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories and standard input (`-`) for secrets.
    Scan(scan_cmd::ScanArgs),
    /// Scan a git repository: full history of every ref, a commit range, or staged changes.
    Git(git_cmd::GitArgs),
    /// Audit the full history of many repositories (directories of clones, a list of URLs,
    /// a GitHub organization) into a datastore that later runs reuse.
    Audit(audit_cmd::AuditArgs),
    /// Report what an audit's datastore holds: human, JSON, JSONL, SARIF or HTML.
    Report(report_cmd::ReportCmdArgs),
    /// Record a decision about a credential in an audit's datastore.
    Triage(report_cmd::TriageArgs),
    /// Maintain audit datastores (merge the datastores of shards).
    #[command(subcommand)]
    Datastore(report_cmd::DatastoreCommand),
    /// List the rules or check their examples.
    #[command(subcommand)]
    Rules(rules_cmd::RulesCommand),
    /// Record current findings so that later scans (`--baseline FILE`) report only new ones.
    #[command(subcommand)]
    Baseline(baseline_cmd::BaselineCommand),
    /// Install a git hook that blocks commits (or pushes) that add a secret.
    InstallHook(hook_cmd::InstallHookArgs),
    /// The checks that installed hooks and the pre-commit framework run.
    #[command(subcommand)]
    Hook(hook_cmd::HookCommand),
}

/// Parses the process arguments and runs the command; returns the exit code.
pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan_cmd::run(args),
        Command::Git(args) => git_cmd::run(args),
        Command::Audit(args) => audit_cmd::run(args),
        Command::Report(args) => report_cmd::report(args),
        Command::Triage(args) => report_cmd::triage(args),
        Command::Datastore(command) => report_cmd::datastore(command),
        Command::Rules(command) => rules_cmd::run(command),
        Command::Baseline(command) => baseline_cmd::run(command),
        Command::InstallHook(args) => hook_cmd::install(args),
        Command::Hook(command) => hook_cmd::run(command),
    }
}

/// Parses a size such as `50M`, `50MiB`, `1G`, `512k` or `1048576` (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid size {text:?}: expected a number such as 50M or 1048576"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("invalid size unit {other:?} in {text:?}: use K, M or G")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("size {text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("50M"), Ok(50 * 1024 * 1024));
        assert_eq!(parse_size("1GiB"), Ok(1024 * 1024 * 1024));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5T").is_err());
    }
}
