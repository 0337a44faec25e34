//! The GitHub Action's scan script (`action/run.sh`) run locally against fixture repositories,
//! with a fake event payload, temporary `GITHUB_OUTPUT`/`GITHUB_STEP_SUMMARY` files and the
//! leakhound binary of this build (`LEAKHOUND_BIN`). The SARIF upload is a separate step of
//! `action.yml`; here only the written file is checked.

mod common;
mod fixture_repo;

use std::path::Path;
use std::process::Output;

use fixture_repo::{env_line, random_token, Repo};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// What one run of the script produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
    sarif: Option<serde_json::Value>,
}

impl Run {
    fn output(&self, name: &str) -> Option<String> {
        self.outputs
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    fn results(&self) -> usize {
        self.sarif
            .as_ref()
            .and_then(|s| s["runs"][0]["results"].as_array().map(Vec::len))
            .unwrap_or(0)
    }

    fn everything(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}\n--- outputs\n{}\n--- summary\n{}\n--- sarif\n{}",
            self.code,
            self.stdout,
            self.stderr,
            self.outputs,
            self.summary,
            self.sarif.as_ref().map(ToString::to_string).unwrap_or_default()
        )
    }
}

/// Runs the action script in `repo` for `event` with `payload` and extra `INPUT_*` variables.
fn run_action(repo: &Repo, event: &str, payload: serde_json::Value, inputs: &[(&str, &str)]) -> Run {
    let github = tempfile::TempDir::new().expect("temp dir");
    let event_path = github.path().join("event.json");
    std::fs::write(&event_path, payload.to_string()).expect("event payload");
    let outputs = github.path().join("output");
    let summary = github.path().join("summary.md");
    let sarif = repo.path.join("leakhound.sarif");
    let _ = std::fs::remove_file(&sarif);
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/action/run.sh"))
        .current_dir(&repo.path)
        .env("LEAKHOUND_BIN", env!("CARGO_BIN_EXE_leakhound"))
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", github.path());
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    let out: Output = cmd.output().expect("bash runs");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: read(&outputs),
        summary: read(&summary),
        sarif: std::fs::read(&sarif).ok().map(|bytes| {
            let doc = serde_json::from_slice(&bytes).expect("the SARIF file is JSON");
            common::sarif_schema::assert_valid(&doc);
            doc
        }),
    }
}

/// `main` holds an old secret in `old.env`; `feature` adds `new` at line 3 of `app/settings.env`.
struct History {
    repo: Repo,
    old: String,
    new: String,
    base: String,
    head: String,
}

fn history() -> History {
    let repo = Repo::new();
    let old = random_token();
    let new = random_token();
    repo.commit_file("README.md", "fixture\n");
    let base = repo.commit_file("old.env", &env_line(&old));
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit_file("app/settings.env", &format!("# app\nDEBUG=false\n{}", env_line(&new)));
    let head = repo.commit_file("notes.txt", "nothing secret\n");
    History {
        repo,
        old,
        new,
        base,
        head,
    }
}

fn pull_request(base: &str, head: &str) -> serde_json::Value {
    serde_json::json!({
        "action": "synchronize",
        "pull_request": { "number": 7, "base": { "sha": base, "ref": "main" }, "head": { "sha": head, "ref": "feature" } },
        "repository": { "default_branch": "main" }
    })
}

fn push(before: &str, after: &str, branch: &str) -> serde_json::Value {
    serde_json::json!({
        "ref": format!("refs/heads/{branch}"),
        "before": before,
        "after": after,
        "created": before == ZERO,
        "deleted": false,
        "forced": false,
        "repository": { "default_branch": "main" }
    })
}

/// Asserts a failing run that reports exactly the new secret, redacted, everywhere.
fn assert_reports_only_the_new_secret(run: &Run, fixture: &History) {
    let all = run.everything();
    assert_eq!(run.code, Some(1), "{all}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::error file=app/settings.env,line=3")),
        "an annotation at the new secret: {all}"
    );
    assert!(run.summary.contains("app/settings.env"), "{all}");
    assert!(run.summary.contains('|'), "a findings table: {all}");
    assert!(
        !all.contains("old.env"),
        "the secret from before the range is not reported: {all}"
    );
    assert_eq!(run.results(), 1, "{all}");
    assert_eq!(run.output("findings").as_deref(), Some("1"), "{all}");
    assert_eq!(run.output("sarif").as_deref(), Some("leakhound.sarif"), "{all}");
    assert_eq!(run.output("exit-code").as_deref(), Some("1"), "{all}");
    assert!(
        !all.contains(&fixture.new) && !all.contains(&fixture.old),
        "redacted: {all}"
    );
}

#[test]
fn a_pull_request_adding_a_secret_fails_with_an_annotation_a_summary_and_sarif() {
    let fixture = history();
    let run = run_action(
        &fixture.repo,
        "pull_request",
        pull_request(&fixture.base, &fixture.head),
        &[],
    );
    assert_reports_only_the_new_secret(&run, &fixture);
}

#[test]
fn a_clean_pull_request_passes() {
    let fixture = history();
    let repo = &fixture.repo;
    repo.git(&["checkout", "-q", "-b", "clean", "main"]);
    let head = repo.commit_file("docs.md", "how to configure: set GITHUB_TOKEN in the environment\n");
    let run = run_action(repo, "pull_request", pull_request(&fixture.base, &head), &[]);
    assert_eq!(run.code, Some(0), "{}", run.everything());
    assert_eq!(run.output("findings").as_deref(), Some("0"));
    assert_eq!(run.results(), 0);
    assert!(!run.stdout.contains("::error"), "{}", run.everything());
}

