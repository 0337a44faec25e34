//! Where an audit's repositories come from: directory trees holding clones, list files of
//! paths and clone URLs, and hosting APIs; and how each is named (its identity).

use std::path::{Path, PathBuf};

use crate::datastore::RepositoryMeta;

/// How an audit reaches a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Read in place with gix (never copied, never handed to a git program).
    Local(PathBuf),
    /// Cloned bare into the cache, then fetched incrementally on later runs.
    Remote(String),
}

/// One repository to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub meta: RepositoryMeta,
    pub location: Location,
}

/// A source that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {message}")]
    Path { path: String, message: String },
    #[error("{file}:{line}: {message}")]
    ListLine { file: String, line: usize, message: String },
}

/// Deepest directory nesting searched for repositories below a given directory.
const MAX_DEPTH: usize = 12;

/// True when `path` is a repository: a work tree (holding `.git`) or a bare repository.
pub fn is_repository(path: &Path) -> bool {
    path.join(".git").exists() || is_bare(path)
}

fn is_bare(path: &Path) -> bool {
    path.join("HEAD").is_file() && path.join("objects").is_dir() && path.join("refs").is_dir()
}

/// What a directory search found: the repositories, and the directories it could not search
/// (unreadable, or nested deeper than [`MAX_DEPTH`]), each with the reason, to be reported.
#[derive(Debug, Default)]
pub struct Discovered {
    pub targets: Vec<Target>,
    pub not_searched: Vec<(PathBuf, String)>,
}

/// The repositories at or below `root`: `root` itself when it is one, otherwise every
/// repository found recursively (not descending into repositories, not following symlinks).
pub fn discover(root: &Path) -> Result<Discovered, SourceError> {
    let metadata = std::fs::metadata(root).map_err(|e| SourceError::Path {
        path: root.display().to_string(),
        message: e.to_string(),
    })?;
    if !metadata.is_dir() {
        return Err(SourceError::Path {
            path: root.display().to_string(),
            message: "not a directory (give a directory of repositories, or a list with --repos-file)".into(),
        });
    }
    let mut out = Discovered::default();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if is_repository(&dir) {
            out.targets.push(local_target(&dir)?);
            continue;
        }
        if depth >= MAX_DEPTH {
            out.not_searched
                .push((dir, format!("nested deeper than {MAX_DEPTH} directories")));
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.not_searched.push((dir, e.to_string()));
                continue;
            }
        };
        let mut children: Vec<PathBuf> = entries
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .map(|entry| entry.path())
            .collect();
        children.sort();
        for child in children.into_iter().rev() {
            stack.push((child, depth + 1));
        }
    }
    out.targets.sort_by(|a, b| a.meta.identity.cmp(&b.meta.identity));
    Ok(out)
}

/// A local repository as a target, named by its canonical path.
pub fn local_target(path: &Path) -> Result<Target, SourceError> {
    let canonical = std::fs::canonicalize(path).map_err(|e| SourceError::Path {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let text = canonical.display().to_string();
    Ok(Target {
        meta: RepositoryMeta {
            identity: text.clone(),
            url: None,
            location: text,
            web_url: None,
            fork: false,
            archived: false,
        },
        location: Location::Local(canonical),
    })
}

/// A clone URL as a target; `file://` URLs are local repositories and are read in place.
pub fn url_target(url: &str) -> Result<Target, String> {
    if let Some(rest) = url.strip_prefix("file://") {
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        let path = String::from_utf8_lossy(&crate::engine::decode::percent_decode(path.as_bytes())).into_owned();
        return local_target(Path::new(&path)).map_err(|e| e.to_string());
    }
    let identity = identity_of_url(url).ok_or_else(|| format!("{url:?} is not a clone URL this audit reads"))?;
    let web_url = url.starts_with("https://").then(|| format!("https://{}", identity));
    Ok(Target {
        meta: RepositoryMeta {
            identity,
            url: Some(strip_credentials(url)),
            location: String::new(),
            web_url,
            fork: false,
            archived: false,
        },
        location: Location::Remote(url.to_string()),
    })
}

/// Reads a list file: one repository path or clone URL per line; blank lines and `#` comments
/// are ignored; relative paths are relative to the list file.
pub fn from_list(file: &Path) -> Result<Vec<Target>, SourceError> {
    let text = std::fs::read_to_string(file).map_err(|e| SourceError::Path {
        path: file.display().to_string(),
        message: e.to_string(),
    })?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let error = |message: String| SourceError::ListLine {
            file: file.display().to_string(),
            line: index + 1,
            message,
        };
        let target = if entry.contains("://") {
            url_target(entry).map_err(error)?
        } else {
            let path = base.join(entry);
            if !is_repository(&path) {
                return Err(error(format!("{entry}: not a git repository")));
            }
            local_target(&path).map_err(|e| error(e.to_string()))?
        };
        out.push(target);
    }
    Ok(out)
}

/// The identity of a clone URL: host (lower-cased, port kept) and path, without scheme,
/// credentials, trailing slash or `.git`, so every spelling of one repository names it once.
pub fn identity_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http" | "ssh" | "git") {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, path) = rest.split_once('/')?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if host.is_empty() {
        return None;
    }
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    if path.is_empty() {
        return None;
    }
    Some(format!("{}/{}", host.to_ascii_lowercase(), path))
}

/// A URL without user information, safe to store and print.
pub fn strip_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}/{path}")
}

/// `K/N` of `--shard`: this machine audits shard K (1-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let invalid = || format!("invalid shard {text:?}: expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = text.split_once('/').ok_or_else(invalid)?;
        let index: u32 = k.trim().parse().map_err(|_| invalid())?;
        let count: u32 = n.trim().parse().map_err(|_| invalid())?;
        if count == 0 || index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when this shard audits the repository with `identity`.
    pub fn includes(&self, identity: &str) -> bool {
        crate::datastore::shard_of(identity, self.count) == self.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_clone_url_has_one_identity() {
        for url in [
            "https://github.com/Org/repo.git",
            "https://user:pw@GitHub.com/Org/repo/",
            "https://github.com/Org/repo",
            "ssh://git@github.com/Org/repo.git",
        ] {
            assert_eq!(identity_of_url(url).as_deref(), Some("github.com/Org/repo"), "{url}");
        }
        assert_eq!(identity_of_url("ftp://x/y"), None);
        assert_eq!(identity_of_url("https://github.com/"), None);
    }

    #[test]
    fn directories_too_deep_to_search_are_named_not_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut deep = dir.path().to_path_buf();
        for n in 0..=MAX_DEPTH {
            deep.push(format!("d{n}"));
        }
        std::fs::create_dir_all(deep.join("repo/.git")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("shallow/.git")).expect("mkdir");
        let found = discover(dir.path()).expect("discover");
        assert_eq!(found.targets.len(), 1, "the shallow repository");
        assert_eq!(found.not_searched.len(), 1, "{:?}", found.not_searched);
        assert!(found.not_searched[0].1.contains("nested deeper"));
        assert!(deep.starts_with(&found.not_searched[0].0));
    }

    #[test]
    fn credentials_never_reach_stored_urls() {
        assert_eq!(
            strip_credentials("https://x-access-token:ghp_secret@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
    }

    #[test]
    fn shards_parse_and_reject_nonsense() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_escapes_in_file_urls_are_decoded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("a b");
        std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
        let url = format!("file://{}", dir.path().join("a%20b").display());
        let target = url_target(&url).expect("a local target");
        assert_eq!(
            target.location,
            Location::Local(std::fs::canonicalize(&repo).expect("canonical"))
        );
    }
}
