"""A real notebook, executed headless by a Jupyter kernel: each cell that derives a homework net
must display HTML with MathML and LaTeX a notebook's math renderer takes."""

import nbformat
from nbclient import NotebookClient

CELLS = [
    "import derive",
    'derive.derive("linear>relu>linear>identity", loss="mse")',
    'derive.derive("linear>sigmoid>linear>sigmoid", loss="bce")',
    'derive.derive("linear>relu>linear>sigmoid", loss="bce", batch=True)',
]


def test_a_notebook_displays_the_derivations():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    for cell in notebook.cells[1:]:
        (output,) = cell.outputs
        assert output.output_type == "execute_result"
        data = output.data
        assert "<math" in data["text/html"]
        assert data["text/latex"].startswith("$$\\begin{aligned}")
        assert "$$" in data["text/markdown"]
        assert data["text/plain"].startswith("<derive.Derivation")
