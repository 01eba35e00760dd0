//! The functions an emitted module defines for the elementwise and row-wise functions of its
//! formulas, each written as derive evaluates it (`math::func`, `numeric::stable`): σ without
//! overflow, softplus as max(z, 0) + log1p(e^(−|z|)), softmax and log-softmax with the largest
//! entry subtracted, σ′ as σ(z)σ(−z). Only the functions a module calls are written into it.

use crate::math::func::Func;
use crate::render::code::Framework;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Helper {
    Relu,
    Step,
    LeakyRelu,
    LeakyReluPrime,
    Elu,
    EluPrime,
    Sigmoid,
    SigmoidPrime,
    TanhPrime,
    Softplus,
    Silu,
    SiluPrime,
    Softmax,
    LogSoftmax,
    Huber,
    HuberPrime,
    SmoothL1,
    SmoothL1Prime,
    Margin,
    MarginStep,
}

impl Helper {
    /// The helper that computes an elementwise function, with its parameter if it takes one.
    /// Functions written inline (tanh, log, exp, |·|, sign, √(· + ε)) and the softmaxes,
    /// which take an axis, are not asked for.
    pub fn of(func: Func) -> (Helper, Option<f64>) {
        match func {
            Func::Relu => (Helper::Relu, None),
            Func::Step => (Helper::Step, None),
            Func::LeakyRelu(a) => (Helper::LeakyRelu, Some(a.get())),
            Func::LeakyReluPrime(a) => (Helper::LeakyReluPrime, Some(a.get())),
            Func::Elu(a) => (Helper::Elu, Some(a.get())),
            Func::EluPrime(a) => (Helper::EluPrime, Some(a.get())),
            Func::Sigmoid => (Helper::Sigmoid, None),
            Func::SigmoidPrime => (Helper::SigmoidPrime, None),
            Func::TanhPrime => (Helper::TanhPrime, None),
            Func::Softplus => (Helper::Softplus, None),
            Func::Silu => (Helper::Silu, None),
            Func::SiluPrime => (Helper::SiluPrime, None),
            Func::Huber(d) => (Helper::Huber, Some(d.get())),
            Func::HuberPrime(d) => (Helper::HuberPrime, Some(d.get())),
            Func::SmoothL1(b) => (Helper::SmoothL1, Some(b.get())),
            Func::SmoothL1Prime(b) => (Helper::SmoothL1Prime, Some(b.get())),
            Func::Margin(m) => (Helper::Margin, Some(m.get())),
            Func::MarginStep(m) => (Helper::MarginStep, Some(m.get())),
            Func::Tanh
            | Func::Log
            | Func::Exp
            | Func::Abs
            | Func::Sign
            | Func::SqrtPlus(_)
            | Func::Softmax
            | Func::LogSoftmax
            | Func::SoftmaxOfRows
            | Func::LogSoftmaxOfRows => unreachable!("{func:?} is written inline"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Helper::Relu => "relu",
            Helper::Step => "step",
            Helper::LeakyRelu => "leaky_relu",
            Helper::LeakyReluPrime => "leaky_relu_prime",
            Helper::Elu => "elu",
            Helper::EluPrime => "elu_prime",
            Helper::Sigmoid => "sigmoid",
            Helper::SigmoidPrime => "sigmoid_prime",
            Helper::TanhPrime => "tanh_prime",
            Helper::Softplus => "softplus",
            Helper::Silu => "silu",
            Helper::SiluPrime => "silu_prime",
            Helper::Softmax => "softmax",
            Helper::LogSoftmax => "log_softmax",
            Helper::Huber => "huber",
            Helper::HuberPrime => "huber_prime",
            Helper::SmoothL1 => "smooth_l1",
            Helper::SmoothL1Prime => "smooth_l1_prime",
            Helper::Margin => "margin",
            Helper::MarginStep => "margin_step",
        }
    }

    /// The helpers its definition calls.
    pub fn needs(self) -> &'static [Helper] {
        match self {
            Helper::SigmoidPrime | Helper::Silu | Helper::SiluPrime => &[Helper::Sigmoid],
            _ => &[],
        }
    }

