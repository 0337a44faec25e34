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
    }
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
