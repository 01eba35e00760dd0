//! layernorm and batchnorm: the check rejects the mistakes courses see (the variance treated as
//! a constant, batchnorm's samples treated as independent), passes far from the origin, and bad
//! uses are refused with the layer's position and exit code 2.

mod common;

use common::{derive, stderr, stdout, temp_file};
use derive::check::{CheckOptions, PreparedCheck, Verdict, check, random_point};
use derive::derivation::Expansion;
use derive::math::coef::Coef;
use derive::math::shape::Shape;
use derive::{Derivation, Loss, LossKind, default_sizes, derive_spec, parse_spec};

fn derived(spec: &str, loss: LossKind, batch: bool) -> Derivation {
    let parsed = parse_spec(spec).unwrap();
    derive_spec(&parsed, Loss::new(loss), Expansion::Expanded, batch).unwrap()
}

fn options(derivation: &Derivation) -> CheckOptions {
    CheckOptions {
        seed: CheckOptions::DEFAULT_SEED,
        sizes: default_sizes(&derivation.network),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    }
}

fn failed(derivation: &Derivation) -> Vec<String> {
    let report = check(derivation, &options(derivation)).unwrap();
    report
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| format!("{} {}", i.symbol.text(), i.form.label()))
        .collect()
}

#[test]
fn the_right_derivations_pass() {
    for (spec, loss, batch) in [
        ("linear>layernorm>relu>linear>softmax", LossKind::Ce, false),
        (
            "linear>layernorm(0.001)>tanh>linear>layernorm",
            LossKind::Mse,
            false,
        ),
        ("linear>layernorm>relu>linear>softmax", LossKind::Ce, true),
        ("linear>batchnorm>relu>linear", LossKind::Mse, true),
        (
            "linear>batchnorm>sigmoid>linear>batchnorm(0.01)",
            LossKind::Mse,
            true,
        ),
        (
            "layernorm>linear>batchnorm>linear>log_softmax",
            LossKind::Nll,
            true,
        ),
    ] {
        assert_eq!(
            failed(&derived(spec, loss, batch)),
            Vec::<String>::new(),
            "{spec}"
        );
    }
}

/// The Jacobian of layernorm with the variance taken as a constant, diag(γ ⊘ 𝟏√(var + ε))(I −
/// (1/d)𝟏𝟏ᵀ): the ẑẑᵀ term is missing, and the check says so.
#[test]
fn layernorm_without_the_variance_term_is_rejected() {
    let mut d = derived("linear>layernorm>relu>linear", LossKind::Mse, false);
    let layer = d.network.layers[1].clone();
    let normalization = layer.normalization.unwrap();
    let arena = &mut d.network.arena;
    let features = arena.shape(layer.input).rows.clone();
    let scale = arena
        .divide(
            normalization.gamma,
            normalization.statistics.spread_deviation,
        )
        .unwrap();
    let scale = arena.diag(scale).unwrap();
    let identity = arena.identity(features.clone());
    let ones = arena.ones_shaped(Shape::square(features.clone()));
    let mean = arena.scale(Coef::per(features), ones);
    let centering = arena.sub(identity, mean).unwrap();
    let wrong = arena.matmul(scale, centering).unwrap();
    let j = d
        .jacobians
        .iter()
        .position(|j| j.symbol.text() == "∂z₂/∂z₁")
        .unwrap();
    d.jacobians[j].definition = wrong;
    d.jacobians[j].simplified = wrong;
    let failures = failed(&d);
    assert!(
        failures.contains(&"∂z₂/∂z₁ as defined".to_string()),
        "{failures:?}"
    );
}

/// Batchnorm backpropagated as if its samples were independent, Δ_Z = diag(γ ⊘ √(var + ε))Δ_Y:
/// the mean and variance terms are missing, and the check (which moves one entry of the batch
/// and differences the whole batch's ℓ) rejects it.
#[test]
fn batchnorm_with_independent_samples_is_rejected() {
    let mut d = derived("linear>batchnorm>relu>linear", LossKind::Mse, true);
    let layer = d.network.layers[1].clone();
    let normalization = layer.normalization.unwrap();
    // Δ₂'s closed form is the signal before Δ₁'s.
    let (delta_2, delta_1) = {
        let position = |name: &str| d.signals.iter().position(|s| s.symbol.text() == name);
        (position("Δ₂").unwrap(), position("Δ₁").unwrap())
    };
    let arena = &mut d.network.arena;
    let epsilon = derive::math::func::Param::new(1e-5);
    let deviation = arena.map(
        derive::math::func::Func::SqrtPlus(epsilon),
        normalization.statistics.variance,
    );
    let scale = arena.divide(normalization.gamma, deviation).unwrap();
    let scale = arena.diag(scale).unwrap();
    let wrong = arena.matmul(scale, d.signals[delta_2].closed_form).unwrap();
    d.signals[delta_1].closed_form = wrong;
    let failures = failed(&d);
    assert_eq!(failures, vec!["Δ₁ closed form".to_string()]);
}

