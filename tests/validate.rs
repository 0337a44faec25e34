//! `--validate` end to end against a mock issuer on 127.0.0.1: statuses and identities,
//! one request per unique credential, retries, timeouts, redirects, dry runs, and the safety
//! rules (nothing is sent without --validate; nothing a scanned tree says can cause a request).

mod common;

use std::time::Duration;

use common::mock_issuer::{MockIssuer, Recorded, Reply};
use common::{github_token, json, leakhound};
use serde_json::Value;
use tempfile::TempDir;

// One fake token per behaviour of the mock GitHub.
const R_LIVE: &str = "Vq3LmZ8xT1pK7wN2rC5yH9bD4sF6gJ";
const R_REVOKED: &str = "Hn4TzQ8kW2mP6vX1cR9bL3yD7sG5fA";
const R_LIMITED: &str = "Pw7KcN2xZ5qM9vT3bH8rL1yF4sD6gJ";
const R_LIMITED_ONCE: &str = "Bq6ZrM1xW8pK4vN7cT2yH5dL9sF3gJ";
const R_SERVER_ERROR: &str = "Kt2WpN7xQ4mZ9vC1bR6yH3dL8sF5gA";
const R_SLOW: &str = "Dm8QxT3kW6pZ1vN9cH4yR7bL2sF5gJ";
const R_REDIRECT: &str = "Fz5NkQ9xW2mT7vP3cR8yH1bL6sD4gA";
const R_MALFORMED: &str = "Jc1TxM6kQ9pW3vZ8bN2yR5dH7sL4gF";

fn bearer(r: &Recorded) -> String {
    r.header("authorization")
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string()
}

