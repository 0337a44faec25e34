//! End-to-end tests of `--format sarif` against what GitHub code scanning needs: every log the
//! tests produce is validated against the official SARIF 2.1.0 schema (vendored in
//! `tests/data`) and checked for GitHub's rules (driver, rules, results, locations, stable
//! fingerprints), and no log may hold a secret or a long piece of one, whatever the flags.
//! Fixture repositories are built with the `git` CLI, isolated from the machine's
//! configuration; leakhound itself never runs git. Every credential here is a random fake.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use common::{github_token, leakhound};
use serde_json::Value;
use tempfile::TempDir;

// Random parts of fake tokens ([A-Za-z0-9]{30}, from Python's `secrets`).
const GH_MAIN: &str = "1TZAbY3a5k1HdJ66FanGlMywWp0MNp";
const GH_SECOND: &str = "RxBSPLbO96FfpM1vCbzwSSbnDYBZ1j";
const GH_HISTORY: &str = "DUztcR2vFjyFp9CPR3PhgGFX1AmXiv";
const GH_MOVED: &str = "PlQTMbmowi7EgPl0WQz6lwEJWvAC56";
const GH_OTHER: &str = "jbayUzbDQUjrEymhuGricgQ9fE11PQ";
const GH_ENCODED: &str = "7YqfRcYGTLv5LoWQfnPD98leuVeHac";
const STRIPE_LIVE: &str = "RrJiX7Pb6yVE8EmVCo0uWC26yGCmhh";
const STRIPE_TEST: &str = "HNjEjUSaqdpoo0kRjDWLeu0RBxskQ2";

/// Shortest piece of a secret that must not appear in a log (the redacted form shows at most
/// four characters; provider prefixes such as `sk_live_` are public and excluded).
const PIECE: usize = 8;

fn stripe_live() -> String {
    ["sk_", "live_", STRIPE_LIVE].concat()
}

fn stripe_test() -> String {
    ["sk_", "test_", STRIPE_TEST].concat()
}

/// The fake AWS key pair of the rule catalogue's examples (`rules/aws.toml`).
fn aws_pair() -> (String, String) {
    (
        ["AK", "IATN4IGPRYQ7K3T3SO"].concat(),
        ["yvHnzlvpwSfYsE1cGJG8T3L99", "wnHjyiYITvwiunB"].concat(),
    )
}

/// The secret parts of a credential that must never leak: all but a public prefix.
fn private_part(secret: &str) -> &str {
    for prefix in ["ghp_", "sk_live_", "sk_test_"] {
        if let Some(rest) = secret.strip_prefix(prefix) {
            return rest;
        }
    }
    secret
}

/// Fails when `text` holds `secret` or any [`PIECE`]-character piece of its private part.
fn assert_no_secret(text: &str, secret: &str) {
    assert!(!text.contains(secret), "the SARIF log holds the secret {secret}");
    let private = private_part(secret);
    for start in 0..=private.len().saturating_sub(PIECE) {
        let piece = &private[start..start + PIECE];
        assert!(
            !text.contains(piece),
            "the SARIF log holds {piece:?}, a piece of the secret {secret}"
        );
    }
}

/// Validates a log against the SARIF 2.1.0 schema, then checks GitHub's rules.
fn check(text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).expect("the SARIF log is JSON");
    common::sarif_schema::assert_valid(&doc);
    check_github_rules(&doc);
    doc
}

fn text_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| panic!("{what} is missing or empty: {value}"))
}

