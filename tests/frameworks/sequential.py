"""Loads the parameters of emitted PyTorch modules into a torch.nn.Sequential of the same layers.

Usage: python sequential.py DIR

For every seq_NAME.py in DIR, seq_NAME.spec holds the spec and the loss (`linear>relu>linear>identity
mse`). init_params' values are copied into nn.Linear, nn.LayerNorm and nn.BatchNorm1d (training
mode) in the order of PARAMETERS; the model's output and ℓ = module.loss(model(x), y) must match
the module's forward and loss, and every .grad after ℓ.backward() the module's backward, to 1e-10
relative to the largest entry; then train_step's SGD step must move every parameter by
−lr ∂ℓ/∂θ. Exits 1 if any does not.
"""

import importlib.util
import sys
from pathlib import Path

import torch

ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "sigmoid": torch.nn.Sigmoid,
    "tanh": torch.nn.Tanh,
    "softplus": torch.nn.Softplus,
    "silu": torch.nn.SiLU,
    "identity": torch.nn.Identity,
    "softmax": lambda: torch.nn.Softmax(dim=1),
    "log_softmax": lambda: torch.nn.LogSoftmax(dim=1),
    "leaky_relu": torch.nn.LeakyReLU,
    "elu": torch.nn.ELU,
}


def sequential(module, layers):
    """nn.Sequential of the layers, with the sizes of the module's self-test."""
    sizes = module.SIZES
    widths = [sizes["n"]] + [sizes[key] for key in sizes if key not in ("n", "N")]
    modules, linear, width = [], 0, sizes["n"]
    for layer in layers:
        if layer == "linear":
            linear += 1
            modules.append(torch.nn.Linear(width, widths[linear], dtype=torch.float64))
            width = widths[linear]
        elif layer == "layernorm":
            modules.append(torch.nn.LayerNorm(width, dtype=torch.float64))
        elif layer == "batchnorm":
            modules.append(torch.nn.BatchNorm1d(width, dtype=torch.float64))
        else:
            modules.append(ACTIVATIONS[layer]())
    return torch.nn.Sequential(*modules).train()


def compare(path):
    """The largest relative difference between the module and the model."""
    spec_text, _ = path.with_suffix(".spec").read_text().split()
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    params = module.init_params(module.SIZES, 0)
    x, y = module.random_batch(module.SIZES, 1)
    model = sequential(module, spec_text.split(">"))
    with torch.no_grad():
        for key, tensor in zip(module.PARAMETERS, model.parameters(), strict=True):
            tensor.copy_(params[key])
    yhat, cache = module.forward(params, x)
    grads = module.backward(params, cache, y)
    model_yhat = model(x)
    value = module.loss(model_yhat, y)
    value.backward()

    def relative(a, b):
        return float(abs(a - b).max()) / max(float(abs(b).max()), 1e-300)

    errors = [relative(model_yhat.detach(), yhat), relative(value.detach(), module.loss(yhat, y))]
    largest = max(float(abs(g).max()) for g in grads.values())
    for key, tensor in zip(module.PARAMETERS, model.parameters(), strict=True):
        scale = max(float(abs(grads[key]).max()), 1e-3 * largest)
        errors.append(float(abs(tensor.grad - grads[key]).max()) / scale)
    # train_step: the five steps, one SGD step of lr 0.1 with the module's gradients.
    before = [tensor.detach().clone() for tensor in model.parameters()]
    value = module.train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), x, y)
    errors.append(relative(value.detach(), module.loss(yhat, y)))
    for key, old, tensor in zip(module.PARAMETERS, before, model.parameters(), strict=True):
        moved = old - 0.1 * grads[key]
        errors.append(float(abs(tensor.detach() - moved).max()) / max(float(abs(moved).max()), 1.0))
    return max(errors)


def main(directory):
    paths = sorted(Path(directory).glob("seq_*.py"))
    wrong = 0
    for path in paths:
        error = compare(path)
        if not error <= 1e-10:  # NaN too
            wrong += 1
            print(f"{path.name}: nn.Sequential differs by {error:.3g}")
    print(f"{len(paths)} modules in nn.Sequential, {wrong} differ")
    return 1 if wrong or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
