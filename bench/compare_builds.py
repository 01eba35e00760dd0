"""Two builds of derive run on the same cases, their outputs compared byte for byte.

Generates a fixed list of cases (every format, loss and reduction, widths, --batch, --compact,
--expand, --standalone, --no-check, --only, --at with valid and invalid point files, --dims,
--seed, every activation with its spellings and arguments, mixed chains of 1 to 12 layers,
error paths, and the 2,002- and 20,002-layer chains read from standard input), runs OLD and NEW
on each with the same arguments, standard input and working directory, and compares standard
output, standard error and the exit code. Each case that differs is printed with its command
line and a short unified diff of its first difference; the last line says "N cases, M differ".
Exit code 0 if none differ, 1 if some do, 2 on bad usage.

    bench/compare_builds.sh OLD NEW [--jobs 2] [--keep DIR] [--filter TEXT] [--list]
    bench/compare_builds.sh /tmp/derive-old target/release/derive

The layers, losses, formats, reductions and parts come from both builds' --help (a name that
only one of them lists is tried on both). Both builds run with argv[0] = "derive", since the
usage line of an error names the program as it was called. The cases are the same on every
run; only the --help texts of the two builds can change them.
"""

import argparse
import concurrent.futures
import contextlib
import difflib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

# What the script falls back to when a build's --help does not say (each is read from it first).
DEFAULT_LAYERS = [
    ("relu", False),
    ("leaky_relu", True),
    ("elu", True),
    ("sigmoid", False),
    ("tanh", False),
    ("softplus", False),
    ("silu", False),
    ("softmax", False),
    ("log_softmax", False),
    ("identity", False),
]
DEFAULT_ALIASES = ["LeakyReLU", "LogSoftmax"]
DEFAULT_LOSSES = ["mse", "bce", "ce", "nll"]
DEFAULT_TORCH_LOSSES = ["MSELoss", "BCELoss", "NLLLoss"]
DEFAULT_FORMATS = ["text", "latex", "markdown", "json"]
DEFAULT_REDUCTIONS = ["sum", "mean"]
DEFAULT_PARTS = ["network", "forward", "gradients", "jacobians", "closed", "values", "check"]

# Each loss with two specs it fits; a loss spelled otherwise (MSELoss, Bce) maps to its base.
SPECS_FOR_LOSS = {
    "mse": ["linear>relu>linear>identity", "linear>tanh>linear>identity"],
    "bce": ["linear>relu>linear>sigmoid", "linear>sigmoid>linear>sigmoid"],
    "ce": ["linear>relu>linear>softmax", "linear>tanh>linear>softmax"],
    "nll": ["linear>relu>linear>log_softmax", "linear>elu>linear>log_softmax"],
}
# The loss that fits a chain ending in this activation; mse for any other.
LOSS_FOR_LAST = {"sigmoid": "bce", "softmax": "ce", "log_softmax": "nll"}


class Case:
    def __init__(self, args, stdin=None):
        self.args = list(args)
        self.stdin = stdin  # a file in the working directory, or None for no input

    def key(self):
        return (tuple(self.args), self.stdin)

    def command(self):
        """The command line, to paste into bash in the working directory."""
        line = " ".join(["derive", *map(quote, self.args)])
        return line + (f" < {self.stdin}" if self.stdin else "")


def quote(arg):
    """An argument quoted for bash on one line: $'…' with escapes for one that holds a line
    break or another character that does not print."""
    if arg.isprintable():
        return shlex.quote(arg)
    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for c in arg:
        if c in escapes:
            out.append(escapes[c])
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}")
    return "$'" + "".join(out) + "'"


# ---------------------------------------------------------------------------------------------
# What the builds offer, read from --help.


def help_text(binary):
    result = subprocess.run(
        ["derive", "--help"], executable=binary, capture_output=True, timeout=60, check=False
    )
    # clap may wrap long lines at a terminal's width; one space between words throughout.
    return " ".join(result.stdout.decode("utf-8", "replace").split())


