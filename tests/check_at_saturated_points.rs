//! The check at saturated points and near the edge of a loss's domain: a right formula is never
//! called wrong there, a wrong one still is, and what cannot be checked at the point is said
//! (exit code 3), never passed off as a failure.
//!
//! The property: at random points whose last linear layer puts out logits of any size up to 30
//! (its weights scaled by at most 30, its bias moved),
//! for every loss and its output (mse after identity, sigmoid, tanh or softmax; bce after
//! sigmoid; ce after softmax; nll after log_softmax), one sample and a mini-batch, every item
//! passes, except that an item may be "not checked" where ŷ lies within 10⁻⁹ of an edge of the
//! loss's domain: float64 keeps fewer than seven digits of 1 − ŷ there, and the formula (from
//! z) and the differences (in the rounded ŷ) disagree by more than the tolerance allows. Only
//! ∂ℓ/∂ŷ, the one quantity differenced in ŷ itself, can be; every other item passes. A formula
//! made wrong by adding 1 to every entry fails at each of those points.

mod common;

use proptest::prelude::*;

use common::{checkable, derive, stdout};
use derive::check::{
    CheckOptions, CheckReport, CheckedForm, Coverage, PreparedCheck, Unchecked, Verdict,
    random_point,
};
use derive::derivation::Expansion;
use derive::math::symbol::Symbol;
use derive::network::layer::LayerKind;
use derive::numeric::evaluator::{Evaluator, Inputs};
use derive::numeric::matrix::Matrix;
use derive::{Derivation, Loss, LossKind, default_sizes, derive_spec, parse_spec};

fn options(d: &Derivation) -> CheckOptions {
    CheckOptions {
        seed: 0,
        sizes: default_sizes(&d.network),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    }
}

fn derivation(spec: &str, loss: LossKind, batch: bool) -> Derivation {
    let spec = parse_spec(spec).unwrap();
    derive_spec(
        &spec,
        Loss::new(loss),
        Expansion::default_for(spec.layers.len()),
        batch,
    )
    .unwrap()
}

/// The check's random point from `seed`, with the last linear layer's W and b scaled by at most
/// 30 and its bias moved up in even rows and down in odd ones, so that its output's entries are
/// at most |logit| in size and the largest about that (its sign flipped for a negative one).
/// Weights beyond ±30 are left out: the step of 10⁻⁴ is too coarse for a loss that varies on a
/// scale of 1/1000 (a limit of the fixed step, not of saturation).
fn point_with_logits(d: &Derivation, options: &CheckOptions, logit: f64) -> Inputs<f64> {
    let mut inputs = random_point(d, options, CheckOptions::KINK_MARGIN).unwrap();
    let last = d
        .network
        .layers
        .iter()
        .rev()
        .find(|l| l.linear_index.is_some())
        .unwrap();
    let k = last.linear_index.unwrap();
    let z = Evaluator::new(&d.network.arena, &options.sizes, &inputs)
        .value(last.output)
        .to_matrix();
    let largest = z.data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = (logit / largest.max(f64::MIN_POSITIVE)).clamp(-30.0, 30.0);
    for symbol in [Symbol::Weight(k), Symbol::Bias(k)] {
        let m = inputs.get_mut(&symbol).unwrap();
        m.data.iter_mut().for_each(|v| *v *= scale);
    }
    let rest = logit - logit.signum() * scale.abs() * largest;
    let bias = inputs.get_mut(&Symbol::Bias(k)).unwrap();
    for (row, v) in bias.data.iter_mut().enumerate() {
        *v += if row % 2 == 0 { rest } else { -rest };
    }
    inputs
}

/// Every item passes, or is not checked because ŷ lies within `near` of an edge of the domain.
fn passes_or_is_within(report: &CheckReport, near: f64) -> Result<(), String> {
    for item in &report.items {
        if item.passed {
            continue;
        }
        match &item.unchecked {
            Some(Unchecked::NotDifferentiable(Some(edge))) if edge.distance < near => {}
            _ => {
                return Err(format!(
                    "{} ({}) error {} {:?} {:?}",
                    item.symbol.text(),
                    item.form.label(),
                    item.error_text(),
                    item.non_finite,
                    item.unchecked
                ));
            }
        }
    }
    Ok(())
}

