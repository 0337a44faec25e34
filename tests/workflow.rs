//! Team workflow features: baselines, inline allow comments, `.leakhound.toml`, and the GitHub
//! Actions report formats.

mod common;

use std::fs;
use std::path::Path;

use common::{github_token, json, leakhound};
use tempfile::TempDir;

const A: &str = "Vq3Lm8Zx2Rt7Kp5Wn9Yb4Hc6Jd1Fs0";
const B: &str = "Tz6Qw1Lp9Xm4Rk8Vn2Hb5Jc7Dd3Fg0";
const C: &str = "Mn5Bv2Cx8Zl4Kj7Hg1Fd9Sa3Qw6Er0";

fn dir_with(files: &[(&str, String)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn scan_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = leakhound()
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), json(&out.stdout))
}

fn secrets(doc: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn a_baseline_hides_known_secrets_by_content_and_prune_removes_stale_entries() {
    let (a, b, c) = (github_token(A), github_token(B), github_token(C));
    let dir = dir_with(&[("app/.env", format!("TOKEN={a}\nOTHER={b}\n"))]);
    let baseline = dir.path().join("baseline.txt");
    leakhound()
        .args(["baseline", "create"])
        .arg(dir.path())
        .arg("-o")
        .arg(&baseline)
        .assert()
        .code(0);
    let text = fs::read_to_string(&baseline).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 2, "{text}");
    assert!(
        !text.contains(&a[4..]) && !text.contains(&b[4..]),
        "a baseline never holds secrets"
    );

    // Moved to another line and file, reformatted: still known. A new secret on a baselined
    // line is reported.
    fs::write(
        dir.path().join("app/.env"),
        format!("# moved\n\nOTHER = \"{b}\"\nTOKEN={c}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("app/copy.yaml"), format!("token: {a}\n")).unwrap();
    let base = baseline.to_str().unwrap();
    let (code, doc) = scan_json(dir.path(), &["--baseline", base]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![c.clone()]);

    // `a` is still present (copy.yaml); `b` too; after removing `b`, prune drops its entry only.
    fs::write(dir.path().join("app/.env"), format!("TOKEN={c}\n")).unwrap();
    let out = leakhound()
        .args(["baseline", "prune", base])
        .arg(dir.path())
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert_eq!(
        fs::read_to_string(&baseline).unwrap(),
        text,
        "--dry-run changes nothing"
    );
    leakhound()
        .args(["baseline", "prune", base])
        .arg(dir.path())
        .assert()
        .code(0);
    let pruned = fs::read_to_string(&baseline).unwrap();
    assert_eq!(pruned.lines().filter(|l| !l.starts_with('#')).count(), 1, "{pruned}");

    // A missing baseline file is an error, not an empty baseline.
    leakhound()
        .args(["scan", "--baseline", "/no/such/baseline"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn an_allow_comment_suppresses_only_its_own_line() {
    let (a, b) = (github_token(A), github_token(B));
    let dir = dir_with(&[(
        "src/settings.py",
        format!("TEST_TOKEN = \"{a}\"  # leakhound:allow (fixture)\nREAL_TOKEN = \"{b}\"\n"),
    )]);
    let (code, doc) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(secrets(&doc), vec![b]);
    assert_eq!(doc["summary"]["suppressed"], 1, "{doc}");
}

#[test]
fn repository_config_narrows_and_reranks_but_cannot_add_anything() {
    let (a, b, c) = (github_token(A), github_token(B), github_token(C));
    let config = "[allow]\npaths = [\"fixtures/\"]\nstopwords = [\"Tz6Qw1\"]\n\n[rules]\nseverity = { github-pat-classic = \"low\" }\n";
    let dir = dir_with(&[
        (".leakhound.toml", config.to_string()),
        ("fixtures/fake.env", format!("TOKEN={a}\n")),
        ("src/a.env", format!("TOKEN={b}\n")),
        ("src/b.env", format!("TOKEN={c}\n")),
    ]);
    let (code, doc) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(secrets(&doc), vec![c.clone()]);
    assert_eq!(doc["findings"][0]["severity"], "low");

    // --no-config: everything is back.
    let (_, doc) = scan_json(dir.path(), &["--no-config"]);
    assert_eq!(secrets(&doc).len(), 3);

    // Disabling rules silences them (the broad rule would otherwise take over the tokens).
    fs::write(
        dir.path().join(".leakhound.toml"),
        "[rules]\ndisable = [\"github-pat-classic\", \"generic-secret\"]\n",
    )
    .unwrap();
    let (code, doc) = scan_json(dir.path(), &[]);
    assert_eq!(code, 0, "{doc}");

    // A configuration that tries to add a validator or an endpoint is rejected outright.
    for evil in [
        "[validate]\nurl = \"https://attacker.test/collect\"\n",
        "[rules]\nvalidation_endpoint = \"api.github.com=https://attacker.test\"\n",
    ] {
        fs::write(dir.path().join(".leakhound.toml"), evil).unwrap();
        let out = leakhound().arg("scan").arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{evil}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(".leakhound.toml"));
    }
}

#[test]
fn github_annotations_and_markdown_summary_are_written_besides_the_main_report() {
    let a = github_token(A);
    let dir = dir_with(&[("deploy/prod.env", format!("# prod\nGITHUB_TOKEN={a}\n"))]);
    let summary = dir.path().join("summary.md");
    let sarif = dir.path().join("out.sarif");
    let out = leakhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "github", "--show-secrets"])
        .arg("--report")
        .arg(format!("markdown={}", summary.display()))
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().next().unwrap();
    assert!(
        line.starts_with("::error file=deploy/prod.env,line=2,endLine=2,col=14,"),
        "{line}"
    );
    assert!(line.contains("title=GitHub personal access token"), "{line}");
    let table = fs::read_to_string(&summary).unwrap();
    assert!(table.contains("## leakhound: 1 secret found"), "{table}");
    assert!(
        table.contains(
            "| critical | GitHub personal access token (classic) (`github-pat-classic`) | `deploy/prod.env:2` |"
        ),
        "{table}"
    );
    let sarif_text = fs::read_to_string(&sarif).unwrap();
    common::sarif_schema::assert_valid(&serde_json::from_str(&sarif_text).unwrap());
    assert!(sarif_text.contains("\"version\": \"2.1.0\"") || sarif_text.contains("\"version\":\"2.1.0\""));
    for text in [&stdout, &table, &sarif_text] {
        assert!(
            !text.contains(&a[4..]),
            "annotations, summaries and SARIF are always redacted"
        );
    }
    // Scanning a subdirectory of a repository still names files by their repository path.
    fs::create_dir(dir.path().join(".git")).unwrap();
    let out = leakhound()
        .current_dir(dir.path().join("deploy"))
        .args(["scan", ".", "--format", "github"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("::error file=deploy/prod.env,line=2,"), "{stdout}");

    // A bad --report is a usage error.
    leakhound()
        .args(["scan", "--report", "pdf=x.pdf"])
        .arg(dir.path())
        .assert()
        .code(2);
}
