//! Live validation: asks each credential's issuer, once, whether it still works, so that a
//! thousand findings can be triaged by the one question that matters.
//!
//! Safety is structural. A validator only ever builds a request for its issuer's fixed
//! `https://` host ([`Validator::permits_host`] is checked again before anything is sent);
//! validators come only from built-in rules and rule files named on the command line (a
//! scanned tree's `.leakhound.toml` cannot declare one); nothing is sent without
//! `--validate`; and validation runs after the scan, on deduplicated credentials.

pub mod aws;
mod azure;
pub mod declarative;
pub mod exposure;
mod gcp;
pub mod request;
mod runner;
pub mod template;
pub mod transport;
mod vault;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

pub use exposure::{ExposedCredential, Exposure};
pub use request::{HttpRequest, HttpResponse};
pub use runner::{validate_findings, ValidateOptions, ValidationSession, ValidationTotals};
pub use transport::EndpointOverride;

use crate::rules::schema::ValidateSpec;

/// What the issuer said about a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationStatus {
    /// The issuer accepted it: the credential works now.
    Live,
    /// The issuer rejected it (revoked, expired, deleted or never valid).
    Revoked,
    /// No answer either way; `reason` says why.
    Unknown,
}

impl ValidationStatus {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationStatus::Live => "live",
            ValidationStatus::Revoked => "revoked",
            ValidationStatus::Unknown => "unknown",
        }
    }
}

/// The result attached to a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    pub status: ValidationStatus,
    /// When the issuer was asked, RFC 3339 UTC.
    pub checked_at: String,
    /// Why the status is what it is; always set for `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the issuer says the credential is: account, user, organisation, scopes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
}

/// The parts of a finding a validator may use.
#[derive(Debug, Clone, Copy)]
pub struct Credential<'a> {
    pub rule_id: &'a str,
    pub secret: &'a str,
    pub companions: &'a BTreeMap<String, String>,
}

/// A validator's reading of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Works; identity fields as the issuer reports them.
    Live(BTreeMap<String, String>),
    /// Rejected; why.
    Revoked(String),
    /// Undecided; why.
    Unknown(String),
}

/// What validators may depend on besides the credential: the clock and hosts only the
/// person running leakhound can name (never anything read from a scanned tree).
#[derive(Debug, Clone)]
pub struct Context {
    pub now: std::time::SystemTime,
    /// `--vault-address`: the only Vault server a Vault token may be sent to.
    pub vault_address: Option<String>,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            now: std::time::SystemTime::now(),
            vault_address: None,
        }
    }
}

/// One provider's check. Implementations build a request and read the answer; sending is
/// the runner's job, which checks the host, limits the rate and retries.
pub trait Validator: Send + Sync + std::fmt::Debug {
    /// `http` for declared validators, the builtin's name otherwise.
    fn kind(&self) -> &'static str;
    /// Where requests go, for `rules list` (a host, `*.domain` or a description).
    fn target(&self) -> String;
    /// Whether a request may be sent to `host`; the runner refuses any other host.
    fn permits_host(&self, host: &str, context: &Context) -> bool;
    /// The request to send, or why none can be (a missing companion, an unusable key).
    fn prepare(&self, credential: &Credential<'_>, context: &Context) -> Result<HttpRequest, String>;
    /// Reads the issuer's answer.
    fn interpret(&self, credential: &Credential<'_>, response: &HttpResponse) -> Outcome;
    /// Companions without which nothing is sent.
    fn required_companions(&self) -> &[String] {
        &[]
    }
    /// Credentials with equal keys are checked once: by default the rule and secret and
    /// companions; pairs found by two rules (an AWS key id and its secret) share one key.
    fn dedup_key(&self, credential: &Credential<'_>) -> String {
        let mut key = format!("{}\0{}", credential.rule_id, credential.secret);
        for name in self.required_companions() {
            key.push('\0');
            key.push_str(credential.companions.get(name).map(String::as_str).unwrap_or(""));
        }
        key
    }
}

/// Compiles a rule's `[validate]` block; `companions` are the names the rule defines.
pub fn build(spec: &ValidateSpec, companions: &[&str]) -> Result<Arc<dyn Validator>, String> {
    match spec.builtin.as_deref() {
        None => Ok(Arc::new(declarative::DeclarativeValidator::compile(spec, companions)?)),
        Some(name) => {
            if !spec.url.is_empty() || !spec.headers.is_empty() || spec.body.is_some() {
                return Err(format!(
                    "validate: builtin '{name}' takes no url, headers or body (they are fixed in code)"
                ));
            }
            let requires = |needed: &[&str]| -> Result<(), String> {
                for name in needed {
                    if !companions.contains(name) {
                        return Err(format!("validate: builtin needs the companion '{name}'"));
                    }
                }
                Ok(())
            };
            match name {
                "aws-sts" => Ok(Arc::new(aws::StsValidator::new(companions)?)),
                "gcp-service-account" => {
                    requires(&["client_email"])?;
                    Ok(Arc::new(gcp::ServiceAccountValidator::new()))
                }
                "azure-storage" => {
                    requires(&["account_name"])?;
                    Ok(Arc::new(azure::StorageKeyValidator::new()))
                }
                "vault-token" => Ok(Arc::new(vault::VaultTokenValidator)),
                "unsupported" => Ok(Arc::new(Unsupported {
                    reason: spec
                        .reason
                        .clone()
                        .ok_or("validate: builtin 'unsupported' needs a 'reason'")?,
                })),
                other => Err(format!(
                    "validate: unknown builtin '{other}' (known: aws-sts, gcp-service-account, azure-storage, vault-token, unsupported)"
                )),
            }
        }
    }
}

/// Credentials that no safe request can check (one that would change state, or has no
/// read-only endpoint): always `unknown`, with the reason, and nothing is sent.
#[derive(Debug)]
struct Unsupported {
    reason: String,
}

impl Validator for Unsupported {
    fn kind(&self) -> &'static str {
        "unsupported"
    }
    fn target(&self) -> String {
        "none".into()
    }
    fn permits_host(&self, _host: &str, _context: &Context) -> bool {
        false
    }
    fn prepare(&self, _credential: &Credential<'_>, _context: &Context) -> Result<HttpRequest, String> {
        Err(self.reason.clone())
    }
    fn interpret(&self, _credential: &Credential<'_>, _response: &HttpResponse) -> Outcome {
        Outcome::Unknown(self.reason.clone())
    }
}

/// The reason for an answer that means neither live nor revoked.
pub fn unexpected_answer(response: &HttpResponse) -> Outcome {
    let status = response.status;
    let reason = match status {
        429 => {
            let after = response
                .header("retry-after")
                .map(|v| format!(", retry after {v}"))
                .unwrap_or_default();
            format!("rate limited by the issuer (HTTP 429{after})")
        }
        500..=599 => format!("issuer error (HTTP {status})"),
        300..=399 => {
            let target = response
                .header("location")
                .map(|l| request::url_host(l).unwrap_or_else(|| l.to_string()))
                .unwrap_or_default();
            format!("the issuer answered with a redirect (HTTP {status} to {target}), which is not followed")
        }
        _ => format!("unexpected answer from the issuer (HTTP {status})"),
    };
    Outcome::Unknown(reason)
}

/// RFC 3339 UTC for a time (validation timestamps).
pub fn rfc3339(time: std::time::SystemTime) -> String {
    let seconds = time
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::source::git::rfc3339(seconds)
}
