//! The checked-in examples for auditing an organization across machines stay consistent with
//! the CLI: every shard number is covered exactly once, and every flag they use exists.

mod common;

use common::leakhound;

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of the first `key: value` line (quotes stripped).
fn value(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(&format!("{key}:")))
        .map(|v| v.split('#').next().unwrap_or("").trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("no {key}"))
}

/// Every `--flag` used after `leakhound SUBCOMMAND` in a script, as (subcommand, flag).
fn flags(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.split("leakhound ").nth(1).filter(|_| !line.starts_with('#')) {
            let words: Vec<&str> = rest.split_whitespace().collect();
            current = match words.first() {
                Some(&"datastore") => Some("datastore merge".into()),
                Some(sub) if ["audit", "report"].contains(sub) => Some(sub.to_string()),
                _ => None,
            };
        }
        if let Some(sub) = &current {
            for word in line.split_whitespace().filter(|w| w.starts_with("--")) {
                out.push((sub.clone(), word.trim_end_matches(['\\', ';']).to_string()));
            }
            if !line.ends_with('\\') {
                current = None;
            }
        }
    }
    out
}

fn assert_flags_exist(text: &str) {
    let used = flags(text);
    assert!(used.iter().any(|(_, f)| f == "--shard"), "{used:?}");
    for (sub, flag) in used {
        let mut command = leakhound();
        command.args(sub.split(' ')).arg("--help");
        let help = String::from_utf8(command.output().expect("runs").stdout).expect("utf-8");
        assert!(help.contains(&flag), "leakhound {sub} has no {flag}");
    }
}

#[test]
fn the_github_actions_matrix_covers_every_shard_once() {
    let text = read("examples/github-actions/org-audit.yml");
    let shards: u32 = value(&text, "SHARDS").parse().expect("SHARDS is a number");
    let matrix = value(&text, "shard");
    let listed: Vec<u32> = matrix
        .trim_matches(['[', ']'])
        .split(',')
        .map(|n| n.trim().parse().expect("shard number"))
        .collect();
    assert_eq!(listed, (1..=shards).collect::<Vec<_>>());
    assert!(text.contains("--shard \"${{ matrix.shard }}/${SHARDS}\""));
    assert!(text.contains("leakhound datastore merge shard-*.db"));
    assert_flags_exist(&text);
}

#[test]
fn the_kubernetes_indexed_job_maps_every_completion_index_to_a_shard() {
    let text = read("examples/kubernetes/org-audit-job.yaml");
    assert_eq!(value(&text, "completionMode"), "Indexed");
    let completions = value(&text, "completions");
    assert_eq!(completions, value(&text, "parallelism"));
    assert_eq!(completions, value(&text, "value"), "SHARDS is the first env value");
    assert!(text.contains("shard=$((JOB_COMPLETION_INDEX + 1))"));
    assert!(text.contains("--shard \"$shard/$SHARDS\""));
    assert_flags_exist(&text);
    let merge = read("examples/kubernetes/org-audit-merge-job.yaml");
    assert!(merge.contains("leakhound datastore merge /data/shard-*.db -o"));
    assert_flags_exist(&format!("{text}\n{merge}"));
}
