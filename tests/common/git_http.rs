//! A smart-HTTP git server on 127.0.0.1 for clone tests: each request goes to
//! `git http-backend` as a CGI program, serving the repositories under a project root. It
//! records every request (and its `Authorization` header) and can require a given
//! `Authorization` value, answering 401 otherwise. Only the tests run git; leakhound does not.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct GitRequest {
    pub method: String,
    /// Path and query.
    pub url: String,
    pub authorization: Option<String>,
}

/// A running server; stops when dropped.
pub struct GitHttpServer {
    server: Arc<tiny_http::Server>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`, the host a token must be bound to.
    pub host: String,
    log: Arc<Mutex<Vec<GitRequest>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl GitHttpServer {
    /// Serves the repositories under `project_root` to anyone.
    pub fn start(project_root: &Path) -> GitHttpServer {
        GitHttpServer::start_requiring(project_root, None)
    }

    /// Serves the repositories under `project_root`, answering 401 to requests whose
    /// `Authorization` header is not `required` (when given).
    pub fn start_requiring(project_root: &Path, required: Option<String>) -> GitHttpServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("the git server binds"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let log: Arc<Mutex<Vec<GitRequest>>> = Arc::default();
        let home = project_root.join(".home");
        std::fs::create_dir_all(&home).unwrap();
        let threads = (0..4)
            .map(|_| {
                let server = Arc::clone(&server);
                let log = Arc::clone(&log);
                let root = project_root.to_path_buf();
                let home = home.clone();
                let required = required.clone();
                std::thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        serve(request, &root, &home, required.as_deref(), &log);
                    }
                })
            })
            .collect();
        GitHttpServer {
            server,
            url: format!("http://127.0.0.1:{port}"),
            host: format!("127.0.0.1:{port}"),
            log,
            threads,
        }
    }

    /// The clone URL of the repository at `name` under the project root.
    pub fn repo_url(&self, name: &str) -> String {
        format!("{}/{name}", self.url)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<GitRequest> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        // Each call wakes one waiting worker.
        for _ in &self.threads {
            self.server.unblock();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

fn serve(
    mut request: tiny_http::Request,
    root: &Path,
    home: &Path,
    required: Option<&str>,
    log: &Mutex<Vec<GitRequest>>,
) {
    let authorization = header(&request, "authorization");
    log.lock().unwrap().push(GitRequest {
        method: request.method().as_str().to_string(),
        url: request.url().to_string(),
        authorization: authorization.clone(),
    });
    if let Some(required) = required {
        if authorization.as_deref() != Some(required) {
            let mut response = tiny_http::Response::from_string("authentication required").with_status_code(401);
            response.add_header(tiny_http::Header::from_bytes("WWW-Authenticate", "Basic realm=\"git\"").unwrap());
            let _ = request.respond(response);
            return;
        }
    }
    let mut body = Vec::new();
    if request.as_reader().read_to_end(&mut body).is_err() {
        let _ = request.respond(tiny_http::Response::from_string("bad body").with_status_code(400));
        return;
    }
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (request.url().to_string(), String::new()),
    };
    let (status, headers, out) = run_backend(&request, root, home, &path, &query, body);
    let mut response = tiny_http::Response::from_data(out).with_status_code(status);
    for (name, value) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    let _ = request.respond(response);
}

/// Runs `git http-backend` for one request and parses its CGI answer.
fn run_backend(
    request: &tiny_http::Request,
    root: &Path,
    home: &Path,
    path: &str,
    query: &str,
    body: Vec<u8>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", request.method().as_str())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(content_type) = header(request, "content-type") {
        cmd.env("CONTENT_TYPE", content_type);
    }
    if let Some(protocol) = header(request, "git-protocol") {
        cmd.env("HTTP_GIT_PROTOCOL", protocol);
    }
    if let Some(encoding) = header(request, "content-encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", encoding);
    }
    let mut child = cmd.spawn().expect("git http-backend starts");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let output = child.wait_with_output().expect("git http-backend finishes");
    let _ = writer.join();
    parse_cgi(&output.stdout)
}

/// Splits a CGI answer into status, headers and body.
fn parse_cgi(out: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let (head, body) = match find(out, b"\r\n\r\n") {
        Some(i) => (&out[..i], &out[i + 4..]),
        None => match find(out, b"\n\n") {
            Some(i) => (&out[..i], &out[i + 2..]),
            None => return (500, Vec::new(), out.to_vec()),
        },
    };
    let mut status = 200;
    let mut headers = Vec::new();
    for line in String::from_utf8_lossy(head).lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        if name.eq_ignore_ascii_case("status") {
            status = value
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
        } else {
            headers.push((name.trim().to_string(), value));
        }
    }
    (status, headers, body.to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A fixture repository driven by the git CLI, isolated from the machine's configuration, and
/// the bare repository it is published to under a server's project root.
pub struct Upstream {
    /// The working repository commits are made in.
    pub work: PathBuf,
    /// The bare repository served, `PROJECT_ROOT/NAME`.
    pub bare: PathBuf,
    home: PathBuf,
    day: u32,
}

impl Upstream {
    /// A new working repository under `scratch` with an empty bare repository `name` under
    /// `project_root` to publish to.
    pub fn new(scratch: &Path, project_root: &Path, name: &str) -> Upstream {
        let work = scratch.join(format!("{name}-work"));
        let home = scratch.join(format!("{name}-home"));
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let bare = project_root.join(name);
        let upstream = Upstream {
            work,
            bare,
            home,
            day: 1,
        };
        upstream.git_in(&upstream.work, &["init", "-q", "-b", "main"]);
        upstream.git_in(
            project_root,
            &["init", "-q", "--bare", "-b", "main", &upstream.bare.to_string_lossy()],
        );
        upstream
    }

    /// Runs git in `dir`; panics on failure; returns trimmed stdout.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let date = format!("2024-01-{:02}T12:00:00Z", self.day);
        let out = super::git_command(dir, &self.home, &date)
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Runs git in the working repository.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.work, args)
    }

    /// Writes `files` and commits them on the current branch; returns the commit id.
    pub fn commit(&mut self, files: &[(&str, &str)], message: &str) -> String {
        for (name, content) in files {
            let file = self.work.join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.day += 1;
        self.git(&["rev-parse", "HEAD"])
    }

    /// Publishes every branch and tag of the working repository to the bare one.
    pub fn publish(&self) {
        let bare = self.bare.to_string_lossy().into_owned();
        self.git(&[
            "push",
            "-q",
            "--force",
            &bare,
            "refs/heads/*:refs/heads/*",
            "refs/tags/*:refs/tags/*",
        ]);
    }

    /// The id `rev` resolves to in the published repository.
    pub fn published(&self, rev: &str) -> String {
        self.git_in(&self.bare, &["rev-parse", rev])
    }
}
