"""derive's values at a point against torch.autograd in float64, for the losses PyTorch has.

Runs `derive SPEC --loss LOSS --at POINT --format json` on random points (one sample and
mini-batches, logits up to ±1000) and compares ℓ and every gradient with PyTorch's loss on the
same network, built from nn.Linear and the activations. Prints the largest relative error and
exits 1 above 1e-12.

    python3 bench/torch_losses.py target/release/derive
"""

import json
import subprocess
import sys
import tempfile

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def forward(spec, params, x):
    """The chain on samples as rows; nn.Linear's layout, W out×in."""
    h = x
    k = 0
    for layer in spec.split(">"):
        if layer == "linear":
            k += 1
            h = h @ params[f"W{k}"].T + params[f"b{k}"]
        else:
            h = ACTIVATIONS[layer](h)
    return h


def torch_loss(loss, logits, y, batch):
    if loss == "ce_logits":
        # PyTorch's mean is over the samples: for one sample, the sum over the K classes.
        return torch.nn.CrossEntropyLoss()(logits if batch else logits[None], y if batch else y[None])
    raise ValueError(loss)


def random_point(rng, spec, sizes, batch, scale):
    widths = sizes
    params = {}
    k = 0
    for layer in spec.split(">"):
        if layer == "linear":
            k += 1
            params[f"W{k}"] = rng.uniform(-1, 1, (widths[k], widths[k - 1]))
            params[f"b{k}"] = rng.uniform(-1, 1, widths[k])
    params[f"W{k}"] *= scale
    n, kk = widths[0], widths[-1]
    shape = (batch, n) if batch else (n,)
    x = rng.uniform(-1, 1, shape)
    y = rng.dirichlet(np.ones(kk), batch if batch else None)
    return params, x, y


def compare(derive, spec, loss, sizes, batch, scale, seed):
    rng = np.random.default_rng(seed)
    params, x, y = random_point(rng, spec, sizes, batch, scale)
    point = {"x": x.tolist(), "y": y.tolist(), **{k: v.tolist() for k, v in params.items()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        args = [derive, spec, "--loss", loss, "--at", file.name, "--format", "json", "--no-check"]
        if batch:
            args.append("--batch")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    values = json.loads(out)["evaluation"]
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ell = torch_loss(loss, forward(spec, tensors, torch.tensor(x)), torch.tensor(y), batch)
    ell.backward()
    worst = abs(values["loss"] - ell.item()) / max(abs(ell.item()), 1e-300)
    for key, tensor in tensors.items():
        ours = np.array(values["gradients"][key])
        theirs = tensor.grad.numpy()
        worst = max(worst, np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
    return worst


def main():
    derive = sys.argv[1] if len(sys.argv) > 1 else "target/release/derive"
    worst = 0.0
    cases = 0
    for spec, sizes in [("linear>relu>linear", [3, 4, 2]), ("linear>tanh>linear", [4, 3, 5])]:
        for batch in [0, 6]:
            for scale in [1.0, 300.0]:
                for seed in range(5):
                    worst = max(worst, compare(derive, spec, "ce_logits", sizes, batch, scale, seed))
                    cases += 1
    print(f"{cases} cases, largest relative error {worst:.1e}")
    sys.exit(0 if worst <= 1e-12 else 1)


if __name__ == "__main__":
    main()