fn check_github_rules(doc: &Value) {
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leakhound");
    let version = text_of(&driver["semanticVersion"], "semanticVersion");
    assert_eq!(version.split('.').count(), 3, "semantic version {version}");
    assert!(text_of(&driver["informationUri"], "informationUri").starts_with("https://"));

    let rules = driver["rules"].as_array().expect("driver.rules");
    let mut ids = BTreeSet::new();
    for rule in rules {
        let id = text_of(&rule["id"], "rule id");
        assert!(ids.insert(id.to_string()), "rule {id} listed twice");
        text_of(&rule["name"], "rule name");
        text_of(&rule["shortDescription"]["text"], "shortDescription");
        text_of(&rule["fullDescription"]["text"], "fullDescription");
        let help = text_of(&rule["help"]["text"], "help.text");
        let markdown = text_of(&rule["help"]["markdown"], "help.markdown");
        let reference = text_of(&rule["helpUri"], "helpUri");
        for needle in ["leaked", "matters", "otate"] {
            assert!(help.contains(needle), "help.text of {id} lacks {needle:?}: {help}");
            assert!(markdown.contains(needle), "help.markdown of {id} lacks {needle:?}");
        }
        assert!(help.contains(reference), "help.text of {id} links the provider");
        assert!(
            markdown.contains(&format!("]({reference})")),
            "help.markdown of {id} links the provider"
        );
        let level = text_of(&rule["defaultConfiguration"]["level"], "defaultConfiguration.level");
        assert!(["error", "warning", "note"].contains(&level));
        let props = &rule["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            tags.contains(&"security") && tags.contains(&"secret"),
            "tags of {id}: {tags:?}"
        );
        assert!(["very-high", "high", "medium", "low"].contains(&text_of(&props["precision"], "precision")));
        let severity: f64 = text_of(&props["security-severity"], "security-severity")
            .parse()
            .expect("security-severity is a number in a string");
        assert!((0.0..=10.0).contains(&severity));
    }

    let bases = run["originalUriBaseIds"].as_object().expect("originalUriBaseIds");
    for (name, base) in bases {
        let uri = text_of(&base["uri"], "base uri");
        assert!(uri.starts_with("file:///") && uri.ends_with('/'), "{name} = {uri}");
    }
    let results = run["results"].as_array().expect("results");
    let mut used = BTreeSet::new();
    let mut identities = BTreeSet::new();
    for result in results {
        let rule_id = text_of(&result["ruleId"], "ruleId");
        used.insert(rule_id.to_string());
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at the result's rule");
        assert!(["error", "warning", "note"].contains(&text_of(&result["level"], "level")));
        let message = text_of(&result["message"]["text"], "message");
        let title = message.split(". ").next().unwrap_or_default();
        assert!(
            title.len() < 200 && title.contains(rules[index]["name"].as_str().unwrap_or_default()),
            "the first sentence names the credential: {message}"
        );
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let physical = &locations[0]["physicalLocation"];
        let artifact = &physical["artifactLocation"];
        let uri = text_of(&artifact["uri"], "uri");
        assert!(!uri.contains('\\'), "{uri}");
        if let Some(base) = artifact["uriBaseId"].as_str() {
            assert!(bases.contains_key(base), "uriBaseId {base} is defined");
            assert!(
                !uri.starts_with('/') && !uri.starts_with("./") && !uri.contains("/./"),
                "{uri}"
            );
            assert!(!uri.split('/').any(|s| s == ".."), "{uri}");
        }
        let region = &physical["region"];
        let field = |name: &str| {
            region[name]
                .as_u64()
                .unwrap_or_else(|| panic!("region.{name}: {region}"))
        };
        let (start_line, start_column, end_line, end_column) = (
            field("startLine"),
            field("startColumn"),
            field("endLine"),
            field("endColumn"),
        );
        assert!(start_line >= 1 && start_column >= 1);
        assert!((end_line, end_column) > (start_line, start_column), "{region}");
        let fingerprint = text_of(&result["partialFingerprints"]["leakhound/v1"], "partialFingerprints");
        assert!(
            identities.insert((rule_id.to_string(), uri.to_string(), fingerprint.to_string())),
            "two results share an identity: {fingerprint} in {uri}"
        );
    }
    let listed: BTreeSet<String> = ids;
    assert_eq!(listed, used, "driver.rules lists exactly the rules the results use");
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().expect("results")
}

fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_default()
}

fn region(result: &Value) -> (u64, u64) {
    let region = &result["locations"][0]["physicalLocation"]["region"];
    (
        region["startLine"].as_u64().unwrap_or_default(),
        region["startColumn"].as_u64().unwrap_or_default(),
    )
}

