//! Recognises values that are documentation examples, templates or filler rather than
//! credentials, so that `API_KEY=<your key here>` never becomes an alert.

/// Fragments that, anywhere in a value (ASCII case-insensitive), mark it as a placeholder.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "}}",
    "<",
    ">",
    "%(",
    "%s",
    "$(",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yourpassword",
    "placeholder",
    "dummy",
    "redacted",
    "replaceme",
    "replace_me",
    "replace-me",
    "notreal",
    "not_real",
    "not-a-real",
    "insert_",
    "insert-",
    "123456789",
    "abcdefghij",
    "qwerty",
];

/// Whole values that are words, not secrets (compared ASCII case-insensitively).
const WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "admin",
    "root",
    "user",
    "username",
    "test",
    "testing",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "string",
    "value",
    "foo",
    "bar",
    "baz",
    "foobar",
    "letmein",
    "default",
    "guest",
    "sample",
    "demo",
    "pwd",
    "mypassword",
    "mysecret",
    "secretkey",
    "s3cr3t",
    "hunter2",
    "abc123",
    "tiger",
    "mypass",
    "p4ssw0rd",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "postgres",
    "mysql",
    "rabbitmq",
    "redis",
    "mongo",
];

/// Published documentation values that look random but are not credentials.
const KNOWN_DOC_VALUES: &[&str] = &[
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    // The Azurite storage emulator and Cosmos DB emulator keys: published, same everywhere.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
];

/// True when `value` is a placeholder, a template, a documentation value or too uniform to
/// be a generated credential.
pub fn is_placeholder(value: &[u8]) -> bool {
    why(value).is_some()
}

/// Which placeholder test `value` fails, if any (the reason `--explain` prints).
pub fn why(value: &[u8]) -> Option<&'static str> {
    if value.is_empty() {
        return Some("empty value");
    }
    if WORDS.iter().any(|w| value.eq_ignore_ascii_case(w.as_bytes())) {
        return Some("a common word (password, token, test, null, ...)");
    }
    if KNOWN_DOC_VALUES.iter().any(|w| value == w.as_bytes()) {
        return Some("a published documentation or emulator value");
    }
    if let Some(marker) = MARKERS.iter().find(|m| contains_ignore_case(value, m.as_bytes())) {
        return Some(match *marker {
            "${" | "{{" | "}}" | "<" | ">" | "%(" | "%s" | "$(" => "contains template syntax",
            "xxxx" | "****" | "...." => "contains filler (xxxx, ****, ....)",
            "123456789" | "abcdefghij" | "qwerty" => "contains a typed sequence",
            _ => "contains a placeholder word (example, changeme, your_, dummy, redacted, ...)",
        });
    }
    if low_variety(value) {
        return Some("too few distinct characters");
    }
    if has_ascending_run(value) {
        return Some("contains a run of six or more ascending characters (123456, abcdef)");
    }
    if has_short_period(value) {
        return Some("repeats a short pattern");
    }
    if has_template_field(value) {
        return Some("contains a format field or shell variable");
    }
    None
}

/// A format field (`{name}`, `{0}`, `{round:06}`) or a whole-value shell variable (`$DB_PASS`):
/// the text is a template that is filled in at run time.
fn has_template_field(value: &[u8]) -> bool {
    if let Some(rest) = value.strip_prefix(b"$") {
        if !rest.is_empty()
            && rest
                .iter()
                .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return true;
        }
    }
    let mut i = 0;
    while let Some(open) = memchr::memchr(b'{', &value[i..]) {
        let start = i + open + 1;
        let field_len = value[start..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'!' | b'-'))
            .count();
        if field_len > 0 && value.get(start + field_len) == Some(&b'}') {
            return true;
        }
        i = start;
    }
    false
}

/// Six or more consecutive ascending characters (`123456`, `abcdef`, `klmnop`): typed by a
/// person, not drawn at random.
fn has_ascending_run(value: &[u8]) -> bool {
    let mut run = 1;
    for pair in value.windows(2) {
        if pair[0].is_ascii_alphanumeric() && pair[1] == pair[0].wrapping_add(1) {
            run += 1;
            if run >= 6 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// Twelve or more bytes repeating a unit of two to four characters (`123123123123`).
fn has_short_period(value: &[u8]) -> bool {
    (2..=4).any(|period| {
        let mut run = 0;
        for i in period..value.len() {
            if value[i] == value[i - period] {
                run += 1;
                if run + period >= 12 {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    })
}

/// Eight or more bytes drawn from at most two distinct characters (`aaaaaaaa`, `abababab`),
/// or a long run of one character, cannot be a generated secret.
fn low_variety(value: &[u8]) -> bool {
    if value.len() >= 8 {
        let first = value[0];
        let second = value.iter().copied().find(|&b| b != first);
        if let Some(second) = second {
            if value.iter().all(|&b| b == first || b == second) {
                return true;
            }
        } else {
            return true;
        }
    }
    let mut run = 1;
    for pair in value.windows(2) {
        if pair[0] == pair[1] && pair[0].is_ascii_alphanumeric() {
            run += 1;
            if run >= 8 {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for value in [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "<TOKEN>",
            "${GITHUB_TOKEN}",
            "{{ api_key }}",
            "changeme",
            "Password",
            "aaaaaaaaaaaa",
            "abababababab",
            "sk_live_0000000000000000000000",
            "GR134894112312312312312312312",
            "Pw{round:06}x9Qz",
            "$DB_PASSWORD",
            "sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx",
        ] {
            assert!(is_placeholder(value.as_bytes()), "{value} should be a placeholder");
        }
    }

    #[test]
    fn random_values_are_not_placeholders() {
        for value in ["ghp_Q2m7Rk9Lx4Vn8Pz1Tb6Wc3Yd5Hf0Js1a2B3c", "h7Gq2pLm9Zx", "S3vT8kW1qR"] {
            assert!(!is_placeholder(value.as_bytes()), "{value} should not be a placeholder");
        }
    }
}
