//! The built-in catalogue: every rule's examples and negative examples, plus the promises
//! the catalogue makes (breadth, references, checksums on the formats that carry one).

use std::collections::HashSet;

use leakhound::rules::check::check_examples;
use leakhound::rules::{load_builtin, ChecksumKind, RuleSet};

fn builtin() -> RuleSet {
    RuleSet::compile(load_builtin().expect("built-in rules load")).expect("built-in rules compile")
}

#[test]
fn every_builtin_example_and_negative_example_behaves() {
    let rules = builtin();
    let report = check_examples(&rules, |_| true);
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("{} ({}): {}", f.rule, f.origin, f.problem))
        .collect();
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        report.examples >= 2 * rules.len(),
        "{} examples for {} rules",
        report.examples,
        rules.len()
    );
}

#[test]
fn every_builtin_rule_is_documented_and_tested() {
    for rule in &builtin().rules {
        let spec = &rule.spec;
        assert!(!spec.description.trim().is_empty(), "{} has no description", spec.id);
        assert!(
            spec.reference.as_deref().is_some_and(|r| r.starts_with("https://")),
            "{} needs an https reference to the provider's documentation",
            spec.id
        );
        assert!(!spec.examples.is_empty(), "{} has no examples", spec.id);
        assert!(
            !spec.negative_examples.is_empty(),
            "{} has no negative examples",
            spec.id
        );
    }
}

#[test]
fn catalogue_covers_the_most_leaked_credential_kinds() {
    let rules = builtin();
    assert!(rules.len() >= 80, "only {} rules", rules.len());
    let ids: HashSet<&str> = rules.rules.iter().map(|r| r.spec.id.as_str()).collect();
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-pat-classic",
        "github-pat-fine-grained",
        "gitlab-pat",
        "slack-bot-token",
        "slack-webhook-url",
        "stripe-secret-key",
        "openai-project-key",
        "anthropic-api-key",
        "google-api-key",
        "gcp-service-account-key",
        "azure-storage-connection-string",
        "twilio-api-key",
        "sendgrid-api-key",
        "mailgun-api-key",
        "npm-access-token",
        "pypi-api-token",
        "dockerhub-pat",
        "huggingface-access-token",
        "shopify-access-token",
        "discord-webhook-url",
        "telegram-bot-token",
        "digitalocean-pat",
        "heroku-api-key",
        "datadog-api-key",
        "newrelic-user-api-key",
        "sentry-user-auth-token",
        "atlassian-api-token",
        "databricks-pat",
        "vault-service-token",
        "terraform-cloud-token",
        "private-key-rsa",
        "private-key-ec",
        "private-key-dsa",
        "private-key-pkcs8",
        "private-key-openssh",
        "private-key-pgp",
        "jwt",
        "postgres-uri-password",
        "mysql-uri-password",
        "mongodb-uri-password",
        "redis-uri-password",
        "amqp-uri-password",
        "url-basic-auth",
    ] {
        assert!(ids.contains(id), "missing rule {id}");
    }
    for id in [
        "github-pat-classic",
        "github-oauth-token",
        "github-user-to-server-token",
        "github-server-to-server-token",
        "github-refresh-token",
        "npm-access-token",
    ] {
        assert_eq!(
            rules.get(id).and_then(|r| r.spec.checksum),
            Some(ChecksumKind::Crc32Base62),
            "{id} must verify its CRC32 checksum"
        );
    }
}

#[test]
fn keywords_are_specific_enough_for_the_prefilter() {
    let common_words: HashSet<&str> = [
        "key", "token", "secret", "password", "api", "auth", "http", "https", "the",
    ]
    .into_iter()
    .collect();
    // Key-name rules (`value_check`) exist to look at every secret-named assignment; their
    // regexes start with the keyword itself, so each hit costs one anchored attempt.
    for rule in builtin().rules.iter().filter(|r| r.spec.value_check.is_none()) {
        for keyword in &rule.spec.keywords {
            assert!(
                !common_words.contains(keyword.to_ascii_lowercase().as_str()),
                "{}: keyword {keyword:?} would hit nearly every file",
                rule.spec.id
            );
        }
    }
}
