//! Offline structure checks: a candidate whose checksum or structure is wrong cannot be a
//! credential the issuer minted, so it is dropped without any network traffic.

use base64::Engine as _;

use crate::rules::ChecksumKind;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// True when `secret` passes the structural check named by `kind`.
pub fn verify(kind: ChecksumKind, secret: &[u8]) -> bool {
    match kind {
        ChecksumKind::Crc32Base62 => crc32_base62(secret),
        ChecksumKind::Jwt => jwt(secret),
        ChecksumKind::BasicAuth => basic_auth(secret),
        ChecksumKind::Pem => pem(secret),
        ChecksumKind::PypiMacaroon => pypi_macaroon(secret),
        ChecksumKind::AwsKeyId => aws_account_id(secret).is_some() || secret.len() == 20,
    }
}

/// Facts a structure check can read out of a secret, reported as finding attributes.
pub fn attributes(kind: Option<ChecksumKind>, secret: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    if kind == Some(ChecksumKind::AwsKeyId) {
        if let Some(account) = aws_account_id(secret) {
            out.insert("aws_account_id".to_string(), account);
        }
    }
    out
}

/// The AWS account id encoded in an access key id: base32-decode the 16 characters after the
/// prefix; bits 7..47 of the first six bytes are the account number.
pub fn aws_account_id(key_id: &[u8]) -> Option<String> {
    if key_id.len() != 20 {
        return None;
    }
    let body = &key_id[4..];
    let mut bits: u128 = 0;
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | v as u128;
    }
    // 16 characters = 80 bits; the first 48 bits are the six bytes we need.
    let first_six = (bits >> 32) as u64;
    let account = (first_six & 0x7fff_ffff_ff80) >> 7;
    Some(format!("{account:012}"))
}

fn standard_base64(text: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).ok()
}

/// `Basic dXNlcjpwYXNz`: base64 of `user:password`, both parts non-empty and printable.
pub fn basic_auth(secret: &[u8]) -> bool {
    let Some(decoded) = standard_base64(secret) else {
        return false;
    };
    let printable = decoded.iter().all(|b| (0x20..0x7f).contains(b));
    match memchr::memchr(b':', &decoded) {
        Some(colon) => printable && colon > 0 && colon + 1 < decoded.len(),
        None => false,
    }
}

/// A PEM block whose base64 body decodes (headers such as `Proc-Type:` and JSON `\n`
/// escapes allowed), or base64 text that decodes to such a block.
pub fn pem(secret: &[u8]) -> bool {
    if !secret.starts_with(b"-----") {
        return standard_base64(secret).is_some_and(|decoded| decoded.starts_with(b"-----BEGIN") && pem(&decoded));
    }
    let text = String::from_utf8_lossy(secret).replace("\\n", "\n").replace("\\r", "");
    let Some(after_begin) = text.strip_prefix("-----BEGIN ") else {
        return false;
    };
    let Some(header_end) = after_begin.find("-----") else {
        return false;
    };
    let kind = &after_begin[..header_end];
    let rest = &after_begin[header_end + 5..];
    let body_text = rest.find("-----END").map_or(rest, |end| &rest[..end]);
    let mut body = String::new();
    for line in body_text.lines() {
        let line = line.trim().trim_matches(|c| c == '"' || c == '\'' || c == ',');
        if line.contains(':') || line.is_empty() {
            continue;
        }
        if kind.contains("PGP") && line.starts_with('=') && line.len() == 5 {
            continue;
        }
        body.push_str(line);
    }
    let Some(decoded) = standard_base64(body.as_bytes()) else {
        return false;
    };
    if kind.contains("OPENSSH") {
        return decoded.starts_with(b"openssh-key-v1\0");
    }
    decoded.len() >= 16
}

