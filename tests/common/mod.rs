//! Helpers shared by the integration tests. Fake credentials are assembled at run time so
//! that this source file itself holds no complete credential-shaped string.

#![allow(dead_code)]

pub mod chromium;
pub mod git_http;
pub mod mock_issuer;
pub mod org;
pub mod sarif_schema;

use assert_cmd::Command;

/// A `leakhound` command for the binary under test.
pub fn leakhound() -> Command {
    Command::cargo_bin("leakhound").expect("the leakhound binary is built for tests")
}

/// A GitHub classic PAT with a valid CRC32 checksum, from a 30-character random part.
pub fn github_token(random30: &str) -> String {
    assert_eq!(random30.len(), 30);
    let check = leakhound::engine::checksum::encode_base62_6(crc32fast::hash(random30.as_bytes()));
    format!(
        "{}{}{}",
        ["gh", "p_"].concat(),
        random30,
        String::from_utf8_lossy(&check)
    )
}

/// The default fake token used by most tests.
pub fn token() -> String {
    github_token("R8kq2LzW5nXv9TbY3mPc7HdJ4sFg1A")
}

/// Parses a `--format json` report.
pub fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).expect("the report is valid JSON")
}
