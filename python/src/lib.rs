//! The Python module `derive`: the engine of the command line, called in process. A
//! derivation is built once, in Rust, and every method reads that one value: the formats as
//! strings (and JSON as a dict), the check's report, values at a point, and the rich display
//! notebooks show. Work that may take long runs with the GIL released.

mod check;
mod errors;
mod point;

use std::sync::OnceLock;

use derive_engine::check::{CheckOptions, CheckReport, check};
use derive_engine::convention::{Convention, Layout, Style, view};
use derive_engine::derivation::Expansion;
use derive_engine::render::markdown::{Dialect, render_markdown_for};
use derive_engine::render::mathjax::render_mathjax;
use derive_engine::render::parts::Parts;
use derive_engine::render::sections::Sections;
use derive_engine::render::{Format, RenderOptions};
use derive_engine::{Loss, Reduction, derive_spec, parse_dims, parse_spec};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::check::Report;
use crate::errors::{SpecError, to_python};

/// A derivation: every Jacobian, backpropagated row and gradient of a network's loss, in
/// chain-rule and closed form, checked against finite differences on request.
#[pyclass(frozen, module = "derive")]
struct Derivation {
    derivation: derive_engine::Derivation,
    check_options: CheckOptions,
    width: usize,
    /// The check at the random point of `check_options`, run when first needed.
    report: OnceLock<Result<CheckReport, String>>,
}

impl Derivation {
    /// The report of the check, run once.
    fn report(&self, py: Python<'_>) -> PyResult<&CheckReport> {
        let report = self.report.get_or_init(|| {
            py.detach(|| check(&self.derivation, &self.check_options).map_err(|e| e.to_string()))
        });
        report
            .as_ref()
            .map_err(|message| pyo3::exceptions::PyValueError::new_err(message.clone()))
    }

    /// The derivation in a format, the parts named in `only` (all of them when `None`), with
    /// the check's section where it is printed.
    fn render(
        &self,
        py: Python<'_>,
        format: Format,
        only: Option<Vec<String>>,
        standalone: bool,
    ) -> PyResult<String> {
        let parts = parts(only)?;
        let report = if parts.shows(derive_engine::render::parts::Part::Check) {
            Some(self.report(py)?)
        } else {
            None
        };
        let page = RenderOptions {
            width: self.width,
            standalone,
        };
        Ok(py.detach(|| format.render(&self.sections(report, parts), page)))
    }

    fn sections<'a>(&'a self, report: Option<&'a CheckReport>, parts: Parts) -> Sections<'a> {
        let mut sections = Sections::before_check(&self.derivation, None, parts);
        if let Some(report) = report {
            sections.add_check(report);
        }
        sections
    }
}

/// The parts of `--only`, by name; all of them for `None`.
fn parts(only: Option<Vec<String>>) -> PyResult<Parts> {
    match only {
        None => Ok(Parts::whole()),
        Some(names) => Parts::parse(&names.join(",")).map_err(to_python),
    }
}

#[pymethods]
impl Derivation {
    /// The derivation as text, as the command prints it.
    #[pyo3(signature = (only = None))]
    fn text(&self, py: Python<'_>, only: Option<Vec<String>>) -> PyResult<String> {
        self.render(py, Format::Text, only, false)
    }

    /// The derivation as LaTeX: a fragment for a document with amsmath, amssymb, booktabs and
    /// longtable, or with `standalone` a whole document for pdflatex.
    #[pyo3(signature = (only = None, standalone = false))]
    fn latex(
        &self,
        py: Python<'_>,
        only: Option<Vec<String>>,
        standalone: bool,
    ) -> PyResult<String> {
        self.render(py, Format::Latex, only, standalone)
    }

    /// The derivation as GitHub-flavoured Markdown.
    #[pyo3(signature = (only = None))]
    fn markdown(&self, py: Python<'_>, only: Option<Vec<String>>) -> PyResult<String> {
        self.render(py, Format::Markdown, only, false)
    }

    /// The derivation as one self-contained HTML page, formulas in MathML.
    #[pyo3(signature = (only = None))]
    fn html(&self, py: Python<'_>, only: Option<Vec<String>>) -> PyResult<String> {
        self.render(py, Format::Html, only, false)
    }

    /// The derivation as the command's JSON (schema derive/1), parsed into a dict.
    #[pyo3(signature = (only = None))]
    fn json<'py>(&self, py: Python<'py>, only: Option<Vec<String>>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.render(py, Format::Json, only, false)?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// The numeric check's report at the random point drawn from the seed: `.passed`, and a
    /// row per quantity and form with its error.
    fn check(&self, py: Python<'_>) -> PyResult<Report> {
        Report::new(py, self.report(py)?)
    }

    /// ℓ and every gradient at a point: a dict of arrays (or nested lists) keyed as the
    /// command's `--at` file is (x, y, W1, b1, …; with `batch`, x and y one row per sample).
    /// Returns `{"loss": float, "gradients": {"W1": ndarray, …}}`.
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        point: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyDict>> {
        point::evaluate(py, &self.derivation, point)
    }