def read_help(text, warnings):
    """The layers (name, takes an argument), aliases, losses, formats, reductions and parts."""

    def found(what, value, default):
        if value:
            return value
        warnings.append(f"could not read the {what} from --help; using {default}")
        return default

    offered = {}
    m = re.search(r'for example "[^"]*": (.*?); any case', text)
    layers = []
    if m:
        for item in m.group(1).split(", "):
            name = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\()?", item.strip())
            if name and name.group(1) != "linear":
                layers.append((name.group(1), bool(name.group(2))))
    offered["layers"] = found("layers", layers, DEFAULT_LAYERS)
    m = re.search(r"PyTorch's spellings such as (.*?)(?:;|\. )", text)
    aliases = re.split(r", | and ", m.group(1)) if m else []
    offered["aliases"] = found("layer spellings", aliases, DEFAULT_ALIASES)
    m = re.search(r"--loss <LOSS> (.*?); any case", text)
    losses = re.findall(r"(\w+) \(", m.group(1)) if m else []
    offered["losses"] = found("losses", losses, DEFAULT_LOSSES)
    m = re.search(r"--loss <LOSS> .*?PyTorch's spellings (.*?), which", text)
    torch = re.findall(r"(\w+) \(", m.group(1)) if m else []
    offered["torch_losses"] = found("PyTorch losses", torch, DEFAULT_TORCH_LOSSES)
    m = re.search(r"--format <FORMAT> .*?\[possible values: (.*?)\]", text)
    formats = m.group(1).split(", ") if m else []
    offered["formats"] = found("formats", formats, DEFAULT_FORMATS)
    m = re.search(r"--reduction <REDUCTION> .*?Possible values: (.*?) --", text)
    reductions = re.findall(r"- (\w+):", m.group(1)) if m else []
    offered["reductions"] = found("reductions", reductions, DEFAULT_REDUCTIONS)
    m = re.search(r"--only <PARTS> [^:]*: (.*?), separated by commas", text)
    parts = [p.split()[0] for p in m.group(1).split(", ")] if m else []
    offered["parts"] = found("parts", parts, DEFAULT_PARTS)
    offered["seed"] = "--seed" in text
    return offered


def union(first, second):
    out = list(first)
    out.extend(x for x in second if x not in out)
    return out


# ---------------------------------------------------------------------------------------------
# Point files for --at.

TINY = {"x": [2], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [2]}


def dumps(point):
    return json.dumps(point)


def made_point(rng, sizes, target, samples=None):
    """A point for a chain of len(sizes) - 1 linear layers with these sizes (n first, K last):
    x, y, W1, b1, … drawn from rng, rounded to three decimals; with samples, x and y hold one
    list per sample. target: "real", "unit" (bce, in [0, 1]) or "distribution" (ce, nll)."""

    def value(scale=1.0):
        return round((2 * rng.random() - 1) * scale, 3)

    def target_row(k):
        if target == "unit":
            return [round(rng.random(), 3) for _ in range(k)]
        if target == "distribution":
            # Quarters and halves, exact in binary, summing to exactly 1.
            row = [0.0] * k
            for _ in range(4):
                row[int(rng.random() * k)] += 0.25
            return row
        return [value() for _ in range(k)]

    n, k = sizes[0], sizes[-1]
    point = {}
    if samples is None:
        point["x"] = [value() for _ in range(n)]
        point["y"] = target_row(k)
    else:
        point["x"] = [[value() for _ in range(n)] for _ in range(samples)]
        point["y"] = [target_row(k) for _ in range(samples)]
    for i in range(1, len(sizes)):
        point[f"W{i}"] = [[value(0.8) for _ in range(sizes[i - 1])] for _ in range(sizes[i])]
        point[f"b{i}"] = [value(0.5) for _ in range(sizes[i])]
    return point


