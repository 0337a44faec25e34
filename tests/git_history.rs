//! End-to-end tests of `leakhound git` against its specification: history attribution,
//! ref selection, ranges, the staged index, skipped and damaged objects, and the git fields of
//! every report format. Fixture repositories are built with the `git` CLI in temporary
//! directories, isolated from the machine's git configuration; leakhound itself never runs git.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{github_token, json, leakhound};
use serde_json::Value;
use tempfile::TempDir;

// One distinct fake token per test; the random parts are [A-Za-z0-9]{30}.
const R_DELETED: &str = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8";
const R_BRANCH: &str = "oOOL8dKLzdocJ2isAjIhKtJ0RlgLKO";
const R_TAG_ANNOTATED: &str = "mxgJTeKdNnFRIBXuDL7DxtpYlSXpfK";
const R_TAG_LIGHT: &str = "tHF4vUCsMehGAkWvj7FAc9QeWJKY40";
const R_MERGE: &str = "uvSwMFLZDe1f8rESQedUStPKR0CsTy";
const R_COPIED: &str = "4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4";
const R_BINARY: &str = "i0B3JrTAwR4y9ojfljoQoaF1Llqsaj";
const R_LARGE: &str = "gEOzdmenCkhvMdgaKjIg8xNbe3nNyj";
const R_SHALLOW_OLD: &str = "Oq9wMxEhh2FDEEtfjgVvVqE1SkHbn8";
const R_SHALLOW_NEW: &str = "8HxjSI6bWHtP3fS2qHx6kwXoIIXGvO";
const R_SHALLOW_GONE: &str = "oNZYW2mZp0zVZomHFwUbbYrEqmSM9w";
const R_CORRUPT_GOOD: &str = "CZ7Uw9xfogoEmvnEN5N1aE6PwZPf1Q";
const R_CORRUPT_BAD: &str = "h6yYTWmE4lBYOvfZ8UzDzV8fUkkibj";
const R_STAGED: &str = "L5DZPjN0MEQ7wjJJibaZUPgHV7iB3m";
const R_UNSTAGED: &str = "03nbqnsGpWLuqIA1id6Vw5DQL05HA0";
const R_UNTRACKED: &str = "64GiIjHGb3CXlMaXZjljENUhJduRHH";
const R_STAGED_FIRST: &str = "JEYXg4JdpmrcXgGCJbW56eCuNGMGmS";
const R_RANGE_BEFORE: &str = "rCGIZEG8pSH4487q7J58m1CiAhzCue";
const R_RANGE_IN1: &str = "QpBenQtYh5Xj8TPQxjq4i9DoV8gz4F";
const R_RANGE_IN2: &str = "kQ1okTBGzvAmwufUxbvJDCTbyvHNsG";
const R_RANGE_AFTER: &str = "9eh6Yo4gfqrc5XlrWi0B26R08qzjI6";
const R_SARIF: &str = "GKFSufrdZSlB5er8bOfZqfM2oeq3hD";
const R_STASH: &str = "avJA76rNicHTp8hkqdlm7tOtHWnsCG";
const R_REMOTE: &str = "RlrwZbqcabUGJmGEp7CgQ0PBQFI14z";
const R_SINCE_OLD: &str = "GtSnovm14TUOizwd1iaeOV4qBkdfQ1";
const R_SINCE_NEW: &str = "y3GQsMpSscDlkrCaqx9vJupc94tnwl";
const R_SINCE_REBASED: &str = "avyfErGPmpGXafq0fjzLczbttOofL9";
const R_FORMATS: &str = "H2WjQ5TY4MyWuUFjsUNPjc01T5GOBU";
const R_KEPT: &str = "SZGi6HWGK10Zb0RLZ5TR9SPofbciOx";

/// A fixture repository driven by the `git` CLI, isolated from the machine's configuration.
/// Every commit gets the next day of January 2024 at noon UTC as author and committer date.
struct Fixture {
    home: TempDir,
    path: PathBuf,
    day: u32,
}

impl Fixture {
    /// `git init` of a non-bare repository with `main` as its initial branch.
    fn new() -> Fixture {
        let home = TempDir::new().unwrap();
        let path = home.path().join("work");
        std::fs::create_dir(&path).unwrap();
        let fixture = Fixture { home, path, day: 1 };
        fixture.git(&["init", "-q"]);
        fixture
    }

    /// A fresh path next to the repository (for clones), inside the same temp dir.
    fn sibling(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn date(&self) -> String {
        format!("2024-01-{:02}T12:00:00Z", self.day)
    }

    /// A git command in `dir` with the isolated environment and the given dates.
    fn command_in(&self, dir: &Path, args: &[&str], author_date: &str, committer_date: &str) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_OBJECT_DIRECTORY")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.home.path())
            .env("GIT_AUTHOR_NAME", "Dana Developer")
            .env("GIT_AUTHOR_EMAIL", "dana@example.test")
            .env("GIT_COMMITTER_NAME", "Carl Committer")
            .env("GIT_COMMITTER_EMAIL", "carl@example.test")
            .env("GIT_AUTHOR_DATE", author_date)
            .env("GIT_COMMITTER_DATE", committer_date)
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "tag.gpgsign=false",
                "-c",
                "gc.auto=0",
                "-c",
                "maintenance.auto=false",
                "-c",
                "core.autocrlf=false",
                "-c",
                "advice.detachedHead=false",
            ])
            .args(args);
        cmd
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let date = self.date();
        self.command_in(dir, args, &date, &date).output().expect("git runs")
    }

    /// Runs git in the repository; panics when it fails; returns trimmed stdout.
    fn git(&self, args: &[&str]) -> String {
        let out = self.run_in(&self.path, args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn write(&self, name: &str, content: &[u8]) {
        let file = self.path.join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }

    /// Commits what is staged plus `files` (written and added first) with the next day's
    /// date; returns the new commit id.
    fn commit(&mut self, files: &[(&str, &[u8])], message: &str) -> String {
        let date = self.date();
        self.commit_dated(files, message, &date, &date)
    }

    /// Like [`Fixture::commit`] with explicit author and committer dates.
    fn commit_dated(&mut self, files: &[(&str, &[u8])], message: &str, author: &str, committer: &str) -> String {
        for (name, content) in files {
            self.write(name, content);
            self.git(&["add", "--", name]);
        }
        let out = self
            .command_in(
                &self.path,
                &["commit", "-q", "--allow-empty", "-m", message],
                author,
                committer,
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git commit: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.day += 1;
        self.rev("HEAD")
    }

    /// `git rm` of a file and a commit; returns the commit id.
    fn delete(&mut self, name: &str, message: &str) -> String {
        self.git(&["rm", "-q", "--", name]);
        self.commit(&[], message)
    }

    fn rev(&self, spec: &str) -> String {
        let id = self.git(&["rev-parse", "--verify", spec]);
        assert_eq!(id.len(), 40, "{spec} -> {id}");
        id
    }
}

/// A finished `leakhound git` run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn doc(&self) -> Value {
        json(self.stdout.as_bytes())
    }
}

