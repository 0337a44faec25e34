//! `leakhound audit` over a fixture organization: every planted secret found with its places,
//! re-audits that read nothing already read, shards that add up to a full run, and a killed
//! audit that resumes to the same result.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use common::leakhound;
use common::org::{commit, Org};
use serde_json::Value;

/// Runs `leakhound audit` and returns (exit code, stderr).
fn audit(db: &Path, args: &[&str]) -> (i32, String) {
    let output = leakhound()
        .arg("audit")
        .arg("--datastore")
        .arg(db)
        .args(args)
        .output()
        .expect("leakhound runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), stderr)
}

fn report(db: &Path, args: &[&str]) -> Value {
    let output = leakhound()
        .args(["report", "--format", "json", "--datastore"])
        .arg(db)
        .args(args)
        .output()
        .expect("leakhound runs");
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

/// The report without what legitimately differs between two runs (times, file names).
fn comparable(mut report: Value) -> Value {
    if let Some(object) = report.as_object_mut() {
        object.remove("generated_at");
        object.remove("datastore");
    }
    if let Some(rows) = report["repositories"].as_array_mut() {
        for row in rows {
            if let Some(row) = row.as_object_mut() {
                row.remove("last_scanned");
            }
        }
    }
    report
}

/// Repository directory names by secret, from a report with secrets shown.
fn found(report: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for finding in report["findings"].as_array().expect("findings") {
        let secret = finding["secret"].as_str().unwrap_or_default().to_string();
        let repositories: BTreeSet<String> = finding["repositories"]
            .as_array()
            .expect("repositories")
            .iter()
            .map(|r| {
                Path::new(r.as_str().unwrap_or_default())
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        out.insert(secret, repositories);
    }
    out
}

/// The number after `label` in the audit's summary line (`12 repositories (3 scanned, …`).
fn summary_number(stderr: &str, label: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.contains("leakhound: audit:"))
        .unwrap_or_else(|| panic!("no summary line in {stderr}"));
    let words: Vec<&str> = line.split([' ', '(', ',', ')']).filter(|w| !w.is_empty()).collect();
    let wanted: Vec<&str> = label.split(' ').collect();
    for window in words.windows(wanted.len() + 1) {
        if window[1..] == wanted[..] {
            if let Ok(n) = window[0].parse() {
                return n;
            }
        }
    }
    panic!("no {label:?} in {line}")
}

#[test]
fn every_planted_secret_is_found_in_every_repository_that_holds_it() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    let (code, stderr) = audit(&db, &[org.root().to_str().expect("utf-8"), "--store-secrets"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary_number(&stderr, "repositories"), 11, "{stderr}");
    let report = report(&db, &["--show-secrets"]);
    let found = found(&report);
    for planted in &org.planted {
        let repositories = found
            .get(&planted.secret)
            .unwrap_or_else(|| panic!("{} ({}) not found: {found:?}", planted.path, planted.repositories[0]));
        let expected: BTreeSet<String> = planted.repositories.iter().map(|r| r.to_string()).collect();
        assert_eq!(repositories, &expected, "{}", planted.path);
    }
    assert_eq!(
        found.len(),
        org.planted.len(),
        "nothing but the planted secrets: {found:?}"
    );
    // The secret committed and then deleted on main is placed at the commit that added it,
    // with its author and date, in each of the three repositories sharing that history.
    let deleted = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["occurrences"][0]["path"] == "config/settings.env")
        .expect("the deleted file's secret");
    let occurrences = deleted["occurrences"].as_array().expect("occurrences");
    assert_eq!(occurrences.len(), 3, "{occurrences:?}");
    for occurrence in occurrences {
        assert_eq!(occurrence["date"], "2023-01-15T10:00:00Z");
        assert_eq!(occurrence["author_email"], "dev@example.org");
        assert_eq!(occurrence["summary"], "add settings");
        assert_eq!(occurrence["line"], 1);
        assert_eq!(occurrence["commit"].as_str().map(str::len), Some(40));
    }
    assert_eq!(deleted["first_seen"], "2023-01-15T10:00:00Z");
    // The totals agree with the lists.
    assert_eq!(report["totals"]["findings"], org.planted.len());
    assert_eq!(report["totals"]["repositories"], 11);
    assert_eq!(report["totals"]["unvalidated"], org.planted.len());
}

#[test]
fn without_store_secrets_the_datastore_holds_no_raw_secret() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    let (code, stderr) = audit(&db, &[org.root().to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{stderr}");
    // Checkpoint the write-ahead log so that everything is in the main file, then look at
    // every byte the datastore wrote.
    let report = report(&db, &["--show-secrets"]);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(org.planted.len()));
    let mut bytes = std::fs::read(&db).expect("read db");
    for extra in ["audit.db-wal", "audit.db-shm"] {
        if let Ok(more) = std::fs::read(org.dir.path().join(extra)) {
            bytes.extend(more);
        }
    }
    for planted in &org.planted {
        let needle = planted.secret.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "raw secret from {} stored without --store-secrets",
            planted.path
        );
        // The tail of a secret would be enough to misuse a leaked datastore as well.
        let tail = &needle[needle.len() - 12..];
        assert!(!bytes.windows(tail.len()).any(|w| w == tail), "part of a secret stored");
    }
    for finding in report["findings"].as_array().expect("findings") {
        assert!(finding.get("secret").is_none(), "{finding}");
        assert!(finding["redacted"].as_str().is_some_and(|r| r.ends_with("********")));
    }
}

#[test]
fn a_second_audit_reads_no_blob_twice_and_a_third_only_what_changed() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    let root = org.root();
    let root = root.to_str().expect("utf-8");
    let (_, first) = audit(&db, &[root]);
    let first_blobs = summary_number(&first, "blobs scanned");
    assert!(first_blobs > 20, "{first}");
    // Forks share their history with platform/app: whichever comes later reads none of it.
    assert!(summary_number(&first, "blobs already scanned") > 0, "{first}");
    let before = comparable(report(&db, &[]));

    let (code, second) = audit(&db, &[root]);
    assert_eq!(code, 1, "{second}");
    assert_eq!(summary_number(&second, "blobs scanned"), 0, "{second}");
    assert_eq!(summary_number(&second, "unchanged"), 11, "{second}");
    assert_eq!(comparable(report(&db, &[])), before, "a re-audit changes nothing");

    // A new commit in one service: only its new blobs are read, and its secret is added.
    let fresh = common::org::token(500);
    commit(
        &org.repo("services/svc-07"),
        &[("deploy/ci.env", format!("GH_TOKEN={fresh}\n"))],
        "ci",
        "2024-05-05T10:00:00Z",
    );
    let (_, third) = audit(&db, &[root]);
    assert_eq!(summary_number(&third, "scanned"), 1, "{third}");
    assert_eq!(summary_number(&third, "unchanged"), 10, "{third}");
    assert_eq!(summary_number(&third, "blobs scanned"), 1, "{third}");
    let after = report(&db, &[]);
    assert_eq!(
        after["totals"]["findings"].as_u64(),
        before["totals"]["findings"].as_u64().map(|n| n + 1)
    );

    assert!(
        third.contains("svc-07: 1 new commits, 1 blobs scanned"),
        "only the new commit: {third}"
    );
    // Adding the new commits to what was recorded equals auditing everything afresh.
    let fresh_db = org.dir.path().join("fresh.db");
    audit(&fresh_db, &[root]);
    assert_eq!(comparable(report(&db, &[])), comparable(report(&fresh_db, &[])));

    // Other rules (here: another size limit) make every blob worth reading again.
    let (_, fourth) = audit(&db, &[root, "--max-blob-size", "49M"]);
    assert_eq!(summary_number(&fourth, "scanned"), 11, "{fourth}");
    assert_eq!(summary_number(&fourth, "blobs scanned"), first_blobs + 1, "{fourth}");
    assert_eq!(report(&db, &[])["totals"]["blobs_scanned"], first_blobs + 1);
}

