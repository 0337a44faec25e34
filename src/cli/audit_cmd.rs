//! `leakhound audit`: the full history of many repositories (directory trees of clones, list
//! files, a GitHub organization or user) into a datastore that later runs and reports reuse.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::validate_args::ValidateArgs;
use crate::audit::clone::CloneAuth;
use crate::audit::github::{self, RepoSelection};
use crate::audit::run::{self, AuditOptions, AuditSummary};
use crate::audit::sources::{self, Shard, Target};
use crate::datastore::Datastore;

/// Environment variable holding the GitHub token for `--github-org` / `--github-user`.
pub const GITHUB_TOKEN_ENV: &str = "GITHUB_TOKEN";

/// Arguments of `leakhound audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Repositories, or directories searched recursively for repositories (work trees and
    /// bare clones alike). Local repositories are read in place.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A file listing repositories, one per line: local paths or clone URLs (https). Lines
    /// starting with `#` are comments. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub repos_file: Vec<PathBuf>,
    /// Every repository of this GitHub organization (token from GITHUB_TOKEN). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub github_org: Vec<String>,
    /// Every repository of this GitHub user (token from GITHUB_TOKEN). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub github_user: Vec<String>,
    /// The GitHub API, for GitHub Enterprise Server (e.g. https://ghe.example.com/api/v3).
    #[arg(long, value_name = "URL", default_value = "https://api.github.com")]
    pub github_api_url: String,
    /// Leave out forked repositories of --github-org/--github-user.
    #[arg(long)]
    pub no_forks: bool,
    /// Leave out archived repositories of --github-org/--github-user.
    #[arg(long)]
    pub no_archived: bool,
    /// The datastore (SQLite) that keeps results between runs.
    #[arg(long, value_name = "PATH", default_value = "leakhound.db")]
    pub datastore: PathBuf,
    /// Where remote repositories are cloned (bare) and fetched on later runs
    /// (default: $XDG_CACHE_HOME/leakhound/repos or ~/.cache/leakhound/repos).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Audit only shard K of N (1-based): a stable share of the repositories, by a hash of
    /// each repository's identity, so N machines split an organization without overlap.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Keep raw secrets in the datastore (default: only fingerprints and redacted forms).
    /// Needed to re-validate credentials on later runs without scanning again.
    #[arg(long)]
    pub store_secrets: bool,
    /// Skip blobs larger than SIZE (e.g. 50M).
    #[arg(long, value_name = "SIZE", default_value = "50M", value_parser = super::parse_size)]
    pub max_blob_size: u64,
    /// Add rules from a TOML file or a directory of them (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// No per-repository progress lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Exit code when the audited repositories hold credentials.
    #[arg(long, value_name = "N", default_value_t = super::EXIT_FINDINGS)]
    pub exit_code: u8,
    #[command(flatten)]
    pub validation: ValidateArgs,
}

/// The default clone cache: under the user's cache directory.
fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("leakhound").join("repos")
}

/// Every repository the arguments name, deduplicated by identity and in a stable order.
fn targets(args: &AuditArgs, token: Option<&str>) -> anyhow::Result<Vec<Target>> {
    let mut all: Vec<Target> = Vec::new();
    for path in &args.paths {
        let found = sources::discover(path)?;
        for (dir, reason) in &found.not_searched {
            eprintln!(
                "leakhound: warning: {}: not searched for repositories: {reason}",
                dir.display()
            );
        }
        all.extend(found.targets);
    }
    for file in &args.repos_file {
        all.extend(sources::from_list(file)?);
    }
    let selection = RepoSelection {
        include_forks: !args.no_forks,
        include_archived: !args.no_archived,
    };
    let owners = args.github_org.iter().chain(&args.github_user);
    for owner in owners {
        let listed = github::list_repositories(&args.github_api_url, owner, token, &selection)
            .with_context(|| format!("listing the repositories of {owner} at {}", args.github_api_url))?;
        for remote in listed {
            let mut target =
                sources::url_target(&remote.clone_url).map_err(|e| anyhow::anyhow!("{}: {e}", remote.full_name))?;
            target.meta.fork = remote.fork;
            target.meta.archived = remote.archived;
            if let Some(web) = remote.html_url.filter(|u| u.starts_with("https://")) {
                target.meta.web_url = Some(web);
            }
            all.push(target);
        }
    }
    if args.paths.is_empty() && args.repos_file.is_empty() && args.github_org.is_empty() && args.github_user.is_empty()
    {
        anyhow::bail!(
            "nothing to audit: give directories of repositories, --repos-file, --github-org or --github-user"
        );
    }
    all.sort_by(|a, b| a.meta.identity.cmp(&b.meta.identity));
    all.dedup_by(|a, b| a.meta.identity == b.meta.identity);
    if let Some(shard) = args.shard {
        all.retain(|t| shard.includes(&t.meta.identity));
    }
    Ok(all)
}

