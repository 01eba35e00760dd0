"""The time to derive a residual network, h_k = relu(linear(h_{k-1})) + h_{k-1}, for a growing
number of blocks, without the check: the median of repeated runs of the whole process, and the
time per block, which stays flat where the derivation is linear in the size of the graph.

    python3 bench/residual_blocks.py target/release/derive [--repeats 7]
"""

import statistics
import subprocess
import sys
import time


def model(blocks):
    lines = ["h0 = relu(linear(x))"]
    lines += [f"h{k} = relu(linear(h{k - 1})) + h{k - 1}" for k in range(1, blocks + 1)]
    lines.append(f"yhat = linear(h{blocks})")
    return "\n".join(lines).encode()


def median_seconds(derive, text, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([derive, "-", "--no-check"], input=text, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    derive = sys.argv[1]
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 7
    print(f"{'blocks':>7} {'median':>9} {'per block':>10} {'ratio to the row above':>24}")
    previous = None
    for blocks in (250, 500, 1000, 2000, 4000):
        seconds = median_seconds(derive, model(blocks), repeats)
        ratio = f"{seconds / previous:.2f}× for 2× the blocks" if previous else ""
        print(f"{blocks:>7} {seconds * 1000:>7.1f}ms {seconds / blocks * 1e6:>8.1f}µs {ratio:>24}")
        previous = seconds


if __name__ == "__main__":
    main()