/// Runs `leakhound git <repo> <args>` and checks invariants every run must keep.
fn leakhound_git(repo: &Path, args: &[&str]) -> Run {
    let out = leakhound().arg("git").arg(repo).args(args).output().unwrap();
    finish(out)
}

fn finish(out: std::process::Output) -> Run {
    let run = Run {
        code: out.status.code().expect("leakhound exits normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "leakhound panicked:\n{}", run.stderr);
    run
}

/// `--format json` scan; returns (exit code, document, stderr) after checking the document's
/// git invariants.
fn scan_json(repo: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let run = leakhound_git(repo, &args);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    let doc = run.doc();
    check_invariants(&doc);
    (run.code, doc, run.stderr)
}

fn is_hex40(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What the spec promises of every JSON git report.
fn check_invariants(doc: &Value) {
    let git = &doc["summary"]["git"];
    assert!(git.is_object(), "summary.git is missing: {doc}");
    assert!(
        ["history", "range", "staged"].contains(&git["mode"].as_str().unwrap_or("")),
        "{git}"
    );
    for key in ["commits", "blobs_scanned", "bytes_scanned"] {
        assert!(git[key].is_u64(), "summary.git.{key}: {git}");
    }
    assert!(git["shallow"].is_boolean(), "{git}");
    if let Some(skipped) = git["skipped"].as_object() {
        for (reason, n) in skipped {
            assert!(
                ["too_large", "binary", "lfs_pointer", "missing", "corrupt"].contains(&reason.as_str()),
                "unknown skip reason {reason}: {git}"
            );
            assert!(n.as_u64().unwrap() > 0, "zero skip reasons are omitted: {git}");
        }
    }
    assert_eq!(
        doc["summary"]["findings"].as_u64().unwrap() as usize,
        findings(doc).len(),
        "{doc}"
    );
    for f in findings(doc) {
        let g = &f["git"];
        assert!(g.is_object(), "every git finding has a git object: {f}");
        assert!(is_hex40(&g["blob"]), "{g}");
        assert!(g["present_at_head"].is_boolean(), "{g}");
        assert!(g["unreachable"].is_boolean(), "{g}");
        assert!(g["staged"].is_boolean(), "{g}");
        assert!(g["occurrences"].is_u64(), "{g}");
        if g["staged"] == true || g["unreachable"] == true {
            assert!(g["commit"].is_null(), "{g}");
        } else {
            assert!(is_hex40(&g["commit"]), "{g}");
            assert!(
                g["date"]
                    .as_str()
                    .is_some_and(|d| d.len() == 20 && d.ends_with('Z') && &d[10..11] == "T"),
                "date is RFC 3339 UTC: {g}"
            );
            assert!(g["occurrences"].as_u64().unwrap() >= 1, "{g}");
        }
        assert!(f["fingerprint"].is_string(), "{f}");
    }
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("findings is an array")
}

fn secrets(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = findings(doc)
        .iter()
        .map(|f| f["secret"].as_str().expect("json reports carry the secret").to_string())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn finding<'a>(doc: &'a Value, secret: &str) -> &'a Value {
    let matching: Vec<&Value> = findings(doc).iter().filter(|f| f["secret"] == secret).collect();
    assert_eq!(matching.len(), 1, "exactly one finding for {secret}: {doc}");
    matching[0]
}

fn skipped(doc: &Value, reason: &str) -> u64 {
    doc["summary"]["git"]["skipped"][reason].as_u64().unwrap_or(0)
}

/// `# settings` then `GITHUB_TOKEN=<token>`: the token is at line 2, column 14.
fn env_file(token: &str) -> Vec<u8> {
    format!("# settings\nGITHUB_TOKEN={token}\n").into_bytes()
}

// 1 ---------------------------------------------------------------------------------------

#[test]
fn a_secret_added_then_deleted_is_attributed_to_the_adding_commit() {
    let token = github_token(R_DELETED);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"# project\n")], "initial import");
    let content = format!("[db]\nhost = \"localhost\"\n\n[github]\n    token = \"{token}\"\n");
    let added = repo.commit(
        &[("config/prod/settings.toml", content.as_bytes())],
        "Add production settings\n\nlong body",
    );
    let blob = repo.rev(&format!("{added}:config/prod/settings.toml"));
    let deleted = repo.delete("config/prod/settings.toml", "Remove settings");
    repo.commit(&[("README.md", b"# project\nmore\n")], "docs");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["rule_id"], "github-pat-classic");
    assert_eq!(f["path"], "config/prod/settings.toml");
    assert_eq!(f["line"], 5);
    assert_eq!(f["column"], 14);
    let g = &f["git"];
    assert_eq!(g["commit"], added);
    assert_ne!(g["commit"], deleted);
    assert_eq!(g["blob"], blob);
    assert_eq!(g["author_name"], "Dana Developer");
    assert_eq!(g["author_email"], "dana@example.test");
    assert_eq!(g["date"], "2024-01-02T12:00:00Z");
    assert_eq!(g["summary"], "Add production settings");
    assert_eq!(g["present_at_head"], false);
    assert_eq!(g["occurrences"], 1);
    assert_eq!(g["unreachable"], false);
    assert_eq!(g["staged"], false);
    assert_eq!(doc["summary"]["git"]["mode"], "history");
    assert_eq!(doc["summary"]["git"]["commits"], 4);
    assert_eq!(doc["summary"]["git"]["shallow"], false);
    assert!(doc["summary"]["git"]["blobs_scanned"].as_u64().unwrap() >= 3, "{doc}");
}

