//! The functions applied to an expression: elementwise scalar functions (σ, tanh, log, …) and
//! the column-wise vector functions softmax and log-softmax; their values and their names.
//!
//! An activation is built from these (relu uses `Relu` forward and `Step` as its derivative); the
//! losses use `Log`. Every property of a function lives in this one file.

use num_traits::Float;

/// A real parameter of a function (the α of LeakyReLU), stored by its bits so that functions
/// can be compared and hashed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Param(u64);

impl Param {
    pub fn new(value: f64) -> Param {
        Param(value.to_bits())
    }

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Func {
    /// max(0, z)
    Relu,
    /// `[z > 0]`, the derivative of ReLU away from 0 (and 0 at 0, as PyTorch and JAX use).
    Step,
    /// z for z > 0, αz otherwise.
    LeakyRelu(Param),
    /// 1 for z > 0, α otherwise (α at 0, as PyTorch).
    LeakyReluPrime(Param),
    /// z for z > 0, α(eᶻ − 1) otherwise.
    Elu(Param),
    /// 1 for z > 0, αeᶻ otherwise.
    EluPrime(Param),
    /// σ(z) = 1 / (1 + e^{−z})
    Sigmoid,
    /// σ′(z) = σ(z)(1 − σ(z))
    SigmoidPrime,
    Tanh,
    /// tanh′(z) = 1 − tanh²(z)
    TanhPrime,
    /// log(1 + eᶻ); its derivative is σ.
    Softplus,
    /// z σ(z)
    Silu,
    /// σ(z)(1 + z(1 − σ(z)))
    SiluPrime,
    /// The natural logarithm.
    Log,
    /// eᶻ
    Exp,
    /// softmax(z)ᵢ = e^{zᵢ} / Σₖ e^{zₖ}, over each column.
    Softmax,
    /// log softmax(z)ᵢ = zᵢ − log Σₖ e^{zₖ}, over each column.
    LogSoftmax,
    /// softmax over each row: the same function where samples are rows (PyTorch's dim=1).
    SoftmaxOfRows,
    /// log-softmax over each row.
    LogSoftmaxOfRows,
    /// |z|
    Abs,
    /// 1, 0 or −1 as z is positive, zero or negative: the derivative of |z|, 0 at 0 as PyTorch.
    Sign,
    /// Huber's function with threshold δ: z²/2 for |z| ≤ δ, δ(|z| − δ/2) beyond.
    Huber(Param),
    /// Its derivative: z for |z| ≤ δ, δ sign(z) beyond (z clamped to [−δ, δ]).
    HuberPrime(Param),
    /// PyTorch's smooth L1 with threshold β: z²/(2β) for |z| < β, |z| − β/2 beyond.
    SmoothL1(Param),
    /// Its derivative: z/β for |z| < β, sign(z) beyond.
    SmoothL1Prime(Param),
    /// max(0, z + m): a hinge with margin m.
    Margin(Param),
    /// [z + m > 0]: its derivative, 0 at the kink as ReLU′.
    MarginStep(Param),
    /// √(v + ε), the standard deviation a normalization layer divides by, for a variance v ≥ 0
    /// and its ε > 0.
    SqrtPlus(Param),
}

impl Func {
    /// Whether the function acts on each entry alone (false for softmax and log-softmax).
    pub fn is_elementwise(self) -> bool {
        !matches!(
            self,
            Func::Softmax | Func::LogSoftmax | Func::SoftmaxOfRows | Func::LogSoftmaxOfRows
        )
    }

    /// Whether a vector function acts on each row (rather than each column) of its argument.
    pub fn acts_on_rows(self) -> bool {
        matches!(self, Func::SoftmaxOfRows | Func::LogSoftmaxOfRows)
    }

    /// The function g with g(Aᵀ) = f(A)ᵀ: f itself when elementwise, softmax over rows for
    /// softmax over columns and back.
    pub fn transposed(self) -> Func {
        match self {
            Func::Softmax => Func::SoftmaxOfRows,
            Func::SoftmaxOfRows => Func::Softmax,
            Func::LogSoftmax => Func::LogSoftmaxOfRows,
            Func::LogSoftmaxOfRows => Func::LogSoftmax,
            elementwise => elementwise,
        }
    }

    /// Softmax, over columns or over rows.
    pub fn is_softmax(self) -> bool {
        matches!(self, Func::Softmax | Func::SoftmaxOfRows)
    }

