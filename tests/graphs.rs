//! Models that are graphs: residual connections (`+`, `-`) and gates (`.*`) between values,
//! a value taken by several nodes, several inputs, constants and an objective written out.
//! Snapshots of the models, read as a grader would; and, over random graphs (up to 8
//! bindings, every activation, layernorm and dropout, residual sums, differences and gates,
//! shared and transposed weights, a second input, constants, an objective with penalties or
//! --loss, one sample and batches, expanded and compact, every convention), every closed form
//! and every edge's Jacobian agrees with central differences, every gradient has its
//! parameter's shape, and every renderer runs.

mod common;

use proptest::prelude::*;

use common::{derive, stdout};

use derive::check::{CheckOptions, check};
use derive::convention::{Convention, Layout, Style, view};
use derive::derivation::Expansion;
use derive::network::layer::LayerKind;
use derive::numeric::sizes::Sizes;
use derive::render::sections::Sections;
use derive::render::{Format, RenderOptions};
use derive::{Loss, LossKind, derive_spec, parse_spec};

fn snapshot(name: &str, arguments: &[&str]) -> String {
    let output = derive(arguments);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{arguments:?} must pass its check"
    );
    let text = stdout(&output);
    assert!(text.contains("Numeric check: PASS"), "{arguments:?}");
    assert_derivation_snapshot!(name, text.clone());
    text
}

/// A residual block: ŷ = W⁽²⁾h + b⁽²⁾ + x, so ∂ℓ/∂x has the identity path; here the block's own
/// input is h, taken by Linear₂ and by the sum, so ∂ℓ/∂h = ∂ℓ/∂z₃ · W⁽²⁾ + ∂ℓ/∂ŷ · I.
#[test]
fn a_residual_block() {
    let text = snapshot(
        "graph_residual_block",
        &["h = relu(linear(x)); yhat = linear(h) + h", "--loss", "mse"],
    );
    assert!(
        text.contains("∂ℓ/∂h = 2(ŷ − y)ᵀ W⁽²⁾ + 2(ŷ − y)ᵀ"),
        "{text}"
    );
    snapshot(
        "graph_residual_block_batch",
        &[
            "h = relu(linear(x)); yhat = linear(h) + h",
            "--loss",
            "mse",
            "--batch",
        ],
    );
}

/// A tied autoencoder: the decoder uses the encoder's W transposed, so ∂ℓ/∂W is the sum of both
/// uses, δ₁xᵀ + hδ₂ᵀ with δ₂ = 2(ŷ − y) and δ₁ = (Wδ₂) ⊙ h ⊙ (1 − h).
#[test]
fn a_tied_autoencoder() {
    let model = "h = sigmoid(W*x + b); yhat = W'*h + c";
    let text = snapshot("graph_tied_autoencoder", &[model, "--loss", "mse"]);
    assert!(
        text.contains("∂ℓ/∂W = 2((W(ŷ − y)) ⊙ h ⊙ (1 − h)) xᵀ + 2h(ŷ − y)ᵀ"),
        "{text}"
    );
    snapshot(
        "graph_tied_autoencoder_batch",
        &[model, "--loss", "mse", "--batch"],
    );
}

/// A gate: ŷ = W⁽³⁾(g ⊙ u) + b⁽³⁾ with g = σ(z₁), u = tanh(z₃); ∂(g ⊙ u)/∂g = diag(u).
#[test]
fn a_gate() {
    let text = snapshot(
        "graph_gate",
        &[
            "g = sigmoid(linear(x)); u = tanh(linear(x)); yhat = linear(g .* u)",
            "--loss",
            "mse",
        ],
    );
    assert!(text.contains("diag(u)"), "{text}");
}

/// Two inputs, each through a linear layer of its own, added: x₁ and x₂ have widths of their
/// own, n₁ and n₂, and ∂ℓ/∂W⁽¹⁾ = (∂ℓ/∂z₁)ᵀx₁ᵀ, ∂ℓ/∂W⁽²⁾ = (∂ℓ/∂z₂)ᵀx₂ᵀ with ∂ℓ/∂z₁ = ∂ℓ/∂z₂ (the
/// sum's Jacobians are both I).
#[test]
fn two_inputs() {
    let model = "h = relu(linear(x1) + linear(x2)); yhat = sigmoid(linear(h))";
    let text = snapshot("graph_two_inputs", &[model, "--loss", "bce"]);
    assert!(text.contains("W⁽²⁾ ∈ ℝ^(d×n₂)"), "{text}");
    assert!(
        text.contains("∂ℓ/∂W⁽²⁾ = (1/K)((W⁽³⁾ᵀ(ŷ − y)) ⊙ [z₃ > 0]) x₂ᵀ"),
        "{text}"
    );
    snapshot(
        "graph_two_inputs_batch",
        &[model, "--loss", "bce", "--batch", "--convention", "pytorch"],
    );
}

