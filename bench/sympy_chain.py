"""The naive symbolic baseline: SymPy deriving ∂ℓ/∂W⁽¹⁾ of a tanh chain of width 2 written with
explicit 2×2 symbolic matrices, ℓ = ‖ŷ − y‖² (mse), beside derive on the same chains.

A chain of L linear layers is W⁽¹⁾ → tanh → W⁽²⁾ → tanh → … → W⁽ᴸ⁾ → identity, each linear layer
h ↦ W⁽ᵏ⁾h + b⁽ᵏ⁾ with every entry a symbol; for derive it is the spec `linear>tanh>` repeated
L − 1 times, then `linear>identity` (2L layers). SymPy builds ℓ as one expression and
differentiates it in each entry of W⁽¹⁾; its answer's size is sympy.count_ops of the 2×2 result.

    python3 bench/sympy_chain.py [--derive target/release/derive]
        [--sizes target/release/examples/closed_form_size] [--timeout 60] [L ...]
"""

import argparse
import multiprocessing
import statistics
import subprocess
import time

import sympy as sp

WIDTH = 2


def sympy_gradient(linears, queue):
    start = time.perf_counter()
    x = sp.Matrix(sp.symbols(f"x0:{WIDTH}"))
    y = sp.Matrix(sp.symbols(f"y0:{WIDTH}"))
    weights = [
        sp.Matrix(WIDTH, WIDTH, lambda i, j, k=k: sp.Symbol(f"W{k}_{i}{j}"))
        for k in range(1, linears + 1)
    ]
    biases = [sp.Matrix(sp.symbols(f"b{k}_0:{WIDTH}")) for k in range(1, linears + 1)]
    h = x
    for k in range(linears):
        h = weights[k] * h + biases[k]
        if k < linears - 1:
            h = h.applyfunc(sp.tanh)
    loss = sum((h[i] - y[i]) ** 2 for i in range(WIDTH))
    gradient = weights[0].applyfunc(lambda w: sp.diff(loss, w))
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    ops = sp.count_ops(gradient)
    queue.put((elapsed, int(ops), time.perf_counter() - start))


def run_sympy(linears, timeout):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=sympy_gradient, args=(linears, queue))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join()
        return None
    return queue.get()


def spec(linears):
    return "linear>tanh>" * (linears - 1) + "linear>identity"


def run_derive(binary, linears, extra, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run([binary, "-", *extra], input=spec(linears).encode(), capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"derive failed on {linears} linear layers: {result.stderr.decode()}")
    return statistics.median(times), len(result.stdout.decode())


def derive_sizes(binary, linears):
    out = subprocess.run([binary, spec(linears)], capture_output=True, check=True, text=True).stdout
    _, _, shared, tree = out.strip().splitlines()[-1].split("\t")
    return int(shared), int(tree)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--derive", default="target/release/derive")
    parser.add_argument("--sizes", default="target/release/examples/closed_form_size")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("linears", nargs="*", type=int, default=[2, 4, 8, 12])
    args = parser.parse_args()

    print(f"sympy {sp.__version__}; width {WIDTH}; timeout {args.timeout:.0f} s per chain")
    print("L = linear layers (derive: 2L layers). SymPy: time to build ℓ and differentiate, and")
    print("count_ops of ∂ℓ/∂W⁽¹⁾ (scalar operations, every copy counted). derive: whole-process")
    print("median of 5 runs (--no-check, and with the check), characters of the text output, and")
    print("∂ℓ/∂W⁽¹⁾'s closed form in matrix operations, each shared one once / as a tree would copy them.")
    print()
    header = ("L", "sympy s", "sympy ops", "derive s", "derive+check s", "derive chars", "shared ops", "tree ops")
    print("{:>3} {:>9} {:>11} {:>9} {:>14} {:>12} {:>10} {:>10}".format(*header))
    for linears in args.linears:
        result = run_sympy(linears, args.timeout)
        if result is None:
            sympy_time, sympy_ops = f">{args.timeout:.0f} (stopped)", "-"
        else:
            sympy_time, sympy_ops = f"{result[0]:.3f}", f"{result[1]:,}"
        derive_time, chars = run_derive(args.derive, linears, ["--no-check"])
        checked_time, _ = run_derive(args.derive, linears, [])
        shared, tree = derive_sizes(args.sizes, linears)
        print(
            f"{linears:>3} {sympy_time:>9} {sympy_ops:>11} {derive_time:>9.4f} {checked_time:>14.4f}"
            f" {chars:>12,} {shared:>10,} {tree:>10,}",
            flush=True,
        )


if __name__ == "__main__":
    main()
