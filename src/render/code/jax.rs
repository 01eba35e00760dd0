//! What a JAX module has of its own: its imports, arrays made with jnp.asarray, and a
//! self-test against jax.grad in float64.

pub const IMPORTS: &str = "import sys\n\nimport jax\nimport jax.numpy as jnp\nimport numpy as np\n";

pub const REFERENCE: &str = "jax.grad";

/// The self-test's gradients and the reference it compares them with, float64 switched on
/// before any array is made.
pub fn reference_gradients(masks: &str, weight_decay: bool) -> Vec<String> {
    let params = if weight_decay { ", p" } else { "" };
    vec![
        format!("yhat, cache = forward(params, x{masks})"),
        "grads = backward(params, cache, y)".into(),
        format!("reference = jax.grad(lambda p: loss(forward(p, x{masks})[0], y{params}))(params)"),
    ]
}
