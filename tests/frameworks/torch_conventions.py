"""derive's values under --convention pytorch and cs231n against torch.autograd, in float64.

For each chain, one sample and a mini-batch: builds the network from torch.nn modules
(nn.Linear, nn.LayerNorm, nn.BatchNorm1d in training mode), draws a point, and writes it as
the convention's `--at` file: x, y and the biases as torch holds them (`tensor.tolist()`: one
sample a flat list, a batch a list per sample), each weight as `layer.weight.tolist()` under
pytorch and its transpose (in×out) under cs231n. Runs `derive SPEC --loss L --convention C
--at POINT --format json` and compares ℓ and every gradient with loss.backward()'s `.grad`
(transposed for a cs231n weight). Prints the largest relative error; exits 1 above 1e-10.

    python tests/frameworks/torch_conventions.py target/release/derive
"""

import json
import subprocess
import sys
import tempfile

import torch

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "identity": torch.nn.Identity,
    "softplus": torch.nn.Softplus,
    "softmax": lambda: torch.nn.Softmax(dim=-1),
    "log_softmax": lambda: torch.nn.LogSoftmax(dim=-1),
}

# The spec, the loss and ℓ of one sample's output row and target row, summed over the entries
# as derive's default reductions are (bce the mean over K).
CASES = [
    ("linear>relu>linear>identity", "mse", lambda o, y: ((o - y) ** 2).sum(-1)),
    ("linear>sigmoid>linear>sigmoid", "bce", lambda o, y: -(y * o.log() + (1 - y) * (1 - o).log()).mean(-1)),
    ("linear>relu>linear>softmax", "ce", lambda o, y: -(y * o.log()).sum(-1)),
    ("linear>tanh>linear>log_softmax", "nll", lambda o, y: -(y * o).sum(-1)),
    ("linear>softplus>linear>tanh>linear>identity", "mse", lambda o, y: ((o - y) ** 2).sum(-1)),
    ("linear>layernorm>relu>linear>softmax", "ce", lambda o, y: -(y * o.log()).sum(-1)),
    ("linear>batchnorm>tanh>linear", "mse", lambda o, y: ((o - y) ** 2).sum(-1)),
]

SIZES = {"n": 3, "K": 2}


def build(spec, generator):
    """The chain's modules, and the widths it reads: n in, 4, 5, … hidden, K out."""
    names = spec.split(">")
    linear_count = names.count("linear")
    modules, width, hidden, k = [], SIZES["n"], 4, 0
    for name in names:
        if name == "linear":
            k += 1
            out = SIZES["K"] if k == linear_count else hidden
            hidden += 1
            modules.append(torch.nn.Linear(width, out))
            width = out
        elif name == "layernorm":
            modules.append(torch.nn.LayerNorm(width))
        elif name == "batchnorm":
            modules.append(torch.nn.BatchNorm1d(width))
        else:
            modules.append(ACTIVATIONS[name]())
    with torch.no_grad():
        for module in modules:
            for parameter in module.parameters():
                parameter.copy_(torch.rand(parameter.shape, generator=generator) - 0.5)
            if isinstance(module, (torch.nn.LayerNorm, torch.nn.BatchNorm1d)):
                module.weight.add_(1.0)
    return torch.nn.Sequential(*modules)


def keyed_parameters(model, convention):
    """Each parameter by its --at key, with how it is written in the convention's layout."""
    linear = normalization = 0
    for module in model:
        if isinstance(module, torch.nn.Linear):
            linear += 1
            flip = convention == "cs231n"
            yield f"W{linear}", module.weight, flip
            yield f"b{linear}", module.bias, False
        elif isinstance(module, (torch.nn.LayerNorm, torch.nn.BatchNorm1d)):
            normalization += 1
            yield f"gamma{normalization}", module.weight, False
            yield f"beta{normalization}", module.bias, False


def target(loss, shape, generator):
    if loss in ("ce", "nll"):
        y = torch.rand(shape, generator=generator) + 0.05
        return y / y.sum(-1, keepdim=True)
    if loss == "bce":
        return torch.rand(shape, generator=generator)
    return torch.rand(shape, generator=generator) * 2 - 1


def relative(a, b):
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    if a.shape != b.shape:
        return float("inf")
    return float((a - b).abs().max() / max(a.abs().max(), b.abs().max(), 1e-3))


def compare(derive, spec, loss, sample_loss, convention, batch, seed):
    generator = torch.Generator().manual_seed(seed)
    model = build(spec, generator)
    model.train()
    samples = 5 if batch else None
    x_shape = (samples, SIZES["n"]) if batch else (SIZES["n"],)
    x = torch.rand(x_shape, generator=generator) * 2 - 1
    if not batch:
        x = x.unsqueeze(0)
    output = model(x)
    y = target(loss, output.shape, generator)
    value = sample_loss(output, y).mean()
    model.zero_grad()
    value.backward()

    point = {"x": x.tolist() if batch else x[0].tolist(), "y": y.tolist() if batch else y[0].tolist()}
    expected = {}
    for key, parameter, flip in keyed_parameters(model, convention):
        data = parameter.detach().T if flip else parameter.detach()
        grad = parameter.grad.T if flip else parameter.grad
        point[key] = data.tolist()
        expected[key] = grad
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        command = [derive, spec, "--loss", loss, "--convention", convention, "--at", file.name, "--format", "json"]
        if batch:
            command.append("--batch")
        run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {run.returncode}: {run.stderr}")
    evaluation = json.loads(run.stdout)["evaluation"]
    errors = {"loss": relative(evaluation["loss"], value.item())}
    for key, grad in expected.items():
        got = torch.tensor(evaluation["gradients"][key])
        errors[key] = relative(got, grad)
    return errors


def main():
    derive = sys.argv[1]
    worst, count = 0.0, 0
    for spec, loss, sample_loss in CASES:
        for convention in ("pytorch", "cs231n"):
            for batch in (False, True):
                if "batchnorm" in spec and not batch:
                    continue
                for seed in range(3):
                    errors = compare(derive, spec, loss, sample_loss, convention, batch, seed)
                    count += 1
                    key, error = max(errors.items(), key=lambda item: item[1])
                    worst = max(worst, error)
                    if error > 1e-10:
                        print(f"{spec} --loss {loss} --convention {convention} batch={batch} seed={seed}: {key} off by {error:.1e}")
    print(f"{count} points, conventions pytorch and cs231n, against torch.autograd: largest relative error {worst:.1e}")
    sys.exit(0 if worst <= 1e-10 else 1)


if __name__ == "__main__":
    main()