#[test]
fn fail_on_findings_false_reports_without_failing() {
    let fixture = history();
    let run = run_action(
        &fixture.repo,
        "pull_request",
        pull_request(&fixture.base, &fixture.head),
        &[("INPUT_FAIL_ON_FINDINGS", "false"), ("INPUT_SUMMARY", "false")],
    );
    assert_eq!(run.code, Some(0), "{}", run.everything());
    assert_eq!(run.output("findings").as_deref(), Some("1"));
    assert!(run.summary.is_empty(), "summary off: {}", run.everything());
}

#[test]
fn a_push_scans_the_pushed_range() {
    let fixture = history();
    let run = run_action(
        &fixture.repo,
        "push",
        push(&fixture.base, &fixture.head, "feature"),
        &[],
    );
    assert_reports_only_the_new_secret(&run, &fixture);
}

#[test]
fn a_new_branch_push_scans_the_commits_not_on_the_default_branch() {
    let fixture = history();
    fixture
        .repo
        .git(&["update-ref", "refs/remotes/origin/main", &fixture.base]);
    let run = run_action(&fixture.repo, "push", push(ZERO, &fixture.head, "feature"), &[]);
    assert_reports_only_the_new_secret(&run, &fixture);
}

#[test]
fn a_forced_push_whose_old_tip_is_gone_falls_back_to_the_commits_not_on_the_default_branch() {
    let fixture = history();
    fixture
        .repo
        .git(&["update-ref", "refs/remotes/origin/main", &fixture.base]);
    let gone = "1234567890abcdef1234567890abcdef12345678";
    let run = run_action(&fixture.repo, "push", push(gone, &fixture.head, "feature"), &[]);
    assert_reports_only_the_new_secret(&run, &fixture);
    assert!(run.stdout.contains("forced push"), "{}", run.everything());
}

#[test]
fn a_shallow_checkout_fails_clearly_in_range_modes() {
    let fixture = history();
    let url = format!("file://{}", fixture.repo.path.display());
    let shallow = fixture.repo.sibling("shallow");
    let out = fixture
        .repo
        .command_in(
            fixture.repo.home.path(),
            &["clone", "-q", "--depth", "1", "--branch", "feature", &url, "shallow"],
        )
        .output()
        .expect("git clone");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let clone = Repo {
        home: tempfile::TempDir::new().expect("temp dir"),
        path: shallow,
    };
    let run = run_action(&clone, "pull_request", pull_request(&fixture.base, &fixture.head), &[]);
    assert_eq!(run.code, Some(2), "{}", run.everything());
    assert!(run.stdout.contains("fetch-depth: 0"), "{}", run.everything());
}

#[test]
fn a_baseline_suppresses_known_findings() {
    let fixture = history();
    let report = common::leakhound()
        .args(["git", "--format", "json", "-q", "--range"])
        .arg(format!("{}..{}", fixture.base, fixture.head))
        .current_dir(&fixture.repo.path)
        .output()
        .expect("leakhound runs");
    let doc = common::json(&report.stdout);
    let fingerprint = doc["findings"][0]["fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    let baseline = fixture.repo.sibling("baseline.txt");
    std::fs::write(&baseline, format!("# accepted\n{fingerprint}\n")).expect("baseline");
    let run = run_action(
        &fixture.repo,
        "pull_request",
        pull_request(&fixture.base, &fixture.head),
        &[("INPUT_BASELINE", baseline.to_str().expect("utf-8 path"))],
    );
    assert_eq!(run.code, Some(0), "{}", run.everything());
    assert_eq!(run.output("findings").as_deref(), Some("0"));
}

#[test]
fn directory_and_history_modes_and_extra_args() {
    let fixture = history();
    let run = run_action(&fixture.repo, "workflow_dispatch", serde_json::json!({}), &[]);
    assert_eq!(run.code, Some(1), "{}", run.everything());
    assert_eq!(
        run.output("findings").as_deref(),
        Some("2"),
        "full history: {}",
        run.everything()
    );

    let run = run_action(
        &fixture.repo,
        "push",
        serde_json::json!({}),
        &[("INPUT_MODE", "directory"), ("INPUT_ARGS", "--max-file-size '10 M'")],
    );
    assert_eq!(run.code, Some(1), "{}", run.everything());
    assert_eq!(
        run.output("findings").as_deref(),
        Some("2"),
        "the work tree holds both: {}",
        run.everything()
    );
}

#[test]
fn configuration_and_leakhound_errors_fail_with_exit_code_2() {
    let fixture = history();
    let run = run_action(
        &fixture.repo,
        "push",
        serde_json::json!({}),
        &[("INPUT_MODE", "everything")],
    );
    assert_eq!(run.code, Some(2), "{}", run.everything());
    assert!(run.stdout.contains("::error"), "{}", run.everything());

    let run = run_action(
        &fixture.repo,
        "schedule",
        serde_json::json!({}),
        &[("INPUT_ARGS", "--no-such-flag")],
    );
    assert_eq!(run.code, Some(2), "{}", run.everything());
    assert!(run.stdout.contains("not findings"), "{}", run.everything());
}
