"""derive's values at a point with dropout against torch.autograd in float64.

Each dropout layer's mask is drawn by PyTorch's own F.dropout in training mode: the mask is read
off F.dropout applied to ones (its nonzero entries), and the forward pass runs F.dropout again
from the same generator state, so that autograd goes through PyTorch's inverted dropout,
mask/(1 − p), with that mask. The masks go to derive as m1, m2, … beside x, y and the parameters
(`derive SPEC --at POINT --format json`, one sample and mini-batches), and ℓ and every gradient
are compared. Prints the largest relative error and exits 1 above 1e-12.

    python3 bench/torch_dropout.py target/release/derive
"""

import json
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def layers(spec):
    """The chain as (name, p): p for dropout (0.5 when not written), else None."""
    out = []
    for layer in spec.split(">"):
        match = re.fullmatch(r"dropout(?:\((.*)\))?", layer)
        if match:
            out.append(("dropout", float(match.group(1) or 0.5)))
        else:
            out.append((layer, None))
    return out


def forward(spec, linears, x, seeds):
    """The chain on samples as rows, through nn.Linear and PyTorch's F.dropout in training,
    each dropout layer drawing from the generator state `seeds` gives it (or the first after
    it that keeps a unit of every sample). Returns the output and
    the masks PyTorch drew."""
    h = x
    k = 0
    masks = []
    for name, p in layers(spec):
        if name == "linear":
            h = linears[k](h)
            k += 1
        elif name == "dropout":
            # A draw that drops every unit of a sample makes ℓ independent of what came before;
            # the next seed is taken instead, as derive's check keeps a unit in every mask.
            seed = seeds[len(masks)]
            while True:
                torch.manual_seed(seed)
                mask = (F.dropout(torch.ones_like(h), p, training=True) != 0).to(h.dtype)
                if mask.sum(dim=-1).min() > 0:
                    break
                seed += 1
            torch.manual_seed(seed)
            dropped = F.dropout(h, p, training=True)
            # What inverted dropout is: the input times mask/(1 − p).
            assert torch.allclose(dropped, h * mask / (1 - p), rtol=1e-15, atol=0)
            masks.append(mask)
            h = dropped
        else:
            h = ACTIVATIONS[name](h)
    return h, masks


def torch_loss(loss, yhat, y, batch):
    """derive's ℓ: one sample's loss, or the mean of the samples' losses."""
    if loss == "mse":
        per_sample = ((yhat - y) ** 2).sum(dim=-1)
        return per_sample.mean() if batch else per_sample
    if loss == "ce_logits":
        return torch.nn.CrossEntropyLoss()(yhat if batch else yhat[None], y if batch else y[None])
    raise ValueError(loss)


def compare(derive, spec, loss, sizes, batch, seed):
    rng = np.random.default_rng(seed)
    widths = iter(sizes)
    n = next(widths)
    linears, width = [], n
    for name, _ in layers(spec):
        if name == "linear":
            out = next(widths)
            linear = torch.nn.Linear(width, out)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(rng.uniform(-1, 1, (out, width))))
                linear.bias.copy_(torch.tensor(rng.uniform(-1, 1, out)))
            linears.append(linear)
            width = out
    shape = (batch, n) if batch else (n,)
    x = torch.tensor(rng.uniform(-1, 1, shape))
    if loss == "ce_logits":
        y = torch.tensor(rng.dirichlet(np.ones(width), batch if batch else None))
    else:
        y = torch.tensor(rng.uniform(-1, 1, (batch, width) if batch else (width,)))
    seeds = [int(s) for s in rng.integers(0, 2**31, 8)]
    yhat, masks = forward(spec, linears, x, seeds)
    ell = torch_loss(loss, yhat, y, batch)
    ell.backward()

    point = {"x": x.tolist(), "y": y.tolist()}
    for k, linear in enumerate(linears, start=1):
        point[f"W{k}"] = linear.weight.tolist()
        point[f"b{k}"] = linear.bias.tolist()
    for k, mask in enumerate(masks, start=1):
        point[f"m{k}"] = mask.tolist()
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        args = [derive, spec, "--loss", loss, "--at", file.name, "--format", "json", "--no-check"]
        if batch:
            args.append("--batch")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    values = json.loads(out)["evaluation"]
    if "m1" in values["gradients"]:
        raise AssertionError("a mask is an input, not a parameter: it has no gradient")
    worst = abs(values["loss"] - ell.item()) / max(abs(ell.item()), 1e-300)
    for k, linear in enumerate(linears, start=1):
        for key, tensor in [(f"W{k}", linear.weight), (f"b{k}", linear.bias)]:
            ours = np.array(values["gradients"][key])
            theirs = tensor.grad.numpy()
            worst = max(worst, np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
    return worst


CASES = [
    ("linear>relu>dropout(0.5)>linear", "mse", [3, 4, 2]),
    ("linear>relu>dropout>linear", "ce_logits", [3, 5, 4]),
    ("linear>tanh>dropout(0.1)>linear>dropout(0.25)>linear", "mse", [4, 6, 5, 3]),
    ("dropout(0.2)>linear>sigmoid>linear", "mse", [5, 4, 2]),
    ("linear>relu>dropout(0.75)>linear>relu>dropout(0.3)>linear", "ce_logits", [4, 8, 6, 3]),
    ("linear>dropout(0)>linear", "mse", [3, 4, 2]),
]


def main():
    derive = sys.argv[1] if len(sys.argv) > 1 else "target/release/derive"
    worst = 0.0
    cases = 0
    for spec, loss, sizes in CASES:
        for batch in [0, 6]:
            for seed in range(8):
                worst = max(worst, compare(derive, spec, loss, sizes, batch, seed))
                cases += 1
    print(f"{cases} cases, largest relative error {worst:.1e}")
    sys.exit(0 if worst <= 1e-12 else 1)


if __name__ == "__main__":
    main()