/// Runs an audit and returns the exit code: 2 when a repository could not be audited, else 1
/// (or `--exit-code`) when the audited repositories hold credentials, else 0.
pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    if args.validation.only_live {
        anyhow::bail!("--only-live filters reports: audit with --validate, then run `leakhound report --only-live`");
    }
    let rules = crate::rules::load_ruleset_adjusted(&args.rules, |_| {})?;
    let token = std::env::var(GITHUB_TOKEN_ENV).ok().filter(|t| !t.trim().is_empty());
    let targets = targets(&args, token.as_deref())?;
    let clone_auth = match (&token, github::web_host(&args.github_api_url)) {
        (Some(token), Some(host)) if !(args.github_org.is_empty() && args.github_user.is_empty()) => Some(CloneAuth {
            host,
            token: token.clone(),
        }),
        _ => None,
    };
    let validate = if args.validation.enabled() {
        Some(args.validation.options()?)
    } else {
        None
    };
    let threads = crate::scan::effective_threads(args.threads);
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().ok();
    let options = AuditOptions {
        max_blob_size: args.max_blob_size,
        threads,
        store_secrets: args.store_secrets,
        cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
        clone_auth,
        validate,
    };
    let mut store = Datastore::open(&args.datastore)
        .with_context(|| format!("opening the datastore {}", args.datastore.display()))?;
    if !args.quiet {
        eprintln!(
            "leakhound: auditing {} repositor{} into {}",
            targets.len(),
            if targets.len() == 1 { "y" } else { "ies" },
            args.datastore.display()
        );
    }
    let quiet = args.quiet;
    let mut log = |line: &str| {
        if !quiet {
            eprintln!("leakhound: {line}");
        }
    };
    let summary = run::run(&targets, &rules, &mut store, &options, &mut log)?;
    print_summary(&summary, &args);
    Ok(if !summary.failed.is_empty() {
        super::EXIT_ERROR
    } else if repositories_hold_findings(&store, &targets)? {
        args.exit_code
    } else {
        super::EXIT_CLEAN
    })
}

/// True when the audited repositories hold credentials (unchanged ones included), not
/// counting those triaged as false positives or accepted.
fn repositories_hold_findings(store: &Datastore, targets: &[Target]) -> anyhow::Result<bool> {
    let report = store.report(crate::datastore::ReportQuery::default())?;
    let audited: std::collections::HashSet<&str> = targets.iter().map(|t| t.meta.identity.as_str()).collect();
    Ok(report
        .findings
        .iter()
        .any(|f| f.repositories.iter().any(|r| audited.contains(r.as_str()))))
}

fn print_summary(summary: &AuditSummary, args: &AuditArgs) {
    for (identity, error) in &summary.failed {
        eprintln!("leakhound: error: {identity}: {error}");
    }
    if summary.problems > 0 {
        eprintln!(
            "leakhound: warning: {} object(s) could not be read; the per-repository lines above name them",
            summary.problems
        );
    }
    if args.quiet {
        return;
    }
    let seconds = summary.elapsed_ms as f64 / 1000.0;
    let rate = if seconds > 0.0 {
        summary.bytes_scanned as f64 / 1e6 / seconds
    } else {
        0.0
    };
    eprintln!(
        "leakhound: audit: {} repositories ({} scanned, {} unchanged, {} failed), {} commits, {} blobs scanned ({:.1} MB, {:.1} MB/s), {} blobs already scanned, {} findings, {} validated ({} live), {:.2}s",
        summary.repositories,
        summary.scanned,
        summary.unchanged,
        summary.failed.len(),
        summary.commits,
        summary.blobs_scanned,
        summary.bytes_scanned as f64 / 1e6,
        rate,
        summary.blobs_already_scanned,
        summary.findings,
        summary.validated,
        summary.live,
        seconds
    );
    eprintln!(
        "leakhound: report: leakhound report --datastore {}",
        args.datastore.display()
    );
}
