//! End-to-end tests of `leakhound scan`: formats, exit codes and bad input.

mod common;

use std::fs;

use common::{json, leakhound, token};
use predicates::prelude::*;
use tempfile::TempDir;

fn dir_with(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn secret_dir() -> TempDir {
    let content = format!("# config\nGITHUB_TOKEN={}\nDEBUG=1\n", token());
    dir_with(&[
        ("app/config.env", content.as_bytes()),
        ("app/readme.txt", b"nothing here\n"),
    ])
}

#[test]
fn human_report_shows_place_rule_and_redacted_secret_and_exits_1() {
    let dir = secret_dir();
    let out = leakhound()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("app/config.env:2:14"), "{stdout}");
    assert!(stdout.contains("github-pat-classic"), "{stdout}");
    assert!(stdout.contains("ghp_********"), "{stdout}");
    assert!(
        !stdout.contains(&token()),
        "human output must redact by default: {stdout}"
    );
    assert!(stdout.contains("1 finding in 2 files"), "{stdout}");
}

#[test]
fn show_secrets_reveals_the_secret_in_the_human_report() {
    let dir = secret_dir();
    leakhound()
        .args(["scan", "--show-secrets"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(token()));
}

#[test]
fn clean_tree_exits_0() {
    let dir = dir_with(&[("a.txt", b"hello\n"), ("b.py", b"print('hi')\n")]);
    leakhound()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 findings in 2 files"));
}

#[test]
fn exit_code_flag_changes_the_findings_code() {
    let dir = secret_dir();
    leakhound()
        .args(["scan", "--exit-code", "7"])
        .arg(dir.path())
        .assert()
        .code(7);
    leakhound()
        .args(["scan", "--exit-code", "0"])
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn missing_path_and_bad_flag_exit_2() {
    leakhound()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/definitely/not/here: no such file or directory",
        ));
    leakhound().args(["scan", "--no-such-flag"]).assert().code(2);
    leakhound()
        .args(["scan", "--max-file-size", "lots", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid size"));
    leakhound().args(["scan", "--format", "xml", "."]).assert().code(2);
}

#[test]
fn json_report_has_every_finding_field_and_a_summary() {
    let dir = secret_dir();
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    let f = &doc["findings"][0];
    assert_eq!(f["rule_id"], "github-pat-classic");
    assert_eq!(f["provider"], "GitHub");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 14);
    assert_eq!(f["end_line"], 2);
    assert_eq!(f["end_column"], 54);
    assert_eq!(f["secret"], token());
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert!(f["entropy"].as_f64().unwrap() > 4.0);
    assert!(f["path"].as_str().unwrap().ends_with("app/config.env"));
    let s = &doc["summary"];
    assert_eq!(s["files_scanned"], 2);
    assert_eq!(s["findings"], 1);
    assert!(s["bytes_scanned"].as_u64().unwrap() > 40);
    assert!(s["elapsed_ms"].is_u64());
    assert!(s["throughput_mb_s"].is_number());
}

#[test]
fn redact_removes_the_secret_from_json_jsonl_and_csv() {
    let dir = secret_dir();
    for format in ["json", "jsonl", "csv"] {
        let out = leakhound()
            .args(["scan", "--redact", "--format", format])
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(!stdout.contains(&token()), "{format} leaked the secret: {stdout}");
        assert!(stdout.contains("ghp_********"), "{format}: {stdout}");
    }
}

#[test]
fn redact_hides_a_second_secret_on_the_same_line_in_every_snippet() {
    let other = common::github_token("Qm8Tz2Lx5Vn9Kr3Wp7Yb1Hc4Jd6Fs0");
    let content = format!("A={} B={}\n", token(), other);
    let dir = dir_with(&[("pair.env", content.as_bytes())]);
    for format in ["json", "jsonl", "csv", "human"] {
        let out = leakhound()
            .args(["scan", "--redact", "--format", format])
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8(out.stdout).unwrap();
        for secret in [token(), other.clone()] {
            assert!(!stdout.contains(&secret[4..]), "{format} leaked {secret}: {stdout}");
        }
    }
}

#[test]
fn jsonl_streams_one_finding_per_line() {
    let content = format!(
        "a={}\nb={}\n",
        token(),
        common::github_token("Zx9Lk3Mn7Qp1Wr5Ty8Ui2Op4As6Df0")
    );
    let dir = dir_with(&[("two.txt", content.as_bytes())]);
    let out = leakhound()
        .args(["scan", "--format", "jsonl"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["rule_id"] == "github-pat-classic"));
    assert!(String::from_utf8(out.stderr).unwrap().contains("2 findings in 1 file"));
}

#[test]
fn sarif_is_2_1_0_and_always_redacted() {
    let dir = secret_dir();
    let out = leakhound()
        .args(["scan", "--format", "sarif"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!stdout.contains(&token()), "SARIF must never hold the secret");
    let doc = json(&out.stdout);
    common::sarif_schema::assert_valid(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "leakhound");
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1);
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "github-pat-classic");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "github-pat-classic");
    assert_eq!(result["ruleIndex"], 0);
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 14);
    assert_eq!(
        result["partialFingerprints"]["leakhound/v1"].as_str().unwrap().len(),
        32
    );
}

