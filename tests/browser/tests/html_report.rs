//! `tinymtl inspect --html` as a person sees it: the page is rendered by headless
//! Chromium, and the test checks what the browser shows.
//!
//! - `--dump-dom` of the page itself: every head name, one `rect.buf` per arena
//!   buffer, no script anywhere.
//! - `--dump-dom` of a copy with a probe script appended (the page has none): the
//!   laid-out size of both SVGs, of every part box and every buffer rectangle, which
//!   must lie inside the timeline, and their fill colours.
//! - `--screenshot`: a PNG of the right size, far richer than a blank page's.
//!
//! Chromium is required (Debian: `apt-get install chromium`; `.ci/run` installs it):
//! without it the test fails rather than skips. `$CHROMIUM` names another binary.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{report, Builder, Generated};

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        if let Ok(p) = which::which(name) {
            return p;
        }
    }
    panic!(
        "headless Chromium is needed to check the HTML report: `apt-get update && apt-get \
         install -y chromium` (or set $CHROMIUM)"
    );
}

/// Runs headless Chromium with `args` on `url`; returns stdout. Fails after 120 s.
fn browse(profile: &Path, args: &[&str], url: &str) -> String {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 DOM")
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Lays out the page and reports what it shows (appended to a copy; the page has no JS).
const PROBE: &str = r#"<script>
(function () {
  const r = e => { const b = e.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; };
  const q = s => Array.from(document.querySelectorAll(s));
  const out = {
    title: document.title,
    parts: r(document.querySelector('svg.parts')),
    timeline: r(document.querySelector('svg.timeline')),
    boxes: q('svg.parts g.node').map(g => ({
      title: g.querySelector('text.box-title').textContent,
      box: r(g.querySelector('rect.box')),
      fill: getComputedStyle(g.querySelector('rect.box')).fill })),
    edges: q('svg.parts path.edge').map(r),
    bufs: q('svg.timeline rect.buf').map(e => ({
      name: e.getAttribute('data-name'), box: r(e), fill: getComputedStyle(e).fill })),
    tables: q('table').length,
  };
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = encodeURIComponent(JSON.stringify(out));
  document.body.appendChild(pre);
})();
</script>
"#;

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(h, 16).expect("percent escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8 probe")
}