/// ∂ℓ/∂b of the last linear layer made wrong: 1 added to every entry.
fn plant_wrong_bias_gradient(d: &mut Derivation) -> Symbol {
    let g = d
        .gradients
        .iter_mut()
        .rev()
        .find(|g| matches!(g.parameter, Symbol::Bias(_)))
        .unwrap();
    let arena = &mut d.network.arena;
    let ones = arena.ones_shaped(arena.shape(g.closed_form).clone());
    g.closed_form = arena.add(g.closed_form, ones).unwrap();
    g.symbol.clone()
}

/// An output layer and a loss that takes it: every activation of the library's table that
/// saturates (σ, softmax) or bounds its output, or none, with every loss of the library's table
/// that fits it (`common::checkable`).
fn output_and_loss() -> impl Strategy<Value = (&'static str, LossKind)> {
    let mut pairs = Vec::new();
    for (name, _) in LayerKind::activations() {
        let last = LayerKind::from_name(name, None).expect("a name of the table");
        for kind in LossKind::ALL {
            if checkable(kind, Some(last)) {
                pairs.push((name, kind));
            }
        }
    }
    proptest::sample::select(pairs)
}

/// Hidden layers: any activation of the library's table but the columnwise ones, whose
/// one-unit outputs are constant.
fn hidden() -> impl Strategy<Value = Vec<&'static str>> {
    let names: Vec<&'static str> = LayerKind::activations()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !["softmax", "log_softmax"].contains(name))
        .collect();
    proptest::collection::vec(proptest::sample::select(names), 0..=2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn right_formulas_pass_and_wrong_ones_fail_with_logits_up_to_30(
        hidden in hidden(),
        (output, loss) in output_and_loss(),
        batch in any::<bool>(),
        seed in any::<u64>(),
        logit in -30.0f64..=30.0,
    ) {
        let spec: String = hidden
            .iter()
            .map(|a| format!("linear>{a}>"))
            .chain([format!("linear>{output}")])
            .collect();
        let mut d = derivation(&spec, loss, batch);
        let options = CheckOptions { seed, ..options(&d) };
        let inputs = point_with_logits(&d, &options, logit);
        // Scaling the last layer can bring an output ReLU's inputs to its kink, where the check
        // rightly judges nothing (a point of its own, tested apart); such points are skipped.
        for (input, kink) in d.network.kinked_inputs() {
            let values = Evaluator::new(&d.network.arena, &options.sizes, &inputs)
                .value(input)
                .to_matrix();
            prop_assume!(values
                .data
                .iter()
                .all(|v| (v - kink).abs() >= CheckOptions::KINK_MARGIN));
        }
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        let context = format!("{spec} {loss:?} batch {batch} seed {seed} logit {logit}");
        prop_assert!(report.verdict() != Verdict::Fail, "{context}");
        if let Err(item) = passes_or_is_within(&report, 1e-9) {
            prop_assert!(false, "{context}: {item}");
        }
        let wrong = plant_wrong_bias_gradient(&mut d);
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        prop_assert_eq!(report.verdict(), Verdict::Fail, "{}", context);
        let item = report
            .items
            .iter()
            .find(|i| i.symbol == wrong && i.form == CheckedForm::ClosedForm)
            .unwrap();
        prop_assert!(!item.passed && item.unchecked.is_none(), "{context}");
    }
}

/// `linear > sigmoid` (n = K = 1) under bce at z = w, x = 1, b = 0.
fn sigmoid_point(w: f64, y: f64) -> Inputs<f64> {
    let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
    Inputs::from([
        (Symbol::Input, one(1.0)),
        (Symbol::Target, one(y)),
        (Symbol::Weight(1), one(w)),
        (Symbol::Bias(1), one(0.0)),
    ])
}

fn sized(d: &Derivation, dims: &str) -> CheckOptions {
    CheckOptions {
        sizes: derive::parse_dims(dims, &d.network).unwrap(),
        ..options(d)
    }
}

