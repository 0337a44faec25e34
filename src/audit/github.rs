//! Listing the repositories of a GitHub organization or user through the REST API, so that an
//! audit can clone and scan all of them.
//!
//! Only what an audit needs is read (name, clone URL, fork and archive flags, default branch).
//! Requests go to the configured API host only: plain `http` is accepted for loopback test
//! servers and nothing else, redirects are not followed, and pagination links that leave the
//! API's origin are refused, so a token given for the API is never sent anywhere else.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use ureq::http::Uri;

use crate::validate::transport::{agent_config, is_loopback};

/// Repositories per page; 100 is the largest page the API serves.
const PER_PAGE: u32 = 100;
/// Pages read at most (100 000 repositories): a bound against a server that never ends.
const MAX_PAGES: usize = 1000;
/// Largest page body read; a page of 100 repositories is well under a megabyte.
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// Longest time one request may take, from connecting to the last byte of the body.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Connection attempts give up sooner than whole requests.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Which of an owner's repositories to audit. Forks and archived repositories are often
/// noise (a fork mostly repeats its parent, an archive cannot be fixed), so callers choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepoSelection {
    /// Keep repositories that are forks of another repository.
    pub include_forks: bool,
    /// Keep repositories that are archived (read-only).
    pub include_archived: bool,
}

/// One repository as listed by the API, reduced to what cloning and reporting need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepository {
    /// `owner/name`, the stable identity used in reports and for sorting.
    pub full_name: String,
    /// The HTTPS clone URL.
    pub clone_url: String,
    /// The repository's web page, for links in reports.
    pub html_url: Option<String>,
    /// True for a fork of another repository.
    pub fork: bool,
    /// True for an archived (read-only) repository.
    pub archived: bool,
    /// The branch the API reports as default (absent for some empty repositories).
    pub default_branch: Option<String>,
}

/// Why the repositories could not be listed. Every message names the URL or owner concerned
/// and, for authentication problems, what to do about it; none contains the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// The API URL is malformed or not allowed (plain http to a non-loopback host).
    #[error("invalid GitHub API URL {url:?}: {reason}")]
    InvalidApiUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The owner is not a GitHub login (it would change the request path).
    #[error("invalid GitHub owner {owner:?}: expected an organization or user login (letters, digits, '-', '_', '.')")]
    InvalidOwner {
        /// The owner as given.
        owner: String,
    },
    /// The request could not be sent or its answer not read (network, TLS, timeout).
    #[error("request to {url} failed: {message}")]
    Request {
        /// The URL requested.
        url: String,
        /// The transport's reason.
        message: String,
    },
    /// Neither an organization nor a user of that name exists (or the token cannot see it).
    #[error("GitHub has no organization or user named {owner:?} at {api_url} (or the token cannot see it)")]
    OwnerNotFound {
        /// The owner looked up.
        owner: String,
        /// The API it was looked up at.
        api_url: String,
    },
    /// 401/403 without rate limiting: the token is missing, invalid or lacks access.
    #[error("GitHub refused {url} with status {status}{detail}: {hint}")]
    Unauthorized {
        /// The URL requested.
        url: String,
        /// 401 or 403.
        status: u16,
        /// GitHub's own message, prefixed with ` (…)`, or empty.
        detail: String,
        /// What to do, mentioning `GITHUB_TOKEN`.
        hint: String,
    },
    /// The API's rate limit is exhausted.
    #[error("GitHub API rate limit exceeded at {url}; {reset}{hint}")]
    RateLimited {
        /// The URL requested.
        url: String,
        /// When the limit resets, in words.
        reset: String,
        /// A suggestion to authenticate when no token was used, or empty.
        hint: String,
    },
    /// Any other unexpected status.
    #[error("GitHub answered {url} with status {status}{detail}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's own message, prefixed with ` (…)`, or empty.
        detail: String,
    },
    /// The body is not the expected JSON list of repositories.
    #[error("unexpected answer from {url}: {message}")]
    InvalidResponse {
        /// The URL requested.
        url: String,
        /// What could not be parsed.
        message: String,
    },
    /// A pagination link points outside the API's origin; following it could leak the token.
    #[error("refusing to follow the pagination link {next:?} from {url}: it is not on the API's origin {origin}")]
    ForeignLink {
        /// The page that carried the link.
        url: String,
        /// The link.
        next: String,
        /// `scheme://host:port` of the API.
        origin: String,
    },
    /// More pages than any real owner has: the server is probably looping.
    #[error("stopped after {pages} pages of repositories from {api_url}: the pagination does not end")]
    TooManyPages {
        /// The API listed.
        api_url: String,
        /// Pages read.
        pages: usize,
    },
}

