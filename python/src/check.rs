//! The check's report as Python objects: whether it passed, and one row per quantity and form
//! compared, as the command's table prints them.

use derive_engine::check::{CheckReport, Verdict};
use pyo3::prelude::*;

/// One row of the check: the quantity (`∂ℓ/∂W⁽¹⁾`), the form compared (`closed form`), how
/// (`every entry`), the error, and whether it passed.
#[pyclass(frozen, get_all, module = "derive")]
pub struct Row {
    quantity: String,
    form: String,
    compared: String,
    error: f64,
    passed: bool,
}

#[pymethods]
impl Row {
    fn __repr__(&self) -> String {
        format!(
            "<{} {}: {:.1e} {}>",
            self.quantity,
            self.form,
            self.error,
            if self.passed { "pass" } else { "FAIL" }
        )
    }
}

/// The numeric check: `.passed` is True when every row is within tolerance; `.verdict` is
/// PASS, FAIL or UNCHECKED as the command says it.
#[pyclass(frozen, get_all, module = "derive")]
pub struct Report {
    passed: bool,
    verdict: String,
    tolerance: f64,
    rows: Vec<Py<Row>>,
}

impl Report {
    pub fn new(py: Python<'_>, report: &CheckReport) -> PyResult<Report> {
        let rows = report
            .items
            .iter()
            .map(|item| {
                Py::new(
                    py,
                    Row {
                        quantity: item.symbol.text(),
                        form: item.form.label().to_string(),
                        compared: item.comparison.label(),
                        error: item.error,
                        passed: item.passed,
                    },
                )
            })
            .collect::<PyResult<_>>()?;
        let verdict = match report.verdict() {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unchecked => "UNCHECKED",
        };
        Ok(Report {
            passed: report.passed(),
            verdict: verdict.to_string(),
            tolerance: report.tolerance,
            rows,
        })
    }
}

#[pymethods]
impl Report {
    fn __repr__(&self) -> String {
        format!("<derive check: {}, {} rows>", self.verdict, self.rows.len())
    }
}
