//! The JSON output has the documented shape (docs/json.md), and `--at` evaluates the printed
//! closed forms at a point read from a file: checked on a tiny example worked by hand, and on
//! every kind of bad point file.

mod common;

use std::process::Output;

use serde_json::Value;

use common::{derive, stderr, stdout, temp_file};

/// `derive ARGS --at FILE`, with `contents` written to a file of the given name.
fn derive_at(args: &[&str], name: &str, contents: &str) -> Output {
    let point = temp_file(name, contents);
    let mut all = args.to_vec();
    all.extend(["--at", point.to_str().unwrap()]);
    derive(&all)
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let output = derive(&all);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("the output is JSON")
}

fn formula(value: &Value, what: &str) {
    assert!(value["text"].is_string(), "{what}.text: {value}");
    assert!(value["latex"].is_string(), "{what}.latex: {value}");
}

fn shape(value: &Value, what: &str) {
    let sides = value
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {value}"));
    assert_eq!(sides.len(), 2, "{what}");
    assert!(sides.iter().all(Value::is_string), "{what}");
}

/// Every field docs/json.md lists, with its type.
fn assert_documented_shape(doc: &Value) {
    assert_eq!(doc["schema"], "derive/1");
    assert!(doc["spec"]["text"].is_string());
    assert!(
        doc["spec"]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string)
    );
    for key in ["name", "reduction", "description"] {
        assert!(doc["loss"][key].is_string(), "loss.{key}");
    }
    formula(&doc["loss"]["definition"], "loss.definition");
    for symbol in doc["symbols"].as_array().unwrap() {
        assert!(symbol["key"].is_string());
        formula(&symbol["name"], "symbol.name");
        shape(&symbol["shape"], "symbol.shape");
    }
    assert!(
        doc["conventions"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string)
    );
    for row in doc["forward"].as_array().unwrap() {
        assert!(row["layer"].is_string() && row["output"].is_string());
        assert!(
            row["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string)
        );
        for form in row["forms"].as_array().unwrap() {
            formula(form, "forward.forms");
        }
    }
    for jacobian in doc["jacobians"].as_array().unwrap() {
        assert!(jacobian["key"].is_string());
        formula(&jacobian["name"], "jacobian.name");
        shape(&jacobian["shape"], "jacobian.shape");
        for form in jacobian["matrix"].as_array().unwrap() {
            formula(form, "jacobian.matrix");
        }
        formula(&jacobian["element"], "jacobian.element");
        assert!(jacobian.get("note").is_none_or(Value::is_string));
    }
    for signal in doc["signals"].as_array().unwrap() {
        assert!(signal["key"].is_string());
        formula(&signal["name"], "signal.name");
        shape(&signal["shape"], "signal.shape");
        formula(&signal["closed_form"], "signal.closed_form");
    }
    for gradient in doc["gradients"].as_array().unwrap() {
        assert!(gradient["parameter"].is_string());
        formula(&gradient["name"], "gradient.name");
        shape(&gradient["shape"], "gradient.shape");
        formula(&gradient["chain_rule"], "gradient.chain_rule");
        formula(&gradient["closed_form"], "gradient.closed_form");
    }
    let check = &doc["check"];
    if !check.is_null() {
        assert!(check["passed"].is_boolean());
        assert!(check["point"] == "random" || check["point"] == "given");
        assert!(check["seed"].is_u64() || check["seed"].is_null());
        assert!(
            check["sizes"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_u64)
        );
        assert!(check["step"].is_f64() && check["tolerance"].is_f64());
        for item in check["items"].as_array().unwrap() {
            assert!(item["quantity"].is_string() && item["form"].is_string());
            assert!(item["error"].is_number() && item["passed"].is_boolean());
        }
    }
}

