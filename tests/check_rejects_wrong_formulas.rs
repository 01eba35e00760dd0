//! The numeric check must fail on a wrong formula: each test plants one of the mistakes a real
//! student made (../HOMEWORK.md) in an otherwise right derivation and expects the check to
//! catch it; a shape mistake is refused before any number is computed.

use derive::check::{CheckOptions, CheckedForm, check};
use derive::derivation::Expansion;
use derive::math::coef::Coef;
use derive::math::expr::Node;
use derive::math::symbol::Symbol;
use derive::{Derivation, Loss, LossKind, default_sizes, derive_spec, derive_text, parse_spec};

fn homework(spec: &str, loss: LossKind) -> Derivation {
    derive_text(spec, Loss::new(loss)).expect("the homework derives")
}

fn options(derivation: &Derivation) -> CheckOptions {
    CheckOptions {
        seed: CheckOptions::DEFAULT_SEED,
        sizes: default_sizes(&derivation.network),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    }
}

fn failed_items(derivation: &Derivation) -> Vec<(String, CheckedForm)> {
    let report = check(derivation, &options(derivation)).unwrap();
    report
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| (i.symbol.text(), i.form))
        .collect()
}

fn gradient_index(derivation: &Derivation, parameter: Symbol) -> usize {
    derivation
        .gradients
        .iter()
        .position(|g| g.parameter == parameter)
        .unwrap()
}

/// Replaces a Jacobian, as defined and as simplified, by the identity: the mistake of writing
/// an activation's derivative as the scalar 1.
fn write_jacobian_as_identity(d: &mut Derivation, name: &str) {
    let j = d
        .jacobians
        .iter()
        .position(|j| j.symbol.text() == name)
        .unwrap();
    let dim = d
        .network
        .arena
        .shape(d.jacobians[j].definition)
        .rows
        .clone();
    let identity = d.network.arena.identity(dim);
    d.jacobians[j].definition = identity;
    d.jacobians[j].simplified = identity;
}

#[test]
fn the_right_derivations_pass() {
    for (spec, loss) in [
        ("linear>relu>linear>identity", LossKind::Mse),
        ("linear>sigmoid>linear>sigmoid", LossKind::Mse),
        ("linear>sigmoid>linear>sigmoid", LossKind::Bce),
        ("linear>relu>linear>sigmoid", LossKind::Bce),
    ] {
        assert_eq!(
            failed_items(&homework(spec, loss)),
            vec![],
            "{spec} {loss:?}"
        );
    }
}

#[test]
fn a_sigmoid_derivative_replaced_by_one_is_rejected() {
    // ∂ℓ/∂W⁽¹⁾ with σ′(z₁) dropped: 2 (W⁽²⁾ᵀ((ŷ − y) ⊙ ŷ ⊙ (1 − ŷ))) xᵀ.
    let mut d = homework("linear>sigmoid>linear>sigmoid", LossKind::Mse);
    let net = &d.network;
    let (yhat, y, x) = (net.yhat, net.y, net.x);
    let w2 = net.parameters[2].leaf;
    let arena = &mut d.network.arena;
    let diff = arena.sub(yhat, y).unwrap();
    let one_minus = arena.one_minus(yhat).unwrap();
    let sigma_prime = arena.hadamard(yhat, one_minus).unwrap();
    let delta3 = arena.hadamard(diff, sigma_prime).unwrap();
    let w2t = arena.transpose(w2);
    let back = arena.matmul(w2t, delta3).unwrap();
    let xt = arena.transpose(x);
    let outer = arena.matmul(back, xt).unwrap();
    let wrong = arena.scale(Coef::integer(2), outer);
    let i = gradient_index(&d, Symbol::Weight(1));
    d.gradients[i].closed_form = wrong;
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂W⁽¹⁾".to_string(), CheckedForm::ClosedForm)]
    );
}