#[test]
fn the_union_of_three_shards_equals_a_full_audit() {
    let org = Org::build(None);
    let root = org.root();
    let root = root.to_str().expect("utf-8");
    let full = org.dir.path().join("full.db");
    audit(&full, &[root]);
    let mut parts = Vec::new();
    let mut repositories = 0;
    for k in 1..=3 {
        let db = org.dir.path().join(format!("shard-{k}.db"));
        let (_, stderr) = audit(&db, &[root, "--shard", &format!("{k}/3")]);
        repositories += summary_number(&stderr, "repositories");
        parts.push(db);
    }
    assert_eq!(repositories, 11, "every repository in exactly one shard");
    let merged = org.dir.path().join("merged.db");
    let merge = || {
        let output = leakhound()
            .args(["datastore", "merge"])
            .args(&parts)
            .arg("-o")
            .arg(&merged)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    merge();
    assert_eq!(comparable(report(&merged, &[])), comparable(report(&full, &[])));
    // Merging again adds nothing.
    merge();
    assert_eq!(comparable(report(&merged, &[])), comparable(report(&full, &[])));
}

#[test]
fn an_audit_killed_midway_resumes_to_the_same_result() {
    let org = Org::build(Some(24));
    let root = org.root();
    let root = root.to_str().expect("utf-8");
    let reference = org.dir.path().join("reference.db");
    audit(&reference, &[root, "-j", "1"]);

    let db = org.dir.path().join("killed.db");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("leakhound"))
        .args(["audit", "-j", "1", "--datastore"])
        .arg(&db)
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("line");
        let done = line.contains("platform/app:");
        seen.push(line);
        if done {
            break;
        }
    }
    // The next repository is the big one: the audit is inside it now.
    child.kill().expect("kill");
    child.wait().expect("wait");
    let partial = report(&db, &[]);
    let recorded = partial["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .filter(|r| r.get("last_scanned").is_some())
        .count();
    assert_eq!(recorded, 3, "killed after three repositories: {seen:?}");

    let (code, resumed) = audit(&db, &[root, "-j", "1"]);
    assert_eq!(code, 1, "{resumed}");
    assert_eq!(summary_number(&resumed, "unchanged"), 3, "{resumed}");
    assert_eq!(comparable(report(&db, &[])), comparable(report(&reference, &[])));
}