/// A mock api.github.com whose answer depends on the token.
fn mock_github(other_host: String) -> MockIssuer {
    MockIssuer::start(move |request, earlier| {
        let token = bearer(request);
        let is = |random: &str| token == github_token(random);
        if is(R_LIVE) {
            Reply::new(200, r#"{"login":"octo-dev","name":"Octo Dev"}"#).header("X-OAuth-Scopes", "repo, gist")
        } else if is(R_REVOKED) {
            Reply::new(401, r#"{"message":"Bad credentials"}"#)
        } else if is(R_LIMITED) {
            Reply::new(429, r#"{"message":"rate limited"}"#).header("Retry-After", "1")
        } else if is(R_LIMITED_ONCE) {
            if earlier == 0 {
                Reply::new(429, "{}").header("Retry-After", "1")
            } else {
                Reply::new(200, r#"{"login":"patient-dev"}"#)
            }
        } else if is(R_SERVER_ERROR) {
            Reply::new(500, "oops")
        } else if is(R_SLOW) {
            Reply::new(200, r#"{"login":"slow-dev"}"#).after(Duration::from_secs(4))
        } else if is(R_REDIRECT) {
            Reply::new(302, "").header("Location", &format!("{other_host}/steal"))
        } else if is(R_MALFORMED) {
            Reply::new(200, "<html>definitely not json")
        } else {
            Reply::new(404, "")
        }
    })
}

fn write_tokens(dir: &TempDir, randoms: &[&str]) {
    for (i, random) in randoms.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("config{i}.env")),
            format!("GITHUB_TOKEN={}\n", github_token(random)),
        )
        .unwrap();
    }
}

fn findings_by_token(report: &Value) -> std::collections::HashMap<String, Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["secret"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

#[test]
fn statuses_identities_and_reasons_come_from_the_issuer() {
    let elsewhere = MockIssuer::start(|_, _| Reply::new(200, "stolen"));
    let github = mock_github(elsewhere.url.clone());
    let dir = TempDir::new().unwrap();
    let all = [
        R_LIVE,
        R_REVOKED,
        R_LIMITED,
        R_LIMITED_ONCE,
        R_SERVER_ERROR,
        R_SLOW,
        R_REDIRECT,
        R_MALFORMED,
    ];
    write_tokens(&dir, &all);
    // The live token appears in two more files: still one request.
    std::fs::write(
        dir.path().join("copy1.py"),
        format!("token = '{}'\n", github_token(R_LIVE)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("copy2.yml"),
        format!("token: {}\n", github_token(R_LIVE)),
    )
    .unwrap();
    let out = leakhound()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--validate",
            "--validate-timeout",
            "1",
        ])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("validation requests for api.github.com are sent to http://127.0.0.1"),
        "the override is announced: {stderr}"
    );
    let report = json(&out.stdout);
    let by_token = findings_by_token(&report);
    let status = |random: &str| by_token[&github_token(random)]["validation"].clone();

    let live = status(R_LIVE);
    assert_eq!(live["status"], "live");
    assert_eq!(live["identity"]["login"], "octo-dev");
    assert_eq!(live["identity"]["scopes"], "repo, gist");
    assert!(live["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(status(R_REVOKED)["status"], "revoked");
    let limited = status(R_LIMITED);
    assert_eq!(limited["status"], "unknown");
    assert!(
        limited["reason"].as_str().unwrap().contains("rate limited"),
        "{limited}"
    );
    assert_eq!(
        status(R_LIMITED_ONCE)["status"],
        "live",
        "a 429 with Retry-After is retried"
    );
    assert_eq!(status(R_LIMITED_ONCE)["identity"]["login"], "patient-dev");
    let error = status(R_SERVER_ERROR);
    assert_eq!(error["status"], "unknown");
    assert!(error["reason"].as_str().unwrap().contains("HTTP 500"), "{error}");
    let slow = status(R_SLOW);
    assert_eq!(slow["status"], "unknown");
    assert!(slow["reason"].as_str().unwrap().contains("timeout"), "{slow}");
    let redirect = status(R_REDIRECT);
    assert_eq!(redirect["status"], "unknown");
    assert!(redirect["reason"].as_str().unwrap().contains("redirect"), "{redirect}");
    let malformed = status(R_MALFORMED);
    assert_eq!(malformed["status"], "unknown");
    assert!(
        malformed["reason"].as_str().unwrap().contains("not the JSON"),
        "{malformed}"
    );

    // Every copy of the live token carries the result; it was asked about once.
    let live_findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"] == github_token(R_LIVE))
        .count();
    assert_eq!(live_findings, 3);
    let requests = github.requests();
    let count = |random: &str| requests.iter().filter(|r| bearer(r) == github_token(random)).count();
    assert_eq!(count(R_LIVE), 1, "one request per unique credential");
    assert_eq!(count(R_REVOKED), 1);
    assert_eq!(count(R_LIMITED), 3, "two retries after the first 429");
    assert_eq!(count(R_LIMITED_ONCE), 2);
    assert_eq!(count(R_REDIRECT), 1);
    for r in &requests {
        assert_eq!(r.method, "GET");
        assert_eq!(r.url, "/user");
    }
    assert!(elsewhere.requests().is_empty(), "the redirect was not followed");

    let exposure = &report["summary"]["exposure"];
    assert_eq!(exposure["totals"]["credentials"], 8);
    assert_eq!(exposure["totals"]["live"], 2);
    assert_eq!(exposure["totals"]["revoked"], 1);
    assert_eq!(exposure["totals"]["unknown"], 5);
    let exposed = exposure["live"].as_array().unwrap();
    assert_eq!(exposed.len(), 2);
    let octo = exposed.iter().find(|c| c["identity"]["login"] == "octo-dev").unwrap();
    assert_eq!(octo["paths"].as_array().unwrap().len(), 3);
    assert!(
        !exposure.to_string().contains(&github_token(R_LIVE)),
        "no raw secret in the exposure report"
    );
}

#[test]
fn nothing_is_sent_without_validate() {
    let github = mock_github(String::new());
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE]);
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json"])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(dir.path())
        .env(
            "LEAKHOUND_VALIDATION_ENDPOINTS",
            format!("api.github.com={}", github.url),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    assert!(report["findings"][0].get("validation").is_none());
    assert!(report["summary"].get("exposure").is_none());
    assert!(github.requests().is_empty());
}

#[test]
fn the_dry_run_prints_redacted_requests_and_sends_nothing() {
    let github = mock_github(String::new());
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE, R_REVOKED]);
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json", "--validate-dry-run"])
        .arg(dir.path())
        .env(
            "LEAKHOUND_VALIDATION_ENDPOINTS",
            format!("api.github.com={}", github.url),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(github.requests().is_empty(), "a dry run sends nothing");
    assert_eq!(
        stderr.matches("would send for github-pat-classic").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("GET https://api.github.com/user"), "{stderr}");
    assert!(stderr.contains("Authorization: Bearer ghp_"), "{stderr}");
    assert!(
        !stderr.contains(&github_token(R_LIVE)),
        "the dry run redacts secrets: {stderr}"
    );
    let report = json(&out.stdout);
    assert_eq!(report["summary"]["exposure"]["totals"]["dry_run"], true);
    assert!(report["findings"][0].get("validation").is_none());
}

#[test]
fn a_scanned_tree_cannot_add_validators_or_turn_validation_on() {
    let mock = MockIssuer::start(|_, _| Reply::new(200, r#"{"login":"x"}"#));
    let dir = TempDir::new().unwrap();
    // A rule file inside the tree that would send a custom token to api.github.com: never
    // loaded, because only rule files named on the command line are read.
    std::fs::write(
        dir.path().join("leakhound-rules.toml"),
        r#"[[rule]]
id = "internal-token"
provider = "Acme"
name = "Acme token"
keywords = ["acmetok_"]
regex = '''(?P<secret>acmetok_[a-z0-9]{24})'''
severity = "high"
confidence = "high"
[[rule.examples]]
text = "t = acmetok_q8w7e6r5t4y3u2i1o9p8a7s6"
secret = "acmetok_q8w7e6r5t4y3u2i1o9p8a7s6"
[rule.validate]
url = "https://api.github.com/user"
headers = { Authorization = "Bearer {{secret}}" }
live = { status = [200] }
[rule.validate.example]
body = "{}"
"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("app.env"), "ACME=acmetok_q8w7e6r5t4y3u2i1o9p8a7s6\n").unwrap();
    std::fs::write(dir.path().join("gh.env"), format!("T={}\n", github_token(R_LIVE))).unwrap();
    let endpoint = format!("api.github.com={}", mock.url);

    // Without --validate, a repository configuration cannot switch it on ...
    std::fs::write(dir.path().join(".leakhound.toml"), "[validate]\nenabled = true\n").unwrap();
    let out = leakhound()
        .args(["scan", "--format", "json", "--validation-endpoint", &endpoint])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown configuration section is an error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("validate"));
    assert!(mock.requests().is_empty());

    // ... nor add a validator: with --validate only the built-in GitHub check is sent.
    std::fs::write(dir.path().join(".leakhound.toml"), "[allow]\npaths = []\n").unwrap();
    let out = leakhound()
        .args([
            "scan",
            "--format",
            "json",
            "--validate",
            "--validation-endpoint",
            &endpoint,
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(bearer(&requests[0]), github_token(R_LIVE));
    assert!(requests
        .iter()
        .all(|r| !r.header("authorization").unwrap_or("").contains("acmetok_")));
}

#[test]
fn the_budget_bounds_validation() {
    let github = mock_github(String::new());
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE, R_REVOKED]);
    let out = leakhound()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--validate",
            "--validate-budget",
            "0",
        ])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json(&out.stdout);
    for finding in report["findings"].as_array().unwrap() {
        assert_eq!(finding["validation"]["status"], "unknown");
        assert!(finding["validation"]["reason"].as_str().unwrap().contains("budget"));
    }
    assert!(github.requests().is_empty());
}

#[test]
fn plain_http_overrides_are_refused_off_loopback() {
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE]);
    let out = leakhound()
        .args([
            "scan",
            "--validate",
            "--validation-endpoint",
            "api.github.com=http://203.0.113.7:80",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn aws_key_pairs_are_signed_and_report_account_and_arn() {
    let sts = MockIssuer::start(|request, _| {
        let authorization = request.header("authorization").unwrap_or("");
        if request.body == "Action=GetCallerIdentity&Version=2011-06-15"
            && authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIAZYO4W62CZQBJAITQ/")
            && authorization
                .contains("/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=")
        {
            Reply::new(
                200,
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::210987654321:user/ci-deploy</Arn><UserId>AIDAXAMPLE</UserId><Account>210987654321</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
        } else {
            Reply::new(
                403,
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
            )
        }
    });
    let dir = TempDir::new().unwrap();
    let key_id = ["AKIA", "ZYO4W62CZQBJAITQ"].concat();
    let secret = ["Q7hoyJUZxsmWkgP1kJaZ", "sOvW7XfOVgD+U4JlH9j7"].concat();
    std::fs::write(
        dir.path().join("credentials"),
        format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json", "--validate"])
        .arg("--validation-endpoint")
        .arg(format!("sts.amazonaws.com={}", sts.url))
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json(&out.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 2, "{report}");
    for finding in findings {
        assert_eq!(finding["validation"]["status"], "live", "{finding}");
        assert_eq!(finding["validation"]["identity"]["account"], "210987654321");
        assert_eq!(
            finding["validation"]["identity"]["arn"],
            "arn:aws:iam::210987654321:user/ci-deploy"
        );
    }
    assert_eq!(sts.requests().len(), 1, "the key id and its secret are one credential");
    assert_eq!(sts.requests()[0].method, "POST");
}

#[test]
fn vault_tokens_go_only_to_the_named_server() {
    let vault = MockIssuer::start(|request, _| {
        if request.url == "/v1/auth/token/lookup-self" && request.header("x-vault-token").is_some() {
            Reply::new(
                200,
                r#"{"data":{"display_name":"token-ci","policies":["default","deploy"]}}"#,
            )
        } else {
            Reply::new(403, "{}")
        }
    });
    let dir = TempDir::new().unwrap();
    let token = [
        "hvs.",
        "CAESIJ7Xk2Lq9Wm4Tz8Rv1Np6Hc3Yb5Df0Gs7Ju2Ka9Ml4QeWx8Rt2Zp5Nc1Vb7Hs3Kd9Jf4Lg6Mq0Ty2Ua8Ie5OwPz3Rk7",
    ]
    .concat();
    std::fs::write(
        dir.path().join("vault.env"),
        format!("VAULT_TOKEN={token}\nVAULT_ADDR=https://vault.attacker.test\n"),
    )
    .unwrap();
    let scan = |extra: &[&str]| {
        let out = leakhound()
            .args(["scan", "--no-config", "--format", "json", "--validate"])
            .args(extra)
            .arg("--validation-endpoint")
            .arg(format!("vault.acme.test={}", vault.url))
            .arg(dir.path())
            .output()
            .unwrap();
        json(&out.stdout)
    };
    let without = scan(&[]);
    let finding = &without["findings"][0];
    assert_eq!(finding["validation"]["status"], "unknown", "{without}");
    assert!(finding["validation"]["reason"]
        .as_str()
        .unwrap()
        .contains("--vault-address"));
    assert!(vault.requests().is_empty());
    let with = scan(&["--vault-address", "https://vault.acme.test:8200"]);
    let finding = &with["findings"][0];
    assert_eq!(finding["validation"]["status"], "live", "{with}");
    assert_eq!(finding["validation"]["identity"]["policies"], "default, deploy");
    assert_eq!(vault.requests().len(), 1);
}

#[test]
fn sarif_marks_live_credentials_as_errors_and_redacts_them() {
    let github = mock_github(String::new());
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("notes.md"), format!("token {}\n", github_token(R_LIVE))).unwrap();
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "sarif", "--validate"])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains(&github_token(R_LIVE)));
    let doc: Value = serde_json::from_str(&text).unwrap();
    common::sarif_schema::assert_valid(&doc);
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(result["properties"]["validation"]["status"], "live");
    assert!(result["message"]["text"].as_str().unwrap().contains("LIVE"));
}

