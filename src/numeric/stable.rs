//! The functions of the evaluator that are computed in stable forms, where the printed form
//! would round to 0, 1 or ∞ in float64.
//!
//! The logarithm of a named σ(z) or softmax(z), or of 1 − σ(z), is evaluated from z by the
//! stable forms log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z) and log-softmax, so that
//! bce stays finite where σ(z) rounds to 0 or 1; 1 − σ(z) itself is σ(−z), and bce's derivative
//! (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ)) is (1 − y) ⊘ (1 − ŷ) − y ⊘ ŷ, so that the chain rule through σ stays
//! finite there too. 0 · log 0 is 0 (the limit of t log t, as PyTorch's BCELoss takes it, without
//! its clamp of log at −100), and so is the derivative y/ŷ of a term whose y is 0. The printed
//! tree is unchanged.

use crate::math::expr::{Arena, ExprId, Node};
use crate::math::func::Func;
use crate::numeric::matrix::{Matrix, MatrixRef, Scalar};

/// `func` at z, its derivatives written without 1 − σ(z) or 1 − tanh²(z), which round to 0
/// long before the derivative does (σ′(40) ≈ 4·10⁻¹⁸).
pub(super) fn apply_stably<T: Scalar>(func: Func, z: T) -> T {
    let sigmoid = |v: T| Func::Sigmoid.apply(v);
    match func {
        Func::SigmoidPrime => sigmoid(z) * sigmoid(-z),
        Func::SiluPrime => sigmoid(z) * (T::one() + z * sigmoid(-z)),
        // 1 − tanh²(z) = 4e^(−2|z|) / (1 + e^(−2|z|))².
        Func::TanhPrime => {
            let e = (-(z.abs() + z.abs())).exp();
            let four = T::from_f64(4.0);
            four * e / ((T::one() + e) * (T::one() + e))
        }
        _ => func.apply(z),
    }
}

pub(super) fn is_target(arena: &Arena, id: ExprId) -> bool {
    matches!(arena.node(id), Node::Leaf(symbol) if symbol.is_target())
}

pub(super) fn is_log(arena: &Arena, id: ExprId) -> bool {
    matches!(arena.node(id), Node::Map(Func::Log, _))
}

/// The value of z when `named` is a named σ(z) that was not overridden.
fn sigmoid_argument<'v, T: Scalar>(
    arena: &Arena,
    named: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<MatrixRef<'v, T>> {
    if given(named) {
        return None;
    }
    match arena.node(arena.named(named)?.definition) {
        Node::Map(Func::Sigmoid, z) => value(*z),
        _ => None,
    }
}

/// 1 − σ(z) as σ(−z) when `b` is a named σ(z): exact, where the subtraction keeps only the
/// digits of σ(z) below 1 (three of them at z = 30) and gives 0 from z ≈ 37 on.
pub(super) fn stable_one_minus<'v, T: Scalar>(
    arena: &Arena,
    ones: ExprId,
    b: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<Matrix<T>> {
    if !matches!(arena.node(ones), Node::Ones(..)) {
        return None;
    }
    let z = sigmoid_argument(arena, b, value, given)?;
    Some(z.map(|v| Func::Sigmoid.apply(-v)))
}

/// bce's derivative (ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ)) as (1 − y) ⊘ (1 − ŷ) − y ⊘ ŷ, each quotient 0
/// where its numerator is (the derivative of 0 · log 0 = 0): finite where ŷ is exactly y ∈ {0, 1},
/// and, with 1 − ŷ taken as σ(−z), wherever σ(z) rounds to 1 but σ(−z) does not. `None` for
/// any other quotient.
pub(super) fn bce_derivative<'v, T: Scalar>(
    arena: &Arena,
    numerator: ExprId,
    denominator: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
) -> Option<Matrix<T>> {
    let Node::Sub(p, y) = arena.node(numerator) else {
        return None;
    };
    let Node::Hadamard(first, second) = arena.node(denominator) else {
        return None;
    };
    let one_minus_p = |id: ExprId| {
        matches!(arena.node(id), Node::Sub(ones, q)
            if q == p && matches!(arena.node(*ones), Node::Ones(..)))
    };
    let q = if first == p && one_minus_p(*second) {
        *second
    } else if second == p && one_minus_p(*first) {
        *first
    } else {
        return None;
    };
    if !is_target(arena, *y) {
        return None;
    }
    let (p, q, y) = (value(*p)?, value(q)?, value(*y)?);
    let quotient = |n: T, d: T| if n == T::zero() { T::zero() } else { n / d };
    let data = p
        .data
        .iter()
        .zip(q.data)
        .zip(y.data)
        .map(|((p, q), y)| quotient(T::one() - *y, *q) - quotient(*y, *p))
        .collect();
    Some(Matrix::from_vec(p.rows, p.cols, data))
}

