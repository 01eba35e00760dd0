//! The conventions (--convention pytorch, cs231n; --layout denominator): snapshots of the
//! homework and of CS231n's two-layer net, read against the courses' own answers; and, over
//! random chains, every convention's gradients at a point equal the columns convention's after
//! the convention's transposes, and every convention's printed forms pass the check.

mod common;

use proptest::prelude::*;

use common::{checkable, derive, stdout};

use derive::check::{CheckOptions, check, choose_coverage, random_point};
use derive::convention::{Convention, Layout, Style, view};
use derive::derivation::Expansion;
use derive::network::layer::LayerKind;
use derive::numeric::at_point::evaluate_at;
use derive::numeric::evaluator::Inputs;
use derive::numeric::matrix::Matrix;
use derive::numeric::sizes::Sizes;
use derive::render::sections::Sections;
use derive::render::{Format, RenderOptions};
use derive::{Loss, LossKind, derive_spec, parse_spec};

fn snapshot(name: &str, arguments: &[&str]) {
    let output = derive(arguments);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{arguments:?} must pass its check"
    );
    let text = stdout(&output);
    assert!(text.contains("Numeric check: PASS"), "{arguments:?}");
    assert_derivation_snapshot!(name, text);
}

const HOMEWORK: &str = "linear>relu>linear>identity";

#[test]
fn the_regression_homework_in_the_denominator_layout() {
    snapshot(
        "convention_columns_denominator_regression",
        &[HOMEWORK, "--loss", "mse", "--layout", "denominator"],
    );
}

#[test]
fn the_regression_homework_as_pytorch_writes_it() {
    snapshot(
        "convention_pytorch_regression",
        &[HOMEWORK, "--loss", "mse", "--convention", "pytorch"],
    );
    snapshot(
        "convention_pytorch_denominator_regression",
        &[
            HOMEWORK,
            "--loss",
            "mse",
            "--convention",
            "pytorch",
            "--layout",
            "denominator",
        ],
    );
}

#[test]
fn the_regression_homework_as_cs231n_writes_it() {
    snapshot(
        "convention_cs231n_regression",
        &[HOMEWORK, "--loss", "mse", "--convention", "cs231n"],
    );
    snapshot(
        "convention_cs231n_denominator_regression",
        &[
            HOMEWORK,
            "--loss",
            "mse",
            "--convention",
            "cs231n",
            "--layout",
            "denominator",
        ],
    );
}

/// CS231n's two-layer net (assignment 1): dscores = (probs − y)/N, dW2 = h1ᵀ dscores,
/// db2 = Σ over samples, dh1 = dscores W2ᵀ masked by h1 > 0, dW1 = Xᵀ dh1.
#[test]
fn cs231n_two_layer_net_with_softmax_and_cross_entropy() {
    snapshot(
        "convention_cs231n_batch_softmax_ce",
        &[
            "linear>relu>linear>softmax",
            "--loss",
            "ce",
            "--batch",
            "--convention",
            "cs231n",
        ],
    );
    let output = derive(&[
        "linear>relu>linear>softmax",
        "--loss",
        "ce",
        "--batch",
        "--convention",
        "cs231n",
        "--only",
        "closed",
    ]);
    let text = stdout(&output);
    for form in [
        "Δ₃ = Ŷ − Y",
        "∂ℓ/∂W⁽²⁾ = (1/N)Z₂ᵀ(Ŷ − Y)",
        "∂ℓ/∂b⁽²⁾ = (1/N)(Ŷ − Y)ᵀ 𝟏",
        "Δ₁ = ((Ŷ − Y) W⁽²⁾ᵀ) ⊙ [Z₁ > 0]",
    ] {
        assert!(text.contains(form), "{form} in {text}");
    }
}

#[test]
fn a_deep_chain_in_pytorch_and_the_denominator_layout() {
    snapshot(
        "convention_pytorch_denominator_deep",
        &[
            "linear>tanh>linear>relu>linear>softplus>linear>sigmoid",
            "--loss",
            "bce",
            "--convention",
            "pytorch",
            "--layout",
            "denominator",
        ],
    );
}

