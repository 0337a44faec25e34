//! End-to-end tests of `leakhound git` on fixture repositories built here. The `git` binary
//! only builds the fixtures; leakhound itself reads repositories with gix.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{github_token, json, leakhound};
use tempfile::TempDir;

/// A fixture repository driven by the git CLI with a config isolated from the machine.
struct Repo {
    _dir: TempDir,
    path: PathBuf,
    day: u32,
}

impl Repo {
    fn new() -> Repo {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).unwrap();
        let repo = Repo {
            _dir: dir,
            path,
            day: 1,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn command(&self, args: &[&str]) -> Command {
        let home = self.path.parent().unwrap();
        let empty = home.join("gitconfig");
        if !empty.exists() {
            std::fs::write(&empty, "").unwrap();
        }
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.path)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", &empty)
            .env("HOME", home)
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@example.org")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@example.org")
            .env("GIT_AUTHOR_DATE", format!("2024-01-{:02}T12:00:00Z", self.day))
            .env("GIT_COMMITTER_DATE", format!("2024-01-{:02}T12:00:00Z", self.day))
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
                "-c",
                "gc.auto=0",
            ])
            .args(args);
        cmd
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Writes files and commits them; returns the commit id.
    fn commit(&mut self, files: &[(&str, &[u8])], message: &str) -> String {
        for (name, content) in files {
            let file = self.path.join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.day += 1;
        self.git(&["rev-parse", "HEAD"])
    }

    fn scan(&self, extra: &[&str]) -> (i32, serde_json::Value, String) {
        let out = leakhound()
            .arg("git")
            .arg(&self.path)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let doc = json(&out.stdout);
        (
            out.status.code().unwrap(),
            doc,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn secrets(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(doc: &'a serde_json::Value, secret: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"] == secret)
        .unwrap_or_else(|| panic!("{secret} not reported: {doc}"))
}

fn line(token: &str) -> Vec<u8> {
    format!("# settings\nGITHUB_TOKEN={token}\n").into_bytes()
}

#[test]
fn a_deleted_secret_is_attributed_to_the_commit_that_added_it() {
    let token = github_token("Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0");
    let mut repo = Repo::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    let added = repo.commit(&[("config/app.env", &line(&token))], "add config");
    repo.commit(&[("config/app.env", b"# settings\n")], "remove token");
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "config/app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 14);
    assert_eq!(f["git"]["commit"], added);
    assert_eq!(f["git"]["author_email"], "alice@example.org");
    assert_eq!(f["git"]["date"], "2024-01-02T12:00:00Z");
    assert_eq!(f["git"]["summary"], "add config");
    assert_eq!(f["git"]["present_at_head"], false);
    assert_eq!(doc["summary"]["git"]["commits"], 3);
    assert_eq!(doc["summary"]["git"]["mode"], "history");
}

#[test]
fn secrets_on_other_branches_and_tags_are_found() {
    let on_branch = github_token("Kk1Ll2Mm3Nn4Oo5Pp6Qq7Rr8Ss9Tt0");
    let on_tag = github_token("Uu1Vv2Ww3Xx4Yy5Zz6Aa7Bb8Cc9Dd0");
    let mut repo = Repo::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let feature = repo.commit(&[("feature.env", &line(&on_branch))], "feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "temp"]);
    let tagged = repo.commit(&[("release.env", &line(&on_tag))], "release candidate");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "temp"]);
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    assert_eq!(finding(&doc, &on_branch)["git"]["commit"], feature);
    assert_eq!(finding(&doc, &on_branch)["path"], "feature.env");
    assert_eq!(finding(&doc, &on_tag)["git"]["commit"], tagged);
    let (code, doc, _) = repo.scan(&["--branch", "main"]);
    assert_eq!(code, 0, "{doc}");
    assert!(secrets(&doc).is_empty());
    let (_, doc, _) = repo.scan(&["--branch", "feature"]);
    assert_eq!(secrets(&doc), vec![on_branch]);
}

#[test]
fn a_secret_written_by_a_merge_resolution_is_attributed_to_the_merge() {
    let token = github_token("Ee1Ff2Gg3Hh4Ii5Jj6Kk7Ll8Mm9Nn0");
    let mut repo = Repo::new();
    repo.commit(&[("app.conf", b"mode=one\n")], "start");
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.commit(&[("app.conf", b"mode=two\n")], "other side");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("app.conf", b"mode=three\n")], "main side");
    let merge = repo.command(&["merge", "-q", "other", "-m", "merge"]).output().unwrap();
    assert!(!merge.status.success(), "the fixture needs a conflict");
    std::fs::write(repo.path.join("app.conf"), format!("mode=merged\ntoken={token}\n")).unwrap();
    repo.git(&["add", "app.conf"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    let merge_id = repo.git(&["rev-parse", "HEAD"]);
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["commit"], merge_id);
    assert_eq!(f["path"], "app.conf");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"]["present_at_head"], true);
}

#[test]
fn the_same_blob_at_two_paths_is_one_finding_with_two_occurrences() {
    let token = github_token("Oo1Pp2Qq3Rr4Ss5Tt6Uu7Vv8Ww9Xx0");
    let mut repo = Repo::new();
    let first = repo.commit(&[("a.env", &line(&token))], "first copy");
    let second = repo.commit(&[("b.env", &line(&token))], "second copy");
    let (code, doc, _) = repo.scan(&["--all-occurrences"]);
    assert_eq!(code, 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["occurrences"], 2);
    assert_eq!(f["git"]["commit"], first);
    let places: Vec<(String, String)> = f["git"]["all_occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["commit"].as_str().unwrap().to_string(),
                o["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        places,
        vec![(first, "a.env".to_string()), (second, "b.env".to_string())]
    );
}

#[test]
fn binary_and_oversized_blobs_are_skipped_and_counted() {
    let mut binary = b"\x00\x01\x02ELF".to_vec();
    binary.extend(github_token("Yy1Zz2Aa3Bb4Cc5Dd6Ee7Ff8Gg9Hh0").as_bytes());
    let mut big = line(&github_token("Ii1Jj2Kk3Ll4Mm5Nn6Oo7Pp8Qq9Rr0"));
    big.resize(4096, b'#');
    let mut repo = Repo::new();
    repo.commit(&[("tool.bin", &binary), ("big.env", &big)], "blobs");
    let (code, doc, _) = repo.scan(&["--max-blob-size", "1K"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["git"]["skipped"]["binary"], 1);
    assert_eq!(doc["summary"]["git"]["skipped"]["too_large"], 1);
    let (code, _, _) = repo.scan(&[]);
    assert_eq!(code, 1, "the large blob is scanned under the default limit");
}

#[test]
fn a_shallow_clone_is_detected_and_still_scanned() {
    let token = github_token("Ss1Tt2Uu3Vv4Ww5Xx6Yy7Zz8Aa9Bb0");
    let mut origin = Repo::new();
    origin.commit(&[("old.txt", b"old\n")], "old");
    origin.commit(&[("app.env", &line(&token))], "new");
    let clone = origin.path.parent().unwrap().join("shallow");
    let url = format!("file://{}", origin.path.display());
    let out = origin
        .command(&["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = leakhound()
        .arg("git")
        .arg(&clone)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["git"]["shallow"], true);
    assert_eq!(doc["summary"]["git"]["shallow_boundary"].as_array().unwrap().len(), 1);
    assert_eq!(finding(&doc, &token)["path"], "app.env");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"shallow\": true"));
}

#[test]
fn a_corrupt_object_is_counted_and_the_rest_is_scanned() {
    let good = github_token("Cc1Dd2Ee3Ff4Gg5Hh6Ii7Jj8Kk9Ll0");
    let bad = github_token("Mm1Nn2Oo3Pp4Qq5Rr6Ss7Tt8Uu9Vv0");
    let mut repo = Repo::new();
    repo.commit(&[("good.env", &line(&good)), ("bad.env", &line(&bad))], "two secrets");
    let blob = repo.git(&["rev-parse", "HEAD:bad.env"]);
    let object: &Path = &repo.path.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    let mut perms = std::fs::metadata(object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(object, perms).unwrap();
    std::fs::write(object, b"this is not a zlib stream").unwrap();
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![good]);
    assert_eq!(doc["summary"]["git"]["skipped"]["corrupt"], 1, "{doc}");
}

#[test]
fn an_empty_repository_reports_zero_commits() {
    let repo = Repo::new();
    let (code, doc, stderr) = repo.scan(&[]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["git"]["commits"], 0);
    assert!(stderr.contains("0 commits"), "{stderr}");
}

#[test]
fn staged_mode_sees_only_staged_content() {
    let staged = github_token("Ww1Xx2Yy3Zz4Aa5Bb6Cc7Dd8Ee9Ff0");
    let unstaged = github_token("Gg1Hh2Ii3Jj4Kk5Ll6Mm7Nn8Oo9Pp0");
    let untracked = github_token("Qq1Rr2Ss3Tt4Uu5Vv6Ww7Xx8Yy9Zz0");
    let mut repo = Repo::new();
    // Before the first commit: everything staged is new.
    std::fs::write(repo.path.join("first.env"), line(&staged)).unwrap();
    repo.git(&["add", "first.env"]);
    let (code, doc, _) = repo.scan(&["--staged"]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![staged.clone()]);
    assert_eq!(finding(&doc, &staged)["git"]["staged"], true);
    assert_eq!(doc["summary"]["git"]["mode"], "staged");
    repo.commit(&[], "first");
    // Staged, unstaged and untracked changes: only the staged one counts.
    std::fs::write(repo.path.join("app.env"), line(&staged)).unwrap();
    repo.git(&["add", "app.env"]);
    std::fs::write(
        repo.path.join("app.env"),
        format!("{}\nX={unstaged}\n", String::from_utf8(line(&staged)).unwrap()),
    )
    .unwrap();
    std::fs::write(repo.path.join("new.env"), line(&untracked)).unwrap();
    let (code, doc, _) = repo.scan(&["--staged"]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![staged.clone()]);
    let f = finding(&doc, &staged);
    assert_eq!(f["path"], "app.env");
    assert_eq!(f["line"], 2);
    assert!(f["git"]["commit"].is_null());
}

#[test]
fn ranges_report_only_what_their_commits_introduce() {
    let before = github_token("Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0");
    let inside = github_token("Uv1Wx2Yz3Ab4Cd5Ef6Gh7Ij8Kl9Mn0");
    let mut repo = Repo::new();
    let base = repo.commit(&[("old.env", &line(&before))], "base");
    let added = repo.commit(&[("new.env", &line(&inside))], "pr commit");
    let (code, doc, _) = repo.scan(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![inside.clone()]);
    assert_eq!(finding(&doc, &inside)["git"]["commit"], added);
    assert_eq!(doc["summary"]["git"]["commits"], 1);
    let (code, doc, _) = repo.scan(&["--since-commit", &base]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![inside]);
    let (code, doc, stderr) = repo.scan(&["--range", "HEAD..HEAD"]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["git"]["commits"], 0);
    assert!(stderr.contains("0 commits"), "{stderr}");
}

#[test]
fn sarif_carries_commit_and_author_but_never_the_secret() {
    let token = github_token("Op1Qr2St3Uv4Wx5Yz6Ab7Cd8Ef9Gh0");
    let mut repo = Repo::new();
    let id = repo.commit(&[("s.env", &line(&token))], "secret");
    let out = leakhound()
        .arg("git")
        .arg(&repo.path)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(&token));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    common::sarif_schema::assert_valid(&doc);
    let props = &doc["runs"][0]["results"][0]["properties"];
    assert_eq!(props["commit"], id);
    assert_eq!(props["author"], "Alice");
    assert_eq!(
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "s.env"
    );
}

#[test]
fn a_directory_that_is_not_a_repository_is_an_error() {
    let dir = TempDir::new().unwrap();
    let out = leakhound().arg("git").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
}

#[test]
fn a_blob_no_ref_reaches_is_still_reported_as_unreachable() {
    let token = github_token("Ij1Kl2Mn3Op4Qr5St6Uv7Wx8Yz9Ab0");
    let mut repo = Repo::new();
    repo.commit(&[("README.md", b"hello\n")], "start");
    repo.git(&["checkout", "-q", "-b", "doomed"]);
    repo.commit(&[("leak.env", &line(&token))], "oops");
    let blob = repo.git(&["rev-parse", "HEAD:leak.env"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "doomed"]);
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["unreachable"], true);
    assert_eq!(f["git"]["blob"], blob);
    assert!(f["git"]["commit"].is_null());
    let (code, _, _) = repo.scan(&["--branch", "main"]);
    assert_eq!(code, 0, "a branch selection does not report dangling blobs");
}

#[test]
fn ignored_paths_hide_history_findings_only_at_those_paths() {
    let token = github_token("Zy1Xw2Vu3Ts4Rq5Po6Nm7Lk8Ji9Hg0");
    let mut repo = Repo::new();
    repo.commit(
        &[
            (".leakhoundignore", b"fixtures/\n"),
            ("fixtures/fake.env", &line(&token)),
        ],
        "fixtures",
    );
    let (code, _, _) = repo.scan(&[]);
    assert_eq!(code, 0);
    let copied = repo.commit(&[("src/app.env", &line(&token))], "copy into the app");
    let (code, doc, _) = repo.scan(&[]);
    assert_eq!(code, 1);
    let f = finding(&doc, &token);
    assert_eq!(f["path"], "src/app.env");
    assert_eq!(f["git"]["commit"], copied);
}

#[test]
fn a_range_or_staged_edit_does_not_re_report_a_secret_already_there() {
    let old = github_token("Qw1Er2Ty3Ui4Op5As6Df7Gh8Jk9Lz0");
    let new = github_token("Xc1Vb2Nm3Qa4Ws5Ed6Rf7Tg8Yh9Uj0");
    let mut repo = Repo::new();
    let base = repo.commit(&[("app.env", format!("A={old}\nmode=1\n").as_bytes())], "base");
    let edit = repo.commit(&[("app.env", format!("A={old}\nmode=2\nB={new}\n").as_bytes())], "edit");
    let (code, doc, _) = repo.scan(&["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![new.clone()]);
    assert_eq!(finding(&doc, &new)["git"]["commit"], edit);
    assert_eq!(finding(&doc, &new)["line"], 3);
    std::fs::write(repo.path.join("app.env"), format!("A={old}\nmode=3\nB={new}\n")).unwrap();
    repo.git(&["add", "app.env"]);
    let (code, doc, _) = repo.scan(&["--staged"]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn a_secret_repeated_in_one_file_is_one_occurrence_of_that_place() {
    let token = github_token("Mn1Bv2Cx3Zl4Kj5Hg6Fd7Sa8Po9Iu0");
    let mut repo = Repo::new();
    let id = repo.commit(
        &[("twice.env", format!("A={token}\nx=1\nB={token}\n").as_bytes())],
        "twice",
    );
    let (_, doc, _) = repo.scan(&["--all-occurrences"]);
    let f = finding(&doc, &token);
    assert_eq!(f["git"]["occurrences"], 1);
    assert_eq!(f["line"], 1);
    assert_eq!(f["git"]["all_occurrences"][0]["commit"], id);
}