def point_files():
    """(file name, contents, spec, extra arguments) of the valid points, and (file name,
    contents, spec) of the invalid ones; contents None for a file not written."""
    rng = random.Random(1454)
    kink = {
        "x": [0.1, 0.2],
        "y": [0.5, 0.5],
        "W1": [[1, 1], [0, 1]],
        "b1": [-0.3, 0],
    }
    valid = [
        ("tiny.json", dumps(TINY), "linear>relu>linear>identity", []),
        (
            "thirds.json",
            (
                '{"x": [0.1, 0.2], "W1": [[0.3, 1e-7], [3.0000000000000004, -2]], '
                '"b1": [0.7, 0.1], "W2": [[1, 1]], "b2": [0], "y": [0.1]}'
            ),
            "linear>tanh>linear>identity",
            [],
        ),
        (
            "batch.json",
            (
                '{"x": [[2], [3]], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], '
                '"y": [[2], [0]]}'
            ),
            "linear>relu>linear>identity",
            ["--batch"],
        ),
        ("rounding-softmax.json", dumps(kink), "linear>softmax", ["--loss", "ce"]),
        (
            "beside-a-kink.json",
            dumps(dict(kink, W2=[[1, 0], [0, 1]], b2=[0, 0])),
            "linear>relu>linear>identity",
            [],
        ),
        ("bom.json", "\ufeff" + dumps(TINY), "linear>relu>linear>identity", []),
        (
            "tanh3.json",
            dumps(made_point(rng, [3, 4, 3, 2], "real")),
            "linear>tanh>linear>tanh>linear>identity",
            [],
        ),
        (
            "sigmoid-bce.json",
            dumps(made_point(rng, [2, 3, 2], "unit")),
            "linear>sigmoid>linear>sigmoid",
            ["--loss", "bce"],
        ),
        (
            "softmax-ce.json",
            dumps(made_point(rng, [3, 4, 3], "distribution")),
            "linear>relu>linear>softmax",
            ["--loss", "ce"],
        ),
        (
            "log-softmax-nll.json",
            dumps(made_point(rng, [2, 3, 3], "distribution")),
            "linear>elu>linear>log_softmax",
            ["--loss", "nll", "--reduction", "mean"],
        ),
        (
            "silu-batch.json",
            dumps(made_point(rng, [2, 3, 2], "real", samples=3)),
            "linear>silu>linear>identity",
            ["--batch"],
        ),
        (
            "leaky-bce-batch.json",
            dumps(made_point(rng, [3, 2, 2], "unit", samples=4)),
            "linear>leaky_relu(0.1)>linear>sigmoid",
            ["--batch", "--loss", "BCELoss"],
        ),
        (
            "softplus.json",
            dumps(made_point(rng, [2, 2], "real")),
            "linear>softplus",
            ["--reduction", "mean"],
        ),
        (
            "deep.json",
            dumps(made_point(rng, [2, 3, 3, 3, 2], "real")),
            "linear>tanh>linear>sigmoid>linear>elu(0.5)>linear>identity",
            [],
        ),
    ]
    good = dumps(TINY)
    relu = "linear>relu>linear>identity"
    invalid = [
        ("not-json.json", '{"x": [2],', relu),
        ("array.json", "[1, 2]", relu),
        ("null.json", "null", relu),
        ("empty-file.json", "", relu),
        ("missing.json", good.replace(', "b2": [1]', ""), relu),
        ("unknown.json", good.replace('"b2"', '"b3"'), relu),
        ("twice.json", good.replace('"y": [2]}', '"y": [2], "y": [2]}'), relu),
        (
            "ragged.json",
            good.replace('"x": [2]', '"x": [2, 1]').replace("[[0.5]]", "[[0.5, 1], [2]]"),
            relu,
        ),
        ("disagree.json", good.replace('"x": [2]', '"x": [2, 3]'), relu),
        ("nan.json", good.replace("[-0.5]", '["NaN"]'), relu),
        ("infinite.json", good.replace("[-0.5]", "[1e999]"), relu),
        ("too-small.json", good.replace("[-0.5]", "[2e-400]"), relu),
        ("string.json", good.replace("[2]}", '"2"}'), relu),
        ("matrix-as-list.json", good.replace("[[3]]", "[3]"), relu),
        ("vector-as-matrix.json", good.replace("[-0.5]", "[[-0.5]]"), relu),
        ("empty.json", good.replace("[2]}", "[]}"), relu),
        ("bce-outside.json", good, "linear>relu>linear>sigmoid --loss bce"),
        (
            "not-a-distribution.json",
            dumps(dict(TINY, W2=[[3], [1]], b2=[1, 0], y=[0.5, 0.7])),
            "linear>relu>linear>softmax --loss ce",
        ),
        ("tiny.json", None, "linear>relu>linear>relu>linear>identity"),
        ("tiny.json", None, "linear>relu>linear>identity --batch"),
        ("batch.json", None, "linear>relu>linear>identity"),
        ("nonexistent.json", None, relu),
        ("", None, relu),
    ]
    return valid, invalid


# ---------------------------------------------------------------------------------------------
# The cases.


def chain_text(repeats, tail="linear>identity"):
    return "linear>tanh>" * repeats + tail + "\n"


def spelled(name, how):
    """The name in capitals, capitalized, or in alternating case (relu: rElU)."""
    if how == "upper":
        return name.upper()
    if how == "capital":
        return name.capitalize()
    return "".join(c.upper() if i % 2 else c.lower() for i, c in enumerate(name))


