"""The gradients of linear>relu>linear>relu>linear>relu>linear>identity with mse on a mini-batch,
by the same forward and backward matrix products derive's closed forms evaluate, in NumPy.

Reads the point (and derive's gradients) that `cargo run --release --example evaluation -- DIR`
wrote to DIR, checks that both agree, and prints the median time of REPEATS runs.

    python3 bench/numpy_gradients.py DIR [REPEATS]
"""

import json
import os
import sys
import time

import numpy as np


def load(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        shapes = json.load(f)
    return {
        key: np.fromfile(os.path.join(directory, key + ".bin"), dtype="<f8").reshape(shape)
        for key, shape in shapes.items()
    }


def gradients(p, layers=4):
    """ℓ = (1/N)‖Ŷ − Y‖²; Zₖ = W⁽ᵏ⁾Aₖ₋₁ + b⁽ᵏ⁾𝟏ᵀ, Aₖ = max(0, Zₖ), Ŷ = Z_last."""
    x, y = p["x"], p["y"]
    n_samples = x.shape[1]
    activations, pre = [x], []
    for k in range(1, layers + 1):
        z = p[f"W{k}"] @ activations[-1] + p[f"b{k}"]
        pre.append(z)
        activations.append(np.maximum(z, 0.0) if k < layers else z)
    delta = 2.0 * (activations[-1] - y)
    grads = {}
    for k in range(layers, 0, -1):
        grads[f"dW{k}"] = (delta @ activations[k - 1].T) / n_samples
        grads[f"db{k}"] = delta.sum(axis=1, keepdims=True) / n_samples
        if k > 1:
            delta = (p[f"W{k}"].T @ delta) * (pre[k - 2] > 0)
    return grads


def main():
    directory = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    data = load(directory)
    point = {k: v for k, v in data.items() if not k.startswith("d")}
    grads = gradients(point)
    worst = max(
        float(np.max(np.abs(grads[k] - data[k])) / max(np.max(np.abs(data[k])), 1e-300))
        for k in grads
    )
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gradients(point)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"numpy_median_seconds {times[len(times) // 2]:.6f}")
    print(f"numpy_min_seconds {times[0]:.6f}")
    print(f"max_relative_difference {worst:.3e}")
    if worst > 1e-10:
        sys.exit("derive's gradients and NumPy's disagree")


if __name__ == "__main__":
    main()
