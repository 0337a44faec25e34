//! `--validate` and its limits, shared by `scan` and `git`: the only way anything found is
//! ever sent anywhere, so every switch lives on the command line (never in a scanned
//! repository's configuration).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::validate::{self, EndpointOverride, ValidateOptions, ValidationStatus};

/// Environment variable with test-only endpoint overrides (`HOST=URL,HOST=URL`).
pub const ENDPOINTS_ENV: &str = "LEAKHOUND_VALIDATION_ENDPOINTS";

/// Validation flags.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Ask each credential's issuer whether it still works (each unique credential once).
    /// Sends secrets to their issuers' official hosts; off by default.
    #[arg(long)]
    pub validate: bool,
    /// Print the request each credential would be checked with (secrets redacted) and
    /// send nothing.
    #[arg(long)]
    pub validate_dry_run: bool,
    /// Report only credentials the issuer confirms as live (implies --validate).
    #[arg(long)]
    pub only_live: bool,
    /// Validation requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub validate_concurrency: u16,
    /// Validation requests per second to any one issuer host.
    #[arg(long, value_name = "N", default_value_t = 5.0)]
    pub validate_rate: f64,
    /// Seconds allowed for one validation request.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub validate_timeout: u64,
    /// Seconds allowed for all validation; credentials not checked by then are `unknown`.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub validate_budget: u64,
    /// The Vault server (https://…) that Vault tokens may be checked against; without it
    /// Vault tokens are `unknown`.
    #[arg(long, value_name = "URL", value_parser = parse_vault_address)]
    pub vault_address: Option<String>,
    /// For tests: send what would go to HOST to URL instead (plain http only to loopback).
    /// Repeatable; also read from LEAKHOUND_VALIDATION_ENDPOINTS="HOST=URL,HOST=URL".
    #[arg(long, value_name = "HOST=URL", value_parser = EndpointOverride::parse)]
    pub validation_endpoint: Vec<EndpointOverride>,
}

fn parse_vault_address(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/');
    if !trimmed.starts_with("https://") || validate::request::url_host(trimmed).is_none() {
        return Err(format!(
            "invalid --vault-address {text:?}: expected https://HOST[:PORT]"
        ));
    }
    Ok(trimmed.to_string())
}

impl ValidateArgs {
    /// True when findings must be collected and validated before the report is written.
    pub fn enabled(&self) -> bool {
        self.validate || self.validate_dry_run || self.only_live
    }

    /// The options, with the environment's endpoint overrides; warns on stderr whenever
    /// an override is in effect, so it can never go unnoticed.
    pub fn options(&self) -> anyhow::Result<ValidateOptions> {
        if !self.validate_rate.is_finite() || self.validate_rate <= 0.0 {
            anyhow::bail!(
                "invalid --validate-rate {}: expected a positive number",
                self.validate_rate
            );
        }
        let mut endpoints = self.validation_endpoint.clone();
        if let Ok(text) = std::env::var(ENDPOINTS_ENV) {
            endpoints.extend(EndpointOverride::parse_list(&text).map_err(|e| anyhow::anyhow!("{ENDPOINTS_ENV}: {e}"))?);
        }
        for endpoint in &endpoints {
            eprintln!(
                "leakhound: warning: validation requests for {} are sent to {} instead (test endpoint override)",
                endpoint.host, endpoint.base
            );
        }
        Ok(ValidateOptions {
            concurrency: usize::from(self.validate_concurrency),
            rate_per_host: self.validate_rate,
            timeout: Duration::from_secs(self.validate_timeout.max(1)),
            budget: Duration::from_secs(self.validate_budget),
            retries: 2,
            endpoints,
            dry_run: self.validate_dry_run,
            vault_address: self.vault_address.clone(),
        })
    }

    /// Validates `findings` (when asked) and returns the exposure report for the summary;
    /// with `--only-live`, drops every finding that is not live.
    pub fn run(&self, findings: &mut Vec<Finding>, rules: &RuleSet) -> anyhow::Result<Option<validate::Exposure>> {
        if !self.enabled() {
            return Ok(None);
        }
        let options = self.options()?;
        let mut stderr = std::io::stderr().lock();
        let totals = validate::validate_findings(findings, rules, &options, &mut stderr)?;
        stderr.flush()?;
        if options.dry_run {
            if self.only_live {
                findings.clear();
            }
            return Ok(Some(validate::Exposure {
                totals,
                live: Vec::new(),
            }));
        }
        let exposure = validate::exposure::build(findings, totals);
        if self.only_live {
            findings.retain(|f| {
                f.validation
                    .as_ref()
                    .is_some_and(|v| v.status == ValidationStatus::Live)
            });
        }
        Ok(Some(exposure))
    }
}
