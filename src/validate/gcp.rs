//! Google Cloud service-account keys: a JWT signed with the key is exchanged at Google's
//! OAuth token endpoint. Google accepts it only while the key exists and is enabled; the
//! access token it returns is read for nothing and dropped.

use base64::Engine;

use super::request::{HttpRequest, HttpResponse};
use super::template::percent_encode;
use super::{unexpected_answer, Context, Credential, Outcome, Validator};
use crate::rules::schema::HttpMethod;

const TOKEN_HOST: &str = "oauth2.googleapis.com";
const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// A read-only scope: the token is never used, the exchange alone proves the key.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform.read-only";

/// Validates a service-account private key with its `client_email`.
#[derive(Debug)]
pub struct ServiceAccountValidator {
    requires: Vec<String>,
}

impl ServiceAccountValidator {
    /// The validator; the rule must capture `client_email`.
    pub fn new() -> ServiceAccountValidator {
        ServiceAccountValidator {
            requires: vec!["client_email".to_string()],
        }
    }
}

/// The DER bytes of a PEM private key as found in a key file (JSON-escaped newlines
/// allowed), and whether it is PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA …`).
fn pem_to_der(pem: &str) -> Result<(Vec<u8>, bool), String> {
    let pem = pem.replace("\\n", "\n").replace("\\r", "");
    let pkcs8 = pem.contains("-----BEGIN PRIVATE KEY-----");
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("the private key is not valid base64 ({e})"))?;
    Ok((der, pkcs8))
}

/// Signs `message` with RS256.
fn rs256(pem: &str, message: &[u8]) -> Result<Vec<u8>, String> {
    let (der, pkcs8) = pem_to_der(pem)?;
    let key = if pkcs8 {
        ring::signature::RsaKeyPair::from_pkcs8(&der)
    } else {
        ring::signature::RsaKeyPair::from_der(&der)
    }
    .map_err(|e| format!("the private key does not parse as an RSA key ({e}), so no request was sent"))?;
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| "signing with the private key failed".to_string())?;
    Ok(signature)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Validator for ServiceAccountValidator {
    fn kind(&self) -> &'static str {
        "gcp-service-account"
    }

    fn target(&self) -> String {
        TOKEN_HOST.into()
    }

    fn permits_host(&self, host: &str, _context: &Context) -> bool {
        host.eq_ignore_ascii_case(TOKEN_HOST)
    }

    fn required_companions(&self) -> &[String] {
        &self.requires
    }

    fn prepare(&self, credential: &Credential<'_>, context: &Context) -> Result<HttpRequest, String> {
        let email = credential
            .companions
            .get("client_email")
            .ok_or("needs the companion value 'client_email', which was not found near the key")?;
        let now = context
            .now
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iss": email,
            "scope": SCOPE,
            "aud": TOKEN_URL,
            "iat": now,
            "exp": now + 300,
        });
        let claims = b64url(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let signature = rs256(credential.secret, signing_input.as_bytes())?;
        let assertion = format!("{signing_input}.{}", b64url(&signature));
        let body = format!(
            "grant_type={}&assertion={}",
            percent_encode("urn:ietf:params:oauth:grant-type:jwt-bearer"),
            assertion
        );
        let mut request = HttpRequest::new(HttpMethod::Post, TOKEN_URL.to_string())
            .header("Content-Type", "application/x-www-form-urlencoded");
        request.body = Some(body.into_bytes());
        request.sensitive = vec![credential.secret.to_string(), assertion];
        Ok(request)
    }

    fn interpret(&self, credential: &Credential<'_>, response: &HttpResponse) -> Outcome {
        let json = response.json();
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        match response.status {
            200 if !field("access_token").is_empty() => {
                let mut identity = std::collections::BTreeMap::new();
                if let Some(email) = credential.companions.get("client_email") {
                    identity.insert("client_email".to_string(), email.clone());
                    if let Some(project) = email
                        .split_once('@')
                        .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"))
                    {
                        identity.insert("project".to_string(), project.to_string());
                    }
                }
                identity.insert("scopes".to_string(), SCOPE.to_string());
                Outcome::Live(identity)
            }
            400 | 401 if field("error") == "invalid_grant" => {
                let description = field("error_description");
                if description.contains("short-lived") || description.contains("iat") || description.contains("exp") {
                    Outcome::Unknown(format!(
                        "Google rejected the assertion's times ({description}); check the clock"
                    ))
                } else {
                    Outcome::Revoked(format!("Google refused the key: {description}"))
                }
            }
            400 | 401 if field("error") == "invalid_client" => Outcome::Revoked(format!(
                "Google does not know this service account: {}",
                field("error_description")
            )),
            _ => unexpected_answer(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RSA key generated for these tests only (declared in `.leakhoundignore`).
    const TEST_KEY: &str = include_str!("../../tests/data/validation-test-rsa-key.pem");

    #[test]
    fn assertions_are_signed_with_the_key_and_verify() {
        let companions = [(
            "client_email".to_string(),
            "ci@acme-prod.iam.gserviceaccount.com".to_string(),
        )]
        .into_iter()
        .collect();
        let escaped = TEST_KEY.trim_end().replace('\n', "\\n");
        let credential = Credential {
            rule_id: "gcp-service-account-key",
            secret: &escaped,
            companions: &companions,
        };
        let v = ServiceAccountValidator::new();
        let request = v.prepare(&credential, &Context::default()).unwrap();
        assert_eq!(request.url, TOKEN_URL);
        let body = String::from_utf8(request.body.clone().unwrap()).unwrap();
        let assertion = body.split("assertion=").nth(1).unwrap();
        let parts: Vec<&str> = assertion.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], "ci@acme-prod.iam.gserviceaccount.com");
        assert_eq!(claims["aud"], TOKEN_URL);
        let (der, _) = pem_to_der(TEST_KEY).unwrap();
        let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            key.public().as_ref().to_vec(),
        );
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        public
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the assertion verifies with the key's public half");
        assert!(!request.redacted().contains(assertion));
        let live = HttpResponse {
            status: 200,
            headers: vec![],
            body: br#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#.to_vec(),
        };
        match v.interpret(&credential, &live) {
            Outcome::Live(identity) => assert_eq!(identity["project"], "acme-prod"),
            other => panic!("{other:?}"),
        }
        let revoked = HttpResponse {
            status: 400,
            headers: vec![],
            body: br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#.to_vec(),
        };
        assert!(matches!(v.interpret(&credential, &revoked), Outcome::Revoked(_)));
        let garbage = Credential {
            secret: "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkq\\n-----END PRIVATE KEY-----",
            ..credential
        };
        assert!(v
            .prepare(&garbage, &Context::default())
            .unwrap_err()
            .contains("does not parse"));
    }
}
