//! The model language on the real binary: a model that is a chain derives as the chain (the
//! same text where no binding names a layer's output, the binding's name where one does), read
//! from the command line or from a file with comments; what a model cannot do yet, and a
//! mistake in one, is refused with its position, exit code 2.

mod common;

use common::{derive, derive_with_stdin, stderr, stdout, temp_file};

#[test]
fn a_model_without_names_prints_what_its_chain_prints() {
    for (model, chain, loss) in [
        (
            "yhat = linear(relu(linear(x)))",
            "linear>relu>linear",
            "mse",
        ),
        (
            "yhat = sigmoid(linear(leaky_relu(linear(x), 0.2)))",
            "linear>leaky_relu(0.2)>linear>sigmoid",
            "bce",
        ),
    ] {
        for extra in [
            &[][..],
            &["--batch"],
            &["--format", "json"],
            &["--convention", "pytorch"],
        ] {
            let mut with_model = vec![model, "--loss", loss];
            with_model.extend_from_slice(extra);
            let mut with_chain = vec![chain, "--loss", loss];
            with_chain.extend_from_slice(extra);
            let (a, b) = (derive(&with_model), derive(&with_chain));
            assert_eq!(a.status.code(), Some(0), "{model}: {}", stderr(&a));
            assert_eq!(stdout(&a), stdout(&b), "{model} {extra:?}");
        }
    }
}

#[test]
fn a_binding_names_the_output_it_binds() {
    let text = stdout(&derive(&[
        "h = relu(linear(x)); yhat = linear(h)",
        "--loss",
        "mse",
    ]));
    assert!(text.contains("ReLU        z₁     h = max(0, z₁)"), "{text}");
    assert!(text.contains("∂ŷ/∂h = W⁽²⁾"), "{text}");
    assert!(text.contains("Numeric check: PASS"), "{text}");
    let batch = stdout(&derive(&[
        "h1 = tanh(linear(x)); yhat = linear(h1)",
        "--batch",
        "--only",
        "forward",
    ]));
    assert!(batch.contains("H₁ = tanh(Z₁)"), "{batch}");
    let latex = stdout(&derive(&[
        "hidden = tanh(linear(x)); yhat = linear(hidden)",
        "--format",
        "latex",
        "--only",
        "forward",
    ]));
    assert!(
        latex.contains("{\\mathit{hidden}} = \\tanh(z_{1})"),
        "{latex}"
    );
}

#[test]
fn a_model_is_read_from_a_file_with_comments() {
    let model =
        "# the regression homework\nh = relu(linear(x))  # the hidden layer\n\nyhat = linear(h)\n";
    let output = derive_with_stdin(&["-", "--loss", "mse"], model.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("h = max(0, z₁)"));
}

#[test]
fn graphs_and_mistakes_are_refused_at_their_place() {
    for (model, place, words) in [
        (
            "h = relu(linear(x)); yhat = 2 + linear(h)",
            "column 29",
            "the constant `2` is added",
        ),
        (
            "h = sigmoid(W*x + b); yhat = W1*h",
            "column 30",
            "`W1` is a name `linear`",
        ),
        (
            "h = relu(linear(x))\nh = tanh(h)\nyhat = linear(h)",
            "line 2, column 1",
            "`h` is bound twice",
        ),
        (
            "hidden = relu(linear(x)); yhat = linear(hiden)",
            "column 41",
            "did you mean `hidden`?",
        ),
        (
            "yhat = linear(relu(linear(x)",
            "column 29",
            "the model ends early",
        ),
        (
            "yhat = linear(x); loss = mse(h, y)",
            "column 30",
            "the model's output is `yhat`",
        ),
        (
            "yhat = linear(x); loss = sumsq(W3) + mse(yhat, y)",
            "column 32",
            "did you mean `W1`?",
        ),
        (
            "yhat = linear(x); loss = yhat",
            "column 26",
            "the objective is a scalar",
        ),
        (
            "yhat = linear(x); loss = mse(yhat, y) * sumsq(W1)",
            "column 41",
            "two terms that are not constants",
        ),
        (
            "yhat = linear(x); loss = mse(yhat, y); z = relu(yhat)",
            "column 19",
            "the objective as the last binding",
        ),
        (
            "yhat = linear(x1) + x",
            "column 21",
            "a model takes x alone",
        ),
        ("yhat = linear(x01)", "column 15", "without leading zeros"),
        (
            "h = relu(linear(h)); yhat = linear(h)",
            "column 17",
            "used in its own binding",
        ),
    ] {
        let output = derive(&[model]);
        assert_eq!(output.status.code(), Some(2), "{model}");
        let error = stderr(&output);
        assert!(
            error.contains(place) && error.contains(words),
            "{model}: {error}"
        );
    }
}

