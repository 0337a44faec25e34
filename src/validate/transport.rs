//! Sending validator requests: TLS with certificate checks to the issuer's host only, no
//! redirects, a timeout per request, a request rate per host, and retries on 429/503 that
//! honour `Retry-After` within the run's budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::request::{url_host, HttpRequest, HttpResponse};
use crate::rules::schema::HttpMethod;

/// Largest answer read from an issuer; validators need a small JSON document at most.
const MAX_BODY: u64 = 1024 * 1024;
/// Longest `Retry-After` honoured; a longer one ends in `unknown (rate limited)`.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// `--validation-endpoint HOST=URL`: for tests, what would go to HOST goes to URL instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointOverride {
    /// The issuer host being replaced, lower-case.
    pub host: String,
    /// `scheme://authority[/prefix]`, without a trailing slash.
    pub base: String,
}

impl EndpointOverride {
    /// Parses `HOST=URL`. Plain `http://` is accepted only for loopback addresses, so the
    /// override can point at a test's mock issuer but cannot send secrets over the network
    /// unencrypted.
    pub fn parse(text: &str) -> Result<EndpointOverride, String> {
        let (host, url) = text
            .split_once('=')
            .ok_or_else(|| format!("invalid validation endpoint {text:?}: expected HOST=URL"))?;
        let host = host.trim().to_ascii_lowercase();
        if host.is_empty() || host.contains(['/', ':']) {
            return Err(format!(
                "invalid validation endpoint {text:?}: HOST is a host name such as api.github.com"
            ));
        }
        let url = url.trim().trim_end_matches('/');
        let target =
            url_host(url).ok_or_else(|| format!("invalid validation endpoint {text:?}: URL is not absolute"))?;
        if url.starts_with("http://") {
            if !is_loopback(&target) {
                return Err(format!(
                    "invalid validation endpoint {text:?}: plain http is only allowed to a loopback address"
                ));
            }
        } else if !url.starts_with("https://") {
            return Err(format!("invalid validation endpoint {text:?}: URL must be http(s)://"));
        }
        Ok(EndpointOverride {
            host,
            base: url.to_string(),
        })
    }

    /// Parses the comma-separated list of `LEAKHOUND_VALIDATION_ENDPOINTS`.
    pub fn parse_list(text: &str) -> Result<Vec<EndpointOverride>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(EndpointOverride::parse)
            .collect()
    }
}

/// True for 127.0.0.0/8, ::1 and localhost.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Sends requests for the runner.
pub struct Transport {
    /// For issuers: https only, proxy from the environment (TLS still ends at the issuer).
    issuer: ureq::Agent,
    /// For overridden endpoints: no proxy, so loopback stays loopback.
    overridden: ureq::Agent,
    overrides: Vec<EndpointOverride>,
    timeout: Duration,
    retries: u32,
    interval: Duration,
    next_slot: Mutex<HashMap<String, Instant>>,
    sent: AtomicUsize,
}

impl Transport {
    /// A transport with a per-request `timeout`, `rate` requests per second per host and
    /// up to `retries` retries of rate-limited requests.
    pub fn new(overrides: Vec<EndpointOverride>, timeout: Duration, rate: f64, retries: u32) -> Transport {
        let issuer = agent_config().https_only(true).build().new_agent();
        let overridden = agent_config().proxy(None).build().new_agent();
        let interval = if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        Transport {
            issuer,
            overridden,
            overrides,
            timeout,
            retries,
            interval,
            next_slot: Mutex::new(HashMap::new()),
            sent: AtomicUsize::new(0),
        }
    }

    /// Requests actually sent (retries included).
    pub fn requests_sent(&self) -> usize {
        self.sent.load(Ordering::Relaxed)
    }

    /// Where a request for `url` really goes: the URL itself, or its override.
    pub fn destination(&self, url: &str) -> (String, bool) {
        let host = url_host(url).unwrap_or_default();
        match self.overrides.iter().find(|o| o.host == host) {
            Some(o) => {
                let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or("");
                let path = after_scheme.find(['/', '?']).map(|i| &after_scheme[i..]).unwrap_or("/");
                (format!("{}{}", o.base, path), true)
            }
            None => (url.to_string(), false),
        }
    }

