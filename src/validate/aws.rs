//! AWS: Signature Version 4 and the STS `GetCallerIdentity` check, which every valid key
//! pair may call (no IAM permission needed) and which names the account and the principal.

use sha2::{Digest, Sha256};

use super::request::{HttpRequest, HttpResponse};
use super::{rfc3339, unexpected_answer, Context, Credential, Outcome, Validator};
use crate::rules::schema::HttpMethod;

/// STS's global endpoint.
const STS_HOST: &str = "sts.amazonaws.com";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// What SigV4 signs for one request.
#[derive(Debug, Clone)]
pub struct SigningRequest<'a> {
    pub method: &'a str,
    pub host: &'a str,
    /// The path, already URI-encoded (`/` for most APIs).
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers besides `host` and `x-amz-date`, which are always signed.
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

/// Signs `request` with a key pair; returns the `Authorization` header value.
pub fn sign(request: &SigningRequest<'_>, access_key_id: &str, secret_access_key: &str) -> String {
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), collapse_spaces(v)))
        .chain([
            ("host".to_string(), request.host.to_string()),
            ("x-amz-date".to_string(), request.amz_date.to_string()),
        ])
        .collect();
    headers.sort();
    let signed_headers: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let signed_headers = signed_headers.join(";");
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let mut query: Vec<(String, String)> = request
        .query
        .iter()
        .map(|(k, v)| (super::template::percent_encode(k), super::template::percent_encode(v)))
        .collect();
    query.sort();
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        request.path,
        query.join("&"),
        canonical_headers,
        signed_headers,
        hex(&Sha256::digest(request.payload))
    );
    let date = &request.amz_date[..8.min(request.amz_date.len())];
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        request.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(secret_access_key, date, request.region, request.service);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
}

/// The SigV4 signing key for a day, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, data).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `YYYYMMDDTHHMMSSZ` for a time.
pub fn amz_date(time: std::time::SystemTime) -> String {
    rfc3339(time).replace(['-', ':'], "")
}

/// Which finding value is the key id and which the secret.
#[derive(Debug, Clone, Copy)]
enum PairShape {
    /// The finding is the key id; the secret is the `secret_access_key` companion.
    SecretIsKeyId,
    /// The finding is the secret; the key id is the `access_key_id` companion.
    SecretIsSecretKey,
}

/// Validates an AWS key pair with STS `GetCallerIdentity`.
#[derive(Debug)]
pub struct StsValidator {
    shape: PairShape,
    requires: Vec<String>,
}

impl StsValidator {
    /// A validator for a rule whose companions include the other half of the pair.
    pub fn new(companions: &[&str]) -> Result<StsValidator, String> {
        let shape = if companions.contains(&"secret_access_key") {
            PairShape::SecretIsKeyId
        } else if companions.contains(&"access_key_id") {
            PairShape::SecretIsSecretKey
        } else {
            return Err("validate: builtin 'aws-sts' needs a companion 'access_key_id' or 'secret_access_key'".into());
        };
        let other = match shape {
            PairShape::SecretIsKeyId => "secret_access_key",
            PairShape::SecretIsSecretKey => "access_key_id",
        };
        Ok(StsValidator {
            shape,
            requires: vec![other.to_string()],
        })
    }

    fn pair<'a>(&self, credential: &Credential<'a>) -> Result<(&'a str, &'a str), String> {
        let other = &self.requires[0];
        let companion = credential
            .companions
            .get(other)
            .map(String::as_str)
            .ok_or_else(|| format!("needs the companion value '{other}', which was not found near the secret"))?;
        Ok(match self.shape {
            PairShape::SecretIsKeyId => (credential.secret, companion),
            PairShape::SecretIsSecretKey => (companion, credential.secret),
        })
    }
}

