//! Validation of SARIF logs against the official SARIF 2.1.0 JSON schema (vendored in
//! `tests/data`), shared by every test that produces SARIF.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path).expect("the vendored SARIF schema is readable");
        let mut schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
        // The official schema's `language` patterns (of `run` and `toolComponent`) have a
        // stray `]`, which strict checking of the schema itself rejects; leakhound never writes
        // `language`, so they are replaced in memory by the pattern they mean. Everything else
        // is as published.
        let fixed = fix_language_patterns(&mut schema);
        assert_eq!(fixed, 2, "the known schema quirk is where it was");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

fn fix_language_patterns(node: &mut Value) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match node {
        Value::Object(map) => {
            let mut fixed = 0;
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                map.insert("pattern".into(), Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"));
                fixed += 1;
            }
            fixed + map.values_mut().map(fix_language_patterns).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

/// True when `doc` satisfies the schema (for tests that show the validator catches errors).
pub fn is_valid(doc: &Value) -> bool {
    validator().is_valid(doc)
}

/// Panics with every schema violation of `doc`.
pub fn assert_valid(doc: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
}
