//! Bare clones and incremental fetches into the audit cache, against a loopback smart-HTTP
//! server backed by `git http-backend`. Only the tests run git; the code under test uses gix.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use base64::Engine as _;
use common::git_http::{GitHttpServer, Upstream};
use leakhound::audit::clone::{cache_path, sync_bare, CloneAuth, CloneError};
use tempfile::TempDir;

/// A server with one published repository `app.git`: `main` (two commits), `feature` (one
/// more commit) and an annotated tag `v1` on main's first commit.
struct Fixture {
    scratch: TempDir,
    cache: TempDir,
    upstream: Upstream,
}

impl Fixture {
    fn new() -> Fixture {
        let scratch = TempDir::new().unwrap();
        let cache = TempDir::new().unwrap();
        let root = scratch.path().join("srv");
        std::fs::create_dir_all(&root).unwrap();
        let mut upstream = Upstream::new(scratch.path(), &root, "app.git");
        upstream.commit(&[("README.md", "hello\n")], "first");
        upstream.git(&["tag", "-a", "-m", "release one", "v1"]);
        upstream.commit(&[("src/main.rs", "fn main() {}\n")], "second");
        upstream.git(&["checkout", "-q", "-b", "feature"]);
        upstream.commit(&[("feature.txt", "feature work\n")], "feature");
        upstream.git(&["checkout", "-q", "main"]);
        upstream.publish();
        Fixture {
            scratch,
            cache,
            upstream,
        }
    }

    fn root(&self) -> std::path::PathBuf {
        self.scratch.path().join("srv")
    }
}

fn no_interrupt() -> AtomicBool {
    AtomicBool::new(false)
}

fn open(path: &Path) -> gix::Repository {
    gix::open_opts(path, gix::open::Options::isolated()).expect("the clone opens")
}

/// The id a local ref points to (peeled only one level: a tag ref gives the tag object).
fn ref_id(repo: &gix::Repository, name: &str) -> String {
    repo.find_reference(name)
        .unwrap_or_else(|e| panic!("{name} is present: {e}"))
        .target()
        .try_id()
        .expect("a direct ref")
        .to_string()
}

fn basic(token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"))
    )
}

#[test]
fn bare_clone_has_every_branch_and_tag_with_readable_objects() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("app.git");
    let outcome = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).expect("the clone succeeds");
    assert!(outcome.cloned);
    assert_eq!(outcome.path, cache_path(fx.cache.path(), &url));

    let repo = open(&outcome.path);
    assert!(repo.is_bare());
    for name in ["refs/heads/main", "refs/heads/feature", "refs/tags/v1"] {
        assert_eq!(ref_id(&repo, name), fx.upstream.published(name), "{name}");
    }
    let names: Vec<String> = repo
        .references()
        .unwrap()
        .all()
        .unwrap()
        .map(|r| r.unwrap().name().as_bstr().to_string())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("refs/heads/") || n.starts_with("refs/tags/")),
        "only branches and tags: {names:?}"
    );
    // HEAD follows the remote's default branch.
    let head = repo.head_name().unwrap().expect("HEAD is a branch");
    assert_eq!(head.as_bstr(), "refs/heads/main");

    // Objects are all there: the feature commit's tree and blob can be read.
    let feature = repo
        .find_reference("refs/heads/feature")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let tree = feature.tree().unwrap();
    let entry = tree.find_entry("feature.txt").expect("the file is in the tree");
    let blob = entry.object().unwrap();
    assert_eq!(blob.data.as_slice(), b"feature work\n");
    // The annotated tag peels to main's first commit.
    let tagged = repo.find_reference("refs/tags/v1").unwrap().peel_to_commit().unwrap();
    assert_eq!(tagged.id.to_string(), fx.upstream.published("v1^{commit}"));
    assert_eq!(tagged.message().unwrap().summary().to_string(), "first");
}