/// log(a) computed from z when a is a named σ(z) or softmax(z), or 1 − σ(z); `None` otherwise,
/// or when the named value was overridden (its definition then does not give its value).
pub(super) fn stable_log<'v, T: Scalar>(
    arena: &Arena,
    a: ExprId,
    value: &impl Fn(ExprId) -> Option<MatrixRef<'v, T>>,
    given: &impl Fn(ExprId) -> bool,
) -> Option<Matrix<T>> {
    // The argument of the named value's defining function, and that function.
    let defined_by = |named: ExprId| -> Option<(Func, MatrixRef<'v, T>)> {
        if given(named) {
            return None;
        }
        let definition = arena.named(named)?.definition;
        match arena.node(definition) {
            Node::Map(func @ (Func::Sigmoid | Func::Softmax | Func::SoftmaxOfRows), z) => {
                Some((*func, value(*z)?))
            }
            _ => None,
        }
    };
    let softplus = |v: T| Func::Softplus.apply(v);
    if let Some((func, z)) = defined_by(a) {
        return Some(match func {
            Func::Sigmoid => z.map(|v| -softplus(-v)),
            Func::SoftmaxOfRows => {
                let mut out = Vec::with_capacity(z.data.len());
                for row in z.data.chunks(z.cols.max(1)) {
                    out.extend(Func::LogSoftmax.apply_column(row));
                }
                Matrix::from_vec(z.rows, z.cols, out)
            }
            _ => {
                let m = z.transpose();
                let mut out = Vec::with_capacity(m.data.len());
                for column in m.data.chunks(m.cols.max(1)) {
                    out.extend(Func::LogSoftmax.apply_column(column));
                }
                Matrix::from_vec(m.rows, m.cols, out).transpose()
            }
        });
    }
    if let Node::Sub(ones, b) = arena.node(a)
        && matches!(arena.node(*ones), Node::Ones(..))
        && let Some((Func::Sigmoid, z)) = defined_by(*b)
    {
        return Some(z.map(|v| -softplus(v)));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::math::symbol::Symbol;
    use crate::network::Network;
    use crate::network::loss::{Loss, LossKind};
    use crate::numeric::evaluator::{Evaluator, Inputs, evaluate};
    use crate::numeric::sizes::Sizes;
    use crate::spec::parse_spec;

    /// bce of `linear > sigmoid` with n = 1, K = 2: z = W x + b with W = (1, 1)ᵀ, b = 0.
    fn bce_at(x: f64, y: [f64; 2]) -> f64 {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Bce), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 2)]);
        let inputs = Inputs::from([
            (Symbol::Input, Matrix::from_vec(1, 1, vec![x])),
            (Symbol::Target, Matrix::from_vec(2, 1, y.to_vec())),
            (Symbol::Weight(1), Matrix::from_vec(2, 1, vec![1.0, -1.0])),
            (Symbol::Bias(1), Matrix::from_vec(2, 1, vec![0.0, 0.0])),
        ]);
        let value = evaluate(
            &network.arena,
            network.loss_value,
            &sizes,
            &inputs,
            &HashMap::new(),
        );
        value.data[0]
    }

    /// −(1/K) Σ [yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))] in the stable form.
    fn stable_bce(z: [f64; 2], y: [f64; 2]) -> f64 {
        let softplus = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
        let terms: f64 = (0..2)
            .map(|i| y[i] * softplus(-z[i]) + (1.0 - y[i]) * softplus(z[i]))
            .sum();
        terms / 2.0
    }

    #[test]
    fn bce_stays_finite_where_sigmoid_rounds_to_zero_or_one() {
        for x in [1000.0, -1000.0, 40.0, 0.5, 0.0] {
            for y in [[0.3, 0.9], [0.0, 1.0], [1.0, 0.0]] {
                let value = bce_at(x, y);
                let expected = stable_bce([x, -x], y);
                assert!(value.is_finite(), "x = {x}, y = {y:?}: {value}");
                assert!(
                    (value - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                    "x = {x}, y = {y:?}: {value} vs {expected}"
                );
            }
        }
        // At z = ±1000, the loss is (1 − y₁)·1000 + y₂·1000 over K = 2.
        assert_eq!(
            bce_at(1000.0, [0.3, 0.9]),
            (0.7 * 1000.0 + 0.9 * 1000.0) / 2.0
        );
    }

    #[test]
    fn an_overridden_output_is_used_as_given() {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Bce), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let inputs = Inputs::from([
            (Symbol::Input, Matrix::from_vec(1, 1, vec![1000.0])),
            (Symbol::Target, Matrix::from_vec(1, 1, vec![1.0])),
            (Symbol::Weight(1), Matrix::from_vec(1, 1, vec![1.0])),
            (Symbol::Bias(1), Matrix::from_vec(1, 1, vec![0.0])),
        ]);
        let yhat = HashMap::from([(network.yhat, Matrix::from_vec(1, 1, vec![0.5]))]);
        let value = evaluate(&network.arena, network.loss_value, &sizes, &inputs, &yhat);
        assert!((value.data[0] - 2f64.ln()).abs() < 1e-15);
    }

    /// `linear > relu` under bce, n = K = 1, at z = w (x = 1, b = 0): ℓ and the printed ∂ℓ/∂ŷ.
    fn relu_bce_at(w: f64, y: f64) -> (f64, f64) {
        let derivation =
            crate::derive_text("linear>relu", Loss::new(LossKind::Bce)).expect("derives");
        let network = &derivation.network;
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let inputs = Inputs::from([
            (Symbol::Input, one(1.0)),
            (Symbol::Target, one(y)),
            (Symbol::Weight(1), one(w)),
            (Symbol::Bias(1), one(0.0)),
        ]);
        let mut evaluator = Evaluator::new(&network.arena, &sizes, &inputs);
        let loss = evaluator.value(network.loss_value).data[0];
        let jacobian = derivation
            .jacobians
            .iter()
            .find(|j| j.symbol.text() == "∂ℓ/∂ŷ")
            .expect("∂ℓ/∂ŷ is printed");
        let derivative = evaluator.value(jacobian.definition).data[0];
        (loss, derivative)
    }

    #[test]
    fn zero_log_zero_is_zero_in_bce_and_its_derivative() {
        // ŷ = 0 = y: ℓ = −log(1 − 0) = 0, and ∂ℓ/∂ŷ = 1/(1 − ŷ) = 1 (y log ŷ is 0 near ŷ = 0).
        assert_eq!(relu_bce_at(-1.0, 0.0), (0.0, 1.0));
        // ŷ = 1 = y: ℓ = −log 1 = 0, and ∂ℓ/∂ŷ = −1/ŷ = −1.
        assert_eq!(relu_bce_at(1.0, 1.0), (0.0, -1.0));
        // ŷ = 0 with y = 1 is infinitely wrong: ℓ is ∞, not a number made up.
        assert_eq!(relu_bce_at(-1.0, 1.0).0, f64::INFINITY);
        // An ordinary point: (ŷ − y) / (ŷ(1 − ŷ)) at ŷ = 0.25, y = 0.5.
        let (_, d) = relu_bce_at(0.25, 0.5);
        assert!((d - (-0.25 / (0.25 * 0.75))).abs() < 1e-15, "{d}");
    }

    #[test]
    fn one_minus_sigmoid_and_its_derivative_keep_their_digits_where_sigmoid_rounds_to_one() {
        let spec = parse_spec("linear>sigmoid").unwrap();
        let network = Network::build(&spec, Loss::new(LossKind::Mse), false).unwrap();
        let sizes = Sizes::new(vec![("n".into(), 1), ("K".into(), 1)]);
        let one = |v: f64| Matrix::from_vec(1, 1, vec![v]);
        let mut arena = network.arena.clone();
        let one_minus = arena.one_minus(network.yhat).unwrap();
        for z in [30.0, 40.0, 700.0] {
            let inputs = Inputs::from([
                (Symbol::Input, one(1.0)),
                (Symbol::Target, one(0.0)),
                (Symbol::Weight(1), one(z)),
                (Symbol::Bias(1), one(0.0)),
            ]);
            let value = evaluate(&arena, one_minus, &sizes, &inputs, &HashMap::new());
            let exact = (-z).exp() / (1.0 + (-z).exp());
            assert!((value.data[0] - exact).abs() <= 1e-15 * exact, "z = {z}");
            let prime = apply_stably(Func::SigmoidPrime, z);
            assert!(
                (prime - exact / (1.0 + (-z).exp())).abs() <= 1e-15 * exact,
                "z = {z}"
            );
        }
        assert!((apply_stably(Func::TanhPrime, 20.0_f64) - 4.0 * (-40.0_f64).exp()).abs() < 1e-30);
    }
}