#[test]
fn a_flipped_sign_is_rejected() {
    let mut d = homework("linear>relu>linear>identity", LossKind::Mse);
    let i = gradient_index(&d, Symbol::Bias(2));
    let right = d.gradients[i].closed_form;
    d.gradients[i].closed_form = d.network.arena.scale(Coef::integer(-1), right);
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂b⁽²⁾".to_string(), CheckedForm::ClosedForm)]
    );
}

#[test]
fn a_relu_jacobian_written_as_the_scalar_one_is_rejected() {
    // Mistake 1: ∂z₂/∂z₁ as "1" instead of diag([z₁ > 0]). At the default point some unit of
    // z₁ is negative, so the identity differs from the true Jacobian.
    let mut d = homework("linear>relu>linear>identity", LossKind::Mse);
    write_jacobian_as_identity(&mut d, "∂z₂/∂z₁");
    assert_eq!(
        failed_items(&d),
        vec![("∂z₂/∂z₁".to_string(), CheckedForm::Definition)]
    );
}

#[test]
fn a_missing_transpose_cannot_even_be_built() {
    // Mistake 4: ∂ℓ/∂W⁽²⁾ = (…) σ(W⁽¹⁾x + b⁽¹⁾) with no transpose: K×1 times d×1.
    let mut d = homework("linear>sigmoid>linear>sigmoid", LossKind::Mse);
    let z2 = d.network.layers[1].output;
    let i = gradient_index(&d, Symbol::Bias(2));
    let delta = d.gradients[i].closed_form;
    let err = d.network.arena.matmul(delta, z2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in a matrix product: K×1 and d×1"
    );
}

#[test]
fn a_bias_gradient_left_as_a_row_cannot_stand_for_a_column() {
    // Mistake 3: ∂ℓ/∂b⁽¹⁾ left as the row ∂ℓ/∂z₁: its shape is not b⁽¹⁾'s.
    let d = homework("linear>relu>linear>identity", LossKind::Mse);
    let arena = &d.network.arena;
    let row = d
        .signals
        .iter()
        .find(|s| s.symbol.text() == "∂ℓ/∂z₁")
        .unwrap();
    let b1 = &d.gradients[gradient_index(&d, Symbol::Bias(1))];
    assert_eq!(arena.shape(row.closed_form).to_string(), "1×d");
    assert_eq!(arena.shape(b1.closed_form).to_string(), "d×1");
    assert_eq!(arena.shape(b1.leaf), arena.shape(b1.closed_form));
}

/// A network too large to difference entry by entry: the check goes along random directions,
/// and must still see a wrong formula.
fn large(spec: &str, dims: &str) -> (Derivation, CheckOptions) {
    let d = homework(spec, LossKind::Mse);
    let sizes = derive::parse_dims(dims, &d.network).unwrap();
    let options = CheckOptions {
        sizes,
        ..options(&d)
    };
    (d, options)
}

fn failures_with(d: &Derivation, options: &CheckOptions) -> Vec<(String, CheckedForm, String)> {
    check(d, options)
        .unwrap()
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| (i.symbol.text(), i.form, i.comparison.label()))
        .collect()
}

#[test]
fn the_directional_check_rejects_a_flipped_sign() {
    let (mut d, options) = large("linear>tanh>linear>identity", "n=300,d=300,K=300");
    assert_eq!(
        derive::check::choose_coverage(&d, &options.sizes),
        derive::check::Coverage::PerParameter(CheckOptions::DIRECTIONS)
    );
    assert_eq!(failures_with(&d, &options), vec![]);
    let i = gradient_index(&d, Symbol::Bias(2));
    let right = d.gradients[i].closed_form;
    d.gradients[i].closed_form = d.network.arena.scale(Coef::integer(-1), right);
    assert_eq!(
        failures_with(&d, &options),
        vec![(
            "∂ℓ/∂b⁽²⁾".to_string(),
            CheckedForm::ClosedForm,
            "3 directions".to_string()
        )]
    );
}

