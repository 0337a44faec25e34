//! Everything that produces bytes to scan: the file-system walker and standard input.

pub mod archive;
pub mod fs;
pub mod git;
pub mod stdin;