#[test]
fn second_sync_fetches_new_commits_branches_and_tags_into_the_existing_clone() {
    let mut fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("app.git");
    let first = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap();
    assert!(first.cloned);

    fx.upstream.git(&["checkout", "-q", "feature"]);
    let new_feature = fx.upstream.commit(&[("feature.txt", "more work\n")], "feature 2");
    fx.upstream.git(&["checkout", "-q", "-b", "hotfix", "main"]);
    let hotfix = fx.upstream.commit(&[("fix.txt", "fix\n")], "hotfix");
    fx.upstream.git(&["tag", "v2"]);
    fx.upstream.publish();

    let second = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).expect("the fetch succeeds");
    assert!(!second.cloned);
    assert_eq!(second.path, first.path);
    let repo = open(&second.path);
    assert_eq!(ref_id(&repo, "refs/heads/feature"), new_feature);
    assert_eq!(ref_id(&repo, "refs/heads/hotfix"), hotfix);
    assert_eq!(ref_id(&repo, "refs/tags/v2"), hotfix);
    let commit = repo
        .find_object(gix::ObjectId::from_hex(new_feature.as_bytes()).unwrap())
        .expect("the new commit was fetched")
        .into_commit();
    assert_eq!(commit.message().unwrap().summary().to_string(), "feature 2");

    // A third sync with nothing new is a no-op fetch.
    let third = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap();
    assert!(!third.cloned);
}

#[test]
fn token_is_sent_as_a_header_to_its_host_and_never_stored() {
    let fx = Fixture::new();
    let token = "tok_0123456789abcdefSECRET";
    let server = GitHttpServer::start_requiring(&fx.root(), Some(basic(token)));
    let url = server.repo_url("app.git");
    let auth = CloneAuth {
        host: server.host.clone(),
        token: token.to_string(),
    };
    let outcome = sync_bare(&url, fx.cache.path(), Some(&auth), &no_interrupt()).expect("the clone succeeds");
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.authorization.as_deref(),
            Some(basic(token).as_str()),
            "{request:?}"
        );
    }
    // An update authenticates the same way.
    let again = sync_bare(&url, fx.cache.path(), Some(&auth), &no_interrupt()).unwrap();
    assert!(!again.cloned);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.authorization.as_deref() == Some(basic(token).as_str())));

    // Nothing in the cache holds the token, in clear or encoded.
    let config = std::fs::read_to_string(outcome.path.join("config")).unwrap();
    assert!(config.contains(&url), "the remote is recorded: {config}");
    assert!(config.contains("+refs/heads/*:refs/heads/*"), "{config}");
    let encoded = basic(token);
    let encoded = encoded.trim_start_matches("Basic ");
    for entry in walk(fx.cache.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(token), "{} holds the token", entry.display());
        assert!(!text.contains(encoded), "{} holds the encoded token", entry.display());
    }
}

#[test]
fn token_is_not_sent_to_another_host() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let auth = CloneAuth {
        host: "github.com".to_string(),
        token: "tok_for_github_only".to_string(),
    };
    sync_bare(
        &server.repo_url("app.git"),
        fx.cache.path(),
        Some(&auth),
        &no_interrupt(),
    )
    .unwrap();
    // Same address, other spelling: `localhost:PORT` is not `127.0.0.1:PORT`.
    let localhost_url = server.repo_url("app.git").replace("127.0.0.1", "localhost");
    let auth = CloneAuth {
        host: server.host.clone(),
        token: "tok_for_127".to_string(),
    };
    sync_bare(&localhost_url, fx.cache.path(), Some(&auth), &no_interrupt()).unwrap();
    let requests = server.requests();
    assert!(requests.len() >= 2);
    assert!(requests.iter().all(|r| r.authorization.is_none()), "{requests:?}");
}

