"""The Python module against its promises: the formats, the check, errors with positions, and
values at a point against jax.grad in float64."""

import derive
import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

HOMEWORK = [
    ("linear>relu>linear>identity", "mse"),
    ("linear>sigmoid>linear>sigmoid", "mse"),
    ("linear>sigmoid>linear>sigmoid", "bce"),
    ("linear>relu>linear>sigmoid", "bce"),
]


@pytest.mark.parametrize(("spec", "loss"), HOMEWORK)
def test_every_format_and_the_check(spec, loss):
    d = derive.derive(spec, loss=loss)
    assert "Numeric check: PASS" in d.text()
    assert d.latex(standalone=True).startswith("\\documentclass{article}")
    assert "$`" in d.markdown()
    assert "<math" in d.html()
    document = d.json()
    assert document["schema"] == "derive/1"
    assert document["check"]["passed"] is True
    report = d.check()
    assert report.passed and report.verdict == "PASS"
    assert all(row.passed and row.error < report.tolerance for row in report.rows)
    assert {row.quantity for row in report.rows} >= {"∂ℓ/∂W⁽¹⁾", "∂ℓ/∂b⁽²⁾"}


def test_only_takes_the_names_of_the_command_line():
    d = derive.derive("linear>relu>linear>identity")
    gradients = d.latex(only=["gradients"])
    assert "Gradients by the chain rule" in gradients
    assert "Closed forms" not in gradients
    assert "section*" not in gradients
    with pytest.raises(ValueError, match="closed"):
        d.text(only=["closedd"])


def test_rich_display_for_notebooks():
    d = derive.derive("linear>relu>linear>softmax", loss="ce")
    assert "<math" in d._repr_html_()
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    for package_only in ("longtable", "tabularx", "booktabs", "\\toprule", "\\section"):
        assert package_only not in latex
    markdown = d._repr_markdown_()
    assert "$`" not in markdown and "$$" in markdown


def test_a_bad_spec_is_a_spec_error_with_its_position():
    with pytest.raises(derive.SpecError) as caught:
        derive.derive("linear>rleu>linear")
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.line, error.column) == (1, 8)
    assert "did you mean `relu`?" in str(error)
    assert "a layer name" in error.expected
    with pytest.raises(derive.SpecError) as caught:
        derive.derive("linear>\nrelu>>linear")
    assert (caught.value.line, caught.value.column) == (2, 6)


@pytest.mark.parametrize(
    "arguments",
    [
        {"loss": "hinge2"},
        {"reduction": "median"},
        {"weight_decay": -1.0},
        {"dims": "n=0"},
        {"width": 10},
    ],
)
def test_bad_options_are_value_errors(arguments):
    with pytest.raises(ValueError):
        derive.derive("linear", **arguments)


def test_a_bad_point_names_its_key():
    d = derive.derive("linear>relu>linear>identity")
    with pytest.raises(ValueError, match="W2"):
        d.evaluate({"x": [1.0], "y": [1.0], "W1": [[1.0]], "b1": [0.0], "b2": [0.0]})


ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}


def reference_loss(spec, loss, params, x, y, batch):
    """The chain on samples as columns, as derive writes it, and derive's loss definitions."""
    h = x.T if batch else x
    k = 0
    for layer in spec.split(">"):
        if layer == "linear":
            k += 1
            bias = params[f"b{k}"][:, None] if batch else params[f"b{k}"]
            h = params[f"W{k}"] @ h + bias
        elif layer == "softmax":
            h = jax.nn.softmax(h, axis=0)
        elif layer != "identity":
            h = ACTIVATIONS[layer](h)
    target = y.T if batch else y
    if loss == "mse":
        per_sample = jnp.sum((h - target) ** 2, axis=0)
    elif loss == "ce":
        per_sample = -jnp.sum(target * jnp.log(h), axis=0)
    else:
        per_sample = -jnp.mean(target * jnp.log(h) + (1 - target) * jnp.log(1 - h), axis=0)
    return jnp.mean(per_sample) if batch else per_sample


@pytest.mark.parametrize("batch", [0, 5])
@pytest.mark.parametrize(
    ("spec", "loss", "sizes"),
    [
        ("linear>relu>linear>identity", "mse", [3, 4, 2]),
        ("linear>tanh>linear>sigmoid", "bce", [2, 5, 3]),
        ("linear>relu>linear>tanh>linear>softmax", "ce", [4, 3, 5, 3]),
    ],
)
def test_values_at_a_point_agree_with_jax(spec, loss, sizes, batch):
    rng = np.random.default_rng(7)
    params = {}
    for k in range(1, len(sizes)):
        params[f"W{k}"] = rng.uniform(-1, 1, (sizes[k], sizes[k - 1]))
        params[f"b{k}"] = rng.uniform(-1, 1, sizes[k])
    x = rng.uniform(-1, 1, (batch, sizes[0]) if batch else sizes[0])
    shape = (batch, sizes[-1]) if batch else sizes[-1]
    if loss == "ce":
        y = rng.dirichlet(np.ones(sizes[-1]), batch if batch else None)
    else:
        y = rng.uniform(0, 1, shape)
    d = derive.derive(spec, loss=loss, batch=bool(batch))
    values = d.evaluate({"x": x, "y": y, **params})
    value, grads = jax.value_and_grad(
        lambda p: reference_loss(spec, loss, p, jnp.asarray(x), jnp.asarray(y), batch)
    )({k: jnp.asarray(v) for k, v in params.items()})
    assert values["loss"] == pytest.approx(float(value), rel=1e-12)
    assert set(values["gradients"]) == set(params)
    for key, gradient in values["gradients"].items():
        assert gradient.shape == params[key].shape
        np.testing.assert_allclose(gradient, np.asarray(grads[key]), rtol=1e-10, atol=1e-13)


