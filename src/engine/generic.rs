//! Judges the value of a secret-named assignment (`password = …`, `api_key: …`) when no
//! token format vouches for it.
//!
//! Generic rules match on the key name, so almost everything they see is not a secret:
//! variables, templates, code, prose, paths, hashes, public keys. Each test below names a
//! shape of value that developers write next to such keys; whatever survives them is judged
//! by how rare it is ([`super::rarity`]), which also sets the finding's confidence.

use crate::rules::{Confidence, ValueCheck};

use super::placeholder;
use super::rarity;

/// Why a generic value was not reported; static so that dropping costs no allocation.
pub type Reason = &'static str;

/// Shortest values considered, per kind.
const MIN_PASSWORD_LEN: usize = 6;
const MIN_SECRET_LEN: usize = 8;
/// Below this many bits a password is a default or test value (`admin123`, `Summer2023`).
const MIN_PASSWORD_BITS: f32 = 30.0;
/// Below this many bits a token-like value is too regular to be machine-made.
const MIN_SECRET_BITS: f32 = 56.0;
/// Random-looking values measure close to 1.0 (see [`rarity::Rarity::ratio`]).
const MIN_SECRET_RATIO: f32 = 0.6;

/// Parts of a key name that mean the value is public or not a credential even though the
/// key ends in `key`, `token` or `secret` (`publicKey`, `cache_key`, `csrf_token`).
const NON_SECRET_KEY_PARTS: &[&str] = &[
    "public",
    "pubkey",
    "publishable",
    "cache",
    "sort",
    "primary",
    "foreign",
    "partition",
    "idempotency",
    "hotkey",
    "shortcut",
    "monkey",
    "turnkey",
    "lookup",
    "hash",
    "checksum",
    "digest",
    "fingerprint",
    "integrity",
    "csrf",
    "xsrf",
    "nonce",
    "next_token",
    "nexttoken",
    "page_token",
    "pagetoken",
    "continuation",
    "cursor",
    "translation",
    "i18n",
    "storage_key",
    "storagekey",
    "keyboard",
    "sitekey",
    "site_key",
    "recaptcha",
    // Browser/mobile SDK keys (Statsig, LaunchDarkly, Segment write keys) ship to clients.
    "client_key",
    "clientkey",
    "client-key",
    // OAuth app identifiers that providers document as public (the secret is a separate value).
    "dropbox_app_key",
    "dropboxappkey",
    "pusher_app_key",
    "pusher_key",
    "pusherappkey",
];

/// Prefixes of values that are public by design or are certificates and public keys.
const PUBLIC_VALUE_PREFIXES: &[&str] = &[
    "ssh-rsa",
    "ssh-ed25519",
    "ssh-dss",
    "ecdsa-sha2-",
    "sk-ssh-",
    "-----begin public",
    "-----begin certificate",
    "-----begin rsa public",
    "-----begin pgp public",
    "pk_live_",
    "pk_test_",
    "phc_",
    "sha1-",
    "sha256-",
    "sha384-",
    "sha512-",
    "http://",
    "https://",
    "file:",
];

/// Longest key name looked at before a generic rule's keyword.
const MAX_KEY_PREFIX: usize = 64;

/// Where the key name containing the keyword at `keyword_start` begins: generic regexes start
/// at their keyword (so the regex engine can skip ahead to it), and the judgement needs the
/// whole name (`stripePublishableKey`, `--db-password`).
pub fn key_start(haystack: &[u8], keyword_start: usize) -> usize {
    let floor = keyword_start.saturating_sub(MAX_KEY_PREFIX);
    let mut start = keyword_start;
    while start > floor {
        let b = haystack[start - 1];
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            start -= 1;
        } else {
            break;
        }
    }
    start
}

