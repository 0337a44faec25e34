//! The rule file format as it is written on disk (`rules/<provider>.toml`).
//!
//! Kept separate from the compiled form so that the on-disk schema can stay strict
//! (`deny_unknown_fields` catches typos) while the engine works on pre-built automata.

use serde::{Deserialize, Serialize};

/// How bad a leak of this credential is; drives report ordering and SARIF levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How likely a match of this rule is a real credential rather than look-alike text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Offline structural checks that let a rule reject look-alikes without asking the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecksumKind {
    /// GitHub (`ghp_` …) and npm (`npm_`) tokens: the last six base62 characters are the
    /// CRC32 of the rest of the token body.
    Crc32Base62,
    /// JSON Web Tokens: header and payload must decode to JSON objects, the header with `alg`.
    Jwt,
    /// HTTP Basic credentials: base64 that decodes to printable `user:password`.
    BasicAuth,
    /// A PEM block (or base64 of one, as kubeconfig `client-key-data` holds) whose body
    /// decodes; OpenSSH keys must carry the `openssh-key-v1` magic.
    Pem,
    /// PyPI API tokens: the body is a version-2 macaroon whose location is pypi.org or
    /// test.pypi.org, with an identifier and a 32-byte signature.
    PypiMacaroon,
    /// AWS access key ids: base32 after the four-letter prefix; never rejects, but exposes
    /// the account id newer key ids encode (finding attribute `aws_account_id`).
    AwsKeyId,
}

impl ChecksumKind {
    /// Name as written in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumKind::Crc32Base62 => "crc32-base62",
            ChecksumKind::Jwt => "jwt",
            ChecksumKind::BasicAuth => "basic-auth",
            ChecksumKind::Pem => "pem",
            ChecksumKind::PypiMacaroon => "pypi-macaroon",
            ChecksumKind::AwsKeyId => "aws-key-id",
        }
    }
}

/// How a generic rule judges a value that no token format vouches for (see
/// `engine::generic`): human-chosen passwords are allowed to be weaker than machine-made
/// tokens before they count as credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueCheck {
    /// A password: at least 6 characters and about 30 bits of guessing cost.
    Password,
    /// A token, key or secret: at least 8 characters that look machine-made.
    Secret,
}

/// A value that belongs with the secret and is searched for near it (e.g. the AWS key id
/// that pairs with a secret access key), so validators and triage get the whole credential.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanionSpec {
    pub name: String,
    /// Regex whose capture named `value` (or whole match) is the companion value.
    pub regex: String,
    /// Bytes searched either side of the secret.
    #[serde(default = "default_companion_within")]
    pub within: usize,
    /// When set, a candidate without this companion nearby is not reported (for secrets whose
    /// shape is only meaningful next to their partner, e.g. a bare 40-character AWS secret).
    #[serde(default)]
    pub required: bool,
}

fn default_companion_within() -> usize {
    1024
}

/// A positive example: scanning `text` must report this rule with exactly `secret`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleExample {
    pub text: String,
    pub secret: String,
    /// Expected companion values, by companion name.
    #[serde(default)]
    pub companions: std::collections::BTreeMap<String, String>,
    /// The file path the example is scanned as, for rules gated by `paths`.
    #[serde(default)]
    pub path: Option<String>,
}

/// One rule exactly as written in a rule file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub provider: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub regex: String,
    #[serde(default)]
    pub min_entropy: Option<f32>,
    #[serde(default)]
    pub checksum: Option<ChecksumKind>,
    pub severity: Severity,
    pub confidence: Confidence,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub generic: bool,
    #[serde(default = "default_true")]
    pub placeholders: bool,
    #[serde(default)]
    pub companions: Vec<CompanionSpec>,
    /// Judge the value with the generic-secret model (for rules keyed on a name, not a format).
    #[serde(default)]
    pub value_check: Option<ValueCheck>,
    /// Regexes over the file path (`/`-separated): findings of this rule in matching paths are
    /// not reported (lockfiles hold hashes that look like tokens next to secret-ish keys).
    #[serde(default)]
    pub skip_paths: Vec<String>,
    /// Regexes over the file path for formats known by their file name (`.pgpass`): the rule
    /// runs over every file whose path matches, keyword or not, and keywords become optional.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes over the file path: findings of this rule are reported only in matching files
    /// (gitleaks rules with both `path` and `regex` are scoped to those files).
    #[serde(default)]
    pub only_paths: Vec<String>,
    /// Which capture holds the credential when the regex was written for another tool that
    /// numbers groups (gitleaks `secretGroup`); overrides the `secret` named capture.
    #[serde(default)]
    pub secret_group: Option<SecretGroup>,
    /// Conditions under which a candidate is a known non-secret (a test fixture, a public
    /// sample) and is not reported; any one allowlist that holds drops the candidate.
    #[serde(default)]
    pub allowlists: Vec<AllowlistSpec>,
    /// Labels carried over from imported rule files; reported as SARIF tags.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub examples: Vec<RuleExample>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// How `--validate` asks the issuer whether a found credential still works.
    #[serde(default)]
    pub validate: Option<ValidateSpec>,
}

