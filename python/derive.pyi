"""Symbolic gradients of small neural networks, derived as a deep-learning course asks for them,
simplified, and checked numerically."""

from collections.abc import Mapping, Sequence
from typing import Any

class SpecError(ValueError):
    """The spec does not parse or names an unknown layer."""

    line: int
    """The line of the offending text, from 1."""
    column: int
    """The column of the offending text, from 1."""
    expected: str
    """What would have been right there."""

class Row:
    """One row of the numeric check."""

    quantity: str
    """What was checked, as printed: ``∂ℓ/∂W⁽¹⁾``."""
    form: str
    """``chain rule``, ``closed form``, ``as defined`` or ``simplified``."""
    compared: str
    """How: ``every entry``, ``3 directions`` or ``= chain rule``."""
    error: float
    """The relative error against central differences."""
    passed: bool

class Report:
    """The numeric check's report."""

    passed: bool
    """Whether every row is within tolerance."""
    verdict: str
    """``PASS``, ``FAIL`` or ``UNCHECKED``, as the command prints it."""
    tolerance: float
    rows: list[Row]

class Derivation:
    """Every Jacobian, backpropagated row and gradient of a network's loss."""

    def text(self, only: Sequence[str] | None = None) -> str:
        """The derivation as the command prints it; ``only`` takes the names of ``--only``."""
    def latex(self, only: Sequence[str] | None = None, standalone: bool = False) -> str:
        """LaTeX: a fragment, or with ``standalone`` a whole document for pdflatex."""
    def markdown(self, only: Sequence[str] | None = None) -> str:
        """GitHub-flavoured Markdown."""
    def html(self, only: Sequence[str] | None = None) -> str:
        """One self-contained HTML page, the formulas in MathML."""
    def json(self, only: Sequence[str] | None = None) -> dict[str, Any]:
        """The command's JSON (schema derive/1), as a dict."""
    def check(self) -> Report:
        """The numeric check at the random point drawn from the seed."""
    def evaluate(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """ℓ and every gradient at a point keyed as ``--at`` files are (x, y, W1, b1, …):
        ``{"loss": float, "gradients": {"W1": ndarray, …}}``."""
    def _repr_html_(self) -> str: ...
    def _repr_markdown_(self) -> str: ...
    def _repr_latex_(self) -> str: ...

def derive(
    spec: str,
    loss: str | None = None,
    *,
    reduction: str | None = None,
    batch: bool = False,
    weight_decay: float | None = None,
    expand: bool | None = None,
    dims: str | None = None,
    seed: int = 0,
    width: int = 100,
    convention: str = "columns",
    layout: str = "numerator",
) -> Derivation:
    """Derives a network's loss. ``spec`` is the command's chain, ``"linear>relu>linear>identity"``,
    or model; the keyword arguments are its options. ``loss`` is ``"mse"`` when not given, and is
    not given for a model that writes its objective as ``loss = …``; ``expand=False`` is
    ``--compact``; ``convention`` is ``"columns"``, ``"pytorch"`` or ``"cs231n"`` and ``layout``
    ``"numerator"`` or ``"denominator"``, as ``--convention`` and ``--layout``."""

__all__ = ["Derivation", "Report", "Row", "SpecError", "derive"]