#[test]
fn missing_credentials_fail_without_prompting_and_leave_nothing() {
    let fx = Fixture::new();
    let server = GitHttpServer::start_requiring(&fx.root(), Some(basic("right")));
    let url = server.repo_url("app.git");

    let err = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap_err();
    assert!(matches!(err, CloneError::Authentication { .. }), "{err}");
    assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
    assert!(!cache_path(fx.cache.path(), &url).exists());

    let wrong = CloneAuth {
        host: server.host.clone(),
        token: "wrong".to_string(),
    };
    let err = sync_bare(&url, fx.cache.path(), Some(&wrong), &no_interrupt()).unwrap_err();
    assert!(matches!(err, CloneError::Authentication { .. }), "{err}");
    assert!(err.to_string().contains("refused the token"), "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the token is not in the message: {err}"
    );
    assert_no_leftovers(fx.cache.path(), &url);
}

#[test]
fn unsupported_schemes_are_rejected_before_anything_is_created() {
    let cache = TempDir::new().unwrap();
    for url in [
        "ssh://git@github.com/acme/app.git",
        "git@github.com:acme/app.git",
        "git://github.com/acme/app.git",
        "file:///tmp/app.git",
        "/tmp/app.git",
        "http://github.com/acme/app.git",
        "https://user:secret@github.com/acme/app.git",
    ] {
        let err = sync_bare(url, cache.path(), None, &no_interrupt()).unwrap_err();
        assert!(matches!(err, CloneError::UnsupportedUrl { .. }), "{url}: {err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}

#[test]
fn missing_repository_is_an_error_and_leaves_no_directory() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("does-not-exist.git");
    let err = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap_err();
    assert!(matches!(err, CloneError::Clone { .. }), "{err}");
    assert!(err.to_string().contains("does-not-exist.git"), "{err}");
    assert_no_leftovers(fx.cache.path(), &url);
}

#[test]
fn corrupt_cached_directory_is_cloned_again() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("app.git");
    let path = cache_path(fx.cache.path(), &url);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("HEAD"), "garbage").unwrap();
    let outcome = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap();
    assert!(outcome.cloned);
    let repo = open(&outcome.path);
    assert_eq!(ref_id(&repo, "refs/heads/main"), fx.upstream.published("main"));
}

#[test]
fn interrupted_clone_leaves_nothing() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("app.git");
    let interrupt = AtomicBool::new(true);
    let err = sync_bare(&url, fx.cache.path(), None, &interrupt).unwrap_err();
    assert!(matches!(err, CloneError::Interrupted { .. }), "{err}");
    assert_no_leftovers(fx.cache.path(), &url);
}

/// Neither the repository nor a temporary clone is left in the cache.
fn assert_no_leftovers(cache: &Path, url: &str) {
    let path = cache_path(cache, url);
    assert!(!path.exists(), "{} exists", path.display());
    if let Some(parent) = path.parent().filter(|p| p.exists()) {
        let entries: Vec<_> = std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(entries.is_empty(), "left in {}: {entries:?}", parent.display());
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn clones_abandoned_by_dead_processes_are_removed_and_live_ones_kept() {
    let fx = Fixture::new();
    let server = GitHttpServer::start(&fx.root());
    let url = server.repo_url("app.git");
    let path = cache_path(fx.cache.path(), &url);
    let parent = path.parent().expect("parent");
    std::fs::create_dir_all(parent).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    // No process can have this id (above Linux's pid_max); process 1 always runs.
    let dead = parent.join(format!(".{name}.partial-999999999-0"));
    let live = parent.join(format!(".{name}.partial-1-0"));
    std::fs::create_dir_all(dead.join("objects")).unwrap();
    std::fs::create_dir_all(&live).unwrap();
    let outcome = sync_bare(&url, fx.cache.path(), None, &no_interrupt()).unwrap();
    assert!(outcome.cloned);
    assert!(!dead.exists(), "the killed audit's partial clone is gone");
    assert!(live.exists(), "a clone another running process makes is left alone");
}