#[test]
fn only_live_keeps_live_findings() {
    let github = mock_github(String::new());
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE, R_REVOKED]);
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json", "--only-live"])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["secret"], github_token(R_LIVE));
    assert_eq!(report["summary"]["findings"], 1);
}

#[test]
fn rules_list_shows_validators() {
    let out = leakhound()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = |id: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(rule("github-pat-classic")["validator"]["target"], "api.github.com");
    assert_eq!(rule("aws-secret-access-key")["validator"]["kind"], "aws-sts");
    assert_eq!(rule("github-refresh-token")["validator"]["kind"], "unsupported");
    let table = leakhound().args(["rules", "list"]).output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.lines().next().unwrap().contains("VALIDATOR"));
    assert!(table.contains("can be validated"));
}

/// Runs git in `dir`, isolated from the machine's configuration, with a fixed date.
fn git(dir: &std::path::Path, home: &std::path::Path, date: &str, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Dana Developer")
        .env("GIT_AUTHOR_EMAIL", "dana@example.test")
        .env("GIT_COMMITTER_NAME", "Dana Developer")
        .env("GIT_COMMITTER_EMAIL", "dana@example.test")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn git_history_ends_with_an_exposure_summary() {
    let github = mock_github(String::new());
    let home = TempDir::new().unwrap();
    let repo = home.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, home.path(), "2024-01-01T12:00:00Z", &["init", "-q"]);
    let live = github_token(R_LIVE);
    std::fs::write(repo.join("deploy.env"), format!("GITHUB_TOKEN={live}\n")).unwrap();
    git(&repo, home.path(), "2024-01-02T12:00:00Z", &["add", "."]);
    git(
        &repo,
        home.path(),
        "2024-01-02T12:00:00Z",
        &["commit", "-qm", "deploy config"],
    );
    std::fs::create_dir(repo.join("ci")).unwrap();
    std::fs::write(repo.join("ci/job.yml"), format!("env:\n  TOKEN: {live}\n")).unwrap();
    std::fs::write(repo.join("deploy.env"), "GITHUB_TOKEN=${GITHUB_TOKEN}\n").unwrap();
    git(&repo, home.path(), "2024-03-05T12:00:00Z", &["add", "."]);
    git(
        &repo,
        home.path(),
        "2024-03-05T12:00:00Z",
        &["commit", "-qm", "move token to ci"],
    );
    std::fs::remove_file(repo.join("ci/job.yml")).unwrap();
    git(&repo, home.path(), "2024-04-01T12:00:00Z", &["add", "-A"]);
    git(
        &repo,
        home.path(),
        "2024-04-01T12:00:00Z",
        &["commit", "-qm", "remove token"],
    );

    let out = leakhound()
        .args([
            "git",
            "--no-config",
            "--format",
            "human",
            "--color",
            "never",
            "--validate",
        ])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(&live), "the human report redacts by default");
    assert!(text.contains("validation: LIVE login=octo-dev"), "{text}");
    let summary = &text[text.find("Exposure:").expect("an exposure summary")..];
    assert!(summary.contains("1 live credential"), "{summary}");
    assert!(summary.contains("GitHub (1 live)"), "{summary}");
    assert!(summary.contains("identity: login=octo-dev"), "{summary}");
    assert!(
        summary.contains("deploy.env") && summary.contains("ci/job.yml"),
        "{summary}"
    );
    assert!(
        summary.contains("first seen 2024-01-02T12:00:00Z, last seen 2024-03-05T12:00:00Z"),
        "{summary}"
    );
    assert!(summary.contains("removed from HEAD, still in history"), "{summary}");
    assert_eq!(github.requests().len(), 1);

    let out = leakhound()
        .args(["git", "--no-config", "--format", "json", "--validate"])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com={}", github.url))
        .arg(&repo)
        .output()
        .unwrap();
    let report = json(&out.stdout);
    let exposed = &report["summary"]["exposure"]["live"][0];
    assert_eq!(exposed["present_at_head"], false);
    assert_eq!(exposed["commits"].as_array().unwrap().len(), 2);
    assert!(
        report["findings"][0]["git"].get("all_occurrences").is_none(),
        "occurrences are only listed with --all-occurrences"
    );
}

