//! Keeping bare copies of remote repositories in a cache, so that an audit scans every branch
//! and tag of each repository and later audits only download what changed.
//!
//! Everything goes through `gix`; no `git` program, credential helper or hook is ever run, and
//! neither the user's nor the system's git configuration is read: a repository being audited is
//! untrusted, and a user's configuration could redirect URLs or run helpers. Only `https://`
//! URLs are cloned (plain `http://` only to loopback hosts, for tests). A token is sent as an
//! HTTP header to the one host it is meant for and is never written to disk.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use gix::protocol::transport::client::blocking_io::http as gix_http;
use gix::remote::Direction;
use sha2::{Digest, Sha256};

use crate::validate::transport::is_loopback;

/// Refspecs fetched on clone and on every update: every branch and every tag of the remote,
/// stored under the same names locally, so that a scan of all local refs sees the whole remote.
const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
/// Longest wait for a single read or write on the connection; a pack download as a whole may
/// take much longer.
const IO_TIMEOUT: Duration = Duration::from_secs(180);
/// Connection attempts give up sooner than reads.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Path components of a cache directory name are cut to this many characters.
const MAX_COMPONENT: usize = 64;
/// At most this many path components of the URL are kept in a cache directory name.
const MAX_COMPONENTS: usize = 8;

/// A token for one host. It is sent only to clone URLs whose `host[:port]` equals `host`, so a
/// repository listed with an unexpected clone URL cannot receive it.
#[derive(Clone)]
pub struct CloneAuth {
    /// `host` or `host:port`, as returned by [`super::github::web_host`].
    pub host: String,
    /// The token, sent as `Authorization: Basic base64(x-access-token:TOKEN)`, which is what
    /// GitHub's git endpoints accept for every kind of token.
    pub token: String,
}

impl std::fmt::Debug for CloneAuth {
    /// The token is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloneAuth")
            .field("host", &self.host)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Where a repository is in the cache and whether this call created it, so callers can tell
/// a first audit from an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// The bare repository, `cache_path(cache_root, url)`.
    pub path: PathBuf,
    /// True when the repository was cloned now; false when an existing clone was updated.
    pub cloned: bool,
}

/// Why a repository could not be cloned or updated. No message contains the token.
#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    /// The URL is not one that is cloned (ssh, git://, file://, plain http to a remote host,
    /// credentials in the URL, malformed).
    #[error("cannot clone {url:?}: {reason}")]
    UnsupportedUrl {
        /// The URL as given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// The server asked for credentials that were not given, or refused the token.
    #[error("cannot clone {url}: {message}")]
    Authentication {
        /// The URL.
        url: String,
        /// What happened and what to do.
        message: String,
    },
    /// The caller asked to stop.
    #[error("interrupted while fetching {url}")]
    Interrupted {
        /// The URL.
        url: String,
    },
    /// Cloning failed (network, missing repository, server error); nothing was left behind.
    #[error("cannot clone {url}: {message}")]
    Clone {
        /// The URL.
        url: String,
        /// gix's explanation.
        message: String,
    },
    /// Updating an existing clone failed; the clone is left as it was.
    #[error("cannot update {path} from {url}: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// The cached repository.
        path: PathBuf,
        /// gix's explanation.
        message: String,
    },
    /// A file-system operation on the cache failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "create the cache directory".
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A checked clone URL: the parsed form gix will use and the `host[:port]` it connects to.
struct CloneUrl {
    url: gix::Url,
    /// Lower-case host, with a port only when it is not the scheme's default.
    host_key: String,
    loopback: bool,
}

