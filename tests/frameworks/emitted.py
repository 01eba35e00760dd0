"""Runs the self-test of every module derive --emit wrote into a directory, in this one process.

Usage: python emitted.py DIR

Each module is imported with importlib and its self_test() called (its printed line kept
quiet). A module whose name starts with planted_ has a mistake planted in its backward pass
and must fail (return 1); every other module must pass (return 0). Exits 1 if any does not.
"""

import contextlib
import importlib.util
import io
import sys
from pathlib import Path


def run(path):
    """The self-test's exit status and what it printed, or 2 and the error it raised."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            spec.loader.exec_module(module)
            status = module.self_test()
    except Exception as error:  # a module that cannot run fails, with its error shown
        return 2, f"{type(error).__name__}: {error}"
    return status, printed.getvalue().strip()


def main(directory):
    paths = sorted(Path(directory).glob("*.py"))
    wrong = []
    for path in paths:
        status, printed = run(path)
        expected = 1 if path.stem.startswith("planted_") else 0
        if status != expected:
            wrong.append(f"{path.name}: self_test gave {status}, expected {expected}: {printed}")
    for line in wrong:
        print(line)
    print(f"{len(paths)} modules, {len(wrong)} not as expected")
    return 1 if wrong or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
