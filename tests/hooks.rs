//! `leakhound install-hook`, `leakhound hook pre-commit|pre-push` and `.pre-commit-hooks.yaml`,
//! exercised with real `git commit` and `git push` on fixture repositories.

mod common;
mod fixture_repo;

use std::process::Output;

use common::leakhound;
use fixture_repo::{env_line, random_token, Repo};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

fn install(repo: &Repo, extra: &[&str]) -> Output {
    leakhound()
        .arg("install-hook")
        .args(extra)
        .arg(&repo.path)
        .env("HOME", repo.home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("leakhound runs")
}

fn commit_count(repo: &Repo) -> usize {
    let out = repo.try_git(&["rev-list", "--count", "HEAD"]);
    text(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn pre_commit_hook_blocks_a_staged_secret_with_a_clear_message_and_lets_clean_commits_through() {
    let repo = Repo::new();
    repo.commit_file("README.md", "fixture\n");
    let out = install(&repo, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let hook = std::fs::read_to_string(repo.path.join(".git/hooks/pre-commit")).expect("hook written");
    assert!(
        hook.contains(env!("CARGO_BIN_EXE_leakhound")),
        "hook runs this binary: {hook}"
    );

    let token = random_token();
    repo.write("config/app.env", &format!("# settings\n{}", env_line(&token)));
    repo.git(&["add", "config/app.env"]);
    let out = repo.try_git(&["commit", "-m", "add settings"]);
    let said = all_output(&out);
    assert!(!out.status.success(), "the commit must be blocked: {said}");
    assert_eq!(commit_count(&repo), 1, "nothing was committed");
    assert!(said.contains("config/app.env"), "names the file: {said}");
    assert!(said.contains("commit blocked"), "{said}");
    assert!(said.contains("leakhound:allow"), "{said}");
    assert!(said.contains("baseline"), "{said}");
    assert!(said.contains("git commit --no-verify"), "{said}");
    assert!(!said.contains(&token), "the secret is redacted: {said}");

    // Removing the secret lets the commit through.
    repo.write("config/app.env", "# settings\nGITHUB_TOKEN=${GITHUB_TOKEN}\n");
    repo.git(&["add", "config/app.env"]);
    let out = repo.try_git(&["commit", "-m", "add settings"]);
    assert!(out.status.success(), "a clean commit passes: {}", all_output(&out));
    assert_eq!(commit_count(&repo), 2);
}

#[test]
fn install_hook_keeps_a_foreign_hook_unless_forced_and_then_backs_it_up() {
    let repo = Repo::new();
    let hooks = repo.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let theirs = "#!/bin/sh\necho their hook\n";
    std::fs::write(hooks.join("pre-commit"), theirs).expect("foreign hook");

    let out = install(&repo, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(hooks.join("pre-commit")).expect("kept"), theirs);

    let out = install(&repo, &["--force"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.backup")).expect("backup"),
        theirs
    );
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .expect("ours")
        .contains("hook pre-commit"));

    // Reinstalling over its own hook needs no --force and makes no second backup.
    let out = install(&repo, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!hooks.join("pre-commit.backup.1").exists());
}

#[test]
fn install_hook_refuses_a_hooks_path_outside_the_git_directory() {
    let repo = Repo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = install(&repo, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", all_output(&out));
    assert!(text(&out.stderr).contains("core.hooksPath"), "{}", text(&out.stderr));
    assert!(!repo.path.join(".githooks/pre-commit").exists());

    repo.git(&["config", "core.hooksPath", ".git/custom-hooks"]);
    let out = install(&repo, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(repo.path.join(".git/custom-hooks/pre-commit").exists());
}

#[test]
fn pre_push_hook_blocks_pushed_secrets_but_not_history_the_remote_already_has() {
    let repo = Repo::new();
    let remote = repo.sibling("remote.git");
    repo.command_in(repo.home.path(), &["init", "-q", "--bare", "remote.git"])
        .output()
        .expect("git init --bare");
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf-8 path")]);
    repo.commit_file("README.md", "fixture\n");
    let out = install(&repo, &["--pre-push"]);
    assert!(out.status.success(), "{}", all_output(&out));

    let out = repo.try_git(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "a clean push passes: {}", all_output(&out));

    // A secret in a pushed commit blocks the push; the remote keeps its old tip.
    let remote_tip = repo.git(&["rev-parse", "origin/main"]);
    let token = random_token();
    repo.commit_file("deploy.env", &env_line(&token));
    repo.commit_file("README.md", "fixture, updated\n");
    let out = repo.try_git(&["push", "-q", "origin", "main"]);
    let said = all_output(&out);
    assert!(!out.status.success(), "the push must be blocked: {said}");
    assert!(said.contains("deploy.env") && said.contains("push blocked"), "{said}");
    assert!(!said.contains(&token), "redacted: {said}");
    let out = repo
        .command_in(&remote, &["rev-parse", "main"])
        .output()
        .expect("git rev-parse");
    assert_eq!(text(&out.stdout).trim(), remote_tip);

    // A new branch carrying the secret is blocked too.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let out = repo.try_git(&["push", "-q", "origin", "feature"]);
    assert!(
        !out.status.success(),
        "new branch with the secret: {}",
        all_output(&out)
    );

    // Once the secret is on the remote (forced past the hook), a new clean branch from it passes:
    // only the commits the remote does not have are scanned.
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "clean", "main"]);
    repo.commit_file("notes.txt", "nothing secret\n");
    let out = repo.try_git(&["push", "-q", "origin", "clean"]);
    assert!(out.status.success(), "clean new branch: {}", all_output(&out));
}

#[test]
fn pre_push_check_reads_the_pre_commit_framework_refs() {
    let repo = Repo::new();
    let base = repo.commit_file("README.md", "fixture\n");
    let head = repo.commit_file("ci.env", &env_line(&random_token()));
    let out = leakhound()
        .args(["hook", "pre-push"])
        .current_dir(&repo.path)
        .env("PRE_COMMIT_FROM_REF", &base)
        .env("PRE_COMMIT_TO_REF", &head)
        .output()
        .expect("leakhound runs");
    assert_eq!(out.status.code(), Some(1), "{}", all_output(&out));
    assert!(all_output(&out).contains("ci.env"));

    let out = leakhound()
        .args(["hook", "pre-push"])
        .current_dir(&repo.path)
        .env("PRE_COMMIT_FROM_REF", &head)
        .env("PRE_COMMIT_TO_REF", &head)
        .output()
        .expect("leakhound runs");
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
}

/// The hooks file is simple YAML: a list of `- id:` entries of `key: value` lines. This reads
/// that subset, which is enough to check what pre-commit relies on.
fn hook_entries(yaml: &str) -> Vec<Vec<(String, String)>> {
    let mut entries: Vec<Vec<(String, String)>> = Vec::new();
    for line in yaml.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (starts_entry, body) = match line.strip_prefix("- ") {
            Some(body) => (true, body),
            None => (
                false,
                line.strip_prefix("  ").expect("entry keys are indented by two spaces"),
            ),
        };
        if starts_entry {
            entries.push(Vec::new());
        }
        let (key, value) = body.split_once(':').expect("key: value");
        entries
            .last_mut()
            .expect("a key belongs to an entry")
            .push((key.trim().to_string(), value.trim().trim_matches('"').to_string()));
    }
    entries
}

#[test]
fn pre_commit_hooks_file_names_both_hooks_with_their_stages() {
    let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml exists");
    let entries = hook_entries(&yaml);
    let get = |entry: &Vec<(String, String)>, key: &str| {
        entry
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids: Vec<String> = entries.iter().map(|e| get(e, "id")).collect();
    assert_eq!(ids, ["leakhound", "leakhound-pre-push"]);
    for (entry, stage) in entries.iter().zip(["[pre-commit]", "[pre-push]"]) {
        assert_eq!(get(entry, "language"), "rust");
        assert_eq!(get(entry, "pass_filenames"), "false");
        assert_eq!(get(entry, "stages"), stage);
        // The entry must be a command this binary accepts.
        let entry_cmd = get(entry, "entry");
        let mut words = entry_cmd.split_whitespace();
        assert_eq!(words.next(), Some("leakhound"));
        let out = leakhound().args(words).arg("--help").output().expect("leakhound runs");
        assert!(out.status.success(), "{entry_cmd}: {}", all_output(&out));
    }

    // Where PyYAML is available, the whole file must also parse as YAML.
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, yaml; print(len(yaml.safe_load(open(sys.argv[1]))))",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml"),
        ])
        .output();
    if let Ok(out) = parsed {
        if out.status.success() {
            assert_eq!(text(&out.stdout).trim(), "2");
        }
    }
}

#[test]
fn pre_commit_hook_sees_what_commit_all_and_commit_path_stage_in_a_temporary_index() {
    let repo = Repo::new();
    repo.commit_file("config/app.env", "# settings\nDEBUG=1\n");
    let out = install(&repo, &[]);
    assert!(out.status.success(), "{}", all_output(&out));
    let token = random_token();
    // Not staged with `git add`: `commit -a` and `commit PATH` build their own index.
    repo.write("config/app.env", &format!("# settings\n{}", env_line(&token)));
    for args in [
        vec!["commit", "-a", "-m", "settings"],
        vec!["commit", "config/app.env", "-m", "settings"],
    ] {
        let out = repo.try_git(&args);
        assert!(!out.status.success(), "{args:?} must be blocked: {}", all_output(&out));
        assert_eq!(commit_count(&repo), 1, "nothing was committed by {args:?}");
    }
}
