"""The Python module in process against the command as a process, on the homework net.

Times `derive.derive(SPEC, loss=LOSS)` (the derivation, built once: what a notebook cell does
before it displays anything), the same with `.text()` (the derivation printed, the check run),
and the command `derive SPEC --loss LOSS` as a subprocess, each the median of many runs, side by
side, and prints the ratios. Needs the module installed (`pip install ./python`).

    python3 bench/python_in_process.py target/release/derive
"""

import statistics
import subprocess
import sys
import time

import derive

SPEC, LOSS = "linear>relu>linear>identity", "mse"


def median_seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/derive"
    derived = median_seconds(lambda: derive.derive(SPEC, loss=LOSS), 2000)
    printed = median_seconds(lambda: derive.derive(SPEC, loss=LOSS).text(), 500)
    command = median_seconds(
        lambda: subprocess.run([binary, SPEC, "--loss", LOSS], capture_output=True, check=True),
        200,
    )
    print(f"derive.derive in process       {derived * 1e6:8.1f} µs")
    print(f"derive.derive(...).text()      {printed * 1e6:8.1f} µs")
    print(f"the command, as a process      {command * 1e6:8.1f} µs")
    print(f"command / derive.derive        {command / derived:8.1f}×")
    print(f"command / derive(...).text()   {command / printed:8.1f}×")


if __name__ == "__main__":
    main()