/// A TLS server on 127.0.0.1 with a self-signed certificate (not trusted by anyone): the
/// handshake must fail before a single byte of the request is sent.
#[test]
fn issuers_must_present_a_trusted_certificate() {
    use rustls_pki_types::pem::PemObject;
    use std::io::Read;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = rustls_pki_types::CertificateDer::pem_file_iter("tests/data/tls-self-signed-localhost.pem")
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file("tests/data/validation-test-rsa-key.pem").unwrap();
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let connection = rustls::ServerConnection::new(config).unwrap();
        let mut tls = rustls::StreamOwned::new(connection, stream);
        let mut received = Vec::new();
        // The client aborts the handshake: reading yields an error or nothing at all.
        let _ = tls.read_to_end(&mut received);
        received
    });
    let dir = TempDir::new().unwrap();
    write_tokens(&dir, &[R_LIVE]);
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json", "--validate"])
        .arg("--validation-endpoint")
        .arg(format!("api.github.com=https://localhost:{port}"))
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json(&out.stdout);
    let validation = &report["findings"][0]["validation"];
    assert_eq!(validation["status"], "unknown", "{report}");
    assert!(validation["reason"].as_str().unwrap().contains("TLS"), "{validation}");
    let received = server.join().unwrap();
    assert!(received.is_empty(), "no request bytes reached the untrusted server");
}

