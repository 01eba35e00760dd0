//! The numeric check must fail on a wrong gradient of a loss with kinks: each test plants a
//! mistake a student makes with the hinge, l1, huber or smooth_l1 loss in ∂ℓ/∂ŷ and expects the
//! check to catch it, while the right derivation passes at the same point.

use derive::check::{CheckOptions, CheckedForm, check};
use derive::math::func::{Func, Param};
use derive::{Derivation, Loss, default_sizes, derive_text};

fn derivation(spec: &str, loss: &str) -> Derivation {
    derive_text(spec, Loss::from_name(loss).unwrap()).expect("the network derives")
}

fn failed_items(derivation: &Derivation) -> Vec<(String, CheckedForm)> {
    let options = CheckOptions {
        seed: CheckOptions::DEFAULT_SEED,
        sizes: default_sizes(&derivation.network),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    };
    check(derivation, &options)
        .unwrap()
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| (i.symbol.text(), i.form))
        .collect()
}

/// Replaces ∂ℓ/∂ŷ, as defined and as simplified, by the transpose of `column`.
fn write_loss_gradient(
    d: &mut Derivation,
    column: impl Fn(&mut Derivation) -> derive::math::expr::ExprId,
) {
    let wrong = column(d);
    let row = d.network.arena.transpose(wrong);
    let j = d
        .jacobians
        .iter()
        .position(|j| j.symbol.text() == "∂ℓ/∂ŷ")
        .unwrap();
    d.jacobians[j].definition = row;
    d.jacobians[j].simplified = row;
}

const SPEC: &str = "linear>tanh>linear";

#[test]
fn the_right_gradients_pass() {
    for loss in [
        "hinge",
        "hinge(2)",
        "l1",
        "huber(0.5)",
        "smooth_l1(0.5)",
        "bce_logits",
    ] {
        assert_eq!(failed_items(&derivation(SPEC, loss)), vec![], "{loss}");
    }
}

#[test]
fn a_hinge_gradient_that_forgets_the_true_class_is_rejected() {
    // (1 − y) ⊙ [ŷ − 𝟏yᵀŷ + 1 > 0] alone: the −y(𝟏ᵀg) of the true class left out, the mistake of
    // a first try at CS231n's SVM gradient. K = 2 at the check's point: some margin is violated.
    let mut d = derivation(SPEC, "hinge");
    write_loss_gradient(&mut d, |d| {
        let (yhat, y) = (d.network.yhat, d.network.y);
        let arena = &mut d.network.arena;
        let ones = arena.ones(arena.shape(yhat).rows.clone());
        let yt = arena.transpose(y);
        let true_scores = arena.product(&[ones, yt, yhat]).unwrap();
        let differences = arena.sub(yhat, true_scores).unwrap();
        let violated = arena.map(Func::MarginStep(Param::new(1.0)), differences);
        let others = arena.one_minus(y).unwrap();
        arena.hadamard(others, violated).unwrap()
    });
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂ŷ".to_string(), CheckedForm::Definition)]
    );
}

#[test]
fn an_l1_gradient_written_with_the_indicator_is_rejected() {
    // (1/K)[ŷ − y > 0] for (1/K) sign(ŷ − y): right only where ŷ > y.
    let mut d = derivation(SPEC, "l1");
    write_loss_gradient(&mut d, |d| {
        let (yhat, y) = (d.network.yhat, d.network.y);
        let arena = &mut d.network.arena;
        let r = arena.sub(yhat, y).unwrap();
        let step = arena.map(Func::Step, r);
        let k = arena.shape(yhat).rows.clone();
        arena.scale(derive::math::coef::Coef::per(k), step)
    });
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂ŷ".to_string(), CheckedForm::Definition)]
    );
}

#[test]
fn a_smooth_l1_gradient_written_as_hubers_is_rejected() {
    // smooth_l1(β) is huber(β)/β, not huber(β): Huber′ for SmoothL1′ is off by the factor β.
    let mut d = derivation(SPEC, "smooth_l1(0.5)");
    write_loss_gradient(&mut d, |d| {
        let (yhat, y) = (d.network.yhat, d.network.y);
        let arena = &mut d.network.arena;
        let r = arena.sub(yhat, y).unwrap();
        let huber = arena.map(Func::HuberPrime(Param::new(0.5)), r);
        let k = arena.shape(yhat).rows.clone();
        arena.scale(derive::math::coef::Coef::per(k), huber)
    });
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂ŷ".to_string(), CheckedForm::Definition)]
    );
}