#[test]
fn triage_decisions_shape_later_reports() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    audit(&db, &[org.root().to_str().expect("utf-8")]);
    let before = report(&db, &[]);
    let findings = before["findings"].as_array().expect("findings");
    let first = findings[0]["fingerprint"].as_str().expect("fingerprint").to_string();
    let second = findings[1]["fingerprint"].as_str().expect("fingerprint").to_string();
    let triage = |fingerprint: &str, status: &str, note: &str| {
        leakhound()
            .args(["triage", fingerprint, "--status", status, "--note", note, "--datastore"])
            .arg(&db)
            .output()
            .expect("runs")
    };
    assert!(triage(&first[..10], "false-positive", "test fixture").status.success());
    assert!(triage(&second, "revoked", "rotated on 2024-06-01").status.success());
    let unknown = triage("0123456789abcdef", "accepted", "x");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no finding with fingerprint"));
    let bad = triage(&second, "ignored", "x");
    assert_eq!(bad.status.code(), Some(2), "an unknown status is a usage error");

    let after = report(&db, &[]);
    let fingerprints: Vec<&str> = after["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    assert!(!fingerprints.contains(&first.as_str()), "a false positive is hidden");
    assert!(
        fingerprints.contains(&second.as_str()),
        "a revoked credential is still listed"
    );
    assert_eq!(after["totals"]["triaged_false_positive"], 1);
    assert_eq!(after["totals"]["triaged_revoked"], 1);
    let revoked = after["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["fingerprint"] == second.as_str())
        .expect("listed");
    assert_eq!(revoked["triage"]["status"], "revoked");
    assert_eq!(revoked["triage"]["note"], "rotated on 2024-06-01");
    let all = report(&db, &["--include-triaged"]);
    assert_eq!(all["findings"].as_array().map(Vec::len), Some(findings.len()));
}

#[test]
fn reports_come_in_every_format() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    audit(&db, &[org.root().to_str().expect("utf-8")]);
    let run = |format: &str| {
        let output = leakhound()
            .args(["report", "--format", format, "--datastore"])
            .arg(&db)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "findings exit 1: {format}");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let human = run("human");
    assert!(human.contains("LIVE CREDENTIALS"), "{human}");
    assert!(human.contains("config/settings.env"), "{human}");
    let jsonl = run("jsonl");
    assert_eq!(jsonl.lines().count(), org.planted.len());
    for line in jsonl.lines() {
        let value: Value = serde_json::from_str(line).expect("JSON line");
        assert!(value["occurrences"].as_array().is_some_and(|o| !o.is_empty()));
    }
    let sarif: Value = serde_json::from_str(&run("sarif")).expect("SARIF is JSON");
    common::sarif_schema::assert_valid(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    // One result per credential and repository: the two shared secrets are in three each.
    let expected: usize = org.planted.iter().map(|p| p.repositories.len()).sum();
    assert_eq!(results.len(), expected);
    let text = sarif.to_string();
    for planted in &org.planted {
        assert!(!text.contains(&planted.secret), "SARIF never carries a secret");
    }
    let html = run("html");
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    assert!(html.contains("live-credentials"));
}

#[test]
fn nothing_to_audit_and_a_missing_datastore_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("x.db");
    let (code, stderr) = audit(&db, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nothing to audit"), "{stderr}");
    let output = leakhound()
        .args(["report", "--datastore"])
        .arg(dir.path().join("missing.db"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !dir.path().join("missing.db").exists(),
        "a report never creates a datastore"
    );
    let not_a_db = dir.path().join("notes.txt");
    std::fs::write(&not_a_db, "just some notes, not a database at all ".repeat(200)).expect("write");
    let output = leakhound()
        .args(["report", "--datastore"])
        .arg(&not_a_db)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a leakhound datastore"));
    let (code, stderr) = audit(&db, &[dir.path().to_str().expect("utf-8"), "--shard", "4/3"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid shard"), "{stderr}");
}

/// A mock GitHub API listing the fixture organization over two pages (`file://` clone URLs),
/// plus one repository whose clone fails.
fn mock_github_api(org: &Org) -> common::mock_issuer::MockIssuer {
    use common::mock_issuer::{MockIssuer, Reply};
    let entry = |name: &str, relative: &str, fork: bool, archived: bool| {
        serde_json::json!({
            "full_name": format!("acme/{name}"),
            "clone_url": format!("file://{}", org.repo(relative).display()),
            "html_url": format!("https://github.com/acme/{name}"),
            "fork": fork,
            "archived": archived,
            "default_branch": "main",
        })
    };
    let mut first = vec![
        entry("app", "platform/app", false, false),
        entry("app-fork1", "forks/app-fork1", true, false),
    ];
    for n in 1..=4 {
        first.push(entry(
            &format!("svc-{n:02}"),
            &format!("services/svc-{n:02}"),
            false,
            false,
        ));
    }
    let mut second = Vec::new();
    for n in 5..=8 {
        second.push(entry(
            &format!("svc-{n:02}"),
            &format!("services/svc-{n:02}"),
            false,
            n == 8,
        ));
    }
    second.push(entry("app-fork2", "forks/app-fork2.git", true, true));
    second.push(serde_json::json!({
        "full_name": "acme/gone",
        "clone_url": "https://127.0.0.1:1/acme/gone.git",
        "html_url": "https://github.com/acme/gone",
        "fork": false,
        "archived": false,
    }));
    let first = serde_json::Value::Array(first).to_string();
    let second = serde_json::Value::Array(second).to_string();
    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let base_in = base.clone();
    let mock = MockIssuer::start(move |request, _| {
        let base = base_in.lock().map(|b| b.clone()).unwrap_or_default();
        if request.url.starts_with("/orgs/acme/repos") && request.url.contains("page=2") {
            Reply::new(200, &second)
        } else if request.url.starts_with("/orgs/acme/repos") {
            Reply::new(200, &first).header(
                "Link",
                &format!("<{base}/orgs/acme/repos?per_page=100&type=all&page=2>; rel=\"next\", <{base}/orgs/acme/repos?per_page=100&type=all&page=2>; rel=\"last\""),
            )
        } else {
            Reply::new(404, r#"{"message":"Not Found"}"#)
        }
    });
    if let Ok(mut b) = base.lock() {
        *b = mock.url.clone();
    }
    mock
}

/// Runs `leakhound audit --github-org acme` against a mock API, with a GitHub token set;
/// returns (exit code, stderr).
fn audit_github(api_url: &str, db: &Path, cache: &Path, extra: &[&str]) -> (i32, String) {
    let output = leakhound()
        .args([
            "audit",
            "--github-org",
            "acme",
            "--github-api-url",
            api_url,
            "--datastore",
        ])
        .arg(db)
        .arg("--cache-dir")
        .arg(cache)
        .args(extra)
        .env("GITHUB_TOKEN", "test-token-not-a-credential")
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_github_organization_is_listed_page_by_page_and_a_failed_clone_does_not_stop_the_audit() {
    let org = Org::build(None);
    let api = mock_github_api(&org);
    let db = org.dir.path().join("github.db");
    let cache = org.dir.path().join("cache");
    let (code, stderr) = audit_github(&api.url, &db, &cache, &["--store-secrets"]);
    assert_eq!(code, 2, "a failed repository makes the audit incomplete: {stderr}");
    assert_eq!(summary_number(&stderr, "repositories"), 12, "{stderr}");
    assert_eq!(summary_number(&stderr, "failed"), 1, "{stderr}");
    assert!(
        stderr.contains("127.0.0.1:1/acme/gone") && stderr.contains("FAILED"),
        "{stderr}"
    );
    let requests = api.requests();
    assert_eq!(requests.len(), 2, "two pages: {requests:?}");
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer test-token-not-a-credential")
        );
    }
    let report = report(&db, &["--show-secrets"]);
    let listed = found(&report);
    for planted in &org.planted {
        assert!(listed.contains_key(&planted.secret), "{} not found", planted.path);
    }
    let failed: Vec<&Value> = report["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .filter(|r| r.get("error").is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["identity"], "127.0.0.1:1/acme/gone");
    // Occurrences link to the line on the repository's web page.
    let links: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["occurrences"].as_array().into_iter().flatten())
        .filter_map(|o| o["link"].as_str())
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.starts_with("https://github.com/acme/app/blob/") && l.ends_with("/config/settings.env#L1")),
        "{links:?}"
    );

    // Forks and archived repositories can be left out.
    let narrow = org.dir.path().join("narrow.db");
    let (_, stderr) = audit_github(
        &api.url,
        &narrow,
        &cache,
        &["--no-forks", "--no-archived", "--store-secrets"],
    );
    assert_eq!(summary_number(&stderr, "repositories"), 9, "{stderr}");
    let narrow_found = found(&report_of(&narrow));
    let fork_only = org
        .planted
        .iter()
        .find(|p| p.repositories == vec!["app-fork1"])
        .expect("fork secret");
    assert!(!narrow_found.contains_key(&fork_only.secret), "forks were left out");
}

fn report_of(db: &Path) -> Value {
    report(db, &["--show-secrets"])
}

#[test]
fn remote_repositories_are_cloned_once_then_fetched_and_the_api_token_stays_with_the_api() {
    use common::mock_issuer::{MockIssuer, Reply};
    let org = Org::build(None);
    let git = common::git_http::GitHttpServer::start(&org.root());
    let listing = serde_json::json!([
        {"full_name": "acme/app", "clone_url": git.repo_url("platform/app"), "html_url": "https://github.com/acme/app", "fork": false, "archived": false},
        {"full_name": "acme/svc-01", "clone_url": git.repo_url("services/svc-01"), "html_url": "https://github.com/acme/svc-01", "fork": false, "archived": false},
        {"full_name": "acme/app-fork2", "clone_url": git.repo_url("forks/app-fork2.git"), "html_url": "https://github.com/acme/app-fork2", "fork": true, "archived": false},
    ])
    .to_string();
    let api = MockIssuer::start(move |_, _| Reply::new(200, &listing));
    let db = org.dir.path().join("remote.db");
    let cache = org.dir.path().join("cache");
    let run = || {
        let output = leakhound()
            .args([
                "audit",
                "--github-org",
                "acme",
                "--github-api-url",
                &api.url,
                "--store-secrets",
                "--datastore",
            ])
            .arg(&db)
            .arg("--cache-dir")
            .arg(&cache)
            .env("GITHUB_TOKEN", "api-only-token")
            .output()
            .expect("runs");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let first = run();
    assert_eq!(summary_number(&first, "scanned"), 3, "{first}");
    let clones: Vec<_> =
        std::fs::read_dir(cache.join("127.0.0.1_".to_string() + git.host.rsplit(':').next().unwrap_or("")))
            .map(|entries| entries.flatten().collect())
            .unwrap_or_default();
    assert!(!clones.is_empty(), "bare clones live in the cache directory");
    let report_first = report(&db, &["--show-secrets"]);
    let listed = found(&report_first);
    let app_secret = &org
        .planted
        .iter()
        .find(|p| p.path == "payments/.env")
        .expect("planted")
        .secret;
    let repositories = listed
        .get(app_secret)
        .expect("the branch-only secret of app is found in the clones");
    assert_eq!(repositories.len(), 2, "app and app-fork2: {repositories:?}");
    // The API's token goes to the API only: the git server is another host:port.
    assert!(git.requests().iter().all(|r| r.authorization.is_none()));

    let second = run();
    assert_eq!(summary_number(&second, "unchanged"), 3, "{second}");
    assert_eq!(summary_number(&second, "blobs scanned"), 0, "{second}");

    let fresh = common::org::token(777);
    commit(
        &org.repo("services/svc-01"),
        &[("ci/token.txt", format!("{fresh}\n"))],
        "ci",
        "2024-07-07T10:00:00Z",
    );
    let third = run();
    assert_eq!(summary_number(&third, "scanned"), 1, "fetched and rescanned: {third}");
    assert_eq!(summary_number(&third, "blobs scanned"), 1, "{third}");
    assert!(found(&report(&db, &["--show-secrets"])).contains_key(&fresh));
}

#[test]
fn rewritten_history_keeps_what_leaked_before_and_adds_what_is_new() {
    let org = Org::build(None);
    let db = org.dir.path().join("audit.db");
    let root = org.root();
    let root = root.to_str().expect("utf-8");
    audit(&db, &[root]);
    let svc = org.repo("services/svc-02");
    // Force-push style rewrite: drop the commits holding the secret, commit something else.
    common::org::git(&svc, &["reset", "-q", "--hard", "HEAD~2"]);
    let fresh = common::org::token(901);
    commit(
        &svc,
        &[("settings.ini", format!("token={fresh}\n"))],
        "settings",
        "2024-09-09T09:00:00Z",
    );
    let (_, stderr) = audit(&db, &[root, "--store-secrets"]);
    assert!(stderr.contains("svc-02: 1 new commits"), "{stderr}");
    let report = report(&db, &["--show-secrets"]);
    let secrets: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["repositories"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r.as_str().is_some_and(|r| r.ends_with("svc-02"))))
        })
        .filter_map(|f| f["occurrences"][0]["path"].as_str())
        .collect();
    assert!(
        secrets.contains(&"app.cfg"),
        "the rewritten-away leak is still on record: {secrets:?}"
    );
    assert!(secrets.contains(&"settings.ini"), "the new leak is added: {secrets:?}");
}

