//! A mock credential issuer on 127.0.0.1 for validation tests: records every request it
//! receives and answers with whatever the test's responder says.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub url: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering (a slow issuer).
    pub delay: Duration,
}

impl Reply {
    /// An answer with a body and no extra headers.
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Delays the answer.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// Decides the answer from the request and how many earlier requests were identical.
pub type Responder = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A running mock issuer; stops when dropped.
pub struct MockIssuer {
    server: Arc<tiny_http::Server>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl MockIssuer {
    /// Starts a mock on a free loopback port with four worker threads.
    pub fn start(responder: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> MockIssuer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("the mock issuer binds"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let responder: Arc<Responder> = Arc::new(responder);
        let threads = (0..4)
            .map(|_| {
                let server = Arc::clone(&server);
                let log = Arc::clone(&log);
                let responder = Arc::clone(&responder);
                std::thread::spawn(move || {
                    while let Ok(mut request) = server.recv() {
                        let mut body = String::new();
                        let _ = request.as_reader().read_to_string(&mut body);
                        let recorded = Recorded {
                            method: request.method().as_str().to_string(),
                            url: request.url().to_string(),
                            headers: request
                                .headers()
                                .iter()
                                .map(|h| {
                                    (
                                        h.field.as_str().as_str().to_ascii_lowercase(),
                                        h.value.as_str().to_string(),
                                    )
                                })
                                .collect(),
                            body,
                        };
                        let earlier = {
                            let mut log = log.lock().unwrap();
                            let earlier = log
                                .iter()
                                .filter(|r| {
                                    r.url == recorded.url
                                        && r.body == recorded.body
                                        && r.header("authorization") == recorded.header("authorization")
                                })
                                .count();
                            log.push(recorded.clone());
                            earlier
                        };
                        let reply = responder(&recorded, earlier);
                        std::thread::sleep(reply.delay);
                        let mut response = tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
                        for (name, value) in reply.headers {
                            response
                                .add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap());
                        }
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        MockIssuer {
            server,
            url: format!("http://127.0.0.1:{port}"),
            log,
            threads,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for MockIssuer {
    fn drop(&mut self) {
        for _ in &self.threads {
            self.server.unblock();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
