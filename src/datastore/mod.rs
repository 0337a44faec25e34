//! The audit datastore: what organization-wide scans recorded (repositories, findings,
//! occurrences, validations, triage), and the report model read from it.

pub mod model;