#[test]
fn a_list_file_names_repositories_by_path_or_url_and_a_bad_line_is_named() {
    let org = Org::build(None);
    let list = org.root().join("repos.txt");
    std::fs::write(
        &list,
        format!(
            "# services of team A\nservices/svc-01\n\nfile://{}\n",
            org.repo("services/svc-02").display()
        ),
    )
    .expect("write");
    let db = org.dir.path().join("list.db");
    let (code, stderr) = audit(&db, &["--repos-file", list.to_str().expect("utf-8"), "--store-secrets"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary_number(&stderr, "repositories"), 2, "{stderr}");
    let found = found(&report(&db, &["--show-secrets"]));
    for name in ["svc-01", "svc-02"] {
        let planted = org
            .planted
            .iter()
            .find(|p| p.repositories == vec![name])
            .expect("planted");
        assert!(found.contains_key(&planted.secret), "{name}");
    }
    std::fs::write(&list, "services/svc-01\nservices/no-such-repo\n").expect("write");
    let (code, stderr) = audit(&db, &["--repos-file", list.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("repos.txt:2") && stderr.contains("not a git repository"),
        "{stderr}"
    );
}

#[test]
fn reports_tell_what_is_still_at_head_and_incremental_audits_keep_it_true() {
    let org = Org::build(None);
    let db = org.dir.path().join("head.db");
    let root = org.root();
    let root = root.to_str().expect("utf-8");
    audit(&db, &[root, "--store-secrets"]);
    let at_head = |report: &Value, secret: &str| -> bool {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["secret"] == secret)
            .unwrap_or_else(|| panic!("not found"))["present_at_head"]
            .as_bool()
            .expect("a boolean")
    };
    let secret_of = |name: &str| {
        org.planted
            .iter()
            .find(|p| p.repositories == vec![name] || p.path == name)
            .expect("planted")
            .secret
            .clone()
    };
    let before = report(&db, &["--show-secrets"]);
    assert!(!at_head(&before, &secret_of("config/settings.env")), "deleted on main");
    assert!(!at_head(&before, &secret_of("payments/.env")), "only on a branch");
    assert!(at_head(&before, &secret_of("svc-03")), "still in the service's code");

    common::org::git(&org.repo("services/svc-03"), &["rm", "-q", "app.cfg"]);
    commit(
        &org.repo("services/svc-03"),
        &[],
        "remove the config",
        "2024-10-10T10:00:00Z",
    );
    let (_, stderr) = audit(&db, &[root, "--store-secrets"]);
    assert!(stderr.contains("svc-03: 1 new commits"), "{stderr}");
    let after = report(&db, &["--show-secrets"]);
    assert!(!at_head(&after, &secret_of("svc-03")), "removed by the new commit");
    assert!(at_head(&after, &secret_of("svc-04")), "untouched elsewhere");
    let fresh = org.dir.path().join("fresh.db");
    audit(&fresh, &[root, "--store-secrets"]);
    assert_eq!(
        comparable(report(&db, &["--show-secrets"])),
        comparable(report(&fresh, &["--show-secrets"]))
    );
}

#[test]
fn a_corrupt_object_is_reported_and_the_audit_goes_on() {
    let org = Org::build(None);
    let repo = org.repo("services/svc-08");
    let readme_blob = common::org::git(&repo, &["rev-parse", "HEAD:README.md"]);
    let object = repo
        .join(".git/objects")
        .join(&readme_blob[..2])
        .join(&readme_blob[2..]);
    let mut permissions = std::fs::metadata(&object).expect("loose object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&object, permissions).expect("writable");
    std::fs::write(&object, b"not zlib at all").expect("corrupt");
    let db = org.dir.path().join("corrupt.db");
    let (code, stderr) = audit(&db, &[org.root().to_str().expect("utf-8"), "--store-secrets"]);
    assert_eq!(code, 1, "findings elsewhere still count: {stderr}");
    assert!(
        stderr.contains("svc-08: warning: 1 problem reading objects") && stderr.contains(&readme_blob),
        "{stderr}"
    );
    assert!(stderr.contains("1 object(s) could not be read"), "{stderr}");
    let found = found(&report(&db, &["--show-secrets"]));
    assert_eq!(found.len(), org.planted.len(), "every other repository is complete");
}
