"""derive's values at a point against torch.autograd in float64, for layernorm and batchnorm.

Runs `derive SPEC --loss mse --at POINT --format json` on random points (one sample and
mini-batches, inputs up to ±1000) and compares ℓ and every gradient (W, b, γ, β) with the same
network in PyTorch: nn.Linear, nn.LayerNorm (elementwise_affine; its weight and bias are γ and
β) and nn.BatchNorm1d in training mode (batch statistics, normalized with the biased variance).
Batchnorm couples the samples, so a mini-batch is one point and every gradient is of the batch's
mean loss. Prints the largest relative error and exits 1 above 1e-12.

    python3 bench/torch_normalization.py target/release/derive    # -v: every gradient's error
"""

import json
import subprocess
import sys
import tempfile

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

VERBOSE = "-v" in sys.argv

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def layers(spec):
    """Each layer's name and its ε (None where it takes none)."""
    for layer in spec.split(">"):
        name, _, argument = layer.partition("(")
        yield name, float(argument.rstrip(")")) if argument else None


def forward(spec, params, x):
    """The chain on samples as rows (N×n, or n for one sample); nn.Linear's layout, W out×in."""
    h = x
    linear = normalization = 0
    for name, epsilon in layers(spec):
        if name == "linear":
            linear += 1
            h = h @ params[f"W{linear}"].T + params[f"b{linear}"]
        elif name in ("layernorm", "batchnorm"):
            normalization += 1
            eps = 1e-5 if epsilon is None else epsilon
            gamma, beta = params[f"gamma{normalization}"], params[f"beta{normalization}"]
            if name == "layernorm":
                h = torch.nn.functional.layer_norm(h, (h.shape[-1],), gamma, beta, eps)
            else:
                # Training mode: the batch's own statistics, no running ones.
                h = torch.nn.functional.batch_norm(h, None, None, gamma, beta, training=True, eps=eps)
        else:
            h = ACTIVATIONS[name](h)
    return h


def modules_agree(spec, params, x):
    """The same forward pass through the nn modules themselves, weights copied in."""
    h = x
    linear = normalization = 0
    for name, epsilon in layers(spec):
        if name == "linear":
            linear += 1
            h = h @ params[f"W{linear}"].T + params[f"b{linear}"]
            continue
        if name not in ("layernorm", "batchnorm"):
            h = ACTIVATIONS[name](h)
            continue
        normalization += 1
        width = h.shape[-1]
        eps = 1e-5 if epsilon is None else epsilon
        module = torch.nn.LayerNorm(width, eps=eps) if name == "layernorm" else torch.nn.BatchNorm1d(width, eps=eps)
        module.train()
        with torch.no_grad():
            module.weight.copy_(params[f"gamma{normalization}"])
            module.bias.copy_(params[f"beta{normalization}"])
        h = module(h)
    return h


def random_point(rng, spec, sizes, batch, scale):
    params = {}
    linear = normalization = 0
    width = sizes[0]
    for name, _ in layers(spec):
        if name == "linear":
            linear += 1
            params[f"W{linear}"] = rng.uniform(-1, 1, (sizes[linear], width))
            params[f"b{linear}"] = rng.uniform(-1, 1, sizes[linear])
            width = sizes[linear]
        elif name in ("layernorm", "batchnorm"):
            normalization += 1
            params[f"gamma{normalization}"] = rng.uniform(0.5, 1.5, width)
            params[f"beta{normalization}"] = rng.uniform(-1, 1, width)
    n, k = sizes[0], sizes[-1]
    x = scale * rng.uniform(-1, 1, (batch, n) if batch else (n,))
    y = rng.uniform(-1, 1, (batch, k) if batch else (k,))
    return params, x, y


def compare(derive, spec, sizes, batch, scale, seed):
    rng = np.random.default_rng(seed)
    params, x, y = random_point(rng, spec, sizes, batch, scale)
    point = {"x": x.tolist(), "y": y.tolist(), **{k: v.tolist() for k, v in params.items()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        args = [derive, spec, "--loss", "mse", "--at", file.name, "--format", "json", "--no-check"]
        if batch:
            args.append("--batch")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    values = json.loads(out)["evaluation"]
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    inputs = torch.tensor(x)
    yhat = forward(spec, tensors, inputs)
    with torch.no_grad():
        # The functional forms above are the modules' own computation.
        assert torch.allclose(yhat, modules_agree(spec, tensors, inputs), rtol=1e-13, atol=1e-13)
    # derive's mse is the sum of squares, and with --batch the mean of the samples' losses.
    ell = ((yhat - torch.tensor(y)) ** 2).sum() / (batch if batch else 1)
    ell.backward()
    worst = abs(values["loss"] - ell.item()) / max(abs(ell.item()), 1e-300)
    # Relative to the largest entry of the whole gradient: a bias just before a batchnorm has a
    # gradient that is exactly 0 (the layer subtracts the mean), of which both sides give only
    # rounding noise, where an error relative to itself would mean nothing.
    largest = max(np.max(np.abs(tensor.grad.numpy())) for tensor in tensors.values())
    for key, tensor in tensors.items():
        ours = np.array(values["gradients"][key])
        theirs = tensor.grad.numpy()
        error = np.max(np.abs(ours - theirs)) / max(largest, 1e-300)
        if VERBOSE:
            print(f"  {spec} N={batch} scale={scale} seed={seed} {key}: {error:.1e}")
        worst = max(worst, error)
    return worst


def main():
    paths = [a for a in sys.argv[1:] if a != "-v"]
    derive = paths[0] if paths else "target/release/derive"
    worst = 0.0
    cases = 0
    one_or_more = [0, 2, 7]
    specs = [
        ("linear>layernorm>relu>linear", [3, 5, 2], one_or_more),
        ("linear>layernorm(0.001)>tanh>linear>layernorm", [4, 6, 3], one_or_more),
        ("linear>batchnorm>relu>linear", [3, 5, 2], [2, 7]),
        ("linear>batchnorm(0.001)>tanh>linear>batchnorm", [4, 6, 3], [2, 7]),
        ("linear>layernorm>sigmoid>linear>batchnorm>linear", [3, 4, 5, 2], [3, 6]),
    ]
    for spec, sizes, batches in specs:
        for batch in batches:
            for scale in [1.0, 1000.0]:
                for seed in range(4):
                    worst = max(worst, compare(derive, spec, sizes, batch, scale, seed))
                    cases += 1
    print(f"{cases} cases, largest relative error {worst:.1e}")
    sys.exit(0 if worst <= 1e-12 else 1)


if __name__ == "__main__":
    main()