fn identity(result: &Value) -> String {
    result["partialFingerprints"]["leakhound/v1"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn by_rule<'a>(doc: &'a Value, rule: &str) -> Vec<&'a Value> {
    results(doc).iter().filter(|r| r["ruleId"] == rule).collect()
}

/// Runs `leakhound scan --format sarif` with `args` in `cwd`; returns exit code, log, stderr.
fn scan_sarif(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = leakhound()
        .current_dir(cwd)
        .args(["scan", "--format", "sarif"])
        .args(args)
        .output()
        .expect("leakhound runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("SARIF is UTF-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(root: &Path, name: &str, content: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, content).expect("write");
}

/// A tree with several providers, two secrets on one line, the same secret twice in a file,
/// an encoded secret, a file name that needs escaping, and AWS companions.
fn fixture_tree() -> (TempDir, Vec<String>) {
    let dir = TempDir::new().expect("tempdir");
    let main = github_token(GH_MAIN);
    let second = github_token(GH_SECOND);
    let encoded = github_token(GH_ENCODED);
    let (key_id, key_secret) = aws_pair();
    write(
        dir.path(),
        "config/app.env",
        &format!(
            "# app\nGITHUB_TOKEN={main}\nSTRIPE_KEY={} STRIPE_TEST_KEY={}\n",
            stripe_live(),
            stripe_test()
        ),
    );
    write(
        dir.path(),
        "src/deploy script.sh",
        &format!("export GH_TOKEN={second}\necho done\n# again\nexport GH_TOKEN_COPY={second}\n"),
    );
    write(
        dir.path(),
        "src/aws.py",
        &format!("s3 = boto3.client(\"s3\", aws_access_key_id=\"{key_id}\", aws_secret_access_key=\"{key_secret}\")\n"),
    );
    let blob = base64::engine::general_purpose::STANDARD.encode(format!("GITHUB_TOKEN={encoded}\n"));
    write(dir.path(), "k8s/secret.yaml", &format!("data:\n  env: {blob}\n"));
    let secrets = vec![
        main,
        second,
        encoded,
        stripe_live(),
        stripe_test(),
        key_id,
        key_secret,
        blob,
    ];
    (dir, secrets)
}

#[test]
fn a_directory_scan_is_valid_sarif_for_github_and_never_holds_a_secret() {
    let (dir, secrets) = fixture_tree();
    for flags in [&[][..], &["--show-secrets"][..], &["--redact"][..], &["--explain"][..]] {
        let mut args = flags.to_vec();
        args.push(".");
        let (code, text, _) = scan_sarif(dir.path(), &args);
        assert_eq!(code, 1, "findings exit 1");
        for secret in &secrets {
            assert_no_secret(&text, secret);
        }
        let doc = check(&text);
        let uris: BTreeSet<&str> = results(&doc).iter().map(uri).collect();
        let expected: BTreeSet<&str> = [
            "config/app.env",
            "k8s/secret.yaml",
            "src/aws.py",
            "src/deploy%20script.sh",
        ]
        .into_iter()
        .collect();
        assert_eq!(uris, expected, "{flags:?}");
        let base = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(base.ends_with('/'), "{base}");
    }
}

#[test]
fn results_carry_rule_levels_regions_messages_and_properties() {
    let (dir, _) = fixture_tree();
    let (_, text, _) = scan_sarif(dir.path(), &[dir.path().to_str().expect("utf-8 temp path")]);
    let doc = check(&text);
    let github = by_rule(&doc, "github-pat-classic");
    let in_config: Vec<&&Value> = github.iter().filter(|r| uri(r) == "config/app.env").collect();
    assert_eq!(in_config.len(), 1);
    let result = in_config[0];
    assert_eq!(result["level"], "error");
    assert_eq!(region(result), (2, 14));
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["endLine"], 2);
    assert_eq!(region["endColumn"], 14 + 40);
    let message = result["message"]["text"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("GitHub personal access token (classic) hardcoded in config/app.env."),
        "{message}"
    );
    assert_eq!(result["properties"]["severity"], "critical");
    assert_eq!(result["properties"]["redacted"], "ghp_********");

    let live = &by_rule(&doc, "stripe-secret-key")[0];
    let test = &by_rule(&doc, "stripe-test-secret-key")[0];
    assert_eq!(live["level"], "error");
    assert_eq!(test["level"], "note");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).expect("rule listed");
    assert_eq!(rule("stripe-secret-key")["properties"]["security-severity"], "9.5");
    assert_eq!(rule("stripe-test-secret-key")["properties"]["security-severity"], "3.0");

    let aws = &by_rule(&doc, "aws-access-key-id")[0];
    assert!(aws["properties"]["companions"]["secret_access_key"]
        .as_str()
        .is_some_and(|v| v.ends_with("********")));
    assert!(aws["properties"]["attributes"]["aws_account_id"].is_string());

    let encoded: Vec<&&Value> = github.iter().filter(|r| uri(r) == "k8s/secret.yaml").collect();
    assert_eq!(encoded.len(), 1);
    assert_eq!(encoded[0]["properties"]["encoding"], "base64");
}