/// A weight under cs231n is read from a point file as CS231n stores it, in×out.
#[test]
fn a_cs231n_point_gives_each_weight_in_by_out() {
    let point = common::temp_file(
        "cs231n.json",
        r#"{"x": [1, 2, 3], "W1": [[1, 0], [0, 1], [1, 1]], "b1": [0, 0], "y": [1, 1]}"#,
    );
    let path = point.to_str().unwrap();
    let output = derive(&[
        "linear",
        "--loss",
        "mse",
        "--convention",
        "cs231n",
        "--at",
        path,
        "--only",
        "values",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    // z = xW = (4, 5): ℓ = 3² + 4² = 25, and ∂ℓ/∂W⁽¹⁾ = xᵀ · 2(z − y) = (1, 2, 3)ᵀ(6, 8), in×out.
    let text = stdout(&output);
    assert!(text.contains("ℓ         25.0"), "{text}");
    assert!(
        text.contains("[[6.0, 8.0], [12.0, 16.0], [18.0, 24.0]]"),
        "{text}"
    );
    // The same file is 3 rows of 2 entries, which the columns convention's W⁽¹⁾ ∈ ℝ^(K×n) is not.
    let refused = derive(&["linear", "--loss", "mse", "--at", path]);
    assert_eq!(refused.status.code(), Some(2));
}

const CONVENTIONS: [Convention; 5] = [
    Convention {
        style: Style::Columns,
        layout: Layout::Denominator,
    },
    Convention {
        style: Style::Pytorch,
        layout: Layout::Numerator,
    },
    Convention {
        style: Style::Pytorch,
        layout: Layout::Denominator,
    },
    Convention {
        style: Style::Cs231n,
        layout: Layout::Numerator,
    },
    Convention {
        style: Style::Cs231n,
        layout: Layout::Denominator,
    },
];

fn layer() -> impl Strategy<Value = String> {
    let activations: Vec<String> = LayerKind::activations()
        .into_iter()
        .map(|(name, _)| name.to_string())
        .collect();
    prop_oneof![
        3 => Just("linear".to_string()),
        4 => proptest::sample::select(activations),
        1 => proptest::sample::select(vec![
            "layernorm".to_string(),
            "batchnorm".to_string(),
            "dropout(0.25)".to_string(),
        ]),
    ]
}

/// The columns point laid out as `convention` holds it: each value it transposes, transposed.
fn in_convention(inputs: &Inputs<f64>, convention: Convention) -> Inputs<f64> {
    inputs
        .iter()
        .map(|(symbol, value)| {
            let value: Matrix<f64> = if convention.flips_leaf(symbol) {
                value.transpose()
            } else {
                value.clone()
            };
            (symbol.clone(), value)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_convention_agrees_with_the_columns_one_and_checks_out(
        layers in proptest::collection::vec(layer(), 1..=6),
        loss_choice in 0usize..LossKind::ALL.len(),
        sizes in proptest::collection::vec(2usize..=5, 10),
        seed in 0u64..1_000_000,
        compact in any::<bool>(),
        batch in any::<bool>(),
    ) {
        let spec = layers.join(">");
        let spec = if batch { spec } else { spec.replace("batchnorm", "layernorm") };
        let parsed = parse_spec(&spec).unwrap();
        let last = parsed.layers.last().map(|l| l.kind);
        let losses: Vec<LossKind> =
            LossKind::ALL.into_iter().filter(|&k| checkable(k, last)).collect();
        let loss = Loss::new(losses[loss_choice % losses.len()]);
        let expansion = if compact { Expansion::Compact } else { Expansion::Expanded };
        let columns = derive_spec(&parsed, loss, expansion, batch).unwrap();
        let dims = Sizes::new(
            columns.network.dims.iter().zip(&sizes)
                .map(|(d, s)| (d.name().to_string(), *s))
                .collect(),
        );
        let options = CheckOptions {
            seed,
            sizes: dims,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let margin = choose_coverage(&columns, &options.sizes).kink_margin();
        let point = random_point(&columns, &options, margin);
        prop_assume!(point.is_ok());
        let point = point.unwrap();
        let expected = evaluate_at(&columns, &options.sizes, &point);
        let columns_report = check(&columns, &options);
        for convention in CONVENTIONS {
            let viewed = view(columns.clone(), convention).unwrap();
            let arena = &viewed.network.arena;
            for g in &viewed.gradients {
                prop_assert_eq!(arena.shape(g.closed_form), arena.shape(g.leaf));
                prop_assert_eq!(arena.shape(g.chain_rule), arena.shape(g.leaf));
            }
            let got = evaluate_at(&viewed, &options.sizes, &in_convention(&point, convention));
            let scale = expected.loss.abs().max(1.0);
            prop_assert!((got.loss - expected.loss).abs() <= 1e-12 * scale);
            for ((g, value), want) in viewed.gradients.iter().zip(&got.gradients).zip(&expected.gradients) {
                let want = if convention.flips_leaf(&g.parameter) { want.transpose() } else { want.clone() };
                prop_assert_eq!((value.rows, value.cols), (want.rows, want.cols), "{}", g.parameter.key());
                let size = want.data.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                for (a, b) in value.data.iter().zip(&want.data) {
                    prop_assert!((a - b).abs() <= 1e-12 * size,
                        "{spec} {convention:?} {}: {a} against {b}", g.parameter.key());
                }
            }
            // The check of the rewritten trees at the same point (drawn in the columns layout)
            // passes wherever the columns convention's does.
            if let Ok(columns_report) = &columns_report
                && columns_report.items.iter().all(|i| i.passed)
            {
                let report = check(&viewed, &options).unwrap();
                let failures: Vec<String> = report.items.iter().filter(|i| !i.passed)
                    .map(|i| format!("{} {} {:e}", i.symbol, i.form.label(), i.error)).collect();
                prop_assert!(failures.is_empty(), "{} {:?} {:?}: {:?}", spec, loss, convention, failures);
                let sections = Sections::new(&viewed, Some(&report), None);
                let page = RenderOptions { width: 100, standalone: true };
                for format in Format::ALL {
                    prop_assert!(!format.render(&sections, page).is_empty());
                }
            }
        }
    }
}
