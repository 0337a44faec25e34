//! leakhound: a fast secret and hardcoded-credential detector.
//!
//! The library does the work; `main.rs` only parses arguments. Sources (files, standard
//! input) produce bytes, the [`engine`] finds credentials in them with the rules of a
//! [`rules::RuleSet`], and [`report`] renders [`finding::Finding`]s.

pub mod audit;
pub mod cli;
pub mod config;
pub mod engine;
pub mod explain;
pub mod finding;
pub mod ignorefile;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod validate;