/// Judges what surrounds a key-name match on its line: `before` is the line up to the key name,
/// `key` the key text (name, operator, opening quote) and `after` the bytes after the value.
pub fn assess_context(before: &[u8], key: &[u8], after: &[u8]) -> Result<(), Reason> {
    let in_query = before.last().is_some_and(|b| matches!(b, b'?' | b'&'));
    if in_query && (contains_ignore_case(before, b"codecov.io/") || contains_ignore_case(before, b"img.shields.io/")) {
        return Err("a coverage-badge token in a badge URL: public by design, it only reads graphs");
    }
    if is_inside_urn(before) {
        return Err("part of a URN (`urn:ietf:params:oauth:grant-type:…`), a public name");
    }
    let call = memchr::memchr(b'(', key).is_some();
    let closed = after.first().is_some_and(|b| matches!(b, b'"' | b'\'' | b'`'));
    if call && closed && after[1..].trim_ascii_start().starts_with(b",") {
        return Err("the first of several call arguments, not a value passed as a password");
    }
    Ok(())
}

/// True when the key is a segment of a `urn:` name: the text right before it is `urn:`
/// followed by colon-separated name characters only.
fn is_inside_urn(before: &[u8]) -> bool {
    let start = before
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'.' | b'_')))
        .map_or(0, |i| i + 1);
    let segment = &before[start..];
    segment.len() >= 4 && segment[..4].eq_ignore_ascii_case(b"urn:")
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// Judges `value`, found after the key text `key` (the key name, its assignment operator and
/// any opening quote); `Ok` carries the confidence to report.
pub fn assess(kind: ValueCheck, key: &[u8], value: &[u8]) -> Result<Confidence, Reason> {
    let min_len = match kind {
        ValueCheck::Password => MIN_PASSWORD_LEN,
        ValueCheck::Secret => MIN_SECRET_LEN,
    };
    if value.len() < min_len {
        return Err("too short to be a credential");
    }
    if key_names_a_non_secret(key) {
        return Err("the key names something public or not a credential (public key, cache key, CSRF token, hash)");
    }
    let name_len = key
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(key.len());
    let name = &key[..name_len];
    if kind == ValueCheck::Secret && name.eq_ignore_ascii_case(b"key") {
        return Err("a bare `key` names too many things (ids, hashes, map keys) to judge");
    }
    let call = key[name_len..].trim_ascii_start().starts_with(b"(");
    let setter = name.len() > 3
        && (name[..3].eq_ignore_ascii_case(b"set") || name[..4.min(name.len())].eq_ignore_ascii_case(b"with"));
    let method = is_method_name(name);
    if call && !(setter || method) {
        return Err("an argument to a function, not an assignment to a secret-named key");
    }
    let spaced = key[name_len..]
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`'))
        && key[name_len..].iter().any(|b| matches!(b, b' ' | b'\t'));
    if spaced && kind == ValueCheck::Password && !name.starts_with(b"-") {
        return Err("a key followed by a word is prose, not an assignment");
    }
    let operator = &key[name_len..];
    // `get('API_KEY', 'default')` may hold a real default; `'passwd', 'pw_gecos'` is the next
    // item of a list. Only a clearly random value after a comma counts.
    let listed = memchr::memchr(b',', operator).is_some();
    if operator.first().is_some_and(|b| matches!(b, b' ' | b'\t')) && operator.trim_ascii_start().starts_with(b">") {
        return Err("a shell redirection or comparison (`info-pwd >file`), not an assignment");
    }
    if value.starts_with(b"--") {
        return Err("another command-line flag, not the flag's value");
    }
    let extension = value.get(name.len() + 1..).unwrap_or_default();
    if name.len() >= 6
        && value.len() > name.len() + 1
        && value[..name.len()].eq_ignore_ascii_case(name)
        && value[name.len()] == b'.'
        && extension.len() <= 4
        && extension.iter().all(u8::is_ascii_alphanumeric)
    {
        return Err("a file named after the key (`askpass: askpass.sh`), not a value");
    }
    if is_number(value) {
        return Err("a number");
    }
    if memchr::memmem::find(value, b"::").is_some() || memchr::memmem::find(value, b"->").is_some() {
        return Err("a code path or expression");
    }
    let first = value[0];
    if matches!(
        first,
        b'$' | b'%' | b'{' | b'<' | b'@' | b'&' | b'*' | b'!' | b'#' | b'=' | b'+' | b':' | b'.'
    ) {
        return Err("a variable, template, reference or tag, not a literal value");
    }
    if value.ends_with(b"=") && value.len() < 12 {
        return Err("an expression fragment");
    }
    if memchr::memmem::find(value, b"...").is_some() || value.contains(&0xE2) {
        return Err("elided (`...`): documentation, not a whole value");
    }
    if value.starts_with(b"eyJ") {
        return Err("JWT-shaped: the JWT rule decides on these");
    }
    if is_path(value) || memchr::memmem::find(value, b"/../").is_some() || memchr::memmem::find(value, b"/./").is_some()
    {
        return Err("a file path");
    }
    if starts_with_ignore_case(value, PUBLIC_VALUE_PREFIXES) {
        return Err("public by design (public key, certificate, publishable key, URL or content hash)");
    }
    if is_uuid(value) {
        return Err("a UUID: an identifier unless a provider rule says the provider uses UUID keys");
    }
    if placeholder::is_placeholder(value) {
        return Err("a placeholder or documentation value");
    }
    let rarity = rarity::measure(value);
    if rarity.is_all_words(value.len()) {
        return Err("words or an identifier, not a secret");
    }
    let quoted = key.last().is_some_and(|b| matches!(b, b'"' | b'\'' | b'`'));
    if !quoted && is_identifier(value) && (rarity.word_bytes * 2 >= value.len() || looks_named(value)) {
        return Err("an identifier (a variable, constant or type name), not a literal");
    }
    if is_path_like(value, &rarity) {
        return Err("a file path or URL path");
    }
    if is_reference_chain(value) && (!quoted || rarity.ratio() < 0.75) {
        return Err("a reference to another value (`config.db.password`)");
    }
    if listed && (rarity.bits < 80.0 || rarity.ratio() < 0.8 || rarity.classes < 2) {
        return Err("the next item of a list or call (`'passwd', 'pw_gecos'`): only a clearly random value counts");
    }
    match kind {
        ValueCheck::Password => {
            if rarity.bits < MIN_PASSWORD_BITS {
                return Err("too simple to be a real password (a default or test value)");
            }
            Ok(if rarity.bits >= 60.0 {
                Confidence::Medium
            } else {
                Confidence::Low
            })
        }
        ValueCheck::Secret => {
            if rarity.bits < MIN_SECRET_BITS || rarity.ratio() < MIN_SECRET_RATIO {
                return Err("not random enough to be a machine-made secret");
            }
            if spaced && (rarity.bits < 80.0 || rarity.ratio() < 0.8 || rarity.classes < 2) {
                return Err("a key followed by a word: only a clearly random value counts");
            }
            Ok(if rarity.bits >= 90.0 && rarity.ratio() >= 0.8 {
                Confidence::Medium
            } else {
                Confidence::Low
            })
        }
    }
}

