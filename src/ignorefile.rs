//! `.leakhoundignore`: a repository's own list of known, accepted findings.
//!
//! Each line is either a finding fingerprint (32 hex digits) that suppresses that credential
//! wherever it appears, or a gitignore-style path pattern (applied by the walker) for files not
//! to scan; `#` starts a comment. Fingerprints are content-based, so a suppression survives
//! moving the line and never hides a different secret on the same line.

use std::collections::HashSet;
use std::path::Path;

use crate::finding::Finding;

/// File name looked up at the root of each scanned directory.
pub const IGNORE_FILE_NAME: &str = ".leakhoundignore";

/// Fingerprints whose findings are not reported, and (for git history, where the walker's
/// path filtering does not apply) the path patterns of the ignore file.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    fingerprints: HashSet<String>,
    paths: Vec<ignore::gitignore::Gitignore>,
    /// Lower-cased words that mark a value as a known test value (`.leakhound.toml`).
    stopwords: Vec<String>,
}

impl Suppressions {
    /// No suppressions.
    pub fn none() -> Suppressions {
        Suppressions::default()
    }

    /// Reads the fingerprints of `dir/.leakhoundignore`, if the file exists.
    pub fn add_from_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let path = dir.join(IGNORE_FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => {
                self.add_from_text(&String::from_utf8_lossy(&bytes));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Takes every fingerprint line of an ignore file's text; other lines are path patterns.
    pub fn add_from_text(&mut self, text: &str) {
        self.fingerprints.extend(text.lines().filter_map(fingerprint_of_line));
    }

    /// Also applies the path patterns of `dir/.leakhoundignore` to repository-relative paths
    /// (used for git history, whose files the directory walker never sees).
    pub fn add_paths_from_dir(&mut self, dir: &Path) -> Result<(), ignore::Error> {
        let file = dir.join(IGNORE_FILE_NAME);
        if !file.is_file() {
            return Ok(());
        }
        let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
        if let Some(error) = builder.add(&file) {
            return Err(error);
        }
        self.paths.push(builder.build()?);
        Ok(())
    }

    /// Reads a baseline file (`leakhound baseline create`): the same format as the ignore
    /// file, so every fingerprint in it is suppressed. Returns how many it held.
    pub fn add_baseline(&mut self, path: &Path) -> std::io::Result<usize> {
        let bytes = std::fs::read(path)?;
        let before = self.fingerprints.len();
        self.add_from_text(&String::from_utf8_lossy(&bytes));
        Ok(self.fingerprints.len() - before)
    }

    /// Applies a repository configuration's `[allow]` section: its gitignore-style path
    /// patterns (relative to `root`) and its stop-words.
    pub fn add_config(&mut self, root: &Path, allow: &crate::config::AllowConfig) -> Result<(), ignore::Error> {
        if !allow.paths.is_empty() {
            let mut builder = ignore::gitignore::GitignoreBuilder::new(root);
            for pattern in &allow.paths {
                builder.add_line(None, pattern)?;
            }
            self.paths.push(builder.build()?);
        }
        self.stopwords
            .extend(allow.stopwords.iter().map(|w| w.trim().to_ascii_lowercase()));
        Ok(())
    }

    /// True when the finding's fingerprint is listed or its secret holds a stop-word.
    pub fn suppresses(&self, finding: &Finding) -> bool {
        (!self.fingerprints.is_empty() && self.fingerprints.contains(&finding.fingerprint))
            || (!self.stopwords.is_empty()
                && finding.secret.as_deref().is_some_and(|secret| {
                    let lower = secret.to_ascii_lowercase();
                    self.stopwords.iter().any(|word| lower.contains(word.as_str()))
                }))
    }

    /// True when a path (repository-relative, or under the directory a pattern file sits in)
    /// matches an ignored path pattern.
    pub fn suppresses_path(&self, path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        let path = Path::new(path);
        self.paths.iter().any(|patterns| {
            let root = patterns.path();
            let relative = path.strip_prefix(root).unwrap_or(path);
            let relative = relative.strip_prefix("./").unwrap_or(relative);
            // A path outside the patterns' directory is not theirs to judge (and the matcher
            // would reject it).
            !relative.has_root() && patterns.matched_path_or_any_parents(relative, false).is_ignore()
        })
    }

    /// Number of fingerprints known.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// True when nothing is suppressed.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty() && self.paths.is_empty() && self.stopwords.is_empty()
    }
}

/// The fingerprint a line of an ignore or baseline file lists (lower-cased), if it lists one;
/// `#` starts a comment.
pub fn fingerprint_of_line(line: &str) -> Option<String> {
    let entry = line.split('#').next().unwrap_or("").trim();
    (entry.len() == 32 && entry.bytes().all(|b| b.is_ascii_hexdigit())).then(|| entry.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fingerprint_lines_are_taken() {
        let mut s = Suppressions::none();
        s.add_from_text("# comment\n0123456789abcdef0123456789ABCDEF  # known fake\ncorpus/**\n\n");
        assert_eq!(s.len(), 1);
        assert!(s.fingerprints.contains("0123456789abcdef0123456789abcdef"));
    }
}