/// The fields of a repository that are read; everything else in the API's answer is ignored.
#[derive(Debug, Deserialize)]
struct ApiRepository {
    full_name: String,
    clone_url: String,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    fork: bool,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    default_branch: Option<String>,
}

/// GitHub's error body; only the message is shown.
#[derive(Debug, Deserialize)]
struct ApiError {
    message: Option<String>,
}

/// `scheme://host:port` of a URL, with the port made explicit, for same-origin checks.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}://[{}]:{}", self.scheme, self.host, self.port)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

/// Parses an absolute http(s) URL into its origin and whether the port was given explicitly.
/// URLs with user information are refused: it would be a credential outside `token`.
fn origin_of(url: &str) -> Result<(Origin, bool), String> {
    let uri: Uri = url.parse().map_err(|e| format!("not a URL ({e})"))?;
    let scheme = uri.scheme_str().ok_or("not an absolute URL")?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        other => return Err(format!("unsupported scheme {other:?}: expected https")),
    };
    let authority = uri.authority().ok_or("the URL has no host")?;
    if authority.as_str().contains('@') {
        return Err("user information in the URL is not accepted; pass the token separately".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let explicit = authority.port_u16();
    Ok((
        Origin {
            scheme,
            host,
            port: explicit.unwrap_or(default_port),
        },
        explicit.is_some_and(|p| p != default_port),
    ))
}

/// Checks `api_url` and returns it without a trailing slash, with its origin. https is
/// required; plain http only to a loopback host, which is what tests use.
fn check_api_url(api_url: &str) -> Result<(String, Origin), GithubError> {
    let invalid = |reason: String| GithubError::InvalidApiUrl {
        url: api_url.to_string(),
        reason,
    };
    let trimmed = api_url.trim().trim_end_matches('/');
    if trimmed.contains(['?', '#']) {
        return Err(invalid("a query or fragment is not expected in the API URL".into()));
    }
    let (origin, _) = origin_of(trimmed).map_err(invalid)?;
    if origin.scheme == "http" && !is_loopback(&origin.host) {
        return Err(invalid(
            "plain http is only allowed to a loopback address; use https".into(),
        ));
    }
    Ok((trimmed.to_string(), origin))
}

/// GitHub logins are letters, digits and `-`; enterprise servers add `_` and `.`. Anything
/// else (a `/`, `?`, `..`) would change which API path is requested.
fn check_owner(owner: &str) -> Result<(), GithubError> {
    let valid = !owner.is_empty()
        && owner.len() <= 100
        && !owner.starts_with('.')
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(GithubError::InvalidOwner {
            owner: owner.to_string(),
        })
    }
}

/// The web host that serves clones for the API at `api_url`, as `host` or `host:port`: the host
/// to which clone requests may carry the API token. `https://api.github.com` serves
/// `github.com` (and `api.SUBDOMAIN.ghe.com` serves `SUBDOMAIN.ghe.com`); a GitHub Enterprise
/// Server API at `https://ghe.example/api/v3` is on the web host itself, as is a loopback test
/// server. `None` when `api_url` is not an acceptable API URL.
pub fn web_host(api_url: &str) -> Option<String> {
    let (base, origin) = check_api_url(api_url).ok()?;
    let (_, explicit_port) = origin_of(&base).ok()?;
    let path_empty = base
        .split_once("://")
        .map(|(_, rest)| !rest.contains('/'))
        .unwrap_or(false);
    let host = match origin.host.strip_prefix("api.") {
        Some(web) if path_empty && !web.is_empty() && !is_loopback(&origin.host) => web.to_string(),
        _ => origin.host.clone(),
    };
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    Some(if explicit_port {
        format!("{host}:{}", origin.port)
    } else {
        host
    })
}

