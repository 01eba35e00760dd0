//! The engine's errors as Python exceptions: a spec error is a `derive.SpecError` (a
//! ValueError) carrying the message, the line and column of the offending text and what was
//! expected; every other refusal of the input is a ValueError with the command's message.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    derive,
    SpecError,
    PyValueError,
    "The spec does not parse or names an unknown layer: `.line` and `.column` (from 1) say \
     where, `.expected` what would have been right there."
);

/// A refusal of the input, with the command's words.
pub fn to_python(message: String) -> PyErr {
    PyValueError::new_err(message)
}

pub fn from_engine(error: derive_engine::Error) -> PyErr {
    match error {
        derive_engine::Error::Spec(spec) => {
            let (line, column) = spec.line_column();
            let message = match &spec.help {
                Some(help) => format!("{} ({help})", spec.message),
                None => spec.message.clone(),
            };
            Python::attach(|py| {
                let error = SpecError::new_err(message);
                let value = error.value(py);
                // Setting an attribute of a fresh exception cannot fail.
                let _ = value.setattr("line", line);
                let _ = value.setattr("column", column);
                let _ = value.setattr("expected", spec.expected.clone());
                error
            })
        }
        derive_engine::Error::Usage(message) | derive_engine::Error::Check(message) => {
            to_python(message)
        }
        shape @ derive_engine::Error::Shape(_) => {
            pyo3::exceptions::PyRuntimeError::new_err(shape.to_string())
        }
    }
}
