//! Rule regexes compiled on first use.
//!
//! Building hundreds of regexes costs a third of a second, while a typical repository wakes
//! a few dozen rules through the keyword prefilter. Each rule's pattern is parsed up front
//! (syntax errors and capture names are known at load time) and compiled the first time a
//! keyword hit needs it.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use regex_syntax::hir::{Hir, HirKind};

/// Largest compiled program or lazy DFA cache a rule regex may use.
pub const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

/// A rule regex, parsed now and compiled when first needed.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Parses `pattern` (already macro-expanded) and returns it with the names of its capture
    /// groups by index; a syntax error is returned as text.
    pub fn parse(pattern: String) -> Result<(LazyRegex, Vec<Option<String>>), String> {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(&pattern)
            .map_err(|e| e.to_string())?;
        let mut names = vec![None; hir.properties().explicit_captures_len() + 1];
        collect_capture_names(&hir, &mut names);
        let lazy = LazyRegex {
            pattern,
            compiled: OnceLock::new(),
        };
        Ok((lazy, names))
    }

    /// Compiles the regex now, reporting a size-limit error; user rule files are compiled
    /// eagerly so that such a problem is an error at load time, not a silent skip later.
    pub fn compile_now(&self) -> Result<&Regex, String> {
        let compiled = self.compiled.get_or_init(|| build(&self.pattern).ok());
        match compiled {
            Some(regex) => Ok(regex),
            None => Err(build(&self.pattern).err().map(|e| e.to_string()).unwrap_or_default()),
        }
    }

    /// The compiled regex, or `None` when it cannot be built (only possible for a rule that
    /// was never compiled eagerly; built-in rules are all compiled by the test suite).
    pub fn get(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| build(&self.pattern).ok()).as_ref()
    }
}

fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

fn collect_capture_names(hir: &Hir, names: &mut [Option<String>]) {
    match hir.kind() {
        HirKind::Capture(capture) => {
            if let (Some(name), Some(slot)) = (&capture.name, names.get_mut(capture.index as usize)) {
                *slot = Some(name.to_string());
            }
            collect_capture_names(&capture.sub, names);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            for sub in subs {
                collect_capture_names(sub, names);
            }
        }
        HirKind::Repetition(repetition) => collect_capture_names(&repetition.sub, names),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_names_match_the_compiled_regex() {
        let pattern = r"(?i)(a)(?P<secret>b(?P<inner>c))|(?:d)(?P<tail>e)".to_string();
        let (lazy, names) = LazyRegex::parse(pattern.clone()).unwrap();
        let compiled: Vec<Option<String>> = Regex::new(&pattern)
            .unwrap()
            .capture_names()
            .map(|n| n.map(str::to_string))
            .collect();
        assert_eq!(names, compiled);
        assert!(lazy.get().unwrap().is_match(b"abc"));
    }

    #[test]
    fn syntax_errors_are_found_without_compiling() {
        assert!(LazyRegex::parse("(unclosed".to_string()).is_err());
    }

    #[test]
    fn oversized_regexes_fail_when_compiled_now() {
        let (lazy, _) = LazyRegex::parse(r"(?:[a-z]{1000}){1000}".to_string()).unwrap();
        assert!(lazy.compile_now().is_err());
        assert!(lazy.get().is_none());
    }
}