#[test]
fn requests_are_bounded_in_concurrency_and_rate() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (f, p, a) = (in_flight.clone(), peak.clone(), arrivals.clone());
    // A slow issuer: each answer takes 300 ms, so unbounded workers would overlap.
    let github = MockIssuer::start(move |_, _| {
        a.lock().unwrap().push(std::time::Instant::now());
        let now = f.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(300));
        f.fetch_sub(1, Ordering::SeqCst);
        Reply::new(401, "{}")
    });
    let dir = TempDir::new().unwrap();
    let randoms = [
        "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5",
        "p6Q7r8S9t0U1v2W3x4Y5z6A7b8C9d0",
        "E1f2G3h4I5j6K7l8M9n0O1p2Q3r4S5",
        "t6U7v8W9x0Y1z2A3b4C5d6E7f8G9h0",
    ];
    write_tokens(&dir, &randoms);
    let endpoint = format!("api.github.com={}", github.url);
    let out = leakhound()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--validate",
            "--validate-concurrency",
            "2",
        ])
        .args(["--validate-rate", "1000", "--validation-endpoint", &endpoint])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout)["summary"]["exposure"]["totals"]["revoked"], 4);
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "at most 2 requests in flight, and 2 were"
    );

    arrivals.lock().unwrap().clear();
    let out = leakhound()
        .args([
            "scan",
            "--no-config",
            "--format",
            "json",
            "--validate",
            "--validate-rate",
            "4",
        ])
        .args(["--validation-endpoint", &endpoint])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout)["summary"]["exposure"]["totals"]["requests"], 4);
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(200),
            "4 requests/s to one host: gap {gap:?}"
        );
    }
}

