//! The new losses evaluated at logits of ±1000, where the textbook forms overflow: ℓ and every
//! gradient finite and equal to what the definitions give by hand.

mod common;

use common::{derive, stderr, stdout};

/// ℓ and ∂ℓ/∂b⁽¹⁾ of `linear` at x = 0 with b⁽¹⁾ = ŷ, by `--at` and JSON.
fn at_logits(loss: &str, yhat: [f64; 2], y: [f64; 2]) -> (f64, Vec<f64>) {
    let point = format!(
        r#"{{"x": [0.0], "W1": [[0.5], [-0.5]], "b1": [{}, {}], "y": [{}, {}]}}"#,
        yhat[0], yhat[1], y[0], y[1]
    );
    let name = format!("large_{}.json", loss.replace(['(', ')'], "_"));
    let file = common::temp_file(&name, &point);
    let output = derive(&[
        "linear",
        "--loss",
        loss,
        "--at",
        file.to_str().unwrap(),
        "--format",
        "json",
        "--no-check",
    ]);
    assert_eq!(output.status.code(), Some(0), "{loss}: {}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let evaluation = &json["evaluation"];
    let loss_value = evaluation["loss"].as_f64().unwrap();
    let gradient = evaluation["gradients"]["b1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    (loss_value, gradient)
}

#[test]
fn bce_logits_stays_finite_at_a_thousand() {
    // softplus(1000) − 1000 = 0 and softplus(−1000) = 0; σ(1000) − 1 = 0, σ(−1000) = 0.
    assert_eq!(
        at_logits("bce_logits", [1000.0, -1000.0], [1.0, 0.0]),
        (0.0, vec![0.0, 0.0])
    );
    // The wrong way round: (1/2)(1000 + 1000) and (1/2)(σ(ŷ) − y) = ±1/2.
    assert_eq!(
        at_logits("bce_logits", [1000.0, -1000.0], [0.0, 1.0]),
        (1000.0, vec![0.5, -0.5])
    );
}

#[test]
fn hinge_counts_the_violated_margins_at_a_thousand() {
    // The true class far ahead: every margin met.
    assert_eq!(
        at_logits("hinge", [1000.0, -1000.0], [1.0, 0.0]),
        (0.0, vec![0.0, 0.0])
    );
    // Far behind: max(0, 1000 + 1000 + 2) for hinge(2), gradient +1 for the other class and
    // −1 for the true one.
    assert_eq!(
        at_logits("hinge(2)", [1000.0, -1000.0], [0.0, 1.0]),
        (2002.0, vec![1.0, -1.0])
    );
    // MultiMarginLoss divides by the K = 2 classes.
    assert_eq!(
        at_logits("MultiMarginLoss", [1000.0, -1000.0], [0.0, 1.0]),
        (1000.5, vec![0.5, -0.5])
    );
}

#[test]
fn the_regression_losses_are_linear_far_out() {
    // l1: (1/2)(999.5 + 1000.5), gradient (1/2) sign.
    assert_eq!(
        at_logits("l1", [1000.0, -1000.0], [0.5, 0.5]),
        (1000.0, vec![0.5, -0.5])
    );
    // huber(0.5): (1/2) Σ 0.5(|r| − 0.25), gradient (1/2)(±0.5).
    assert_eq!(
        at_logits("huber(0.5)", [1000.0, -1000.0], [0.5, 0.5]),
        (
            0.5 * 0.5 * (999.5 - 0.25 + 1000.5 - 0.25),
            vec![0.25, -0.25]
        )
    );
    // smooth_l1(0.5) = huber(0.5)/0.5: (1/2) Σ (|r| − 0.25), gradient (1/2) sign.
    assert_eq!(
        at_logits("smooth_l1(0.5)", [1000.0, -1000.0], [0.5, 0.5]),
        (0.5 * (999.5 - 0.25 + 1000.5 - 0.25), vec![0.5, -0.5])
    );
}
