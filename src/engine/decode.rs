//! Encoded text inside a blob: base64 runs (Kubernetes Secret `data:`, blobs in config),
//! percent-encoding (`%2F`, `%40` in URLs and form bodies) and JSON/JavaScript string
//! escapes (`\/`, `\u0041`, `\x41`).
//!
//! Each encoded segment becomes a *view*: its line with the segment replaced by the decoded
//! text, so that the key before it still applies (`password: cGFzc3dvcmQ=` becomes
//! `password: <decoded>`). The engine scans views like any text and keeps only matches that
//! touch the decoded part.

use std::ops::Range;

use base64::Engine as _;

/// Shortest base64 run decoded: `cGFzc3dvcmQx` (12 characters, 9 bytes) is a typical
/// Kubernetes Secret value.
const MIN_BASE64: usize = 12;
/// Longest run decoded, and longest line kept around a segment.
const MAX_SEGMENT: usize = 64 * 1024;
const MAX_CONTEXT: usize = 512;
/// Segments decoded per blob and layer: a file of base64 data is not decoded line by line.
const MAX_SEGMENTS: usize = 512;

/// One decoded segment, ready to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The encoded bytes in the parent text.
    pub span: Range<usize>,
    /// The line around the segment with the segment decoded.
    pub text: Vec<u8>,
    /// Where the decoded bytes sit in `text`.
    pub decoded: Range<usize>,
    /// What was decoded (`base64`, `percent`, `escape`).
    pub encoding: &'static str,
}

/// Finds the encoded segments of `haystack` and appends a view for each.
pub fn views(haystack: &[u8], out: &mut Vec<View>) {
    let start = out.len();
    base64_views(haystack, out);
    percent_views(haystack, out);
    escape_views(haystack, out);
    out.truncate(start + MAX_SEGMENTS);
}

