//! Auditing remote repositories: listing an organization's or user's repositories on GitHub
//! and keeping bare clones of them in a cache, so that each can be scanned in full history.

pub mod clone;
pub mod github;
