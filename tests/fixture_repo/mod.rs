//! A fixture repository for the action and hook tests, driven by the `git` CLI and isolated from
//! the machine's git configuration. Fake tokens are random, with valid GitHub checksums.

#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A fresh random fake GitHub token (valid checksum, so leakhound reports it).
pub fn random_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random30 = String::new();
    while random30.len() < 30 {
        let mut bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
        for _ in 0..8 {
            if random30.len() < 30 {
                random30.push(ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char);
                bits /= ALPHABET.len() as u64;
            }
        }
    }
    crate::common::github_token(&random30)
}

/// A line of a `.env` file holding `token`.
pub fn env_line(token: &str) -> String {
    format!("GITHUB_TOKEN={token}\n")
}

/// A temporary directory holding a work tree `work/` (branch `main`) and room for siblings.
pub struct Repo {
    pub home: TempDir,
    pub path: PathBuf,
}

impl Repo {
    pub fn new() -> Repo {
        let home = TempDir::new().expect("temp dir");
        let path = home.path().join("work");
        std::fs::create_dir(&path).expect("work dir");
        let repo = Repo { home, path };
        repo.git(&["init", "-q"]);
        repo
    }

    /// A path next to the work tree.
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// A git command in `dir`, isolated from the user's and the system's configuration.
    pub fn command_in(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.home.path())
            .env("GIT_AUTHOR_NAME", "Dana Developer")
            .env("GIT_AUTHOR_EMAIL", "dana@example.test")
            .env("GIT_COMMITTER_NAME", "Dana Developer")
            .env("GIT_COMMITTER_EMAIL", "dana@example.test")
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "gc.auto=0",
                "-c",
                "core.autocrlf=false",
                "-c",
                "protocol.file.allow=always",
            ])
            .args(args);
        cmd
    }

    /// Runs git in the work tree and returns its output, whatever its status.
    pub fn try_git(&self, args: &[&str]) -> Output {
        self.command_in(&self.path, args).output().expect("git runs")
    }

    /// Runs git in the work tree; panics when it fails; returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.try_git(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, name: &str, content: &str) {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(path, content).expect("write fixture file");
    }

    /// Writes `name`, stages it and commits (hooks skipped); returns the commit id.
    pub fn commit_file(&self, name: &str, content: &str) -> String {
        self.write(name, content);
        self.git(&["add", name]);
        self.git(&["commit", "-q", "--no-verify", "-m", &format!("edit {name}")]);
        self.git(&["rev-parse", "HEAD"])
    }
}