/// Lists the repositories of `owner`, an organization or else a user, at the GitHub API
/// `api_url` (`https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise
/// Server), keeping forks and archived repositories only as `selection` asks. The result is
/// sorted by `full_name` and free of duplicates (pagination can repeat an entry when
/// repositories are created while listing).
///
/// `token`, when given, is sent as a bearer token to the API's origin and nowhere else.
/// Without it only public repositories are listed, under a low rate limit. For a user (not an
/// organization) the repositories the user owns are listed: all of them when the token is
/// that user's, else the public ones (GitHub shows private ones only to their owner).
pub fn list_repositories(
    api_url: &str,
    owner: &str,
    token: Option<&str>,
    selection: &RepoSelection,
) -> Result<Vec<RemoteRepository>, GithubError> {
    let (base, origin) = check_api_url(api_url)?;
    check_owner(owner)?;
    let agent = build_agent(&origin);
    let query = format!("repos?per_page={PER_PAGE}&type=all");
    let not_found = || GithubError::OwnerNotFound {
        owner: owner.to_string(),
        api_url: base.clone(),
    };
    let listed = match list_pages(&agent, &origin, &format!("{base}/orgs/{owner}/{query}"), token, &base)? {
        Some(listed) => listed,
        // A user: GitHub lists private repositories only to their owner, through /user/repos.
        None if token.is_some()
            && authenticated_login(&agent, &base, token)?.is_some_and(|l| l.eq_ignore_ascii_case(owner)) =>
        {
            let own = format!("{base}/user/repos?per_page={PER_PAGE}&affiliation=owner");
            list_pages(&agent, &origin, &own, token, &base)?.ok_or_else(not_found)?
        }
        None => {
            let public = format!("{base}/users/{owner}/repos?per_page={PER_PAGE}&type=owner");
            list_pages(&agent, &origin, &public, token, &base)?.ok_or_else(not_found)?
        }
    };
    let mut repositories: Vec<RemoteRepository> = listed
        .into_iter()
        .filter(|r| selection.include_forks || !r.fork)
        .filter(|r| selection.include_archived || !r.archived)
        .map(|r| RemoteRepository {
            full_name: r.full_name,
            clone_url: r.clone_url,
            html_url: r.html_url,
            fork: r.fork,
            archived: r.archived,
            default_branch: r.default_branch,
        })
        .collect();
    repositories.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    repositories.dedup_by(|a, b| a.full_name == b.full_name);
    Ok(repositories)
}

/// The login the token belongs to (`GET /user`); `None` when the API does not say.
fn authenticated_login(agent: &ureq::Agent, base: &str, token: Option<&str>) -> Result<Option<String>, GithubError> {
    #[derive(serde::Deserialize)]
    struct User {
        login: String,
    }
    let url = format!("{base}/user");
    let page = get_page(agent, &url, token)?;
    if page.status != 200 {
        return Ok(None);
    }
    Ok(serde_json::from_slice::<User>(&page.body).ok().map(|u| u.login))
}

/// An agent with the validator's guarantees (no redirects, statuses as answers), https only
/// unless the API is a loopback test server, which is reached without a proxy.
fn build_agent(origin: &Origin) -> ureq::Agent {
    let config = agent_config()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .timeout_connect(Some(CONNECT_TIMEOUT));
    let config = if origin.scheme == "http" {
        config.proxy(None)
    } else {
        config.https_only(true)
    };
    config.build().new_agent()
}

/// Reads every page starting at `first`. `Ok(None)` when the first page is a 404 (no such
/// organization or user); a 404 on a later page is an error.
fn list_pages(
    agent: &ureq::Agent,
    origin: &Origin,
    first: &str,
    token: Option<&str>,
    api_url: &str,
) -> Result<Option<Vec<ApiRepository>>, GithubError> {
    let mut listed = Vec::new();
    let mut next = Some(first.to_string());
    let mut pages = 0;
    while let Some(url) = next.take() {
        if pages == MAX_PAGES {
            return Err(GithubError::TooManyPages {
                api_url: api_url.to_string(),
                pages,
            });
        }
        pages += 1;
        let page = get_page(agent, &url, token)?;
        if page.status == 404 && pages == 1 {
            return Ok(None);
        }
        check_status(&url, &page, token.is_some())?;
        let repositories: Vec<ApiRepository> =
            serde_json::from_slice(&page.body).map_err(|e| GithubError::InvalidResponse {
                url: url.clone(),
                message: format!("expected a JSON list of repositories ({e})"),
            })?;
        listed.extend(repositories);
        if let Some(link) = page.next_link {
            let same_origin = origin_of(&link).is_ok_and(|(o, _)| &o == origin);
            if !same_origin {
                return Err(GithubError::ForeignLink {
                    url,
                    next: link,
                    origin: origin.to_string(),
                });
            }
            next = Some(link);
        }
    }
    Ok(Some(listed))
}

