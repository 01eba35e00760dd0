#!/usr/bin/env bash
# The Python package's tests, as a user gets the package: builds the wheel with maturin, installs
# it into a virtual environment kept under ~/.cache (keyed by requirements-test.txt, so later
# runs reuse it), runs pytest there (the API, errors, values against jax.grad, a notebook
# executed by a real kernel), and installs the same wheel into a fresh virtual environment,
# with no Rust in sight, to import it there.
set -euo pipefail
cd "$(dirname "$0")"

key=$(sha256sum requirements-test.txt | cut -c1-16)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/derive-python/test-$key"
if [[ ! -x "$venv/bin/pytest" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r requirements-test.txt
fi

rm -rf target/wheels
"$venv/bin/maturin" build --release --quiet
wheel=$(ls target/wheels/*.whl)
"$venv/bin/pip" install -q --force-reinstall --no-deps "$wheel"
"$venv/bin/ruff" check tests derive.pyi
"$venv/bin/python" -m pytest -q tests

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
python3 -m venv "$fresh/venv"
"$fresh/venv/bin/pip" install -q "$wheel"
(cd "$fresh" && "$fresh/venv/bin/python" -c '
import derive
d = derive.derive("linear>relu>linear>identity", loss="mse")
assert d.check().passed, d.check()
print("the wheel installs and derives in a fresh environment:", d)
')
