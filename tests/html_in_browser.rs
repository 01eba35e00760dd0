//! The HTML output in a real browser: each page is opened in Debian's Chromium, headless, at a
//! window 1100 px wide (a 1000-px column), and must lay out with no element wider than its
//! container or outside the column, every `<math>` with a non-zero size, and nothing on the
//! browser's console. The page itself has no script; the test opens a copy with a measuring
//! script at its end and reads the measurements back from the DOM Chromium dumps. CI (CI set)
//! must have chromium; elsewhere the test says it skipped.

mod common;

use std::process::Command;

use common::{derive, stdout, temp_dir};

const CHROMIUM: &str = "chromium";

fn chromium_present() -> bool {
    let present = Command::new(CHROMIUM).arg("--version").output().is_ok();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing; .ci/run installs Debian's chromium and chromium-driver"
        );
        eprintln!("note: chromium is not installed; the browser tests are skipped");
    }
    present
}

/// Measures the laid-out page and writes what it found into the DOM, as JSON in
/// `<pre id="measured">`: the HTML elements (and `<math>` elements) that stick out of their
/// parent or of `<main>`, and how many `<math>` elements there are and how many have no size.
const MEASURE: &str = r#"<script>
const main = document.querySelector('main');
const column = main.getBoundingClientRect();
const outside = [];
const describe = (el, r) => el.tagName + ' "' + (el.textContent || '').slice(0, 40) + '" '
  + Math.round(r.left) + '..' + Math.round(r.right);
for (const el of main.querySelectorAll('*')) {
  const html = el.namespaceURI === 'http://www.w3.org/1999/xhtml';
  if (!html && el.tagName !== 'math') continue;
  const r = el.getBoundingClientRect();
  const p = el.parentElement.getBoundingClientRect();
  if (r.right > p.right + 0.5 || r.left < p.left - 0.5
      || r.right > column.right + 0.5 || r.left < column.left - 0.5) {
    outside.push(describe(el, r) + ' in ' + Math.round(p.left) + '..' + Math.round(p.right));
  }
}
const maths = [...document.querySelectorAll('math')];
const empty = maths.filter(m => {
  const r = m.getBoundingClientRect();
  return !(r.width > 0 && r.height > 0);
}).length;
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify({ outside, maths: maths.length, empty,
  column: Math.round(column.width), overflow: main.scrollWidth > main.clientWidth });
document.body.appendChild(pre);
</script>"#;

struct Measured {
    outside: Vec<String>,
    maths: usize,
    empty: usize,
    column: f64,
    overflow: bool,
    console: Vec<String>,
}

/// Opens `page` in headless Chromium with the measuring script and returns what it measured.
fn measure(name: &str, page: &str) -> Measured {
    assert!(page.contains("</body>"), "{name}: a whole page");
    let dir = temp_dir(&format!("html-{name}"));
    let file = dir.join(format!("{name}.html"));
    std::fs::write(
        &file,
        page.replacen("</body>", &format!("{MEASURE}\n</body>"), 1),
    )
    .unwrap();
    // The flags keep Chromium from reaching for the network and from its sandbox, which needs
    // privileges a test does not have.
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--window-size=1100,900",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "{name}: chromium failed");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom
        .find("<pre id=\"measured\">")
        .unwrap_or_else(|| panic!("{name}: the measuring script did not run"))
        + "<pre id=\"measured\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Measured {
        outside: value["outside"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        maths: value["maths"].as_u64().unwrap() as usize,
        empty: value["empty"].as_u64().unwrap() as usize,
        column: value["column"].as_f64().unwrap(),
        overflow: value["overflow"].as_bool().unwrap(),
        console,
    }
}

fn assert_lays_out(name: &str, args: &[&str]) {
    let mut all = args.to_vec();
    all.extend(["--format", "html"]);
    let output = derive(&all);
    assert_eq!(output.status.code(), Some(0), "{name}");
    let m = measure(name, &stdout(&output));
    assert!(m.column > 900.0, "{name}: the column is {} px", m.column);
    assert!(m.maths > 20, "{name}: {} formulas", m.maths);
    assert_eq!(m.empty, 0, "{name}: formulas laid out with no size");
    assert!(m.outside.is_empty(), "{name}: {:#?}", m.outside);
    assert!(!m.overflow, "{name}: the column overflows");
    assert!(m.console.is_empty(), "{name}: {:#?}", m.console);
}

#[test]
fn the_homework_pages_lay_out_in_chromium() {
    if !chromium_present() {
        return;
    }
    for (name, spec, loss) in [
        ("regression", "linear>relu>linear>identity", "mse"),
        ("sigmoid_mse", "linear>sigmoid>linear>sigmoid", "mse"),
        ("sigmoid_bce", "linear>sigmoid>linear>sigmoid", "bce"),
        ("relu_bce", "linear>relu>linear>sigmoid", "bce"),
    ] {
        assert_lays_out(name, &[spec, "--loss", loss]);
    }
}

#[test]
fn a_deep_chain_a_batch_and_values_at_a_point_lay_out_in_chromium() {
    if !chromium_present() {
        return;
    }
    let deep = ["linear>tanh"; 10].join(">") + ">linear>softmax";
    assert_lays_out("deep", &[&deep, "--loss", "ce"]);
    // Written out in full: six layers as the default has it, and twelve with --expand, whose
    // formulas are the longest the expanded form prints.
    assert_lays_out(
        "expanded",
        &["linear>elu>linear>softplus>linear>silu", "--loss", "mse"],
    );
    let twelve = ["linear>tanh"; 6].join(">");
    assert_lays_out("expanded_twelve", &[&twelve, "--expand", "--loss", "mse"]);
    assert_lays_out(
        "batch",
        &["linear>relu>linear>softmax", "--loss", "ce", "--batch"],
    );
    let point = common::temp_file(
        "html-point.json",
        r#"{"x": [2], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [2]}"#,
    );
    assert_lays_out(
        "at_point",
        &[
            "linear>relu>linear>identity",
            "--at",
            point.to_str().unwrap(),
        ],
    );
}

/// The measurement itself must see what it looks for: a formula too wide for its box, a
/// formula with no size, and a console message.
#[test]
fn the_measurement_sees_an_overflowing_formula_an_empty_one_and_a_console_error() {
    if !chromium_present() {
        return;
    }
    let wide: String = (0..80)
        .map(|i| format!("<mi>x</mi><mn>{i}</mn><mo>+</mo>"))
        .collect();
    let page = format!(
        "<!DOCTYPE html><html><body><main style=\"width: 1000px\">\
         <div style=\"width: 300px\"><math>{wide}</math></div><math></math>\
         </main><script>console.error('planted');</script></body></html>"
    );
    let m = measure("planted", &page);
    assert!(
        m.outside.iter().any(|o| o.starts_with("math")),
        "{:#?}",
        m.outside
    );
    assert_eq!(m.empty, 1);
    assert!(
        m.console.iter().any(|c| c.contains("planted")),
        "{:#?}",
        m.console
    );
}