#[test]
fn gcp_service_account_keys_are_exchanged_at_the_token_endpoint() {
    let google = MockIssuer::start(|request, _| {
        let form_ok = request.url == "/token"
            && request
                .body
                .starts_with("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=");
        if form_ok {
            Reply::new(
                200,
                r#"{"access_token":"ya29.mock","expires_in":3599,"token_type":"Bearer"}"#,
            )
        } else {
            Reply::new(
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            )
        }
    });
    // A key file assembled at run time from the test-only RSA key.
    let pem = std::fs::read_to_string("tests/data/validation-test-rsa-key.pem").unwrap();
    // Fields in the order Google writes them: `type` first.
    let key_file = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-data-lake\",\n  \"private_key_id\": \"3f0c2a9e4b7d1e6a8c5f2b9d0e7a4c1f6b3d8e2a\",\n  \"private_key\": {},\n  \"client_email\": \"etl-runner@acme-data-lake.iam.gserviceaccount.com\",\n  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}}\n",
        serde_json::to_string(&pem).unwrap()
    );
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("sa.json"), key_file).unwrap();
    let out = leakhound()
        .args(["scan", "--no-config", "--format", "json", "--validate"])
        .arg("--validation-endpoint")
        .arg(format!("oauth2.googleapis.com={}", google.url))
        .arg(dir.path())
        .output()
        .unwrap();
    let report = json(&out.stdout);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "gcp-service-account-key")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(finding["validation"]["status"], "live", "{finding}");
    assert_eq!(finding["validation"]["identity"]["project"], "acme-data-lake");
    let requests = google.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        !requests[0].body.contains("PRIVATE KEY"),
        "only the signed assertion is sent"
    );
}
