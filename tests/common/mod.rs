//! Helpers shared by the integration tests. Fake credentials are assembled at run time so
//! that this source file itself holds no complete credential-shaped string.

#![allow(dead_code)]

pub mod chromium;
pub mod git_http;
pub mod mock_issuer;
pub mod org;
pub mod sarif_schema;

use assert_cmd::Command;

/// A git command for building fixtures, isolated from this machine's configuration: no
/// system or global config, `home` as HOME, a fixed identity, author and committer `date`,
/// no signing, no automatic gc.
pub fn git_command(dir: &std::path::Path, home: &std::path::Path, date: &str) -> std::process::Command {
    let mut command = std::process::Command::new("git");
    command
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Dev Eloper")
        .env("GIT_AUTHOR_EMAIL", "dev@example.org")
        .env("GIT_COMMITTER_NAME", "Dev Eloper")
        .env("GIT_COMMITTER_EMAIL", "dev@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "gc.auto=0",
        ]);
    command
}

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
