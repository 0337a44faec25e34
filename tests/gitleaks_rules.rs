//! End-to-end tests of gitleaks-format rule files given to `--rules`: the rules below are
//! written for these tests in gitleaks' layout, and every value is random and fake.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{json, leakhound};
use tempfile::TempDir;

const RULES: &str = r#"
title = "team rules for tests"

[extend]
useDefault = true

[[allowlists]]
description = "values marked global everywhere"
regexes = ['''GL0BAL''']

[[rules]]
id = "team-token"
description = "Team service token"
regex = '''(team_tok)\s*[:=]\s*"([A-Za-z0-9]{24})"'''
secretGroup = 2
entropy = 3.0
keywords = ["team_tok"]
tags = ["internal", "service"]

[[rules]]
id = "vault-x"
description = "Vault-X token (needs its keyword nearby)"
regex = '''vx_[A-Za-z0-9]{20}'''
keywords = ["vaultx"]

[[rules]]
id = "short-kw"
description = "Keyword too short for the prefilter"
regex = '''zq9_[A-Za-z0-9]{18}'''
keywords = ["zq"]

[[rules]]
id = "deploy-pass"
description = "Deploy password in deploy manifests"
regex = '''deploy_pass:\s*([A-Za-z0-9]{16})'''
path = '''(^|/)deploy/[^/]+\.ya?ml$'''
keywords = ["deploy_pass"]

[[rules]]
id = "acme-key"
description = "Acme key"
regex = '''(?:key|tok)=(acme_[A-Za-z0-9]{20})'''
secretGroup = 1
keywords = ["acme_"]

  [[rules.allowlists]]
  description = "test keys"
  regexes = ['''^acme_TEST''']

  [[rules.allowlists]]
  regexTarget = "match"
  regexes = ['''^tok=''']

  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''#\s*fake''']

  [[rules.allowlists]]
  stopwords = ["demo"]

  [[rules.allowlists]]
  paths = ['''(^|/)fixtures/''']

  [[rules.allowlists]]
  condition = "AND"
  regexes = ['''Zz$''']
  paths = ['''(^|/)legacy/''']
"#;

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
    fs::write(path, content).expect("write fixture");
}

/// The fixture tree and the rule file, side by side in a temporary directory.
fn fixture() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    write(dir.path(), "custom-gitleaks.toml", RULES);
    let tree = dir.path().join("tree");
    write(
        &tree,
        "src/service.env",
        concat!(
            "team_tok = \"Hq7Lm2Xp9Rt4Wz6Kb3Nd8Vc1\"\n",
            "team_tok = \"aaaaaaaaaaaabbbbbbbbbbbb\"\n",
            "team_tok = \"GL0BALm2Xp9Rt4Wz6Kb3Nd8V\"\n",
            "# vaultx credentials\nVX=vx_Pq4Rs7Tu1Vw3Xy6Za9Bc\n",
        ),
    );
    write(
        &tree,
        "src/other.txt",
        "VX=vx_Mn2Bv5Cx8Zl1Kj4Hg7Fd\nshort=zq9_Lk3Jh6Gf9Ds2Ap5Qw8\n",
    );
    let deploy = "deploy_pass: Qw3Er6Ty9Ui2Op5A\n";
    write(&tree, "deploy/prod.yml", deploy);
    write(&tree, "src/prod.yml", deploy);
    write(
        &tree,
        "src/acme.cfg",
        concat!(
            "key=acme_Rt5Yu8Io1Pa4Sd7Fg0Hj\n",
            "key=acme_TESTq8Lm2Xp9Rt4Wz6Kp\n",
            "tok=acme_Wq2Er5Ty8Ui1Op4As7Df\n",
            "key=acme_Zx3Cv6Bn9Mq2We5Rt8Yu  # fake, from the docs\n",
            "key=acme_Kd3demo7Lp2Vb5Nx8Mz1\n",
            "key=acme_Gh4Jk7Lq1Wx5Ce8Rv2Zz\n",
            "key=acme_Pl9Ok8Ij7GL0BAL6Yh5T\n",
        ),
    );
    write(&tree, "fixtures/acme.cfg", "key=acme_Ty6Ui9Op2As5Df8Gh1Jk\n");
    write(&tree, "legacy/acme.cfg", "key=acme_Bn4Mq7We1Rt3Yu6Io9Zz\n");
    dir
}