    /// The derivation, as a notebook shows it: the HTML page.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        self.html(py, None)
    }

    /// The derivation, as a notebook shows it: Markdown with `$…$` and `$$…$$`.
    fn _repr_markdown_(&self, py: Python<'_>) -> PyResult<String> {
        let report = self.report(py)?;
        Ok(py.detach(|| {
            render_markdown_for(
                &self.sections(Some(report), Parts::whole()),
                Dialect::Notebook,
            )
        }))
    }

    /// The derivation's equations as one display for MathJax or KaTeX.
    fn _repr_latex_(&self, py: Python<'_>) -> PyResult<String> {
        let report = self.report(py)?;
        Ok(py.detach(|| render_mathjax(&self.sections(Some(report), Parts::whole()))))
    }

    fn __repr__(&self) -> String {
        format!(
            "<derive.Derivation {}, loss {}>",
            self.derivation.network.spec.normalized(),
            self.derivation.network.loss.name()
        )
    }
}

/// Derives a network's loss: every Jacobian and gradient, in chain-rule and closed form.
///
/// `spec` is the chain or model of the command line (`"linear>relu>linear>identity"`); the
/// keyword arguments are its options. `loss` is mse when not given, and is not given for a model
/// that writes its objective (`loss = …`).
#[pyfunction]
#[pyo3(signature = (
    spec, loss = None, *, reduction = None, batch = false, weight_decay = None,
    expand = None, dims = None, seed = CheckOptions::DEFAULT_SEED, width = 100,
    convention = "columns", layout = "numerator"
))]
#[allow(clippy::too_many_arguments)]
fn derive(
    py: Python<'_>,
    spec: &str,
    loss: Option<&str>,
    reduction: Option<&str>,
    batch: bool,
    weight_decay: Option<f64>,
    expand: Option<bool>,
    dims: Option<&str>,
    seed: u64,
    width: usize,
    convention: &str,
    layout: &str,
) -> PyResult<Derivation> {
    let style = Style::NAMES
        .iter()
        .find(|(name, _)| *name == convention)
        .map(|(_, style)| *style)
        .ok_or_else(|| {
            to_python(format!(
                "convention: `{convention}` is not columns, pytorch or cs231n"
            ))
        })?;
    let layout = match layout {
        "numerator" => Layout::Numerator,
        "denominator" => Layout::Denominator,
        other => {
            return Err(to_python(format!(
                "layout: `{other}` is not numerator or denominator"
            )));
        }
    };
    let convention = Convention { style, layout };
    let mut parsed = parse_spec(spec).map_err(|e| errors::from_engine(e.into()))?;
    // mse unless given, or unless the model writes its objective (`loss = …`), which takes no
    // other.
    let written = parsed.objective.as_ref().map(|o| o.loss);
    let mut loss = match (loss, written) {
        (Some(name), Some(_)) => {
            return Err(to_python(format!(
                "loss `{name}`: the model writes its objective (`loss = …`); give one or the other"
            )));
        }
        (None, Some(written)) => written,
        (name, None) => {
            Loss::from_name(name.unwrap_or("mse")).map_err(|e| to_python(format!("loss: {e}")))?
        }
    };
    if let Some(name) = reduction {
        loss.reduction = Reduction::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| to_python(format!("reduction: `{name}` is not sum or mean")))?;
    }
    if let Some(objective) = &mut parsed.objective {
        objective.loss = loss;
    }
    if let Some(lambda) = weight_decay {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(to_python(format!(
                "weight_decay {lambda}: λ is a finite number, 0 or more"
            )));
        }
        parsed.weight_decay = Some(lambda);
    }
    let expansion = match expand {
        Some(true) => Expansion::Expanded,
        Some(false) => Expansion::Compact,
        None => Expansion::default_for(parsed.layers.len()),
    };
    if width < 40 {
        return Err(to_python(format!(
            "width {width}: the output needs at least 40 columns"
        )));
    }
    let derivation = py
        .detach(|| {
            let derivation = view(derive_spec(&parsed, loss, expansion, batch)?, convention)?;
            derive_engine::render::expanded_size::check_expanded_size(&derivation)?;
            Ok::<_, derive_engine::Error>(derivation)
        })
        .map_err(errors::from_engine)?;
    let sizes = parse_dims(dims.unwrap_or(""), &derivation.network).map_err(errors::from_engine)?;
    Ok(Derivation {
        derivation,
        check_options: CheckOptions {
            seed,
            sizes,
            step: CheckOptions::DEFAULT_STEP,
            tolerance: CheckOptions::DEFAULT_TOLERANCE,
        },
        width,
        report: OnceLock::new(),
    })
}

#[pymodule]
#[pyo3(name = "derive")]
fn derive_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(derive, m)?)?;
    m.add_class::<Derivation>()?;
    m.add_class::<Report>()?;
    m.add_class::<check::Row>()?;
    m.add("SpecError", m.py().get_type::<SpecError>())?;
    Ok(())
}