fn compiled(model: &str) -> Generated {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(model);
    Builder::new(&path)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn heads(c: &Compiled) -> Vec<String> {
    c.program
        .outputs
        .iter()
        .map(|&v| c.program.values[v].name.clone())
        .collect()
}

fn f(v: &Value, i: usize) -> f64 {
    v[i].as_f64().expect("number")
}

/// Renders `model`'s page in Chromium and checks what it shows.
fn check(model: &str, expect_branches: usize) {
    let g = compiled(model);
    let dir = tempfile::tempdir().unwrap();
    let page = report::html(&g, model);
    let c = &g.compiled;
    assert!(!page.contains("<script"), "the page must need no JS");
    let page_path = dir.path().join("report.html");
    std::fs::write(&page_path, &page).unwrap();
    let profile = dir.path().join("profile");

    // 1. The page as Chromium parsed it.
    let dom = browse(&profile, &["--dump-dom"], &url(&page_path));
    assert!(
        dom.contains("<svg class=\"parts\""),
        "{model}: no parts SVG"
    );
    assert!(
        dom.contains("<svg class=\"timeline\""),
        "{model}: no timeline"
    );
    for h in heads(c) {
        assert!(
            dom.contains(&format!(">head {h}<")),
            "{model}: head {h} not shown"
        );
    }
    assert_eq!(
        dom.matches("<rect class=\"buf\"").count(),
        c.plan.buffers.len(),
        "{model}: one rectangle per arena buffer"
    );
    assert_eq!(dom.matches("<rect class=\"box\"").count(), {
        c.program.inputs.len() + c.parts.segments.len()
    });

    // 2. Layout, measured by the browser.
    let probe_path = dir.path().join("probe.html");
    std::fs::write(
        &probe_path,
        page.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let dom = browse(
        &profile,
        &["--dump-dom", "--window-size=1200,900"],
        &url(&probe_path),
    );
    let start = dom.find("<pre id=\"probe\">").expect("probe ran") + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let probe: Value = serde_json::from_str(&percent_decode(&dom[start..end])).unwrap();
    assert_eq!(probe["title"], format!("tinymtl: {}", c.program.name));
    let parts = &probe["parts"];
    let tl = &probe["timeline"];
    assert!(
        f(parts, 2) > 300.0 && f(parts, 3) > 80.0,
        "{model}: parts {parts}"
    );
    assert!(
        f(tl, 2) > 500.0 && f(tl, 3) > 200.0,
        "{model}: timeline {tl}"
    );
    let boxes = probe["boxes"].as_array().unwrap();
    assert_eq!(boxes.len(), c.program.inputs.len() + c.parts.segments.len());
    for b in boxes {
        assert!(f(&b["box"], 2) > 100.0 && f(&b["box"], 3) > 40.0, "{b}");
    }
    let titles: Vec<&str> = boxes.iter().map(|b| b["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"trunk"), "{titles:?}");
    assert_eq!(
        titles.iter().filter(|t| t.starts_with("branch")).count(),
        expect_branches,
        "{titles:?}"
    );
    for h in heads(c) {
        assert!(titles.contains(&format!("head {h}").as_str()), "{titles:?}");
    }
    assert!(!probe["edges"].as_array().unwrap().is_empty());
    let bufs = probe["bufs"].as_array().unwrap();
    assert_eq!(bufs.len(), c.plan.buffers.len());
    let (tx, ty, tw, th) = (f(tl, 0), f(tl, 1), f(tl, 2), f(tl, 3));
    for b in bufs {
        let bb = &b["box"];
        let (x, y, w, h) = (f(bb, 0), f(bb, 1), f(bb, 2), f(bb, 3));
        assert!(w > 0.5 && h > 0.5, "{model}: invisible buffer {b}");
        assert!(
            x >= tx - 0.5 && y >= ty - 0.5 && x + w <= tx + tw + 0.5 && y + h <= ty + th + 0.5,
            "{model}: buffer {b} outside the timeline {tl}"
        );
    }
    let fills: std::collections::BTreeSet<&str> =
        bufs.iter().map(|b| b["fill"].as_str().unwrap()).collect();
    assert!(
        fills.len() >= 2,
        "{model}: buffers coloured by part: {fills:?}"
    );
    assert!(probe["tables"].as_u64().unwrap() >= 4);

    // 3. A screenshot, against a blank page's.
    let shot = dir.path().join("shot.png");
    let blank_html = dir.path().join("blank.html");
    std::fs::write(&blank_html, "<!doctype html><title>blank</title>").unwrap();
    let blank = dir.path().join("blank.png");
    for (src, png) in [(&page_path, &shot), (&blank_html, &blank)] {
        browse(
            &profile,
            &[
                &format!("--screenshot={}", png.display()),
                "--window-size=1200,1400",
            ],
            &url(src),
        );
    }
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (1200, 1400));
    let blank_len = std::fs::metadata(&blank).unwrap().len() as usize;
    assert!(
        png.len() > 20_000 && png.len() > 5 * blank_len,
        "{model}: screenshot looks blank ({} bytes; a blank page: {blank_len})",
        png.len()
    );
    eprintln!(
        "{model}: {} buffers, {} boxes; screenshot {} bytes (blank {blank_len})",
        bufs.len(),
        boxes.len(),
        png.len()
    );
}

#[test]
fn html_report_renders_the_example_model() {
    check("examples/har/har_mtl.onnx", 0);
}

#[test]
fn html_report_renders_a_model_with_a_shared_branch() {
    check("tests/fixtures/residual_layernorm_three_heads.onnx", 1);
}