#[test]
fn a_secret_kept_at_head_is_present_at_head_and_located_at_its_first_occurrence() {
    let token = github_token(R_KEPT);
    let mut repo = Fixture::new();
    let added = repo.commit(&[("app.env", &env_file(&token))], "add token");
    // A later edit of another line makes a new blob that still holds the token.
    let edited = repo.commit(
        &[(
            "app.env",
            format!("# settings v2\nGITHUB_TOKEN={token}\nDEBUG=0\n").as_bytes(),
        )],
        "tweak",
    );
    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["commit"], added);
    assert_eq!(f["git"]["present_at_head"], true);
    let listed = f["git"]["all_occurrences"].as_array().unwrap();
    assert_eq!(listed[0]["commit"], added);
    assert_eq!(listed.last().unwrap()["commit"], edited, "{f}");
    assert_eq!(f["git"]["occurrences"].as_u64().unwrap() as usize, listed.len());
}

// 2 ---------------------------------------------------------------------------------------

#[test]
fn a_secret_only_on_a_non_default_branch_is_found_unless_only_main_is_asked_for() {
    let token = github_token(R_BRANCH);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.git(&["checkout", "-q", "-b", "feature/login"]);
    repo.commit(&[("src/lib.rs", b"pub fn f() {}\n")], "feature scaffolding");
    let on_branch = repo.commit(
        &[(
            "src/auth.rs",
            format!("// auth\n\nconst T: &str = \"{token}\";\n").as_bytes(),
        )],
        "wire auth",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("README.md", b"hello again\n")], "main moves on");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], on_branch);
    assert_eq!(f["git"]["summary"], "wire auth");
    assert_eq!(f["path"], "src/auth.rs");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 18);
    // HEAD is main, which does not hold the file.
    assert_eq!(f["git"]["present_at_head"], false);
    assert_eq!(doc["summary"]["git"]["commits"], 4);

    let (code, doc, _) = scan_json(&repo.path, &["--branch", "main"]);
    assert_eq!(code, 0, "{doc}");
    assert!(secrets(&doc).is_empty(), "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 2);

    let (code, doc, _) = scan_json(&repo.path, &["--branch", "feature/login"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&doc, &token)["git"]["commit"], on_branch);
    assert_eq!(doc["summary"]["git"]["commits"], 3);

    let (code, doc, _) = scan_json(&repo.path, &["--branch", "main", "--branch", "feature/login"]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![token]);
    assert_eq!(doc["summary"]["git"]["commits"], 4);
}

// 3 ---------------------------------------------------------------------------------------

#[test]
fn secrets_reachable_only_from_tags_are_found() {
    let annotated = github_token(R_TAG_ANNOTATED);
    let light = github_token(R_TAG_LIGHT);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");

    repo.git(&["checkout", "-q", "-b", "release-tmp"]);
    let tagged = repo.commit(&[("deploy/release.env", &env_file(&annotated))], "release 1.0");
    repo.git(&["tag", "-a", "v1.0", "-m", "version 1.0"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "release-tmp"]);

    repo.git(&["checkout", "-q", "-b", "hotfix-tmp"]);
    let light_commit = repo.commit(&[("hotfix.env", &env_file(&light))], "hotfix");
    repo.git(&["tag", "v1.0.1"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "hotfix-tmp"]);
    assert_eq!(repo.git(&["branch", "--list"]), "* main");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), sorted(vec![annotated.clone(), light.clone()]));
    let f = finding(&doc, &annotated);
    assert_eq!(f["git"]["commit"], tagged);
    assert_eq!(f["path"], "deploy/release.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["unreachable"], false);
    let f = finding(&doc, &light);
    assert_eq!(f["git"]["commit"], light_commit);
    assert_eq!(f["path"], "hotfix.env");
    assert_eq!(f["git"]["unreachable"], false);

    let (code, doc, _) = scan_json(&repo.path, &["--branch", "main"]);
    assert_eq!(code, 0, "{doc}");
    let (code, doc, _) = scan_json(&repo.path, &["--branch", "v1.0"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![annotated]);
}

// 4 ---------------------------------------------------------------------------------------

#[test]
fn a_secret_written_only_by_a_conflict_resolution_is_attributed_to_the_merge_commit() {
    let token = github_token(R_MERGE);
    let mut repo = Fixture::new();
    repo.commit(
        &[("service.ini", b"[api]\nendpoint = https://a.example\nkey = none\n")],
        "base",
    );
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let topic = repo.commit(
        &[(
            "service.ini",
            b"[api]\nendpoint = https://a.example\nkey = from-topic\n",
        )],
        "topic key",
    );
    repo.git(&["checkout", "-q", "main"]);
    let main = repo.commit(
        &[("service.ini", b"[api]\nendpoint = https://a.example\nkey = from-main\n")],
        "main key",
    );
    let merge = repo.run_in(&repo.path, &["merge", "--no-ff", "-m", "Merge topic", "topic"]);
    assert!(!merge.status.success(), "the fixture needs a merge conflict");
    repo.write(
        "service.ini",
        format!("[api]\nendpoint = https://a.example\nkey = {token}\n").as_bytes(),
    );
    repo.git(&["add", "service.ini"]);
    let merge_id = repo.commit(&[], "Merge topic");
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n", "1", "HEAD"]),
        format!("{merge_id} {main} {topic}")
    );

    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], merge_id);
    assert_eq!(f["git"]["summary"], "Merge topic");
    assert_eq!(f["path"], "service.ini");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 7);
    assert_eq!(f["git"]["present_at_head"], true);
    assert_eq!(f["git"]["occurrences"], 1);
    assert_eq!(f["git"]["blob"], repo.rev("HEAD:service.ini"));
}

// 5 ---------------------------------------------------------------------------------------

