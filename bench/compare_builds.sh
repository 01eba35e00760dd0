#!/usr/bin/env bash
# Two builds of derive compared case by case: about 1,600 cases (every format, loss and
# reduction, widths, --batch, --compact, --expand, --standalone, --no-check, --only, --at with
# valid and invalid point files, --dims, --seed, every activation, mixed chains of 1 to 12
# layers, bad specs and flags, and the 2,002- and 20,002-layer chains on standard input), each
# run by both builds with the same arguments; standard output, standard error and the exit code
# must agree byte for byte. Prints each case that differs, with a short diff of its first
# difference, then "N cases, M differ"; exits 1 if any differ. Takes about half a minute.
#
#     bench/compare_builds.sh OLD NEW [--jobs N] [--keep DIR] [--filter TEXT] [--list]
#     bench/compare_builds.sh /tmp/derive-old target/release/derive
#
# --jobs: cases run at once (default 2, one per core of this host); --keep DIR: keep the point
# files, inputs and the outputs of every differing case in DIR; --filter TEXT: only the cases
# whose command line contains TEXT; --list: print the cases without running them. The cases are
# made by bench/compare_builds.py (Python 3, standard library only).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 OLD NEW [--jobs N] [--keep DIR] [--filter TEXT] [--list]" >&2
    exit 2
fi
exec python3 "$(dirname "$0")/compare_builds.py" "$@"
