//! The HTML exposure report as a browser shows it: rendered from a hand-built
//! [`AuditReport`], opened in headless Chromium, checked on a screenshot (the live-credentials
//! header row's colour is on screen, above the fold) and on the parsed DOM.
//!
//! Without Chromium on `PATH` the browser part is skipped with a notice, unless
//! `LEAKHOUND_REQUIRE_CHROMIUM=1` (as in CI), which makes it a failure.
//! `LEAKHOUND_HTML_REPORT_KEEP=DIR` copies the report and its screenshot to `DIR` for a look.

mod common;

use std::path::Path;
use std::time::Instant;

use common::chromium;
use leakhound::datastore::model::{
    AuditReport, OccurrenceRow, ProviderRow, ReportFinding, RepositoryRow, TimelineBucket, Totals, TriageRow,
    ValidationRow,
};

/// The live-credentials header row's background, `#b3261e`.
const LIVE_HEADER: [u8; 3] = [0xb3, 0x26, 0x1e];
/// Redacted forms of the two fake credentials (never complete credentials).
const LIVE_REDACTED: &str = "xoxb********";
const REVOKED_REDACTED: &str = "AKIA********";

fn occurrence(repository: &str, commit: &str, path: &str, date: &str, summary: &str) -> OccurrenceRow {
    OccurrenceRow {
        repository: repository.into(),
        commit: commit.into(),
        path: path.into(),
        line: 12,
        column: 5,
        blob: "5f2c6e0d8a1b4c3d2e1f0a9b8c7d6e5f4a3b2c1d".into(),
        author_name: "Robin Dev".into(),
        author_email: "robin@example.org".into(),
        date: date.into(),
        summary: summary.into(),
        link: Some(format!("https://git.example.org/{repository}/blob/{commit}/{path}#L12")),
    }
}

fn report() -> AuditReport {
    let live = ReportFinding {
        fingerprint: "4be2a1c0d9e8f7a6b5c4d3e2f1a0b9c8".into(),
        rule_id: "slack-bot-token".into(),
        rule_name: "Slack bot token".into(),
        provider: "Slack".into(),
        severity: "critical".into(),
        confidence: "high".into(),
        redacted: LIVE_REDACTED.into(),
        secret: None,
        validation: Some(ValidationRow {
            status: "live".into(),
            checked_at: "2025-05-30T08:00:00Z".into(),
            reason: None,
            identity: vec![
                ("team".into(), "Acme Corp".into()),
                ("user".into(), "deploy-bot".into()),
            ],
        }),
        triage: None,
        first_seen: Some("2024-11-03T14:22:10Z".into()),
        last_seen: Some("2025-02-17T09:05:44Z".into()),
        present_at_head: false,
        repositories: vec!["acme/payments".into(), "acme/infra".into()],
        occurrences: vec![
            occurrence(
                "acme/payments",
                "9c1f3e5a7b9d1f3e5a7b9d1f3e5a7b9d1f3e5a7b",
                "config/slack.yml",
                "2024-11-03T14:22:10Z",
                "notify #payments on deploy",
            ),
            occurrence(
                "acme/infra",
                "2d4f6a8c0e2d4f6a8c0e2d4f6a8c0e2d4f6a8c0e",
                "ansible/<img src=x onerror=alert(1)>.yml",
                "2025-02-17T09:05:44Z",
                "copy bot config <script>alert(2)</script>",
            ),
        ],
    };
    let revoked = ReportFinding {
        fingerprint: "0d1c2b3a49586776a5b4c3d2e1f00f1e".into(),
        rule_id: "aws-access-key".into(),
        rule_name: "AWS access key".into(),
        provider: "AWS".into(),
        severity: "critical".into(),
        confidence: "high".into(),
        redacted: REVOKED_REDACTED.into(),
        secret: None,
        validation: Some(ValidationRow {
            status: "revoked".into(),
            checked_at: "2025-05-30T08:00:05Z".into(),
            reason: Some("InvalidClientTokenId".into()),
            identity: Vec::new(),
        }),
        triage: Some(TriageRow {
            status: "revoked".into(),
            note: Some("rotated in INC-1234".into()),
            updated_at: "2025-03-01T12:00:00Z".into(),
        }),
        first_seen: Some("2024-11-20T10:00:00Z".into()),
        last_seen: Some("2024-11-20T10:00:00Z".into()),
        present_at_head: false,
        repositories: vec!["acme/infra".into()],
        occurrences: vec![occurrence(
            "acme/infra",
            "7e9a1c3e5a7e9a1c3e5a7e9a1c3e5a7e9a1c3e5a",
            "terraform/providers.tf",
            "2024-11-20T10:00:00Z",
            "bootstrap terraform",
        )],
    };
    AuditReport {
        generated_at: "2025-06-01T07:30:00Z".into(),
        datastore: "/var/lib/leakhound/acme.db".into(),
        totals: Totals {
            repositories: 3,
            repositories_failed: 1,
            blobs_scanned: 48213,
            findings: 2,
            occurrences: 3,
            live: 1,
            revoked: 1,
            unknown: 0,
            unvalidated: 0,
            triaged_false_positive: 4,
            triaged_accepted: 1,
            triaged_revoked: 0,
        },
        findings: vec![live, revoked],
        providers: vec![
            ProviderRow {
                provider: "Slack".into(),
                findings: 1,
                live: 1,
                repositories: 2,
            },
            ProviderRow {
                provider: "AWS".into(),
                findings: 1,
                live: 0,
                repositories: 1,
            },
        ],
        repositories: vec![
            RepositoryRow {
                identity: "acme/infra".into(),
                url: Some("https://git.example.org/acme/infra".into()),
                findings: 2,
                live: 1,
                commits: 1840,
                last_scanned: Some("2025-06-01T07:00:00Z".into()),
                error: None,
            },
            RepositoryRow {
                identity: "acme/payments".into(),
                url: Some("https://git.example.org/acme/payments".into()),
                findings: 1,
                live: 1,
                commits: 920,
                last_scanned: Some("2025-06-01T07:10:00Z".into()),
                error: None,
            },
            RepositoryRow {
                identity: "acme/legacy".into(),
                url: Some("https://git.example.org/acme/legacy".into()),
                findings: 0,
                live: 0,
                commits: 0,
                last_scanned: None,
                error: Some("fetch failed: authentication required".into()),
            },
        ],
        timeline: vec![
            TimelineBucket {
                month: "2024-11".into(),
                introduced: 2,
                live: 1,
            },
            TimelineBucket {
                month: "2024-12".into(),
                introduced: 0,
                live: 0,
            },
            TimelineBucket {
                month: "2025-01".into(),
                introduced: 0,
                live: 0,
            },
            TimelineBucket {
                month: "2025-02".into(),
                introduced: 1,
                live: 1,
            },
        ],
    }
}