/// An objective written out: cross-entropy plus 0.01(‖W⁽¹⁾‖² + ‖W⁽²⁾‖²), so each weight's
/// gradient gains 2 · 0.01 W⁽ᵏ⁾ = (1/50)W⁽ᵏ⁾ and the biases' are as without it.
#[test]
fn a_regularized_objective() {
    let model = "yhat = softmax(linear(relu(linear(x)))); loss = ce(yhat, y) + 0.01*(sumsq(W1) + sumsq(W2))";
    let text = snapshot("graph_regularized_objective", &[model]);
    assert!(
        text.contains("∂ℓ/∂W⁽²⁾ = (ŷ − y) z₂ᵀ + (1/50)W⁽²⁾"),
        "{text}"
    );
    assert!(text.contains("∂ℓ/∂b⁽²⁾ = ŷ − y "), "{text}");
    snapshot("graph_regularized_objective_batch", &[model, "--batch"]);
}

/// A highway layer, ŷ = t ⊙ g + (1 − t) ⊙ x with the gate t = σ(W⁽¹⁾x + b⁽¹⁾): the gate is taken
/// by the product and by its complement, so ∂ℓ/∂t = ∂ℓ/∂z₅ · diag(g) − ∂ℓ/∂z₆.
#[test]
fn a_highway_layer() {
    let model = "t = sigmoid(linear(x)); g = relu(linear(x)); yhat = t .* g + (1 - t) .* x";
    let text = snapshot("graph_highway", &[model, "--loss", "mse"]);
    assert!(text.contains("∂z₆/∂t = −I"), "{text}");
    assert!(text.contains("∂ℓ/∂t = ((∂ℓ/∂z₅)ᵀ ⊙ g)ᵀ − ∂ℓ/∂z₆"), "{text}");
    // Substituted: 2((ŷ − y) ⊙ g) − 2((ŷ − y) ⊙ x), that is 2(ŷ − y) ⊙ (g − x), as a row.
    let expanded = snapshot(
        "graph_highway_expanded",
        &[model, "--loss", "mse", "--expand"],
    );
    assert!(
        expanded.contains("∂ℓ/∂t = (2((ŷ − y) ⊙ g) + 2((y − ŷ) ⊙ x))ᵀ"),
        "{expanded}"
    );
}