#[test]
fn one_blob_at_two_paths_in_two_commits_is_one_finding_with_two_occurrences() {
    let token = github_token(R_COPIED);
    let content = format!("A=1\nB=2\nTOKEN={token}\n");
    let mut repo = Fixture::new();
    let first = repo.commit(&[("a.env", content.as_bytes())], "first copy");
    let second = repo.commit(&[("nested/b.env", content.as_bytes())], "second copy");
    let blob = repo.rev("HEAD:a.env");
    assert_eq!(blob, repo.rev("HEAD:nested/b.env"));

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "a.env");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 7);
    assert_eq!(f["git"]["commit"], first);
    assert_eq!(f["git"]["blob"], blob);
    assert_eq!(f["git"]["occurrences"], 2);
    assert!(
        f["git"]["all_occurrences"].as_array().is_none_or(|a| a.is_empty()),
        "occurrences are listed only with --all-occurrences: {f}"
    );

    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["occurrences"], 2);
    let listed = f["git"]["all_occurrences"].as_array().expect("all_occurrences listed");
    let places: Vec<(String, String, u64, u64, String, String)> = listed
        .iter()
        .map(|o| {
            (
                o["commit"].as_str().unwrap().to_string(),
                o["path"].as_str().unwrap().to_string(),
                o["line"].as_u64().unwrap(),
                o["column"].as_u64().unwrap(),
                o["blob"].as_str().unwrap().to_string(),
                o["date"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![
            (first, "a.env".into(), 3, 7, blob.clone(), "2024-01-01T12:00:00Z".into()),
            (second, "nested/b.env".into(), 3, 7, blob, "2024-01-02T12:00:00Z".into()),
        ]
    );
    assert_eq!(listed[1]["summary"], "second copy");
    assert_eq!(listed[1]["author_email"], "dana@example.test");
    assert_eq!(listed[1]["author_name"], "Dana Developer");
}

// 6 ---------------------------------------------------------------------------------------

#[test]
fn a_binary_blob_is_skipped_and_counted() {
    let token = github_token(R_BINARY);
    let mut binary = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    binary.extend_from_slice(b"\nGITHUB_TOKEN=");
    binary.extend_from_slice(token.as_bytes());
    binary.extend_from_slice(b"\n\x00\x00\x01\x02");
    let mut repo = Fixture::new();
    repo.commit(&[("bin/tool", &binary), ("notes.txt", b"plain text\n")], "add tool");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc).is_empty(), "{doc}");
    assert!(skipped(&doc, "binary") >= 1, "{doc}");
    assert_eq!(skipped(&doc, "too_large"), 0, "{doc}");
}

// 7 ---------------------------------------------------------------------------------------

