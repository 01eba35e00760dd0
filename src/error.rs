//! The library's errors and how they are shown to a person.

use std::fmt;

use crate::shape::ShapeError;

/// Everything that can go wrong between a spec and a checked derivation.
#[derive(Debug)]
pub enum Error {
    /// The spec text does not parse, or names an unknown layer.
    Spec(SpecError),
    /// A bad `--dims` or other option value.
    Usage(String),
    /// An expression could not be built: a defect in the engine, never the user's input.
    Shape(ShapeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(e) => e.fmt(f),
            Error::Usage(message) => write!(f, "error: {message}"),
            Error::Shape(e) => write!(f, "internal error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(e)
    }
}

impl From<ShapeError> for Error {
    fn from(e: ShapeError) -> Self {
        Error::Shape(e)
    }
}

/// A problem at a place in the spec text.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub spec: String,
    /// Byte range of the offending text (empty at the end of input).
    pub span: (usize, usize),
    pub message: String,
    pub expected: String,
}

impl fmt::Display for SpecError {
    /// ```text
    /// error: unknown layer `rleu` (column 8)
    ///   linear>rleu>linear
    ///          ^^^^
    ///   expected a layer name: linear, relu, sigmoid, tanh, identity
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Columns count characters, not bytes, so that the caret sits under the right place.
        let column = self.spec[..self.span.0].chars().count();
        let width = self.spec[self.span.0..self.span.1].chars().count().max(1);
        let shown: String = self
            .spec
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        writeln!(f, "error: {} (column {})", self.message, column + 1)?;
        writeln!(f, "  {shown}")?;
        writeln!(f, "  {}{}", " ".repeat(column), "^".repeat(width))?;
        write!(f, "  expected {}", self.expected)
    }
}