#[test]
fn a_huber_gradient_that_is_not_clamped_is_rejected() {
    // (1/K)(ŷ − y), the squared error's, for (1/K) Huber′(ŷ − y): wrong wherever |ŷᵢ − yᵢ| > δ,
    // which the check's point puts some residual beyond (both sides of the kink at δ = 0.1).
    let mut d = derivation(SPEC, "huber(0.1)");
    write_loss_gradient(&mut d, |d| {
        let (yhat, y) = (d.network.yhat, d.network.y);
        let arena = &mut d.network.arena;
        let r = arena.sub(yhat, y).unwrap();
        let k = arena.shape(yhat).rows.clone();
        arena.scale(derive::math::coef::Coef::per(k), r)
    });
    assert_eq!(
        failed_items(&d),
        vec![("∂ℓ/∂ŷ".to_string(), CheckedForm::Definition)]
    );
}

/// The check's random points keep the loss's kinks away as a ReLU's inputs: no |ŷᵢ − yᵢ| within
/// the margin of 0 for l1 or of δ for huber, no margin ŷⱼ − ŷ_c + margin of hinge within it of
/// 0, and (K and N large enough) entries on both sides of each, so a violated margin is met.
#[test]
fn random_points_keep_away_from_the_losses_kinks() {
    use derive::numeric::evaluator::Evaluator;
    for loss in ["l1", "huber(0.5)", "smooth_l1(2)", "hinge", "hinge(0.0001)"] {
        for seed in 0..20 {
            let d = derive::derive_spec(
                &derive::parse_spec(SPEC).unwrap(),
                Loss::from_name(loss).unwrap(),
                derive::derivation::Expansion::Expanded,
                true,
            )
            .unwrap();
            let options = CheckOptions {
                seed,
                sizes: derive::parse_dims("K=4,N=3", &d.network).unwrap(),
                step: CheckOptions::DEFAULT_STEP,
                tolerance: CheckOptions::DEFAULT_TOLERANCE,
            };
            let point = derive::check::random_point(&d, &options, CheckOptions::KINK_MARGIN)
                .expect("a point clear of the kinks");
            let mut evaluator = Evaluator::new(&d.network.arena, &options.sizes, &point);
            assert!(!d.network.loss_kinks.is_empty(), "{loss}");
            for (kinked, kink) in &d.network.loss_kinks {
                let values = evaluator.value(*kinked).data.to_vec();
                assert!(
                    values
                        .iter()
                        .all(|v| (v - kink).abs() >= CheckOptions::KINK_MARGIN),
                    "{loss} seed {seed}: {values:?} near {kink}"
                );
                assert!(
                    values.iter().any(|v| v > kink) && values.iter().any(|v| v < kink),
                    "{loss} seed {seed}: {values:?} on one side of {kink}"
                );
            }
        }
    }
}

/// A given point on l1's kink (ŷ₁ = y₁) is said to be near it, in the words of the loss.
#[test]
fn a_given_point_on_a_loss_kink_is_warned_of() {
    let d = derivation("linear", "l1");
    let mut inputs = derive::numeric::evaluator::Inputs::new();
    let matrix = |rows: usize, cols: usize, data: Vec<f64>| {
        derive::numeric::matrix::Matrix::from_vec(rows, cols, data)
    };
    let leaves = d.network.inputs();
    // x ∈ ℝ², W⁽¹⁾ ∈ ℝ²ˣ², b⁽¹⁾, y ∈ ℝ²: ŷ = (0.5, 1), y = (0.5, 0.3).
    let values = [
        matrix(2, 1, vec![1.0, 2.0]),
        matrix(2, 2, vec![0.0, 0.0, 0.5, 0.25]),
        matrix(2, 1, vec![0.5, 0.0]),
        matrix(2, 1, vec![0.5, 0.3]),
    ];
    for ((symbol, _), value) in leaves.iter().zip(values) {
        inputs.insert(symbol.clone(), value);
    }
    let options = CheckOptions {
        seed: 0,
        sizes: derive::parse_dims("n=2,K=2", &d.network).unwrap(),
        step: CheckOptions::DEFAULT_STEP,
        tolerance: CheckOptions::DEFAULT_TOLERANCE,
    };
    let report = derive::check::PreparedCheck::at(&d, &options, &inputs).run();
    assert!(report.near_kink);
}
