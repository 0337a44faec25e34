//! Runs every rule's examples: the proof that a rule finds what it claims and stays quiet
//! on what it should ignore. Used by `leakhound rules check` and by `cargo test`.

use crate::engine::{self, Scratch};
use crate::finding::build_findings;

use rayon::prelude::*;

use super::{CompiledRule, RuleSet};

/// One example that did not behave as its rule file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    pub origin: String,
    pub problem: String,
}

/// Totals of a check run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub rules: usize,
    pub examples: usize,
    pub negative_examples: usize,
    pub failures: Vec<ExampleFailure>,
}

/// Checks the examples of the rules selected by `selected` (all when it returns true),
/// scanning each example with the whole rule set, as a real scan would. Rules are checked in
/// parallel; failures come back in catalogue order.
pub fn check_examples(rules: &RuleSet, selected: impl Fn(&str) -> bool + Sync) -> CheckReport {
    let per_rule: Vec<CheckReport> = rules
        .rules
        .par_iter()
        .filter(|r| selected(&r.spec.id))
        .map_init(Scratch::new, |scratch, rule| check_rule(rules, rule, scratch))
        .collect();
    let mut report = CheckReport::default();
    for part in per_rule {
        report.rules += part.rules;
        report.examples += part.examples;
        report.negative_examples += part.negative_examples;
        report.failures.extend(part.failures);
    }
    report
}

fn check_rule(rules: &RuleSet, rule: &CompiledRule, scratch: &mut Scratch) -> CheckReport {
    let mut report = CheckReport {
        rules: 1,
        ..CheckReport::default()
    };
    let mut matches = Vec::new();
    let id = &rule.spec.id;
    let fail = |problem: String| ExampleFailure {
        rule: id.clone(),
        origin: rule.origin.clone(),
        problem,
    };
    if rule.spec.examples.is_empty() {
        report.failures.push(fail("has no examples".into()));
    }
    for (n, example) in rule.spec.examples.iter().enumerate() {
        report.examples += 1;
        matches.clear();
        engine::scan_file(
            rules,
            example.path.as_deref(),
            example.text.as_bytes(),
            scratch,
            &mut matches,
        );
        let findings = build_findings(rules, "example", example.text.as_bytes(), &matches);
        let own: Vec<_> = findings.iter().filter(|f| f.rule_id == *id).collect();
        let Some(hit) = own
            .iter()
            .find(|f| f.secret.as_deref() == Some(example.secret.as_str()))
        else {
            let got: Vec<&str> = own.iter().filter_map(|f| f.secret.as_deref()).collect();
            report.failures.push(fail(format!(
                "example {} not found: expected secret {:?}, rule reported {:?}",
                n + 1,
                example.secret,
                got
            )));
            continue;
        };
        for (name, expected) in &example.companions {
            if hit.companions.get(name) != Some(expected) {
                report.failures.push(fail(format!(
                    "example {}: companion '{name}' expected {:?}, got {:?}",
                    n + 1,
                    expected,
                    hit.companions.get(name)
                )));
            }
        }
    }
    for (n, text) in rule.spec.negative_examples.iter().enumerate() {
        report.negative_examples += 1;
        matches.clear();
        // A rule that runs by file name is shown its negatives at its first example's path.
        let path = rule.spec.examples.first().and_then(|e| e.path.as_deref());
        engine::scan_file(rules, path, text.as_bytes(), scratch, &mut matches);
        let found: Vec<String> = build_findings(rules, "example", text.as_bytes(), &matches)
            .into_iter()
            .filter(|f| f.rule_id == *id)
            .filter_map(|f| f.secret)
            .collect();
        if !found.is_empty() {
            report
                .failures
                .push(fail(format!("negative example {} was reported: {:?}", n + 1, found)));
        }
    }
    report.failures.extend(check_validator(rule).into_iter().map(fail));
    report
}

/// Checks a rule's validator against its own examples: the request for the first example
/// goes to the issuer's host over https, the recorded live answer reads as live with the
/// recorded identity, and a refusal does not read as live.
fn check_validator(rule: &CompiledRule) -> Vec<String> {
    use crate::validate::{Context, Credential, HttpResponse, Outcome};
    let (Some(validator), Some(spec)) = (&rule.validator, &rule.spec.validate) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let Some(first) = rule.spec.examples.first() else {
        return problems;
    };
    let credential = Credential {
        rule_id: &rule.spec.id,
        secret: &first.secret,
        companions: &first.companions,
    };
    let context = Context::default();
    let has_companions = validator
        .required_companions()
        .iter()
        .all(|name| first.companions.contains_key(name));
    // Builtin validators are tested in their own modules (a fake key cannot be signed with).
    if has_companions && spec.builtin.is_none() {
        match validator.prepare(&credential, &context) {
            Ok(request) => {
                let host = request.host().unwrap_or_default();
                if !request.url.starts_with("https://") || !validator.permits_host(&host, &context) {
                    problems.push(format!("validate: the request for example 1 goes to {:?}", request.url));
                }
            }
            Err(reason) => problems.push(format!("validate: no request for example 1: {reason}")),
        }
    }
    if spec.builtin.is_some() {
        return problems;
    }
    let Some(example) = &spec.example else {
        if rule.builtin {
            problems.push("validate: has no example of a live answer ([rule.validate.example])".into());
        }
        return problems;
    };
    let live = HttpResponse {
        status: example
            .status
            .unwrap_or_else(|| spec.live.status.first().copied().unwrap_or(200)),
        headers: example
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
        body: example.body.as_bytes().to_vec(),
    };
    match validator.interpret(&credential, &live) {
        Outcome::Live(identity) if identity == example.identity => {}
        Outcome::Live(identity) => problems.push(format!(
            "validate: the example answer gives identity {identity:?}, expected {:?}",
            example.identity
        )),
        other => problems.push(format!("validate: the example answer reads as {other:?}, not live")),
    }
    let refused_status = spec
        .revoked
        .as_ref()
        .and_then(|r| r.status.first().copied())
        .unwrap_or(401);
    let refused = HttpResponse {
        status: refused_status,
        headers: Vec::new(),
        body: br#"{"error":"invalid credentials"}"#.to_vec(),
    };
    if let Outcome::Live(_) = validator.interpret(&credential, &refused) {
        problems.push(format!("validate: an HTTP {refused_status} refusal reads as live"));
    }
    problems
}