/// Accepts `https://HOST[:PORT]/PATH` (or `http://` to a loopback host) with a plain host name
/// or IP literal, no user information, query or fragment and no control characters, then
/// checks that gix reads the same host and port. Being strict here keeps the host compared
/// for the token the same as the host actually connected to.
fn check_url(url: &str) -> Result<CloneUrl, CloneError> {
    let refuse = |reason: &str| CloneError::UnsupportedUrl {
        url: without_user_info(url),
        reason: reason.to_string(),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(refuse(
            "only https:// URLs are cloned (local repositories are scanned in place, not cloned)",
        ));
    };
    let scheme = scheme.to_ascii_lowercase();
    let (default_port, plain) = match scheme.as_str() {
        "https" => (443, false),
        "http" => (80, true),
        _ => {
            return Err(refuse(&format!(
                "the {scheme}:// scheme is not supported: only https:// URLs are cloned (ssh and git:// \
                 are not, and local repositories are scanned in place)"
            )))
        }
    };
    if url.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return Err(refuse("the URL contains whitespace, control characters or backslashes"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(refuse(
            "credentials in the URL are not accepted (they would be stored in the cache); pass a token instead",
        ));
    }
    if path.contains(['?', '#']) || authority.contains(['?', '#']) {
        return Err(refuse("a query or fragment is not expected in a clone URL"));
    }
    if path.trim_matches('/').is_empty() {
        return Err(refuse("the URL names no repository"));
    }
    if path.split('/').any(|segment| segment == "..") {
        return Err(refuse("'..' is not accepted in a clone URL"));
    }
    let (host, port) = split_authority(authority).ok_or_else(|| refuse("the host is not a valid host name"))?;
    let loopback = is_loopback(&host);
    if plain && !loopback {
        return Err(refuse("plain http is only allowed to a loopback address; use https"));
    }
    let parsed = gix::url::parse(url.as_bytes()).map_err(|e| refuse(&format!("not a valid git URL ({e})")))?;
    let parsed_host = parsed
        .host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase());
    let same_scheme = matches!(
        (&parsed.scheme, plain),
        (gix::url::Scheme::Https, false) | (gix::url::Scheme::Http, true)
    );
    if !same_scheme
        || parsed_host.as_deref() != Some(host.as_str())
        || parsed.port.unwrap_or(default_port) != port.unwrap_or(default_port)
        || parsed.user().is_some()
    {
        return Err(refuse("the URL is ambiguous"));
    }
    let host_key = host_key(&host, port.filter(|p| *p != default_port));
    Ok(CloneUrl {
        url: parsed,
        host_key,
        loopback,
    })
}

/// `url` with any user information replaced by `***`, for error messages: a refused URL may
/// carry a password.
fn without_user_info(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Splits `host[:port]` or `[v6][:port]`; the host must be a DNS name or IP literal.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let literal = host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        (literal && host.contains(':')).then_some((host, after))?
    } else {
        let end = authority.find(':').unwrap_or(authority.len());
        let (host, after) = authority.split_at(end);
        let name = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        name.then_some((host, after))?
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        "" => None,
        p => Some(p.strip_prefix(':')?.parse::<u16>().ok().filter(|p| *p != 0)?),
    };
    Some((host.to_ascii_lowercase(), port))
}

/// `host` or `host:port` (`[v6]:port` for IPv6), the form [`CloneAuth::host`] is compared with.
fn host_key(host: &str, port: Option<u16>) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// True when `auth` is meant for the host of `url` (case-insensitive; a default port written
/// out, as in `github.com:443`, matches the bare host).
fn auth_applies(auth: &CloneAuth, url: &CloneUrl) -> bool {
    let wanted = auth.host.trim().to_ascii_lowercase();
    let default_port = match url.url.scheme {
        gix::url::Scheme::Http => ":80",
        _ => ":443",
    };
    let wanted = wanted.strip_suffix(default_port).unwrap_or(&wanted);
    !wanted.is_empty() && wanted == url.host_key
}

