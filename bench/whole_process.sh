#!/usr/bin/env bash
# Whole-process measurements of the release binary: wall time (median and fastest of RUNS runs)
# and peak memory (the maximum resident set size of one more run, from /usr/bin/time).
#
#     bench/whole_process.sh            # RUNS=7 by default
#     RUNS=11 CALLGRIND=1 bench/whole_process.sh
#     BIN=/tmp/derive-old bench/whole_process.sh
#
# CALLGRIND=1 adds valgrind's instruction count of one run of each case, a figure that does not
# depend on what else the machine is doing (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-7}
CALLGRIND=${CALLGRIND:-0}
# BIN=path measures another build of derive (an older one, to compare on the same host).
if [[ -z ${BIN:-} ]]; then
    cargo build --release --quiet
    BIN=$PWD/target/release/derive
    BUILT="built at $(git rev-parse --short HEAD)"
else
    BUILT="given"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# `linear>tanh>` repeated R times, ending in `linear>identity`: 2R + 2 layers.
chain() { python3 -c "import sys; sys.stdout.write('linear>tanh>' * $1 + 'linear>identity\n')" > "$WORK/$2"; }
chain 1000 repeat1000.txt   # 2,002 layers
chain 10000 repeat10000.txt # 20,002 layers
chain 499 layers1000.txt    # 1,000 layers
chain 4999 layers10000.txt  # 10,000 layers: the longest chain accepted

# Times in microseconds from bash's own clock (EPOCHREALTIME), read without starting a process
# that would be timed too.

# measure NAME STDIN-FILE ARGS...: prints one row of the table and keeps the median for ratios.
declare -A MEDIAN
measure() {
    local name=$1 input=$2
    shift 2
    local times=() peak=0 code=0
    # Peak memory from one run under /usr/bin/time; the timed runs start the program itself,
    # so that the wrapper's own start-up is not counted.
    /usr/bin/time -f %M -o "$WORK/rss" "$BIN" "$@" < "$input" > /dev/null 2>&1 || true
    peak=$(tail -n 1 "$WORK/rss")
    for _ in $(seq "$RUNS"); do
        local start end
        start=${EPOCHREALTIME/./}
        set +e
        "$BIN" "$@" < "$input" > "$WORK/out" 2> "$WORK/err"
        code=$?
        set -e
        end=${EPOCHREALTIME/./}
        times+=($(( end - start )))
    done
    local sorted median fastest bytes ir="-"
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
    fastest=$(echo "$sorted" | head -n 1)
    bytes=$(wc -c < "$WORK/out")
    MEDIAN[$name]=$median
    if [[ $CALLGRIND == 1 ]]; then
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BIN" "$@" < "$input" \
            > /dev/null 2> "$WORK/cg" || true
        ir=$(grep -o 'refs: *[0-9,]*' "$WORK/cg" | tr -dc '0-9')
        ir=$(awk -v n="$ir" 'BEGIN {
            if (n >= 1e9) printf "%.3gG", n / 1e9; else printf "%.3gM", n / 1e6 }')
    fi
    printf '%-34s %9.1f %9.1f %8.1f %5s %11s %10s\n' "$name" \
        "$(echo "$median / 1000" | bc -l)" "$(echo "$fastest / 1000" | bc -l)" \
        "$(echo "$peak / 1024" | bc -l)" "$code" "$bytes" "$ir"
}

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GB"
echo "binary: $BIN ($BUILT); $RUNS runs per case"
echo
printf '%-34s %9s %9s %8s %5s %11s %10s\n' case "median ms" "min ms" "peak MB" exit "out bytes" instr
no_check="--no-check"
measure "1,000 x linear>tanh> --no-check" "$WORK/repeat1000.txt" - $no_check
measure "10,000 x linear>tanh> --no-check" "$WORK/repeat10000.txt" - $no_check
measure "1,000 layers --no-check" "$WORK/layers1000.txt" - $no_check
measure "10,000 layers --no-check" "$WORK/layers10000.txt" - $no_check
measure "10,000 layers --format json" "$WORK/layers10000.txt" - $no_check --format json
measure "10,000 x linear>tanh>, check" "$WORK/repeat10000.txt" -
measure "1,000 layers, check" "$WORK/layers1000.txt" -
measure "10,000 layers, check" "$WORK/layers10000.txt" -
measure "6 layers width 512, check" /dev/null \
    "linear>relu>linear>relu>linear>identity" --dims n=512,d1=512,d2=512,K=512
measure "6 layers width 512 tanh, check" /dev/null \
    "linear>tanh>linear>tanh>linear>identity" --dims n=512,d1=512,d2=512,K=512
echo
echo "growth 1,000 -> 10,000 x linear>tanh>, --no-check: $(echo "${MEDIAN["10,000 x linear>tanh> --no-check"]} / ${MEDIAN["1,000 x linear>tanh> --no-check"]}" | bc -l | cut -c1-5)x time for 10x layers"
echo "growth 1,000 -> 10,000 layers, --no-check: $(echo "${MEDIAN["10,000 layers --no-check"]} / ${MEDIAN["1,000 layers --no-check"]}" | bc -l | cut -c1-5)x"
echo "growth 1,000 -> 10,000 layers, check:      $(echo "${MEDIAN["10,000 layers, check"]} / ${MEDIAN["1,000 layers, check"]}" | bc -l | cut -c1-5)x"
echo "(exit 1 = check failed; exit 2 = refused)"