/// PyPI token: `pypi-` + base64url of a version-2 macaroon for pypi.org or test.pypi.org.
pub fn pypi_macaroon(secret: &[u8]) -> bool {
    let Some(body) = secret.strip_prefix(b"pypi-") else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body.strip_suffix(b"=").unwrap_or(body))
    else {
        return false;
    };
    parse_macaroon_v2(&bytes).is_some_and(|location| location == b"pypi.org" || location == b"test.pypi.org")
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        value |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Reads one field (type, then length-prefixed data); `Ok(None)` at an end-of-section marker.
fn read_field<'a>(bytes: &'a [u8], at: &mut usize) -> Option<Option<(u64, &'a [u8])>> {
    let kind = read_varint(bytes, at)?;
    if kind == 0 {
        return Some(None);
    }
    let len = read_varint(bytes, at)? as usize;
    let data = bytes.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(Some((kind, data)))
}

/// Parses the binary macaroon v2 format far enough to trust it: header (location,
/// identifier), caveat sections, 32-byte signature. Returns the location.
fn parse_macaroon_v2(bytes: &[u8]) -> Option<&[u8]> {
    const LOCATION: u64 = 1;
    const IDENTIFIER: u64 = 2;
    const SIGNATURE: u64 = 6;
    if bytes.first() != Some(&2) {
        return None;
    }
    let mut at = 1;
    let mut location = None;
    let mut identifier = false;
    while let Some((kind, data)) = read_field(bytes, &mut at)? {
        match kind {
            LOCATION => location = Some(data),
            IDENTIFIER => identifier = true,
            _ => return None,
        }
    }
    if !identifier {
        return None;
    }
    // Caveat sections, each ended by an end-of-section marker; an empty one ends the list.
    loop {
        let mut fields = 0;
        while read_field(bytes, &mut at)?.is_some() {
            fields += 1;
        }
        if fields == 0 {
            break;
        }
    }
    let (kind, signature) = read_field(bytes, &mut at)??;
    (kind == SIGNATURE && signature.len() == 32 && at == bytes.len()).then_some(())?;
    location
}

/// GitHub/npm token check: the body after the last `_` ends with six base62 digits that
/// encode the CRC32 of the rest of the body.
pub fn crc32_base62(secret: &[u8]) -> bool {
    let body = match memchr::memrchr(b'_', secret) {
        Some(i) => &secret[i + 1..],
        None => secret,
    };
    if body.len() <= 6 {
        return false;
    }
    let (payload, check) = body.split_at(body.len() - 6);
    encode_base62_6(crc32fast::hash(payload)) == check
}

/// Encodes a CRC32 as six base62 digits, left-padded with `0`, as GitHub and npm do.
pub fn encode_base62_6(mut value: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    out
}

/// JWT check: three dot-separated base64url parts; header and payload decode to JSON objects
/// and the header names an `alg`.
pub fn jwt(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(header) = decode_json_object(header) else {
        return false;
    };
    header.get("alg").is_some_and(|alg| alg.is_string()) && decode_json_object(payload).is_some()
}

fn decode_json_object(part: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let trimmed: &[u8] = match part.iter().rposition(|&b| b != b'=') {
        Some(end) => &part[..=end],
        None => return None,
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed).ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_token(prefix: &str, random: &str) -> String {
        let check = encode_base62_6(crc32fast::hash(random.as_bytes()));
        format!("{prefix}{random}{}", std::str::from_utf8(&check).unwrap())
    }

    #[test]
    fn crc32_base62_accepts_valid_and_rejects_altered_tokens() {
        let token = make_token("ghp_", "Q2m7Rk9Lx4Vn8Pz1Tb6Wc3Yd5Hf0Js");
        assert!(crc32_base62(token.as_bytes()));
        let mut altered = token.clone().into_bytes();
        altered[10] = if altered[10] == b'a' { b'b' } else { b'a' };
        assert!(!crc32_base62(&altered));
        assert!(!crc32_base62(b"ghp_abc"));
    }

    #[test]
    fn base62_padding_is_on_the_left() {
        assert_eq!(&encode_base62_6(0), b"000000");
        assert_eq!(&encode_base62_6(61), b"00000z");
        assert_eq!(&encode_base62_6(62), b"000010");
    }

    #[test]
    fn jwt_requires_json_header_with_alg() {
        let good = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert!(jwt(good.as_bytes()));
        let no_alg = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln";
        assert!(!jwt(no_alg.as_bytes()));
        assert!(!jwt(b"eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"));
        assert!(!jwt(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"));
    }
}