#[test]
fn uris_are_relative_to_the_repository_holding_the_scanned_paths() {
    let (dir, secrets) = fixture_tree();
    // A work tree: the root is where `.git` is, whatever subdirectory is scanned.
    std::fs::create_dir(dir.path().join(".git")).expect("mkdir .git");
    let (_, text, _) = scan_sarif(&dir.path().join("src"), &["."]);
    let doc = check(&text);
    let uris: BTreeSet<&str> = results(&doc).iter().map(uri).collect();
    assert_eq!(
        uris,
        ["src/aws.py", "src/deploy%20script.sh"].into_iter().collect(),
        "paths are the repository's, not the scanned directory's"
    );
    let (_, text, _) = scan_sarif(dir.path(), &["config", "./src/../k8s"]);
    let doc = check(&text);
    let uris: BTreeSet<&str> = results(&doc).iter().map(uri).collect();
    assert_eq!(uris, ["config/app.env", "k8s/secret.yaml"].into_iter().collect());
    let root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap_or_default();
    let canonical = std::fs::canonicalize(dir.path()).expect("canonical temp dir");
    let expected: [PathBuf; 2] = [dir.path().to_path_buf(), canonical];
    assert!(
        expected
            .iter()
            .any(|p| root == format!("file://{}/", p.display()).as_str()),
        "{root}"
    );
    for secret in &secrets {
        assert_no_secret(&text, secret);
    }
}

