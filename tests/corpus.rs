//! The labelled corpus (`corpus/`): realistic files holding random fake credentials and
//! decoys. Every labelled secret must be found by its rule, no decoy may be reported, and
//! nothing unlabelled may be reported either.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use leakhound::finding::Finding;
use leakhound::ignorefile::Suppressions;
use leakhound::rules::load_ruleset;
use leakhound::scan::{run, FindingSink, ScanOptions};
use serde::Deserialize;

#[derive(Deserialize)]
struct Label {
    path: String,
    rule: String,
    secret: String,
    kind: String,
}

#[derive(Default)]
struct Collect(Mutex<Vec<Finding>>);

impl FindingSink for Collect {
    fn accept(&self, findings: Vec<Finding>) {
        self.0.lock().unwrap().extend(findings);
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn labels() -> Vec<Label> {
    let text = std::fs::read_to_string(corpus_dir().join("labels.jsonl")).expect("corpus/labels.jsonl exists");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("each label line is JSON"))
        .collect()
}

fn scan_corpus() -> Vec<(String, String, String)> {
    let rules = load_ruleset(&[]).unwrap();
    let root = corpus_dir();
    let options = ScanOptions {
        paths: vec![root.clone()],
        // The repository's own .leakhoundignore excludes corpus/; this test wants it all.
        respect_ignore: false,
        ..ScanOptions::default()
    };
    let sink = Collect::default();
    let summary = run(&rules, &options, &Suppressions::none(), &sink, false, None);
    assert!(summary.files_scanned >= 20, "corpus too small: {summary:?}");
    assert!(summary.not_scanned.is_empty(), "{:?}", summary.not_scanned);
    let prefix = format!("{}/", root.display());
    sink.0
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|f| {
            let rel = f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_string();
            (rel, f.rule_id, f.secret.unwrap_or_default())
        })
        .filter(|(path, _, _)| path != "labels.jsonl" && path != "README.md" && path != "check_labels.py")
        .collect()
}

#[test]
fn every_labelled_secret_is_found_and_nothing_else() {
    let labels = labels();
    let found: BTreeSet<(String, String, String)> = scan_corpus().into_iter().collect();
    let positives: BTreeSet<(String, String, String)> = labels
        .iter()
        .filter(|l| l.kind == "secret")
        .map(|l| (l.path.clone(), l.rule.clone(), l.secret.clone()))
        .collect();
    assert!(positives.len() >= 60, "only {} labelled secrets", positives.len());
    let rules_covered: HashSet<&str> = positives.iter().map(|(_, r, _)| r.as_str()).collect();
    assert!(rules_covered.len() >= 40, "only {} rules covered", rules_covered.len());
    let missed: Vec<_> = positives.difference(&found).collect();
    assert!(missed.is_empty(), "labelled secrets not found: {missed:#?}");
    let decoys: HashSet<&str> = labels
        .iter()
        .filter(|l| l.kind == "decoy")
        .map(|l| l.secret.as_str())
        .collect();
    assert!(decoys.len() >= 40, "only {} decoys", decoys.len());
    let reported_decoys: Vec<_> = found.iter().filter(|(_, _, s)| decoys.contains(s.as_str())).collect();
    assert!(reported_decoys.is_empty(), "decoys reported: {reported_decoys:#?}");
    let unlabelled: Vec<_> = found.difference(&positives).collect();
    assert!(unlabelled.is_empty(), "unlabelled findings: {unlabelled:#?}");
}
