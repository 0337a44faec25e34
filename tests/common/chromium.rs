//! Headless Chromium for end-to-end tests of the HTML report: a screenshot to check what a
//! person actually sees (colours, layout), a DOM dump to check what the browser parsed.
//!
//! Chromium is optional on developer machines; tests call [`find_chromium`] and decide what
//! to do without it (CI installs it and sets `LEAKHOUND_REQUIRE_CHROMIUM=1`).

use std::fs::File;
use std::io::{self, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium run may take before it is killed: a hung browser must fail the test,
/// not stall the suite.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Executable names tried, in order, on `PATH`.
const NAMES: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The first Chromium (or Chrome) executable on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    NAMES
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Renders `html` in a `width`×`height` window and writes a PNG screenshot of the viewport to
/// `png`.
pub fn screenshot(html: &Path, png: &Path, width: u32, height: u32) -> io::Result<()> {
    let run = run_chromium(&[
        "--hide-scrollbars".to_string(),
        format!("--window-size={width},{height}"),
        format!("--screenshot={}", png.display()),
        file_url(html)?,
    ])?;
    if !png.is_file() {
        return Err(io::Error::other(format!(
            "chromium wrote no screenshot to {} ({}); stderr:\n{}",
            png.display(),
            run.status,
            run.stderr
        )));
    }
    Ok(())
}

/// The DOM of `html` after the browser parsed it and ran its scripts, serialized as HTML.
///
/// Panics (failing the test) when Chromium cannot be run or dumps nothing.
pub fn dump_dom(html: &Path) -> String {
    let url = file_url(html).expect("the HTML file has an absolute path");
    let run = run_chromium(&["--dump-dom".to_string(), url]).expect("chromium --dump-dom runs");
    assert!(
        run.stdout.contains("<html"),
        "chromium --dump-dom printed no document ({}); stderr:\n{}",
        run.status,
        run.stderr
    );
    run.stdout
}

/// Pixels of exactly the colour `rgb` in a PNG: 8-bit RGB or RGBA as Chromium writes them
/// (palette, grey and 16-bit images are converted to 8 bits per channel first). Alpha is
/// ignored.
///
/// Panics (failing the test) when the file is not a readable PNG.
pub fn count_pixels(png: &Path, rgb: [u8; 3]) -> usize {
    let file = File::open(png).unwrap_or_else(|e| panic!("open {}: {e}", png.display()));
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", png.display()));
    let size = reader.output_buffer_size().expect("the PNG's size fits in memory");
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("decode {}: {e}", png.display()));
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{}", png.display());
    let channels = info.color_type.samples();
    let grey = matches!(
        info.color_type,
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha
    );
    let row_bytes = info.width as usize * channels;
    buf[..info.buffer_size()]
        .chunks(info.line_size)
        .flat_map(|line| line[..row_bytes].chunks_exact(channels))
        .filter(|pixel| if grey { rgb == [pixel[0]; 3] } else { pixel[..3] == rgb })
        .count()
}

/// What one Chromium run printed.
struct Run {
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with a throw-away profile and `args`, killing it (and every process
/// it started) after [`TIMEOUT`]. Output goes to files, not pipes, so a chatty browser cannot
/// block on a full pipe.
fn run_chromium(args: &[String]) -> io::Result<Run> {
    let chromium = find_chromium().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no chromium on PATH"))?;
    let profile = tempfile::TempDir::new()?;
    let stdout_path = profile.path().join("stdout.txt");
    let stderr_path = profile.path().join("stderr.txt");
    let user_data = profile.path().join("profile");
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--force-color-profile=srgb",
            "--force-device-scale-factor=1",
            // Paint everything before the screenshot (not just the first tiles), and let the
            // page finish loading and run its scripts first.
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", user_data.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path)?)
        .stderr(File::create(&stderr_path)?)
        // Its own process group, so that a hung browser is killed with its helper processes.
        .process_group(0)
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("chromium did not finish within {TIMEOUT:?}; killed. stderr:\n{stderr}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(Run {
        status: status.to_string(),
        stdout: std::fs::read_to_string(&stdout_path)?,
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    })
}

/// A `file://` URL for a local file, percent-encoding what a URL path cannot hold.
fn file_url(path: &Path) -> io::Result<String> {
    let absolute = std::path::absolute(path)?;
    let mut url = String::from("file://");
    for &byte in absolute.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(url)
}
