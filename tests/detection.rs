//! Detection beyond plain text: generic secrets and their decoys, `--explain`, encoded values
//! (base64, percent, escapes) and archives with their limits, through the CLI as users run it.

mod common;

use std::io::Write;

use base64::Engine as _;
use common::{json, leakhound, token};

fn scan_json(dir: &std::path::Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = leakhound()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json", "--show-secrets", "--no-ignore"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        json(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn found(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

// Random fakes, split so this file holds no credential-shaped literal.
fn password() -> String {
    ["Vq7#mX2", "pL9$tR4w"].concat()
}

fn api_value() -> String {
    ["q8Wm2Lp5Rt7Y", "v1Xn4KbZs9Df3Gh6Jk0"].concat()
}

#[test]
fn generic_secrets_are_found_in_common_syntaxes_and_decoys_stay_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password();
    let key = api_value();
    std::fs::write(
        dir.path().join(".env"),
        format!("DB_PASSWORD={pw}\nMAILER_API_KEY={key}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("decoys.py"),
        concat!(
            "password = os.environ[\"DB_PASSWORD\"]\n",
            "token = get_token()\n",
            "api_key = \"${API_KEY}\"\n",
            "secret = \"{{ vault_secret }}\"\n",
            "PASSWORD_FILE = \"/run/secrets/db\"\n",
            "cache_key = \"user_profile_v2\"\n",
            "session_token = \"123e4567-e89b-12d3-a456-426614174000\"\n",
            "publishable_key = \"pk_live_51Hh2kLmNoPqRsTuVwXyZ\"\n",
            "# Enter your password below\n",
        ),
    )
    .unwrap();
    // A lockfile's integrity hashes sit next to secret-ish keys and are not secrets.
    std::fs::write(
        dir.path().join("package-lock.json"),
        format!("{{\"node_modules/x\": {{\"token\": \"{key}\"}}}}\n"),
    )
    .unwrap();
    let (code, doc, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        found(&doc),
        vec![
            (".env".into(), "generic-password".into(), pw),
            (".env".into(), "generic-secret".into(), key),
        ]
    );
    for f in doc["findings"].as_array().unwrap() {
        assert!(matches!(f["confidence"].as_str(), Some("low" | "medium")), "{f}");
    }
}

#[test]
fn explain_names_the_rule_and_filter_for_kept_and_dropped_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.env");
    std::fs::write(&file, format!("API_TOKEN={}\nDB_PASSWORD=changeme\n", api_value())).unwrap();
    let out = leakhound()
        .args(["scan", "--explain", "--no-ignore", "-q", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kept = stderr.lines().find(|l| l.contains("generic-secret")).expect(&stderr);
    assert!(kept.contains("KEPT") && kept.contains(":1:"), "{kept}");
    let dropped = stderr.lines().find(|l| l.contains("generic-password")).expect(&stderr);
    assert!(
        dropped.contains("DROPPED") && dropped.contains("placeholder") && dropped.contains(":2:"),
        "{dropped}"
    );
    // Redacted by default: the explanation must not print the secret.
    assert!(!stderr.contains(&api_value()), "{stderr}");
}

#[test]
fn encoded_secrets_are_decoded_and_located_at_the_encoded_text() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pw);
    let gh = token();
    std::fs::write(
        dir.path().join("secret.yaml"),
        format!("apiVersion: v1\nkind: Secret\ndata:\n  password: {b64}\n"),
    )
    .unwrap();
    let percent = gh.replace('_', "%5F");
    std::fs::write(dir.path().join("form.txt"), format!("body=token%3D{percent}%26x%3D1\n")).unwrap();
    let escaped = format!("{{\"u\": \"https:\\/\\/x.test\\/?t={gh}\"}}");
    std::fs::write(dir.path().join("bundle.json"), escaped).unwrap();
    let (code, doc, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1, "{doc}");
    let findings = doc["findings"].as_array().unwrap();
    let yaml = findings
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("secret.yaml"))
        .unwrap();
    assert_eq!(yaml["secret"], pw.as_str());
    assert_eq!(yaml["encoding"], "base64");
    assert_eq!(yaml["line"], 4);
    assert_eq!(yaml["column"], 13);
    let form = findings
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("form.txt"))
        .unwrap();
    assert_eq!(form["secret"], gh.as_str());
    assert_eq!(form["encoding"], "percent");
    let bundle = findings
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("bundle.json"))
        .unwrap();
    assert_eq!(bundle["secret"], gh.as_str());
}

fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut cursor);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap();
    }
    cursor.into_inner()
}

#[test]
fn archives_are_opened_and_their_limits_are_counted_skips() {
    let dir = tempfile::tempdir().unwrap();
    let env = format!("GITHUB_TOKEN={}\n", token());
    std::fs::write(
        dir.path().join("app.jar"),
        zip_bytes(&[("config/.env", env.as_bytes())]),
    )
    .unwrap();
    // tar.gz
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(env.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "deploy/.env", env.as_bytes()).unwrap();
    let tar_bytes = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_bytes).unwrap();
    std::fs::write(dir.path().join("site.tgz"), gz.finish().unwrap()).unwrap();
    // A bomb: 64 MiB of zeros compresses to almost nothing, over the 1 MiB member limit set below.
    let zeros = vec![b'0'; 64 * 1024 * 1024];
    std::fs::write(dir.path().join("bomb.zip"), zip_bytes(&[("zeros.txt", &zeros)])).unwrap();
    // Five levels of nesting, over the default depth of three.
    let mut nested = zip_bytes(&[(".env", env.as_bytes())]);
    for level in 0..4 {
        nested = zip_bytes(&[(&format!("level{level}.zip"), &nested)]);
    }
    std::fs::write(dir.path().join("deep.zip"), nested).unwrap();
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 not really a zip").unwrap();

    let (code, doc, stderr) = scan_json(dir.path(), &["--max-file-size", "1M"]);
    assert_eq!(code, 1, "{doc}");
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("app.jar!config/.env")), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("site.tgz!deploy/.env")), "{paths:?}");
    assert_eq!(doc["summary"]["skipped"]["archive_limit"], 2, "{}", doc["summary"]);
    assert_eq!(doc["summary"]["skipped"]["corrupt"], 1, "{}", doc["summary"]);
    assert!(stderr.contains("bomb.zip!zeros.txt"), "{stderr}");
    assert!(stderr.contains("nested deeper than 3 levels"), "{stderr}");

    // --archive-depth 0 leaves archives closed (they are binary then).
    let (code, doc, _) = scan_json(dir.path(), &["--archive-depth", "0"]);
    assert_eq!(code, 0, "{doc}");
}