def mixed_chain(rng, depth, layers, aliases, losses):
    """A chain of `depth` layers, mostly linear and activations in turn, at times two of a kind
    in a row, with arguments and other spellings now and then; and the loss that fits its end
    (or, one time in six, another)."""

    def pick(items):
        return items[int(rng.random() * len(items))]

    names, last = [], None
    for i in range(depth):
        want_linear = i % 2 == 0
        if rng.random() < 0.15:
            want_linear = not want_linear
        if want_linear:
            layer, last = pick(["linear", "linear", "Linear"]), "linear"
        else:
            name, takes = pick(layers)
            last, layer = name, name
            r = rng.random()
            if takes and r < 0.5:
                layer += "(" + pick(["0.1", "0.2", "0.5", "1.5", "-0.3", "1e-2", ""]) + ")"
            elif r > 0.85:
                # A PyTorch spelling of this layer if there is one, else another case.
                same = [a for a in aliases if a.lower() == name.replace("_", "")]
                layer = pick(same or [spelled(name, "capital"), spelled(name, "upper")])
        names.append(layer)
    joiner = " > " if rng.random() < 0.2 else ">"
    loss = LOSS_FOR_LAST.get(last, "mse")
    if rng.random() < 1 / 6:
        loss = pick(losses)
    return joiner.join(names), loss