def test_the_check_of_a_wrong_reference_would_fail():
    """The comparison above can fail: a gradient off by a transpose or a sign differs."""
    d = derive.derive("linear>relu>linear>identity")
    rng = np.random.default_rng(1)
    point = {"x": rng.uniform(-1, 1, 3), "y": rng.uniform(-1, 1, 2)}
    point |= {"W1": rng.uniform(-1, 1, (4, 3)), "b1": rng.uniform(-1, 1, 4)}
    point |= {"W2": rng.uniform(-1, 1, (2, 4)), "b2": rng.uniform(-1, 1, 2)}
    gradient = d.evaluate(point)["gradients"]["b2"]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(gradient, -gradient, rtol=1e-10)


def test_the_type_stubs_describe_the_module():
    """Every class, method and function the stubs declare exists, and every public one of the
    module is declared."""
    import ast
    import importlib.resources

    stub = importlib.resources.files("derive").joinpath("__init__.pyi").read_text()
    tree = ast.parse(stub)
    declared = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            declared.add(node.name)
            cls = getattr(derive, node.name)
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    assert hasattr(cls, item.name), f"{node.name}.{item.name}"
                elif isinstance(item, ast.AnnAssign) and node.name != "SpecError":
                    assert item.target.id in dir(cls), f"{node.name}.{item.target.id}"
        elif isinstance(node, ast.FunctionDef):
            declared.add(node.name)
            assert callable(getattr(derive, node.name))
    public = {name for name in dir(derive) if not name.startswith("_")} - {"derive"}
    assert public <= declared | {"derive"}, public - declared
    assert "derive" in declared


@pytest.mark.parametrize("convention", ["pytorch", "cs231n"])
def test_a_convention_gives_its_weights_and_gradients_in_its_shapes(convention):
    """Under cs231n a weight (and its gradient) is in×out, under pytorch out×in; both give the
    columns convention's values, transposed where the convention stores W the other way."""
    rng = np.random.default_rng(3)
    point = {"x": rng.uniform(-1, 1, (5, 3)), "y": rng.dirichlet(np.ones(2), 5)}
    point |= {"W1": rng.uniform(-1, 1, (4, 3)), "b1": rng.uniform(-1, 1, 4)}
    point |= {"W2": rng.uniform(-1, 1, (2, 4)), "b2": rng.uniform(-1, 1, 2)}
    spec = "linear>relu>linear>softmax"
    columns = derive.derive(spec, loss="ce", batch=True).evaluate(point)
    flip = convention == "cs231n"
    given = {k: (v.T if flip and k.startswith("W") else v) for k, v in point.items()}
    d = derive.derive(spec, loss="ce", batch=True, convention=convention, layout="denominator")
    assert d.check().passed
    values = d.evaluate(given)
    assert values["loss"] == pytest.approx(columns["loss"], rel=1e-14)
    for key, gradient in values["gradients"].items():
        expected = columns["gradients"][key]
        expected = expected.T if flip and key.startswith("W") else expected
        np.testing.assert_allclose(gradient, expected, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="convention"):
        derive.derive(spec, convention="rows")


def test_a_model_with_two_inputs_and_its_own_objective_against_jax():
    model = (
        "h = relu(linear(x1) + linear(x2)); yhat = linear(h); "
        "loss = 0.5*mse(yhat, y) + 0.01*sumsq(W1)"
    )
    d = derive.derive(model)
    rng = np.random.default_rng(3)
    point = {
        "x1": rng.normal(size=3),
        "x2": rng.normal(size=2),
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=4),
        "W2": rng.normal(size=(4, 2)),
        "b2": rng.normal(size=4),
        "W3": rng.normal(size=(2, 4)),
        "b3": rng.normal(size=2),
        "y": rng.normal(size=2),
    }

    def objective(p):
        h = jax.nn.relu(p["W1"] @ p["x1"] + p["b1"] + p["W2"] @ p["x2"] + p["b2"])
        yhat = p["W3"] @ h + p["b3"]
        return 0.5 * jnp.sum((yhat - p["y"]) ** 2) + 0.01 * jnp.sum(p["W1"] ** 2)

    values = d.evaluate({k: v.tolist() for k, v in point.items()})
    expected = jax.grad(objective)({k: jnp.asarray(v) for k, v in point.items()})
    assert np.isclose(values["loss"], objective(point), rtol=1e-12)
    for key in ["W1", "b1", "W2", "b2", "W3", "b3"]:
        np.testing.assert_allclose(values["gradients"][key], expected[key], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="writes its objective"):
        derive.derive(model, loss="mse")
