//! The table of layers: each layer's spellings, its forward expression and its Jacobian.
//!
//! Adding an activation is adding a variant here (and, if it needs a new elementwise function, a
//! variant of `Func`); the grammar, the differentiator and the renderers need no change.

use crate::expr::{Arena, ExprId};
use crate::func::Func;
use crate::render::prose::Prose;
use crate::shape::ShapeError;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LayerKind {
    Linear,
    Activation(Activation),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Activation {
    Identity,
    Relu,
    Sigmoid,
    Tanh,
}

impl LayerKind {
    /// Every layer, in the order the help text lists them.
    pub const ALL: [LayerKind; 5] = [
        LayerKind::Linear,
        LayerKind::Activation(Activation::Relu),
        LayerKind::Activation(Activation::Sigmoid),
        LayerKind::Activation(Activation::Tanh),
        LayerKind::Activation(Activation::Identity),
    ];

    /// The spelling used in specs and in messages.
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Linear => "linear",
            LayerKind::Activation(a) => a.name(),
        }
    }

    /// The name as written in prose and tables (PyTorch's capitalisation).
    pub fn title(self) -> &'static str {
        match self {
            LayerKind::Linear => "Linear",
            LayerKind::Activation(a) => a.title(),
        }
    }

    /// Looks a name up, case-insensitively (`ReLU`, `relu` and `RELU` are the same layer).
    pub fn from_name(name: &str) -> Option<LayerKind> {
        LayerKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Activation::Identity => "Identity",
            Activation::Relu => "ReLU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
        }
    }

    /// The elementwise function and its derivative; `None` for the identity.
    fn functions(self) -> Option<(Func, Func)> {
        match self {
            Activation::Identity => None,
            Activation::Relu => Some((Func::Relu, Func::Step)),
            Activation::Sigmoid => Some((Func::Sigmoid, Func::SigmoidPrime)),
            Activation::Tanh => Some((Func::Tanh, Func::TanhPrime)),
        }
    }

    /// The output for input `z`.
    pub fn forward(self, arena: &mut Arena, z: ExprId) -> ExprId {
        match self.functions() {
            None => z,
            Some((f, _)) => arena.map(f, z),
        }
    }

    /// ∂output/∂z in numerator layout: diag(f′(z)) for an elementwise function, I for the identity.
    pub fn jacobian(self, arena: &mut Arena, z: ExprId) -> Result<ExprId, ShapeError> {
        match self.functions() {
            None => {
                let dim = arena.shape(z).rows.clone();
                Ok(arena.identity(dim))
            }
            Some((_, derivative)) => {
                let d = arena.map(derivative, z);
                arena.diag(d)
            }
        }
    }

    /// Points where the derivative does not exist; the numeric check keeps away from them.
    pub fn kinks(self) -> &'static [f64] {
        match self {
            Activation::Relu => &[0.0],
            _ => &[],
        }
    }

    /// What the derivative does where it does not exist, said beside its Jacobian.
    pub fn kink_note(self) -> Option<Prose> {
        match self {
            Activation::Relu => Some(
                Prose::new()
                    .fixed("ReLU′(0)", "\\mathrm{ReLU}'(0)")
                    .words(" does not exist; 0 is used there, as in PyTorch and JAX (")
                    .fixed("𝟙[z > 0]", "\\indicator[z > 0]")
                    .words(" is 0 at ")
                    .fixed("z = 0", "z = 0")
                    .words(")."),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(
            LayerKind::from_name("ReLU"),
            Some(LayerKind::Activation(Activation::Relu))
        );
        assert_eq!(LayerKind::from_name("Linear"), Some(LayerKind::Linear));
        assert_eq!(LayerKind::from_name("rleu"), None);
    }
}