/// One page of an answer, reduced to what is needed.
struct Page {
    status: u16,
    /// `x-ratelimit-remaining`.
    remaining: Option<String>,
    /// `x-ratelimit-reset`, seconds since the epoch.
    reset: Option<u64>,
    /// `retry-after`, seconds.
    retry_after: Option<u64>,
    /// The `rel="next"` target of the `Link` header.
    next_link: Option<String>,
    body: Vec<u8>,
}

/// Sends one GET with GitHub's headers and reads the answer.
fn get_page(agent: &ureq::Agent, url: &str, token: Option<&str>) -> Result<Page, GithubError> {
    let request_error = |e: ureq::Error| GithubError::Request {
        url: url.to_string(),
        message: e.to_string(),
    };
    let mut request = agent
        .get(url)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {}", token.trim()));
    }
    let mut response = request.call().map_err(request_error)?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
    };
    let remaining = header("x-ratelimit-remaining");
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse().ok());
    let retry_after = header("retry-after").and_then(|v| v.parse().ok());
    let next_link = response
        .headers()
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(next_link);
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(request_error)?;
    Ok(Page {
        status,
        remaining,
        reset,
        retry_after,
        next_link,
        body,
    })
}

/// The target of the `rel="next"` entry of a `Link` header
/// (`<https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`).
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|entry| {
        let mut parts = entry.split(';');
        let target = parts.next()?.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = parts.any(|param| {
            let Some((name, value)) = param.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        is_next.then(|| target.to_string())
    })
}

/// Turns a non-success answer into the matching error.
fn check_status(url: &str, page: &Page, had_token: bool) -> Result<(), GithubError> {
    if (200..300).contains(&page.status) {
        return Ok(());
    }
    let message = serde_json::from_slice::<ApiError>(&page.body)
        .ok()
        .and_then(|e| e.message)
        .map(|m| m.chars().take(300).collect::<String>());
    let detail = message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
    let exhausted = page.remaining.as_deref() == Some("0");
    let secondary = page.retry_after.is_some()
        || message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("rate limit"));
    if matches!(page.status, 403 | 429) && (exhausted || secondary) {
        let reset = match (page.reset, page.retry_after) {
            (_, Some(seconds)) => format!("retry in {seconds} s"),
            (Some(epoch), None) => describe_reset(epoch),
            (None, None) => "the reset time was not given".to_string(),
        };
        let hint = if had_token {
            String::new()
        } else {
            " (unauthenticated requests have a low limit: set GITHUB_TOKEN)".to_string()
        };
        return Err(GithubError::RateLimited {
            url: url.to_string(),
            reset,
            hint,
        });
    }
    if matches!(page.status, 401 | 403) {
        let hint = match (page.status, had_token) {
            (401, true) => "the token in GITHUB_TOKEN is invalid or expired",
            (401, false) => "authentication is required: set GITHUB_TOKEN",
            (_, true) => "the token in GITHUB_TOKEN lacks access to these repositories",
            (_, false) => "access is denied without a token: set GITHUB_TOKEN",
        };
        return Err(GithubError::Unauthorized {
            url: url.to_string(),
            status: page.status,
            detail,
            hint: hint.to_string(),
        });
    }
    Err(GithubError::Status {
        url: url.to_string(),
        status: page.status,
        detail,
    })
}

