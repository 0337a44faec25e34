//! HashiCorp Vault tokens: Vault has no public issuer, so a token is only ever sent to the
//! server the person running leakhound names with `--vault-address`, never to an address
//! found next to the token.

use super::declarative::json_text;
use super::request::{url_host, HttpRequest, HttpResponse};
use super::{unexpected_answer, Context, Credential, Outcome, Validator};
use crate::rules::schema::HttpMethod;

/// Validates a Vault token with `token/lookup-self` on the named server.
#[derive(Debug)]
pub struct VaultTokenValidator;

impl Validator for VaultTokenValidator {
    fn kind(&self) -> &'static str {
        "vault-token"
    }

    fn target(&self) -> String {
        "the server named by --vault-address".into()
    }

    fn permits_host(&self, host: &str, context: &Context) -> bool {
        context
            .vault_address
            .as_deref()
            .and_then(url_host)
            .is_some_and(|named| named == host.to_ascii_lowercase())
    }

    fn prepare(&self, credential: &Credential<'_>, context: &Context) -> Result<HttpRequest, String> {
        let address = context
            .vault_address
            .as_deref()
            .ok_or("Vault tokens are only checked against a server named with --vault-address")?;
        let mut request = HttpRequest::new(
            HttpMethod::Get,
            format!("{}/v1/auth/token/lookup-self", address.trim_end_matches('/')),
        )
        .header("X-Vault-Token", credential.secret);
        request.sensitive = vec![credential.secret.to_string()];
        Ok(request)
    }

    fn interpret(&self, _credential: &Credential<'_>, response: &HttpResponse) -> Outcome {
        match response.status {
            200 => {
                let mut identity = std::collections::BTreeMap::new();
                if let Some(data) = response.json().and_then(|j| j.get("data").cloned()) {
                    for (field, name) in [
                        ("display_name", "display_name"),
                        ("policies", "policies"),
                        ("expire_time", "expires"),
                    ] {
                        if let Some(value) = data.get(field).and_then(json_text).filter(|v| !v.is_empty()) {
                            identity.insert(name.to_string(), value);
                        }
                    }
                }
                Outcome::Live(identity)
            }
            403 => Outcome::Revoked("Vault refused the token (revoked, expired or never valid)".into()),
            _ => unexpected_answer(response),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_go_only_to_the_named_server() {
        let companions = Default::default();
        let credential = Credential {
            rule_id: "vault-service-token",
            secret: "hvs.CAESIJ7Xk2",
            companions: &companions,
        };
        let none = Context::default();
        assert!(VaultTokenValidator.prepare(&credential, &none).is_err());
        assert!(!VaultTokenValidator.permits_host("vault.acme.test", &none));
        let named = Context {
            vault_address: Some("https://vault.acme.test:8200/".into()),
            ..Context::default()
        };
        let request = VaultTokenValidator.prepare(&credential, &named).unwrap();
        assert_eq!(request.url, "https://vault.acme.test:8200/v1/auth/token/lookup-self");
        assert!(VaultTokenValidator.permits_host("vault.acme.test", &named));
        assert!(!VaultTokenValidator.permits_host("other.test", &named));
    }
}