#[test]
fn a_megabyte_of_nesting_is_an_error_not_a_crash() {
    let model = format!("yhat = {}x{}", "relu(".repeat(200_000), ")".repeat(200_000));
    let output = derive_with_stdin(&["-"], model.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nested"));
}

/// ℓ and every gradient at the point in `point`, from the JSON output.
fn evaluated(args: &[&str], point: &str) -> serde_json::Value {
    let path = temp_file("point.json", point);
    let mut args = args.to_vec();
    let path = path.to_str().unwrap().to_string();
    args.extend(["--at", &path, "--format", "json"]);
    let output = derive(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    document["evaluation"].clone()
}

/// Every number of two JSON values, in order, as f64s.
fn numbers(value: &serde_json::Value) -> Vec<f64> {
    match value {
        serde_json::Value::Number(n) => vec![n.as_f64().unwrap()],
        serde_json::Value::Array(items) => items.iter().flat_map(numbers).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(numbers).collect(),
        _ => Vec::new(),
    }
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-12 * (1.0 + x.abs()),
            "{what}: {x} and {y}"
        );
    }
}

const POINT: &str = r#"{"x": [1, -2, 0.5], "W1": [[0.1, 0.2, -0.3], [0.3, -0.4, 0.2]],
    "b1": [0.05, 0.1], "W2": [[1, -1], [0.5, 2]], "b2": [0.5, -0.2], "y": [1, -1]}"#;

#[test]
fn an_objective_with_penalties_is_the_weight_decay_it_writes() {
    // (λ/2)(‖W⁽¹⁾‖² + ‖W⁽²⁾‖²) with λ = 0.1, written out as the model's objective.
    let written = evaluated(
        &["yhat = linear(relu(linear(x))); loss = mse(yhat, y) + 0.05*(sumsq(W1) + sumsq(W2))"],
        POINT,
    );
    let decayed = evaluated(&["linear>relu>linear", "--weight-decay", "0.1"], POINT);
    assert_close(
        &numbers(&written),
        &numbers(&decayed),
        "objective and --weight-decay",
    );
    // A bias penalized as well gains 2cb in its gradient, and nothing else changes.
    let with_bias = evaluated(
        &[
            "yhat = linear(relu(linear(x))); loss = mse(yhat, y) + 0.05*(sumsq(W1) + sumsq(W2)) + 0.25*sumsq(b2)",
        ],
        POINT,
    );
    let b2 = |v: &serde_json::Value| numbers(&v["gradients"]["b2"]);
    let expected: Vec<f64> = b2(&decayed)
        .iter()
        .zip([0.5, -0.2])
        .map(|(g, b)| g + 0.5 * b)
        .collect();
    assert_close(&b2(&with_bias), &expected, "∂ℓ/∂b⁽²⁾ + 2·0.25·b⁽²⁾");
    assert_close(
        &numbers(&with_bias["gradients"]["W1"]),
        &numbers(&decayed["gradients"]["W1"]),
        "∂ℓ/∂W⁽¹⁾",
    );
}

#[test]
fn a_factor_on_the_loss_scales_its_gradients_and_reduction_applies_to_it() {
    let half = evaluated(
        &["yhat = linear(relu(linear(x))); loss = 0.5*mse(yhat, y)"],
        POINT,
    );
    let whole = evaluated(&["linear>relu>linear", "--loss", "mse"], POINT);
    for key in ["loss", "gradients"] {
        let halved: Vec<f64> = numbers(&whole[key]).iter().map(|v| v / 2.0).collect();
        assert_close(&numbers(&half[key]), &halved, "½ mse");
    }
    let mean = evaluated(
        &[
            "yhat = linear(relu(linear(x))); loss = mse(yhat, y)",
            "--reduction",
            "mean",
        ],
        POINT,
    );
    let pytorch = evaluated(&["linear>relu>linear", "--loss", "MSELoss"], POINT);
    assert_close(&numbers(&mean), &numbers(&pytorch), "--reduction mean");
}