#[test]
fn output_files_and_standard_input_are_valid_too() {
    let (dir, secrets) = fixture_tree();
    let out = dir.path().join("report.sarif");
    let (code, stdout, _) = scan_sarif(
        dir.path(),
        &["--show-secrets", "-o", out.to_str().expect("utf-8 path"), "config"],
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out).expect("report written");
    check(&text);
    for secret in &secrets {
        assert_no_secret(&text, secret);
    }
    let token = github_token(GH_OTHER);
    let output = leakhound()
        .args(["scan", "--format", "sarif", "-"])
        .write_stdin(format!("GITHUB_TOKEN={token}\n"))
        .output()
        .expect("leakhound runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert_no_secret(&text, &token);
    let doc = check(&text);
    assert_eq!(uri(&results(&doc)[0]), "stdin");
}

#[test]
fn a_clean_tree_gives_an_empty_valid_run() {
    let dir = TempDir::new().expect("tempdir");
    write(dir.path(), "README.md", "nothing to see\n");
    let (code, text, _) = scan_sarif(dir.path(), &["."]);
    assert_eq!(code, 0);
    let doc = check(&text);
    assert!(results(&doc).is_empty());
    assert!(doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .is_some_and(Vec::is_empty));
}

#[test]
fn identity_survives_moved_lines_and_tells_secrets_and_copies_apart() {
    let dir = TempDir::new().expect("tempdir");
    let moved = github_token(GH_MOVED);
    let other = github_token(GH_OTHER);
    write(dir.path(), "app.env", &format!("TOKEN={moved}\n"));
    let (_, before, _) = scan_sarif(dir.path(), &["."]);
    let before = check(&before);
    // A later commit adds lines above and reindents: same alert.
    write(
        dir.path(),
        "app.env",
        &format!("# settings\n# more settings\n\n    TOKEN = \"{moved}\"\n"),
    );
    let (_, after, _) = scan_sarif(dir.path(), &["."]);
    let after = check(&after);
    let (b, a) = (&results(&before)[0], &results(&after)[0]);
    assert_ne!(region(b), region(a), "the line moved");
    assert_eq!(identity(b), identity(a), "the alert identity did not");
    assert_eq!(
        identity(a),
        a["properties"]["fingerprint"].as_str().unwrap_or_default(),
        "the first copy is identified by the content fingerprint alone"
    );
    // A different secret on that line is a different alert.
    write(
        dir.path(),
        "app.env",
        &format!("# settings\n# more settings\n\n    TOKEN = \"{other}\"\n"),
    );
    let (_, replaced, _) = scan_sarif(dir.path(), &["."]);
    let replaced = check(&replaced);
    assert_ne!(identity(&results(&replaced)[0]), identity(a));
    // Two copies of one secret in a file are two alerts; the first keeps its identity.
    write(
        dir.path(),
        "app.env",
        &format!("TOKEN={moved}\n# backup\nTOKEN_OLD={moved}\n"),
    );
    let (_, copies, _) = scan_sarif(dir.path(), &["."]);
    let copies = check(&copies);
    let ids: Vec<String> = results(&copies).iter().map(identity).collect();
    assert_eq!(ids, [identity(a), format!("{}:2", identity(a))]);
}

/// A fixture repository driven by the git CLI with a configuration isolated from the machine.
struct Repo {
    _dir: TempDir,
    path: PathBuf,
    day: u32,
}

impl Repo {
    fn new() -> Repo {
        let dir = TempDir::new().expect("tempdir");
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).expect("mkdir");
        let repo = Repo {
            _dir: dir,
            path,
            day: 1,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let home = self.path.parent().expect("a parent");
        let empty = home.join("gitconfig");
        if !empty.exists() {
            std::fs::write(&empty, "").expect("write gitconfig");
        }
        let date = format!("2024-02-{:02}T12:00:00Z", self.day);
        let out = Command::new("git")
            .current_dir(&self.path)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", &empty)
            .env("HOME", home)
            .env("GIT_AUTHOR_NAME", "Dana Developer")
            .env("GIT_AUTHOR_EMAIL", "dana@example.test")
            .env("GIT_COMMITTER_NAME", "Dana Developer")
            .env("GIT_COMMITTER_EMAIL", "dana@example.test")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "gc.auto=0",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn commit(&mut self, files: &[(&str, &str)], message: &str) -> String {
        for (name, content) in files {
            write(&self.path, name, content);
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.day += 1;
        self.git(&["rev-parse", "HEAD"])
    }

    fn sarif(&self, extra: &[&str]) -> String {
        let out = leakhound()
            .arg("git")
            .arg(&self.path)
            .args(["--format", "sarif"])
            .args(extra)
            .output()
            .expect("leakhound runs");
        String::from_utf8(out.stdout).expect("UTF-8")
    }
}

#[test]
fn history_results_carry_commit_author_and_date_and_no_secret() {
    let history = github_token(GH_HISTORY);
    let kept = github_token(GH_MAIN);
    let mut repo = Repo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    // The commit message quotes the secret: its summary must be scrubbed too.
    let added = repo.commit(
        &[("config/app.env", &format!("# app\nGITHUB_TOKEN={history}\n"))],
        &format!("add token {history} for CI"),
    );
    repo.commit(
        &[("config/app.env", "# app\nGITHUB_TOKEN=${GITHUB_TOKEN}\n")],
        "use env",
    );
    let kept_at = repo.commit(&[("deploy/run.sh", &format!("export TOKEN={kept}\n"))], "deploy");
    for flags in [&[][..], &["--show-secrets"][..], &["--all-occurrences"][..]] {
        let text = repo.sarif(flags);
        assert_no_secret(&text, &history);
        assert_no_secret(&text, &kept);
        let doc = check(&text);
        let results = results(&doc);
        assert_eq!(results.len(), 2, "{text}");
        let gone = results
            .iter()
            .find(|r| uri(r) == "config/app.env")
            .expect("the deleted secret is reported");
        let props = &gone["properties"];
        assert_eq!(props["commit"], added.as_str());
        assert_eq!(props["author"], "Dana Developer");
        assert_eq!(props["authorEmail"], "dana@example.test");
        assert!(
            props["date"].as_str().is_some_and(|d| d.starts_with("2024-02-02")),
            "{props}"
        );
        assert_eq!(props["presentAtHead"], false);
        assert!(props["commitSummary"]
            .as_str()
            .is_some_and(|s| s.starts_with("add token ghp_") && s.ends_with("for CI")));
        let message = gone["message"]["text"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("GitHub personal access token (classic) in the git history of config/app.env."),
            "{message}"
        );
        assert!(message.contains(&added[..12]), "{message}");
        let present = results
            .iter()
            .find(|r| uri(r) == "deploy/run.sh")
            .expect("the kept secret is reported");
        assert_eq!(present["properties"]["commit"], kept_at.as_str());
        assert_eq!(present["properties"]["presentAtHead"], true);
        let root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap_or_default();
        assert!(root.ends_with("/repo/"), "the repository is the root: {root}");
    }
}

#[test]
fn a_history_alert_keeps_its_identity_when_a_later_commit_moves_the_line() {
    let token = github_token(GH_MOVED);
    let mut repo = Repo::new();
    repo.commit(&[("app.env", &format!("TOKEN={token}\n"))], "add");
    let before = check(&repo.sarif(&[]));
    repo.commit(
        &[("app.env", &format!("# header\n# more\nTOKEN={token}\n"))],
        "reformat",
    );
    let head = repo.git(&["rev-parse", "HEAD~1"]);
    let range = format!("{head}..HEAD");
    // Scanning the new commit alone reports nothing new; the full history keeps the alert.
    let after = check(&repo.sarif(&[]));
    let fingerprints = |doc: &Value| -> BTreeMap<String, String> {
        results(doc).iter().map(|r| (uri(r).to_string(), identity(r))).collect()
    };
    assert_eq!(fingerprints(&before), fingerprints(&after));
    let in_range = check(&repo.sarif(&["--range", &range]));
    assert!(results(&in_range).is_empty(), "moving a line introduces no secret");
    // The working tree scan of the moved line matches the history alert.
    let (_, tree, _) = scan_sarif(&repo.path, &["."]);
    let tree = check(&tree);
    assert_eq!(fingerprints(&tree), fingerprints(&after));
}

#[test]
fn staged_secrets_are_reported_as_staged() {
    let token = github_token(GH_OTHER);
    let mut repo = Repo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    write(&repo.path, "new.env", &format!("TOKEN={token}\n"));
    repo.git(&["add", "new.env"]);
    let text = repo.sarif(&["--staged"]);
    assert_no_secret(&text, &token);
    let doc = check(&text);
    let result = &results(&doc)[0];
    assert_eq!(uri(result), "new.env");
    assert_eq!(result["properties"]["staged"], true);
    let message = result["message"]["text"].as_str().unwrap_or_default();
    assert!(message.contains("staged for commit in new.env."), "{message}");
}

#[test]
fn the_schema_check_rejects_a_broken_log() {
    let dir = TempDir::new().expect("tempdir");
    write(dir.path(), "app.env", &format!("TOKEN={}\n", github_token(GH_OTHER)));
    let (_, text, _) = scan_sarif(dir.path(), &["."]);
    let mut doc = check(&text);
    assert!(common::sarif_schema::is_valid(&doc));
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!common::sarif_schema::is_valid(&doc), "an unknown level is caught");
    doc["runs"][0]["results"][0]["level"] = Value::from("error");
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    assert!(!common::sarif_schema::is_valid(&doc), "a line 0 is caught");
}