/// (rule id, path relative to the tree, secret) of every finding of this file's rules.
fn findings(dir: &TempDir) -> Vec<(String, String, String)> {
    let out = leakhound()
        .args(["scan", "--format", "json", "--rules"])
        .arg(dir.path().join("custom-gitleaks.toml"))
        .arg(dir.path().join("tree"))
        .output()
        .expect("leakhound runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json(&out.stdout);
    let tree = dir.path().join("tree").display().to_string();
    let ours = ["team-token", "vault-x", "short-kw", "deploy-pass", "acme-key"];
    let mut found: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| ours.contains(&f["rule_id"].as_str().unwrap_or_default()))
        .map(|f| {
            let path = f["path"].as_str().unwrap_or_default();
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                path.strip_prefix(&tree)
                    .unwrap_or(path)
                    .trim_start_matches('/')
                    .to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The `--explain` lines of a scan of the fixture tree.
fn explanations(dir: &TempDir) -> String {
    let out = leakhound()
        .args(["scan", "--explain", "--show-secrets", "--rules"])
        .arg(dir.path().join("custom-gitleaks.toml"))
        .arg(dir.path().join("tree"))
        .output()
        .expect("leakhound runs");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that `rule` saw `secret` and dropped it with `filter`, so that a secret missing from
/// the report is missing for the right reason.
fn dropped_by(explained: &str, rule: &str, secret: &str, filter: &str) {
    let quoted = format!("\"{secret}\"");
    let line = explained
        .lines()
        .find(|l| l.contains(&format!("  {rule}  ")) && l.contains(&quoted))
        .unwrap_or_else(|| panic!("{rule} never saw {secret}: {explained}"));
    assert!(line.contains(&format!("DROPPED  {filter}")), "{line}");
}

fn has(found: &[(String, String, String)], rule: &str, path: &str, secret: &str) -> bool {
    found.iter().any(|(r, p, s)| r == rule && p == path && s == secret)
}

fn secret_reported(found: &[(String, String, String)], secret: &str) -> bool {
    found.iter().any(|(_, _, s)| s == secret)
}

#[test]
fn secret_group_entropy_and_keywords_map_to_leakhound_rules() {
    let dir = fixture();
    let found = findings(&dir);
    // secretGroup = 2 reports the value, not the key name of group 1.
    assert!(
        has(&found, "team-token", "src/service.env", "Hq7Lm2Xp9Rt4Wz6Kb3Nd8Vc1"),
        "{found:?}"
    );
    // entropy = 3.0 drops the low-entropy value.
    assert!(!secret_reported(&found, "aaaaaaaaaaaabbbbbbbbbbbb"), "{found:?}");
    dropped_by(&explanations(&dir), "team-token", "aaaaaaaaaaaabbbbbbbbbbbb", "entropy");
    // The keyword gates the rule: found next to `vaultx`, not in a file without it.
    assert!(
        has(&found, "vault-x", "src/service.env", "vx_Pq4Rs7Tu1Vw3Xy6Za9Bc"),
        "{found:?}"
    );
    assert!(!secret_reported(&found, "vx_Mn2Bv5Cx8Zl1Kj4Hg7Fd"), "{found:?}");
    // A keyword too short for the prefilter does not lose the rule: it runs over whole files.
    assert!(
        has(&found, "short-kw", "src/other.txt", "zq9_Lk3Jh6Gf9Ds2Ap5Qw8"),
        "{found:?}"
    );
}

#[test]
fn a_rule_with_path_and_regex_reports_only_in_matching_files() {
    let dir = fixture();
    let found = findings(&dir);
    assert!(
        has(&found, "deploy-pass", "deploy/prod.yml", "Qw3Er6Ty9Ui2Op5A"),
        "{found:?}"
    );
    assert!(
        !has(&found, "deploy-pass", "src/prod.yml", "Qw3Er6Ty9Ui2Op5A"),
        "{found:?}"
    );
    let explained = explanations(&dir);
    let outside = explained
        .lines()
        .find(|l| l.contains("src/prod.yml") && l.contains("  deploy-pass  "))
        .unwrap_or_else(|| panic!("{explained}"));
    assert!(outside.contains("DROPPED  path"), "{outside}");
}

#[test]
fn every_allowlist_kind_suppresses_what_it_names() {
    let dir = fixture();
    let found = findings(&dir);
    let explained = explanations(&dir);
    // Not allowlisted.
    assert!(
        has(&found, "acme-key", "src/acme.cfg", "acme_Rt5Yu8Io1Pa4Sd7Fg0Hj"),
        "{found:?}"
    );
    // regexTarget secret (the default), match and line; stopwords; paths.
    for allowed in [
        "acme_TESTq8Lm2Xp9Rt4Wz6Kp",
        "acme_Wq2Er5Ty8Ui1Op4As7Df",
        "acme_Zx3Cv6Bn9Mq2We5Rt8Yu",
        "acme_Kd3demo7Lp2Vb5Nx8Mz1",
        "acme_Ty6Ui9Op2As5Df8Gh1Jk",
    ] {
        assert!(
            !secret_reported(&found, allowed),
            "{allowed} should be allowlisted: {found:?}"
        );
        dropped_by(&explained, "acme-key", allowed, "allowlist");
    }
    // condition = AND: the regex alone (outside legacy/) does not allow the value.
    assert!(
        has(&found, "acme-key", "src/acme.cfg", "acme_Gh4Jk7Lq1Wx5Ce8Rv2Zz"),
        "{found:?}"
    );
    assert!(!secret_reported(&found, "acme_Bn4Mq7We1Rt3Yu6Io9Zz"), "{found:?}");
    dropped_by(&explained, "acme-key", "acme_Bn4Mq7We1Rt3Yu6Io9Zz", "allowlist");
    // The file's global allowlist applies to every rule in it.
    assert!(!secret_reported(&found, "GL0BALm2Xp9Rt4Wz6Kb3Nd8V"), "{found:?}");
    assert!(!secret_reported(&found, "acme_Pl9Ok8Ij7GL0BAL6Yh5T"), "{found:?}");
    dropped_by(&explained, "team-token", "GL0BALm2Xp9Rt4Wz6Kb3Nd8V", "allowlist");
    dropped_by(&explained, "acme-key", "acme_Pl9Ok8Ij7GL0BAL6Yh5T", "allowlist");
}

#[test]
fn explain_names_the_allowlist_that_dropped_a_candidate() {
    let dir = fixture();
    let out = leakhound()
        .args(["scan", "--explain", "--show-secrets", "--rules"])
        .arg(dir.path().join("custom-gitleaks.toml"))
        .arg(dir.path().join("tree/src/acme.cfg"))
        .output()
        .expect("leakhound runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("acme-key") && l.contains("acme_TESTq8Lm2Xp9Rt4Wz6Kp"))
        .unwrap_or_else(|| panic!("no explanation: {stderr}"));
    assert!(line.contains("DROPPED  allowlist"), "{line}");
    assert!(line.contains("^acme_TEST") && line.contains("test keys"), "{line}");
}

/// Runs `leakhound scan` with a one-off rule file; returns exit code and stderr.
fn run_with_rules(rules: &str) -> (Option<i32>, String) {
    let dir = TempDir::new().expect("temp dir");
    write(dir.path(), "custom-gitleaks.toml", rules);
    write(dir.path(), "tree/a.txt", "nothing\n");
    let out = leakhound()
        .args(["scan", "--rules"])
        .arg(dir.path().join("custom-gitleaks.toml"))
        .arg(dir.path().join("tree"))
        .output()
        .expect("leakhound runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_construct_leakhound_cannot_evaluate_is_an_error_naming_the_rule() {
    let (code, stderr) = run_with_rules(
        "[[rules]]\nid = \"lookbehind-rule\"\nregex = '''(?<=token=)[a-z0-9]{32}'''\nkeywords = [\"token\"]\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("lookbehind-rule") && stderr.contains("look-behind"),
        "{stderr}"
    );
}

#[test]
fn a_bad_regex_is_an_error_naming_the_rule() {
    let (code, stderr) =
        run_with_rules("[[rules]]\nid = \"broken-rule\"\nregex = '''key=([a-z0-9]{32}'''\nkeywords = [\"key\"]\n");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("broken-rule") && stderr.contains("regex"), "{stderr}");
}

#[test]
fn an_unknown_key_is_an_error_naming_the_rule_and_key() {
    let (code, stderr) = run_with_rules(
        "[[rules]]\nid = \"typo-rule\"\nregex = '''k_[a-z]{9}'''\nkeywords = [\"k_x\"]\nentropyy = 3.0\n",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("typo-rule") && stderr.contains("entropyy"), "{stderr}");
}

#[test]
fn extend_path_loads_the_base_file_relative_to_the_extending_one() {
    let dir = TempDir::new().expect("temp dir");
    write(
        dir.path(),
        "rules/base.toml",
        "[[rules]]\nid = \"base-rule\"\nregex = '''bse_[A-Za-z0-9]{20}'''\nkeywords = [\"bse_\"]\n",
    );
    write(
        dir.path(),
        "rules/custom-gitleaks.toml",
        "[extend]\npath = \"base.toml\"\n[allowlist]\nstopwords = [\"skip\"]\n",
    );
    write(
        dir.path(),
        "tree/a.txt",
        "x = bse_Ab3Cd6Ef9Gh2Ij5Kl8Mn\ny = bse_skipAb3Cd6Ef9Gh2Ij5K\n",
    );
    let out = leakhound()
        .args(["scan", "--format", "json", "--rules"])
        .arg(dir.path().join("rules/custom-gitleaks.toml"))
        .arg(dir.path().join("tree"))
        .output()
        .expect("leakhound runs");
    let doc = json(&out.stdout);
    let secrets: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "base-rule")
        .filter_map(|f| f["secret"].as_str())
        .collect();
    assert_eq!(secrets, vec!["bse_Ab3Cd6Ef9Gh2Ij5Kl8Mn"]);
}

#[test]
fn git_scans_apply_path_and_commit_allowlists_when_attributing() {
    let dir = fixture();
    let repo = dir.path().join("repo");
    fs::create_dir_all(&repo).expect("repo dir");
    let home = dir.path();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
            .env("HOME", home)
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.org")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.org")
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    fs::write(home.join("gitconfig"), "").expect("gitconfig");
    git(&["init", "-q", "-b", "main"]);
    write(&repo, "fixtures/acme.cfg", "key=acme_Ty6Ui9Op2As5Df8Gh1Jk\n");
    write(&repo, "legacy/acme.cfg", "key=acme_Bn4Mq7We1Rt3Yu6Io9Zz\n");
    write(&repo, "src/acme.cfg", "key=acme_Gh4Jk7Lq1Wx5Ce8Rv2Zz\n");
    write(&repo, "deploy/prod.yml", "deploy_pass: Qw3Er6Ty9Ui2Op5A\n");
    write(&repo, "src/prod.yml", "deploy_pass: Ws4Ed7Rf1Tg3Yh6U\n");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "add config"]);
    write(&repo, "src/late.cfg", "key=acme_Vf5Bg8Nh2Mj4Kl7Pq9Rs\n");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "add late config"]);
    let late = git(&["rev-parse", "HEAD"]);
    let scan = |rules_file: &Path| {
        let out = leakhound()
            .args(["git", "--format", "json", "--rules"])
            .arg(rules_file)
            .arg(&repo)
            .output()
            .expect("leakhound runs");
        json(&out.stdout)
    };
    // Without the commits allowlist, the late secret is reported.
    let control = scan(&dir.path().join("custom-gitleaks.toml"));
    assert!(
        control["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["secret"] == "acme_Vf5Bg8Nh2Mj4Kl7Pq9Rs"),
        "{control}"
    );
    let rules = RULES.replace(
        "  [[rules.allowlists]]\n  stopwords",
        &format!(
            "  [[rules.allowlists]]\n  commits = [\"{}\"]\n\n  [[rules.allowlists]]\n  stopwords",
            &late[..12]
        ),
    );
    write(dir.path(), "custom-gitleaks.toml", &rules);
    let doc = scan(&dir.path().join("custom-gitleaks.toml"));
    let reported = |secret: &str| {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["secret"] == secret)
    };
    assert!(reported("acme_Gh4Jk7Lq1Wx5Ce8Rv2Zz"), "{doc}");
    assert!(!reported("acme_Ty6Ui9Op2As5Df8Gh1Jk"), "paths allowlist: {doc}");
    assert!(!reported("acme_Bn4Mq7We1Rt3Yu6Io9Zz"), "AND allowlist: {doc}");
    assert!(!reported("acme_Vf5Bg8Nh2Mj4Kl7Pq9Rs"), "commits allowlist: {doc}");
    assert!(reported("Qw3Er6Ty9Ui2Op5A"), "{doc}");
    assert!(
        !reported("Ws4Ed7Rf1Tg3Yh6U"),
        "path-scoped rule outside its path: {doc}"
    );
}
