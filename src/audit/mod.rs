//! Organization-wide audits: many repositories, their full history, results kept in a
//! datastore so that the next run costs only what changed.
//!
//! [`sources`] finds the repositories (directory trees, list files, [`github`]), [`clone`]
//! keeps bare clones of remote ones up to date, and [`run`] scans each repository's blobs that
//! no earlier run read and records it in one transaction.

pub mod clone;
pub mod github;
pub mod run;
pub mod sources;
