"""The emitted PyTorch backward pass against torch.autograd's, for a 4-layer MLP.

Usage: python bench/emitted_backward.py path/to/derive [--width 1024] [--batch 512] [--repeats 21]

Emits `linear>relu>linear>relu>linear>relu>linear>identity --loss mse --batch --emit pytorch`,
draws its parameters with init_params at every width, in float32 on the CPU with torch's
default threads, and times, in turns, each a median of the repeats after two warm-ups:
the module's backward(params, cache, y) after its forward, and ℓ.backward() after the same
forward run with autograd recording (the forward untimed in both). Prints both medians and
their ratio (emitted / autograd); checks first that the two agree.
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

SPEC = "linear>relu>linear>relu>linear>relu>linear>identity"


def load(derive):
    """The emitted module, imported from a temporary file."""
    text = subprocess.run(
        [derive, SPEC, "--loss", "mse", "--batch", "--emit", "pytorch"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "mlp.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("mlp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def medians_in_turns(runs, repeats):
    """The median time of each of `runs` (each returns the time it measured), run in turns so
    that a busy moment of the machine falls on both alike, after two warm-up turns."""
    times = [[] for _ in runs]
    for turn in range(repeats + 2):
        for run, measured in zip(runs, times, strict=True):
            elapsed = run()
            if turn >= 2:
                measured.append(elapsed)
    return [statistics.median(measured) for measured in times]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("derive")
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=21)
    arguments = parser.parse_args()
    module = load(arguments.derive)
    sizes = {key: arguments.width for key in module.SIZES}
    sizes["N"] = arguments.batch
    params = {k: v.float() for k, v in module.init_params(sizes, 0).items()}
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(arguments.batch, arguments.width, generator=generator) * 2 - 1
    y = torch.rand(arguments.batch, sizes["K"], generator=generator) * 2 - 1

    def emitted():
        with torch.no_grad():
            _, cache = module.forward(params, x)
            start = time.perf_counter()
            module.backward(params, cache, y)
            return time.perf_counter() - start

    def autograd():
        leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        value = module.loss(module.forward(leaves, x)[0], y)
        start = time.perf_counter()
        value.backward()
        return time.perf_counter() - start

    with torch.no_grad():
        _, cache = module.forward(params, x)
        grads = module.backward(params, cache, y)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    module.loss(module.forward(leaves, x)[0], y).backward()
    for key in module.PARAMETERS:
        error = float((grads[key] - leaves[key].grad).abs().max() / leaves[key].grad.abs().max())
        if error > 1e-4:
            sys.exit(f"{key}: the emitted gradient differs from autograd's by {error:.3g}")

    ours, theirs = medians_in_turns([emitted, autograd], arguments.repeats)
    print(
        f"width {arguments.width}, batch {arguments.batch}, float32, "
        f"{torch.get_num_threads()} threads, median of {arguments.repeats}:"
    )
    print(f"  emitted backward  {ours * 1e3:8.2f} ms")
    print(f"  torch.autograd    {theirs * 1e3:8.2f} ms")
    print(f"  ratio             {ours / theirs:8.2f}")


if __name__ == "__main__":
    main()
