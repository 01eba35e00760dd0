//! A model's affine node with weights of its own, `W*h + b` (or `W'*h + c`, the weight
//! transposed, as a tied autoencoder's decoder): one node, as `linear` is, but its parameters are
//! named by the model and may be shared between nodes, whose uses then add up in the gradient.

/// The node's weight and bias, as indices into `Spec::own`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Affine {
    pub weight: usize,
    /// W′ rather than W: the weight's transpose multiplies the input.
    pub transposed: bool,
    pub bias: Option<usize>,
}

/// A parameter a model names itself (`W`, `b`, `W_enc`), with where it is first written.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnParameter {
    pub name: String,
    /// A weight multiplies (`W*h`); a bias is added (`+ b`).
    pub weight: bool,
    pub span: (usize, usize),
}