impl Validator for StsValidator {
    fn kind(&self) -> &'static str {
        "aws-sts"
    }

    fn target(&self) -> String {
        STS_HOST.into()
    }

    fn permits_host(&self, host: &str, _context: &Context) -> bool {
        host.eq_ignore_ascii_case(STS_HOST)
    }

    fn required_companions(&self) -> &[String] {
        &self.requires
    }

    fn dedup_key(&self, credential: &Credential<'_>) -> String {
        match self.pair(credential) {
            Ok((id, secret)) => format!("aws\0{id}\0{secret}"),
            Err(_) => format!("aws\0{}", credential.secret),
        }
    }

    fn prepare(&self, credential: &Credential<'_>, context: &Context) -> Result<HttpRequest, String> {
        let (key_id, secret) = self.pair(credential)?;
        let session = credential.companions.get("session_token");
        if key_id.starts_with("ASIA") && session.is_none() {
            return Err("a temporary key (ASIA…) needs its session token, which was not found near it".into());
        }
        let date = amz_date(context.now);
        let mut signed: Vec<(&str, &str)> = vec![("content-type", FORM)];
        if let Some(token) = session {
            signed.push(("x-amz-security-token", token));
        }
        let authorization = sign(
            &SigningRequest {
                method: "POST",
                host: STS_HOST,
                path: "/",
                query: &[],
                headers: &signed,
                payload: STS_BODY.as_bytes(),
                region: "us-east-1",
                service: "sts",
                amz_date: &date,
            },
            key_id,
            secret,
        );
        let mut request = HttpRequest::new(HttpMethod::Post, format!("https://{STS_HOST}/"))
            .header("Content-Type", FORM)
            .header("X-Amz-Date", date)
            .header("Authorization", authorization.clone());
        if let Some(token) = session {
            request = request.header("X-Amz-Security-Token", token.clone());
            request.sensitive.push(token.clone());
        }
        request.body = Some(STS_BODY.as_bytes().to_vec());
        request.sensitive.push(secret.to_string());
        if let Some(signature) = authorization.rsplit("Signature=").next() {
            request.sensitive.push(signature.to_string());
        }
        Ok(request)
    }

    fn interpret(&self, _credential: &Credential<'_>, response: &HttpResponse) -> Outcome {
        let text = response.text();
        match response.status {
            200 => {
                let mut identity = std::collections::BTreeMap::new();
                for (tag, name) in [("Account", "account"), ("Arn", "arn"), ("UserId", "user_id")] {
                    if let Some(value) = xml_text(&text, tag) {
                        identity.insert(name.to_string(), value);
                    }
                }
                if identity.contains_key("arn") {
                    Outcome::Live(identity)
                } else {
                    Outcome::Unknown("STS answered 200 without a caller identity".into())
                }
            }
            403 if text.contains("InvalidClientTokenId") => {
                Outcome::Revoked("AWS does not know this access key id (deleted or never valid)".into())
            }
            403 if text.contains("SignatureDoesNotMatch") => {
                Outcome::Revoked("the secret access key does not belong to this key id (rotated or wrong)".into())
            }
            403 if text.contains("ExpiredToken") => Outcome::Revoked("the session token has expired".into()),
            _ => unexpected_answer(response),
        }
    }
}

/// The text of the first `<tag>…</tag>` in a small XML document.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn signature(authorization: &str) -> &str {
        authorization.rsplit("Signature=").next().unwrap()
    }

    fn suite(method: &str, query: &[(&str, &str)]) -> String {
        sign(
            &SigningRequest {
                method,
                host: "example.amazonaws.com",
                path: "/",
                query,
                headers: &[],
                payload: b"",
                region: "us-east-1",
                service: "service",
                amz_date: "20150830T123600Z",
            },
            KEY_ID,
            SECRET,
        )
    }

    /// The published AWS SigV4 test suite (`get-vanilla`, `post-vanilla`,
    /// `get-vanilla-empty-query-key`).
    #[test]
    fn sigv4_matches_the_published_test_suite() {
        assert_eq!(
            signature(&suite("GET", &[])),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            signature(&suite("POST", &[])),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert_eq!(
            signature(&suite("GET", &[("Param1", "value1")])),
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
        );
        assert_eq!(
            suite("GET", &[]),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    /// The IAM `ListUsers` example of the AWS signing documentation.
    #[test]
    fn sigv4_matches_the_documented_iam_example() {
        let authorization = sign(
            &SigningRequest {
                method: "GET",
                host: "iam.amazonaws.com",
                path: "/",
                query: &[("Action", "ListUsers"), ("Version", "2010-05-08")],
                headers: &[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                payload: b"",
                region: "us-east-1",
                service: "iam",
                amz_date: "20150830T123600Z",
            },
            KEY_ID,
            SECRET,
        );
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        assert_eq!(
            hex(&signing_key(SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn sts_answers_are_read() {
        let v = StsValidator::new(&["access_key_id"]).unwrap();
        let companions = [("access_key_id".to_string(), "AKIAZYO4W62CZQBJAITQ".to_string())]
            .into_iter()
            .collect();
        let credential = Credential {
            rule_id: "aws-secret-access-key",
            secret: "Q7hoyJUZxsmWkgP1kJaZsOvW7XfOVgD+U4JlH9j7",
            companions: &companions,
        };
        let request = v.prepare(&credential, &Context::default()).unwrap();
        assert_eq!(request.url, "https://sts.amazonaws.com/");
        assert!(request
            .headers
            .iter()
            .any(|(n, v)| n == "Authorization" && v.starts_with("AWS4-HMAC-SHA256 Credential=AKIAZYO4W62CZQBJAITQ/")));
        assert!(!request.redacted().contains(credential.secret));
        let live = HttpResponse {
            status: 200,
            headers: vec![],
            body: b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>".to_vec(),
        };
        match v.interpret(&credential, &live) {
            Outcome::Live(identity) => {
                assert_eq!(identity["account"], "123456789012");
                assert_eq!(identity["arn"], "arn:aws:iam::123456789012:user/ci");
            }
            other => panic!("{other:?}"),
        }
        let revoked = HttpResponse {
            status: 403,
            headers: vec![],
            body: b"<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>".to_vec(),
        };
        assert!(matches!(v.interpret(&credential, &revoked), Outcome::Revoked(_)));
        let key_first = StsValidator::new(&["secret_access_key"]).unwrap();
        let swapped = [("secret_access_key".to_string(), credential.secret.to_string())]
            .into_iter()
            .collect();
        let other = Credential {
            rule_id: "aws-access-key-id",
            secret: "AKIAZYO4W62CZQBJAITQ",
            companions: &swapped,
        };
        assert_eq!(key_first.dedup_key(&other), v.dedup_key(&credential));
    }
}