    /// The value at one point, written to stay finite where the textbook formula overflows.
    /// Only for elementwise functions; see `apply_column`.
    pub fn apply<T: Float>(self, z: T) -> T {
        let one = T::one();
        let zero = T::zero();
        let param = |p: Param| T::from(p.get()).unwrap_or_else(T::nan);
        match self {
            Func::Relu => z.max(zero),
            Func::Step => {
                if z > zero {
                    one
                } else {
                    zero
                }
            }
            Func::LeakyRelu(alpha) => {
                if z > zero {
                    z
                } else {
                    param(alpha) * z
                }
            }
            Func::LeakyReluPrime(alpha) => {
                if z > zero {
                    one
                } else {
                    param(alpha)
                }
            }
            Func::Elu(alpha) => {
                if z > zero {
                    z
                } else {
                    param(alpha) * z.exp_m1()
                }
            }
            Func::EluPrime(alpha) => {
                if z > zero {
                    one
                } else {
                    param(alpha) * z.exp()
                }
            }
            Func::Sigmoid => sigmoid(z),
            Func::SigmoidPrime => {
                let s = sigmoid(z);
                s * (one - s)
            }
            Func::Tanh => z.tanh(),
            Func::TanhPrime => {
                let t = z.tanh();
                one - t * t
            }
            // log(1 + eᶻ) = max(z, 0) + log(1 + e^{−|z|}), finite for any z.
            Func::Softplus => z.max(zero) + (-z.abs()).exp().ln_1p(),
            Func::Silu => z * sigmoid(z),
            Func::SiluPrime => {
                let s = sigmoid(z);
                s * (one + z * (one - s))
            }
            Func::Log => z.ln(),
            Func::Exp => z.exp(),
            Func::Abs => z.abs(),
            Func::Sign => sign(z),
            Func::Huber(delta) => {
                let delta = param(delta);
                let half = T::from(0.5).unwrap_or_else(T::nan);
                if z.abs() <= delta {
                    half * z * z
                } else {
                    delta * (z.abs() - half * delta)
                }
            }
            Func::HuberPrime(delta) => {
                let delta = param(delta);
                z.max(-delta).min(delta)
            }
            Func::SmoothL1(beta) => {
                let beta = param(beta);
                let half = T::from(0.5).unwrap_or_else(T::nan);
                if z.abs() < beta {
                    half * z * z / beta
                } else {
                    z.abs() - half * beta
                }
            }
            Func::SmoothL1Prime(beta) => {
                let beta = param(beta);
                if z.abs() < beta { z / beta } else { sign(z) }
            }
            Func::Margin(margin) => (z + param(margin)).max(zero),
            Func::MarginStep(margin) => {
                if z + param(margin) > zero {
                    one
                } else {
                    zero
                }
            }
            Func::SqrtPlus(epsilon) => (z + param(epsilon)).sqrt(),
            Func::Softmax | Func::LogSoftmax | Func::SoftmaxOfRows | Func::LogSoftmaxOfRows => {
                unreachable!("softmax acts on a whole column; use apply_column")
            }
        }
    }

    /// The value on one column (all entries together), stable for large entries: the largest
    /// entry is subtracted before exponentiating (log-sum-exp).
    pub fn apply_column<T: Float>(self, column: &[T]) -> Vec<T> {
        match self {
            Func::Softmax | Func::LogSoftmax | Func::SoftmaxOfRows | Func::LogSoftmaxOfRows => {
                let max = column.iter().fold(T::neg_infinity(), |m, v| m.max(*v));
                let shifted: Vec<T> = column.iter().map(|v| *v - max).collect();
                let sum = shifted.iter().fold(T::zero(), |acc, v| acc + v.exp());
                if self.is_softmax() {
                    shifted.iter().map(|v| v.exp() / sum).collect()
                } else {
                    let log_sum = sum.ln();
                    shifted.iter().map(|v| *v - log_sum).collect()
                }
            }
            elementwise => column.iter().map(|v| elementwise.apply(*v)).collect(),
        }
    }