/// The markup of the `<table id="live-credentials">` element, if there is one.
fn live_table(html: &str) -> Option<&str> {
    let start = html.find("<table id=\"live-credentials\"")?;
    let end = html[start..].find("</table>")?;
    Some(&html[start..start + end])
}

#[test]
fn html_report_shows_live_credentials_first_in_a_browser() {
    let dir = tempfile::TempDir::new().unwrap();
    let html_path = dir.path().join("report.html");
    let mut html = Vec::new();
    leakhound::report::html::render(&report(), &mut html).unwrap();
    std::fs::write(&html_path, &html).unwrap();
    let html = String::from_utf8(html).unwrap();

    // What was written, browser or not.
    let table = live_table(&html).expect("a live-credentials table");
    assert!(table.contains(LIVE_REDACTED));
    assert!(!table.contains(REVOKED_REDACTED));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<script>alert"));

    let Some(browser) = chromium::find_chromium() else {
        if std::env::var("LEAKHOUND_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!(
                "LEAKHOUND_REQUIRE_CHROMIUM=1 but no chromium, chromium-browser or google-chrome is on PATH: \
                 install Chromium (e.g. `apt-get install chromium`) to run the HTML report's browser test"
            );
        }
        eprintln!(
            "notice: no chromium on PATH; the HTML report's browser checks were skipped \
             (set LEAKHOUND_REQUIRE_CHROMIUM=1 to make this a failure)"
        );
        return;
    };

    let png_path = dir.path().join("report.png");
    let started = Instant::now();
    chromium::screenshot(&html_path, &png_path, 1280, 900).unwrap_or_else(|e| panic!("screenshot failed: {e}"));
    eprintln!("{}: screenshot in {:.1?}", browser.display(), started.elapsed());
    keep(&html_path, &png_path);

    // The header row spans the table (about 1200 px wide, over 25 px high): tens of thousands
    // of pixels of a colour used nowhere else, all within the first 900 px of the page.
    let red = chromium::count_pixels(&png_path, LIVE_HEADER);
    eprintln!("{red} pixels of #b3261e in the screenshot");
    assert!(
        red > 2000,
        "the live-credentials header colour #b3261e covers only {red} pixels of the 1280x900 screenshot"
    );

    let started = Instant::now();
    let dom = chromium::dump_dom(&html_path);
    eprintln!("{}: DOM dump in {:.1?}", browser.display(), started.elapsed());
    let table = live_table(&dom).expect("the browser's DOM has the live-credentials table");
    assert!(table.contains(LIVE_REDACTED), "{table}");
    assert!(table.contains("deploy-bot"), "identity from the validation: {table}");
    assert!(!table.contains(REVOKED_REDACTED), "{table}");
    // Scanned text stayed text in the parsed document.
    assert!(!dom.contains("<img"), "an element injected by a path");
    assert!(dom.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    // The page's own script ran (its hash matches the Content-Security-Policy): it shows the
    // filter box that is hidden without JavaScript.
    let filter = dom
        .find("<input id=\"filter\"")
        .map(|start| &dom[start..start + dom[start..].find('>').unwrap_or(0)])
        .expect("the filter box");
    assert!(!filter.contains("hidden"), "the script did not run: {filter}");
}

/// Copies the report and its screenshot to `LEAKHOUND_HTML_REPORT_KEEP`, if set.
fn keep(html: &Path, png: &Path) {
    if let Some(dir) = std::env::var_os("LEAKHOUND_HTML_REPORT_KEEP") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(html, dir.join("report.html")).unwrap();
        std::fs::copy(png, dir.join("report.png")).unwrap();
    }
}
