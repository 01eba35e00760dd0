"""derive's values at a point against torch.autograd in float64, for the losses PyTorch has.

Runs `derive SPEC --loss LOSS --at POINT --format json` on random points (one sample and
mini-batches, logits up to ±1000) and compares ℓ and every gradient with PyTorch's loss on the
same network, built from nn.Linear and the activations: ce_logits against CrossEntropyLoss,
bce_logits against BCEWithLogitsLoss, hinge against MultiMarginLoss (with the mean over the
classes, and the sum as K times it), l1, huber(δ) and smooth_l1(β) against L1Loss, HuberLoss and
SmoothL1Loss. Prints the largest relative error of each loss and exits 1 above 1e-12.

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


def argument(loss, default):
    """The number in `huber(0.5)`, or the default."""
    if "(" in loss:
        return float(loss[loss.index("(") + 1 : loss.index(")")])
    return default


def ours(loss):
    """Our spelling of a PyTorch one: MultiMarginLoss(0.5) → hinge(0.5)."""
    return loss.replace("MultiMarginLoss", "hinge").replace("HuberLoss", "huber")


def torch_loss(loss, logits, y, batch, reduction):
    """PyTorch's loss for ours; `reduction` is ours over the K outputs (ℓ is always the mean over
    the samples)."""
    if reduction is None and loss.startswith("MultiMarginLoss"):
        reduction = "mean"
    loss = ours(loss)
    name = loss.split("(")[0]
    rows = logits if batch else logits[None]
    targets = y if batch else y[None]
    if name == "ce_logits":
        # PyTorch's mean is over the samples: for one sample, the sum over the K classes.
        return torch.nn.CrossEntropyLoss()(rows, targets)
    if name == "bce_logits":
        return torch.nn.BCEWithLogitsLoss()(rows, targets)
    if name == "hinge":
        classes = targets.argmax(dim=1)
        mean = torch.nn.MultiMarginLoss(margin=argument(loss, 1.0))(rows, classes)
        # MultiMarginLoss divides by the number of classes: our sum is K times it.
        return mean if reduction == "mean" else mean * rows.shape[1]
    if name == "l1":
        return torch.nn.L1Loss()(rows, targets)
    if name == "huber":
        return torch.nn.HuberLoss(delta=argument(loss, 1.0))(rows, targets)
    if name == "smooth_l1":
        return torch.nn.SmoothL1Loss(beta=argument(loss, 1.0))(rows, targets)
    raise ValueError(loss)


def random_target(rng, loss, kk, batch):
    """A target the loss takes: a distribution, probabilities, one-hot, or any reals."""
    name = ours(loss).split("(")[0]
    count = batch if batch else None
    if name == "ce_logits":
        return rng.dirichlet(np.ones(kk), count)
    if name == "bce_logits":
        return rng.uniform(0, 1, (batch, kk) if batch else (kk,))
    if name == "hinge":
        eye = np.eye(kk)
        return eye[rng.integers(0, kk, count)]
    return rng.uniform(-1, 1, (batch, kk) if batch else (kk,))


def random_point(rng, spec, sizes, batch, scale, loss):
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
    y = random_target(rng, loss, kk, batch)
    return params, x, y


def compare(derive, spec, loss, reduction, sizes, batch, scale, seed):
    rng = np.random.default_rng(seed)
    params, x, y = random_point(rng, spec, sizes, batch, scale, loss)
    point = {"x": x.tolist(), "y": y.tolist(), **{k: v.tolist() for k, v in params.items()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(point, file)
        file.flush()
        args = [derive, spec, "--loss", loss, "--at", file.name, "--format", "json", "--no-check"]
        if reduction:
            args += ["--reduction", reduction]
        if batch:
            args.append("--batch")
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    values = json.loads(out)["evaluation"]
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    logits = forward(spec, tensors, torch.tensor(x))
    ell = torch_loss(loss, logits, torch.tensor(y), batch, reduction)
    ell.backward()
    worst = abs(values["loss"] - ell.item()) / max(abs(ell.item()), 1e-300)
    for key, tensor in tensors.items():
        ours = np.array(values["gradients"][key])
        theirs = tensor.grad.numpy()
        worst = max(worst, np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-300))
    return worst


# Each loss as derive spells it, with the reduction given (None: the loss's own).
LOSSES = [
    ("ce_logits", None),
    ("bce_logits", None),
    ("hinge", None),
    ("hinge(2)", None),
    ("hinge", "mean"),
    ("MultiMarginLoss(0.5)", None),
    ("l1", None),
    ("huber", None),
    ("huber(0.5)", None),
    ("HuberLoss(3)", None),
    ("smooth_l1", None),
    ("smooth_l1(0.5)", None),
]


def main():
    derive = sys.argv[1] if len(sys.argv) > 1 else "target/release/derive"
    overall = 0.0
    cases = 0
    for loss, reduction in LOSSES:
        # MultiMarginLoss is hinge with PyTorch's mean.
        spelled = ours(loss)
        mean = reduction or ("mean" if loss.startswith("MultiMarginLoss") else None)
        worst = 0.0
        for spec, sizes in [("linear>relu>linear", [3, 4, 2]), ("linear>tanh>linear", [4, 3, 5])]:
            for batch in [0, 6]:
                for scale in [1.0, 300.0, 1000.0]:
                    for seed in range(5):
                        error = compare(derive, spec, loss, reduction, sizes, batch, scale, seed)
                        if spelled != loss:
                            # The PyTorch spelling and ours with its reduction agree.
                            again = compare(derive, spec, spelled, mean, sizes, batch, scale, seed)
                            error = max(error, again)
                        worst = max(worst, error)
                        cases += 1
        label = loss + (f" --reduction {reduction}" if reduction else "")
        print(f"{label:28} largest relative error {worst:.1e}")
        overall = max(overall, worst)
    print(f"{cases} cases, largest relative error {overall:.1e}")
    sys.exit(0 if overall <= 1e-12 else 1)


if __name__ == "__main__":
    main()