/// The explanation of [`assess`]'s verdict with the measured rarity, for `--explain`.
pub fn describe(kind: ValueCheck, value: &[u8]) -> String {
    let r = rarity::measure(value);
    format!(
        "{} value: {:.0} bits estimated ({:.0}% of a random string of its length), {} of {} bytes in dictionary words",
        match kind {
            ValueCheck::Password => "password",
            ValueCheck::Secret => "secret",
        },
        r.bits,
        r.ratio() * 100.0,
        r.word_bytes,
        value.len()
    )
}

/// A dotted name: `client.password("…")` is a builder setting a password, while
/// `github_token("…")` is a function named after one.
fn is_method_name(name: &[u8]) -> bool {
    name.contains(&b'.')
}

fn key_names_a_non_secret(key: &[u8]) -> bool {
    let lower: Vec<u8> = key.iter().map(u8::to_ascii_lowercase).collect();
    NON_SECRET_KEY_PARTS
        .iter()
        .any(|part| memchr::memmem::find(&lower, part.as_bytes()).is_some())
}

fn starts_with_ignore_case(value: &[u8], prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|p| value.len() >= p.len() && value[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
}

fn is_path(value: &[u8]) -> bool {
    value.starts_with(b"/")
        || value.starts_with(b"./")
        || value.starts_with(b"../")
        || value.starts_with(b"~/")
        || (value.len() > 2 && value[0].is_ascii_alphabetic() && value[1] == b':' && value[2] == b'\\')
}

/// A numeric literal, with an optional sign, hex prefix, fraction or type suffix
/// (`42`, `-2147483647i32`, `0x1F`, `3.5f`).
fn is_number(value: &[u8]) -> bool {
    let v = value.strip_prefix(b"-").unwrap_or(value);
    if let Some(hex) = v.strip_prefix(b"0x").or_else(|| v.strip_prefix(b"0X")) {
        let digits = hex.iter().take_while(|b| b.is_ascii_hexdigit() || **b == b'_').count();
        let suffix = &hex[digits..];
        return digits > 0
            && (suffix.is_empty()
                || (suffix.len() <= 5
                    && suffix[0].is_ascii_alphabetic()
                    && suffix.iter().all(u8::is_ascii_alphanumeric)));
    }
    let digits = v
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.' || **b == b'_')
        .count();
    if digits == 0 {
        return false;
    }
    let suffix = &v[digits..];
    suffix.len() <= 5
        && suffix.iter().all(u8::is_ascii_alphanumeric)
        && suffix.first().is_none_or(|b| b.is_ascii_alphabetic())
}

/// `tests/compile-pass/**/*.rs`, `Europe/Istanbul`, `assets/img/logo.png`: slash-separated
/// words, globs or a file extension.
fn is_path_like(value: &[u8], rarity: &rarity::Rarity) -> bool {
    if !value.contains(&b'/') {
        return false;
    }
    if memchr::memmem::find(value, b"**").is_some() || memchr::memmem::find(value, b"/*").is_some() {
        return true;
    }
    let has_extension = value.rsplit(|&b| b == b'.').next().is_some_and(|ext| {
        (1..=4).contains(&ext.len()) && ext.iter().all(u8::is_ascii_alphanumeric) && ext.len() < value.len()
    });
    let letters = value.len().saturating_sub(rarity.separator_bytes);
    has_extension && value.contains(&b'.') || rarity.word_bytes * 2 >= letters
}

/// No digits and few case changes: `SHSTOCKICONID`, `OnePassCache`, `default_user` are
/// names; random letters switch case every few characters.
fn looks_named(value: &[u8]) -> bool {
    if value.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let switches = value
        .windows(2)
        .filter(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic())
        .filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase())
        .count();
    switches * 4 < value.len()
}