def generate(offered, workdir):
    """The cases, and the files they read written into workdir."""
    layers = offered["layers"]
    formats = offered["formats"]
    reductions = offered["reductions"]
    parts = offered["parts"]
    act_names = [name for name, _ in layers]
    with_argument = [name for name, takes in layers if takes]
    cases = []

    def add(*args, stdin=None):
        cases.append(Case(args, stdin))

    def base_loss(loss):
        return loss.lower().removesuffix("loss")

    # Every loss, its spellings and reductions, in every format, with and without the check.
    losses = list(offered["losses"]) + list(offered["torch_losses"])
    losses += [offered["losses"][0].upper(), offered["losses"][1].capitalize()]
    losses += [offered["torch_losses"][0].lower()]
    for loss in losses:
        specs = SPECS_FOR_LOSS.get(base_loss(loss), SPECS_FOR_LOSS["mse"])
        for i, spec in enumerate(specs):
            for fmt in formats:
                for reduction in [None] + reductions:
                    red = ["--reduction", reduction] if reduction else []
                    add(spec, "--loss", loss, "--format", fmt, *red)
                    if i == 0:
                        add(spec, "--loss", loss, "--format", fmt, *red, "--no-check")
    # Losses on chains they do not fit (warnings and refusals).
    for loss in offered["losses"]:
        for last in ["identity", "relu", "sigmoid", "softmax", "log_softmax"]:
            for fmt in ["text", "json"]:
                add(f"linear>tanh>linear>{last}", "--loss", loss, "--format", fmt)
    for loss in ["CrossEntropyLoss", "BCEWithLogitsLoss", "mae", "L1Loss", "foo", ""]:
        add("linear>relu>linear>softmax", "--loss", loss)

    # Mini-batches: every loss, format and reduction; with --compact and --expand.
    for loss in losses:
        spec = SPECS_FOR_LOSS.get(base_loss(loss), SPECS_FOR_LOSS["mse"])[0]
        for fmt in formats:
            add(spec, "--loss", loss, "--batch", "--format", fmt)
            add(spec, "--loss", loss, "--batch", "--format", fmt, "--reduction", "mean")
    for spec in ["linear>tanh>linear>tanh>linear>identity", "linear>relu>" * 4 + "linear>softmax"]:
        for mode in ["--compact", "--expand"]:
            for fmt in formats:
                add(
                    spec,
                    "--batch",
                    mode,
                    "--format",
                    fmt,
                    "--loss",
                    "ce" if spec.endswith("softmax") else "mse",
                )

    # Widths, in every format, by default and with --compact and --expand.
    width_specs = [
        ("linear>relu>linear>identity", "mse"),
        ("linear>sigmoid>linear>sigmoid", "bce"),
        ("linear>tanh>linear>softplus>linear>silu>linear>softmax", "ce"),
    ]
    for width in ["40", "41", "60", "80", "100", "160", "200"]:
        for spec, loss in width_specs:
            for mode in [[], ["--compact"], ["--expand"]]:
                for fmt in formats:
                    if fmt == "json" and width not in ("40", "160"):
                        continue
                    add(spec, "--loss", loss, "--width", width, "--format", fmt, *mode)
    for width in ["39", "0", "-5", "abc", "", "100000", "18446744073709551616"]:
        add("linear>relu>linear>identity", "--width", width)

    # LaTeX documents.
    for spec, loss in width_specs + [("linear>elu(0.5)>linear>log_softmax", "nll")]:
        for extra in [
            [],
            ["--width", "40"],
            ["--width", "160"],
            ["--batch"],
            ["--compact"],
            ["--expand"],
            ["--no-check"],
        ]:
            add(spec, "--loss", loss, "--format", "latex", "--standalone", *extra)
    for fmt in formats:
        if fmt != "latex":
            add("linear>relu>linear>identity", "--format", fmt, "--standalone")

    # --only: each part alone and some together, in every format.
    combos = [
        ",".join(parts),
        "network,forward",
        "gradients,closed",
        "jacobians,check",
        "closed,network",
        "forward,gradients,jacobians,closed",
        "check,check",
        " gradients , closed ",
        "",
        "foo",
        "network,",
    ]
    for part in parts + combos:
        for fmt in formats:
            add("linear>relu>linear>identity", "--only", part, "--format", fmt)
    for part in ["check", "gradients,check", "network"]:
        add("linear>relu>linear>identity", "--only", part, "--no-check")
        add("linear>sigmoid>linear>sigmoid", "--loss", "bce", "--only", part, "--batch")
    for part in parts + ["values,check", "gradients,values"]:
        for fmt in ["text", "json"]:
            add(
                "linear>relu>linear>identity",
                "--only",
                part,
                "--at",
                "points/tiny.json",
                "--format",
                fmt,
            )
    add("linear>relu>linear>identity", "--only", "values", "--batch", "--at", "points/batch.json")
    add("linear>tanh>" * 5 + "linear>identity", "--only", "closed,check", "--compact")

    # --at: valid points in every format, with and without the check; invalid ones.
    valid, invalid = point_files()
    os.makedirs(os.path.join(workdir, "points"), exist_ok=True)
    for name, contents, *_ in valid + invalid:
        if contents is not None:
            with open(os.path.join(workdir, "points", name), "w", encoding="utf-8") as f:
                f.write(contents)
    for name, _, spec, extra in valid:
        at = ["--at", f"points/{name}"]
        for fmt in formats:
            add(spec, *extra, *at, "--format", fmt)
        for fmt in ["text", "json"]:
            add(spec, *extra, *at, "--format", fmt, "--no-check")
        add(spec, *extra, *at, "--only", "values")
        add(spec, *extra, *at, "--compact", "--width", "60")
    add("linear>relu>linear>identity", "--at", "points/tiny.json", "--dims", "n=3,d=4,K=2")
    add("linear>relu>linear>identity", "--at", "points/tiny.json", "--seed", "7")
    for name, _, spec in invalid:
        words = spec.split()
        path = f"points/{name}" if name else "points"
        for fmt in ["text", "json"]:
            add(words[0], *words[1:], "--at", path, "--format", fmt)
    add("linear>relu>linear>identity", "--at")

    # --dims, good and bad.
    dims_specs = ["linear>relu>linear>identity", "linear>tanh>linear>tanh>linear>softmax"]
    for dims in [
        "n=3,d=4,K=2",
        "n=1,d=1,K=1",
        "n=5,d=2,K=3",
        "K=4",
        "n=16,d=16,K=16",
        "n=2,d1=3,d2=4,K=2",
        "N=5",
    ]:
        for spec in dims_specs:
            for fmt in ["text", "json"]:
                add(
                    spec,
                    "--dims",
                    dims,
                    "--format",
                    fmt,
                    *(["--loss", "ce"] if spec.endswith("softmax") else []),
                )
    add("linear>relu>linear>identity", "--dims", "N=3", "--batch")
    for dims in [
        "n=0",
        "x=3",
        "n=3,n=4",
        "",
        "n=abc",
        "n=3;K=2",
        "d1=3",
        "n=-1",
        "n3",
        "n=100000000",
    ]:
        add("linear>relu>linear>identity", "--dims", dims)

    # --seed.
    if offered["seed"]:
        for seed in ["0", "1", "7", "42", "12345", "18446744073709551615"]:
            for spec in ["linear>relu>linear>identity", "linear>leaky_relu>linear>sigmoid"]:
                for fmt in ["text", "json"]:
                    add(spec, "--seed", seed, "--format", fmt)
        for seed in ["-1", "x", "18446744073709551616", ""]:
            add("linear>relu>linear>identity", "--seed", seed)

    # Every activation: alone, at the end, inside, twice; in every format; in other spellings;
    # with arguments; on a mini-batch.
    for name in act_names:
        loss = LOSS_FOR_LAST.get(name, "mse")
        shapes = [
            name,
            f"linear>{name}",
            f"linear>{name}>linear>identity",
            f"linear>{name}>linear>{name}",
        ]
        for spec in shapes:
            for fmt in formats:
                add(spec, "--loss", loss if spec.endswith(name) else "mse", "--format", fmt)
        for how in ["upper", "capital", "alternating"]:
            add(f"linear>{spelled(name, how)}>linear>identity")
        for fmt in ["text", "json"]:
            add(f"linear>{name}>linear>{name}", "--loss", loss, "--batch", "--format", fmt)
    for alias in offered["aliases"]:
        add(f"linear>{alias}>linear>identity")
        add(f"linear>{alias.lower()}>linear>identity", "--format", "json")
    for name in with_argument:
        for arg in [
            "",
            "0.1",
            "0.5",
            "1",
            "2.5",
            "-0.2",
            "0",
            "1e-3",
            "+0.25",
            ".5",
            "5.",
            "1E2",
            " 0.3 ",
        ]:
            for fmt in ["text", "json"]:
                add(f"linear>{name}({arg})>linear>identity", "--format", fmt)
        for arg in [
            "0.1,0.2",
            "abc",
            "1e999",
            "-1e999",
            "nan",
            "inf",
            ",",
            "--1",
            "1e",
            "0x10",
            "0.1,",
        ]:
            add(f"linear>{name}({arg})>linear>identity")
        add(f"linear>{name}(0.1>linear>identity")
        add(f"linear>{name}0.1)>linear>identity")
    for name in [n for n in act_names if n not in with_argument][:3] + ["linear"]:
        add(f"linear>{name}(0.1)>linear>identity")
        add(f"linear>{name}()>linear>identity")

    # Chains of 1 to 12 layers, mixed.
    rng = random.Random(12)
    modes = [[], ["--compact"], ["--expand"], ["--batch"], ["--no-check"], ["--reduction", "mean"]]
    for depth in range(1, 13):
        for variant in range(8):
            spec, loss = mixed_chain(rng, depth, layers, offered["aliases"], offered["losses"])
            fmt = formats[(depth + variant) % len(formats)]
            add(spec, "--loss", loss)
            add(spec, "--loss", loss, "--format", fmt, *modes[(depth * 8 + variant) % len(modes)])

    # Bad specs and bad flags.
    bad_specs = [
        "",
        " ",
        "\t",
        ">",
        "linear>",
        ">linear",
        "linear>>relu",
        "linear>relux",
        "linaer",
        "relu_",
        "linear>relu(",
        "linear>relu()",
        "linear>tanh)",
        "linear relu",
        "linear>relu linear",
        "linear>relu>linear>identity>",
        "linear>rélu",
        "linear>1relu",
        "linear>ReLU6",
        "linear>gelu",
        "linear>dropout",
        "linear>softmax>softmax",
        "linear,relu",
        "linear->relu",
        "linear→relu",
        "linear\u00a0>relu",
        "linear\n>\nrelu",
        "LINEAR>RELU>LINEAR>IDENTITY",
        "x" * 300,
        "linear>" * 3 + "(",
        "linear>relu>linear>sigmod",
        "linear>log-softmax",
        "linear>soft_max",
        "linear>leakyrelu(0.2)",
        "linear>LeakyReLU(0.2)",
        "linear # comment",
        "linear>relu;",
        "'linear'",
    ]
    for spec in bad_specs:
        add(spec)
    add("linear>relux", "--format", "json")
    add("linear>>relu", "--format", "latex")
    flag_cases = [
        ["--bogus"],
        ["--loss"],
        ["--reduction", "avg"],
        ["--reduction", "MEAN"],
        ["--reduction"],
        ["--format", "html"],
        ["--format", "JSON"],
        ["--format"],
        ["--compact", "--expand"],
        ["--batch", "--batch"],
        ["--no-check", "--no-check"],
        ["--width", "80", "--width", "60"],
        ["--only"],
        ["--dims"],
        ["-x"],
        ["--format=json"],
        ["--width=60"],
        ["--no-check=yes"],
        ["extra"],
        ["--", "extra"],
    ]
    for flags in flag_cases:
        add("linear>relu>linear>identity", *flags)
    for args in [
        [],
        ["--help"],
        ["-h"],
        ["--version"],
        ["-V"],
        ["--loss", "mse"],
        ["--", "-x"],
        ["help"],
    ]:
        add(*args)

    # Specs on standard input.
    os.makedirs(os.path.join(workdir, "input"), exist_ok=True)

    def stdin_file(name, text):
        with open(os.path.join(workdir, "input", name), "w", encoding="utf-8") as f:
            f.write(text)
        return f"input/{name}"

    small = stdin_file("small.txt", "linear>relu>linear>identity\n")
    lines = stdin_file("lines.txt", "linear\n>relu\n>linear\n>identity\n")
    empty = stdin_file("empty.txt", "")
    blank = stdin_file("blank.txt", "\n\n  \n")
    unknown = stdin_file("unknown.txt", "linear>tanh>\nlinear>tahn>linear>identity\n")
    for name in [small, lines, empty, blank, unknown]:
        add("-", stdin=name)
    add("-", "--format", "json", stdin=small)
    add("-", "--loss", "bce", stdin=small)
    add("linear", stdin=small)

    # Deep chains: `linear>tanh>` n/2 - 1 times, then `linear>identity`; the layer limit.
    chain2002 = stdin_file("chain-2002.txt", chain_text(1000))
    chain20002 = stdin_file("chain-20002.txt", chain_text(10000))
    for fmt in formats:
        add("-", "--format", fmt, stdin=chain2002)
        add("-", "--format", fmt, "--no-check", stdin=chain2002)
    for fmt in ["text", "json"]:
        add("-", "--format", fmt, stdin=chain20002)
        add("-", "--format", fmt, "--no-check", stdin=chain20002)
    add(
        "-",
        "--expand",
        "--no-check",
        "--only",
        "closed",
        stdin=stdin_file("chain-202.txt", chain_text(100)),
    )
    add("-", "--batch", "--no-check", stdin=chain2002)
    limit = stdin_file("chain-25000.txt", chain_text(12499))
    over = stdin_file("chain-25001.txt", chain_text(12499, "linear>identity>tanh"))
    add("-", "--no-check", stdin=limit)
    add("-", "--no-check", stdin=over)
    mixed = ">".join(
        "linear" if i % 2 == 0 else act_names[(i // 2) % len(act_names)] for i in range(2000)
    )
    mixed_file = stdin_file("mixed-2000.txt", mixed + "\n")
    for fmt in ["text", "json"]:
        add("-", "--format", fmt, stdin=mixed_file)
        add("-", "--format", fmt, "--no-check", stdin=mixed_file)
    huge = stdin_file("over-4MiB.txt", "linear" + " " * (4 << 20) + "\n")
    add("-", stdin=huge)

    # One of each case, in the order first given.
    seen, unique = set(), []
    for case in cases:
        if case.key() not in seen:
            seen.add(case.key())
            unique.append(case)
    return unique


# ---------------------------------------------------------------------------------------------
# Running and comparing.


def run(binary, case, workdir, timeout):
    """Standard output, standard error and the exit code (as text) of one build on one case."""
    with contextlib.ExitStack() as stack:
        stdin = subprocess.DEVNULL
        if case.stdin:
            stdin = stack.enter_context(open(os.path.join(workdir, case.stdin), "rb"))
        try:
            result = subprocess.run(
                ["derive", *case.args],
                executable=binary,
                stdin=stdin,
                capture_output=True,
                cwd=workdir,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as e:
            return e.stdout or b"", e.stderr or b"", f"timed out after {timeout:g} s"
        return result.stdout, result.stderr, str(result.returncode)


def split_lines(data):
    """The lines of an output, each with its line break (the last one may have none), as
    text; bytes that are not UTF-8 are shown as escapes, so that they still differ."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [line.decode("utf-8", "backslashreplace") for line in lines]


def first_differing_byte(a, b):
    n, k, block = min(len(a), len(b)), 0, 1 << 16
    while k < n and a[k : k + block] == b[k : k + block]:
        k += block
    return min(n, k + len(os.path.commonprefix([a[k : k + block], b[k : k + block]])))


def shorten(line, width, start=0):
    """A line for the diff: from `start` (after an ellipsis), at most `width` columns, marked
    when it has no line break."""
    text = line.removesuffix("\n")
    if start > 0:
        text = "…" + text[start:]
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text if line.endswith("\n") else text + "  (no line break at the end)"


def first_difference(name, old, new, max_lines, width):
    """A unified diff of the first difference between two outputs, at most max_lines lines."""
    a, b = split_lines(old), split_lines(new)
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    start = 0
    if i < len(a) and i < len(b):
        common = len(os.path.commonprefix([a[i], b[i]]))
        # A long line is shown from a little before its first differing character.
        if common > width * 2 // 3:
            start = common - width // 3
        note = f"first difference on line {i + 1}"
    else:
        shorter, longer = ("old", "new") if len(a) < len(b) else ("new", "old")
        note = f"{shorter} ends after line {i}, {longer} goes on"
    lo, hi = max(0, i - 2), i + max_lines
    a_win = [shorten(x, width, start if lo + j == i else 0) for j, x in enumerate(a[lo:hi])]
    b_win = [shorten(x, width, start if lo + j == i else 0) for j, x in enumerate(b[lo:hi])]
    byte = first_differing_byte(old, new)
    out = [f"  {name}: {note}, byte {byte} ({len(old)} and {len(new)} bytes)"]
    diff = difflib.unified_diff(a_win, b_win, f"old {name}", f"new {name}", n=2, lineterm="")
    for line in diff:
        m = re.match(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", line)
        if m:
            line = (
                f"@@ -{int(m.group(1)) + lo}{m.group(2) or ''} "
                f"+{int(m.group(3)) + lo}{m.group(4) or ''} @@"
            )
        out.append("    " + line)
        if len(out) > max_lines:
            out.append("    …")
            break
    return out


def compare(task):
    number, case, old, new, workdir, options = task
    results = [run(binary, case, workdir, options.timeout) for binary in (old, new)]
    (o_out, o_err, o_rc), (n_out, n_err, n_rc) = results
    if (o_out, o_err, o_rc) == (n_out, n_err, n_rc):
        return number, case, None
    report = []
    if o_rc != n_rc:
        report.append(f"  exit code: old {o_rc}, new {n_rc}")
    for name, a, b in [("stdout", o_out, n_out), ("stderr", o_err, n_err)]:
        if a != b:
            report += first_difference(name, a, b, options.diff_lines, options.diff_width)
    if options.keep:
        where = os.path.join(workdir, "differ", f"{number:04d}")
        os.makedirs(where, exist_ok=True)
        for who, (out, err, rc) in zip(["old", "new"], results):
            for ext, data in [("stdout", out), ("stderr", err), ("code", rc.encode() + b"\n")]:
                with open(os.path.join(where, f"{who}.{ext}"), "wb") as f:
                    f.write(data)
        report.append(f"  outputs kept in {where}")
    return number, case, report


def executable(path):
    found = shutil.which(path) if os.sep not in path else path
    if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
        print(f"compare_builds: {path} is not an executable file", file=sys.stderr)
        sys.exit(2)
    return os.path.abspath(found)


def main():
    parser = argparse.ArgumentParser(
        description="Compare two builds of derive case by case, byte for byte."
    )
    parser.add_argument("old", help="the reference build")
    parser.add_argument("new", help="the build to compare with it")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep the point files, inputs and the outputs of every case that "
        "differs in DIR (cases.txt lists all cases)",
    )
    parser.add_argument(
        "--filter", metavar="TEXT", help="run only the cases whose command line contains TEXT"
    )
    parser.add_argument("--list", action="store_true", help="print the cases and stop")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run")
    parser.add_argument("--diff-lines", type=int, default=16, help="lines of diff per stream")
    parser.add_argument("--diff-width", type=int, default=160, help="columns of a diff line")
    options = parser.parse_args()
    if options.jobs < 1:
        parser.error("--jobs must be at least 1")
    old, new = executable(options.old), executable(options.new)

    warnings = []
    old_help = read_help(help_text(old), warnings)
    new_help = read_help(help_text(new), warnings)
    offered = {
        key: (
            union(old_help[key], new_help[key])
            if isinstance(old_help[key], list)
            else old_help[key] or new_help[key]
        )
        for key in old_help
    }
    for warning in dict.fromkeys(warnings):
        print(f"compare_builds: {warning}", file=sys.stderr)

    if options.keep:
        workdir = os.path.abspath(options.keep)
        os.makedirs(workdir, exist_ok=True)
        shutil.rmtree(os.path.join(workdir, "differ"), ignore_errors=True)
    else:
        workdir = tempfile.mkdtemp(prefix="compare_builds.")
    try:
        cases = generate(offered, workdir)
        numbered = [(i + 1, case) for i, case in enumerate(cases)]
        if options.filter:
            numbered = [(i, c) for i, c in numbered if options.filter in c.command()]
        if options.keep:
            with open(os.path.join(workdir, "cases.txt"), "w", encoding="utf-8") as f:
                f.writelines(f"{i:04d}  {c.command()!r}\n" for i, c in numbered)
        if options.list:
            for i, case in numbered:
                print(f"{i:4d}  {case.command()}")
            print(f"{len(numbered)} cases")
            return 0
        layers = ", ".join(name for name, _ in offered["layers"])
        print(
            f"{len(numbered)} cases (layers: {layers}; formats: "
            f"{', '.join(offered['formats'])}), {options.jobs} at a time, "
            f"in {workdir}\n  old: {old}\n  new: {new}",
            flush=True,
        )
        started = time.monotonic()
        differ = 0
        tasks = [(i, c, old, new, workdir, options) for i, c in numbered]
        with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
            for number, case, report in pool.map(compare, tasks):
                if report is None:
                    continue
                differ += 1
                print(f"case {number} differs: {case.command()}")
                print("\n".join(report), flush=True)
        elapsed = time.monotonic() - started
        print(f"{len(numbered)} cases, {differ} differ ({elapsed:.1f} s)")
        return 1 if differ else 0
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
