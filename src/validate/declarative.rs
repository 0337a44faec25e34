//! Validators declared in rule files (`[rule.validate]`): one templated request to a fixed
//! issuer host and the answers that mean live or revoked. Everything a rule file may say is
//! checked when the rule is compiled, so a bad block fails the load, not a scan.

use std::collections::BTreeMap;

use base64::Engine;
use regex::Regex;

use super::request::{HttpRequest, HttpResponse};
use super::template::{Escape, Template};
use super::{unexpected_answer, Context, Credential, Outcome, Validator};
use crate::rules::schema::{BodyFormat, HttpMethod, ResponseMatch, ValidateSpec};

/// A compiled `[rule.validate]` block.
#[derive(Debug)]
pub struct DeclarativeValidator {
    method: HttpMethod,
    url: Template,
    /// The fixed part of the host (`api.github.com`, or `api.mailchimp.com` behind labels
    /// that come from the credential).
    host_suffix: String,
    /// How many leading host labels are filled from the credential.
    host_labels: usize,
    headers: Vec<(String, Template)>,
    basic_auth: Option<(Template, Template)>,
    body: Option<Template>,
    body_format: BodyFormat,
    requires: Vec<String>,
    derive: Vec<(String, Regex)>,
    live: ResponseMatch,
    revoked: ResponseMatch,
    identity: Vec<(String, IdentitySource)>,
}

#[derive(Debug, Clone)]
enum IdentitySource {
    JsonPointer(String),
    Header(String),
}

impl DeclarativeValidator {
    /// Checks and compiles a block; `companions` are the companion names the rule defines.
    pub fn compile(spec: &ValidateSpec, companions: &[&str]) -> Result<DeclarativeValidator, String> {
        let url = Template::parse(&spec.url)?;
        let (host_suffix, host_labels) = check_url(&spec.url)?;
        if spec.live.status.is_empty() {
            return Err("validate: 'live.status' must list the status codes of a working credential".into());
        }
        for name in &spec.requires {
            if !companions.contains(&name.as_str()) {
                return Err(format!(
                    "validate: requires '{name}', which is not a companion of this rule"
                ));
            }
        }
        let mut derive = Vec::new();
        for (name, pattern) in &spec.derive {
            let regex = Regex::new(pattern).map_err(|e| format!("validate: derive '{name}': {e}"))?;
            if regex.captures_len() < 2 {
                return Err(format!("validate: derive '{name}' needs a capture group"));
            }
            derive.push((name.clone(), regex));
        }
        let headers = spec
            .headers
            .iter()
            .map(|(name, value)| {
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(format!("validate: invalid header name {name:?}"));
                }
                if name.eq_ignore_ascii_case("host") {
                    return Err("validate: the Host header comes from the URL".to_string());
                }
                Ok((name.clone(), Template::parse(value)?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let basic_auth = match &spec.basic_auth {
            None => None,
            Some(pair) if pair.len() == 2 => Some((Template::parse(&pair[0])?, Template::parse(&pair[1])?)),
            Some(_) => return Err("validate: basic_auth must be [user, password]".into()),
        };
        let body = spec.body.as_deref().map(Template::parse).transpose()?;
        if body.is_some() && spec.method != HttpMethod::Post {
            return Err("validate: a body needs method = \"POST\"".into());
        }
        let known: Vec<&str> = std::iter::once("secret")
            .chain(spec.requires.iter().map(String::as_str))
            .chain(spec.derive.keys().map(String::as_str))
            .collect();
        let templates = std::iter::once(&url)
            .chain(headers.iter().map(|(_, t)| t))
            .chain(basic_auth.iter().flat_map(|(u, p)| [u, p]))
            .chain(body.iter());
        for template in templates {
            for name in template.names() {
                if !known.contains(&name) {
                    return Err(format!(
                        "validate: placeholder '{{{{{name}}}}}' is neither 'secret', a 'requires' companion nor a 'derive' value"
                    ));
                }
            }
        }
        let identity = spec
            .identity
            .iter()
            .map(|(name, source)| {
                let source = if let Some(header) = source.strip_prefix("header:") {
                    IdentitySource::Header(header.trim().to_string())
                } else if source.starts_with('/') || source.is_empty() {
                    IdentitySource::JsonPointer(source.clone())
                } else {
                    return Err(format!(
                        "validate: identity '{name}' must be a JSON pointer (/login) or header:NAME"
                    ));
                };
                Ok((name.clone(), source))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(DeclarativeValidator {
            method: spec.method,
            url,
            host_suffix,
            host_labels,
            headers,
            basic_auth,
            body,
            body_format: spec.body_format,
            requires: spec.requires.clone(),
            derive,
            live: spec.live.clone(),
            revoked: spec.revoked.clone().unwrap_or(ResponseMatch {
                status: vec![401, 403],
                ..ResponseMatch::default()
            }),
            identity,
        })
    }

    fn values(&self, credential: &Credential<'_>) -> Result<BTreeMap<String, String>, String> {
        let mut values = BTreeMap::new();
        values.insert("secret".to_string(), credential.secret.to_string());
        for name in &self.requires {
            let value = credential
                .companions
                .get(name)
                .ok_or_else(|| format!("needs the companion value '{name}', which was not found near the secret"))?;
            values.insert(name.clone(), value.clone());
        }
        for (name, regex) in &self.derive {
            let value = regex
                .captures(credential.secret)
                .and_then(|c| c.get(1))
                .ok_or_else(|| format!("the secret does not hold the '{name}' part the issuer's URL needs"))?;
            values.insert(name.clone(), value.as_str().to_string());
        }
        Ok(values)
    }

    /// Reads the identity fields out of a live answer.
    fn identity(&self, response: &HttpResponse) -> BTreeMap<String, String> {
        let json = response.json();
        let mut out = BTreeMap::new();
        for (name, source) in &self.identity {
            let value = match source {
                IdentitySource::Header(header) => response.header(header).map(str::to_string),
                IdentitySource::JsonPointer(pointer) => {
                    json.as_ref().and_then(|j| j.pointer(pointer)).and_then(json_text)
                }
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                out.insert(name.clone(), value);
            }
        }
        out
    }
}

/// A JSON value as identity text: strings as they are, lists joined by commas.
pub fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(json_text).collect();
            Some(parts.join(", "))
        }
        other => Some(other.to_string()),
    }
}

/// True when every part of `condition` holds for `response`.
pub fn matches(condition: &ResponseMatch, response: &HttpResponse) -> bool {
    if !condition.status.is_empty() && !condition.status.contains(&response.status) {
        return false;
    }
    if !condition.json.is_empty() || !condition.json_in.is_empty() {
        let Some(json) = response.json() else {
            return false;
        };
        for (pointer, expected) in &condition.json {
            if json.pointer(pointer) != Some(expected) {
                return false;
            }
        }
        for (pointer, allowed) in &condition.json_in {
            match json.pointer(pointer) {
                Some(value) if allowed.contains(value) => {}
                _ => return false,
            }
        }
    }
    let text = response.text();
    condition
        .body_contains
        .iter()
        .all(|needle| text.contains(needle.as_str()))
}

/// Checks a validator URL: `https://`, a host whose leading labels may be placeholders in
/// front of a fixed domain of at least two labels, no port. Returns that fixed domain and
/// the number of placeholder labels.
fn check_url(url: &str) -> Result<(String, usize), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("validate: url {url:?} must start with https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.contains([':', '@']) {
        return Err(format!("validate: url {url:?}: no port or user info in the host"));
    }
    let labels: Vec<&str> = host.split('.').collect();
    let templated = labels.iter().take_while(|l| l.contains("{{")).count();
    let fixed = &labels[templated..];
    for label in &labels[..templated] {
        if !(label.starts_with("{{") && label.ends_with("}}") && label.matches("{{").count() == 1) {
            return Err(format!(
                "validate: url {url:?}: a host label is either a whole placeholder or fixed text"
            ));
        }
    }
    if fixed.len() < 2
        || fixed
            .iter()
            .any(|l| l.is_empty() || l.contains('{') || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return Err(format!(
            "validate: url {url:?}: the host must end in the issuer's fixed domain (placeholders only as leading labels)"
        ));
    }
    Ok((fixed.join(".").to_ascii_lowercase(), templated))
}

/// A host label that may come from a credential: a plain DNS label.
fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

impl Validator for DeclarativeValidator {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn target(&self) -> String {
        let prefix = "*.".repeat(self.host_labels);
        format!("{prefix}{}", self.host_suffix)
    }