fn is_identifier(value: &[u8]) -> bool {
    value.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        && value.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

fn is_uuid(value: &[u8]) -> bool {
    value.len() == 36
        && value.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// `a.b.c` made of identifiers: how code refers to configuration (`settings.db.password`,
/// `process.env.TOKEN`).
fn is_reference_chain(value: &[u8]) -> bool {
    let mut parts = 0;
    for part in value.split(|&b| b == b'.') {
        let ok = !part.is_empty()
            && (part[0].is_ascii_alphabetic() || part[0] == b'_')
            && part.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !ok {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: ValueCheck, key: &str, value: &str) -> Result<Confidence, Reason> {
        assess(kind, key.as_bytes(), value.as_bytes())
    }

    #[test]
    fn random_values_are_reported() {
        for value in [
            "hN4qL8vZ2pX7rT9wK3",
            "9f3c2a7be41d08c6e5f1a2b9c7d3e8f0",
            "Zq8Wm2Lp5Rt7Yv1Xn4Kb+/x",
        ] {
            assert!(verdict(ValueCheck::Secret, "api_key = ", value).is_ok(), "{value}");
            assert!(verdict(ValueCheck::Password, "password: ", value).is_ok(), "{value}");
        }
        assert!(verdict(ValueCheck::Password, "DB_PASSWORD=", "Tr0ub4dor&3xK").is_ok());
    }

    #[test]
    fn badge_tokens_and_leading_call_arguments_are_dropped() {
        let badge = b"[![cov](https://codecov.io/gh/o/r/graph/badge.svg?";
        assert!(assess_context(badge, b"token=", b")").is_err());
        assert!(assess_context(b"curl https://api.example.test/v1?", b"token=", b"&x").is_ok());
        assert!(assess_context(b"    base.", b"pass(\"", b"\", \"http").is_err());
        assert!(assess_context(b"x = \"urn:ietf:params:", b"oauth:", b"\"").is_err());
        assert!(assess_context(b"turn: ", b"oauth:", b"\"").is_ok());
        assert!(assess_context(b"    client.", b"password(\"", b"\");").is_ok());
        assert!(verdict(ValueCheck::Password, "pass(\"", "g?y/../x").is_err());
    }

    #[test]
    fn templates_code_and_words_are_dropped() {
        for value in [
            "${DB_PASSWORD}",
            "{{ vault_password }}",
            "%s",
            "<your-password>",
            "process.env.API_TOKEN",
            "settings.database.password",
            "getPassword",
            "userPasswordField",
            "DB_PASSWORD",
            "changeme",
            "/run/secrets/db_password",
            "./config/token.txt",
            "123e4567-e89b-12d3-a456-426614174000",
            "ssh-ed25519",
            "sha512-abc",
            "password123",
            "admin",
            "!vault",
            "required",
        ] {
            assert!(verdict(ValueCheck::Password, "password: ", value).is_err(), "{value}");
            assert!(verdict(ValueCheck::Secret, "secret: ", value).is_err(), "{value}");
        }
    }

    #[test]
    fn public_or_non_credential_keys_are_dropped() {
        let value = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9xK2";
        assert!(verdict(ValueCheck::Secret, "publicKey: ", value).is_err());
        assert!(verdict(ValueCheck::Secret, "csrf_token = ", value).is_err());
        assert!(verdict(ValueCheck::Secret, "private_key = ", value).is_ok());
    }

    #[test]
    fn list_items_redirections_flags_and_derived_file_names_are_dropped() {
        // Each of these was reported in git/git's history.
        let cases = [
            ("passwd', '", "pw_gecos"),
            ("askpass', '", "git-gui--askyesno"),
            ("ssl_key, \"", "GIT_PROXY_SSL_KEY"),
            ("info-pwd >", "expected.info-np"),
            ("--smtp-pass ", "--smtp-server"),
            ("git-gui--askpass: ", "git-gui--askpass.sh"),
        ];
        for (key, value) in cases {
            assert!(verdict(ValueCheck::Password, key, value).is_err(), "{key}{value}");
            assert!(verdict(ValueCheck::Secret, key, value).is_err(), "{key}{value}");
        }
        // A random default after a comma still counts (`env('API_KEY', '…')`).
        assert!(verdict(ValueCheck::Secret, "API_KEY', '", "wbTs1SUt6Aace5eKeNCxuYvJa6PhaRd0").is_ok());
        // Assignments with arrows and flags with real values still count.
        assert!(verdict(ValueCheck::Password, ":password => '", "hN4qL8vZ2pX7rT9wK3").is_ok());
        assert!(verdict(ValueCheck::Password, "--db-password ", "hN4qL8vZ2pX7rT9wK3").is_ok());
        assert!(
            verdict(ValueCheck::Password, "password>", "KNhWxi4VuC7W1H3y").is_ok(),
            "an XML element"
        );
    }

    #[test]
    fn confidence_grows_with_rarity() {
        let strong = verdict(ValueCheck::Secret, "token=", "q8Wm2Lp5Rt7Yv1Xn4KbZs9Df3Gh6Jk0").unwrap();
        assert_eq!(strong, Confidence::Medium);
        let weak = verdict(ValueCheck::Password, "password=", "Blue$ky2019").unwrap();
        assert_eq!(weak, Confidence::Low);
    }
}
