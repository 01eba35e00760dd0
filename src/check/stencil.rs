//! Central differences: the five-point stencil and the step it takes at a value.

use crate::matrix::Matrix;

/// The step for an entry of value v whose sign matters: the base step, but never more than
/// |v|/100, so that v ± 2h keeps v's sign and stays close: a probability stays positive under
/// log (whose derivatives grow like 1/v⁵), and an input on one side of a kink stays there.
/// Elsewhere the base step is taken: a value that is zero up to rounding (0.1 + 0.2 − 0.3)
/// would otherwise be moved by less than rounding can show.
pub fn step_for(value: f64, step: f64) -> f64 {
    if value == 0.0 {
        step
    } else {
        step.min(value.abs() / 100.0)
    }
}

/// The derivative at 0 of a function of one step, by the five-point central difference
/// (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h, whose error is of order h⁴.
pub fn stencil(h: f64, mut f: impl FnMut(f64) -> Matrix<f64>) -> Matrix<f64> {
    let (minus2, minus1, plus1, plus2) = (f(-2.0 * h), f(-h), f(h), f(2.0 * h));
    let data = (0..plus1.data.len())
        .map(|i| {
            (minus2.data[i] - 8.0 * minus1.data[i] + 8.0 * plus1.data[i] - plus2.data[i])
                / (12.0 * h)
        })
        .collect();
    Matrix::from_vec(plus1.rows, plus1.cols, data)
}
