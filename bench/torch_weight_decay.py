"""derive's gradients with --weight-decay against the step PyTorch's SGD takes.

For random points (one sample and mini-batches, several λ), runs
`derive SPEC --loss LOSS --weight-decay λ --at POINT --format json` and compares every gradient
with what torch.optim.SGD(lr=1) subtracts from each parameter in one step, the weights in a
parameter group with weight_decay=λ and the biases in one with weight_decay=0: the update is
the gradient of the loss plus λW, the claim derive's legend makes. Also compares ℓ with the loss
plus (λ/2) Σ ‖W‖². Prints the largest relative error and exits 1 above 1e-12.

    python3 bench/torch_weight_decay.py target/release/derive
"""

import json
import subprocess
import sys
import tempfile

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "softmax": lambda h: torch.softmax(h, -1)}


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


def data_loss(loss, yhat, y, batch):
    """derive's mse (the sum over K) and ce, each the mean over the samples of a batch."""
    per_sample = ((yhat - y) ** 2).sum(-1) if loss == "mse" else -(y * torch.log(yhat)).sum(-1)
    return per_sample.mean() if batch else per_sample


def compare(derive, spec, loss, sizes, batch, weight_decay, seed):
    rng = np.random.default_rng(seed)
    params = {}
    for k in range(1, len(sizes)):
        params[f"W{k}"] = rng.uniform(-1, 1, (sizes[k], sizes[k - 1]))
        params[f"b{k}"] = rng.uniform(-1, 1, sizes[k])
    shape = (batch, sizes[0]) if batch else (sizes[0],)
    x = rng.uniform(-1, 1, shape)
    if loss == "ce":
        y = rng.dirichlet(np.ones(sizes[-1]), batch if batch else None)
    else:
        y = rng.uniform(-1, 1, (batch, sizes[-1]) if batch else (sizes[-1],))
    point = {"x": x.tolist(), "y": y.tolist(), **{k: v.tolist() for k, v in params.items()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        args = [derive, spec, "--loss", loss, "--weight-decay", repr(weight_decay)]
        args += ["--at", file.name, "--format", "json", "--no-check"]
        if batch:
            args.append("--batch")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    values = json.loads(out)["evaluation"]

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    weights = [t for k, t in tensors.items() if k.startswith("W")]
    biases = [t for k, t in tensors.items() if k.startswith("b")]
    optimizer = torch.optim.SGD(
        [{"params": weights, "weight_decay": weight_decay}, {"params": biases, "weight_decay": 0.0}],
        lr=1.0,
    )
    before = {k: t.detach().clone() for k, t in tensors.items()}
    optimizer.zero_grad()
    ell = data_loss(loss, forward(spec, tensors, torch.tensor(x)), torch.tensor(y), batch)
    objective = ell.item() + weight_decay / 2 * sum(float((w**2).sum()) for w in weights)
    ell.backward()
    optimizer.step()

    worst = abs(values["loss"] - objective) / max(abs(objective), 1e-300)
    for key, tensor in tensors.items():
        ours = np.array(values["gradients"][key])
        step = (before[key] - tensor.detach()).numpy()
        worst = max(worst, np.max(np.abs(ours - step)) / max(np.max(np.abs(step)), 1e-300))
    return worst


def main():
    derive = sys.argv[1] if len(sys.argv) > 1 else "target/release/derive"
    worst = 0.0
    cases = 0
    for spec, loss, sizes in [
        ("linear>relu>linear", "mse", [3, 4, 2]),
        ("linear>tanh>linear>relu>linear>softmax", "ce", [4, 3, 5, 3]),
    ]:
        for batch in [0, 6]:
            for weight_decay in [5e-4, 0.1, 3.0]:
                for seed in range(4):
                    worst = max(worst, compare(derive, spec, loss, sizes, batch, weight_decay, seed))
                    cases += 1
    print(f"{cases} cases, largest relative error {worst:.1e}")
    sys.exit(0 if worst <= 1e-12 else 1)


if __name__ == "__main__":
    main()