    /// The Python definition, a docstring saying what it computes.
    pub fn definition(self, framework: Framework) -> String {
        let ns = framework.namespace();
        let max0 = |z: &str| framework.clamp(z, Some("0"), None);
        let min0 = |z: &str| framework.clamp(z, None, Some("0"));
        let cast = |condition: &str| framework.cast_like(condition, "z");
        let (signature, doc, body): (&str, &str, String) = match self {
            Helper::Relu => ("z", "max(0, z).", format!("return {}", max0("z"))),
            Helper::Step => (
                "z",
                "[z > 0]: 1 where z > 0, else 0 (also at 0, as PyTorch takes ReLU′(0)).",
                format!("return {}", cast("z > 0")),
            ),
            Helper::LeakyRelu => (
                "z, alpha",
                "z where z > 0, else αz.",
                format!("return {ns}.where(z > 0, z, alpha * z)"),
            ),
            Helper::LeakyReluPrime => (
                "z, alpha",
                "LeakyReLU′(z): 1 where z > 0, else α (also at 0).",
                format!("return {ns}.where(z > 0, {ns}.ones_like(z), {ns}.full_like(z, alpha))"),
            ),
            Helper::Elu => (
                "z, alpha",
                "z where z > 0, else α(eᶻ − 1).",
                format!(
                    "return {ns}.where(z > 0, z, alpha * {ns}.expm1({}))",
                    min0("z")
                ),
            ),
            Helper::EluPrime => (
                "z, alpha",
                "ELU′(z): 1 where z > 0, else αeᶻ (α at 0).",
                format!(
                    "return {ns}.where(z > 0, {ns}.ones_like(z), alpha * {ns}.exp({}))",
                    min0("z")
                ),
            ),
            Helper::Sigmoid => (
                "z",
                "σ(z) = 1/(1 + e^(−z)), with e^(−|z|) only, which cannot overflow.",
                format!(
                    "e = {ns}.exp(-{ns}.abs(z))\n    return {ns}.where(z >= 0, 1 / (1 + e), e / (1 + e))"
                ),
            ),
            Helper::SigmoidPrime => (
                "z",
                "σ′(z) = σ(z)(1 − σ(z)), as σ(z)σ(−z), which does not round to 0 first.",
                "return sigmoid(z) * sigmoid(-z)".into(),
            ),
            Helper::TanhPrime => (
                "z",
                "tanh′(z) = 1 − tanh²(z), as 4e^(−2|z|)/(1 + e^(−2|z|))².",
                format!("e = {ns}.exp(-2 * {ns}.abs(z))\n    return 4 * e / (1 + e) ** 2"),
            ),
            Helper::Softplus => (
                "z",
                "softplus(z) = log(1 + eᶻ), as max(z, 0) + log1p(e^(−|z|)).",
                format!("return {} + {ns}.log1p({ns}.exp(-{ns}.abs(z)))", max0("z")),
            ),
            Helper::Silu => ("z", "SiLU(z) = z σ(z).", "return z * sigmoid(z)".into()),
            Helper::SiluPrime => (
                "z",
                "SiLU′(z) = σ(z)(1 + z(1 − σ(z))), with 1 − σ(z) as σ(−z).",
                "return sigmoid(z) * (1 + z * sigmoid(-z))".into(),
            ),
            Helper::Softmax => (
                "z, axis",
                "softmax along an axis, the largest entry subtracted first.",
                format!(
                    "e = {ns}.exp(z - {})\n    return e / {}",
                    framework.reduce("z", "max", Some("axis"), true),
                    framework.reduce("e", "sum", Some("axis"), true)
                ),
            ),
            Helper::LogSoftmax => (
                "z, axis",
                "log-softmax along an axis: z − log Σ eᶻ, the largest entry subtracted first.",
                format!(
                    "shifted = z - {}\n    return shifted - {ns}.log({})",
                    framework.reduce("z", "max", Some("axis"), true),
                    framework.reduce(&format!("{ns}.exp(shifted)"), "sum", Some("axis"), true)
                ),
            ),
            Helper::Huber => (
                "z, delta",
                "Huber's function: z²/2 where |z| ≤ δ, else δ(|z| − δ/2).",
                format!(
                    "a = {ns}.abs(z)\n    return {ns}.where(a <= delta, 0.5 * z**2, delta * (a - 0.5 * delta))"
                ),
            ),
            Helper::HuberPrime => (
                "z, delta",
                "Huber′(z): z clamped to [−δ, δ].",
                format!(
                    "return {}",
                    framework.clamp("z", Some("-delta"), Some("delta"))
                ),
            ),
            Helper::SmoothL1 => (
                "z, beta",
                "PyTorch's smooth L1: z²/(2β) where |z| < β, else |z| − β/2.",
                format!(
                    "a = {ns}.abs(z)\n    return {ns}.where(a < beta, 0.5 * z**2 / beta, a - 0.5 * beta)"
                ),
            ),
            Helper::SmoothL1Prime => (
                "z, beta",
                "SmoothL1′(z): z/β where |z| < β, else sign(z).",
                format!("return {ns}.where({ns}.abs(z) < beta, z / beta, {ns}.sign(z))"),
            ),
            Helper::Margin => (
                "z, margin",
                "The hinge max(0, z + margin).",
                format!("return {}", max0("z + margin")),
            ),
            Helper::MarginStep => (
                "z, margin",
                "[z + margin > 0], 0 at the kink as ReLU′(0).",
                format!("return {}", cast("z + margin > 0")),
            ),
        };
        format!(
            "def {}({signature}):\n    \"\"\"{doc}\"\"\"\n    {body}\n",
            self.name()
        )
    }
}
