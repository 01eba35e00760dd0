#!/usr/bin/env bash
# derive's evaluator against NumPy on the same products, in one run: every closed-form gradient of
# linear>relu>linear>relu>linear>relu>linear>identity, every dimension WIDTH (n = d1 = d2 = d3 =
# K = 256) and a batch of N = WIDTH, at one point that both sides read. NumPy is timed
# single-threaded (matrixmultiply is single-threaded here) and with OpenBLAS's default threads.
#
#     bench/evaluation.sh [WIDTH] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."

WIDTH=${1:-256}
REPEATS=${2:-21}
cargo build --release --quiet --example evaluation
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

derive_out=$(target/release/examples/evaluation "$WORK" "$WIDTH" "$REPEATS")
numpy_one=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 bench/numpy_gradients.py "$WORK" "$REPEATS")
numpy_all=$(python3 bench/numpy_gradients.py "$WORK" "$REPEATS")

field() { awk -v k="$2" '$1 == k { print $2 }' <<< "$1"; }
derive_median=$(field "$derive_out" derive_median_seconds)
one_median=$(field "$numpy_one" numpy_median_seconds)
all_median=$(field "$numpy_all" numpy_median_seconds)
ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }

echo "width $WIDTH, batch $WIDTH, median of $REPEATS runs"
printf '%-34s %10s %10s\n' "" "median ms" "min ms"
printf '%-34s %10.2f %10.2f\n' "derive (matrixmultiply, 1 thread)" \
    "$(echo "$derive_median * 1000" | bc -l)" "$(echo "$(field "$derive_out" derive_min_seconds) * 1000" | bc -l)"
printf '%-34s %10.2f %10.2f\n' "NumPy (OpenBLAS, 1 thread)" \
    "$(echo "$one_median * 1000" | bc -l)" "$(echo "$(field "$numpy_one" numpy_min_seconds) * 1000" | bc -l)"
printf '%-34s %10.2f %10.2f\n' "NumPy (OpenBLAS, default threads)" \
    "$(echo "$all_median * 1000" | bc -l)" "$(echo "$(field "$numpy_all" numpy_min_seconds) * 1000" | bc -l)"
echo "gradients agree: max relative difference $(field "$numpy_one" max_relative_difference)"
echo "derive / NumPy 1 thread:       $(ratio "$derive_median" "$one_median")x (target: at most 2x)"
echo "derive / NumPy default threads: $(ratio "$derive_median" "$all_median")x"
