//! layernorm: the check rejects the mistake courses see (the variance treated as a constant),
//! passes far from the origin, and a bad ε is refused with its position and exit code 2.

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
        (
            "layernorm>linear>layernorm>linear>log_softmax",
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

/// Far from the origin (inputs of ±1000, so the layer's input is large and its variance ~10⁵),
/// the centred variance keeps its digits and every form still passes.
#[test]
fn large_inputs_pass() {
    for (spec, batch) in [
        ("linear>layernorm>tanh>linear", false),
        ("linear>layernorm>tanh>linear", true),
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
fn epsilon_must_be_a_positive_number() {
    refused(&["linear>layernorm(0)"], &["takes ε > 0", "column 18"]);
    refused(&["linear>layernorm(-1e-5)"], &["takes ε > 0, not `-1e-5`"]);
    refused(&["linear>layernorm(1, 2)"], &["takes one argument"]);
    refused(&["linear>layernorm()"], &["empty parentheses"]);
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