/// HTTP methods a validator may use; none of them is meant to change anything at the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Head,
    Post,
}

impl HttpMethod {
    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Post => "POST",
        }
    }
}

/// How values substituted into a request body are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// Inserted as they are.
    #[default]
    Raw,
    /// Escaped for use inside a JSON string.
    Json,
    /// Percent-encoded for `application/x-www-form-urlencoded`.
    Form,
}

/// A condition on the issuer's answer: every part that is set must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseMatch {
    /// HTTP status codes, any of which satisfies this part.
    #[serde(default)]
    pub status: Vec<u16>,
    /// JSON pointers (`/ok`, `/data/0/id`) and the value each must hold in the body.
    #[serde(default)]
    pub json: std::collections::BTreeMap<String, serde_json::Value>,
    /// JSON pointers and the values any one of which the body must hold there
    /// (`{ "/error" = ["invalid_auth", "token_revoked"] }`).
    #[serde(default)]
    pub json_in: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// Texts the body must contain (all of them).
    #[serde(default)]
    pub body_contains: Vec<String>,
}

/// The issuer's answer to a validator that the rule file records, so tests can prove the
/// validator reads a live answer the way the provider documents it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateExample {
    /// Status of the live answer (default: the first `live.status`, else 200).
    #[serde(default)]
    pub status: Option<u16>,
    /// Response headers of the live answer.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Body of the live answer.
    #[serde(default)]
    pub body: String,
    /// The identity the validator must read from it.
    #[serde(default)]
    pub identity: std::collections::BTreeMap<String, String>,
}

/// A `[rule.validate]` block: one request to the provider's official host that tells live
/// credentials from revoked ones without changing anything. Either declarative (`url` and
/// the rest) or a named validator written in Rust (`builtin`) for requests that need signing
/// or a token exchange.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// A validator implemented in code: `aws-sts`, `gcp-service-account`, `azure-storage`,
    /// `vault-token`, `unsupported`.
    #[serde(default)]
    pub builtin: Option<String>,
    #[serde(default)]
    pub method: HttpMethod,
    /// `https://` URL on the issuer's host; `{{secret}}`, companion names and `derive` names
    /// may appear in the path and query, and as whole leading labels of the host (an account
    /// subdomain) in front of a fixed domain.
    #[serde(default)]
    pub url: String,
    /// Request headers; values may use the same placeholders.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// HTTP Basic credentials `[user, password]`, placeholders allowed.
    #[serde(default)]
    pub basic_auth: Option<Vec<String>>,
    /// Request body, placeholders allowed (escaped as `body_format` says).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_format: BodyFormat,
    /// Companions the request needs; without them the result is `unknown`.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Named values cut out of the secret by a regex (its first capture group), such as the
    /// data-centre suffix of a Mailchimp key.
    #[serde(default)]
    pub derive: std::collections::BTreeMap<String, String>,
    /// The answer that means the credential works.
    #[serde(default)]
    pub live: ResponseMatch,
    /// The answer that means it does not (revoked, expired or never valid).
    #[serde(default)]
    pub revoked: Option<ResponseMatch>,
    /// What the issuer says about the credential: name → JSON pointer into the live body, or
    /// `header:NAME` for a response header.
    #[serde(default)]
    pub identity: std::collections::BTreeMap<String, String>,
    /// Why a credential of this kind is reported `unknown` (for `builtin = "unsupported"`).
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub example: Option<ValidateExample>,
}

/// The capture group that holds the credential, for regexes that cannot name it `secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SecretGroup {
    /// Group number (0 is the whole match).
    Index(usize),
    /// A rule for choosing the group at match time.
    Choice(SecretGroupChoice),
}

/// Group choices that depend on what matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretGroupChoice {
    /// The first capture group that matched something (what gitleaks does without
    /// `secretGroup`), or the whole match when none did.
    FirstNonEmpty,
}

/// How the conditions of one allowlist combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowCondition {
    /// Any one condition that holds allows the candidate.
    #[default]
    Or,
    /// Every condition the allowlist sets must hold.
    And,
}

/// The text an allowlist regex is tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegexTarget {
    /// The credential itself.
    #[default]
    Secret,
    /// The whole regex match of the rule.
    Match,
    /// The whole line (or lines) holding the match.
    Line,
}

/// Known non-secrets for one rule: teams migrating from gitleaks keep their exceptions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    /// Why these values are allowed; shown by `--explain`.
    #[serde(default)]
    pub description: String,
    /// Whether any one condition or all of them must hold (gitleaks `condition`).
    #[serde(default)]
    pub condition: AllowCondition,
    /// Regexes; one that matches `regex_target` satisfies this condition.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// What `regexes` are tested against (gitleaks `regexTarget`).
    #[serde(default)]
    pub regex_target: RegexTarget,
    /// Words (ASCII case-insensitive) that mark a secret as not one when it contains them.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Path regexes (`/`-separated).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Commit ids (full, or a prefix of at least 7 hex digits); only git scans have commits.
    #[serde(default)]
    pub commits: Vec<String>,
}

fn default_true() -> bool {
    true
}