    /// Sends `request`, retrying 429/503 answers; an `Err` is the reason the result is
    /// `unknown` (timeout, network, TLS, budget).
    pub fn send(&self, request: &HttpRequest, deadline: Instant) -> Result<HttpResponse, String> {
        let host = request.host().ok_or("the validator built a request without a host")?;
        let (url, overridden) = self.destination(&request.url);
        let mut attempt = 0;
        loop {
            self.wait_turn(&host, deadline)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("validation budget exhausted before this credential was checked".into());
            }
            let response = self.send_once(request, &url, overridden, self.timeout.min(left))?;
            if matches!(response.status, 429 | 503) && attempt < self.retries {
                let wait = retry_after(&response).unwrap_or(Duration::from_secs(1 << attempt));
                if wait > MAX_RETRY_WAIT || Instant::now() + wait >= deadline {
                    return Ok(response);
                }
                std::thread::sleep(wait);
                attempt += 1;
                continue;
            }
            return Ok(response);
        }
    }

    /// Waits for this host's next request slot.
    fn wait_turn(&self, host: &str, deadline: Instant) -> Result<(), String> {
        if self.interval.is_zero() {
            return Ok(());
        }
        let slot = {
            let mut slots = self.next_slot.lock().map_err(|_| "rate limiter poisoned")?;
            let now = Instant::now();
            let slot = slots.get(host).copied().filter(|s| *s > now).unwrap_or(now);
            if slot >= deadline {
                return Err("validation budget exhausted before this credential was checked".into());
            }
            slots.insert(host.to_string(), slot + self.interval);
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
        Ok(())
    }

    fn send_once(
        &self,
        request: &HttpRequest,
        url: &str,
        overridden: bool,
        timeout: Duration,
    ) -> Result<HttpResponse, String> {
        let agent = if overridden { &self.overridden } else { &self.issuer };
        self.sent.fetch_add(1, Ordering::Relaxed);
        let result = match request.method {
            HttpMethod::Get | HttpMethod::Head => {
                let mut builder = if request.method == HttpMethod::Get {
                    agent.get(url)
                } else {
                    agent.head(url)
                };
                for (name, value) in &request.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                builder.config().timeout_global(Some(timeout)).build().call()
            }
            HttpMethod::Post => {
                let mut builder = agent.post(url);
                for (name, value) in &request.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                let builder = builder.config().timeout_global(Some(timeout)).build();
                match &request.body {
                    Some(body) => builder.send(body.as_slice()),
                    None => builder.send_empty(),
                }
            }
        };
        let mut response = result.map_err(describe_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = if request.method == HttpMethod::Head {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(describe_error)?
        };
        Ok(HttpResponse { status, headers, body })
    }
}

/// What every agent shares: statuses are answers, not errors, and no redirect is followed.
/// Also used by the GitHub repository listing of `audit`, which wants the same guarantees.
pub(crate) fn agent_config() -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(concat!("leakhound/", env!("CARGO_PKG_VERSION")))
}

/// The `Retry-After` wait: seconds or an HTTP date.
fn retry_after(response: &HttpResponse) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A short reason for a failed exchange, in the words a report uses.
fn describe_error(error: ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timeout: the issuer did not answer in time".into(),
        ureq::Error::HostNotFound => "network unreachable: the issuer's host name does not resolve".into(),
        ureq::Error::ConnectionFailed => "network unreachable: cannot connect to the issuer".into(),
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            "timeout: the issuer did not answer in time".into()
        }
        // rustls reports certificate and handshake failures through the I/O error.
        ureq::Error::Io(e) if is_tls_failure(&e.to_string()) => format!("TLS failure, nothing was sent: {e}"),
        ureq::Error::Io(e) => format!("network unreachable: {e}"),
        ureq::Error::Rustls(e) => format!("TLS failure, nothing was sent: {e}"),
        ureq::Error::Tls(e) => format!("TLS failure, nothing was sent: {e}"),
        ureq::Error::TlsRequired => "refused: the issuer must be reached over TLS".into(),
        ureq::Error::BodyExceedsLimit(_) => "the issuer's answer was too large to read".into(),
        other => format!("request failed: {other}"),
    }
}

fn is_tls_failure(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    ["certificate", "handshake", "tls", "alert"]
        .iter()
        .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_allow_plain_http_only_to_loopback() {
        let o = EndpointOverride::parse("api.github.com=http://127.0.0.1:9000/").unwrap();
        assert_eq!(o.host, "api.github.com");
        assert_eq!(o.base, "http://127.0.0.1:9000");
        assert!(EndpointOverride::parse("api.github.com=http://localhost:1").is_ok());
        assert!(EndpointOverride::parse("api.github.com=http://10.0.0.1:9000").is_err());
        assert!(EndpointOverride::parse("api.github.com=https://mirror.internal").is_ok());
        assert!(EndpointOverride::parse("api.github.com").is_err());
        assert!(EndpointOverride::parse("api.github.com=ftp://127.0.0.1").is_err());
        let list = EndpointOverride::parse_list("a.test=http://127.0.0.1:1, b.test=http://127.0.0.1:2").unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn overridden_urls_keep_path_and_query() {
        let t = Transport::new(
            vec![EndpointOverride::parse("api.github.com=http://127.0.0.1:9000/gh").unwrap()],
            Duration::from_secs(1),
            0.0,
            0,
        );
        assert_eq!(
            t.destination("https://api.github.com/user?x=1"),
            ("http://127.0.0.1:9000/gh/user?x=1".to_string(), true)
        );
        assert_eq!(
            t.destination("https://slack.com/api/auth.test"),
            ("https://slack.com/api/auth.test".to_string(), false)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut r = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "3".into())],
            body: Vec::new(),
        };
        assert_eq!(retry_after(&r), Some(Duration::from_secs(3)));
        r.headers[0].1 = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let wait = retry_after(&r).unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
    }
}