#[derive(Clone, Debug)]
enum Step {
    /// A layer applied to the value before.
    Layer(String),
    /// The value before combined with an earlier one (by how far back).
    Combine(&'static str, usize),
    /// A weight of the model's own (shared by every step that names it, transposed or not) times
    /// the value before, with a bias of its own or none.
    Own(&'static str, bool, Option<&'static str>),
    /// The value before combined with a second input through a linear layer of its own: the
    /// model's inputs are then x1 and x2.
    Input(&'static str),
    /// A constant on the value before: `0.5*h`, `h*3` or `1 - h`.
    Constant(&'static str),
}

fn step() -> impl Strategy<Value = Step> {
    let activations: Vec<String> = LayerKind::activations()
        .into_iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name != "softmax" && name != "log_softmax")
        .collect();
    prop_oneof![
        3 => Just(Step::Layer("linear".to_string())),
        3 => proptest::sample::select(activations).prop_map(Step::Layer),
        1 => proptest::sample::select(vec!["layernorm".to_string(), "dropout(0.25)".to_string()])
            .prop_map(Step::Layer),
        3 => (proptest::sample::select(vec!["+", "-", ".*"]), 1usize..8)
            .prop_map(|(op, back)| Step::Combine(op, back)),
        2 => (
            proptest::sample::select(vec!["W", "V"]),
            any::<bool>(),
            proptest::option::of(proptest::sample::select(vec!["b", "c"])),
        )
            .prop_map(|(w, transposed, bias)| Step::Own(w, transposed, bias)),
        1 => proptest::sample::select(vec!["+", "-", ".*"]).prop_map(Step::Input),
        1 => proptest::sample::select(vec!["0.5*{}", "{}*3", "1 - {}"]).prop_map(Step::Constant),
    ]
}

/// The model of the steps: binding i applies its step to binding i − 1 (x before the first, x1
/// where a step takes x2), so every binding reaches the output, which is a linear layer of the
/// last; with `objective`, a last binding writes the objective: half the loss, plus penalties on
/// W1 and on every weight of the model's own.
fn model(steps: &[Step], loss: LossKind, objective: bool) -> String {
    let mut bindings = Vec::new();
    let several = steps.iter().any(|s| matches!(s, Step::Input(_)));
    let name = |i: usize| match i {
        0 if several => "x1".to_string(),
        0 => "x".to_string(),
        _ => format!("h{i}"),
    };
    for (i, step) in steps.iter().enumerate() {
        let previous = name(i);
        let value = match step {
            Step::Layer(layer) => match layer.split_once('(') {
                Some((f, argument)) => format!("{f}({previous}, {}", argument),
                None => format!("{layer}({previous})"),
            },
            Step::Combine(op, back) => {
                let other = name(i.saturating_sub(*back));
                format!("linear({previous}) {op} {other}")
            }
            Step::Own(weight, transposed, bias) => {
                let weight = if *transposed {
                    format!("{weight}'")
                } else {
                    weight.to_string()
                };
                match bias {
                    Some(b) => format!("tanh({weight}*{previous} + {b})"),
                    None => format!("tanh({weight}*{previous})"),
                }
            }
            Step::Input(op) => format!("linear({previous}) {op} linear(x2)"),
            Step::Constant(form) => form.replace("{}", &previous),
        };
        bindings.push(format!("{} = {value}", name(i + 1)));
    }
    bindings.push(format!("yhat = linear({})", name(steps.len())));
    if objective {
        let mut penalties = vec!["0.01*sumsq(W1)".to_string()];
        for weight in ["W", "V"] {
            if steps
                .iter()
                .any(|s| matches!(s, Step::Own(w, ..) if *w == weight))
            {
                penalties.push(format!("0.25*sumsq({weight})"));
            }
        }
        bindings.push(format!(
            "loss = 0.5*{}(yhat, y) + {}",
            loss.definition().name,
            penalties.join(" + ")
        ));
    }
    bindings.join("; ")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_check_out(
        steps in proptest::collection::vec(step(), 1..=7),
        sizes in proptest::collection::vec(2usize..=5, 10),
        seed in 0u64..1_000_000,
        compact in any::<bool>(),
        batch in any::<bool>(),
        convention in 0usize..3,
        loss in proptest::sample::select(vec![LossKind::Mse, LossKind::CeLogits, LossKind::L1]),
        objective in any::<bool>(),
    ) {
        let text = model(&steps, loss, objective);
        let spec = parse_spec(&text).unwrap();
        let expansion = if compact { Expansion::Compact } else { Expansion::Expanded };
        let columns = derive_spec(&spec, Loss::new(loss), expansion, batch).unwrap();
        let convention = [
            Convention::default(),
            Convention { style: Style::Pytorch, layout: Layout::Numerator },
            Convention { style: Style::Cs231n, layout: Layout::Denominator },
        ][convention];
        let derivation = view(columns, convention).unwrap();
        let arena = &derivation.network.arena;
        for g in &derivation.gradients {
            prop_assert_eq!(arena.shape(g.closed_form), arena.shape(g.leaf));
            prop_assert_eq!(arena.shape(g.chain_rule), arena.shape(g.leaf));
        }
        let dims = Sizes::new(
            derivation.network.dims.iter().zip(&sizes)
                .map(|(d, s)| (d.name().to_string(), *s))
                .collect(),
        );
        let options = CheckOptions {
            seed,
            sizes: dims,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        };
        let report = check(&derivation, &options);
        prop_assume!(report.is_ok());
        let report = report.unwrap();
        // A layernorm magnifies a step before it by γ/√(var + ε): at a point where a feature's
        // variance is near 0, or a kink after it is near, the fixed step says nothing either way
        // (tests/properties.rs skips those points for chains); the other items still count.
        let normalizes = text.contains("layernorm");
        let failures: Vec<String> = report.items.iter()
            .filter(|i| {
                let unsettled_near_a_normalization =
                    normalizes && i.error.is_finite() && i.error < 1e-3;
                !(i.passed || unsettled_near_a_normalization)
            })
            .map(|i| format!("{} {} {:e}", i.symbol, i.form.label(), i.error)).collect();
        prop_assert!(failures.is_empty(), "{} --loss {:?} {:?}: {:?}", text, loss, convention, failures);
        let sections = Sections::new(&derivation, Some(&report), None);
        let page = RenderOptions { width: 100, standalone: true };
        for format in Format::ALL {
            prop_assert!(!format.render(&sections, page).is_empty());
        }
    }
}

/// The check can fail a graph's formula: ∂ℓ/∂h without the residual's identity path (only what
/// comes back through W⁽²⁾) is refused.
#[test]
fn a_signal_without_the_identity_path_fails_the_check() {
    let spec = parse_spec("h = relu(linear(x)); yhat = linear(h) + h").unwrap();
    let mut d = derive_spec(&spec, Loss::new(LossKind::Mse), Expansion::Expanded, false).unwrap();
    let position = |d: &derive::Derivation, name: &str| {
        d.signals
            .iter()
            .position(|s| s.symbol.text() == name)
            .unwrap()
    };
    let (through_z3, h) = (position(&d, "∂ℓ/∂z₃"), position(&d, "∂ℓ/∂h"));
    let weight = d.network.layers[2].weight.unwrap();
    let row = d.signals[through_z3].closed_form;
    let wrong = d.network.arena.matmul(row, weight).unwrap();
    d.signals[h].closed_form = wrong;
    let options = CheckOptions {
        seed: 0,
        sizes: Sizes::new(vec![("n".into(), 3), ("K".into(), 4)]),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    };
    let report = check(&d, &options).unwrap();
    let failed: Vec<String> = report
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| format!("{} {}", i.symbol, i.form.label()))
        .collect();
    assert_eq!(failed, ["∂ℓ/∂h closed form"]);
}