/// "resets at Tue, 01 Jul 2025 12:00:00 GMT (in 42 s)" for an `x-ratelimit-reset` value.
fn describe_reset(epoch_seconds: u64) -> String {
    let when = UNIX_EPOCH + Duration::from_secs(epoch_seconds);
    let wait = when.duration_since(SystemTime::now()).map(|d| d.as_secs()).unwrap_or(0);
    format!("the limit resets at {} (in {wait} s)", httpdate::fmt_http_date(when))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// One request as the test server saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        url: String,
        authorization: Option<String>,
        accept: Option<String>,
        api_version: Option<String>,
        user_agent: Option<String>,
    }

    /// An answer: status, headers, body.
    type Answer = (u16, Vec<(String, String)>, String);

    /// A GitHub API stand-in on 127.0.0.1 answering with `respond(path_and_query, base_url)`.
    struct Server {
        url: String,
        seen: Arc<Mutex<Vec<Seen>>>,
        server: Arc<tiny_http::Server>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Server {
        fn start(respond: impl Fn(&str, &str) -> Answer + Send + 'static) -> Server {
            let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("the test server binds"));
            let port = server.server_addr().to_ip().expect("an IP listener").port();
            let url = format!("http://127.0.0.1:{port}");
            let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
            let thread = {
                let server = Arc::clone(&server);
                let seen = Arc::clone(&seen);
                let base = url.clone();
                std::thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        let header = |name: &str| {
                            request
                                .headers()
                                .iter()
                                .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                                .map(|h| h.value.as_str().to_string())
                        };
                        seen.lock().unwrap().push(Seen {
                            url: request.url().to_string(),
                            authorization: header("authorization"),
                            accept: header("accept"),
                            api_version: header("x-github-api-version"),
                            user_agent: header("user-agent"),
                        });
                        let (status, headers, body) = respond(request.url(), &base);
                        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
                        for (name, value) in headers {
                            response
                                .add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
                        }
                        let _ = request.respond(response);
                    }
                })
            };
            Server {
                url,
                seen,
                server,
                thread: Some(thread),
            }
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.server.unblock();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn repo_json(full_name: &str, fork: bool, archived: bool) -> serde_json::Value {
        serde_json::json!({
            "id": 1,
            "full_name": full_name,
            "clone_url": format!("https://github.com/{full_name}.git"),
            "html_url": format!("https://github.com/{full_name}"),
            "fork": fork,
            "archived": archived,
            "default_branch": "main",
            "owner": {"login": "acme"},
        })
    }

    fn ok(repos: &[serde_json::Value]) -> Answer {
        (200, Vec::new(), serde_json::Value::Array(repos.to_vec()).to_string())
    }

    fn all() -> RepoSelection {
        RepoSelection {
            include_forks: true,
            include_archived: true,
        }
    }

    #[test]
    fn follows_pagination_over_three_pages_and_sorts() {
        // Pages 2 and 3 are at a different path, as GitHub's links are (`/organizations/ID`).
        let server = Server::start(|url, base| {
            let link = |n: u32| {
                let next = format!("<{base}/organizations/7/repos?per_page=100&type=all&page={n}>; rel=\"next\"");
                let last = format!("<{base}/organizations/7/repos?per_page=100&type=all&page=3>; rel=\"last\"");
                ("Link".to_string(), format!("{next}, {last}"))
            };
            match url.rsplit_once("&page=").map(|(_, page)| page) {
                None => (200, vec![link(2)], ok(&[repo_json("acme/zeta", false, false)]).2),
                Some("2") => (200, vec![link(3)], ok(&[repo_json("acme/alpha", false, false)]).2),
                Some(_) => ok(&[repo_json("acme/mid", false, false)]),
            }
        });
        let repos = list_repositories(&server.url, "acme", None, &all()).unwrap();
        let names: Vec<_> = repos.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["acme/alpha", "acme/mid", "acme/zeta"]);
        assert_eq!(repos[0].clone_url, "https://github.com/acme/alpha.git");
        assert_eq!(repos[0].default_branch.as_deref(), Some("main"));
        let seen = server.seen();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].url, "/orgs/acme/repos?per_page=100&type=all");
        assert!(seen[2].url.ends_with("page=3"));
        assert_eq!(seen[0].accept.as_deref(), Some("application/vnd.github+json"));
        assert_eq!(seen[0].api_version.as_deref(), Some("2022-11-28"));
        assert!(seen[0].user_agent.as_deref().unwrap_or("").starts_with("leakhound/"));
        assert_eq!(seen[0].authorization, None);
    }

    #[test]
    fn falls_back_to_the_user_when_the_organization_is_not_found() {
        let server = Server::start(|url, _| {
            if url.starts_with("/orgs/") {
                (404, Vec::new(), r#"{"message":"Not Found"}"#.to_string())
            } else {
                ok(&[repo_json("octo/dotfiles", false, false)])
            }
        });
        let repos = list_repositories(&server.url, "octo", None, &all()).unwrap();
        assert_eq!(repos.len(), 1);
        assert_eq!(repos[0].full_name, "octo/dotfiles");
        let urls: Vec<_> = server.seen().into_iter().map(|s| s.url).collect();
        assert_eq!(
            urls,
            [
                "/orgs/octo/repos?per_page=100&type=all",
                "/users/octo/repos?per_page=100&type=owner"
            ]
        );
    }

    #[test]
    fn a_user_auditing_their_own_account_gets_their_private_repositories() {
        let server = Server::start(|url, _| {
            if url.starts_with("/orgs/") {
                (404, Vec::new(), r#"{"message":"Not Found"}"#.to_string())
            } else if url == "/user" {
                (200, Vec::new(), r#"{"login":"Octo"}"#.to_string())
            } else if url.starts_with("/user/repos") {
                ok(&[repo_json("octo/private-notes", false, false)])
            } else {
                ok(&[repo_json("octo/dotfiles", false, false)])
            }
        });
        let repos = list_repositories(&server.url, "octo", Some("t0ken"), &all()).unwrap();
        assert_eq!(repos[0].full_name, "octo/private-notes");
        let urls: Vec<_> = server.seen().into_iter().map(|s| s.url).collect();
        assert_eq!(urls[2], "/user/repos?per_page=100&affiliation=owner");
        // Someone else's account: their public repositories.
        let repos = list_repositories(&server.url, "hubot", Some("t0ken"), &all()).unwrap();
        assert_eq!(repos[0].full_name, "octo/dotfiles");
        let urls: Vec<_> = server.seen().into_iter().map(|s| s.url).collect();
        assert_eq!(
            urls.last().map(String::as_str),
            Some("/users/hubot/repos?per_page=100&type=owner")
        );
    }

    #[test]
    fn unknown_owner_is_a_clear_error() {
        let server = Server::start(|_, _| (404, Vec::new(), r#"{"message":"Not Found"}"#.to_string()));
        let err = list_repositories(&server.url, "nobody", None, &all()).unwrap_err();
        assert!(matches!(err, GithubError::OwnerNotFound { .. }), "{err}");
        assert!(err.to_string().contains("\"nobody\""), "{err}");
    }

    #[test]
    fn sends_the_token_as_a_bearer_token() {
        let server = Server::start(|_, _| ok(&[repo_json("acme/app", false, false)]));
        list_repositories(&server.url, "acme", Some("tok-123"), &all()).unwrap();
        assert_eq!(server.seen()[0].authorization.as_deref(), Some("Bearer tok-123"));
    }

    #[test]
    fn selection_filters_forks_and_archived_repositories() {
        let server = Server::start(|_, _| {
            ok(&[
                repo_json("acme/plain", false, false),
                repo_json("acme/fork", true, false),
                repo_json("acme/old", false, true),
                repo_json("acme/old-fork", true, true),
            ])
        });
        let names = |selection: RepoSelection| -> Vec<String> {
            list_repositories(&server.url, "acme", None, &selection)
                .unwrap()
                .into_iter()
                .map(|r| r.full_name)
                .collect()
        };
        assert_eq!(names(RepoSelection::default()), ["acme/plain"]);
        assert_eq!(
            names(RepoSelection {
                include_forks: true,
                include_archived: false
            }),
            ["acme/fork", "acme/plain"]
        );
        assert_eq!(
            names(RepoSelection {
                include_forks: false,
                include_archived: true
            }),
            ["acme/old", "acme/plain"]
        );
        assert_eq!(names(all()).len(), 4);
    }

    #[test]
    fn plain_http_is_refused_unless_loopback() {
        for url in [
            "http://api.github.com",
            "http://10.0.0.1:8080/api/v3",
            "ftp://example.com",
        ] {
            let err = list_repositories(url, "acme", Some("t"), &all()).unwrap_err();
            assert!(matches!(err, GithubError::InvalidApiUrl { .. }), "{url}: {err}");
        }
        let err = list_repositories("https://user:pw@ghe.example/api/v3", "acme", None, &all()).unwrap_err();
        assert!(matches!(err, GithubError::InvalidApiUrl { .. }), "{err}");
    }

    #[test]
    fn owner_that_would_change_the_path_is_refused() {
        for owner in ["", "a/b", "..", "a?x=1", "a b"] {
            let err = list_repositories("https://api.github.com", owner, None, &all()).unwrap_err();
            assert!(matches!(err, GithubError::InvalidOwner { .. }), "{owner:?}: {err}");
        }
    }

    #[test]
    fn next_link_to_another_host_is_refused() {
        let server = Server::start(|_, _| {
            (
                200,
                vec![(
                    "Link".to_string(),
                    "<http://127.0.0.2:9/orgs/acme/repos?page=2>; rel=\"next\"".to_string(),
                )],
                ok(&[repo_json("acme/app", false, false)]).2,
            )
        });
        let err = list_repositories(&server.url, "acme", Some("secret"), &all()).unwrap_err();
        assert!(matches!(err, GithubError::ForeignLink { .. }), "{err}");
        assert_eq!(server.seen().len(), 1);
    }

    #[test]
    fn next_link_to_another_port_is_refused() {
        let server = Server::start(|_, _| {
            (
                200,
                vec![(
                    "Link".to_string(),
                    "<http://127.0.0.1:1/orgs/acme/repos?page=2>; rel=\"next\"".to_string(),
                )],
                ok(&[]).2,
            )
        });
        let err = list_repositories(&server.url, "acme", None, &all()).unwrap_err();
        assert!(matches!(err, GithubError::ForeignLink { .. }), "{err}");
    }

    #[test]
    fn unauthorized_mentions_github_token() {
        let server = Server::start(|_, _| (401, Vec::new(), r#"{"message":"Bad credentials"}"#.to_string()));
        let err = list_repositories(&server.url, "acme", Some("tok-zq9"), &all()).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, GithubError::Unauthorized { status: 401, .. }), "{text}");
        assert!(text.contains("GITHUB_TOKEN"), "{text}");
        assert!(text.contains("Bad credentials"), "{text}");
        assert!(!text.contains("tok-zq9"), "the token is not in the message: {text}");
        // No user fallback after a 401 on the organization.
        assert_eq!(server.seen().len(), 1);
    }

    #[test]
    fn exhausted_rate_limit_reports_the_reset_time() {
        let server = Server::start(|_, _| {
            (
                403,
                vec![
                    ("x-ratelimit-remaining".to_string(), "0".to_string()),
                    ("x-ratelimit-reset".to_string(), "4102444800".to_string()),
                ],
                r#"{"message":"API rate limit exceeded"}"#.to_string(),
            )
        });
        let err = list_repositories(&server.url, "acme", None, &all()).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, GithubError::RateLimited { .. }), "{text}");
        assert!(text.contains("Fri, 01 Jan 2100 00:00:00 GMT"), "{text}");
        assert!(text.contains("GITHUB_TOKEN"), "{text}");
    }

    #[test]
    fn pagination_that_never_ends_is_bounded() {
        // The same page links to itself forever.
        let server = Server::start(|url, base| {
            (
                200,
                vec![("Link".to_string(), format!("<{base}{url}>; rel=\"next\""))],
                "[]".to_string(),
            )
        });
        let err = list_repositories(&server.url, "acme", None, &all()).unwrap_err();
        assert!(
            matches!(err, GithubError::TooManyPages { pages: MAX_PAGES, .. }),
            "{err}"
        );
    }

    #[test]
    fn invalid_json_is_reported() {
        let server = Server::start(|_, _| (200, Vec::new(), "<html>".to_string()));
        let err = list_repositories(&server.url, "acme", None, &all()).unwrap_err();
        assert!(matches!(err, GithubError::InvalidResponse { .. }), "{err}");
    }

    #[test]
    fn web_host_matches_the_api() {
        assert_eq!(web_host("https://api.github.com").as_deref(), Some("github.com"));
        assert_eq!(web_host("https://api.github.com/").as_deref(), Some("github.com"));
        assert_eq!(web_host("https://API.GitHub.com").as_deref(), Some("github.com"));
        assert_eq!(web_host("https://ghe.example/api/v3").as_deref(), Some("ghe.example"));
        assert_eq!(
            web_host("https://ghe.example:8443/api/v3").as_deref(),
            Some("ghe.example:8443")
        );
        assert_eq!(
            web_host("https://ghe.example:443/api/v3").as_deref(),
            Some("ghe.example")
        );
        assert_eq!(web_host("https://api.acme.ghe.com").as_deref(), Some("acme.ghe.com"));
        assert_eq!(web_host("http://127.0.0.1:8080").as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(web_host("http://localhost:9/api/v3").as_deref(), Some("localhost:9"));
        assert_eq!(web_host("http://[::1]:9").as_deref(), Some("[::1]:9"));
        assert_eq!(web_host("http://api.github.com"), None);
        assert_eq!(web_host("not a url"), None);
    }

    #[test]
    fn link_header_parsing() {
        let header = r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=9>; rel="last""#;
        assert_eq!(next_link(header).as_deref(), Some("https://api.github.com/x?page=2"));
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}
