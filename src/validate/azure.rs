//! Azure Storage account keys: a Shared Key-signed `List Containers` request (read-only,
//! one result) to the account's own blob endpoint.

use base64::Engine;

use super::request::{HttpRequest, HttpResponse};
use super::{unexpected_answer, Context, Credential, Outcome, Validator};
use crate::rules::schema::HttpMethod;

const BLOB_SUFFIX: &str = ".blob.core.windows.net";
const API_VERSION: &str = "2021-08-06";

/// Validates an account key with its `account_name`.
#[derive(Debug)]
pub struct StorageKeyValidator {
    requires: Vec<String>,
}

impl StorageKeyValidator {
    /// The validator; the rule must capture `account_name`.
    pub fn new() -> StorageKeyValidator {
        StorageKeyValidator {
            requires: vec!["account_name".to_string()],
        }
    }
}

/// The Shared Key string to sign for a bodiless GET of `/?comp=list&maxresults=1`.
fn string_to_sign(account: &str, date: &str) -> String {
    format!(
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{API_VERSION}\n/{account}/\ncomp:list\nmaxresults:1"
    )
}

fn is_account_name(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Validator for StorageKeyValidator {
    fn kind(&self) -> &'static str {
        "azure-storage"
    }

    fn target(&self) -> String {
        format!("*{BLOB_SUFFIX}")
    }

    fn permits_host(&self, host: &str, _context: &Context) -> bool {
        host.strip_suffix(BLOB_SUFFIX).is_some_and(is_account_name)
    }

    fn required_companions(&self) -> &[String] {
        &self.requires
    }

    fn prepare(&self, credential: &Credential<'_>, context: &Context) -> Result<HttpRequest, String> {
        let account = credential
            .companions
            .get("account_name")
            .ok_or("needs the companion value 'account_name', which was not found near the key")?;
        if !is_account_name(account) {
            return Err(format!("'{account}' is not a storage account name"));
        }
        let key = base64::engine::general_purpose::STANDARD
            .decode(credential.secret)
            .map_err(|e| format!("the account key is not valid base64 ({e})"))?;
        let date = httpdate::fmt_http_date(context.now);
        let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
        let signature = base64::engine::general_purpose::STANDARD
            .encode(ring::hmac::sign(&hmac_key, string_to_sign(account, &date).as_bytes()));
        let mut request = HttpRequest::new(
            HttpMethod::Get,
            format!("https://{account}{BLOB_SUFFIX}/?comp=list&maxresults=1"),
        )
        .header("x-ms-date", date)
        .header("x-ms-version", API_VERSION)
        .header("Authorization", format!("SharedKey {account}:{signature}"));
        request.sensitive = vec![credential.secret.to_string(), signature];
        Ok(request)
    }

    fn interpret(&self, credential: &Credential<'_>, response: &HttpResponse) -> Outcome {
        match response.status {
            200 => {
                let mut identity = std::collections::BTreeMap::new();
                if let Some(account) = credential.companions.get("account_name") {
                    identity.insert("account".to_string(), account.clone());
                }
                Outcome::Live(identity)
            }
            403 if response.text().contains("AuthenticationFailed") => {
                Outcome::Revoked("Azure refused the signature: the key was rotated or is wrong".into())
            }
            _ => unexpected_answer(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_go_to_the_account_and_are_signed() {
        let companions = [("account_name".to_string(), "acmeprodlogs".to_string())]
            .into_iter()
            .collect();
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let credential = Credential {
            rule_id: "azure-storage-connection-string",
            secret: &key,
            companions: &companions,
        };
        let v = StorageKeyValidator::new();
        let request = v.prepare(&credential, &Context::default()).unwrap();
        assert_eq!(
            request.url,
            "https://acmeprodlogs.blob.core.windows.net/?comp=list&maxresults=1"
        );
        assert!(v.permits_host("acmeprodlogs.blob.core.windows.net", &Context::default()));
        assert!(!v.permits_host("evil.com", &Context::default()));
        assert!(!v.permits_host("a.b.blob.core.windows.net", &Context::default()));
        let auth = &request.headers.iter().find(|(n, _)| n == "Authorization").unwrap().1;
        assert!(auth.starts_with("SharedKey acmeprodlogs:"));
        assert_eq!(
            string_to_sign("acct", "Mon, 01 Jan 2024 00:00:00 GMT"),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2021-08-06\n/acct/\ncomp:list\nmaxresults:1"
        );
        let bad_account = [("account_name".to_string(), "evil.com/x".to_string())]
            .into_iter()
            .collect();
        let other = Credential {
            companions: &bad_account,
            ..credential
        };
        assert!(v.prepare(&other, &Context::default()).is_err());
    }
}
