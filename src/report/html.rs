//! The HTML exposure report of an organization-wide audit: one self-contained file, rendered
//! from an [`AuditReport`], that can be mailed, attached to a ticket or opened offline.
//!
//! Why it is built the way it is:
//!
//! - Nothing is fetched: CSS and the small script are inline, there are no images, fonts or
//!   links to stylesheets, and a Content-Security-Policy forbids every load and every script
//!   but the page's own (by hash). Opening the report leaks nothing to anyone.
//! - Most strings of the model come from scanned repositories (paths, commit summaries,
//!   author names) or from people (triage notes): every string is HTML-escaped, and
//!   bidirectional-override characters, which can make a path read as another, are shown as
//!   visible `<U+…>` marks. A link becomes a hyperlink only when it is `https://`.
//! - It reads well without JavaScript: occurrence lists are `<details>` elements; the script
//!   only adds a text filter and opens every list before printing.
//! - Live credentials come first, in a table with a header row of a colour used nowhere else
//!   (`#b3261e`), so that a screenshot test can find it.

use std::fmt;
use std::io::{self, BufWriter, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::datastore::model::{
    AuditReport, OccurrenceRow, ProviderRow, ReportFinding, RepositoryRow, TimelineBucket, TriageRow, ValidationRow,
};

/// Background of the live-credentials table's header row. The stylesheet uses it for that row
/// only, so the end-to-end test can count its pixels in a screenshot.
const LIVE_HEADER_BACKGROUND: &str = "#b3261e";

/// The page's stylesheet. No `url(`, no `@import`: nothing may be loaded.
const STYLE: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--live:#8c1d18;--live-bg:#fce8e6;--live-bar:#d6453d;--ok:#116329;--ok-bg:#dafbe1;--warn:#7d4e00;--warn-bg:#fff8c5;--info:#0550ae;--info-bg:#ddf4ff;--bar:#8fa8c8}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:0 0 6px}
a{color:var(--info)}
code,.mono{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.muted{color:var(--muted)}
.meta{margin:0;color:var(--muted)}
.meta code{color:var(--fg)}
.banner{margin:12px 0 0;padding:8px 12px;border:1px solid #f3b8b3;border-radius:6px;background:var(--live-bg);color:var(--live);font-weight:600}
nav{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;margin:14px 0 0;padding:8px 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}
nav a{text-decoration:none}
nav input{margin-left:auto;min-width:260px;padding:4px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
.cards{display:grid;grid-template-columns:repeat(9,minmax(0,1fr));gap:8px;margin:16px 0 0}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 10px;background:var(--soft)}
.card .n{display:block;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.card .l{display:block;color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.04em}
.card .d{display:block;color:var(--muted);font-size:11px}
.card.alert{background:var(--live-bg);border-color:#f3b8b3;color:var(--live)}
.card.alert .l{color:var(--live)}
.card.warn{background:var(--warn-bg);border-color:#e7d58a;color:var(--warn)}
.card.warn .l{color:var(--warn)}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
td{overflow-wrap:anywhere}
th{background:var(--soft);font-weight:600;white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
#live-credentials thead tr,#live-credentials thead th{background:LIVE_HEADER_BACKGROUND;color:#fff;-webkit-print-color-adjust:exact;print-color-adjust:exact}
#live-credentials td{background:#fffafa}
p.none-live{margin:0;padding:12px 14px;border:1px solid var(--ok);border-radius:6px;background:var(--ok-bg);color:var(--ok);font-weight:600}
tr.failed td{background:var(--warn-bg)}
.error{color:var(--live);font-weight:600}
.badge{display:inline-block;margin:0 4px 2px 0;padding:0 8px;border:1px solid;border-radius:999px;font-size:12px;font-weight:600;line-height:1.6;white-space:nowrap}
.s-live{background:var(--live-bg);color:var(--live);border-color:#f3b8b3}
.s-revoked{background:var(--ok-bg);color:var(--ok);border-color:#aceebb}
.s-unknown{background:var(--warn-bg);color:var(--warn);border-color:#e7d58a}
.s-unvalidated,.s-plain{background:var(--soft);color:var(--muted);border-color:var(--line)}
.t-triage{background:var(--info-bg);color:var(--info);border-color:#a8d2f5}
.sev-critical,.sev-high{background:#fff1e5;color:#953800;border-color:#ffc9a3}
.note{font-style:italic}
.timeline td{padding-top:3px;padding-bottom:3px}
.timeline .track{width:60%}
.bar{display:flex;height:14px;min-width:2px;background:var(--bar);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar .live{display:block;height:100%;background:var(--live-bar)}
.legend{margin:6px 0 0;color:var(--muted);font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;vertical-align:-1px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.finding{margin:0 0 14px;padding:12px 14px;border:1px solid var(--line);border-left-width:4px;border-radius:6px}
.finding.live{border-left-color:var(--live-bar)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
.facts dt{color:var(--muted)}
.facts dd{margin:0;overflow-wrap:anywhere}
.secret{background:var(--live-bg);color:var(--live);padding:0 4px;border-radius:3px}
details{margin-top:6px}
summary{cursor:pointer;color:var(--info);font-weight:600}
details table{margin-top:6px;font-size:13px}
@media (max-width:1000px){.cards{grid-template-columns:repeat(3,minmax(0,1fr))}}
@media print{
 body{font-size:10pt}
 main{max-width:none;padding:0}
 nav{display:none}
 h2{break-after:avoid}
 tr,.card,.finding{break-inside:avoid}
 thead{display:table-header-group}
 a{color:inherit;text-decoration:none}
 .wrap{overflow:visible}
 details>summary{list-style:none}
}
"#;

/// The page's only script: a text filter over tables and findings, and every occurrence list
/// opened before printing. The page works without it.
const SCRIPT: &str = r#"
(function(){
var box=document.getElementById('filter');
var items=document.querySelectorAll('[data-filter]');
if(box){
box.hidden=false;
box.addEventListener('input',function(){
var q=box.value.trim().toLowerCase();
items.forEach(function(e){e.hidden=q!==''&&e.textContent.toLowerCase().indexOf(q)<0;});
});
}
window.addEventListener('beforeprint',function(){
document.querySelectorAll('details').forEach(function(d){d.open=true;});
});
})();
"#;

/// Writes `report` as one self-contained HTML document to `out`.
///
/// Strings of the model are escaped, links are hyperlinks only when `https://`, and secrets
/// appear only as [`ReportFinding::redacted`] unless the caller put [`ReportFinding::secret`]
/// in the model: what is revealed is the caller's decision, not the renderer's.
pub fn render(report: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let mut out = BufWriter::new(out);
    write_head(&mut out)?;
    writeln!(out, "<body>\n<main>")?;
    write_header(&mut out, report)?;
    write_totals(&mut out, report)?;
    write_live(&mut out, &report.findings)?;
    write_providers(&mut out, &report.providers)?;
    write_repositories(&mut out, &report.repositories)?;
    write_timeline(&mut out, &report.timeline)?;
    write_findings(&mut out, &report.findings)?;
    writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")?;
    out.flush()
}

fn write_head(out: &mut impl Write) -> io::Result<()> {
    let script_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'\">"
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>leakhound exposure report</title>")?;
    writeln!(
        out,
        "<style>{}</style>\n</head>",
        STYLE.replace("LIVE_HEADER_BACKGROUND", LIVE_HEADER_BACKGROUND)
    )
}

fn write_header(out: &mut impl Write, report: &AuditReport) -> io::Result<()> {
    writeln!(out, "<header>\n<h1>leakhound exposure report</h1>")?;
    writeln!(
        out,
        "<p class=\"meta\">Generated <span class=\"nowrap\">{}</span> from datastore <code>{}</code> · {} unique blobs scanned</p>",
        Esc(&report.generated_at),
        Esc(&report.datastore),
        report.totals.blobs_scanned,
    )?;
    if report.findings.iter().any(|f| f.secret.is_some()) {
        writeln!(
            out,
            "<p class=\"banner\">This report contains unredacted secrets. Store and share it like the credentials themselves.</p>"
        )?;
    }
    writeln!(
        out,
        "<nav><a href=\"#live\">Live credentials</a><a href=\"#providers\">Providers</a>\
         <a href=\"#repositories\">Repositories</a><a href=\"#timeline\">Timeline</a><a href=\"#findings\">All findings</a>\
         <input id=\"filter\" type=\"search\" placeholder=\"Filter by any text (path, author, rule…)\" aria-label=\"Filter\" hidden></nav>\n</header>"
    )
}

fn write_totals(out: &mut impl Write, report: &AuditReport) -> io::Result<()> {
    let t = &report.totals;
    let triaged = t.triaged_false_positive + t.triaged_accepted + t.triaged_revoked;
    let triaged_detail = format!(
        "{} false positive, {} accepted, {} revoked",
        t.triaged_false_positive, t.triaged_accepted, t.triaged_revoked
    );
    let cards: [(&str, u64, &str, &str); 9] = [
        ("Repositories", t.repositories, "", ""),
        (
            "Failed",
            t.repositories_failed,
            if t.repositories_failed > 0 { "warn" } else { "" },
            "last clone, fetch or scan",
        ),
        ("Findings", t.findings, "", "unique credentials"),
        ("Occurrences", t.occurrences, "", ""),
        ("Live", t.live, if t.live > 0 { "alert" } else { "" }, "rotate first"),
        ("Revoked", t.revoked, "", ""),
        ("Unknown", t.unknown, "", "inconclusive answer"),
        ("Unvalidated", t.unvalidated, "", "never checked"),
        ("Triaged", triaged, "", &triaged_detail),
    ];
    writeln!(
        out,
        "<section id=\"totals\" aria-label=\"Totals\">\n<div class=\"cards\">"
    )?;
    for (label, n, class, detail) in cards {
        write!(
            out,
            "<div class=\"card {class}\"><span class=\"l\">{label}</span><span class=\"n\">{n}</span>"
        )?;
        if !detail.is_empty() {
            write!(out, "<span class=\"d\">{}</span>", Esc(detail))?;
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</div>\n</section>")
}

fn write_live(out: &mut impl Write, findings: &[ReportFinding]) -> io::Result<()> {
    writeln!(out, "<section id=\"live\">\n<h2>Live credentials</h2>")?;
    let live: Vec<(usize, &ReportFinding)> = findings.iter().enumerate().filter(|(_, f)| is_live(f)).collect();
    if live.is_empty() {
        writeln!(
            out,
            "<p id=\"live-credentials\" class=\"none-live\">No live credentials: no issuer confirmed any of these \
             credentials as working at the last validation.</p>\n</section>"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "<p class=\"muted\">The issuer confirmed these credentials work. Rotate them with the provider first: \
         deleting them from the code does not remove them from history.</p>"
    )?;
    writeln!(
        out,
        "<div class=\"wrap\"><table id=\"live-credentials\">\n<thead><tr><th>Provider</th><th>Rule</th><th>Redacted secret</th>\
         <th>Identity</th><th>Repositories</th><th>First seen</th><th>Last seen</th><th class=\"num\">Occurrences</th></tr></thead>\n<tbody>"
    )?;
    for (index, f) in live {
        write!(out, "<tr data-filter><td>{}</td>", Esc(&f.provider))?;
        write!(
            out,
            "<td><a href=\"#finding-{index}\">{}</a><br><code class=\"muted\">{}</code></td>",
            Esc(&f.rule_name),
            Esc(&f.rule_id)
        )?;
        write!(out, "<td><code>{}</code>", Esc(&f.redacted))?;
        if let Some(secret) = &f.secret {
            write!(out, "<br><code class=\"secret\">{}</code>", Esc(secret))?;
        }
        write!(out, "</td><td>")?;
        match &f.validation {
            Some(v) if !v.identity.is_empty() => write_identity(out, v)?,
            _ => write!(out, "<span class=\"muted\">—</span>")?,
        }
        write!(out, "</td><td>")?;
        write_lines(out, &f.repositories)?;
        writeln!(
            out,
            "</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            Day(f.first_seen.as_deref()),
            Day(f.last_seen.as_deref()),
            f.occurrences.len()
        )?;
    }
    writeln!(out, "</tbody></table></div>\n</section>")
}

fn write_providers(out: &mut impl Write, providers: &[ProviderRow]) -> io::Result<()> {
    writeln!(out, "<section id=\"providers\">\n<h2>By provider</h2>")?;
    if providers.is_empty() {
        return writeln!(out, "<p class=\"muted\">No findings.</p>\n</section>");
    }
    writeln!(
        out,
        "<div class=\"wrap\"><table>\n<thead><tr><th>Provider</th><th class=\"num\">Findings</th><th class=\"num\">Live</th>\
         <th class=\"num\">Repositories</th></tr></thead>\n<tbody>"
    )?;
    for p in providers {
        writeln!(
            out,
            "<tr data-filter><td>{}</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td></tr>",
            Esc(&p.provider),
            p.findings,
            if p.live > 0 { " error" } else { "" },
            p.live,
            p.repositories
        )?;
    }
    writeln!(out, "</tbody></table></div>\n</section>")
}

fn write_repositories(out: &mut impl Write, repositories: &[RepositoryRow]) -> io::Result<()> {
    writeln!(out, "<section id=\"repositories\">\n<h2>By repository</h2>")?;
    if repositories.is_empty() {
        return writeln!(out, "<p class=\"muted\">No repositories.</p>\n</section>");
    }
    writeln!(
        out,
        "<div class=\"wrap\"><table>\n<thead><tr><th>Repository</th><th class=\"num\">Findings</th><th class=\"num\">Live</th>\
         <th class=\"num\">Commits</th><th>Last scanned</th><th>Error</th></tr></thead>\n<tbody>"
    )?;
    for r in repositories {
        let class = if r.error.is_some() { " class=\"failed\"" } else { "" };
        write!(out, "<tr{class} data-filter><td>")?;
        match r.url.as_deref() {
            Some(url) if is_https(url) => write!(
                out,
                "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                Esc(url),
                Esc(&r.identity)
            )?,
            Some(url) if url != r.identity => {
                write!(out, "{}<br><span class=\"muted\">{}</span>", Esc(&r.identity), Esc(url))?
            }
            _ => write!(out, "{}", Esc(&r.identity))?,
        }
        write!(
            out,
            "</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td><td>{}</td><td>",
            r.findings,
            if r.live > 0 { " error" } else { "" },
            r.live,
            r.commits,
            Day(r.last_scanned.as_deref())
        )?;
        if let Some(error) = &r.error {
            write!(out, "<span class=\"error\">{}</span>", Esc(error))?;
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody></table></div>\n</section>")
}

fn write_timeline(out: &mut impl Write, timeline: &[TimelineBucket]) -> io::Result<()> {
    writeln!(out, "<section id=\"timeline\">\n<h2>Introductions per month</h2>")?;
    if timeline.is_empty() {
        return writeln!(out, "<p class=\"muted\">No dated occurrences.</p>\n</section>");
    }
    let max = timeline.iter().map(|b| b.introduced).max().unwrap_or(0);
    writeln!(
        out,
        "<div class=\"wrap\"><table class=\"timeline\">\n<thead><tr><th>Month</th><th class=\"num\">Introduced</th>\
         <th class=\"num\">Still live</th><th class=\"track\"><span class=\"muted\">Secrets introduced</span></th></tr></thead>\n<tbody>"
    )?;
    for b in timeline {
        let live = b.live.min(b.introduced);
        write!(
            out,
            "<tr><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"track\">",
            Esc(&b.month),
            b.introduced,
            b.live
        )?;
        if b.introduced > 0 {
            writeln!(
                out,
                "<div class=\"bar\" style=\"width:{:.1}%\"><span class=\"live\" style=\"width:{:.1}%\"></span></div></td></tr>",
                percent(b.introduced, max),
                percent(live, b.introduced)
            )?;
        } else {
            writeln!(out, "</td></tr>")?;
        }
    }
    writeln!(
        out,
        "</tbody></table></div>\n<p class=\"legend\">Bar length: secrets introduced that month.\
         <span class=\"swatch\" style=\"background:var(--live-bar)\"></span>still live\
         <span class=\"swatch\" style=\"background:var(--bar)\"></span>not live or not validated</p>\n</section>"
    )
}

fn write_findings(out: &mut impl Write, findings: &[ReportFinding]) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"findings\">\n<h2>All findings ({})</h2>",
        findings.len()
    )?;
    if findings.is_empty() {
        return writeln!(out, "<p class=\"muted\">No findings.</p>\n</section>");
    }
    for (index, f) in findings.iter().enumerate() {
        write_finding(out, index, f)?;
    }
    writeln!(out, "</section>")
}

fn write_finding(out: &mut impl Write, index: usize, f: &ReportFinding) -> io::Result<()> {
    let live = is_live(f);
    writeln!(
        out,
        "<article class=\"finding{}\" id=\"finding-{index}\" data-filter>",
        if live { " live" } else { "" }
    )?;
    writeln!(
        out,
        "<h3>{} <code class=\"muted\">{}</code></h3>",
        Esc(&f.rule_name),
        Esc(&f.rule_id)
    )?;
    write!(out, "<div>")?;
    match &f.validation {
        Some(v) => write!(
            out,
            "<span class=\"badge {}\">{}</span>",
            validation_class(&v.status),
            Esc(&v.status.to_uppercase())
        )?,
        None => write!(out, "<span class=\"badge s-unvalidated\">UNVALIDATED</span>")?,
    }
    if let Some(t) = &f.triage {
        write_triage_badge(out, t)?;
    }
    if f.present_at_head {
        write!(out, "<span class=\"badge sev-high\">STILL AT HEAD</span>")?;
    }
    write!(
        out,
        "<span class=\"badge {}\">severity: {}</span><span class=\"badge s-plain\">confidence: {}</span>",
        severity_class(&f.severity),
        Esc(&f.severity),
        Esc(&f.confidence)
    )?;
    writeln!(out, "</div>\n<dl class=\"facts\">")?;
    writeln!(out, "<dt>Provider</dt><dd>{}</dd>", Esc(&f.provider))?;
    writeln!(out, "<dt>Secret</dt><dd><code>{}</code></dd>", Esc(&f.redacted))?;
    if let Some(secret) = &f.secret {
        writeln!(
            out,
            "<dt>Unredacted</dt><dd><code class=\"secret\">{}</code></dd>",
            Esc(secret)
        )?;
    }
    if let Some(v) = &f.validation {
        write!(
            out,
            "<dt>Validation</dt><dd>{} at {}",
            Esc(&v.status),
            Esc(&v.checked_at)
        )?;
        if let Some(reason) = &v.reason {
            write!(out, ": {}", Esc(reason))?;
        }
        writeln!(out, "</dd>")?;
        if !v.identity.is_empty() {
            write!(out, "<dt>Identity</dt><dd>")?;
            write_identity(out, v)?;
            writeln!(out, "</dd>")?;
        }
    }
    if let Some(t) = &f.triage {
        // The note is beside the triage badge above.
        writeln!(
            out,
            "<dt>Triage</dt><dd>{}, decided {}</dd>",
            Esc(&t.status),
            Day(Some(&t.updated_at))
        )?;
    }
    writeln!(
        out,
        "<dt>Seen</dt><dd>{} – {}</dd>",
        Day(f.first_seen.as_deref()),
        Day(f.last_seen.as_deref())
    )?;
    write!(out, "<dt>Repositories</dt><dd>")?;
    write_lines(out, &f.repositories)?;
    writeln!(out, "</dd>")?;
    writeln!(
        out,
        "<dt>Fingerprint</dt><dd><code>{}</code></dd>\n</dl>",
        Esc(&f.fingerprint)
    )?;
    write_occurrences(out, &f.occurrences, live)?;
    writeln!(out, "</article>")
}

fn write_triage_badge(out: &mut impl Write, t: &TriageRow) -> io::Result<()> {
    write!(out, "<span class=\"badge t-triage\">triage: {}</span>", Esc(&t.status))?;
    if let Some(note) = &t.note {
        write!(out, "<span class=\"note\">{}</span> ", Esc(note))?;
    }
    Ok(())
}

fn write_occurrences(out: &mut impl Write, occurrences: &[OccurrenceRow], open: bool) -> io::Result<()> {
    if occurrences.is_empty() {
        return writeln!(out, "<p class=\"muted\">No recorded occurrences.</p>");
    }
    let n = occurrences.len();
    writeln!(
        out,
        "<details{}><summary>{n} occurrence{}</summary>",
        if open { " open" } else { "" },
        if n == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "<div class=\"wrap\"><table>\n<thead><tr><th>Repository</th><th>Commit</th><th>Path:line</th><th>Author</th>\
         <th>Date</th><th>Summary</th><th>Link</th></tr></thead>\n<tbody>"
    )?;
    for o in occurrences {
        write!(out, "<tr><td>{}</td><td>", Esc(&o.repository))?;
        if o.commit.is_empty() {
            write!(
                out,
                "<span class=\"muted\" title=\"blob {}\">no ref reaches it</span>",
                Esc(&o.blob)
            )?;
        } else {
            write!(
                out,
                "<code title=\"{}\">{}</code>",
                Esc(&o.commit),
                Esc(short_commit(&o.commit))
            )?;
        }
        write!(
            out,
            "</td><td><code>{}:{}</code></td><td>{}",
            Esc(&o.path),
            o.line,
            Esc(&o.author_name)
        )?;
        if !o.author_email.is_empty() {
            write!(out, "<br><span class=\"muted\">{}</span>", Esc(&o.author_email))?;
        }
        write!(
            out,
            "</td><td>{}</td><td>{}</td><td>",
            Day(Some(&o.date)),
            Esc(&o.summary)
        )?;
        match o.link.as_deref() {
            Some(link) if is_https(link) => {
                write!(out, "<a href=\"{}\" rel=\"noopener noreferrer\">open</a>", Esc(link))?
            }
            Some(link) => write!(out, "<span class=\"muted\">{}</span>", Esc(link))?,
            None => write!(out, "<span class=\"muted\">—</span>")?,
        }
        writeln!(out, "</td></tr>")?;
    }
    writeln!(out, "</tbody></table></div>\n</details>")
}

fn write_identity(out: &mut impl Write, v: &ValidationRow) -> io::Result<()> {
    for (i, (key, value)) in v.identity.iter().enumerate() {
        if i > 0 {
            write!(out, "<br>")?;
        }
        write!(out, "<span class=\"muted\">{}</span>={}", Esc(key), Esc(value))?;
    }
    Ok(())
}

fn write_lines(out: &mut impl Write, lines: &[String]) -> io::Result<()> {
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            write!(out, "<br>")?;
        }
        write!(out, "{}", Esc(line))?;
    }
    Ok(())
}

/// Whether the issuer's latest answer was that the credential works.
fn is_live(f: &ReportFinding) -> bool {
    f.validation
        .as_ref()
        .is_some_and(|v| v.status.eq_ignore_ascii_case("live"))
}

/// Only `https://` links become hyperlinks: `javascript:`, `data:` and plain `http://` stay
/// text.
fn is_https(link: &str) -> bool {
    link.len() > "https://".len() && link.starts_with("https://")
}

/// A fixed class for a validation status (the status itself never goes into an attribute).
fn validation_class(status: &str) -> &'static str {
    match status.to_ascii_lowercase().as_str() {
        "live" => "s-live",
        "revoked" => "s-revoked",
        _ => "s-unknown",
    }
}

fn severity_class(severity: &str) -> &'static str {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => "sev-critical",
        "high" => "sev-high",
        _ => "s-plain",
    }
}

fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// HTML-escaped text, for element content and quoted attribute values alike.
///
/// Besides the five markup characters, it replaces control characters (other than tab and
/// line breaks) with U+FFFD and shows bidirectional controls as visible `<U+202E>` marks, so
/// that a file name cannot render as another.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut start = 0;
        for (i, c) in text.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' | '\n' | '\r' => continue,
                c if c.is_control() => "\u{FFFD}",
                '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                    f.write_str(&text[start..i])?;
                    write!(f, "&lt;U+{:04X}&gt;", c as u32)?;
                    start = i + c.len_utf8();
                    continue;
                }
                _ => continue,
            };
            f.write_str(&text[start..i])?;
            f.write_str(replacement)?;
            start = i + c.len_utf8();
        }
        f.write_str(&text[start..])
    }
}

/// A date shown as its day (`YYYY-MM-DD`), the full timestamp in a tooltip; `—` when absent.
struct Day<'a>(Option<&'a str>);

impl fmt::Display for Day<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None | Some("") => f.write_str("<span class=\"muted\">—</span>"),
            Some(date) => {
                let day = date.get(..10).filter(|d| d.as_bytes().get(4) == Some(&b'-'));
                match day {
                    Some(day) if day.len() < date.len() => {
                        write!(f, "<span class=\"nowrap\" title=\"{}\">{}</span>", Esc(date), Esc(day))
                    }
                    _ => write!(f, "<span class=\"nowrap\">{}</span>", Esc(date)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datastore::model::Totals;

    fn occurrence(path: &str, summary: &str, link: Option<&str>) -> OccurrenceRow {
        OccurrenceRow {
            repository: "acme/api".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            path: path.into(),
            line: 7,
            column: 3,
            blob: "89abcdef0123456789abcdef0123456789abcdef".into(),
            author_name: "Dev One".into(),
            author_email: "dev@example.org".into(),
            date: "2024-03-05T10:11:12Z".into(),
            summary: summary.into(),
            link: link.map(str::to_string),
        }
    }

    fn finding(redacted: &str, status: Option<&str>, occurrences: Vec<OccurrenceRow>) -> ReportFinding {
        ReportFinding {
            fingerprint: "00112233445566778899aabbccddeeff".into(),
            rule_id: "github-pat".into(),
            rule_name: "GitHub personal access token".into(),
            provider: "GitHub".into(),
            severity: "critical".into(),
            confidence: "high".into(),
            redacted: redacted.into(),
            secret: None,
            validation: status.map(|s| ValidationRow {
                status: s.into(),
                checked_at: "2024-06-01T00:00:00Z".into(),
                reason: None,
                identity: vec![("login".into(), "octo-bot".into())],
            }),
            triage: None,
            first_seen: Some("2024-03-05T10:11:12Z".into()),
            last_seen: Some("2024-04-01T09:00:00Z".into()),
            present_at_head: false,
            repositories: vec!["acme/api".into()],
            occurrences,
        }
    }

    fn render_string(report: &AuditReport) -> String {
        let mut buf = Vec::new();
        render(report, &mut buf).expect("rendering to memory succeeds");
        String::from_utf8(buf).expect("the report is UTF-8")
    }

    /// The `<table id="live-credentials">` element's markup, if any.
    fn live_table(html: &str) -> Option<&str> {
        let start = html.find("<table id=\"live-credentials\"")?;
        let end = html[start..].find("</table>")?;
        Some(&html[start..start + end])
    }

    #[test]
    fn attacker_controlled_strings_are_escaped() {
        let mut live = finding(
            "ghp_********",
            Some("live"),
            vec![occurrence(
                "src/<script>alert(1)</script>.rs",
                "fix <script>alert(2)</script> & \"quote\"",
                None,
            )],
        );
        live.triage = Some(TriageRow {
            status: "accepted".into(),
            note: Some("<script>alert(3)</script>".into()),
            updated_at: "2024-06-02T00:00:00Z".into(),
        });
        live.repositories = vec!["<img src=x onerror=alert(4)>".into()];
        let report = AuditReport {
            findings: vec![live],
            repositories: vec![RepositoryRow {
                identity: "acme/api".into(),
                url: None,
                findings: 1,
                live: 1,
                commits: 3,
                last_scanned: None,
                error: Some("clone failed: <b>boom</b>".into()),
            }],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the page's own script: {html}"
        );
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>boom"));
        assert!(html.contains("src/&lt;script&gt;alert(1)&lt;/script&gt;.rs:7"));
        assert!(html.contains("fix &lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;quote&quot;"));
        assert!(html.contains("&lt;script&gt;alert(3)&lt;/script&gt;"));
        assert!(html.contains("clone failed: &lt;b&gt;boom&lt;/b&gt;"));
    }

    #[test]
    fn bidi_and_control_characters_are_made_visible() {
        let report = AuditReport {
            findings: vec![finding(
                "ghp_********",
                None,
                vec![occurrence("invoice\u{202E}fdp.exe", "a\u{0}b", None)],
            )],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert!(html.contains("invoice&lt;U+202E&gt;fdp.exe"));
        assert!(!html.contains('\u{202E}'));
        assert!(html.contains("a\u{FFFD}b"));
    }

    #[test]
    fn live_finding_is_in_the_live_table() {
        let report = AuditReport {
            findings: vec![
                finding("ghp_LIVE********", Some("live"), vec![occurrence("a.env", "add", None)]),
                finding(
                    "ghp_DEAD********",
                    Some("revoked"),
                    vec![occurrence("b.env", "add", None)],
                ),
            ],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        let table = live_table(&html).expect("a live-credentials table");
        assert!(table.contains("ghp_LIVE********"));
        assert!(table.contains("octo-bot"), "identity from the validation");
        assert!(!table.contains("ghp_DEAD********"));
        // The header colour is the live table's alone.
        assert_eq!(html.matches(LIVE_HEADER_BACKGROUND).count(), 1);
        // Sections in order.
        let order = [
            "id=\"totals\"",
            "id=\"live\"",
            "id=\"providers\"",
            "id=\"repositories\"",
            "id=\"timeline\"",
            "id=\"findings\"",
        ];
        let positions: Vec<usize> = order.iter().map(|id| html.find(id).expect(id)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn without_live_findings_the_section_says_so() {
        let report = AuditReport {
            findings: vec![finding("ghp_DEAD********", Some("revoked"), Vec::new())],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert!(live_table(&html).is_none());
        assert!(html.contains("<p id=\"live-credentials\" class=\"none-live\">No live credentials"));
    }

    #[test]
    fn secrets_only_when_the_model_has_them() {
        let mut with_secret = finding("ghp_********", Some("live"), Vec::new());
        let html = render_string(&AuditReport {
            findings: vec![with_secret.clone()],
            ..AuditReport::default()
        });
        assert!(!html.contains("Unredacted"));
        with_secret.secret = Some("SECRET-VALUE-FOR-TEST".into());
        let html = render_string(&AuditReport {
            findings: vec![with_secret],
            ..AuditReport::default()
        });
        assert!(html.contains("SECRET-VALUE-FOR-TEST"));
        assert!(html.contains("This report contains unredacted secrets"));
    }

    #[test]
    fn nothing_is_loaded_from_anywhere() {
        let report = AuditReport {
            generated_at: "2024-06-01T00:00:00Z".into(),
            datastore: "audit.db".into(),
            totals: Totals {
                findings: 1,
                live: 1,
                ..Totals::default()
            },
            findings: vec![finding(
                "ghp_********",
                Some("live"),
                vec![occurrence(
                    "a.env",
                    "add",
                    Some("https://git.example.org/acme/api/blob/0123/a.env#L7"),
                )],
            )],
            repositories: vec![RepositoryRow {
                identity: "acme/api".into(),
                url: Some("https://git.example.org/acme/api".into()),
                findings: 1,
                live: 1,
                commits: 3,
                last_scanned: Some("2024-06-01T00:00:00Z".into()),
                error: None,
            }],
            timeline: vec![TimelineBucket {
                month: "2024-03".into(),
                introduced: 1,
                live: 1,
            }],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert!(html.contains("<a href=\"https://git.example.org/acme/api/blob/0123/a.env#L7\""));
        for scheme in ["https://", "http://"] {
            for (at, _) in html.match_indices(scheme) {
                assert!(
                    html[..at].ends_with("<a href=\""),
                    "{scheme} outside a link: {}",
                    &html[at.saturating_sub(40)..(at + 40).min(html.len())]
                );
            }
        }
        let lower = html.to_ascii_lowercase();
        for forbidden in [
            "src=", "@import", "url(", "<link", "<img", "<iframe", "<object", "<embed",
        ] {
            assert!(!lower.contains(forbidden), "{forbidden} in the report");
        }
        assert!(html.contains("Content-Security-Policy"));
    }

    #[test]
    fn only_https_links_are_hyperlinks() {
        let report = AuditReport {
            findings: vec![finding(
                "ghp_********",
                Some("revoked"),
                vec![
                    occurrence("a.env", "add", Some("javascript:alert(document.cookie)")),
                    occurrence("b.env", "add", Some("http://git.example.org/b.env")),
                    occurrence("c.env", "add", Some(" https://git.example.org/c.env")),
                    occurrence("d.env", "add", Some("https://git.example.org/d\"onclick=\"x")),
                ],
            )],
            repositories: vec![RepositoryRow {
                identity: "acme/api".into(),
                url: Some("JavaScript:alert(1)".into()),
                findings: 1,
                live: 0,
                commits: 1,
                last_scanned: None,
                error: None,
            }],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert_eq!(html.matches("<a href=\"https://").count(), 1);
        assert!(html.contains("<a href=\"https://git.example.org/d&quot;onclick=&quot;x\""));
        assert!(!html.to_ascii_lowercase().contains("href=\"javascript"));
        assert!(!html.contains("href=\"http://"));
        assert!(!html.contains("href=\" https://"));
        assert!(html.contains("javascript:alert(document.cookie)"), "shown as text");
    }

    #[test]
    fn timeline_bars_are_proportional() {
        let report = AuditReport {
            timeline: vec![
                TimelineBucket {
                    month: "2024-01".into(),
                    introduced: 4,
                    live: 1,
                },
                TimelineBucket {
                    month: "2024-02".into(),
                    introduced: 2,
                    live: 0,
                },
                TimelineBucket {
                    month: "2024-03".into(),
                    introduced: 0,
                    live: 0,
                },
            ],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert!(html.contains("<div class=\"bar\" style=\"width:100.0%\"><span class=\"live\" style=\"width:25.0%\">"));
        assert!(html.contains("<div class=\"bar\" style=\"width:50.0%\"><span class=\"live\" style=\"width:0.0%\">"));
        assert_eq!(html.matches("class=\"bar\"").count(), 2);
    }

    #[test]
    fn script_hash_in_the_policy_matches_the_script() {
        let html = render_string(&AuditReport::default());
        let start = html.find("<script>").expect("a script") + "<script>".len();
        let end = html[start..].find("</script>").expect("closed") + start;
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
    }

    #[test]
    fn commits_are_shortened_to_twelve_characters() {
        let report = AuditReport {
            findings: vec![finding("ghp_********", None, vec![occurrence("a.env", "add", None)])],
            ..AuditReport::default()
        };
        let html = render_string(&report);
        assert!(html.contains(">0123456789ab</code>"));
    }
}