/// The cache directory for `url`: `cache_root/HOST[_PORT]/OWNER/NAME-HASH.git`, every component
/// reduced to `[A-Za-z0-9._-]` and never `.`/`..` or hidden, so the result always stays inside
/// `cache_root`. The hash of the whole URL keeps URLs that sanitize alike apart. User
/// information is left out of both the name and the hash. Any string gives a path, even one
/// [`sync_bare`] would refuse.
pub fn cache_path(cache_root: &Path, url: &str) -> PathBuf {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host_port = authority.rsplit('@').next().unwrap_or(authority).to_ascii_lowercase();
    let digest = Sha256::digest(format!("{}://{host_port}{path}", scheme.to_ascii_lowercase()).as_bytes());
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();

    let mut dir = cache_root.join(sanitize(&host_port.replace(':', "_")));
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let name = segments.pop().unwrap_or("repository");
    let name = name.strip_suffix(".git").unwrap_or(name);
    let keep_from = segments.len().saturating_sub(MAX_COMPONENTS - 1);
    for segment in &segments[keep_from..] {
        dir.push(sanitize(segment));
    }
    dir.push(format!("{}-{hash}.git", sanitize(name)));
    dir
}

/// One safe path component: other characters become `_`, a leading `.` gets a `_` in front,
/// long components are cut.
fn sanitize(component: &str) -> String {
    let mut out: String = component
        .chars()
        .take(MAX_COMPONENT)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

/// Makes the bare clone of `url` in `cache_root` current: clones it on first use, fetches
/// into it afterwards (new commits, new branches and tags; deleted remote branches are kept).
/// A clone is made in a temporary sibling directory and renamed into place only when complete,
/// so an interrupted or failed clone never leaves a partial repository where a later call
/// would take it for a complete one. An existing directory that is not a readable bare
/// repository is removed and cloned again.
///
/// `auth` is used only when its host matches the URL's; otherwise the request is anonymous.
/// When the server asks for credentials that are not available, the call fails: no prompt,
/// helper or git configuration is consulted. Setting `should_interrupt` stops a transfer.
pub fn sync_bare(
    url: &str,
    cache_root: &Path,
    auth: Option<&CloneAuth>,
    should_interrupt: &AtomicBool,
) -> Result<SyncOutcome, CloneError> {
    let checked = check_url(url)?;
    let path = cache_path(cache_root, url);
    let token = auth.filter(|a| auth_applies(a, &checked)).map(|a| a.token.as_str());
    let session = Session::new(url, &checked, token);

    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_dir() => match open(&path) {
            Some(repo) => {
                session.fetch(&repo, &checked.url, &path, should_interrupt)?;
                return Ok(SyncOutcome { path, cloned: false });
            }
            None => remove(&path, "remove the unreadable cached repository")?,
        },
        Ok(_) => {
            std::fs::remove_file(&path).map_err(|source| CloneError::Io {
                action: "remove the non-directory at the cache location",
                path: path.clone(),
                source,
            })?;
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(source) => {
            return Err(CloneError::Io {
                action: "inspect the cached repository",
                path,
                source,
            })
        }
    }
    remove_abandoned_partials(&path);
    session.clone_into(&checked.url, &path, should_interrupt)?;
    Ok(SyncOutcome { path, cloned: true })
}

/// Removes the temporary clones of `path` left by processes that no longer run (an audit
/// killed mid-clone), so that the cache does not grow with each interrupted run. Where a
/// process's liveness cannot be told (no `/proc`), nothing is removed.
fn remove_abandoned_partials(path: &Path) {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{}.partial-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Options for opening repositories: the repository's own configuration only, no environment,
/// no global or system files, no includes, never the git binary.
fn open_options() -> gix::open::Options {
    gix::open::Options::isolated()
}

/// Opens an existing cached repository; `None` when it is not a readable bare repository.
fn open(path: &Path) -> Option<gix::Repository> {
    let repo = gix::open_opts(path, open_options()).ok()?;
    repo.is_bare().then_some(repo)
}

/// Removes a directory tree in the cache (a symbolic link is removed, not followed).
fn remove(path: &Path, action: &'static str) -> Result<(), CloneError> {
    std::fs::remove_dir_all(path).or_else(|e| match e.kind() {
        ErrorKind::NotFound => Ok(()),
        _ => Err(CloneError::Io {
            action,
            path: path.to_path_buf(),
            source: e,
        }),
    })
}

/// A unique temporary sibling of `path` for a clone in progress; hidden, so nothing mistakes
/// it for a cached repository.
fn temporary_sibling(path: &Path) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".into());
    path.with_file_name(format!(
        ".{name}.partial-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// What one clone or fetch sends: the optional token header, and a record of whether the
/// server asked for credentials (to explain a failure).
#[derive(Clone)]
struct Session {
    url: String,
    authorization: Option<String>,
    loopback: bool,
    asked_for_credentials: Arc<AtomicBool>,
}

impl Session {
    fn new(url: &str, checked: &CloneUrl, token: Option<&str>) -> Session {
        let authorization = token.map(|token| {
            let pair = format!("x-access-token:{}", token.trim());
            format!(
                "Authorization: Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Session {
            url: url.to_string(),
            authorization,
            loopback: checked.loopback,
            asked_for_credentials: Arc::default(),
        }
    }

    /// HTTP options for this session, used instead of any derived from git configuration: the
    /// token as an extra header (in memory only), no redirects (gix also refuses to carry
    /// configured headers across one), timeouts, and no proxy for loopback hosts.
    fn transport_options(&self) -> gix_http::Options {
        let loopback = self.loopback;
        let configure_client: Box<gix_http::reqwest::ConfigureClientFn> = Box::new(move |builder| {
            let builder = builder.timeout(IO_TIMEOUT).connect_timeout(CONNECT_TIMEOUT);
            Ok(if loopback { builder.no_proxy() } else { builder })
        });
        let backend = gix_http::reqwest::Options {
            configure_client: Some(configure_client),
            configure_request: None,
        };
        gix_http::Options {
            extra_headers: self.authorization.iter().cloned().collect(),
            follow_redirects: gix_http::options::FollowRedirects::None,
            connect_timeout: Some(CONNECT_TIMEOUT),
            user_agent: Some(concat!("leakhound/", env!("CARGO_PKG_VERSION")).into()),
            backend: Some(Arc::new(Mutex::new(backend))),
            ..Default::default()
        }
    }

    /// Installs the transport options and a credentials function that refuses: gix would
    /// otherwise run `git credential` helpers or prompt.
    fn configure<T>(&self, connection: &mut gix::remote::Connection<'_, '_, '_, T>)
    where
        T: gix::protocol::transport::client::blocking_io::Transport,
    {
        let asked = Arc::clone(&self.asked_for_credentials);
        let had_token = self.authorization.is_some();
        connection.set_credentials(move |action| match action {
            gix::credentials::helper::Action::Get(_) => {
                asked.store(true, Ordering::Relaxed);
                Err(gix::Error::from_error(CredentialsRefused { had_token }))
            }
            // Approving or rejecting credentials we never gave: nothing to do.
            _ => Ok(None),
        });
        connection.set_transport_options(Box::new(self.transport_options()));
    }

    /// Explains a gix failure: authentication and interruption get their own errors.
    fn failure(&self, error: &gix::Error, should_interrupt: &AtomicBool) -> Option<CloneError> {
        if should_interrupt.load(Ordering::Relaxed) {
            return Some(CloneError::Interrupted { url: self.url.clone() });
        }
        if self.asked_for_credentials.load(Ordering::Relaxed)
            || error.downcast_any_ref::<CredentialsRefused>().is_some()
        {
            let message = if self.authorization.is_some() {
                "the server refused the token: check that GITHUB_TOKEN is valid and can read this repository"
            } else {
                "authentication required: set GITHUB_TOKEN"
            };
            return Some(CloneError::Authentication {
                url: self.url.clone(),
                message: message.to_string(),
            });
        }
        None
    }

    /// Clones into a temporary sibling of `path`, then renames it into place.
    fn clone_into(&self, url: &gix::Url, path: &Path, should_interrupt: &AtomicBool) -> Result<(), CloneError> {
        let parent = path.parent().unwrap_or(path);
        std::fs::create_dir_all(parent).map_err(|source| CloneError::Io {
            action: "create the cache directory",
            path: parent.to_path_buf(),
            source,
        })?;
        let temporary = temporary_sibling(path);
        let result = self.clone_to(url, &temporary, should_interrupt);
        if let Err(e) = result {
            // gix removes what it created on failure; this also covers an early error.
            let _ = std::fs::remove_dir_all(&temporary);
            return Err(e);
        }
        std::fs::rename(&temporary, path).map_err(|source| {
            let _ = std::fs::remove_dir_all(&temporary);
            CloneError::Io {
                action: "move the new clone into place at",
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// The gix clone itself: bare, all branches and tags, into `target` (which must not exist
    /// or be empty).
    fn clone_to(&self, url: &gix::Url, target: &Path, should_interrupt: &AtomicBool) -> Result<(), CloneError> {
        let clone_error = |e: gix::Error| {
            self.failure(&e, should_interrupt).unwrap_or_else(|| CloneError::Clone {
                url: self.url.clone(),
                message: describe(&e),
            })
        };
        // The connection callback must own what it uses; the copy shares the credentials flag.
        let setup = self.clone();
        let mut prepare = gix::clone::PrepareFetch::new(
            url.clone(),
            target,
            gix::create::Kind::Bare,
            gix::create::Options::default(),
            open_options(),
        )
        .map_err(clone_error)?
        // The refspecs are persisted in the clone's configuration (the token is not: it is
        // only in the connection's transport options). Tags come from the explicit refspec.
        .configure_remote(|remote| {
            Ok(remote
                .with_refspecs(REFSPECS, Direction::Fetch)?
                .with_fetch_tags(gix::remote::fetch::Tags::None))
        })
        .configure_connection(move |connection| {
            setup.configure(connection);
            Ok(())
        });
        let (repo, _outcome) = prepare
            .fetch_only(gix::progress::Discard, should_interrupt)
            .map_err(clone_error)?;
        drop(repo);
        drop(prepare);
        Ok(())
    }

    /// Fetches all branches and tags into the existing clone `repo`.
    fn fetch(
        &self,
        repo: &gix::Repository,
        url: &gix::Url,
        path: &Path,
        should_interrupt: &AtomicBool,
    ) -> Result<(), CloneError> {
        let fetch_error = |e: gix::Error| {
            self.failure(&e, should_interrupt).unwrap_or_else(|| CloneError::Fetch {
                url: self.url.clone(),
                path: path.to_path_buf(),
                message: describe(&e),
            })
        };
        let remote = repo
            .remote_at_without_url_rewrite(url.clone())
            .and_then(|remote| remote.with_refspecs(REFSPECS, Direction::Fetch))
            .map_err(fetch_error)?
            .with_fetch_tags(gix::remote::fetch::Tags::None);
        let mut connection = remote.connect(Direction::Fetch).map_err(fetch_error)?;
        self.configure(&mut connection);
        connection
            .prepare_fetch(gix::progress::Discard, gix::remote::ref_map::Options::default())
            .map_err(fetch_error)?
            .receive(gix::progress::Discard, should_interrupt)
            .map_err(fetch_error)?;
        Ok(())
    }
}

/// The error our credentials function returns, so that gix stops instead of asking elsewhere.
#[derive(Debug)]
struct CredentialsRefused {
    had_token: bool,
}

impl std::fmt::Display for CredentialsRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.had_token {
            f.write_str("the server refused the token (GITHUB_TOKEN)")
        } else {
            f.write_str("authentication required: set GITHUB_TOKEN")
        }
    }
}

impl std::error::Error for CredentialsRefused {}

/// gix's error with its causes, each once, as one line.
fn describe(error: &gix::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.iter_errors() {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_path_is_readable_and_stays_inside_the_root() {
        let root = Path::new("/cache");
        let path = cache_path(root, "https://github.com/acme/widgets.git");
        let text = path.to_string_lossy();
        assert!(text.starts_with("/cache/github.com/acme/widgets-"), "{text}");
        assert!(text.ends_with(".git"), "{text}");

        for hostile in [
            "https://github.com/../../etc/passwd",
            "https://../x/y",
            "https:///absolute/path",
            "/etc/passwd",
            "https://h/./../.git",
            "https://h/a%2F..%2F..",
            "",
        ] {
            let path = cache_path(root, hostile);
            assert!(path.starts_with(root), "{hostile} -> {path:?}");
            for component in path.strip_prefix(root).unwrap().components() {
                assert!(
                    matches!(component, std::path::Component::Normal(_)),
                    "{hostile} -> {path:?}"
                );
                let name = component.as_os_str().to_string_lossy();
                assert!(!name.starts_with('.'), "{hostile} -> {path:?}");
            }
        }
    }

    #[test]
    fn cache_path_distinguishes_urls_that_sanitize_alike() {
        let root = Path::new("/c");
        let a = cache_path(root, "https://h/o/a b.git");
        let b = cache_path(root, "https://h/o/a_b.git");
        assert_ne!(a, b);
        assert_eq!(a, cache_path(root, "https://h/o/a b.git"), "stable");
        // The port is part of the directory.
        assert!(cache_path(root, "http://127.0.0.1:8080/r.git").starts_with("/c/127.0.0.1_8080"));
        // User information is not.
        let with_user = cache_path(root, "https://user:secret@h/o/r.git");
        assert!(!with_user.to_string_lossy().contains("secret"));
        assert_eq!(with_user, cache_path(root, "https://h/o/r.git"));
    }

    #[test]
    fn only_https_and_loopback_http_are_accepted() {
        for ok in [
            "https://github.com/acme/app.git",
            "https://GitHub.com:443/acme/app",
            "http://127.0.0.1:9000/repo.git",
            "http://localhost/repo.git",
            "http://[::1]:9000/repo.git",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "git@github.com:acme/app.git",
            "ssh://git@github.com/acme/app.git",
            "git://github.com/acme/app.git",
            "file:///tmp/repo",
            "/tmp/repo",
            "http://github.com/acme/app.git",
            "https://user:pw@github.com/acme/app.git",
            "https://github.com",
            "https://github.com/a b",
            "https://github.com/acme/app.git?x=1",
            "https://evil.example\\@github.com/x",
            "https://github.com:99999/x",
            "https://github.com/../x",
        ] {
            let err = check_url(bad).err().unwrap_or_else(|| panic!("{bad} was accepted"));
            assert!(matches!(err, CloneError::UnsupportedUrl { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn auth_applies_only_to_its_host() {
        let auth = |host: &str| CloneAuth {
            host: host.into(),
            token: "t".into(),
        };
        let url = check_url("https://github.com/acme/app.git").unwrap();
        assert!(auth_applies(&auth("github.com"), &url));
        assert!(auth_applies(&auth("GitHub.com"), &url));
        assert!(auth_applies(&auth("github.com:443"), &url));
        assert!(!auth_applies(&auth("api.github.com"), &url));
        assert!(!auth_applies(&auth("github.com:8443"), &url));
        assert!(!auth_applies(&auth(""), &url));
        let local = check_url("http://127.0.0.1:9000/r.git").unwrap();
        assert!(auth_applies(&auth("127.0.0.1:9000"), &local));
        assert!(!auth_applies(&auth("127.0.0.1:9001"), &local));
        assert!(!auth_applies(&auth("127.0.0.1"), &local));
    }

    #[test]
    fn refused_urls_do_not_show_passwords() {
        // Assembled at run time so that this file holds no credential-shaped URL.
        let url = ["https://user:", "hunter", "2x@github.com/acme/app.git"].concat();
        let err = check_url(&url).err().unwrap();
        let text = err.to_string();
        assert!(!text.contains("hunter2x"), "{text}");
        assert!(text.contains("***@github.com/acme/app.git"), "{text}");
        assert_eq!(without_user_info("git@github.com:a/b"), "git@github.com:a/b");
    }

    #[test]
    fn debug_output_hides_the_token() {
        let auth = CloneAuth {
            host: "github.com".into(),
            token: "very-secret".into(),
        };
        assert!(!format!("{auth:?}").contains("very-secret"));
    }
}
