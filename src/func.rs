//! Elementwise scalar functions: their values and their names in each notation.
//!
//! An activation is built from these (relu uses `Relu` forward and `Step` as its derivative); the
//! losses use `Log`. Every property of a function lives in this one file.

use num_traits::Float;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Func {
    /// max(0, z)
    Relu,
    /// 𝟙[z > 0], the derivative of ReLU away from 0 (and 0 at 0, as PyTorch and JAX use).
    Step,
    /// σ(z) = 1 / (1 + e^{−z})
    Sigmoid,
    /// σ′(z) = σ(z)(1 − σ(z))
    SigmoidPrime,
    Tanh,
    /// tanh′(z) = 1 − tanh²(z)
    TanhPrime,
    /// The natural logarithm.
    Log,
}

impl Func {
    /// The value at one point, written to stay finite where the textbook formula overflows.
    pub fn apply<T: Float>(self, z: T) -> T {
        let one = T::one();
        match self {
            Func::Relu => z.max(T::zero()),
            Func::Step => {
                if z > T::zero() {
                    one
                } else {
                    T::zero()
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
            Func::Log => z.ln(),
        }
    }

    /// The name in Unicode text; `None` for the functions printed in a form of their own
    /// (`max(0, z)`, `𝟙[z > 0]`).
    pub fn text_name(self) -> &'static str {
        match self {
            Func::Relu => "max",
            Func::Step => "𝟙",
            Func::Sigmoid => "σ",
            Func::SigmoidPrime => "σ′",
            Func::Tanh => "tanh",
            Func::TanhPrime => "tanh′",
            Func::Log => "log",
        }
    }

    /// The name in LaTeX math, beside the text name so that a new function is added in one place.
    pub fn latex_name(self) -> &'static str {
        match self {
            Func::Relu => "\\max",
            Func::Step => "\\indicator",
            Func::Sigmoid => "\\sigma",
            Func::SigmoidPrime => "\\sigma'",
            Func::Tanh => "\\tanh",
            Func::TanhPrime => "\\tanh'",
            Func::Log => "\\log",
        }
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
    fn sigmoid_stays_finite_far_out() {
        assert_eq!(Func::Sigmoid.apply(1000.0_f64), 1.0);
        assert_eq!(Func::Sigmoid.apply(-1000.0_f64), 0.0);
        assert!((Func::Sigmoid.apply(0.0_f64) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn relu_derivative_at_zero_is_zero() {
        assert_eq!(Func::Step.apply(0.0_f64), 0.0);
        assert_eq!(Func::Step.apply(1e-12_f64), 1.0);
    }

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for &z in &[-1.3_f64, -0.2, 0.4, 2.0] {
            for (f, df) in [
                (Func::Sigmoid, Func::SigmoidPrime),
                (Func::Tanh, Func::TanhPrime),
                (Func::Relu, Func::Step),
            ] {
                let numeric = (f.apply(z + h) - f.apply(z - h)) / (2.0 * h);
                assert!((numeric - df.apply(z)).abs() < 1e-8, "{f:?} at {z}");
            }
        }
    }
}
