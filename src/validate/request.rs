//! The one request a validator sends and the answer it reads, kept apart from the HTTP
//! client so that dry runs can print requests and tests can feed answers.

use crate::rules::schema::HttpMethod;

/// A request ready to send to an issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    /// Absolute `https://` URL on the issuer's host.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Every string in this request that must never be printed (the secret, companions and
    /// anything derived from them, such as a Basic credential or a signed assertion).
    pub sensitive: Vec<String>,
}

impl HttpRequest {
    /// A request with no headers or body yet.
    pub fn new(method: HttpMethod, url: String) -> HttpRequest {
        HttpRequest {
            method,
            url,
            headers: Vec::new(),
            body: None,
            sensitive: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The host the URL names (no port), lower-cased; `None` when the URL is not absolute.
    pub fn host(&self) -> Option<String> {
        url_host(&self.url)
    }

    /// The request as text with every sensitive value redacted: what `--validate-dry-run`
    /// prints.
    pub fn redacted(&self) -> String {
        let mut text = format!("{} {}\n", self.method.as_str(), self.url);
        for (name, value) in &self.headers {
            text.push_str(&format!("  {name}: {value}\n"));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!("  body: {}\n", String::from_utf8_lossy(body)));
        }
        hide(&text, &self.sensitive)
    }
}

/// Replaces each sensitive value (longest first, so a secret inside a longer derived value
/// does not leave the rest visible) and its percent-encoded form with a redacted form.
pub fn hide(text: &str, sensitive: &[String]) -> String {
    let mut values: Vec<String> = sensitive
        .iter()
        .filter(|v| v.len() >= 4)
        .flat_map(|v| [v.clone(), super::template::percent_encode(v)])
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    let mut out = text.to_string();
    for value in values {
        if out.contains(&value) {
            out = out.replace(&value, &crate::finding::redact(&value));
        }
    }
    out
}

/// The host of an absolute URL, lower-cased, without port or user info.
pub fn url_host(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://")?.1;
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// An issuer's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(
            url_host("https://api.github.com/user").as_deref(),
            Some("api.github.com")
        );
        assert_eq!(url_host("http://127.0.0.1:8080/x?y").as_deref(), Some("127.0.0.1"));
        assert_eq!(url_host("https://u:p@Example.COM:443").as_deref(), Some("example.com"));
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("not a url"), None);
    }

    #[test]
    fn redacted_requests_hide_secrets_in_every_form() {
        let mut request = HttpRequest::new(HttpMethod::Post, "https://h.test/q?key=ab%2Bcd%2Fef".into())
            .header("Authorization", "Bearer ab+cd/ef");
        request.body = Some(b"token=ab+cd/ef".to_vec());
        request.sensitive = vec!["ab+cd/ef".into()];
        let shown = request.redacted();
        assert!(!shown.contains("ab+cd/ef"), "{shown}");
        assert!(!shown.contains("ab%2Bcd%2Fef"), "{shown}");
        assert!(shown.contains("Bearer ab********"), "{shown}");
    }
}