#[test]
fn the_joint_check_rejects_a_wrong_closed_form_and_a_wrong_jacobian() {
    let spec = format!("{}linear>identity", "linear>tanh>".repeat(200));
    let (mut d, options) = large(&spec, "");
    assert_eq!(
        derive::check::choose_coverage(&d, &options.sizes),
        derive::check::Coverage::Joint(CheckOptions::DIRECTIONS)
    );
    assert_eq!(failures_with(&d, &options), vec![]);
    // ∂ℓ/∂b⁽¹⁾ with its sign flipped, and ∂z₂/∂z₁ = diag(tanh′(z₁)) written as I.
    let i = gradient_index(&d, Symbol::Bias(1));
    let right = d.gradients[i].closed_form;
    d.gradients[i].closed_form = d.network.arena.scale(Coef::integer(-1), right);
    write_jacobian_as_identity(&mut d, "∂z₂/∂z₁");
    assert_eq!(
        failures_with(&d, &options),
        vec![
            (
                "∂ℓ/∂b⁽¹⁾".to_string(),
                CheckedForm::ClosedForm,
                "= chain rule".to_string()
            ),
            (
                "∂z₂/∂z₁".to_string(),
                CheckedForm::Definition,
                "3 directions".to_string()
            ),
        ]
    );
}

/// The regression homework with weight decay λ = 0.01.
fn with_weight_decay() -> Derivation {
    let mut spec = parse_spec("linear>relu>linear>identity").unwrap();
    spec.weight_decay = Some(0.01);
    derive_spec(&spec, Loss::new(LossKind::Mse), Expansion::Expanded, false).unwrap()
}

#[test]
fn a_weight_decay_gradient_without_its_term_or_with_half_of_it_is_rejected() {
    assert_eq!(failed_items(&with_weight_decay()), vec![]);
    let i = gradient_index(&with_weight_decay(), Symbol::Weight(2));
    // ∂ℓ/∂W⁽²⁾ = 2(ŷ − y) z₂ᵀ + λW⁽²⁾; the mistakes drop λW⁽²⁾, or differentiate (λ/2)‖W‖² to
    // (λ/2)W.
    for wrong_share in [None, Some(Coef::ratio(1, 2))] {
        let mut d = with_weight_decay();
        let lambda = d
            .network
            .weight_decay
            .expect("the network decays its weights");
        let w2 = d.gradients[i].leaf;
        let arena = &mut d.network.arena;
        let Node::Add(data_term, _) = arena.node(d.gradients[i].closed_form).clone() else {
            panic!("the closed form is the data term plus λW⁽²⁾");
        };
        d.gradients[i].closed_form = match &wrong_share {
            None => data_term,
            Some(share) => {
                let decay = arena.scale(Coef::constant(lambda).times(share), w2);
                arena.add(data_term, decay).unwrap()
            }
        };
        assert_eq!(
            failed_items(&d),
            vec![("∂ℓ/∂W⁽²⁾".to_string(), CheckedForm::ClosedForm)],
            "{wrong_share:?}"
        );
    }
}

/// Replaces the dropout layer's Jacobian ∂z₃/∂z₂ of `linear>relu>dropout>linear`, as defined
/// and as simplified, by `wrong`, built from the mask m⁽¹⁾.
fn write_dropout_jacobian(
    wrong: impl Fn(
        &mut derive::math::expr::Arena,
        derive::math::expr::ExprId,
    ) -> derive::math::expr::ExprId,
) -> Derivation {
    let mut d = homework("linear>relu>dropout>linear", LossKind::Mse);
    let mask = d.network.masks().next().unwrap();
    let j = d
        .jacobians
        .iter()
        .position(|j| j.symbol.text() == "∂z₃/∂z₂")
        .unwrap();
    let wrong = wrong(&mut d.network.arena, mask);
    d.jacobians[j].definition = wrong;
    d.jacobians[j].simplified = wrong;
    d
}