#[test]
fn where_sigmoid_rounds_to_one_the_check_still_rejects_a_wrong_formula() {
    // σ(40) is exactly 1 in float64; every form but ∂ℓ/∂ŷ is still evaluated finitely.
    for (w, y) in [(40.0, 0.3), (30.0, 0.0), (-40.0, 1.0), (40.0, 1.0)] {
        let mut d = derivation("linear>sigmoid", LossKind::Bce, false);
        let options = sized(&d, "n=1,K=1");
        let inputs = sigmoid_point(w, y);
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        passes_or_is_within(&report, 1e-9).unwrap();
        let chain_rule = report
            .items
            .iter()
            .find(|i| i.symbol.text() == "∂ℓ/∂W⁽¹⁾" && i.form == CheckedForm::ChainRule)
            .unwrap();
        assert!(chain_rule.passed, "w = {w}, y = {y}");
        let wrong = plant_wrong_bias_gradient(&mut d);
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        assert_eq!(report.verdict(), Verdict::Fail, "w = {w}, y = {y}");
        let failed: Vec<_> = report
            .items
            .iter()
            .filter(|i| !i.passed && i.unchecked.is_none())
            .map(|i| (i.symbol.clone(), i.form))
            .collect();
        assert_eq!(
            failed,
            vec![(wrong, CheckedForm::ClosedForm)],
            "w = {w}, y = {y}"
        );
    }
}

#[test]
fn a_failure_wins_over_an_item_that_could_not_be_checked() {
    // Logits 1000 apart: softmax puts out exactly (1, 0), so the chain rule through ∂ℓ/∂ŷ =
    // −y ⊘ ŷ is NaN where y₂ > 0 (not checked), while the closed form ŷ − y is finite.
    let mut d = derivation("linear>softmax", LossKind::Ce, false);
    let options = sized(&d, "n=1,K=2");
    let inputs = Inputs::from([
        (Symbol::Input, Matrix::from_vec(1, 1, vec![1.0])),
        (Symbol::Target, Matrix::from_vec(2, 1, vec![0.5, 0.5])),
        (Symbol::Weight(1), Matrix::from_vec(2, 1, vec![1000.0, 0.0])),
        (Symbol::Bias(1), Matrix::from_vec(2, 1, vec![0.0, 0.0])),
    ]);
    let report = PreparedCheck::at(&d, &options, &inputs).run();
    assert_eq!(report.verdict(), Verdict::Unchecked);
    for item in report.items.iter().filter(|i| !i.passed) {
        assert!(
            matches!(&item.unchecked, Some(Unchecked::Saturated(s)) if s.value.text() == "ŷ"),
            "{} {:?}",
            item.symbol.text(),
            item.unchecked
        );
    }
    plant_wrong_bias_gradient(&mut d);
    let report = PreparedCheck::at(&d, &options, &inputs).run();
    assert_eq!(report.verdict(), Verdict::Fail);
}

/// Along a direction every entry of ŷ moves, each by a step that cannot be exact, so ∂ℓ/∂ŷ
/// stops being checkable further from the edge: within 10⁻⁶ of it.
#[test]
fn along_directions_the_edge_is_kept_too() {
    // Too large to difference entry by entry; ŷ within 10⁻⁸ of 1 in some entries.
    let deep = format!("{}linear>sigmoid", "linear>tanh>".repeat(200));
    let per_parameter = Coverage::PerParameter(CheckOptions::DIRECTIONS);
    for (spec, loss, dims, coverage) in [
        (
            "linear>tanh>linear>sigmoid",
            LossKind::Bce,
            "n=300,d=300,K=300",
            per_parameter,
        ),
        (
            "linear>tanh>linear>softmax",
            LossKind::Ce,
            "n=300,d=300,K=300",
            per_parameter,
        ),
        (
            &deep[..],
            LossKind::Bce,
            "",
            Coverage::Joint(CheckOptions::DIRECTIONS),
        ),
    ] {
        let mut d = derivation(spec, loss, false);
        let options = sized(&d, dims);
        assert_eq!(derive::check::choose_coverage(&d, &options.sizes), coverage);
        let spec = &spec[..spec.len().min(30)];
        for logit in [20.0, -30.0, 30.0] {
            let inputs = point_with_logits(&d, &options, logit);
            let report = PreparedCheck::at(&d, &options, &inputs).run();
            passes_or_is_within(&report, 1e-6).unwrap_or_else(|e| panic!("{spec} {logit}: {e}"));
        }
        plant_wrong_bias_gradient(&mut d);
        let inputs = point_with_logits(&d, &options, 30.0);
        let report = PreparedCheck::at(&d, &options, &inputs).run();
        assert_eq!(report.verdict(), Verdict::Fail, "{spec}");
    }
}

