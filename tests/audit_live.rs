//! An audit with `--validate` against a mock GitHub on 127.0.0.1: answers are recorded with
//! their time, later audits re-validate only what they can (stored secrets), and the HTML
//! exposure report shows the live credentials to a real browser.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::leakhound;
use common::mock_issuer::{MockIssuer, Reply};
use common::org::Org;
use serde_json::Value;

/// A mock api.github.com/user: the token of `live` is live (until `revoke` is set), every
/// other token is revoked.
fn mock_github(live: String, revoke: Arc<AtomicBool>) -> MockIssuer {
    MockIssuer::start(move |request, _| {
        let token = request
            .header("authorization")
            .unwrap_or("")
            .trim_start_matches("Bearer ")
            .to_string();
        if token == live && !revoke.load(Ordering::SeqCst) {
            Reply::new(200, r#"{"login":"octo-leaker","name":"Octo Leaker"}"#)
                .header("X-OAuth-Scopes", "repo, admin:org")
        } else {
            Reply::new(401, r#"{"message":"Bad credentials"}"#)
        }
    })
}

fn audit(db: &Path, org: &Org, issuer: &MockIssuer, extra: &[&str]) -> String {
    let output = leakhound()
        .args(["audit", "--validate", "--validation-endpoint"])
        .arg(format!("api.github.com={}", issuer.url))
        .arg("--datastore")
        .arg(db)
        .arg(org.root())
        .args(extra)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    stderr
}

fn report(db: &Path, args: &[&str]) -> Value {
    let output = leakhound()
        .args(["report", "-f", "json", "--datastore"])
        .arg(db)
        .args(args)
        .output()
        .expect("runs");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn live_token(org: &Org) -> String {
    // The fork-only secret: exactly one repository, one place.
    org.planted
        .iter()
        .find(|p| p.repositories == vec!["app-fork1"])
        .expect("planted")
        .secret
        .clone()
}

#[test]
fn validation_results_are_recorded_and_stored_secrets_are_revalidated() {
    let org = Org::build(None);
    let revoke = Arc::new(AtomicBool::new(false));
    let issuer = mock_github(live_token(&org), revoke.clone());
    let db = org.dir.path().join("live.db");
    audit(&db, &org, &issuer, &["--store-secrets"]);
    let asked = issuer.requests().len();
    assert_eq!(asked, org.planted.len(), "each credential asked once, forks included");
    let first = report(&db, &[]);
    assert_eq!(first["totals"]["live"], 1, "{}", first["totals"]);
    assert_eq!(first["totals"]["revoked"], org.planted.len() - 1);
    let live = &first["findings"][0];
    assert_eq!(live["validation"]["status"], "live", "live credentials come first");
    assert_eq!(live["validation"]["identity"][0][0], "login");
    assert_eq!(live["validation"]["identity"][0][1], "octo-leaker");
    assert_eq!(first["providers"][0]["live"], 1);

    // Nothing changed in the repositories, but stored secrets are asked about again: the
    // credential has been revoked since, and the report says so.
    revoke.store(true, Ordering::SeqCst);
    let stderr = audit(&db, &org, &issuer, &["--store-secrets"]);
    assert!(stderr.contains("0 scanned, 11 unchanged"), "{stderr}");
    assert_eq!(issuer.requests().len(), asked * 2);
    let second = report(&db, &[]);
    assert_eq!(second["totals"]["live"], 0);
    assert_eq!(second["totals"]["revoked"], org.planted.len());
}

#[test]
fn without_stored_secrets_a_reaudit_sends_nothing_and_keeps_the_last_answers() {
    let org = Org::build(None);
    let issuer = mock_github(live_token(&org), Arc::new(AtomicBool::new(false)));
    let db = org.dir.path().join("live.db");
    audit(&db, &org, &issuer, &[]);
    let asked = issuer.requests().len();
    assert_eq!(asked, org.planted.len());
    audit(&db, &org, &issuer, &[]);
    assert_eq!(issuer.requests().len(), asked, "no secret kept, nothing to send again");
    assert_eq!(report(&db, &[])["totals"]["live"], 1);
    assert_eq!(
        report(&db, &["--only-live"])["findings"].as_array().map(Vec::len),
        Some(1)
    );
}

/// The live-credentials table's header colour in the HTML report.
const LIVE_HEADER: [u8; 3] = [0xb3, 0x26, 0x1e];

#[test]
fn the_html_report_of_an_audit_shows_the_live_credentials_table_in_a_browser() {
    let org = Org::build(None);
    let token = live_token(&org);
    let issuer = mock_github(token.clone(), Arc::new(AtomicBool::new(false)));
    let db = org.dir.path().join("live.db");
    audit(&db, &org, &issuer, &[]);
    let html = org.dir.path().join("exposure.html");
    let output = leakhound()
        .args(["report", "-f", "html", "--datastore"])
        .arg(&db)
        .arg("-o")
        .arg(&html)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&html).expect("written");
    assert!(
        !text.contains(&token),
        "the report never shows a secret it was not asked to"
    );
    let live = report(&db, &["--only-live"]);
    let redacted = live["findings"][0]["redacted"].as_str().expect("redacted").to_string();

    let Some(_) = common::chromium::find_chromium() else {
        assert_ne!(
            std::env::var("LEAKHOUND_REQUIRE_CHROMIUM").as_deref(),
            Ok("1"),
            "LEAKHOUND_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)"
        );
        eprintln!("note: chromium not found; the browser half of this test did not run");
        return;
    };
    let png = org.dir.path().join("exposure.png");
    common::chromium::screenshot(&html, &png, 1280, 900).expect("screenshot");
    if let Some(keep) = std::env::var_os("LEAKHOUND_HTML_REPORT_KEEP") {
        let keep = std::path::PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("keep dir");
        std::fs::copy(&html, keep.join("audit-exposure.html")).expect("copy");
        std::fs::copy(&png, keep.join("audit-exposure.png")).expect("copy");
    }
    let pixels = common::chromium::count_pixels(&png, LIVE_HEADER);
    assert!(
        pixels > 2000,
        "the live-credentials table header is on screen: {pixels} pixels"
    );
    let dom = common::chromium::dump_dom(&html);
    let start = dom.find("id=\"live-credentials\"").expect("live table in the DOM");
    let table = &dom[start..];
    let table = &table[..table.find("</table>").expect("table end")];
    assert!(table.contains(&redacted), "the live credential is in the table");
    assert!(table.contains("octo-leaker"), "with the identity the issuer gave");
    assert!(table.contains("app-fork1"), "and the repository it leaked in");
}

#[test]
fn the_per_host_rate_limit_holds_across_repositories() {
    use std::time::{Duration, Instant};
    let org = Org::build(None);
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::<Instant>::new()));
    let seen = arrivals.clone();
    let issuer = MockIssuer::start(move |_, _| {
        if let Ok(mut times) = seen.lock() {
            times.push(Instant::now());
        }
        Reply::new(401, "{}")
    });
    let db = org.dir.path().join("rate.db");
    // Each repository holds one or two credentials: a limiter per repository would let the
    // first requests of consecutive repositories through back to back.
    audit(&db, &org, &issuer, &["--validate-rate", "4"]);
    let mut times = arrivals.lock().map(|t| t.clone()).unwrap_or_default();
    assert_eq!(times.len(), org.planted.len());
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(200),
            "4 requests/s to one host across the audit: gap {gap:?}"
        );
    }
}