#[test]
fn csv_has_a_header_and_a_row() {
    let dir = secret_dir();
    let out = leakhound()
        .args(["scan", "--format", "csv"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().starts_with("rule_id,rule_name,provider,severity"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("github-pat-classic,"), "{row}");
    assert!(row.contains(",2,14,2,54,"), "{row}");
    assert!(lines.next().is_none());
}

#[test]
fn output_file_receives_the_report() {
    let dir = secret_dir();
    let report = dir.path().join("report.json");
    leakhound()
        .args(["scan", "--format", "json", "-o"])
        .arg(&report)
        .arg(dir.path().join("app"))
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(report).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn standard_input_is_scanned() {
    let input = format!("export TOKEN={}\n", token());
    let out = leakhound()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["findings"][0]["path"], "-");
    assert_eq!(doc["findings"][0]["line"], 1);
    assert_eq!(doc["findings"][0]["column"], 14);
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let mut binary = b"\x7fELF\x00\x00\x01".to_vec();
    binary.extend(token().as_bytes());
    let dir = dir_with(&[("tool.bin", &binary), ("ok.txt", b"fine\n")]);
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["skipped"]["binary"], 1);
    assert_eq!(doc["summary"]["files_scanned"], 1);
}

#[test]
fn invalid_utf8_and_crlf_files_are_scanned() {
    let mut content = b"caf\xe9 \xff\xfe\r\n".to_vec();
    content.extend(format!("token: {}\r\n", token()).as_bytes());
    let dir = dir_with(&[("latin1.yml", &content)]);
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["findings"][0]["line"], 2);
    assert_eq!(doc["findings"][0]["column"], 8);
    assert_eq!(doc["findings"][0]["secret"], token());
}