    /// The name in Unicode text. ReLU and the step are printed in forms of their own
    /// (`max(0, z)`, `[z > 0]`) by each notation.
    pub fn text_name(self) -> &'static str {
        match self {
            Func::Relu => "max",
            Func::Step => "[·]",
            Func::LeakyRelu(_) => "LeakyReLU",
            Func::LeakyReluPrime(_) => "LeakyReLU′",
            Func::Elu(_) => "ELU",
            Func::EluPrime(_) => "ELU′",
            Func::Sigmoid => "σ",
            Func::SigmoidPrime => "σ′",
            Func::Tanh => "tanh",
            Func::TanhPrime => "tanh′",
            Func::Softplus => "softplus",
            Func::Silu => "SiLU",
            Func::SiluPrime => "SiLU′",
            Func::Log => "log",
            Func::Exp => "exp",
            Func::Softmax | Func::SoftmaxOfRows => "softmax",
            Func::LogSoftmax | Func::LogSoftmaxOfRows => "log_softmax",
            Func::Abs => "|·|",
            Func::Sign => "sign",
            Func::Huber(_) => "Huber",
            Func::HuberPrime(_) => "Huber′",
            Func::SmoothL1(_) => "SmoothL1",
            Func::SmoothL1Prime(_) => "SmoothL1′",
            Func::Margin(_) => "max",
            Func::MarginStep(_) => "[·]",
            Func::SqrtPlus(_) => "√",
        }
    }

    /// The name in LaTeX math, beside the text name so that a new function is added in one place.
    pub fn latex_name(self) -> &'static str {
        match self {
            Func::Relu => "\\max",
            Func::Step => "[\\cdot]",
            Func::Sigmoid => "\\sigma",
            Func::SigmoidPrime => "\\sigma'",
            Func::Tanh => "\\tanh",
            Func::TanhPrime => "\\tanh'",
            Func::Log => "\\log",
            Func::LeakyRelu(_) => "\\mathrm{LeakyReLU}",
            Func::LeakyReluPrime(_) => "\\mathrm{LeakyReLU}'",
            Func::Elu(_) => "\\mathrm{ELU}",
            Func::EluPrime(_) => "\\mathrm{ELU}'",
            Func::Softplus => "\\mathrm{softplus}",
            Func::Silu => "\\mathrm{SiLU}",
            Func::SiluPrime => "\\mathrm{SiLU}'",
            Func::Exp => "\\exp",
            Func::Softmax | Func::SoftmaxOfRows => "\\mathrm{softmax}",
            Func::LogSoftmax | Func::LogSoftmaxOfRows => "\\log\\mathrm{softmax}",
            Func::Abs => "\\lvert\\cdot\\rvert",
            Func::Sign => "\\operatorname{sign}",
            Func::Huber(_) => "\\mathrm{Huber}",
            Func::HuberPrime(_) => "\\mathrm{Huber}'",
            Func::SmoothL1(_) => "\\mathrm{SmoothL1}",
            Func::SmoothL1Prime(_) => "\\mathrm{SmoothL1}'",
            Func::Margin(_) => "\\max",
            Func::MarginStep(_) => "[\\cdot]",
            Func::SqrtPlus(_) => "\\sqrt",
        }
    }
}

/// 1, 0 or −1 as z is positive, zero or negative (NaN stays NaN).
fn sign<T: Float>(z: T) -> T {
    if z > T::zero() {
        T::one()
    } else if z < T::zero() {
        -T::one()
    } else {
        z * T::zero()
    }
}