fn write_point(name: &str, json: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("derive-saturation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path
}

fn run_at(spec: &str, loss: &str, point: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![spec, "--loss", loss, "--at", point.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = derive(&args);
    (output.status.code().unwrap(), stdout(&output))
}

#[test]
fn bce_beside_one_passes_on_either_side_of_the_old_threshold() {
    // σ(9) = 1 − 1.2·10⁻⁴: the step of 10⁻⁴ used to reach past 1, where log(1 − ŷ) is NaN.
    for w in ["9", "8.6", "8.4", "-9", "20"] {
        for y in ["1", "0", "0.3"] {
            let point = write_point(
                &format!("b_{w}_{y}.json"),
                &format!(r#"{{"x":[1],"W1":[[{w}]],"b1":[0],"y":[{y}]}}"#),
            );
            let (code, out) = run_at("linear>sigmoid", "bce", &point, &[]);
            assert_eq!(code, 0, "w = {w}, y = {y}:\n{out}");
            assert!(out.contains("Numeric check: PASS"), "w = {w}, y = {y}");
        }
    }
    let point = write_point(
        "batch.json",
        r#"{"x":[[1],[1]],"W1":[[9]],"b1":[0],"y":[[1],[0.2]]}"#,
    );
    let (code, out) = run_at("linear>sigmoid", "bce", &point, &["--batch"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_saturated_softmax_is_said_in_words_with_exit_code_3_and_the_report_keeps_the_width() {
    let point = write_point(
        "softmax.json",
        r#"{"x":[1],"W1":[[1000],[0]],"b1":[0,0],"y":[0.5,0.5]}"#,
    );
    let (code, out) = run_at("linear>softmax", "ce", &point, &["--width", "70"]);
    assert_eq!(code, 3, "{out}");
    let check = &out[out.find("Numeric check").unwrap()..];
    assert!(check.starts_with("Numeric check: INCOMPLETE"), "{check}");
    let words = check.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("could not be checked at this point, as ŷ is saturated there (an entry of softmax is exactly 1 in float64)"),
        "{words}"
    );
    assert!(words.contains("∂ℓ/∂W⁽¹⁾ (chain rule)"), "{words}");
    assert!(!words.contains("FAIL"), "{words}");
    for line in check.lines() {
        assert!(line.chars().count() <= 70, "{line}");
    }
    // JSON says which items and why.
    let (code, json) = run_at("linear>softmax", "ce", &point, &["--format", "json"]);
    assert_eq!(code, 3);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let items = value["check"]["items"].as_array().unwrap();
    let unchecked: Vec<&str> = items
        .iter()
        .filter_map(|i| i["unchecked"].as_str())
        .collect();
    assert_eq!(unchecked.len(), 4, "{json}");
    assert!(unchecked[0].starts_with("could not be checked at this point"));
}

#[test]
fn bce_where_y_hat_is_exactly_y_uses_zero_log_zero() {
    // ReLU puts out exactly 0 at z = −1, and y = 0: ℓ = −(0 · log 0 + log 1) = 0.
    let point = write_point("relu.json", r#"{"x":[1],"W1":[[-1]],"b1":[0],"y":[0]}"#);
    let (code, json) = run_at("linear>relu", "bce", &point, &["--format", "json"]);
    assert_eq!(code, 0, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["evaluation"]["loss"], 0.0);
    assert_eq!(value["evaluation"]["gradients"]["W1"][0][0], 0.0);
    assert_eq!(value["evaluation"]["gradients"]["b1"][0], 0.0);
}