#[test]
fn an_objective_and_loss_together_are_refused() {
    let output = derive(&["yhat = linear(x); loss = mse(yhat, y)", "--loss", "mse"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("give one or the other"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn two_inputs_through_their_own_linear_layers_are_one_layer_on_both() {
    // W⁽¹⁾x₁ + b⁽¹⁾ + W⁽²⁾x₂ + b⁽²⁾ is [W⁽¹⁾ W⁽²⁾][x₁; x₂] + (b⁽¹⁾ + b⁽²⁾): the chain on the
    // stacked input, an independent derivation, gives the same ℓ and the same gradients, the
    // stacked weight's split in two and the summed bias's for each bias.
    let model = "h = relu(linear(x1) + linear(x2)); yhat = sigmoid(linear(h))";
    let two = evaluated(
        &[model, "--loss", "bce"],
        r#"{"x1": [1, -2], "x2": [0.5], "W1": [[0.1, 0.2], [0.3, -0.4]], "b1": [0.05, 0.1],
            "W2": [[-0.3], [0.2]], "b2": [0.1, -0.3], "W3": [[1, -1]], "b3": [0.5], "y": [0.25]}"#,
    );
    let stacked = evaluated(
        &["linear>relu>linear>sigmoid", "--loss", "bce"],
        r#"{"x": [1, -2, 0.5], "W1": [[0.1, 0.2, -0.3], [0.3, -0.4, 0.2]], "b1": [0.15, -0.2],
            "W2": [[1, -1]], "b2": [0.5], "y": [0.25]}"#,
    );
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!((number(&two["loss"]) - number(&stacked["loss"])).abs() < 1e-12);
    let rows = |v: &serde_json::Value| -> Vec<Vec<f64>> {
        v.as_array().unwrap().iter().map(numbers).collect()
    };
    let (g, s) = (&two["gradients"], &stacked["gradients"]);
    for (row, stacked_row) in rows(&g["W1"]).iter().zip(rows(&s["W1"])) {
        assert_close(
            row,
            &stacked_row[..2],
            "∂ℓ/∂W⁽¹⁾, the stacked weight's first columns",
        );
    }
    let second: Vec<f64> = rows(&s["W1"]).iter().map(|r| r[2]).collect();
    assert_close(&numbers(&g["W2"]), &second, "∂ℓ/∂W⁽²⁾ is its last column");
    assert_close(&numbers(&g["b1"]), &numbers(&s["b1"]), "∂ℓ/∂b⁽¹⁾");
    assert_close(&numbers(&g["b2"]), &numbers(&s["b1"]), "∂ℓ/∂b⁽²⁾");
    assert_close(&numbers(&g["W3"]), &numbers(&s["W2"]), "∂ℓ/∂W⁽³⁾");
    assert_close(&numbers(&g["b3"]), &numbers(&s["b2"]), "∂ℓ/∂b⁽³⁾");
}

#[test]
fn a_parameter_that_does_not_reach_the_objective_is_warned_of() {
    let output = derive(&["h = relu(linear(x)); yhat = linear(x) + 0*h"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("W⁽¹⁾, b⁽¹⁾ do not reach the objective"),
        "{}",
        stderr(&output)
    );
    // A penalty of the objective takes W⁽¹⁾ there; a factor other than 0 leaves nothing to say.
    let penalized =
        derive(&["h = relu(linear(x)); yhat = linear(x) + 0*h; loss = mse(yhat, y) + sumsq(W1)"]);
    assert!(
        stderr(&penalized).contains("b⁽¹⁾ does not reach"),
        "{}",
        stderr(&penalized)
    );
    assert!(
        !stderr(&penalized).contains("W⁽¹⁾"),
        "{}",
        stderr(&penalized)
    );
    let scaled = derive(&["h = relu(linear(x)); yhat = linear(x) + 0.5*h"]);
    assert!(stderr(&scaled).is_empty(), "{}", stderr(&scaled));
}