#[test]
fn files_over_the_size_limit_are_skipped_and_listed() {
    let mut big = format!("t={}\n", token()).into_bytes();
    big.resize(4096, b'#');
    let dir = dir_with(&[("big.txt", &big), ("small.txt", b"ok\n")]);
    let out = leakhound()
        .args(["scan", "--format", "json", "--max-file-size", "1K"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["skipped"]["too_large"], 1);
    assert!(doc["summary"]["not_scanned"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("big.txt"));
    assert!(String::from_utf8(out.stderr).unwrap().contains("big.txt"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = secret_dir();
    let locked = dir.path().join("locked.txt");
    fs::write(&locked, "secret stuff\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let mut args = vec!["scan".to_string(), "--format".into(), "json".into()];
    if fs::File::open(&locked).is_ok() {
        // Running as root: permissions do not stop reads, so use a file whose read fails.
        fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("/proc/self/mem", &locked).unwrap();
        args.push("--follow-symlinks".into());
    }
    let out = leakhound()
        .args(&args)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["skipped"]["unreadable"], 1, "{doc}");
    assert!(doc["summary"]["not_scanned"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("locked.txt"));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert!(String::from_utf8(out.stderr).unwrap().contains("not scanned:"));
}

#[test]
fn an_empty_directory_says_nothing_was_scanned() {
    let dir = TempDir::new().unwrap();
    leakhound()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("nothing was scanned"));
}

#[test]
fn gitignore_is_respected_hidden_files_scanned_and_dot_git_skipped() {
    let secret = format!("T={}\n", token());
    let dir = dir_with(&[
        (".gitignore", b"ignored.txt\n"),
        ("ignored.txt", secret.as_bytes()),
        (".env", secret.as_bytes()),
        (".git/config", secret.as_bytes()),
        (".git/HEAD", b"ref: refs/heads/main\n"),
    ]);
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with(".env"));
    let out = leakhound()
        .args(["scan", "--format", "json", "--no-ignore"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json(&out.stdout);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2, "{doc}");
}

#[cfg(unix)]
#[test]
fn symlinks_are_counted_not_followed_unless_asked() {
    let outside = secret_dir();
    let dir = dir_with(&[("plain.txt", b"nothing\n")]);
    std::os::unix::fs::symlink(outside.path().join("app/config.env"), dir.path().join("link.env")).unwrap();
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(json(&out.stdout)["summary"]["skipped"]["symlink"], 1);
    leakhound().args(["scan", "-L"]).arg(dir.path()).assert().code(1);
}

#[test]
fn leakhoundignore_suppresses_by_fingerprint_and_by_path() {
    let dir = secret_dir();
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let fingerprint = json(&out.stdout)["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    fs::write(
        dir.path().join(".leakhoundignore"),
        format!("# known fake\n{fingerprint}\n"),
    )
    .unwrap();
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(json(&out.stdout)["summary"]["suppressed"], 1);
    // A different secret in the same place is still reported.
    let other = common::github_token("Pq4Wd8Ex2Rc6Tv0Yb3Un7Im1Ok5Jl9");
    fs::write(dir.path().join("app/config.env"), format!("GITHUB_TOKEN={other}\n")).unwrap();
    leakhound().arg("scan").arg(dir.path()).assert().code(1);
    fs::write(dir.path().join(".leakhoundignore"), "app/\n").unwrap();
    leakhound().arg("scan").arg(dir.path()).assert().code(0);
}

#[test]
fn a_broken_rule_file_names_file_rule_and_problem() {
    let dir = dir_with(&[(
        "bad.toml",
        b"[[rule]]\nid = \"my-rule\"\nprovider = \"Me\"\nname = \"Mine\"\nkeywords = [\"mine_\"]\nregex = '''mine_([a-z'''\nseverity = \"high\"\nconfidence = \"high\"\n",
    )]);
    leakhound()
        .args(["scan", "--rules"])
        .arg(dir.path().join("bad.toml"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml: rule 'my-rule': regex does not compile",
        ));
    let dir = dir_with(&[("typo.toml", b"[[rule]]\nid = \"r\"\nprovider = \"P\"\nname = \"N\"\nkeywords = [\"abc\"]\nregex = 'abc'\nseverity = \"severe\"\nconfidence = \"high\"\n")]);
    leakhound()
        .args(["scan", "--rules"])
        .arg(dir.path())
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("typo.toml: rule 'r':").and(predicate::str::contains("severe")));
    let dir = dir_with(&[("syntax.toml", b"[[rule]\nid = \n")]);
    leakhound()
        .args(["rules", "list", "--rules"])
        .arg(dir.path().join("syntax.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("syntax.toml: invalid TOML"));
}

#[test]
fn user_rules_find_their_own_credentials() {
    let rules = b"[[rule]]\nid = \"acme-key\"\nprovider = \"Acme\"\nname = \"Acme key\"\nkeywords = [\"acme_\"]\nregex = '''\\b(?P<secret>acme_[a-z0-9]{12})\\b'''\nseverity = \"medium\"\nconfidence = \"high\"\n";
    let dir = dir_with(&[("acme.toml", rules), ("src/app.txt", b"key = acme_k3j9x2m8q7w1\n")]);
    let out = leakhound()
        .args(["scan", "--format", "json", "--rules"])
        .arg(dir.path().join("acme.toml"))
        .arg(dir.path().join("src"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(json(&out.stdout)["findings"][0]["rule_id"], "acme-key");
}

#[test]
fn rules_list_and_check() {
    let out = leakhound()
        .args(["rules", "list"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("ID"));
    assert!(table.contains("github-pat-classic"));
    let out = leakhound()
        .args(["rules", "list", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let rows = json(&out.stdout);
    let github = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "github-pat-classic")
        .unwrap();
    assert_eq!(github["checksum"], "crc32-base62");
    assert_eq!(github["source"], "builtin");
    leakhound()
        .args(["rules", "check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("all passed"));
    let failing = b"[[rule]]\nid = \"acme-key\"\nprovider = \"Acme\"\nname = \"Acme key\"\nkeywords = [\"acme_\"]\nregex = '''acme_[a-z]{12}'''\nseverity = \"medium\"\nconfidence = \"high\"\n[[rule.examples]]\ntext = \"acme_123\"\nsecret = \"acme_123\"\n";
    let dir = dir_with(&[("acme.toml", failing)]);
    leakhound()
        .args(["rules", "check"])
        .arg(dir.path().join("acme.toml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL acme-key"));
}
