//! What a NumPy module has of its own: its imports, and a self-test by central differences,
//! NumPy having no autograd.

pub const IMPORTS: &str = "import sys\n\nimport numpy as np\n";

pub const REFERENCE: &str = "central differences";

/// The self-test's gradients and the reference it compares them with.
pub fn reference_gradients(masks: &str, weight_decay: bool) -> Vec<String> {
    let params = if weight_decay { ", p" } else { "" };
    vec![
        format!("yhat, cache = forward(params, x{masks})"),
        "grads = backward(params, cache, y)".into(),
        format!(
            "reference = central_differences(lambda p: loss(forward(p, x{masks})[0], y{params}), params)"
        ),
    ]
}

/// The five-point stencil the self-test differentiates with.
pub const CENTRAL_DIFFERENCES: &str = r#"def central_differences(objective, params, step=1e-4):
    """∂ℓ/∂θ entry by entry: (−ℓ(θ + 2h) + 8ℓ(θ + h) − 8ℓ(θ − h) + ℓ(θ − 2h)) / (12h)."""
    grads = {}
    for key in PARAMETERS:
        grad = np.zeros_like(params[key])
        for index in np.ndindex(grad.shape):
            values = []
            for h in (2 * step, step, -step, -2 * step):
                moved = dict(params)
                moved[key] = params[key].copy()
                moved[key][index] += h
                values.append(objective(moved))
            grad[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * step)
        grads[key] = grad
    return grads
"#;
