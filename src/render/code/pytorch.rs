//! What a PyTorch module has of its own: its imports, tensors made with torch.from_numpy, a
//! self-test against torch.autograd, and `train_step`, the five steps of training with the
//! module's gradients written into each parameter's `.grad`.

pub const IMPORTS: &str = "import sys\n\nimport numpy as np\nimport torch\n";

pub const REFERENCE: &str = "torch.autograd";

/// The self-test's gradients and the reference it compares them with.
pub fn reference_gradients(masks: &str, weight_decay: bool) -> Vec<String> {
    let params = if weight_decay { ", leaves" } else { "" };
    vec![
        format!("yhat, cache = forward(params, x{masks})"),
        "grads = backward(params, cache, y)".into(),
        "leaves = {key: value.clone().requires_grad_(True) for key, value in params.items()}"
            .into(),
        format!("loss(forward(leaves, x{masks})[0], y{params}).backward()"),
        "reference = {key: leaf.grad for key, leaf in leaves.items()}".into(),
    ]
}

/// One step of training, the homework's five steps, with backward in place of ℓ.backward().
pub fn train_step(masks: bool, weight_decay: bool) -> String {
    let (signature, masks_argument, masks_doc) = if masks {
        (
            "train_step(model, optimizer, x, y, masks)",
            ", masks",
            "\n    masks are the dropout masks, as forward takes them.",
        )
    } else {
        ("train_step(model, optimizer, x, y)", "", "")
    };
    let params_argument = if weight_decay { ", params" } else { "" };
    format!(
        r#"def {signature}:
    """One step of training on the batch (x, y), in the five steps, and ℓ before the step.

    model holds the parameters in the order of PARAMETERS and in this module's shapes (under
    the pytorch convention, a torch.nn.Sequential of the same layers, which init_params' values
    load into unchanged); optimizer updates them (torch.optim.SGD(model.parameters(), lr)).{masks_doc}
    """
    tensors = dict(zip(PARAMETERS, model.parameters(), strict=True))
    params = {{key: tensor.detach() for key, tensor in tensors.items()}}
    # 1. Forward: ŷ = f(x; θ), keeping the values backward reads (ŷ = model(x) with autograd).
    yhat, cache = forward(params, x{masks_argument})
    # 2. Loss: ℓ = loss(ŷ, y) (ℓ = criterion(ŷ, y)).
    value = loss(yhat, y{params_argument})
    # 3. Zero the gradients: ∂ℓ/∂θ ← 0 for every θ (optimizer.zero_grad()).
    optimizer.zero_grad()
    # 4. Backward: every ∂ℓ/∂θ from derive's closed forms, into θ.grad (ℓ.backward()).
    grads = backward(params, cache, y)
    for key, tensor in tensors.items():
        tensor.grad = grads[key]
    # 5. Update: θ ← θ − lr ∂ℓ/∂θ for SGD (optimizer.step()).
    optimizer.step()
    return value
"#
    )
}