#[test]
fn a_blob_over_the_size_limit_is_skipped_and_counted() {
    let token = github_token(R_LARGE);
    let mut big = env_file(&token);
    while big.len() < 4096 {
        big.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    let mut repo = Fixture::new();
    let added = repo.commit(&[("big.env", &big), ("small.txt", b"tiny\n")], "big file");

    let (code, doc, _) = scan_json(&repo.path, &["--max-blob-size", "1K"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc).is_empty(), "{doc}");
    assert!(skipped(&doc, "too_large") >= 1, "{doc}");

    // Under the default limit (50M) the same blob is scanned: the fixture does hold a secret.
    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(finding(&doc, &token)["git"]["commit"], added);
    assert_eq!(skipped(&doc, "too_large"), 0);

    let run = leakhound_git(&repo.path, &["--max-blob-size", "lots"]);
    assert_eq!(run.code, 2, "an invalid size is a usage error: {}", run.stderr);
}

// 8 ---------------------------------------------------------------------------------------

#[test]
fn a_shallow_clone_is_reported_as_shallow_and_its_commit_is_scanned() {
    let old = github_token(R_SHALLOW_OLD);
    let new = github_token(R_SHALLOW_NEW);
    let gone = github_token(R_SHALLOW_GONE);
    let mut origin = Fixture::new();
    origin.commit(
        &[("gone.env", &env_file(&gone))],
        "a secret deleted before the clone depth",
    );
    origin.delete("gone.env", "delete it");
    origin.commit(&[("old.env", &env_file(&old))], "old secret");
    let tip = origin.commit(&[("new/app.env", &env_file(&new))], "new secret");

    let clone = origin.sibling("shallow");
    let url = format!("file://{}", origin.path.display());
    let out = origin.run_in(
        origin.home.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(clone.join(".git/shallow").exists());

    let (code, doc, _) = scan_json(&clone, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["git"]["shallow"], true, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 1, "{doc}");
    // Both secrets in the boundary commit's tree are found and attributed to it (its parents
    // are absent); the deleted one is not in the clone at all.
    assert_eq!(secrets(&doc), sorted(vec![old.clone(), new.clone()]));
    let f = finding(&doc, &new);
    assert_eq!(f["git"]["commit"], tip);
    assert_eq!(f["path"], "new/app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["present_at_head"], true);
    let f = finding(&doc, &old);
    assert_eq!(f["git"]["commit"], tip);
    assert_eq!(f["path"], "old.env");

    // The full repository is not shallow.
    let (_, doc, _) = scan_json(&origin.path, &[]);
    assert_eq!(doc["summary"]["git"]["shallow"], false);
    assert_eq!(secrets(&doc).len(), 3);
}

// 9 ---------------------------------------------------------------------------------------

#[test]
fn a_corrupt_loose_blob_is_counted_and_the_other_secret_still_found() {
    let good = github_token(R_CORRUPT_GOOD);
    let bad = github_token(R_CORRUPT_BAD);
    let mut repo = Fixture::new();
    let root = repo.commit(&[("README.md", b"hello\n")], "start");
    let id = repo.commit(
        &[("good.env", &env_file(&good)), ("bad.env", &env_file(&bad))],
        "two secrets",
    );
    let blob = repo.rev("HEAD:bad.env");
    let object = repo.path.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    assert!(object.is_file(), "the fixture keeps loose objects");
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"\x78\x9cgarbage, not a zlib stream at all").unwrap();

    let run = leakhound_git(&repo.path, &["--format", "json"]);
    assert_eq!(run.code, 1, "the good secret is still reported: {}", run.stderr);
    let doc = run.doc();
    check_invariants(&doc);
    assert_eq!(secrets(&doc), vec![good.clone()]);
    let f = finding(&doc, &good);
    assert_eq!(f["git"]["commit"], id);
    assert_eq!(f["path"], "good.env");
    assert_eq!(f["line"], 2);
    assert!(
        skipped(&doc, "corrupt") + skipped(&doc, "missing") >= 1,
        "the damaged object is counted: {doc}"
    );

    // The range mode reads the same object and must cope too.
    let run = leakhound_git(&repo.path, &["--format", "json", "--since-commit", &root]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.doc();
    check_invariants(&doc);
    assert_eq!(secrets(&doc), vec![good]);
    assert_eq!(doc["summary"]["git"]["commits"], 1);
    assert!(skipped(&doc, "corrupt") + skipped(&doc, "missing") >= 1, "{doc}");
}

// 10 --------------------------------------------------------------------------------------

#[test]
fn an_empty_repository_scans_zero_commits_and_exits_0() {
    let repo = Fixture::new();
    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 0);
    assert!(findings(&doc).is_empty());

    let run = leakhound_git(&repo.path, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let bare = repo.sibling("empty.git");
    let out = repo.run_in(repo.home.path(), &["init", "-q", "--bare", bare.to_str().unwrap()]);
    assert!(out.status.success());
    let (code, doc, _) = scan_json(&bare, &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 0);
}

// 11 --------------------------------------------------------------------------------------

#[test]
fn staged_mode_reports_only_what_the_index_adds() {
    let staged = github_token(R_STAGED);
    let unstaged = github_token(R_UNSTAGED);
    let untracked = github_token(R_UNTRACKED);
    let mut repo = Fixture::new();
    repo.commit(
        &[("README.md", b"hello\n"), ("config/app.env", b"# settings\n")],
        "start",
    );

    repo.write("config/app.env", &env_file(&staged));
    repo.git(&["add", "config/app.env"]);
    repo.write(
        "config/app.env",
        format!("# settings\nGITHUB_TOKEN={staged}\nOTHER={unstaged}\n").as_bytes(),
    );
    repo.write("scratch/untracked.env", &env_file(&untracked));
    let staged_blob = repo.git(&["ls-files", "-s", "config/app.env"]);
    let staged_blob = staged_blob.split_whitespace().nth(1).unwrap().to_string();

    let (code, doc, _) = scan_json(&repo.path, &["--staged"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![staged.clone()]);
    let f = finding(&doc, &staged);
    assert_eq!(f["path"], "config/app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 14);
    assert_eq!(f["git"]["staged"], true);
    assert!(f["git"]["commit"].is_null(), "{f}");
    assert_eq!(f["git"]["blob"], staged_blob);
    assert_eq!(f["git"]["unreachable"], false);
    assert_eq!(doc["summary"]["git"]["mode"], "staged");

    // The repository argument defaults to the current directory.
    let out = leakhound()
        .current_dir(repo.path.join("config"))
        .args(["git", "--staged", "--format", "json"])
        .output()
        .unwrap();
    let run = finish(out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.doc();
    assert_eq!(secrets(&doc), vec![staged.clone()]);
    assert_eq!(finding(&doc, &staged)["path"], "config/app.env");

    // Once committed, nothing is staged any more.
    repo.commit(&[], "commit the staged token");
    let (code, doc, _) = scan_json(&repo.path, &["--staged"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc).is_empty());
}

#[test]
fn staged_mode_works_before_the_first_commit() {
    let token = github_token(R_STAGED_FIRST);
    let repo = Fixture::new();
    repo.write("deep/dir/first.env", &env_file(&token));
    repo.write("unstaged.txt", b"nothing\n");
    repo.git(&["add", "deep/dir/first.env"]);

    let (code, doc, _) = scan_json(&repo.path, &["--staged"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "deep/dir/first.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["staged"], true);
    assert!(f["git"]["commit"].is_null());
    assert_eq!(f["git"]["present_at_head"], false);
    assert_eq!(doc["summary"]["git"]["mode"], "staged");

    // History mode of the same repository: no commits yet, so nothing to report.
    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(doc["summary"]["git"]["commits"], 0);
    let _ = code;
}

// 12 --------------------------------------------------------------------------------------

#[test]
fn a_range_that_selects_nothing_scans_zero_commits() {
    let token = github_token(R_RANGE_BEFORE);
    let mut repo = Fixture::new();
    repo.commit(&[("a.env", &env_file(&token))], "secret");
    repo.commit(&[("b.txt", b"b\n")], "more");

    let (code, doc, stderr) = scan_json(&repo.path, &["--range", "HEAD..HEAD"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 0);
    assert_eq!(doc["summary"]["git"]["mode"], "range");
    assert!(findings(&doc).is_empty());
    assert!(stderr.contains("0 commits"), "{stderr}");

    // The human report says so too (on stdout or stderr).
    let run = leakhound_git(&repo.path, &["--range", "HEAD..HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("0 commits") || run.stderr.contains("0 commits"),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );

    // --since-commit HEAD selects nothing as well.
    let (code, doc, _) = scan_json(&repo.path, &["--since-commit", "HEAD"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 0);
}

// 13 --------------------------------------------------------------------------------------

#[test]
fn a_range_reports_only_secrets_its_commits_introduce() {
    let before = github_token(R_RANGE_BEFORE);
    let in1 = github_token(R_RANGE_IN1);
    let in2 = github_token(R_RANGE_IN2);
    let after = github_token(R_RANGE_AFTER);
    let mut repo = Fixture::new();
    let a = repo.commit(&[("base.env", &env_file(&before))], "base with an old secret");
    repo.git(&["tag", "base"]);
    let c1 = repo.commit(&[("pr/one.env", &env_file(&in1))], "pr commit one");
    let c2 = repo.commit(
        &[("pr/two.yaml", format!("a: 1\nb:\n  token: {in2}\n").as_bytes())],
        "pr commit two",
    );
    repo.commit(&[("later.env", &env_file(&after))], "after the range");

    let (code, doc, _) = scan_json(&repo.path, &["--range", &format!("base..{c2}")]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), sorted(vec![in1.clone(), in2.clone()]));
    assert_eq!(doc["summary"]["git"]["mode"], "range");
    assert_eq!(doc["summary"]["git"]["commits"], 2);
    let f = finding(&doc, &in1);
    assert_eq!(f["git"]["commit"], c1);
    assert_eq!(f["path"], "pr/one.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["present_at_head"], true);
    let f = finding(&doc, &in2);
    assert_eq!(f["git"]["commit"], c2);
    assert_eq!(f["path"], "pr/two.yaml");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 10);

    // --since-commit REV is REV..HEAD.
    let (code, doc, _) = scan_json(&repo.path, &["--since-commit", &a]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), sorted(vec![in1, in2, after]));
    assert_eq!(doc["summary"]["git"]["commits"], 3);
    assert!(!secrets(&doc).contains(&before));

    // A revision that does not exist is an error.
    let run = leakhound_git(&repo.path, &["--range", "no-such-ref..HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// 14 --------------------------------------------------------------------------------------

#[test]
fn sarif_results_carry_commit_and_author_but_never_the_secret() {
    let token = github_token(R_SARIF);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hi\n")], "start");
    let id = repo.commit(&[("ci/deploy.env", &env_file(&token))], "ci: deploy credentials");
    repo.delete("ci/deploy.env", "remove");

    for extra in [&[][..], &["--show-secrets"][..]] {
        let mut args = vec!["--format", "sarif"];
        args.extend_from_slice(extra);
        let run = leakhound_git(&repo.path, &args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(!run.stdout.contains(&token), "SARIF never holds the raw secret");
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        common::sarif_schema::assert_valid(&doc);
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{doc}");
        let result = &results[0];
        assert_eq!(result["ruleId"], "github-pat-classic");
        let props = result["properties"].as_object().expect("result properties");
        assert!(
            props.values().any(|v| v == &Value::String(id.clone())),
            "the commit id is in the properties: {props:?}"
        );
        assert!(
            props.values().any(|v| v
                .as_str()
                .is_some_and(|s| s.contains("Dana Developer") || s.contains("dana@example.test"))),
            "the author is in the properties: {props:?}"
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "ci/deploy.env");
        assert_eq!(location["region"]["startLine"], 2);
        assert_eq!(location["region"]["startColumn"], 14);
    }
}

// Beyond the numbered cases: more of the spec. ---------------------------------------------

#[test]
fn a_secret_only_in_the_stash_is_found() {
    let token = github_token(R_STASH);
    let mut repo = Fixture::new();
    let base = repo.commit(&[("app.env", b"# settings\n")], "start");
    repo.write("app.env", &env_file(&token));
    repo.git(&["stash", "push", "-q", "-m", "wip token"]);
    let stash = repo.rev("refs/stash");
    assert_eq!(repo.rev("HEAD"), base);
    assert_eq!(std::fs::read(repo.path.join("app.env")).unwrap(), b"# settings\n");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], stash);
    assert_eq!(f["path"], "app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["present_at_head"], false);
    assert_eq!(f["git"]["unreachable"], false);

    let (code, doc, _) = scan_json(&repo.path, &["--branch", "main"]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn remote_tracking_refs_and_bare_repositories_are_scanned() {
    let token = github_token(R_REMOTE);
    let mut origin = Fixture::new();
    origin.commit(&[("README.md", b"hello\n")], "start");
    origin.git(&["checkout", "-q", "-b", "feature"]);
    let on_feature = origin.commit(&[("feature/cred.env", &env_file(&token))], "feature cred");
    origin.git(&["checkout", "-q", "main"]);

    // A clone has only refs/remotes/origin/feature for that branch.
    let clone = origin.sibling("clone");
    let url = format!("file://{}", origin.path.display());
    let out = origin.run_in(origin.home.path(), &["clone", "-q", &url, clone.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, doc, _) = scan_json(&clone, &[]);
    assert_eq!(code, 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], on_feature);
    assert_eq!(f["path"], "feature/cred.env");
    let (code, doc, _) = scan_json(&clone, &["--branch", "origin/feature"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(finding(&doc, &token)["git"]["commit"], on_feature);
    let (code, _, _) = scan_json(&clone, &["--branch", "main"]);
    assert_eq!(code, 0);

    // A bare mirror.
    let bare = origin.sibling("bare.git");
    let out = origin.run_in(
        origin.home.path(),
        &["clone", "-q", "--bare", &url, bare.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, doc, _) = scan_json(&bare, &[]);
    assert_eq!(code, 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], on_feature);
    assert_eq!(f["path"], "feature/cred.env");
    assert_eq!(f["line"], 2);
    // A bare repository's HEAD is main, which lacks the file.
    assert_eq!(f["git"]["present_at_head"], false);
    // A range in a bare repository.
    let (code, doc, _) = scan_json(&bare, &["--range", "main..feature"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 1);
    assert_eq!(finding(&doc, &token)["git"]["commit"], on_feature);
}

#[test]
fn since_selects_commits_by_commit_date_and_date_is_the_author_date() {
    let old = github_token(R_SINCE_OLD);
    let new = github_token(R_SINCE_NEW);
    let rebased = github_token(R_SINCE_REBASED);
    let mut repo = Fixture::new();
    repo.commit(&[("old.env", &env_file(&old))], "old"); // 2024-01-01
    repo.commit(&[("README.md", b"x\n")], "filler"); // 2024-01-02
    let new_id = repo.commit(&[("new.env", &env_file(&new))], "new"); // 2024-01-03
                                                                      // Authored long ago, committed (e.g. rebased) on 2024-01-04.
    let rebased_id = repo.commit_dated(
        &[("rebased.env", &env_file(&rebased))],
        "rebased",
        "2023-06-01T08:30:00Z",
        "2024-01-04T12:00:00Z",
    );

    let (code, doc, _) = scan_json(&repo.path, &["--since", "2024-01-03"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), sorted(vec![new.clone(), rebased.clone()]));
    assert_eq!(doc["summary"]["git"]["commits"], 2);
    assert_eq!(finding(&doc, &new)["git"]["commit"], new_id);
    let f = finding(&doc, &rebased);
    assert_eq!(f["git"]["commit"], rebased_id);
    assert_eq!(f["git"]["date"], "2023-06-01T08:30:00Z", "date is the author date");

    let (code, doc, _) = scan_json(&repo.path, &["--since", "2024-02-01"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["commits"], 0);

    let (_, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(secrets(&doc).len(), 3);
    assert_eq!(finding(&doc, &old)["git"]["date"], "2024-01-01T12:00:00Z");
}

#[test]
fn report_flags_work_for_git_scans() {
    let token = github_token(R_FORMATS);
    let mut repo = Fixture::new();
    let id = repo.commit(&[("keys/gh.env", &env_file(&token))], "keys");

    // --exit-code, -q
    let run = leakhound_git(&repo.path, &["--exit-code", "5", "-q", "--format", "json"]);
    assert_eq!(run.code, 5);
    assert!(run.stderr.trim().is_empty(), "-q prints no summary: {}", run.stderr);
    // --redact
    let run = leakhound_git(&repo.path, &["--format", "json", "--redact"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains(&token));
    assert_eq!(run.doc()["findings"][0]["git"]["commit"], id);
    // the human report is redacted by default and names the commit
    let run = leakhound_git(&repo.path, &[]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains(&token), "{}", run.stdout);
    assert!(run.stdout.contains("keys/gh.env:2:14"), "{}", run.stdout);
    assert!(run.stdout.contains(&id[..7]), "{}", run.stdout);
    let run = leakhound_git(&repo.path, &["--show-secrets"]);
    assert!(run.stdout.contains(&token));
    // -o FILE
    let report = repo.sibling("report.json");
    let run = leakhound_git(
        &repo.path,
        &["--format", "json", "-o", report.to_str().unwrap(), "-j", "2"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.trim().is_empty());
    let doc = json(&std::fs::read(&report).unwrap());
    check_invariants(&doc);
    assert_eq!(finding(&doc, &token)["git"]["commit"], id);
    // jsonl: one finding per line, with its git object
    let run = leakhound_git(&repo.path, &["--format", "jsonl"]);
    assert_eq!(run.code, 1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let f = lines
        .iter()
        .find(|v| v["secret"] == token.as_str())
        .expect("the finding line");
    assert_eq!(f["git"]["commit"], id);
    assert_eq!(f["path"], "keys/gh.env");
    // csv carries the commit
    let run = leakhound_git(&repo.path, &["--format", "csv"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(&id), "{}", run.stdout);
    assert!(run.stdout.contains("keys/gh.env"), "{}", run.stdout);
}

#[test]
fn a_path_that_is_not_a_repository_exits_2() {
    let dir = TempDir::new().unwrap();
    let run = leakhound_git(dir.path(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = leakhound_git(&dir.path().join("missing"), &["--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

// More of the spec: attribution rules, packs, dates, determinism. -----------------------------

const R_CLEAN_MERGE: &str = "C3J27XDCG2LmlZGEONYlgCtjfIZ4SO";
const R_EARLIEST: &str = "cMz9CPVNPkNa1Hedcm4pMbXDuCL1mH";
const R_PACKED: &str = "oOsFaQfDPrAJ71fTquWoGsbeKXgzg2";
const R_TZ: &str = "sye9b2Rann76dEyTzAeKOmXRrvftva";
const R_STASH_U: &str = "9AW7hipTgadDZFlRJmCGmUXiAPyhzA";
const R_UNICODE: &str = "efnLOpaMxxNDi9LE1Ki3ylOjt6o0Np";
const R_PR_MAIN: &str = "UmkVO8JmR8y4EMfAdggcG9qpVTzqA0";
const R_PR_FEATURE: &str = "5MFsHl7UeioEJP2NNern66nVberACp";
const R_BAD_COMMIT: &str = "dclsxHKifxi5CvQUSHL8iLc7bE6wSt";
const R_TWICE: &str = "9cbMOeEeUtuieeCIxVc57VVTiY96vw";
const R_DETERMINISTIC: &str = "fRE5e32A8Yb3FKaNQyyLaMeffOhq4A";

#[test]
fn a_clean_merge_does_not_introduce_what_one_parent_already_has() {
    let token = github_token(R_CLEAN_MERGE);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let topic = repo.commit(&[("topic.env", &env_file(&token))], "topic adds token");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("main.txt", b"main\n")], "main work");
    let out = repo.run_in(&repo.path, &["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let merge = repo.rev("HEAD");
    assert_ne!(merge, topic);

    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], topic);
    assert_eq!(f["path"], "topic.env");
    assert_eq!(f["git"]["occurrences"], 1, "{f}");
    assert_eq!(f["git"]["present_at_head"], true);
}

#[test]
fn the_first_occurrence_is_the_earliest_by_date_whatever_the_branch() {
    let token = github_token(R_EARLIEST);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    // Created first, dated later.
    repo.git(&["checkout", "-q", "-b", "late"]);
    let late = repo.commit_dated(
        &[("late.env", &env_file(&token))],
        "late",
        "2024-03-10T12:00:00Z",
        "2024-03-10T12:00:00Z",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "early"]);
    let early = repo.commit_dated(
        &[("early.yaml", format!("x: 1\ny: 2\nt: {token}\n").as_bytes())],
        "early",
        "2024-02-05T12:00:00Z",
        "2024-02-05T12:00:00Z",
    );

    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], early);
    assert_eq!(f["git"]["date"], "2024-02-05T12:00:00Z");
    assert_eq!(f["path"], "early.yaml");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 4);
    assert_eq!(f["git"]["occurrences"], 2);
    let listed = f["git"]["all_occurrences"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["commit"], early);
    assert_eq!(listed[1]["commit"], late);
    assert_eq!(listed[1]["path"], "late.env");
    assert_eq!(listed[1]["line"], 2);
    assert_eq!(listed[1]["column"], 14);
}

#[test]
fn packed_delta_compressed_history_is_attributed_like_loose_history() {
    let token = github_token(R_PACKED);
    let mut repo = Fixture::new();
    let mut body = String::new();
    for i in 0..200 {
        body.push_str(&format!("setting_{i} = value number {i} for the packed fixture\n"));
    }
    repo.commit(&[("etc/big.conf", body.as_bytes())], "v1");
    let with_secret = body.replacen("setting_100 = value number 100", &format!("setting_100 = {token}"), 1);
    let added = repo.commit(&[("etc/big.conf", with_secret.as_bytes())], "v2 with token");
    let later = with_secret.replacen("setting_5 = value", "setting_5 = changed", 1);
    let edited = repo.commit(&[("etc/big.conf", later.as_bytes())], "v3 still token");
    repo.commit(&[("etc/big.conf", body.as_bytes())], "v4 token removed");
    repo.git(&["gc", "-q", "--aggressive", "--prune=now"]);
    let loose = repo.git(&["count-objects"]);
    assert!(loose.starts_with("0 objects"), "everything is packed: {loose}");

    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![token.clone()]);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], added);
    assert_eq!(f["path"], "etc/big.conf");
    assert_eq!(f["line"], 101);
    assert_eq!(f["column"], 15);
    assert_eq!(f["git"]["present_at_head"], false);
    assert_eq!(f["git"]["blob"], repo.rev(&format!("{added}:etc/big.conf")));
    let commits: Vec<&str> = f["git"]["all_occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["commit"].as_str().unwrap())
        .collect();
    assert_eq!(commits, vec![added.as_str(), edited.as_str()]);
    assert_eq!(doc["summary"]["git"]["commits"], 4);
    // Unique blobs: every blob of the object database, each once.
    let kinds = repo.git(&["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"]);
    let blobs = kinds.lines().filter(|l| *l == "blob").count() as u64;
    assert_eq!(doc["summary"]["git"]["blobs_scanned"], blobs, "{doc}");
}

#[test]
fn dates_with_a_timezone_offset_are_reported_in_utc() {
    let token = github_token(R_TZ);
    let mut repo = Fixture::new();
    repo.commit_dated(
        &[("tz.env", &env_file(&token))],
        "tz",
        "2024-01-05T14:30:00+02:00",
        "2024-01-05T14:30:00+02:00",
    );
    let (_, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(finding(&doc, &token)["git"]["date"], "2024-01-05T12:30:00Z");
}

#[test]
fn untracked_files_stashed_with_u_are_found() {
    let token = github_token(R_STASH_U);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.write("local/secret.env", &env_file(&token));
    repo.git(&["stash", "push", "-q", "-u"]);
    assert!(!repo.path.join("local/secret.env").exists());
    // The untracked files are the stash commit's third parent (a root commit).
    let untracked_commit = repo.rev("refs/stash^3");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], untracked_commit);
    assert_eq!(f["path"], "local/secret.env");
    assert_eq!(f["line"], 2);
}

#[test]
fn lfs_pointers_are_skipped_and_counted() {
    let mut repo = Fixture::new();
    repo.commit(
        &[(
            "model.bin",
            b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
        )],
        "lfs",
    );
    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(skipped(&doc, "lfs_pointer"), 1, "{doc}");
}

#[test]
fn paths_with_spaces_and_non_ascii_characters_are_reported_verbatim() {
    let token = github_token(R_UNICODE);
    let mut repo = Fixture::new();
    let id = repo.commit(
        &[("dir with space/\u{fc}n\u{ef}code.env", &env_file(&token))],
        "unicode",
    );
    let (_, doc, _) = scan_json(&repo.path, &[]);
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "dir with space/\u{fc}n\u{ef}code.env");
    assert_eq!(f["git"]["commit"], id);
}

#[test]
fn a_pull_request_range_ignores_what_a_merge_from_main_brings_in() {
    let on_main = github_token(R_PR_MAIN);
    let on_feature = github_token(R_PR_FEATURE);
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let feature = repo.commit(&[("feature.env", &env_file(&on_feature))], "feature secret");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("main.env", &env_file(&on_main))], "main secret");
    repo.git(&["checkout", "-q", "feature"]);
    let out = repo.run_in(
        &repo.path,
        &["merge", "-q", "--no-ff", "-m", "merge main into feature", "main"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let (code, doc, _) = scan_json(&repo.path, &["--range", "main..feature"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![on_feature.clone()]);
    assert_eq!(finding(&doc, &on_feature)["git"]["commit"], feature);
    assert_eq!(doc["summary"]["git"]["commits"], 2, "the feature commit and the merge");
}

#[test]
fn unknown_refs_and_bad_dates_are_errors() {
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    let run = leakhound_git(&repo.path, &["--branch", "no-such-branch"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = leakhound_git(&repo.path, &["--since-commit", "no-such-rev"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = leakhound_git(&repo.path, &["--since", "not a date at all"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_corrupt_commit_object_does_not_stop_the_scan() {
    let token = github_token(R_BAD_COMMIT);
    let mut repo = Fixture::new();
    let first = repo.commit(&[("a.env", &env_file(&token))], "first");
    let second = repo.commit(&[("b.txt", b"b\n")], "second");
    let object = repo.path.join(".git/objects").join(&first[..2]).join(&first[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"garbage").unwrap();

    let run = leakhound_git(&repo.path, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.doc();
    check_invariants(&doc);
    // The blob is still reachable from the second commit, whose parent is unreadable.
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], second);
    assert_eq!(f["path"], "a.env");
    assert!(skipped(&doc, "corrupt") + skipped(&doc, "missing") >= 1, "{doc}");
}

#[test]
fn occurrences_count_commit_path_places_not_lines() {
    let token = github_token(R_TWICE);
    let mut repo = Fixture::new();
    let id = repo.commit(
        &[("twice.env", format!("A={token}\nB=1\nC=2\nD={token}\n").as_bytes())],
        "twice",
    );
    let (code, doc, _) = scan_json(&repo.path, &["--all-occurrences"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(findings(&doc).len(), 1, "one finding per secret: {doc}");
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], id);
    assert_eq!(f["line"], 1, "the first occurrence");
    assert_eq!(f["column"], 3);
    // One commit introduced it at one path: one (commit, path) place.
    assert_eq!(f["git"]["occurrences"], 1, "{f}");
    assert_eq!(f["git"]["all_occurrences"].as_array().unwrap().len(), 1, "{f}");
}

#[test]
fn reports_do_not_depend_on_the_number_of_threads() {
    let shared = github_token(R_DETERMINISTIC);
    let mut repo = Fixture::new();
    let mut tokens = vec![shared.clone()];
    for i in 0..6 {
        repo.commit(&[(&format!("d{i}/f.env"), &env_file(&shared))], &format!("copy {i}"));
        let own = github_token(&format!("{}{i}", &R_DETERMINISTIC[..29]));
        repo.commit(&[(&format!("e{i}.env"), &env_file(&own))], &format!("own {i}"));
        tokens.push(own);
    }
    let normalise = |mut d: Value| {
        d["summary"]["elapsed_ms"] = Value::Null;
        d["summary"]["throughput_mb_s"] = Value::Null;
        d
    };
    let (_, one, _) = scan_json(&repo.path, &["-j", "1", "--all-occurrences"]);
    let (_, many, _) = scan_json(&repo.path, &["-j", "8", "--all-occurrences"]);
    assert_eq!(secrets(&one), sorted(tokens));
    assert_eq!(finding(&one, &shared)["git"]["occurrences"], 6);
    assert_eq!(finding(&one, &shared)["path"], "d0/f.env");
    assert_eq!(normalise(one), normalise(many));
}

#[test]
fn files_known_by_name_are_scanned_in_history_ranges_and_the_index() {
    // `.pgpass` lines carry no keyword: the rule runs because of the file's name, which history
    // only learns from trees after the blob was scanned.
    let old = "db.internal:5432:orders:svc:Xb7Qm2vK9pLz4Nw8Rt";
    let new = "*:*:*:replicator:Hq3Zt8Lm5Vx2Kp7Wn4";
    let mut repo = Fixture::new();
    repo.commit(&[("README.md", b"# ops\n")], "initial import");
    let added = repo.commit(&[("home/dba/.pgpass", format!("{old}\n").as_bytes())], "dba pgpass");
    repo.delete("home/dba/.pgpass", "remove pgpass");
    // The same line in a file with another name is not a pgpass entry.
    repo.commit(&[("notes.txt", format!("{new}\n").as_bytes())], "notes");

    let (code, doc, _) = scan_json(&repo.path, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec!["Xb7Qm2vK9pLz4Nw8Rt".to_string()]);
    let f = finding(&doc, "Xb7Qm2vK9pLz4Nw8Rt");
    assert_eq!(f["rule_id"], "pgpass-password");
    assert_eq!(f["path"], "home/dba/.pgpass");
    assert_eq!(f["git"]["commit"], added);

    let later = repo.commit(&[("ops/.pgpass", format!("{new}\n").as_bytes())], "replica pgpass");
    let (code, doc, _) = scan_json(&repo.path, &["--range", &format!("{added}..{later}")]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec!["Hq3Zt8Lm5Vx2Kp7Wn4".to_string()]);
    assert_eq!(finding(&doc, "Hq3Zt8Lm5Vx2Kp7Wn4")["path"], "ops/.pgpass");
}