/// Far from the origin (inputs of ±1000, so the layer's input is large and its variance ~10⁵),
/// the centred variance keeps its digits and every form still passes.
#[test]
fn large_inputs_pass() {
    for (spec, batch) in [
        ("linear>layernorm>tanh>linear", false),
        ("linear>batchnorm>tanh>linear", true),
    ] {
        let d = derived(spec, LossKind::Mse, batch);
        let options = options(&d);
        let mut inputs = random_point(&d, &options, CheckOptions::KINK_MARGIN).unwrap();
        for (symbol, value) in inputs.iter_mut() {
            if symbol.key() == "x" {
                value.data.iter_mut().for_each(|v| *v *= 1000.0);
            }
        }
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        let failures: Vec<_> = report.items.iter().filter(|i| !i.passed).collect();
        assert_eq!(report.verdict(), Verdict::Pass, "{spec}: {failures:?}");
    }
}

fn refused(args: &[&str], says: &[&str]) {
    let output = derive(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{args:?}");
    let message = stderr(&output);
    for s in says {
        assert!(message.contains(s), "{args:?}: {s:?} not in\n{message}");
    }
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn batchnorm_needs_a_batch_of_two_or_more() {
    refused(
        &["linear>relu>batchnorm>linear"],
        &[
            "BatchNorm (layer 3)",
            "column 13",
            "--batch, with N ≥ 2",
            "layernorm",
        ],
    );
    refused(
        &["linear>BatchNorm1d", "--batch", "--dims", "N=1"],
        &[
            "--dims: N = 1",
            "BatchNorm (layer 2 of the spec, column 8)",
            "N ≥ 2",
        ],
    );
    let point = temp_file(
        "one_sample.json",
        r#"{"x": [[1, 2]], "W1": [[1, 2]], "b1": [0], "gamma1": [1], "beta1": [0], "y": [[1]]}"#,
    );
    refused(
        &[
            "linear>batchnorm",
            "--batch",
            "--at",
            point.to_str().unwrap(),
        ],
        &["N = 1", "BatchNorm (layer 2"],
    );
}

#[test]
fn epsilon_must_be_a_positive_number() {
    refused(&["linear>layernorm(0)"], &["takes ε > 0", "column 18"]);
    refused(&["linear>layernorm(-1e-5)"], &["takes ε > 0, not `-1e-5`"]);
    refused(&["linear>layernorm(1, 2)"], &["takes one argument"]);
    refused(&["linear>batchnorm()", "--batch"], &["empty parentheses"]);
    refused(&["linear>layernorm(1e999)"], &["not a finite number"]);
}

#[test]
fn a_point_gives_gamma_and_beta() {
    let point = temp_file(
        "layernorm.json",
        r#"{"x": [1, 2], "W1": [[1, 0], [0, 1], [1, 1]], "b1": [0, 0, 0],
            "gamma1": [1, 2, 0.5], "beta1": [0.5, 0, -1], "y": [0, 1, 0]}"#,
    );
    let output = derive(&[
        "linear>layernorm",
        "--loss",
        "mse",
        "--at",
        point.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let gradients = &json["evaluation"]["gradients"];
    // z = (1, 2, 3): μ = 2, var = 2/3, ẑ = (−1, 0, 1)/√(2/3 + ε); ∂ℓ/∂β = 2(ŷ − y).
    let s = (2.0f64 / 3.0 + 1e-5).sqrt();
    // ŷ = γ ⊙ ẑ + β with γ = (1, 2, 0.5), β = (0.5, 0, −1).
    let yhat = [-1.0 / s + 0.5, 0.0, 0.5 / s - 1.0];
    let target = [0.0, 1.0, 0.0];
    for i in 0..3 {
        let beta = gradients["beta1"][i].as_f64().unwrap();
        assert!((beta - 2.0 * (yhat[i] - target[i])).abs() < 1e-12, "{beta}");
    }
    let gamma = gradients["gamma1"][2].as_f64().unwrap();
    assert!(
        (gamma - 2.0 * (yhat[2] - target[2]) / s).abs() < 1e-12,
        "{gamma}"
    );
}
