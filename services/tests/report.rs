//! `ltc report` as a user runs it on a seeded history: one self-contained HTML page, and what a
//! browser makes of it. The browser is headless Chromium (Debian's `chromium` package); without
//! it the screenshot test fails and says how to install it, rather than pass having checked
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium screenshot may take before the test gives up on it.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

fn ltc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltc")).args(args).output().expect("run ltc")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Generates the small seeded history in `data` and writes its report to `out`.
fn report_of_a_history(data: &Path, out: &Path) -> String {
    let data = data.to_str().unwrap();
    let demo = ltc(&["demo", "--data", data, "--seed", "42", "--scale", "small"]);
    assert!(demo.status.success(), "{}", text(&demo));
    let report = ltc(&["report", "--data", data, "--out", out.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report));
    assert!(text(&report).contains("ltc report: wrote"), "{}", text(&report));
    std::fs::read_to_string(out).expect("the report was written")
}

#[test]
fn the_report_is_one_page_that_fetches_nothing_with_the_built_models_drawn_and_the_rest_as_slots() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_of_a_history(&dir.path().join("data"), &dir.path().join("report.html"));
    let lower = html.to_lowercase();
    for outside in ["http:", "https:", "<script", "<link", "src=", "@import", "url("] {
        assert!(!lower.contains(outside), "the page refers outside itself: {outside}");
    }
    assert!(html.contains("<svg class=\"chart\""), "the log is drawn as an inline SVG");
    assert!(html.contains("aria-label=\"Events per stream kind\""));
    for kind in ["lead", "customer", "opportunity", "quote", "order", "payment"] {
        assert!(html.contains(&format!("<title>{kind}: ")), "a bar for {kind}");
    }
    assert!(html.contains("aria-label=\"Opportunities reaching each stage\""), "the funnel");
    assert!(html.contains("aria-label=\"Days past due, EUR\""), "the receivables aging");
    assert!(html.contains("things that happened to this customer"), "a customer's timeline");
    assert!(html.contains("aria-label=\"Revenue per month\""), "the forecast fan");
    assert_eq!(html.matches("<strong>Not built yet.</strong>").count(), 0, "every model is drawn");
}

#[test]
fn the_report_renders_in_headless_chromium_as_a_page_with_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    report_of_a_history(&dir.path().join("data"), &report);
    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();

    // Kept in the target directory, so a person can look at what the browser drew.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let report_png = screenshot(&report, &shots.join("report.png"), dir.path());
    let blank_png = screenshot(&blank, &shots.join("blank.png"), dir.path());
    println!("report screenshot: {}", shots.join("report.png").display());

    assert_eq!(png_size(&report_png), (1200, 2000), "the window size asked for");
    // A white page compresses to almost nothing; charts, text and colour do not.
    assert!(
        report_png.len() > 5 * blank_png.len(),
        "the report's screenshot ({} bytes) is hardly more than a blank page's ({} bytes)",
        report_png.len(),
        blank_png.len()
    );
}

/// Chromium's screenshot of `page` at 1200 × 2000, written to `png` and returned.
fn screenshot(page: &Path, png: &Path, scratch: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(png);
    let profile = scratch.join(format!("chromium-profile-{}", png.file_stem().unwrap().display()));
    let spawned = Command::new("chromium")
        .args([
            "--headless",
            // Root (as in CI) cannot use Chromium's sandbox; the page is our own file.
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,2000",
            &format!("file://{}", page.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "chromium is not installed, and this test needs it to look at the report: install it \
             with `apt-get install -y chromium` (Debian's package; .ci/run does this when it is \
             missing)"
        ),
        Err(error) => panic!("starting chromium: {error}"),
    };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium took over {CHROMIUM_TIMEOUT:?} to screenshot {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed on {}: {status}", page.display());
    std::fs::read(png).unwrap_or_else(|error| panic!("no screenshot at {}: {error}", png.display()))
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 24, "not a PNG");
    let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}
