//! A chain at the length limit, 10,000 layers, derives, prints in every format and checks,
//! without a stack overflow: every walk whose depth comes from the input is iterative or bounded
//! by the compact form. (Speed is measured in benches/, not here.)

mod common;

use common::{derive_with_stdin, stderr, stdout};

fn deep_spec() -> String {
    format!("{}linear>identity", "linear>tanh>".repeat(4999))
}

#[test]
fn ten_thousand_layers_in_every_format_with_the_check() {
    let spec = deep_spec();
    assert_eq!(spec.split('>').count(), 10_000);
    for format in ["text", "json", "latex", "markdown"] {
        let output = derive_with_stdin(&["-", "--format", format], spec.as_bytes());
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        // The last layer is there: the output is complete, not cut short.
        let last_layer = match format {
            "json" => "W5000",
            "latex" | "markdown" => "{5000}",
            _ => "Linear₅₀₀₀",
        };
        assert!(text.contains(last_layer), "{format}");
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(doc["check"]["passed"], true);
            assert_eq!(doc["check"]["mode"], "joint");
            assert_eq!(doc["spec"]["expansion"], "compact");
        }
    }
}

#[test]
fn the_compact_form_is_linear_in_depth() {
    // The printed size per layer does not grow with depth.
    let size = |layers: usize| {
        let spec = format!("{}linear>identity", "linear>tanh>".repeat(layers / 2 - 1));
        let output = derive_with_stdin(&["-", "--no-check"], spec.as_bytes());
        assert_eq!(output.status.code(), Some(0));
        stdout(&output).len() as f64
    };
    let (small, large) = (size(200), size(2000));
    let ratio = large / small;
    assert!(
        (8.0..12.0).contains(&ratio),
        "10× the layers gave {ratio:.1}× the output"
    );
}

#[test]
fn ten_thousand_repeats_of_linear_tanh_check() {
    // The chain of the benchmarks: `linear>tanh>` 10,000 times, then `linear>identity`.
    let spec = format!("{}linear>identity", "linear>tanh>".repeat(10_000));
    let output = derive_with_stdin(&["-"], spec.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Numeric check: PASS"));
}

/// The binary writes text as it is laid out, the derivation while the check runs on a thread
/// of its own: byte for byte the text laid out whole, in one thread, after the check.
#[test]
fn text_written_alongside_the_check_is_the_text_laid_out_whole() {
    use derive::check::{CheckOptions, check};
    use derive::render::sections::Sections;
    use derive::render::text::render_text;
    use derive::{Loss, LossKind, default_sizes, derive_text};

    // Several of the writer's 64 KiB pieces.
    let spec = format!("{}linear>identity", "linear>tanh>".repeat(200));
    let derivation = derive_text(&spec, Loss::new(LossKind::Mse)).unwrap();
    let options = CheckOptions {
        seed: CheckOptions::DEFAULT_SEED,
        sizes: default_sizes(&derivation.network),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    };
    let report = check(&derivation, &options).unwrap();
    let whole = render_text(&Sections::new(&derivation, Some(&report), None), 100);
    assert!(whole.len() > 4 * 65_536, "{} bytes", whole.len());

    let output = derive_with_stdin(&["-"], spec.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output) == whole, "the streamed text differs");
}

/// Each dropout layer scales what it keeps by 1/(1 − p); were the check's weights after it not
/// drawn smaller to match, the values would double every layer or so and, a few hundred layers
/// down, be too large for the check's steps to move them.
#[test]
fn a_deep_chain_of_dropout_layers_checks_out() {
    let spec = format!(
        "{}{}linear",
        "linear>dropout>".repeat(600),
        "linear>relu>dropout(0.2)>".repeat(200)
    );
    let output = derive_with_stdin(&["-", "--loss", "mse"], spec.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Numeric check: PASS"));
}
