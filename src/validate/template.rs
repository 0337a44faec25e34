//! Placeholders in validator requests (`{{secret}}`, `{{account_sid}}`): parsed once when
//! the rule is compiled, filled per credential with the escaping each part of a request needs.

use std::collections::BTreeMap;

/// A string with `{{name}}` placeholders, split once so filling it is a simple walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value(String),
}

/// How a substituted value is escaped for the place it lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Header values and raw bodies: inserted as is (control characters are refused).
    None,
    /// URL paths and queries, form bodies: every byte outside the unreserved set is
    /// percent-encoded, so a value can never add a path segment or a parameter.
    Percent,
    /// Inside a JSON string.
    Json,
}

impl Template {
    /// Parses `text`; an unclosed `{{` or an empty name is an error naming the template.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| format!("unclosed '{{{{' in {text:?}"))?;
            let name = after[..close].trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("invalid placeholder '{{{{{name}}}}}' in {text:?}"));
            }
            parts.push(Part::Value(name.to_string()));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The placeholder names used, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Value(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// True when the template has no placeholder.
    pub fn is_literal(&self) -> bool {
        self.names().next().is_none()
    }

    /// Fills the placeholders from `values`; a missing value or a control character where
    /// none may go is an error (the request is not sent).
    pub fn fill(&self, values: &BTreeMap<String, String>, escape: Escape) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(name) => {
                    let value = values
                        .get(name)
                        .ok_or_else(|| format!("needs the value '{name}', which was not found"))?;
                    match escape {
                        Escape::None => {
                            if value.chars().any(|c| c.is_control()) {
                                return Err(format!("the value '{name}' holds control characters"));
                            }
                            out.push_str(value);
                        }
                        Escape::Percent => percent_encode_into(value, &mut out),
                        Escape::Json => {
                            let quoted = serde_json::to_string(value).map_err(|e| e.to_string())?;
                            out.push_str(&quoted[1..quoted.len() - 1]);
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode_into(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// `value` percent-encoded (see [`percent_encode_into`]).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        [
            ("secret".to_string(), "a/b c\"d".to_string()),
            ("sid".to_string(), "AC12".to_string()),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn placeholders_are_escaped_for_their_place() {
        let t = Template::parse("https://x.test/{{sid}}?k={{secret}}").unwrap();
        assert_eq!(t.names().collect::<Vec<_>>(), ["sid", "secret"]);
        assert_eq!(
            t.fill(&values(), Escape::Percent).unwrap(),
            "https://x.test/AC12?k=a%2Fb%20c%22d"
        );
        let body = Template::parse(r#"{"token":"{{secret}}"}"#).unwrap();
        assert_eq!(body.fill(&values(), Escape::Json).unwrap(), r#"{"token":"a/b c\"d"}"#);
    }

    #[test]
    fn bad_templates_and_missing_values_are_errors() {
        assert!(Template::parse("{{secret").is_err());
        assert!(Template::parse("{{}}").is_err());
        assert!(Template::parse("{{a-b}}").is_err());
        let t = Template::parse("Bearer {{token}}").unwrap();
        assert!(t.fill(&values(), Escape::None).unwrap_err().contains("token"));
        let mut v = values();
        v.insert("token".into(), "x\r\nHost: evil".into());
        assert!(t.fill(&v, Escape::None).is_err());
    }
}