/// Byte classes for the base64 run finder: 0 not base64, 1 lower, 2 upper, 4 digit, `+` or
/// `/`, 8 the URL-safe `-` and `_`.
static BASE64_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_uppercase() {
            2
        } else if c.is_ascii_digit() || c == b'+' || c == b'/' {
            4
        } else if c == b'-' || c == b'_' {
            // URL-safe alphabet: part of a run, but says nothing about randomness.
            8
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Base64 values are looked for where values start: after `=`, `:` or a quote (env files,
/// YAML and Kubernetes `data:`, JSON strings, code literals, `Basic ` headers follow a `:`).
/// Finding those bytes is a vectorised `memchr3`, so text without them costs almost nothing.
fn base64_views(haystack: &[u8], out: &mut Vec<View>) {
    let n = haystack.len();
    let mut from = 0;
    let mut done_until = 0;
    while let Some(offset) = memchr::memchr3(b'=', b':', b'"', &haystack[from..]) {
        let at = from + offset;
        from = at + 1;
        let mut start = at + 1;
        while start < n && start - at < 8 && matches!(haystack[start], b' ' | b'\t' | b'"' | b'\'' | b'`') {
            start += 1;
        }
        if start < n && haystack[start..].starts_with(b"Basic ") {
            start += 6;
        }
        if start < done_until || start >= n || BASE64_CLASS[haystack[start] as usize] == 0 {
            continue;
        }
        let mut classes = 0u8;
        let len = haystack[start..]
            .iter()
            .take_while(|&&b| {
                let class = BASE64_CLASS[b as usize];
                classes |= class;
                class != 0
            })
            .count();
        let mut end = start + len;
        done_until = end;
        from = from.max(end);
        if len < MIN_BASE64 - 2 || classes & 7 != 7 {
            continue;
        }
        let run_end = end;
        while end < n && end - run_end < 2 && haystack[end] == b'=' {
            end += 1;
        }
        if start > 0 && matches!(haystack[start - 1], b'%' | b'\\') {
            continue;
        }
        let run = &haystack[start..end];
        if run.len() < MIN_BASE64 || run.len() > MAX_SEGMENT {
            continue;
        }
        // Probe the first bytes before decoding a long run: most runs are binary data.
        let probe = &run[..run.len().min(16) / 4 * 4];
        if probe.len() == 16 && !decode_base64(probe).is_some_and(|d| is_printable(&d)) {
            continue;
        }
        let Some(decoded) = decode_base64(run) else {
            continue;
        };
        if !is_text(&decoded) {
            continue;
        }
        out.push(view(haystack, start..end, &decoded, "base64"));
        if out.len() >= MAX_SEGMENTS {
            return;
        }
    }
}

fn decode_base64(run: &[u8]) -> Option<Vec<u8>> {
    let trimmed: &[u8] = {
        let mut end = run.len();
        while end > 0 && run[end - 1] == b'=' {
            end -= 1;
        }
        &run[..end]
    };
    if trimmed.len() % 4 == 1 {
        return None;
    }
    let url = trimmed.iter().any(|b| matches!(b, b'-' | b'_'));
    let standard = trimmed.iter().any(|b| matches!(b, b'+' | b'/'));
    if url && standard {
        return None;
    }
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine.decode(trimmed).ok()
}

/// Decoded bytes worth scanning: printable text, at least six bytes of it.
fn is_text(decoded: &[u8]) -> bool {
    decoded.len() >= 6 && is_printable(decoded)
}

fn is_printable(decoded: &[u8]) -> bool {
    decoded
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
}

fn percent_views(haystack: &[u8], out: &mut Vec<View>) {
    let mut from = 0;
    while let Some(offset) = memchr::memchr(b'%', &haystack[from..]) {
        let at = from + offset;
        from = at + 1;
        if !(at + 2 < haystack.len() && haystack[at + 1].is_ascii_hexdigit() && haystack[at + 2].is_ascii_hexdigit()) {
            continue;
        }
        let (start, end) = token_around(haystack, at);
        from = end.max(from);
        let token = &haystack[start..end];
        let decoded = percent_decode(token);
        if decoded == token || !is_text(&decoded) {
            continue;
        }
        out.push(view(haystack, start..end, &decoded, "percent"));
        if out.len() >= MAX_SEGMENTS {
            return;
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` escapes decoded; anything else (a stray `%`, bad hex) kept as it is.
pub(crate) fn percent_decode(token: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(token.len());
    let mut i = 0;
    while i < token.len() {
        if token[i] == b'%' && i + 2 < token.len() {
            if let (Some(h), Some(l)) = (hex_value(token[i + 1]), hex_value(token[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(token[i]);
        i += 1;
    }
    out
}

fn escape_views(haystack: &[u8], out: &mut Vec<View>) {
    let mut from = 0;
    while let Some(offset) = memchr::memchr(b'\\', &haystack[from..]) {
        let at = from + offset;
        from = at + 1;
        let Some(&next) = haystack.get(at + 1) else {
            break;
        };
        if !matches!(next, b'/' | b'u' | b'x') {
            continue;
        }
        let (start, end) = token_around(haystack, at);
        from = end.max(from);
        let token = &haystack[start..end];
        let decoded = unescape(token);
        if decoded == token || !is_text(&decoded) {
            continue;
        }
        out.push(view(haystack, start..end, &decoded, "escape"));
        if out.len() >= MAX_SEGMENTS {
            return;
        }
    }
}

fn unescape(token: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(token.len());
    let mut i = 0;
    while i < token.len() {
        if token[i] == b'\\' && i + 1 < token.len() {
            match token[i + 1] {
                b'/' => {
                    out.push(b'/');
                    i += 2;
                    continue;
                }
                b'x' if i + 3 < token.len() => {
                    if let (Some(h), Some(l)) = (hex_value(token[i + 2]), hex_value(token[i + 3])) {
                        out.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                b'u' if i + 5 < token.len() => {
                    let digits = &token[i + 2..i + 6];
                    let value = digits
                        .iter()
                        .try_fold(0u32, |acc, &d| hex_value(d).map(|v| acc * 16 + v as u32));
                    if let Some(code) = value.filter(|&c| c < 0x80) {
                        out.push(code as u8);
                        i += 6;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(token[i]);
        i += 1;
    }
    out
}

/// The whitespace- and quote-delimited token around `at`.
fn token_around(haystack: &[u8], at: usize) -> (usize, usize) {
    let stop = |b: u8| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>');
    let floor = at.saturating_sub(MAX_CONTEXT);
    let mut start = at;
    while start > floor && !stop(haystack[start - 1]) {
        start -= 1;
    }
    let ceiling = (at + MAX_CONTEXT).min(haystack.len());
    let mut end = at;
    while end < ceiling && !stop(haystack[end]) {
        end += 1;
    }
    (start, end)
}

/// The line around `span` (capped to `MAX_CONTEXT` bytes each side) with `span` replaced.
fn view(haystack: &[u8], span: Range<usize>, decoded: &[u8], encoding: &'static str) -> View {
    let floor = span.start.saturating_sub(MAX_CONTEXT);
    let line_start = memchr::memrchr(b'\n', &haystack[floor..span.start]).map_or(floor, |i| floor + i + 1);
    let ceiling = (span.end + MAX_CONTEXT).min(haystack.len());
    let line_end = memchr::memchr(b'\n', &haystack[span.end..ceiling]).map_or(ceiling, |i| span.end + i);
    let mut text = Vec::with_capacity(line_end - line_start - span.len() + decoded.len());
    text.extend_from_slice(&haystack[line_start..span.start]);
    let decoded_start = text.len();
    text.extend_from_slice(decoded);
    let decoded_end = text.len();
    text.extend_from_slice(&haystack[span.end..line_end]);
    View {
        span,
        text,
        decoded: decoded_start..decoded_end,
        encoding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        views(text.as_bytes(), &mut out);
        out.into_iter()
            .map(|v| (String::from_utf8_lossy(&v.text).into_owned(), v.encoding))
            .collect()
    }

    #[test]
    fn base64_values_are_decoded_in_their_line() {
        let found = all("data:\n  password: UzNjcjN0LVBhc3N3MHJkIQ==\n");
        assert_eq!(found, vec![("  password: S3cr3t-Passw0rd!".to_string(), "base64")]);
    }

    #[test]
    fn percent_and_escapes_are_decoded() {
        let found = all("url=postgres%3A%2F%2Fapp%3Ap%40ss%40db%2Fx\n");
        assert_eq!(found[0], ("url=postgres://app:p@ss@db/x".to_string(), "percent"));
        let found = all(r#"{"u": "https:\/\/api.test\/v1?key=\u0041bc"}"#);
        assert!(
            found
                .iter()
                .any(|(t, e)| *e == "escape" && t.contains("https://api.test/v1?key=Abc")),
            "{found:?}"
        );
    }

    #[test]
    fn hex_digests_binary_and_identifiers_are_left_alone() {
        assert!(all("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n").is_empty());
        assert!(all("fn some_identifier_name_here() {}\n").is_empty());
        // Random base64 that decodes to binary is not text.
        assert!(all("blob: q8Wm2Lp5Rt7Yv1Xn4KbZs9Df\n")
            .iter()
            .all(|(_, e)| *e != "base64"));
    }

    #[test]
    fn malformed_input_does_not_panic() {
        for text in ["%", "%4", "\\", "\\u12", "\\x4", "====", "QUJD=", "%%%%41"] {
            let mut out = Vec::new();
            views(text.as_bytes(), &mut out);
        }
    }
}