#[test]
fn the_right_dropout_derivations_pass() {
    for (spec, loss) in [
        ("linear>relu>dropout>linear", LossKind::Mse),
        ("linear>dropout(0.1)>sigmoid>linear>sigmoid", LossKind::Bce),
        (
            "dropout(0.25)>linear>tanh>dropout>linear>softmax",
            LossKind::Ce,
        ),
    ] {
        assert_eq!(
            failed_items(&homework(spec, loss)),
            vec![],
            "{spec} {loss:?}"
        );
    }
}

#[test]
fn a_dropout_jacobian_without_the_scale_is_rejected() {
    // diag(m⁽¹⁾) for (1/(1 − p)) diag(m⁽¹⁾): the mistake of forgetting that inverted dropout
    // rescales what it keeps.
    let d = write_dropout_jacobian(|arena, mask| arena.diag(mask).unwrap());
    assert!(
        failed_items(&d).contains(&("∂z₃/∂z₂".to_string(), CheckedForm::Definition)),
        "{:?}",
        failed_items(&d)
    );
}

#[test]
fn a_dropout_jacobian_without_the_mask_is_rejected() {
    // 2I for 2 diag(m⁽¹⁾): the drawn mask drops a unit, so the identity differs from it.
    let d = write_dropout_jacobian(|arena, mask| {
        let dim = arena.shape(mask).rows.clone();
        let identity = arena.identity(dim);
        arena.scale(Coef::integer(2), identity)
    });
    assert!(
        failed_items(&d).contains(&("∂z₃/∂z₂".to_string(), CheckedForm::Definition)),
        "{:?}",
        failed_items(&d)
    );
}

#[test]
fn a_gradient_through_dropout_without_the_mask_is_rejected() {
    // ∂ℓ/∂b⁽¹⁾ = 4((W⁽²⁾ᵀ(ŷ − y)) ⊙ [z₁ > 0]) with ⊙ m⁽¹⁾ left out.
    let mut d = homework("linear>relu>dropout>linear", LossKind::Mse);
    let net = &d.network;
    let (yhat, y, z1) = (net.yhat, net.y, net.layers[0].output);
    let w2 = net.parameters[2].leaf;
    let arena = &mut d.network.arena;
    let diff = arena.sub(yhat, y).unwrap();
    let w2t = arena.transpose(w2);
    let back = arena.matmul(w2t, diff).unwrap();
    let step = arena.map(derive::math::func::Func::Step, z1);
    let gated = arena.hadamard(back, step).unwrap();
    let wrong = arena.scale(Coef::integer(4), gated);
    let i = gradient_index(&d, Symbol::Bias(1));
    d.gradients[i].closed_form = wrong;
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂b⁽¹⁾".to_string(), CheckedForm::ClosedForm)]
    );
}

#[test]
fn a_wrong_gradient_before_dropout_is_rejected_at_every_seed() {
    // With p = 0.1 the drawn mask often drops one unit only; were it the one unit ReLU lets
    // through, nothing before the dropout would reach ℓ and a flipped sign there would pass.
    // The random point is redrawn until every dropout layer passes something on.
    for seed in 0..40 {
        let mut d = homework("linear>relu>dropout(0.1)>linear>dropout", LossKind::Mse);
        let i = gradient_index(&d, Symbol::Weight(1));
        let right = d.gradients[i].closed_form;
        d.gradients[i].closed_form = d.network.arena.scale(Coef::integer(-1), right);
        let options = CheckOptions {
            seed,
            ..options(&d)
        };
        let report = check(&d, &options).unwrap();
        let failed: Vec<String> = report
            .items
            .iter()
            .filter(|i| !i.passed)
            .map(|i| i.symbol.text())
            .collect();
        assert_eq!(failed, ["∂ℓ/∂W⁽¹⁾"], "seed {seed}");
    }
}