    fn permits_host(&self, host: &str, _context: &Context) -> bool {
        let host = host.to_ascii_lowercase();
        if self.host_labels == 0 {
            return host == self.host_suffix;
        }
        let Some(prefix) = host.strip_suffix(&self.host_suffix).and_then(|p| p.strip_suffix('.')) else {
            return false;
        };
        let labels: Vec<&str> = prefix.split('.').collect();
        labels.len() == self.host_labels && labels.iter().all(|l| is_dns_label(l))
    }

    fn prepare(&self, credential: &Credential<'_>, _context: &Context) -> Result<HttpRequest, String> {
        let values = self.values(credential)?;
        let url = self.url.fill(&values, Escape::Percent)?;
        let mut request = HttpRequest::new(self.method, url);
        for (name, value) in &self.headers {
            request.headers.push((name.clone(), value.fill(&values, Escape::None)?));
        }
        if let Some((user, password)) = &self.basic_auth {
            let pair = format!(
                "{}:{}",
                user.fill(&values, Escape::None)?,
                password.fill(&values, Escape::None)?
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            request.sensitive.push(encoded.clone());
            request
                .headers
                .push(("Authorization".into(), format!("Basic {encoded}")));
        }
        if let Some(body) = &self.body {
            let escape = match self.body_format {
                BodyFormat::Raw => Escape::None,
                BodyFormat::Json => Escape::Json,
                BodyFormat::Form => Escape::Percent,
            };
            request.body = Some(body.fill(&values, escape)?.into_bytes());
        }
        request.sensitive.push(credential.secret.to_string());
        request.sensitive.extend(
            self.requires
                .iter()
                .filter_map(|n| credential.companions.get(n).cloned()),
        );
        Ok(request)
    }

    fn interpret(&self, _credential: &Credential<'_>, response: &HttpResponse) -> Outcome {
        if matches(&self.live, response) {
            let reads_json = self
                .identity
                .iter()
                .any(|(_, source)| matches!(source, IdentitySource::JsonPointer(_)));
            if reads_json && response.json().is_none() {
                return Outcome::Unknown(format!(
                    "the issuer answered HTTP {} with a body that is not the JSON it documents",
                    response.status
                ));
            }
            return Outcome::Live(self.identity(response));
        }
        if matches(&self.revoked, response) {
            return Outcome::Revoked(format!("the issuer refused it (HTTP {})", response.status));
        }
        unexpected_answer(response)
    }

    fn required_companions(&self) -> &[String] {
        &self.requires
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str) -> ValidateSpec {
        ValidateSpec {
            url: url.to_string(),
            live: ResponseMatch {
                status: vec![200],
                ..ResponseMatch::default()
            },
            ..ValidateSpec::default()
        }
    }

    #[test]
    fn urls_must_name_a_fixed_https_host() {
        assert!(DeclarativeValidator::compile(&spec("https://api.github.com/user"), &[]).is_ok());
        assert!(DeclarativeValidator::compile(&spec("http://api.github.com/user"), &[]).is_err());
        assert!(DeclarativeValidator::compile(&spec("https://{{secret}}/x"), &[]).is_err());
        assert!(DeclarativeValidator::compile(&spec("https://{{secret}}.com/x"), &[]).is_err());
        assert!(DeclarativeValidator::compile(&spec("https://api.github.com:8443/x"), &[]).is_err());
        assert!(DeclarativeValidator::compile(&spec("https://api.{{secret}}.com/x"), &[]).is_err());
        assert!(DeclarativeValidator::compile(&spec("https://x{{secret}}.api.com/x"), &[]).is_err());
        let mut s = spec("https://{{dc}}.api.mailchimp.com/3.0/");
        s.derive.insert("dc".into(), r"-(us\d+)$".into());
        let v = DeclarativeValidator::compile(&s, &[]).unwrap();
        let context = Context::default();
        assert!(v.permits_host("us6.api.mailchimp.com", &context));
        assert!(!v.permits_host("evil.com", &context));
        assert!(!v.permits_host("a.b.api.mailchimp.com", &context));
        assert!(!v.permits_host("api.mailchimp.com", &context));
    }

    #[test]
    fn placeholders_must_be_declared() {
        let mut s = spec("https://api.twilio.com/2010-04-01/Accounts/{{account_sid}}.json");
        assert!(DeclarativeValidator::compile(&s, &["account_sid"]).is_err());
        s.requires = vec!["account_sid".into()];
        assert!(DeclarativeValidator::compile(&s, &[]).is_err());
        assert!(DeclarativeValidator::compile(&s, &["account_sid"]).is_ok());
    }

    #[test]
    fn requests_are_filled_and_answers_read() {
        let mut s = spec("https://{{dc}}.api.mailchimp.com/3.0/");
        s.derive.insert("dc".into(), r"-(us\d+)$".into());
        s.basic_auth = Some(vec!["anystring".into(), "{{secret}}".into()]);
        s.identity.insert("account".into(), "/account_name".into());
        s.identity.insert("scopes".into(), "header:X-Scopes".into());
        let v = DeclarativeValidator::compile(&s, &[]).unwrap();
        let companions = BTreeMap::new();
        let credential = Credential {
            rule_id: "mailchimp-api-key",
            secret: "0123456789abcdef0123456789abcdef-us6",
            companions: &companions,
        };
        let request = v.prepare(&credential, &Context::default()).unwrap();
        assert_eq!(request.url, "https://us6.api.mailchimp.com/3.0/");
        assert!(request
            .headers
            .iter()
            .any(|(n, v)| n == "Authorization" && v.starts_with("Basic ")));
        assert!(!request.redacted().contains("0123456789abcdef0123456789abcdef"));
        let live = HttpResponse {
            status: 200,
            headers: vec![("x-scopes".into(), "read".into())],
            body: br#"{"account_name":"Acme"}"#.to_vec(),
        };
        match v.interpret(&credential, &live) {
            Outcome::Live(identity) => {
                assert_eq!(identity["account"], "Acme");
                assert_eq!(identity["scopes"], "read");
            }
            other => panic!("{other:?}"),
        }
        let revoked = HttpResponse {
            status: 401,
            ..HttpResponse::default()
        };
        assert!(matches!(v.interpret(&credential, &revoked), Outcome::Revoked(_)));
        let limited = HttpResponse {
            status: 429,
            ..HttpResponse::default()
        };
        assert!(matches!(v.interpret(&credential, &limited), Outcome::Unknown(r) if r.contains("rate")));
        let other = Credential {
            secret: "no-datacentre",
            ..credential
        };
        assert!(v.prepare(&other, &Context::default()).is_err());
    }
}
