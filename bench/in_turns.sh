#!/usr/bin/env bash
# Two builds of derive timed in turns on the same input, one run of each at a time, so that a
# change in the host's speed falls on both alike: median and fastest wall time of each.
#
#     bench/in_turns.sh OLD NEW INPUT RUNS [ARGS...]
#     bench/in_turns.sh /tmp/derive-old target/release/derive chain.txt 21 - --no-check
#
# INPUT is given on standard input (a spec read with `-`); the output goes to a file, as in
# bench/whole_process.sh.
set -euo pipefail

old=$1 new=$2 input=$3 runs=$4
shift 4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
old_times=() new_times=()
for _ in $(seq "$runs"); do
    # Microseconds from bash's own clock, read without starting a process.
    start=${EPOCHREALTIME/./}
    "$old" "$@" < "$input" > "$out" 2>&1 || true
    end=${EPOCHREALTIME/./}
    old_times+=($(( end - start )))
    start=${EPOCHREALTIME/./}
    "$new" "$@" < "$input" > "$out" 2>&1 || true
    end=${EPOCHREALTIME/./}
    new_times+=($(( end - start )))
done

summary() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        printf "median %.1f ms, fastest %.1f ms", v[int((NR + 1) / 2)] / 1000, v[1] / 1000 }'
}
echo "old ($old): $(summary "${old_times[@]}")"
echo "new ($new): $(summary "${new_times[@]}")"