#[test]
fn every_homework_answer_has_the_documented_shape() {
    for (spec, loss) in [
        ("linear>relu>linear>identity", "mse"),
        ("linear>sigmoid>linear>sigmoid", "mse"),
        ("linear>sigmoid>linear>sigmoid", "bce"),
        ("linear>relu>linear>sigmoid", "bce"),
    ] {
        let doc = json(&[spec, "--loss", loss]);
        assert_documented_shape(&doc);
        assert!(doc.get("evaluation").is_none());
        let parameters: Vec<&str> = doc["gradients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["parameter"].as_str().unwrap())
            .collect();
        assert_eq!(parameters, ["W1", "b1", "W2", "b2"]);
    }
    assert!(json(&["linear>relu>linear>identity", "--no-check"])["check"].is_null());
}

/// n = d = K = 1, relu, identity, mse: z₁ = 0.5·2 − 0.5 = 0.5, z₂ = 0.5, ŷ = 3·0.5 + 1 = 2.5,
/// ℓ = (2.5 − 2)² = 0.25, ∂ℓ/∂ŷ = 2(2.5 − 2) = 1, ∂ℓ/∂W⁽²⁾ = 1·z₂ = 0.5, ∂ℓ/∂b⁽²⁾ = 1,
/// ∂ℓ/∂z₁ = 1·3·[0.5 > 0] = 3, ∂ℓ/∂W⁽¹⁾ = 3·x = 6, ∂ℓ/∂b⁽¹⁾ = 3. Every number is exact in
/// binary, so the comparison is exact.
const TINY: &str = r#"{"x": [2], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [2]}"#;

#[test]
fn at_a_hand_computed_point() {
    let point = temp_file("tiny.json", TINY);
    let doc = json(&[
        "linear>relu>linear>identity",
        "--at",
        point.to_str().unwrap(),
    ]);
    assert_documented_shape(&doc);
    let evaluation = &doc["evaluation"];
    assert_eq!(evaluation["loss"], 0.25);
    let expected: Value =
        serde_json::from_str(r#"{"W1": [[6.0]], "b1": [3.0], "W2": [[0.5]], "b2": [1.0]}"#)
            .unwrap();
    assert_eq!(evaluation["gradients"], expected);
    assert_eq!(
        evaluation["sizes"],
        serde_json::json!({"n": 1, "d": 1, "K": 1})
    );
    assert_eq!(doc["check"]["point"], "given");
    assert_eq!(doc["check"]["passed"], true);

    let text = stdout(&derive(&[
        "linear>relu>linear>identity",
        "--at",
        point.to_str().unwrap(),
    ]));
    assert!(text.contains("∂ℓ/∂W⁽¹⁾  [[6.0]]"), "{text}");
    assert!(text.contains("ℓ         0.25"), "{text}");
}

/// The same network on a mini-batch of two samples, one list per sample. The first sample is
/// the one above; the second, x = 3, y = 0: z₁ = 1, ŷ = 4, ℓ₂ = 16, ∂ℓ₂/∂ŷ = 8, so
/// ∂ℓ₂/∂W⁽²⁾ = 8, ∂ℓ₂/∂b⁽²⁾ = 8, ∂ℓ₂/∂W⁽¹⁾ = 3·8·3 = 72, ∂ℓ₂/∂b⁽¹⁾ = 24. ℓ and the gradients
/// are the means of the two samples'.
#[test]
fn a_mini_batch_at_a_hand_computed_point() {
    let point = temp_file(
        "batch.json",
        r#"{"x": [[2], [3]], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [[2], [0]]}"#,
    );
    let doc = json(&[
        "linear>relu>linear>identity",
        "--batch",
        "--at",
        point.to_str().unwrap(),
    ]);
    let evaluation = &doc["evaluation"];
    assert_eq!(evaluation["loss"], 8.125);
    let expected: Value =
        serde_json::from_str(r#"{"W1": [[39.0]], "b1": [13.5], "W2": [[4.25]], "b2": [4.5]}"#)
            .unwrap();
    assert_eq!(evaluation["gradients"], expected);
    assert_eq!(
        evaluation["sizes"],
        serde_json::json!({"n": 1, "d": 1, "K": 1, "N": 2})
    );
    assert_eq!(doc["check"]["passed"], true);
}

/// The two points above with weight decay λ = 0.5: ℓ gains (λ/2)(W⁽¹⁾² + W⁽²⁾²) =
/// 0.25 · (0.25 + 9) = 2.3125, each weight's gradient λW (0.25 and 1.5), the biases' nothing;
/// for the batch, once, not per sample.
#[test]
fn weight_decay_adds_its_term_once_and_only_to_the_weights() {
    let one = temp_file("tiny_decay.json", TINY);
    let batch = temp_file(
        "batch_decay.json",
        r#"{"x": [[2], [3]], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [[2], [0]]}"#,
    );
    for (point, extra, loss, gradients) in [
        (
            &one,
            None,
            2.5625,
            r#"{"W1": [[6.25]], "b1": [3.0], "W2": [[2.0]], "b2": [1.0]}"#,
        ),
        (
            &batch,
            Some("--batch"),
            10.4375,
            r#"{"W1": [[39.25]], "b1": [13.5], "W2": [[5.75]], "b2": [4.5]}"#,
        ),
    ] {
        let mut args = vec!["linear>relu>linear>identity", "--weight-decay", "0.5"];
        args.extend(extra);
        args.extend(["--at", point.to_str().unwrap()]);
        let doc = json(&args);
        assert_documented_shape(&doc);
        assert_eq!(doc["loss"]["weight_decay"], 0.5);
        assert_eq!(doc["evaluation"]["loss"], loss, "{extra:?}");
        let expected: Value = serde_json::from_str(gradients).unwrap();
        assert_eq!(doc["evaluation"]["gradients"], expected, "{extra:?}");
        assert_eq!(doc["check"]["passed"], true);
    }
}

/// The objective a model writes, at the tiny point by hand: ŷ = 2.5, y = 2, h = 0.5, so
/// ℓ = ½ · 0.25 + 0.25 · 3² + 2 · (−0.5)² = 2.875; δ = ½ · 2(ŷ − y) = 0.5, ∂ℓ/∂W⁽²⁾ = 0.5 · 0.5 +
/// 2 · 0.25 · 3, ∂ℓ/∂b⁽¹⁾ = 3 · 0.5 + 2 · 2 · (−0.5).
#[test]
fn an_objective_with_penalties_at_a_hand_computed_point() {
    let point = temp_file("tiny_objective.json", TINY);
    let model =
        "yhat = linear(relu(linear(x))); loss = 0.5*mse(yhat, y) + 0.25*sumsq(W2) + 2*sumsq(b1)";
    let doc = json(&[model, "--at", point.to_str().unwrap()]);
    assert_documented_shape(&doc);
    assert_eq!(doc["loss"]["scale"], 0.5);
    let penalties: Value = serde_json::from_str(
        r#"[{"parameter": "W2", "coefficient": 0.25}, {"parameter": "b1", "coefficient": 2.0}]"#,
    )
    .unwrap();
    assert_eq!(doc["loss"]["penalties"], penalties);
    assert_eq!(doc["evaluation"]["loss"], 2.875);
    let expected: Value =
        serde_json::from_str(r#"{"W1": [[3.0]], "b1": [-0.5], "W2": [[1.75]], "b2": [0.5]}"#)
            .unwrap();
    assert_eq!(doc["evaluation"]["gradients"], expected);
    assert_eq!(doc["check"]["passed"], true);
    // Without a factor or penalties, neither field is there.
    let plain = json(&["yhat = linear(relu(linear(x))); loss = mse(yhat, y)"]);
    assert!(plain["loss"].get("scale").is_none() && plain["loss"].get("penalties").is_none());
}

#[test]
fn values_read_back_to_the_same_f64() {
    let point = temp_file(
        "thirds.json",
        r#"{"x": [0.1, 0.2], "W1": [[0.3, 1e-7], [3.0000000000000004, -2]], "b1": [0.7, 0.1],
            "W2": [[1, 1]], "b2": [0], "y": [0.1]}"#,
    );
    let output = derive(&[
        "linear>tanh>linear>identity",
        "--at",
        point.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let printed = stdout(&output);
    let doc: Value = serde_json::from_str(&printed).unwrap();
    let loss = doc["evaluation"]["loss"].as_f64().unwrap();
    // The printed digits are the shortest that parse back to the very same f64.
    let evaluation = &printed[printed.find("\"evaluation\"").unwrap()..];
    let digits = evaluation
        .lines()
        .find(|l| l.trim_start().starts_with("\"loss\": "))
        .unwrap()
        .trim()
        .trim_start_matches("\"loss\": ")
        .trim_end_matches(',')
        .to_string();
    assert_eq!(digits.parse::<f64>().unwrap(), loss);
    assert_eq!(format!("{loss:?}"), digits);
}

#[test]
fn bad_point_files_exit_two_naming_the_key_and_the_problem() {
    let good = TINY;
    for (name, contents, says) in [
        ("not-json", "{\"x\": [2],", "not valid JSON"),
        ("array", "[1, 2]", "JSON object"),
        (
            "missing",
            &good.replace(r#", "b2": [1]"#, ""),
            "missing key `b2`",
        ),
        (
            "unknown",
            &good.replace(r#""b2""#, r#""b3""#),
            "unknown key `b3`",
        ),
        (
            "ragged",
            &good
                .replace(r#""x": [2]"#, r#""x": [2, 1]"#)
                .replace(r#"[[0.5]]"#, r#"[[0.5, 1], [2]]"#),
            "`W1` is ragged",
        ),
        (
            "disagree",
            &good.replace(r#""x": [2]"#, r#""x": [2, 3]"#),
            "`W1` has 1 columns but `x` has 2 entries",
        ),
        ("nan", &good.replace("[-0.5]", r#"["NaN"]"#), "`b1`[0]"),
        ("infinite", &good.replace("[-0.5]", "[1e999]"), "`b1`[0]"),
        ("matrix-as-list", &good.replace("[[3]]", "[3]"), "`W2`[0]"),
        ("empty", &good.replace("[2]}", "[]}"), "`y` is empty"),
    ] {
        let output = derive_at(
            &["linear>relu>linear>identity"],
            &format!("{name}.json"),
            contents,
        );
        assert_eq!(output.status.code(), Some(2), "{name}");
        let message = stderr(&output);
        assert!(message.contains(says), "{name}: {message}");
        assert!(stdout(&output).is_empty(), "{name}");
    }
    let output = derive(&["linear", "--at", "/nonexistent/point.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read"));
}

/// x = (0.1, 0.2) and b⁽¹⁾₁ = −0.3 make a pre-activation of 0.1 + 0.2 − 0.3 = 5.6e-17, zero up
/// to rounding.
const ROUNDING: &str =
    r#"{"x": [0.1, 0.2], "y": [0.5, 0.5], "W1": [[1, 1], [0, 1]], "b1": [-0.3, 0]}"#;

/// Into softmax, such a value is moved by the ordinary step: moved by a hundredth of itself,
/// softmax would not change at all, and the correct Jacobian ∂ŷ/∂z₁ failed the check.
#[test]
fn a_value_zero_up_to_rounding_is_moved_by_the_ordinary_step() {
    let output = derive_at(
        &["linear>softmax", "--loss", "ce"],
        "rounding-softmax.json",
        ROUNDING,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

/// `ROUNDING` with a second layer that passes z₂ on: the ReLU's input z₁ has an entry on its
/// kink up to rounding.
fn beside_a_kink() -> String {
    ROUNDING.replace('}', r#", "W2": [[1, 0], [0, 1]], "b2": [0, 0]}"#)
}

/// Into ReLU, the same value keeps its side of the kink: ∂z₂/∂z₁ is checked on the side where
/// it holds, and z₂'s other entry, which the step does not move, contributes exactly 0. (The
/// gradients whose steps cross the kink still fail there, under the check's warning.)
#[test]
fn a_value_beside_a_kink_keeps_its_side() {
    let output = derive_at(
        &["linear>relu>linear>identity"],
        "rounding-relu.json",
        &beside_a_kink(),
    );
    let text = stdout(&output);
    let jacobian = text
        .lines()
        .find(|l| l.contains("∂z₂/∂z₁   as defined"))
        .expect("the check compares ∂z₂/∂z₁");
    assert!(jacobian.ends_with("pass"), "{jacobian}");
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("lies within 1e-3 of its kink"), "{text}");
}

/// The check runs while the derivation is written: a failure still ends the output with the
/// check's section and exits 1, in text and in JSON.
#[test]
fn a_failing_check_ends_the_output_and_exits_one() {
    let point = beside_a_kink();
    let output = derive_at(&["linear>relu>linear>identity"], "failing.json", &point);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with("derive: linear > relu"), "{text}");
    let summary = text.lines().last().expect("some output");
    assert!(summary.trim_start().starts_with("FAIL: "), "{summary}");
    assert_eq!(stderr(&output), "");

    let output = derive_at(
        &["linear>relu>linear>identity", "--format", "json"],
        "failing-json.json",
        &point,
    );
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(doc["check"]["passed"], Value::Bool(false));
}

#[test]
fn bce_targets_outside_the_unit_interval_are_refused() {
    let output = derive_at(
        &["linear>relu>linear>sigmoid", "--loss", "bce"],
        "bce.json",
        TINY,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("needs targets in [0, 1]"));
}

#[test]
fn standalone_goes_with_latex_only() {
    let output = derive(&["linear", "--standalone"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--format latex"));
}

/// linear > dropout > linear at a point worked by hand: z₁ = W⁽¹⁾x = (2, 1), the mask (1, 0)
/// and 1/(1 − p) = 2 give z₂ = (4, 0), ŷ = W⁽²⁾z₂ = 4 and ℓ = (4 − 1)² = 9; ∂ℓ/∂ŷ = 6, so
/// ∂ℓ/∂W⁽²⁾ = 6 z₂ᵀ = (24, 0), ∂ℓ/∂z₂ = 6 W⁽²⁾ = (6, 18), ∂ℓ/∂z₁ = 2 m ⊙ (6, 18) = (12, 0),
/// ∂ℓ/∂W⁽¹⁾ = (12, 0)ᵀ x = (24, 0)ᵀ. The mask has no gradient.
const DROPOUT: &str = r#"{"x": [2], "W1": [[1], [0.5]], "b1": [0, 0], "W2": [[1, 3]], "b2": [0],
    "y": [1], "m1": [1, 0]}"#;

#[test]
fn dropout_at_a_hand_computed_point() {
    let point = temp_file("dropout.json", DROPOUT);
    let doc = json(&["linear>dropout>linear", "--at", point.to_str().unwrap()]);
    assert_documented_shape(&doc);
    let evaluation = &doc["evaluation"];
    assert_eq!(evaluation["loss"], 9.0);
    let expected: Value = serde_json::from_str(
        r#"{"W1": [[24.0], [0.0]], "b1": [12.0, 0.0], "W2": [[24.0, 0.0]], "b2": [6.0]}"#,
    )
    .unwrap();
    assert_eq!(evaluation["gradients"], expected);
    assert_eq!(doc["check"]["passed"], true);
    let keys: Vec<&str> = doc["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"m1"), "{keys:?}");
    assert_eq!(doc["forward"][1]["inputs"], serde_json::json!(["z1", "m1"]));
}

/// The same network on two samples, one mask per sample: the second, x = 1, y = 0 and the
/// mask (0, 1), gives z₁ = (1, 0.5), z₂ = (0, 1), ŷ = 3, ℓ₂ = 9, ∂ℓ₂/∂W⁽²⁾ = (0, 6),
/// ∂ℓ₂/∂z₁ = 2 (0, 1) ⊙ (6, 18) = (0, 36), ∂ℓ₂/∂W⁽¹⁾ = (0, 36)ᵀ; ℓ and the gradients are the
/// means of the two samples'.
#[test]
fn dropout_on_a_mini_batch_at_a_hand_computed_point() {
    let point = temp_file(
        "dropout-batch.json",
        r#"{"x": [[2], [1]], "W1": [[1], [0.5]], "b1": [0, 0], "W2": [[1, 3]], "b2": [0],
            "y": [[1], [0]], "m1": [[1, 0], [0, 1]]}"#,
    );
    let doc = json(&[
        "linear>dropout(0.5)>linear",
        "--batch",
        "--at",
        point.to_str().unwrap(),
    ]);
    let evaluation = &doc["evaluation"];
    assert_eq!(evaluation["loss"], 9.0);
    let expected: Value = serde_json::from_str(
        r#"{"W1": [[12.0], [18.0]], "b1": [6.0, 18.0], "W2": [[12.0, 3.0]], "b2": [6.0]}"#,
    )
    .unwrap();
    assert_eq!(evaluation["gradients"], expected);
    assert_eq!(doc["check"]["passed"], true);
}

#[test]
fn bad_dropout_masks_exit_two_naming_the_key() {
    let batch = r#"{"x": [[2], [1]], "W1": [[1], [0.5]], "b1": [0, 0], "W2": [[1, 3]],
        "b2": [0], "y": [[1], [0]], "m1": [[1, 0], [0, 2]]}"#;
    for (name, args, contents, says) in [
        (
            "half",
            &[][..],
            DROPOUT.replace("[1, 0]", "[1, 0.5]"),
            "`m1`[1] is 0.5: a dropout mask holds only 0 (drop the unit) and 1 (keep it)",
        ),
        (
            "short",
            &[][..],
            DROPOUT.replace("[1, 0]", "[1]"),
            "`m1` has 1 entries but `W1` has 2 rows; both are the size d",
        ),
        (
            "missing",
            &[][..],
            DROPOUT.replace(r#", "m1": [1, 0]"#, ""),
            "missing key `m1` (a dropout mask: a list of d entries, each 0 or 1)",
        ),
        (
            "per-sample",
            &["--batch"][..],
            batch.to_string(),
            "`m1`[1][1] is 2",
        ),
    ] {
        let mut all = vec!["linear>dropout>linear"];
        all.extend(args);
        let output = derive_at(&all, &format!("{name}.json"), &contents);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let message = stderr(&output);
        assert!(message.contains(says), "{name}: {message}");
        assert!(stdout(&output).is_empty(), "{name}");
    }
}
