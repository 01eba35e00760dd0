#!/usr/bin/env bash
# derive's evaluator against NumPy on the same products, in one run: every closed-form gradient of
# linear>relu>linear>relu>linear>relu>linear>identity, every dimension WIDTH (n = d1 = d2 = d3 =
# K = 256) and a batch of N = WIDTH, at one point that both sides read. NumPy is timed
# single-threaded (matrixmultiply is single-threaded here) and with OpenBLAS's default threads.
# Each side is also run with glibc told to keep freed memory (KEEP below): by default glibc hands
# an evaluation's ~20 MB of freed matrices back to the OS and the next one faults them in again,
# a cost of the allocator rather than of the products.
#
#     bench/evaluation.sh [WIDTH] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."

WIDTH=${1:-256}
REPEATS=${2:-21}
cargo build --release --quiet --example evaluation
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

KEEP=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
derive_out=$(target/release/examples/evaluation "$WORK" "$WIDTH" "$REPEATS")
derive_keep=$(GLIBC_TUNABLES=$KEEP target/release/examples/evaluation "" "$WIDTH" "$REPEATS")
numpy_one=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 bench/numpy_gradients.py "$WORK" "$REPEATS")
numpy_keep=$(GLIBC_TUNABLES=$KEEP OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
    python3 bench/numpy_gradients.py "$WORK" "$REPEATS")
numpy_all=$(python3 bench/numpy_gradients.py "$WORK" "$REPEATS")

field() { awk -v k="$2" '$1 == k { print $2 }' <<< "$1"; }
ratio() { printf "%.2f" "$(echo "$1 / $2" | bc -l)"; }
row() {
    printf '%-44s %10.2f %10.2f\n' "$1" \
        "$(echo "$(field "$2" "$3_median_seconds") * 1000" | bc -l)" \
        "$(echo "$(field "$2" "$3_min_seconds") * 1000" | bc -l)"
}
median() { field "$1" "$2_median_seconds"; }

echo "width $WIDTH, batch $WIDTH, median of $REPEATS runs"
printf '%-44s %10s %10s\n' "" "median ms" "min ms"
row "derive (matrixmultiply, 1 thread)" "$derive_out" derive
row "derive, glibc keeping freed memory" "$derive_keep" derive
row "NumPy (OpenBLAS, 1 thread)" "$numpy_one" numpy
row "NumPy, 1 thread, glibc keeping freed memory" "$numpy_keep" numpy
row "NumPy (OpenBLAS, default threads)" "$numpy_all" numpy
echo "gradients agree: max relative difference $(field "$numpy_one" max_relative_difference)"
echo "derive / NumPy, 1 thread:                 $(ratio "$(median "$derive_out" derive)" "$(median "$numpy_one" numpy)")x (target: at most 2x)"
echo "derive / NumPy, both keeping memory:      $(ratio "$(median "$derive_keep" derive)" "$(median "$numpy_keep" numpy)")x"
echo "derive / NumPy, NumPy on default threads: $(ratio "$(median "$derive_out" derive)" "$(median "$numpy_all" numpy)")x"