/// σ(z) without overflow: e^{−z} is only formed for z ≥ 0, e^{z} only for z < 0.
fn sigmoid<T: Float>(z: T) -> T {
    let one = T::one();
    if z >= T::zero() {
        one / (one + (-z).exp())
    } else {
        let e = z.exp();
        e / (one + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_and_softplus_stay_finite_far_out() {
        assert_eq!(Func::Sigmoid.apply(1000.0_f64), 1.0);
        assert_eq!(Func::Sigmoid.apply(-1000.0_f64), 0.0);
        assert!((Func::Sigmoid.apply(0.0_f64) - 0.5).abs() < 1e-15);
        assert_eq!(Func::Softplus.apply(1000.0_f64), 1000.0);
        assert_eq!(Func::Softplus.apply(-1000.0_f64), 0.0);
        assert!((Func::Softplus.apply(0.0_f64) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(Func::Silu.apply(-1000.0_f64), -0.0);
    }

    #[test]
    fn softmax_subtracts_the_max() {
        let s = Func::Softmax.apply_column(&[1000.0_f64, 1000.0]);
        assert_eq!(s, vec![0.5, 0.5]);
        let l = Func::LogSoftmax.apply_column(&[1000.0_f64, 0.0]);
        assert_eq!(l[0], 0.0);
        assert_eq!(l[1], -1000.0);
    }

    #[test]
    fn every_function_is_finite_and_stable_out_to_a_thousand() {
        let a = Param::new(0.3);
        for z in [-1000.0_f64, -710.0, -40.0, 0.0, 40.0, 710.0, 1000.0] {
            for f in [
                Func::Relu,
                Func::Step,
                Func::LeakyRelu(a),
                Func::LeakyReluPrime(a),
                Func::Elu(a),
                Func::EluPrime(a),
                Func::Sigmoid,
                Func::SigmoidPrime,
                Func::Tanh,
                Func::TanhPrime,
                Func::Softplus,
                Func::Silu,
                Func::SiluPrime,
            ] {
                assert!(f.apply(z).is_finite(), "{f:?} at {z}");
            }
            // softplus(z) = log(1 + eᶻ) = max(z, 0) + log1p(e^{−|z|}); σ(z) = e^{−softplus(−z)}.
            let softplus = z.max(0.0) + (-z.abs()).exp().ln_1p();
            assert_eq!(Func::Softplus.apply(z), softplus);
            let sigma = (-Func::Softplus.apply(-z)).exp();
            assert!((Func::Sigmoid.apply(z) - sigma).abs() <= 1e-15, "σ({z})");
        }
        let column = [1000.0_f64, -1000.0, 0.0, 999.0];
        let s = Func::Softmax.apply_column(&column);
        let l = Func::LogSoftmax.apply_column(&column);
        // log Σ e^{zₖ} = 1000 + log(1 + e⁻¹) to rounding; the other terms vanish.
        let log_sum = 1000.0 + (-1.0_f64).exp().ln_1p();
        for (i, z) in column.iter().enumerate() {
            assert!(s[i].is_finite() && l[i].is_finite(), "{i}");
            assert!((l[i] - (z - log_sum)).abs() <= 1e-12, "{i}: {}", l[i]);
            assert!((s[i] - (z - log_sum).exp()).abs() <= 1e-12, "{i}: {}", s[i]);
        }
    }

    /// At their kinks the derivatives take PyTorch's values: sign(0) = 0, the margin's step 0.
    #[test]
    fn loss_derivatives_at_their_kinks_are_pytorchs() {
        assert_eq!(Func::Sign.apply(0.0_f64), 0.0);
        assert_eq!(Func::Sign.apply(-0.0_f64), 0.0);
        assert_eq!(Func::MarginStep(Param::new(1.0)).apply(-1.0_f64), 0.0);
        let delta = Param::new(0.5);
        assert_eq!(Func::HuberPrime(delta).apply(0.5_f64), 0.5);
        assert_eq!(Func::HuberPrime(delta).apply(-3.0_f64), -0.5);
        assert_eq!(Func::Huber(delta).apply(0.5_f64), 0.125);
        // smooth_l1(β) is huber(β)/β.
        for z in [-2.0_f64, -0.3, 0.1, 0.5, 4.0] {
            let huber = Func::Huber(delta).apply(z) / 0.5;
            assert!(
                (Func::SmoothL1(delta).apply(z) - huber).abs() < 1e-15,
                "{z}"
            );
        }
        for z in [-1000.0_f64, 1000.0] {
            assert!(Func::Huber(delta).apply(z).is_finite());
            assert!(Func::SmoothL1(delta).apply(z).is_finite());
        }
    }

    #[test]
    fn relu_derivative_at_zero_is_zero() {
        assert_eq!(Func::Step.apply(0.0_f64), 0.0);
        assert_eq!(Func::Step.apply(1e-12_f64), 1.0);
    }

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        let a = Param::new(0.3);
        for &z in &[-1.3_f64, -0.2, 0.4, 2.0] {
            for (f, df) in [
                (Func::Sigmoid, Func::SigmoidPrime),
                (Func::Tanh, Func::TanhPrime),
                (Func::Relu, Func::Step),
                (Func::LeakyRelu(a), Func::LeakyReluPrime(a)),
                (Func::Elu(a), Func::EluPrime(a)),
                (Func::Softplus, Func::Sigmoid),
                (Func::Silu, Func::SiluPrime),
                (Func::Exp, Func::Exp),
                (Func::Abs, Func::Sign),
                (Func::Huber(a), Func::HuberPrime(a)),
                (Func::SmoothL1(a), Func::SmoothL1Prime(a)),
                (Func::Margin(a), Func::MarginStep(a)),
            ] {
                let numeric = (f.apply(z + h) - f.apply(z - h)) / (2.0 * h);
                assert!((numeric - df.apply(z)).abs() < 1e-8, "{f:?} at {z}");
            }
        }
    }
}
