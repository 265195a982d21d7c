//! `chipsim report`: one self-contained `report.html` (no script, font, style sheet or
//! image fetched; charts inlined as SVG) with the scenario's question, the headline
//! table, the charts, projects, delay causes, a comparison or a sweep, and the
//! manifest; rendered in a real headless browser, which must show it with no console
//! message and a screenshot that is not blank.
//!
//! The browser is `$CHIPSIM_BROWSER`, else `chromium`, `chromium-browser` or
//! `google-chrome` on the PATH. Without one the browser test is skipped with a message,
//! unless `CHIPSIM_REQUIRE_BROWSER=1` (as `.ci/run` sets after installing Chromium),
//! when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::chipsim;

fn succeed(args: &[&str], dir: &Path) -> String {
    let output = chipsim(args, dir);
    assert!(
        output.status.success(),
        "chipsim {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn repo_file(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// A run of the Taiwan quake compared with the baseline, reported: the folder.
fn quake_report(root: &Path) -> PathBuf {
    let quake = repo_file("configs/scenarios/taiwan-earthquake.toml");
    succeed(&["run", "--reps", "20", "--out", "base", "--quiet"], root);
    succeed(
        &["run", &quake, "--reps", "20", "--out", "quake", "--quiet"],
        root,
    );
    succeed(&["compare", "base", "quake", "--no-plots"], root);
    let stderr = succeed(&["report", "quake", "--config", &quake], root);
    assert!(stderr.contains("report with"), "{stderr}");
    root.join("quake/report.html")
}

/// Every place a page could fetch something from: none is allowed.
fn fetches(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    [
        "<script",
        "<link",
        "<iframe",
        "<img",
        "src=",
        "href=",
        "url(",
        "@import",
        "@font-face",
    ]
    .into_iter()
    .filter(|pattern| lower.contains(pattern))
    .map(str::to_string)
    .collect()
}

#[test]
fn the_report_holds_everything_and_fetches_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let path = quake_report(root.path());
    let html = std::fs::read_to_string(&path).expect("report.html");
    assert_eq!(
        fetches(&html),
        Vec::<String>::new(),
        "a self-contained page"
    );
    for expected in [
        "<strong>The question:</strong> what does a Chi-Chi-class earthquake",
        "Baseline plus Taiwan earthquakes",
        "Headline metrics",
        "Chips short at their need date",
        "95 % CI of the mean",
        "id=\"chart-fan_chips_delivered\"",
        "Electricity, per year and per region",
        "us_east",
        "Projects: go-live delays",
        "Why projects are late",
        "grid connection",
        "Compared with the base run",
        "id=\"chart-compare_accelerators_built\"",
        "config hash (SHA-256 of the scenario file)",
        "0x0000000000000001 (1)",
    ] {
        assert!(html.contains(expected), "no {expected:?} in the report");
    }
    assert!(html.matches("<svg").count() >= 10, "charts are inlined");

    // A file that is not a chipsim report is never replaced; a report is.
    std::fs::write(&path, "<html>mine</html>").expect("write");
    let output = chipsim(&["report", "quake"], root.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("refusing"));
    std::fs::remove_file(&path).expect("remove");
    // Without --config the scenario is found by its hash under ./configs, or not at all.
    let output = chipsim(&["report", "quake"], root.path());
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not found by its hash"));
    let other = repo_file("tests/scenarios/golden.toml");
    let output = chipsim(&["report", "quake", "--config", &other], root.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not the scenario of this run"));
    let output = chipsim(&["report", "."], root.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no chipsim outputs"));
}

#[test]
fn a_sweep_is_reported_with_its_sensitivities() {
    let root = tempfile::tempdir().expect("tempdir");
    let study = repo_file("configs/sweeps/baseline-tornado.toml");
    succeed(
        &["sweep", &study, "--reps", "3", "--out", "sweep", "--quiet"],
        root.path(),
    );
    succeed(&["report", "sweep"], root.path());
    let html = std::fs::read_to_string(root.path().join("sweep/report.html")).expect("report");
    assert_eq!(fetches(&html), Vec::<String>::new());
    assert!(html.contains("Sensitivity") && html.contains("fab capacity"));
    assert!(
        html.contains("id=\"chart-tornado_"),
        "tornado charts inlined"
    );
}

/// The browser to render with, if any.
fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHIPSIM_BROWSER") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Renders `page` headless into `screenshot`; returns the browser's console lines.
fn render(browser: &Path, page: &Path, screenshot: &Path) -> Vec<String> {
    let profile = tempfile::tempdir().expect("profile");
    let page = page.canonicalize().expect("the page exists");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pings",
            // Every host name fails to resolve: the browser itself sends nothing out.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("the browser starts");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

/// The share of pixels that are not white, and how many colours the picture has.
fn ink(screenshot: &Path) -> (f64, usize) {
    let file = std::fs::File::open(screenshot).expect("a screenshot");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    let channels = info.color_type.samples();
    let mut colours = std::collections::BTreeSet::new();
    let mut inked = 0_usize;
    let chunks = pixels[..info.buffer_size()].chunks(channels);
    let total = chunks.len();
    for pixel in chunks {
        let rgb = [pixel[0], pixel[1 % channels], pixel[2 % channels]];
        if rgb.iter().any(|&c| c < 240) {
            inked += 1;
        }
        colours.insert(rgb);
    }
    (inked as f64 / total as f64, colours.len())
}

#[test]
fn a_browser_shows_the_report_with_no_console_message() {
    let Some(browser) = browser() else {
        assert!(
            std::env::var("CHIPSIM_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "CHIPSIM_REQUIRE_BROWSER=1 but no browser: install chromium or set CHIPSIM_BROWSER"
        );
        eprintln!(
            "SKIPPED a_browser_shows_the_report_with_no_console_message: no chromium, \
             chromium-browser or google-chrome on the PATH (set CHIPSIM_BROWSER)"
        );
        return;
    };
    let root = tempfile::tempdir().expect("tempdir");
    let page = quake_report(root.path());
    let screenshot = root.path().join("report.png");
    let console = render(&browser, &page, &screenshot);
    assert_eq!(console, Vec::<String>::new(), "console messages");
    let (share, colours) = ink(&screenshot);
    assert!(
        share > 0.02 && colours > 50,
        "blank: {share} inked, {colours} colours"
    );

    // The checks can fail: a page that logs an error, and a blank page, are caught.
    let bad = root.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><script>console.error('broken')</script></body></html>",
    )
    .expect("write");
    let blank = root.path().join("blank.png");
    let console = render(&browser, &bad, &blank);
    assert!(
        console.iter().any(|line| line.contains("broken")),
        "{console:?}"
    );
    let (share, _) = ink(&blank);
    assert!(share < 0.001, "{share}");
}
